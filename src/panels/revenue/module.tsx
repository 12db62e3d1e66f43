import { PanelPlugin } from '@grafana/data';
import { revenueOptions, type RevenueOptions } from './options';
import { RevenuePanel } from './RevenuePanel';

export { RevenuePanel };
export { defaultOptions } from './options';

/** Grafana imports `plugin` from module.js. */
export const plugin = new PanelPlugin<RevenueOptions>(RevenuePanel).setPanelOptions(revenueOptions);
