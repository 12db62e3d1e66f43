import { RadioButtonGroup } from '@grafana/ui';
import type { QueryType } from '../../common/query';

export const QUERY_TYPE_OPTIONS: Array<{ value: QueryType; label: string; description: string }> = [
  { value: 'kpi', label: 'KPI', description: 'A streaming KPI from the Encore catalogue (rebuffering ratio, startup time, ad revenue...), filtered and split by market, platform, CDN' },
  { value: 'promql', label: 'PromQL', description: 'Any PromQL expression, as in the Prometheus data source' },
  {
    value: 'anomaly',
    label: 'Anomalies',
    description: 'Flags where a KPI or expression leaves its expected band, learnt from its own history and daily rhythm; with root-cause hints. For panels, alert rules and annotations',
  },
  {
    value: 'outliers',
    label: 'Outliers',
    description: 'Flags the series that break away from their peers: the one market, CDN or platform doing worse than the others at the same time',
  },
  { value: 'forecast', label: 'Forecast', description: 'Projects the series ahead of now with a prediction band: capacity, traffic peaks, revenue' },
  {
    value: 'quality',
    label: 'Data quality',
    description: 'Checks the data itself before you trust a panel or an alert: freshness, gaps, counter resets, flatlines, duplicates, cardinality',
  },
];

interface Props {
  value: string | undefined;
  onChange: (type: QueryType) => void;
}

/**
 * The query type: what the query reads (KPI, PromQL) or what it does with it (the analyses). An
 * unknown type from an old dashboard selects nothing.
 */
export function QueryTypeField({ value, onChange }: Props) {
  return <RadioButtonGroup<string> aria-label="Query type" options={QUERY_TYPE_OPTIONS} value={value ?? 'promql'} onChange={(next) => onChange(next as QueryType)} />;
}
