import { PanelPlugin } from '@grafana/data';
import { BehaviourPanel } from './BehaviourPanel';
import { behaviourOptions, type BehaviourOptions } from './options';

export { BehaviourPanel };
export { defaultOptions } from './options';

/** Grafana imports `plugin` from module.js. */
export const plugin = new PanelPlugin<BehaviourOptions>(BehaviourPanel).setPanelOptions(behaviourOptions);
