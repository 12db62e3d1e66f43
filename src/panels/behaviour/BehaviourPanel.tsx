import type { PanelProps } from '@grafana/data';
import { useMemo } from 'react';
import { KpiPanelView } from '../shared/components/KpiPanelView';
import { usePanelModel } from '../shared/components/usePanelModel';
import { sessionDistribution } from '../shared/distribution';
import { funnel } from '../shared/funnel';
import { DistributionView } from './DistributionView';
import { FunnelView } from './FunnelView';
import type { BehaviourOptions } from './options';

export { defaultOptions } from './options';

/**
 * Listener behaviour: skip and completion rates, listening time per user, session length,
 * recommendation share and skip rate; the streams funnel and the session length distribution;
 * anomalies and breakdowns as in the other Encore panels.
 */
export function BehaviourPanel(props: PanelProps<BehaviourOptions>) {
  const { model, answers, formatters, range, setSelectedKpi, selectedKpi, loading } = usePanelModel(props);
  const { showFunnel, showDistribution, decimals } = props.options;
  const steps = useMemo(() => (showFunnel ? funnel(answers, formatters.value, decimals ?? undefined) : undefined), [answers, formatters, showFunnel, decimals]);
  const distribution = useMemo(() => (showDistribution ? sessionDistribution(answers) : undefined), [answers, showDistribution]);
  if (loading) return null;
  const extrasHeight = (steps ? (steps.found > 0 ? 100 : 24) : 0) + (showDistribution ? (distribution ? distribution.bars.length * 18 + 24 : 24) : 0);
  return (
    <KpiPanelView
      model={model}
      width={props.width}
      height={props.height}
      formatters={formatters}
      range={range}
      label="Listener behaviour"
      {...(selectedKpi ? { selectedKpi } : {})}
      onSelectKpi={setSelectedKpi}
      extras={
        <>
          {steps && <FunnelView funnel={steps} />}
          {showDistribution && <DistributionView distribution={distribution} />}
        </>
      }
      extrasHeight={extrasHeight}
      testId="encore-behaviour-panel"
    />
  );
}
