import { DATASOURCE_PLUGIN_ID } from '../common/plugin-ids';

/**
 * Encore data sources as the overview lists them, and the Grafana URLs the page links to. Pure:
 * api.ts does the fetching, these helpers shape what came back.
 */

export interface EncoreDataSource {
  uid: string;
  name: string;
  type: string;
  isDefault: boolean;
  /** 'demo' or 'prometheus' as saved; undefined when the backend picks (URL set: Prometheus) */
  sourceKind?: string;
  url?: string;
  readOnly?: boolean;
}

/** One entry of `GET /api/datasources` (or of the front end's data source list). */
export interface DataSourceListItem {
  uid?: unknown;
  name?: unknown;
  type?: unknown;
  isDefault?: unknown;
  url?: unknown;
  readOnly?: unknown;
  jsonData?: { sourceKind?: unknown } | null;
}

/** An Encore data source from a list entry; undefined for other types and entries without a uid. */
export function toDataSource(item: DataSourceListItem): EncoreDataSource | undefined {
  if (typeof item.uid !== 'string' || item.uid === '' || item.type !== DATASOURCE_PLUGIN_ID) return undefined;
  const kind = item.jsonData?.sourceKind;
  return {
    uid: item.uid,
    name: typeof item.name === 'string' && item.name !== '' ? item.name : item.uid,
    type: DATASOURCE_PLUGIN_ID,
    isDefault: item.isDefault === true,
    ...(typeof kind === 'string' && kind !== '' ? { sourceKind: kind } : {}),
    ...(typeof item.url === 'string' && item.url !== '' ? { url: item.url } : {}),
    ...(item.readOnly === true ? { readOnly: true } : {}),
  };
}

/** Default first, then by name: the order a person scans them in. */
export function sortDataSources(list: readonly EncoreDataSource[]): EncoreDataSource[] {
  return [...list].sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name) || a.uid.localeCompare(b.uid));
}

/** Which upstream the data source reads, as the backend decides it (src/common/settings.ts). */
export function sourceLabel(ds: EncoreDataSource): string {
  const kind = ds.sourceKind ?? (ds.url ? 'prometheus' : 'demo');
  if (kind === 'demo') return 'Demo source (built in)';
  if (kind === 'prometheus') return ds.url ? `Prometheus at ${ds.url}` : 'Prometheus';
  return kind;
}

export const ADD_DATASOURCE_URL = '/connections/datasources/new';
export const DASHBOARDS_URL = '/dashboards';
export const ALERTING_URL = '/alerting';
export const NEW_ALERT_RULE_URL = '/alerting/new/alerting';

export function editDataSourceUrl(uid: string): string {
  return `/connections/datasources/edit/${encodeURIComponent(uid)}`;
}

/** The dashboard browser searching for Encore's dashboards by name. */
export function encoreDashboardsUrl(): string {
  return `${DASHBOARDS_URL}?query=${encodeURIComponent('Encore')}`;
}

export const QUALITY_REF_ID = 'quality';

/** The query object sent to the data source, and the one the Explore link opens. */
export function qualityQuery(ds: Pick<EncoreDataSource, 'uid' | 'type'>, kpi: string) {
  return { refId: QUALITY_REF_ID, datasource: { uid: ds.uid, type: ds.type }, queryType: 'quality' as const, kpi, output: 'table' as const };
}

/** Explore with the quality query and a relative range (Explore's `panes` URL, schema 1). */
export function exploreQualityUrl(ds: Pick<EncoreDataSource, 'uid' | 'type'>, kpi: string, range = { from: 'now-1h', to: 'now' }): string {
  const panes = { encore: { datasource: ds.uid, queries: [qualityQuery(ds, kpi)], range } };
  return `/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}
