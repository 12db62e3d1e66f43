/**
 * Grafana's front-end services the plugin code calls, wired the way Grafana wires them, but with
 * the HTTP going to the test server (test/browser/support/grafana-api.ts), which answers from the
 * real backend. BackendSrv is the one that matters: DataSourceWithBackend sends queries, resource
 * calls and health checks through its fetch().
 */
import type { DataSourceInstanceSettings, DataSourceJsonData } from '@grafana/data';
import {
  FakeEchoSrv,
  setBackendSrv,
  setDataSourceSrv,
  setEchoSrv,
  setTemplateSrv,
  type BackendSrv,
  type BackendSrvRequest,
  type DataSourceSrv,
  type FetchResponse,
  type TemplateSrv,
} from '@grafana/runtime';
import { Observable } from 'rxjs';
import { DATASOURCE_PLUGIN_ID } from '../../../src/common/plugin-ids';
import { EncoreDataSource } from '../../../src/datasource/datasource';
import pluginJson from '../../../src/datasource/plugin.json';
import type { EncoreJsonData } from '../../../src/datasource/types';

interface FetchError {
  status: number;
  statusText: string;
  data: unknown;
  config: BackendSrvRequest;
}

async function send<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
  const url = new URL(options.url, window.location.origin);
  for (const [key, value] of Object.entries((options.params ?? {}) as Record<string, unknown>)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
  }
  const method = options.method ?? 'GET';
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
    body: options.data === undefined || method === 'GET' ? undefined : JSON.stringify(options.data),
  });
  const text = await response.text();
  let data: unknown = text;
  try {
    data = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (!response.ok) throw { status: response.status, statusText: response.statusText, data, config: options } satisfies FetchError;
  return {
    data: data as T,
    status: response.status,
    statusText: response.statusText,
    ok: true,
    headers: response.headers,
    redirected: response.redirected,
    type: response.type,
    url: response.url,
    config: options,
  };
}

const backendSrv: BackendSrv = {
  fetch: <T>(options: BackendSrvRequest) =>
    new Observable<FetchResponse<T>>((subscriber) => {
      send<T>(options).then(
        (response) => {
          subscriber.next(response);
          subscriber.complete();
        },
        (error: unknown) => subscriber.error(error),
      );
    }),
  request: async <T>(options: BackendSrvRequest) => (await send<T>(options)).data,
  datasourceRequest: <T>(options: BackendSrvRequest) => send<T>(options),
  get: async <T>(url: string, params?: unknown, _requestId?: string, options?: Partial<BackendSrvRequest>) => (await send<T>({ ...options, url, params: params as BackendSrvRequest['params'], method: 'GET' })).data,
  post: async <T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>) => (await send<T>({ ...options, url, data, method: 'POST' })).data,
  put: async <T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>) => (await send<T>({ ...options, url, data, method: 'PUT' })).data,
  patch: async <T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>) => (await send<T>({ ...options, url, data, method: 'PATCH' })).data,
  delete: async <T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>) => (await send<T>({ ...options, url, data, method: 'DELETE' })).data,
  chunked: () => {
    throw new Error('chunked requests are not used by Encore');
  },
};

interface DataSourceJson {
  id: number;
  uid: string;
  name: string;
  type: string;
  url: string;
  jsonData: EncoreJsonData;
}

/** The instance settings Grafana builds for a data source, with the plugin's own meta. */
export function instanceSettings(ds: DataSourceJson): DataSourceInstanceSettings<EncoreJsonData> {
  return {
    id: ds.id,
    uid: ds.uid,
    name: ds.name,
    type: ds.type,
    access: 'proxy',
    url: ds.url,
    jsonData: ds.jsonData,
    readOnly: false,
    meta: { ...(pluginJson as unknown as DataSourceInstanceSettings['meta']), id: DATASOURCE_PLUGIN_ID, module: 'harness', baseUrl: '' },
  };
}

export interface Services {
  datasources: Map<string, EncoreDataSource>;
  /** the first listed; none when the test server lists none (the app's empty state) */
  defaultDatasource: EncoreDataSource | undefined;
}

/** Template variables of the harness page: name -> values (multi-value when several). */
export type Variables = Record<string, string[]>;

export async function installServices(variables: Variables = {}): Promise<Services> {
  setBackendSrv(backendSrv);
  setEchoSrv(new FakeEchoSrv());
  const list = await backendSrv.get<DataSourceJson[]>('/api/datasources');
  const datasources = new Map(list.map((ds) => [ds.uid, new EncoreDataSource(instanceSettings(ds))]));
  const defaultDatasource = datasources.values().next().value;
  const find = (ref: unknown): EncoreDataSource | undefined => {
    const uid = typeof ref === 'string' ? ref : ((ref as { uid?: string } | null | undefined)?.uid ?? defaultDatasource?.uid ?? '');
    return datasources.get(uid) ?? [...datasources.values()].find((ds) => ds.name === uid);
  };
  const dataSourceSrv: DataSourceSrv = {
    get: async (ref: unknown) => {
      const ds = find(ref);
      if (!ds) throw new Error(`data source ${JSON.stringify(ref)} not found`);
      return ds;
    },
    getList: () => [...datasources.values()].map((ds) => ds.settings),
    getInstanceSettings: (ref: unknown) => find(ref)?.settings,
    reload: () => undefined,
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv;
  setDataSourceSrv(dataSourceSrv);
  setTemplateSrv(templateSrv(variables));
  return { datasources, defaultDatasource };
}

/**
 * Dashboard variables for applyTemplateVariables: $name and ${name} (and ${name:format}) are
 * replaced; multi-value variables are joined the way Grafana's formats join them for the formats
 * Encore uses (regex: escaped and joined with |; pipe; csv; default: {a,b} glob like Grafana's).
 */
function templateSrv(variables: Variables): TemplateSrv {
  const escapeRegex = (value: string) => value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
  const format = (values: string[], fmt: unknown): string => {
    // Grafana calls a format function with the value and the variable (multi, includeAll).
    if (typeof fmt === 'function') return String((fmt as (v: string | string[], variable: { multi: boolean }) => string)(values.length === 1 ? values[0]! : values, { multi: values.length > 1 }));
    switch (fmt) {
      case 'regex':
        return values.length === 1 ? escapeRegex(values[0]!) : `(${values.map(escapeRegex).join('|')})`;
      case 'pipe':
        return values.join('|');
      case 'csv':
        return values.join(',');
      case 'raw':
        return values.join(',');
      default:
        return values.length === 1 ? values[0]! : `{${values.join(',')}}`;
    }
  };
  return {
    getVariables: () => Object.keys(variables).map((name) => ({ name, type: 'custom', label: name }) as never),
    containsTemplate: (target) => /\$(\w+|\{\w+(:\w+)?\})/.test(target ?? ''),
    updateTimeRange: () => undefined,
    getAdhocFilters: () => [],
    replace: (target, scopedVars, fmt) =>
      (target ?? '').replace(/\$(\w+)|\$\{(\w+)(?::(\w+))?\}/g, (whole, plain: string | undefined, braced: string | undefined, inline: string | undefined) => {
        const name = (plain ?? braced)!;
        const scoped = scopedVars?.[name]?.value;
        const values = scoped !== undefined ? (Array.isArray(scoped) ? scoped.map(String) : [String(scoped)]) : variables[name];
        return values === undefined ? whole : format(values, inline ?? fmt);
      }),
  } as TemplateSrv;
}

export type { DataSourceJsonData };
