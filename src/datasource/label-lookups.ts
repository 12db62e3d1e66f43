import type { DataSourceInstanceSettings } from '@grafana/data';
import { findKpi, kpiLabels } from '../common/kpis/catalogue';
import { seriesName, termsOf } from '../common/kpis/expression';
import { promqlString, type LabelFilter } from '../common/kpis/filters';
import { effectiveSourceKind } from './ConfigEditor/settings-edit';
import type { EncoreJsonData } from './types';

/**
 * How the editors ask the backend for label names (`labels`) and a label's values
 * (`labels/<name>/values`): narrowed to the series the KPI reads (its first metric) and to the
 * filters already set, so each name or value offered does give data. `search` narrows by
 * substring on the server. The demo source keeps its own series names (one per KPI and market),
 * so there only the search narrows: `narrowBySeries: false`.
 */
export interface LabelLookupRequest {
  path: string;
  params: Record<string, string | string[]>;
}

/** Names or values offered per lookup; the search box narrows further. */
export const LABEL_LOOKUP_LIMIT = 200;

function lookupParams(kpiId: string | undefined, filters: readonly LabelFilter[], search: string, narrowBySeries: boolean): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = { limit: String(LABEL_LOOKUP_LIMIT) };
  if (search !== '') params.search = search;
  const kpi = kpiId ? findKpi(kpiId) : undefined;
  const first = kpi ? termsOf(kpi.formula)[0] : undefined;
  // A filter still being written (no value yet) would read `label=""`: series without the label.
  const set = filters.filter((f) => f.label !== '' && f.value !== '');
  if (first && narrowBySeries) params['match[]'] = `${seriesName(first)}{${matchers(set).join(',')}}`;
  return params;
}

export function labelValuesRequest(
  kpiId: string | undefined,
  label: string,
  otherFilters: readonly LabelFilter[],
  search = '',
  narrowBySeries = true,
): LabelLookupRequest {
  // A filter on the label itself would only offer the value already chosen.
  const params = lookupParams(kpiId, otherFilters.filter((f) => f.label !== label), search, narrowBySeries);
  return { path: `labels/${encodeURIComponent(label)}/values`, params };
}

export function labelNamesRequest(kpiId: string | undefined, filters: readonly LabelFilter[], search = '', narrowBySeries = true): LabelLookupRequest {
  return { path: 'labels', params: lookupParams(kpiId, filters, search, narrowBySeries) };
}

function matchers(filters: readonly LabelFilter[]): string[] {
  // A regex filter's value is its pattern: quoted as a string like any other value.
  return filters.map((f) => `${f.label}${f.op}${promqlString(f.value)}`);
}

/** What the lookups need of the data source: its resource calls and where it reads from. */
export interface LookupSource {
  settings: Pick<DataSourceInstanceSettings<EncoreJsonData>, 'jsonData' | 'url'>;
  getResource(path: string, params?: Record<string, unknown>): Promise<unknown>;
}

/** Prometheus series carry the collector's metric names; the demo's do not (see above). */
export function narrowsBySeries(source: LookupSource): boolean {
  return effectiveSourceKind({ jsonData: source.settings.jsonData, url: source.settings.url ?? '' }) === 'prometheus';
}

async function strings(source: LookupSource, request: LabelLookupRequest, extra: Record<string, string> = {}): Promise<string[]> {
  const answer = (await source.getResource(request.path, { ...request.params, ...extra })) as { data?: unknown } | undefined;
  return Array.isArray(answer?.data) ? answer.data.filter((v): v is string => typeof v === 'string') : [];
}

/** The values of `label` among the KPI's series (every series without a KPI), for a search text. */
export function fetchLabelValues(
  source: LookupSource,
  kpiId: string | undefined,
  label: string,
  filters: readonly LabelFilter[],
  search: string,
  range?: { from: number; to: number },
): Promise<string[]> {
  const request = labelValuesRequest(kpiId, label, filters, search, narrowsBySeries(source));
  return strings(source, request, range ? { start: String(range.from), end: String(range.to) } : {});
}

/** The label names the store has among the KPI's series, for a search text. */
export function fetchLabelNames(source: LookupSource, kpiId: string | undefined, filters: readonly LabelFilter[], search: string): Promise<string[]> {
  return strings(source, labelNamesRequest(kpiId, filters, search, narrowsBySeries(source)));
}

export interface LabelOption {
  value: string;
  label: string;
  description?: string;
}

export const LABEL_WITHOUT_DATA = 'No series with this label yet';

/**
 * The labels a KPI may be split or filtered by, as picker options. Only the catalogue's labels
 * for the KPI are allowed (the backend's rule); of those, the ones the store has (`seen`, from the
 * labels resource) come first, the others follow marked as having no data yet, so a dashboard can
 * be built before the data arrives. `seen` undefined (the lookup failed) offers the catalogue's as
 * they are. `search` narrows by substring, as the server does.
 */
export function labelNameOptions(kpiId: string | undefined, seen: readonly string[] | undefined, search = ''): LabelOption[] {
  const kpi = kpiId ? findKpi(kpiId) : undefined;
  if (!kpi) return [];
  const needle = search.toLowerCase();
  const allowed = kpiLabels(kpi).filter((label) => label.toLowerCase().includes(needle));
  if (!seen) return allowed.map((label) => ({ value: label, label }));
  const present = new Set(seen);
  return [
    ...allowed.filter((label) => present.has(label)).map((label) => ({ value: label, label })),
    ...allowed.filter((label) => !present.has(label)).map((label) => ({ value: label, label, description: LABEL_WITHOUT_DATA })),
  ];
}

/** labelNameOptions fed by the labels resource; a failed lookup falls back to the catalogue's labels. */
export async function loadLabelNameOptions(source: LookupSource, kpiId: string | undefined, filters: readonly LabelFilter[], search: string): Promise<LabelOption[]> {
  const seen = await fetchLabelNames(source, kpiId, filters, search).catch(() => undefined);
  return labelNameOptions(kpiId, seen, search);
}
