/**
 * The contract between the query pipeline and an upstream of metrics.
 * A source answers PromQL-shaped questions; the pipeline turns the answers into frames.
 * Implementations: prometheus/ (any Prometheus-compatible HTTP API) and demo/ (embedded, synthetic).
 */

/** One time series as returned by a source: samples in ascending time order. */
export interface Series {
  labels: Record<string, string>;
  /** epoch milliseconds, ascending, step-aligned for range queries */
  timestamps: number[];
  values: number[];
}

export interface RangeQuery {
  expr: string;
  /** epoch ms, inclusive, already aligned to stepMs by the caller */
  start: number;
  end: number;
  stepMs: number;
  signal?: AbortSignal;
  /** the upstream's warnings about this answer (e.g. a federated store's partial result) */
  onWarning?: (warning: string) => void;
}

export interface InstantQuery {
  expr: string;
  /** epoch ms evaluation time */
  time: number;
  signal?: AbortSignal;
  onWarning?: (warning: string) => void;
}

export interface MetadataQuery {
  /** series selectors restricting the answer, e.g. `up{job="x"}` */
  match?: string[];
  /** epoch ms; optional window for the lookup */
  start?: number;
  end?: number;
  /** case-insensitive substring filter applied to the answer */
  search?: string;
  limit?: number;
  signal?: AbortSignal;
}

export interface SourceHealth {
  ok: boolean;
  message: string;
  /** JSON object shown by Grafana (must be an object, never an array or scalar) */
  details: Record<string, unknown>;
}

export interface Source {
  readonly kind: 'prometheus' | 'demo';
  queryRange(query: RangeQuery): Promise<Series[]>;
  queryInstant(query: InstantQuery): Promise<Series[]>;
  metricNames(query: MetadataQuery): Promise<string[]>;
  labelNames(query: MetadataQuery): Promise<string[]>;
  labelValues(label: string, query: MetadataQuery): Promise<string[]>;
  health(signal?: AbortSignal): Promise<SourceHealth>;
}
