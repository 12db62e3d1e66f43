import type { PanelProps } from '@grafana/data';
import { KpiPanelView } from '../shared/components/KpiPanelView';
import { usePanelModel } from '../shared/components/usePanelModel';
import type { AudioQualityOptions } from './options';

export { defaultOptions } from './options';

/**
 * Audio quality (QoE): startup time, rebuffering, playback failures and bitrate against their
 * SLOs, the charted KPI with its expected band and anomalies, the breakdown by platform, market,
 * network or codec, and the data-quality badge.
 */
export function AudioQualityPanel(props: PanelProps<AudioQualityOptions>) {
  const { model, formatters, range, setSelectedKpi, selectedKpi, loading } = usePanelModel(props);
  if (loading) return null;
  return (
    <KpiPanelView
      model={model}
      width={props.width}
      height={props.height}
      formatters={formatters}
      range={range}
      label="Audio quality"
      {...(selectedKpi ? { selectedKpi } : {})}
      onSelectKpi={setSelectedKpi}
      testId="encore-audioquality-panel"
    />
  );
}
