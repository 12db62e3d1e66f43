import { findKpi } from '../common/kpis/catalogue';
import { seriesName, termsOf } from '../common/kpis/expression';
import { promqlString, type LabelFilter } from '../common/kpis/filters';

/**
 * How the filter editor asks the backend for a label's values: the `labels/<name>/values`
 * resource, narrowed to the series the KPI reads (its first metric) and to the other filters
 * already set, so each value offered does give data. `search` narrows by substring on the server.
 * The demo source keeps its own series names (one per KPI and market), so there only the search
 * narrows: `narrowBySeries: false`.
 */
export interface LabelValuesRequest {
  path: string;
  params: Record<string, string | string[]>;
}

/** Values offered per lookup; the search box narrows further. */
export const LABEL_VALUES_LIMIT = 200;

export function labelValuesRequest(
  kpiId: string | undefined,
  label: string,
  otherFilters: readonly LabelFilter[],
  search = '',
  narrowBySeries = true,
): LabelValuesRequest {
  const params: Record<string, string | string[]> = { limit: String(LABEL_VALUES_LIMIT) };
  if (search !== '') params.search = search;
  const kpi = kpiId ? findKpi(kpiId) : undefined;
  const first = kpi ? termsOf(kpi.formula)[0] : undefined;
  if (first && narrowBySeries) params['match[]'] = `${seriesName(first)}{${matchers(otherFilters.filter((f) => f.label !== label && f.label !== '')).join(',')}}`;
  return { path: `labels/${encodeURIComponent(label)}/values`, params };
}

function matchers(filters: readonly LabelFilter[]): string[] {
  // A regex filter's value is its pattern: quoted as a string like any other value.
  return filters.map((f) => `${f.label}${f.op}${promqlString(f.value)}`);
}
