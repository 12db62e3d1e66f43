// The panels the harness can render, with their default options, as Grafana loads them.
import { AudioQualityPanel } from '../../../src/panels/audio-quality/AudioQualityPanel';
import { defaultOptions as audioQualityDefaults } from '../../../src/panels/audio-quality/options';
import { BehaviourPanel } from '../../../src/panels/behaviour/BehaviourPanel';
import { defaultOptions as behaviourDefaults } from '../../../src/panels/behaviour/options';
import { defaultOptions as revenueDefaults } from '../../../src/panels/revenue/options';
import { RevenuePanel } from '../../../src/panels/revenue/RevenuePanel';
import type { PanelComponent } from './views';

export const PANELS: Record<string, { component: PanelComponent; defaults: Record<string, unknown> }> = {
  'audio-quality': { component: AudioQualityPanel as unknown as PanelComponent, defaults: { ...audioQualityDefaults } },
  behaviour: { component: BehaviourPanel as unknown as PanelComponent, defaults: { ...behaviourDefaults } },
  revenue: { component: RevenuePanel as unknown as PanelComponent, defaults: { ...revenueDefaults } },
};
