import { QueryValidationError } from '../../query/failure';
import { UpstreamError } from '../errors';
import type { InstantQuery, MetadataQuery, RangeQuery, Series, Source, SourceHealth } from '../source';
import type { PrometheusConfig } from './config';
import { MalformedAnswer, seriesFromQueryData, stringsFromData } from './convert';
import type { BreakerSnapshot } from '../resilience/circuit-breaker';
import { PrometheusHttpClient, type ApiCall, type ResilienceObserver } from './http';

/**
 * A Source over the Prometheus HTTP API (/api/v1), which Prometheus, Mimir, Cortex, Thanos and
 * VictoriaMetrics all serve. Times cross the API in seconds; Series carry epoch milliseconds.
 */

export interface PrometheusSource extends Source {
  readonly kind: 'prometheus';
  readonly url: string;
  /** The circuit breaker's state (CheckHealth, the state gauge). */
  breakerSnapshot(): BreakerSnapshot;
  /** Closes pooled connections (tests, and settings replaced for good). */
  close(): void;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** The cheapest query every PromQL engine answers; proves the query path, not just the HTTP one. */
const HEALTH_QUERY = '1+1';

export function createPrometheusSource(config: PrometheusConfig, observer?: ResilienceObserver): PrometheusSource {
  const client = new PrometheusHttpClient(config, observer);
  // Passed to Prometheus so that it stops evaluating a query Encore has already given up on.
  const evalTimeout = seconds(config.timeoutMs);

  const call = async (request: ApiCall): Promise<unknown> => (await client.call(request)).data;
  /** A query call: Prometheus' warnings (partial results of federated stores) go to the query. */
  const queryCall = async (request: ApiCall, onWarning: ((warning: string) => void) | undefined): Promise<unknown> => {
    const answer = await client.call(request);
    for (const warning of answer.warnings) onWarning?.(warning);
    return answer.data;
  };
  const convert = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if (error instanceof MalformedAnswer) {
        throw new UpstreamError('not_prometheus', `${config.url} answered with a malformed Prometheus API result: ${error.message}`);
      }
      throw error;
    }
  };

  const labelValues = async (label: string, query: MetadataQuery): Promise<string[]> => {
    const params = metadataParams(query);
    // Servers that know `limit` (recent Prometheus) cut the list early; older ones ignore it. With a
    // search the cut must happen after filtering, so it is then applied here only.
    const limit = positiveLimit(query);
    if (limit !== undefined && !query.search) params.push(['limit', String(limit)]);
    // This endpoint is GET-only in the Prometheus API.
    const data = await call({ path: `/api/v1/label/${encodeURIComponent(label)}/values`, params, method: 'GET', signal: query.signal });
    return filterNames(convert(() => stringsFromData(data, 'label values')), query);
  };

  return {
    kind: 'prometheus',
    url: config.url,

    async queryRange(query: RangeQuery): Promise<Series[]> {
      checkExpr(query.expr);
      checkTime('start', query.start);
      checkTime('end', query.end);
      if (query.end < query.start) throw new QueryValidationError(`end: must not be before start (${query.end} < ${query.start})`);
      if (!Number.isFinite(query.stepMs) || query.stepMs <= 0) {
        throw new QueryValidationError(`stepMs: expected a positive number of milliseconds, got ${query.stepMs}`);
      }
      const data = await queryCall({
        path: '/api/v1/query_range',
        params: [
          ['query', query.expr],
          ['start', seconds(query.start)],
          ['end', seconds(query.end)],
          ['step', seconds(query.stepMs)],
          ['timeout', evalTimeout],
        ],
        method: config.httpMethod,
        signal: query.signal,
      }, query.onWarning);
      return convert(() => seriesFromQueryData(data));
    },

    async queryInstant(query: InstantQuery): Promise<Series[]> {
      checkExpr(query.expr);
      checkTime('time', query.time);
      const data = await queryCall({
        path: '/api/v1/query',
        params: [
          ['query', query.expr],
          ['time', seconds(query.time)],
          ['timeout', evalTimeout],
        ],
        method: config.httpMethod,
        signal: query.signal,
      }, query.onWarning);
      return convert(() => seriesFromQueryData(data));
    },

    metricNames(query: MetadataQuery): Promise<string[]> {
      return labelValues('__name__', query);
    },

    async labelNames(query: MetadataQuery): Promise<string[]> {
      const data = await call({ path: '/api/v1/labels', params: metadataParams(query), method: config.httpMethod, signal: query.signal });
      return filterNames(convert(() => stringsFromData(data, 'label names')), query);
    },

    async labelValues(label: string, query: MetadataQuery): Promise<string[]> {
      if (!LABEL_NAME.test(label)) {
        throw new QueryValidationError(`label: expected a Prometheus label name (letters, digits and _, not starting with a digit), got "${label.slice(0, 100)}"`);
      }
      return labelValues(label, query);
    },

    async health(signal?: AbortSignal): Promise<SourceHealth> {
      const details: Record<string, unknown> = { url: config.url };
      try {
        let version: string | undefined;
        try {
          const info = await call({ path: '/api/v1/status/buildinfo', params: [], method: 'GET', signal, probe: true });
          if (typeof info === 'object' && info !== null) {
            for (const key of ['version', 'revision', 'branch', 'goVersion'] as const) {
              const value = (info as Record<string, unknown>)[key];
              if (typeof value === 'string' && value !== '') details[key] = value;
            }
          }
          version = typeof details.version === 'string' ? details.version : undefined;
        } catch (error) {
          // Some compatible stores (older Thanos and Cortex, proxies exposing only queries) have no
          // buildinfo endpoint; the test query below still tells whether Encore can work with them.
          if (!(error instanceof UpstreamError && error.upstreamStatus === 404)) throw error;
        }
        const answer = await call({
          path: '/api/v1/query',
          params: [
            ['query', HEALTH_QUERY],
            ['time', seconds(Date.now())],
          ],
          method: config.httpMethod,
          signal,
          probe: true,
        });
        const series = convert(() => seriesFromQueryData(answer));
        if (series[0]?.values[0] !== 2) {
          throw new UpstreamError('not_prometheus', `${config.url} answered the test query ${HEALTH_QUERY} with something other than 2`);
        }
        details.testQuery = HEALTH_QUERY;
        const who = version ? `Prometheus ${version}` : 'Prometheus-compatible API (no version reported)';
        details.circuitBreaker = client.breakerSnapshot();
        return { ok: true, message: `${who} at ${config.url} answered a test query`, details };
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        details.kind = error.kind;
        if (error.upstreamStatus !== undefined) details.upstreamStatus = error.upstreamStatus;
        details.circuitBreaker = client.breakerSnapshot();
        return { ok: false, message: error.message, details };
      }
    },

    breakerSnapshot(): BreakerSnapshot {
      return client.breakerSnapshot();
    },

    close(): void {
      client.close();
    },
  };
}

function metadataParams(query: MetadataQuery): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  for (const selector of query.match ?? []) if (selector.trim() !== '') params.push(['match[]', selector]);
  if (query.start !== undefined) {
    checkTime('start', query.start);
    params.push(['start', seconds(query.start)]);
  }
  if (query.end !== undefined) {
    checkTime('end', query.end);
    params.push(['end', seconds(query.end)]);
  }
  return params;
}

function filterNames(names: string[], query: MetadataQuery): string[] {
  const needle = query.search?.trim().toLowerCase();
  const matching = needle ? names.filter((name) => name.toLowerCase().includes(needle)) : names;
  const limit = positiveLimit(query);
  return limit === undefined ? matching : matching.slice(0, limit);
}

function positiveLimit(query: MetadataQuery): number | undefined {
  const limit = Math.floor(query.limit ?? 0);
  return Number.isFinite(limit) && limit > 0 ? limit : undefined;
}

function checkExpr(expr: unknown): void {
  if (typeof expr !== 'string' || expr.trim() === '') throw new QueryValidationError('expr: expected a PromQL expression (got an empty one)');
}

function checkTime(field: string, ms: number): void {
  if (!Number.isFinite(ms)) throw new QueryValidationError(`${field}: expected epoch milliseconds, got ${ms}`);
}

/** Milliseconds to the seconds the API takes; decimals keep millisecond precision. */
function seconds(ms: number): string {
  return String(ms / 1000);
}
