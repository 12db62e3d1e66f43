import type { KpiDefinition } from '../../../common/kpis/catalogue';
import { filterMatches, promqlString, type LabelFilter } from '../../../common/kpis/filters';
import { QueryValidationError } from '../../query/failure';
import { DEMO_METRICS, type DemoMetricKey } from './model';

/**
 * The KPIs the demo source models, each read from one of its synthetic metrics. The demo's series
 * are already ratios, percentiles and hourly revenue per market (and platform), so a KPI is an
 * average over the selected series (unweighted: the demo has no volumes to weight by) or, for
 * revenue, a sum scaled to the catalogue's unit.
 */
interface DemoKpi {
  metric: DemoMetricKey;
  aggregate: 'avg' | 'sum';
  /** from the demo metric's unit to the KPI's */
  factor?: number;
}

const DEMO_KPIS: Readonly<Record<string, DemoKpi>> = {
  startup_time_p95: { metric: 'startupTime', aggregate: 'avg' },
  rebuffering_ratio: { metric: 'rebufferRatio', aggregate: 'avg' },
  playback_failure_rate: { metric: 'failureRatio', aggregate: 'avg' },
  average_bitrate: { metric: 'bitrate', aggregate: 'avg' },
  skip_rate: { metric: 'skipRate', aggregate: 'avg' },
  completion_rate: { metric: 'completionRate', aggregate: 'avg' },
  // The demo measures the recommended share of listening time; streams follow listening closely.
  recommendation_stream_share: { metric: 'recommendationShare', aggregate: 'avg' },
  subscription_revenue: { metric: 'subscriptionRevenue', aggregate: 'sum', factor: 24 },
  ad_revenue: { metric: 'adRevenue', aggregate: 'sum', factor: 24 },
};

export const DEMO_KPI_IDS: readonly string[] = Object.keys(DEMO_KPIS);

/** The labels the demo splits a KPI by; none for KPIs it does not model. */
export function demoKpiSplitLabels(kpi: KpiDefinition): string[] {
  const demo = DEMO_KPIS[kpi.id];
  if (!demo) return [];
  return DEMO_METRICS[demo.metric].labels === 'market' ? ['market'] : ['market', 'platform'];
}

/** How the demo combines a KPI's series: averaged (levels) or summed (revenue). */
export function demoKpiAggregate(kpi: KpiDefinition): 'avg' | 'sum' | undefined {
  return DEMO_KPIS[kpi.id]?.aggregate;
}

export function demoKpiExpression(kpi: KpiDefinition, filters: readonly LabelFilter[], groupBy: readonly string[]): string {
  const demo = DEMO_KPIS[kpi.id];
  if (!demo) {
    throw new QueryValidationError(
      `kpi: ${kpi.id} is not modelled by the demo source (it has ${DEMO_KPI_IDS.join(', ')}); point the data source at a Prometheus that scrapes the Encore collector for every KPI`,
    );
  }
  const metric = DEMO_METRICS[demo.metric];
  const labels = demoKpiSplitLabels(kpi);
  // A filter on a label the demo does not model is judged as Prometheus judges a series without
  // that label, as the empty string: one that matches it (a dashboard's "All", `tier=~".*"`)
  // keeps every series and is left out; one that does not (`tier="premium"`) is refused below.
  const modelled = filters.filter((f) => labels.includes(f.label) || !filterMatches(f, {}));
  for (const [where, label] of [...modelled.map((f) => ['filters', f.label] as const), ...groupBy.map((l) => ['groupBy', l] as const)]) {
    if (!labels.includes(label)) {
      throw new QueryValidationError(`${where}: the demo source splits ${kpi.id} only by ${labels.join(' and ')}, got ${JSON.stringify(label)}`);
    }
  }
  const matchers = modelled.map((f) => `${f.label}${f.op}${promqlString(f.value)}`);
  const selector = matchers.length > 0 ? `${metric.name}{${matchers.join(', ')}}` : metric.name;
  const aggregated = `${demo.aggregate}${groupBy.length > 0 ? ` by (${groupBy.join(', ')})` : ''} (${selector})`;
  return demo.factor ? `${demo.factor} * ${aggregated}` : aggregated;
}
