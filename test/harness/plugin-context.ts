/**
 * Builders for requests shaped the way Grafana fills them (fact sheet §2.3, §5), in wire form:
 * int64 as decimal strings, jsonData and query JSON as bytes, secrets as a string map, forwarded
 * HTTP headers with an `http_` prefix, and DataQuery.json holding the whole browser query.
 */
import { DATASOURCE_PLUGIN_ID } from '../../src/common/plugin-ids';
import { DEFAULT_GRAFANA_VERSION } from './plugin-process';
import type {
  CallResourceRequest,
  CheckHealthRequest,
  QueryDataRequest,
  StringList,
  SubscribeStreamRequest,
  WireDataQuery,
  WireDataSourceInstanceSettings,
  WirePluginContext,
  WireUser,
} from './wire';

export const DEFAULT_DATASOURCE_UID = 'encore-test-ds';
/** A fixed settings timestamp, so instance caches keyed on it behave deterministically. */
export const DEFAULT_LAST_UPDATED_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z

export interface DataSourceInput {
  id?: number;
  uid?: string;
  name?: string;
  /** '' (default) means no upstream: Encore serves its demo source */
  url?: string;
  user?: string;
  database?: string;
  basicAuth?: boolean;
  basicAuthUser?: string;
  jsonData?: Record<string, unknown>;
  /** raw jsonData bytes, overriding jsonData (to send broken settings) */
  jsonDataRaw?: string | Buffer;
  secureJsonData?: Record<string, string>;
  lastUpdatedMS?: number;
  apiVersion?: string;
}

export interface PluginContextInput {
  orgId?: number;
  pluginId?: string;
  pluginVersion?: string;
  /** null: a request without a user (e.g. alerting's service identity sends none here) */
  user?: Partial<WireUser> | null;
  /** null: no data source (app-level calls) */
  datasource?: DataSourceInput | null;
  /** merged over grafanaConfigDefaults() */
  grafanaConfig?: Record<string, string>;
  userAgent?: string;
  apiVersion?: string;
  namespace?: string;
}

/** The request-scoped config a stock Grafana sends (pluginconfig/request.go). */
export function grafanaConfigDefaults(): Record<string, string> {
  return {
    GF_APP_URL: 'http://localhost:3000/',
    GF_CONCURRENT_QUERY_COUNT: '10',
    GF_USER_FACING_DEFAULT_ERROR: 'Please inspect the Grafana server log for details.',
    GF_SQL_ROW_LIMIT: '1000000',
    GF_SQL_MAX_OPEN_CONNS_DEFAULT: '100',
    GF_SQL_MAX_IDLE_CONNS_DEFAULT: '100',
    GF_SQL_MAX_CONN_LIFETIME_SECONDS_DEFAULT: '14400',
  };
}

export function dataSourceSettings(input: DataSourceInput = {}): WireDataSourceInstanceSettings {
  const jsonData =
    input.jsonDataRaw !== undefined ? Buffer.from(input.jsonDataRaw) : Buffer.from(JSON.stringify(input.jsonData ?? {}), 'utf8');
  return {
    id: String(input.id ?? 7),
    uid: input.uid ?? DEFAULT_DATASOURCE_UID,
    name: input.name ?? 'Encore',
    url: input.url ?? '',
    user: input.user ?? '',
    database: input.database ?? '',
    basicAuthEnabled: input.basicAuth ?? false,
    basicAuthUser: input.basicAuthUser ?? '',
    jsonData,
    decryptedSecureJsonData: { ...(input.secureJsonData ?? {}) },
    lastUpdatedMS: String(input.lastUpdatedMS ?? DEFAULT_LAST_UPDATED_MS),
    apiVersion: input.apiVersion ?? '',
  };
}

export function pluginContext(input: PluginContextInput = {}): WirePluginContext {
  const user =
    input.user === null
      ? null
      : { login: 'admin', name: 'Admin', email: 'admin@localhost', role: 'Admin', ...(input.user ?? {}) };
  return {
    orgId: String(input.orgId ?? 1),
    pluginId: input.pluginId ?? DATASOURCE_PLUGIN_ID,
    pluginVersion: input.pluginVersion ?? '0.1.0',
    user,
    appInstanceSettings: null,
    dataSourceInstanceSettings: input.datasource === null ? null : dataSourceSettings(input.datasource ?? {}),
    grafanaConfig: { ...grafanaConfigDefaults(), ...(input.grafanaConfig ?? {}) },
    userAgent: input.userAgent ?? `Grafana/${DEFAULT_GRAFANA_VERSION} (linux; amd64)`,
    apiVersion: input.apiVersion ?? '',
    namespace: input.namespace ?? 'default',
  };
}

export interface DataQueryInput {
  refId?: string;
  /** plugin fields of the browser query (expr, queryType, ...); merged over the fields Grafana adds */
  json?: Record<string, unknown>;
  /** raw DataQuery.json bytes, overriding json (to send text that is not JSON) */
  jsonRaw?: string | Buffer;
  /** epoch ms; default the hour before now */
  timeRange?: { from: number; to: number };
  intervalMS?: number;
  maxDataPoints?: number;
  /** DataQuery.queryType; default json.queryType (Grafana copies it from the query) */
  queryType?: string;
  datasourceUid?: string;
}

export function dataQuery(input: DataQueryInput = {}): WireDataQuery {
  const refId = input.refId ?? 'A';
  const to = input.timeRange?.to ?? Date.now();
  const from = input.timeRange?.from ?? to - 3_600_000;
  const maxDataPoints = input.maxDataPoints ?? 1_000;
  // The browser's interval: range / points, never below 1 s (Grafana's default min interval).
  const intervalMS = input.intervalMS ?? Math.max(1_000, Math.ceil((to - from) / maxDataPoints / 1_000) * 1_000);
  const browserQuery: Record<string, unknown> = {
    refId,
    datasource: { type: DATASOURCE_PLUGIN_ID, uid: input.datasourceUid ?? DEFAULT_DATASOURCE_UID },
    datasourceId: 7,
    intervalMs: intervalMS,
    maxDataPoints,
    ...(input.json ?? {}),
  };
  const queryType = input.queryType ?? (typeof browserQuery.queryType === 'string' ? browserQuery.queryType : '');
  return {
    refId,
    maxDataPoints: String(maxDataPoints),
    intervalMS: String(intervalMS),
    timeRange: { fromEpochMS: String(from), toEpochMS: String(to) },
    json: input.jsonRaw !== undefined ? Buffer.from(input.jsonRaw) : Buffer.from(JSON.stringify(browserQuery), 'utf8'),
    queryType,
  };
}

/** Forwarded HTTP headers as Grafana stores them in QueryData/CheckHealth/Stream requests. */
export function forwardedHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [`http_${key}`, value]));
}

export function queryDataRequest(input: {
  queries: WireDataQuery[];
  context?: PluginContextInput;
  headers?: Record<string, string>;
  format?: number;
}): QueryDataRequest {
  return {
    pluginContext: pluginContext(input.context),
    headers: input.headers ?? {},
    queries: input.queries,
    ...(input.format === undefined ? {} : { format: input.format }),
  };
}

export function checkHealthRequest(input: { context?: PluginContextInput; headers?: Record<string, string> } = {}): CheckHealthRequest {
  return { pluginContext: pluginContext(input.context), headers: input.headers ?? {} };
}

/**
 * A resource call as Grafana builds it from `/api/datasources/uid/<uid>/resources/<path>?<query>`:
 * path without leading slash, url = path + query, HTTP headers as string lists.
 */
export function callResourceRequest(input: {
  path: string;
  method?: string;
  query?: string | Record<string, string>;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer | object;
  context?: PluginContextInput;
}): CallResourceRequest {
  const path = input.path.replace(/^\/+/, '');
  const query = typeof input.query === 'string' ? input.query.replace(/^\?/, '') : new URLSearchParams(input.query ?? {}).toString();
  const headers: Record<string, StringList> = {};
  for (const [key, value] of Object.entries(input.headers ?? { Accept: 'application/json' })) {
    headers[key] = { values: Array.isArray(value) ? value : [value] };
  }
  const body =
    input.body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(input.body)
        ? input.body
        : Buffer.from(typeof input.body === 'string' ? input.body : JSON.stringify(input.body));
  return {
    pluginContext: pluginContext(input.context),
    path,
    method: input.method ?? 'GET',
    url: query ? `${path}?${query}` : path,
    headers,
    body,
  };
}

export function streamRequest(input: {
  path: string;
  data?: unknown;
  context?: PluginContextInput;
  headers?: Record<string, string>;
}): SubscribeStreamRequest {
  return {
    pluginContext: pluginContext(input.context),
    path: input.path,
    data: input.data === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(input.data)),
    headers: input.headers ?? {},
  };
}
