import { AppPlugin } from '@grafana/data';
import { GettingStarted } from './app/GettingStarted';

/** Grafana imports `plugin` from module.js; the root page answers /a/encore-streaming-app. */
export const plugin = new AppPlugin().setRootPage(GettingStarted);
