import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
  };
}
