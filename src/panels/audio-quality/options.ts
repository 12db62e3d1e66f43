import type { PanelOptionsEditorBuilder } from '@grafana/data';
import { addKpiPanelOptions, defaultKpiPanelOptions } from '../shared/options';
import type { KpiPanelOptions } from '../shared/panel-model';

/** The audio-quality panel has the shared options only. */
export type AudioQualityOptions = KpiPanelOptions;

/** The four QoE headline KPIs; the three with a catalogue SLO are coloured by it. */
export const defaultOptions: AudioQualityOptions = defaultKpiPanelOptions(['startup_time_p95', 'rebuffering_ratio', 'playback_failure_rate', 'average_bitrate']);

export function audioQualityOptions(builder: PanelOptionsEditorBuilder<AudioQualityOptions>) {
  return addKpiPanelOptions(builder, 'audio_quality', defaultOptions);
}
