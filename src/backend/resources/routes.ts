import type { Source } from '../sources/source';
import { QueryValidationError } from '../query/failure';

/**
 * Resource calls the editors make (GET /api/datasources/uid/<uid>/resources/<path>):
 *   metrics                     metric names           ?search=&limit=&match[]=&start=&end=
 *   labels                      label names            ?match[]=&start=&end=&search=&limit=
 *   labels/<name>/values        values of one label    ?match[]=&start=&end=&search=&limit=
 * Answers are JSON; unknown paths 404, other methods 405, bad parameters 400.
 */

export interface ResourceRequest {
  /** path after `resources/`, without a leading slash */
  path: string;
  method: string;
  /** path + query string, as Grafana sends it */
  url: string;
}

export interface ResourceResponse {
  status: number;
  body: unknown;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_LIMIT = 10_000;

export async function routeResource(request: ResourceRequest, source: Source, signal?: AbortSignal): Promise<ResourceResponse> {
  const path = request.path.replace(/^\/+|\/+$/g, '');
  const params = new URL(request.url.replace(/^\/*/, '/'), 'http://resource.local').searchParams;
  const route = matchRoute(path);
  if (!route) {
    return { status: 404, body: { error: `unknown resource "${path}"; known: metrics, labels, labels/<name>/values` } };
  }
  if (request.method !== 'GET') {
    return { status: 405, body: { error: `${request.method} is not allowed on "${path}"; use GET` } };
  }
  try {
    const query = { ...metadataParams(params), signal };
    switch (route.kind) {
      case 'metrics':
        return { status: 200, body: { data: await source.metricNames(query) } };
      case 'labels':
        return { status: 200, body: { data: await source.labelNames(query) } };
      case 'label-values':
        return { status: 200, body: { data: await source.labelValues(route.label, query) } };
    }
  } catch (error) {
    if (error instanceof QueryValidationError) return { status: 400, body: { error: error.message } };
    throw error;
  }
}

type Route = { kind: 'metrics' } | { kind: 'labels' } | { kind: 'label-values'; label: string };

function matchRoute(path: string): Route | undefined {
  if (path === 'metrics') return { kind: 'metrics' };
  if (path === 'labels') return { kind: 'labels' };
  const values = /^labels\/([^/]+)\/values$/.exec(path);
  if (values) {
    const label = decodeURIComponent(values[1]!);
    if (!LABEL_NAME.test(label)) return undefined;
    return { kind: 'label-values', label };
  }
  return undefined;
}

function metadataParams(params: URLSearchParams) {
  const match = params.getAll('match[]').filter((m) => m.trim() !== '');
  const number = (name: string, max: number): number | undefined => {
    const raw = params.get(name);
    if (raw === null || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > max) {
      throw new QueryValidationError(`${name}: expected a number between 0 and ${max}, got "${raw}"`);
    }
    return value;
  };
  return {
    match: match.length > 0 ? match : undefined,
    start: number('start', Number.MAX_SAFE_INTEGER),
    end: number('end', Number.MAX_SAFE_INTEGER),
    search: params.get('search') ?? undefined,
    limit: number('limit', MAX_LIMIT),
  };
}
