import { dataFrameFromJSON, type DataFrameJSON } from '@grafana/data';
import { getBackendSrv, getDataSourceSrv, isFetchError, type FetchResponse } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { DATASOURCE_PLUGIN_ID } from '../common/plugin-ids';
import { QUALITY_REF_ID, qualityQuery, sortDataSources, toDataSource, type DataSourceListItem, type EncoreDataSource } from './datasources';
import { parseHealthResponse, type HealthResult } from './health';
import { summariseQuality, type QualitySummary } from './quality-summary';

/**
 * Every Grafana HTTP call of the app pages, in one place: the list of Encore data sources, their
 * health checks and the data-quality query. All go through Grafana's backendSrv (so they carry
 * the session, org and CSRF headers Grafana expects) with its error toasts turned off: the pages
 * show each failure where it belongs.
 */

/** A failure the page shows: what failed, in words, and the HTTP status when there was one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** backendSrv.fetch as a promise, without Grafana's error toast. */
async function request<T>(options: { url: string; method?: 'GET' | 'POST'; data?: unknown }): Promise<FetchResponse<T>> {
  return lastValueFrom(
    getBackendSrv().fetch<T>({ ...options, method: options.method ?? 'GET', showErrorAlert: false, showSuccessAlert: false }),
  );
}

function errorText(error: unknown): { message: string; status?: number; data?: unknown } {
  if (isFetchError(error)) {
    const data = error.data as { message?: unknown; error?: unknown } | string | undefined;
    const message =
      (typeof data === 'object' && data !== null && typeof data.message === 'string' && data.message) ||
      (typeof data === 'string' && data) ||
      error.statusText ||
      `HTTP ${error.status}`;
    return { message, status: error.status, data: error.data };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/**
 * The Encore data sources of the current org. `/api/datasources` needs the data source read
 * permission (admins, editors by default); viewers get 403, and then the list Grafana's front
 * end already holds (those they may query) is used instead.
 */
export async function listEncoreDataSources(): Promise<EncoreDataSource[]> {
  try {
    const response = await request<DataSourceListItem[]>({ url: '/api/datasources' });
    const items = Array.isArray(response.data) ? response.data : [];
    return sortDataSources(items.map(toDataSource).filter((ds): ds is EncoreDataSource => ds !== undefined));
  } catch (error) {
    const { message, status } = errorText(error);
    if (status === 403) {
      const fallback = fromDataSourceSrv();
      if (fallback) return fallback;
    }
    throw new ApiError(`Could not list the data sources: ${message}`, status);
  }
}

function fromDataSourceSrv(): EncoreDataSource[] | undefined {
  try {
    const list = getDataSourceSrv().getList({ pluginId: DATASOURCE_PLUGIN_ID });
    return sortDataSources(
      list
        .map((ds) => toDataSource({ uid: ds.uid, name: ds.name, type: ds.type, isDefault: ds.isDefault, jsonData: ds.jsonData as { sourceKind?: unknown } }))
        .filter((ds): ds is EncoreDataSource => ds !== undefined),
    );
  } catch {
    return undefined;
  }
}

/** The backend's CheckHealth through Grafana; never throws: a check that cannot run says why. */
export async function checkHealth(uid: string): Promise<HealthResult> {
  try {
    const response = await request<unknown>({ url: `/api/datasources/uid/${encodeURIComponent(uid)}/health` });
    return parseHealthResponse(response.status, response.data);
  } catch (error) {
    if (isFetchError(error)) return parseHealthResponse(error.status, error.data);
    return parseHealthResponse(undefined, { message: errorText(error).message });
  }
}

export interface QualityRequest {
  /** KPI id from the catalogue */
  kpi: string;
  /** range in epoch milliseconds */
  fromMs: number;
  toMs: number;
}

interface QueryResponseBody {
  results?: Record<string, { status?: number; error?: string; frames?: DataFrameJSON[] } | undefined>;
  message?: string;
}

/**
 * Runs a `quality` query (output `table`: one row per check, the score in the frame meta) through
 * Grafana's query API, as a panel would, and summarises the answer. Throws ApiError with the
 * backend's message when the query fails; undefined when the answer holds no quality frame.
 */
export async function runQualityCheck(ds: Pick<EncoreDataSource, 'uid' | 'type'>, req: QualityRequest): Promise<QualitySummary | undefined> {
  const body = {
    queries: [{ ...qualityQuery(ds, req.kpi), intervalMs: 60_000, maxDataPoints: 1000 }],
    from: String(Math.round(req.fromMs)),
    to: String(Math.round(req.toMs)),
  };
  let data: QueryResponseBody | undefined;
  let status: number | undefined;
  try {
    const response = await request<QueryResponseBody>({ url: '/api/ds/query', method: 'POST', data: body });
    data = response.data;
    status = response.status;
  } catch (error) {
    const failure = errorText(error);
    // A failing query still answers with its results (HTTP 400/500 with the per-query error).
    data = (failure.data as QueryResponseBody | undefined) ?? undefined;
    status = failure.status;
    if (!data?.results?.[QUALITY_REF_ID]) throw new ApiError(`The quality query failed: ${failure.message}`, status);
  }
  const result = data?.results?.[QUALITY_REF_ID];
  if (!result) throw new ApiError('The quality query came back without a result', status);
  if (result.error) throw new ApiError(result.error, result.status ?? status);
  const frames = (result.frames ?? []).map((frame) => dataFrameFromJSON(frame));
  return summariseQuality(frames);
}
