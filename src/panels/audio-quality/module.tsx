import { PanelPlugin } from '@grafana/data';
import { AudioQualityPanel } from './AudioQualityPanel';
import { audioQualityOptions, type AudioQualityOptions } from './options';

export { AudioQualityPanel };
export { defaultOptions } from './options';

/** Grafana imports `plugin` from module.js. */
export const plugin = new PanelPlugin<AudioQualityOptions>(AudioQualityPanel).setPanelOptions(audioQualityOptions);
