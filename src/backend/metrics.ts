import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The backend's own metrics, served through Diagnostics.CollectMetrics (Grafana exposes them at
 * /api/plugins/<id>/metrics). One registry per process.
 */
export interface BackendMetrics {
  registry: Registry;
  queryDuration: Histogram<'query_type' | 'source' | 'outcome'>;
  queryErrors: Counter<'kind'>;
  upstreamDuration: Histogram<'source' | 'operation' | 'outcome'>;
  resourceCalls: Counter<'path' | 'status'>;
  cache: CacheMetrics;
  limits: LimitMetrics;
  resilience: ResilienceMetrics;
}

/** Queries refused by the data source's limits and rate limits (query/limits/, docs/security.md). */
export interface LimitMetrics {
  /** by the limit's jsonData key: maxQueryRange, maxSeries, maxPoints, maxResponseMB, queryTimeoutSeconds, grpcMessageSize */
  refused: Counter<'datasource' | 'limit'>;
  /** by the rate limit that ran out: rateLimitOrgQps, rateLimitUserQps */
  rateLimited: Counter<'datasource' | 'limit'>;
}

/** Retries and circuit breakers of the upstreams (sources/resilience/, docs/security.md). */
export interface ResilienceMetrics {
  /** retries sent, by what made the attempt fail: an HTTP status (503) or a connection error code (ECONNREFUSED) */
  retries: Counter<'datasource' | 'upstream' | 'reason'>;
  /** breaker state changes, by the state entered */
  transitions: Counter<'datasource' | 'upstream' | 'to'>;
  /** calls refused at once because the breaker was open */
  shortCircuited: Counter<'datasource' | 'upstream'>;
  /** the state gauge's source: the source registry reports its live breakers here */
  observeBreakers(snapshot: () => BreakerGaugeSample[]): void;
}

export interface BreakerGaugeSample {
  datasource: string;
  upstream: string;
  state: 'closed' | 'half_open' | 'open';
}

/** The value of encore_circuit_breaker_state for each state. */
export const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** The results cache (src/backend/query/cache/, docs/cache.md). */
export interface CacheMetrics {
  /** lookups by tier (answer: finished answers; memory, redis: extents) and result (hit, partial, miss) */
  lookups: Counter<'tier' | 'result'>;
  /** steps of the ranges asked for, served from the cache (hit) or fetched upstream (miss) */
  steps: Counter<'result'>;
  /** bytes read from / written to a tier (memory: estimated in-process size; redis: encrypted values) */
  bytesRead: Counter<'tier'>;
  bytesWritten: Counter<'tier'>;
  evictions: Counter;
  errors: Counter<'tier' | 'operation'>;
  /** upstream requests that joined an identical one in flight instead of being sent */
  shared: Counter;
  /** the gauges' source: the cache registry reports its totals here */
  observe(snapshot: () => CacheSnapshot): void;
}

export interface CacheSnapshot {
  memoryBytes: number;
  memoryEntries: number;
  /** per data source in redis mode: 1 when Redis answers, 0 when the cache is degraded to memory */
  redisUp: Array<{ datasource: string; up: number }>;
}

export function createBackendMetrics(): BackendMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'encore_backend_' });
  return {
    registry,
    queryDuration: new Histogram({
      name: 'encore_query_duration_seconds',
      help: 'Time to answer one query of a QueryData request, from validation to encoded frames.',
      labelNames: ['query_type', 'source', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queryErrors: new Counter({
      name: 'encore_query_errors_total',
      help: 'Queries answered with an error, by kind (validation, settings, upstream kinds, internal).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'encore_upstream_request_duration_seconds',
      help: 'Latency of calls to the metrics upstream (Prometheus-compatible API or the demo source).',
      labelNames: ['source', 'operation', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    resourceCalls: new Counter({
      name: 'encore_resource_calls_total',
      help: 'CallResource requests by path and HTTP status.',
      labelNames: ['path', 'status'],
      registers: [registry],
    }),
    cache: createCacheMetrics(registry),
    limits: {
      refused: new Counter({
        name: 'encore_query_limit_refusals_total',
        help: 'Queries refused by a limit of their data source, by the limit (its jsonData key; grpcMessageSize: left out of a response too large for one message).',
        labelNames: ['datasource', 'limit'],
        registers: [registry],
      }),
      rateLimited: new Counter({
        name: 'encore_query_rate_limited_total',
        help: 'Queries refused by a rate limit of their data source, by the limit that ran out (rateLimitOrgQps, rateLimitUserQps).',
        labelNames: ['datasource', 'limit'],
        registers: [registry],
      }),
    },
    resilience: createResilienceMetrics(registry),
  };
}

function createResilienceMetrics(registry: Registry): ResilienceMetrics {
  let breakers: () => BreakerGaugeSample[] = () => [];
  new Gauge({
    name: 'encore_circuit_breaker_state',
    help: 'State of the circuit breaker of each upstream in use: 0 closed, 1 half-open (a probe may go), 2 open (calls refused).',
    labelNames: ['datasource', 'upstream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { datasource, upstream, state } of breakers()) this.set({ datasource, upstream }, BREAKER_STATE_VALUE[state]);
    },
  });
  return {
    retries: new Counter({
      name: 'encore_upstream_retries_total',
      help: 'Upstream calls sent again after a failure worth retrying, by the failure (HTTP status or connection error code).',
      labelNames: ['datasource', 'upstream', 'reason'],
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'encore_circuit_breaker_transitions_total',
      help: 'Circuit breaker state changes per upstream, by the state entered (open, half_open, closed).',
      labelNames: ['datasource', 'upstream', 'to'],
      registers: [registry],
    }),
    shortCircuited: new Counter({
      name: 'encore_circuit_breaker_short_circuited_total',
      help: 'Upstream calls refused at once because the circuit breaker of the upstream was open.',
      labelNames: ['datasource', 'upstream'],
      registers: [registry],
    }),
    observeBreakers(source) {
      breakers = source;
    },
  };
}

function createCacheMetrics(registry: Registry): CacheMetrics {
  let snapshot: () => CacheSnapshot = () => ({ memoryBytes: 0, memoryEntries: 0, redisUp: [] });
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
  new Gauge({
    name: 'encore_cache_memory_bytes',
    help: 'Estimated bytes held by the in-process results cache (all data sources).',
    registers: [registry],
    collect() {
      this.set(snapshot().memoryBytes);
    },
  });
  new Gauge({
    name: 'encore_cache_memory_entries',
    help: 'Entries (extents) held by the in-process results cache.',
    registers: [registry],
    collect() {
      this.set(snapshot().memoryEntries);
    },
  });
  new Gauge({
    name: 'encore_cache_redis_up',
    help: 'Per data source in redis cache mode: 1 when Redis is used, 0 while the cache is degraded to memory.',
    labelNames: ['datasource'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { datasource, up } of snapshot().redisUp) this.set({ datasource }, up);
    },
  });
  return {
    lookups: counter('encore_cache_lookups_total', 'Results cache lookups by tier (answer: finished answers; memory, redis: extents) and result (hit, partial, miss).', ['tier', 'result']),
    steps: counter('encore_cache_steps_total', 'Steps of the requested ranges served from the cache (hit) or fetched from the upstream (miss).', ['result']),
    bytesRead: counter('encore_cache_read_bytes_total', 'Bytes read from a cache tier (memory: estimated size; redis: encrypted values).', ['tier']),
    bytesWritten: counter('encore_cache_written_bytes_total', 'Bytes written to a cache tier (memory: estimated size; redis: encrypted values).', ['tier']),
    evictions: counter('encore_cache_evictions_total', 'Entries the in-process cache dropped to stay within its byte budget.', []),
    errors: counter('encore_cache_errors_total', 'Cache operations that failed (Redis unavailable or slow, undecodable values); queries went on without them.', ['tier', 'operation']),
    shared: counter('encore_cache_shared_requests_total', 'Upstream requests answered by an identical request already in flight (singleflight).', []),
    observe(source) {
      snapshot = source;
    },
  };
}
