import { AppPlugin } from '@grafana/data';
import { EncoreOverview } from './app/Overview';

/** Grafana imports `plugin` from module.js; the root page answers /a/encore-streaming-app. */
export const plugin = new AppPlugin().setRootPage(EncoreOverview);
