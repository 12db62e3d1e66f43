import { encoreQuerySchema, type EncoreQuery } from '../../common/query';
import { describeIssues } from '../../common/validation';
import { QueryValidationError } from './failure';

/** A DataQuery as it arrives on the wire (proto-loader form: int64 as strings, json as bytes). */
export interface WireDataQuery {
  refId?: string;
  maxDataPoints?: string | number;
  intervalMS?: string | number;
  timeRange?: { fromEpochMS?: string | number; toEpochMS?: string | number } | null;
  json?: Buffer | Uint8Array;
  queryType?: string;
}

/** Everything the pipeline needs about one query, validated. */
export interface ParsedQuery {
  refId: string;
  query: EncoreQuery;
  from: number;
  to: number;
  intervalMs: number;
  maxDataPoints: number;
}

/** Grafana's defaults when the browser sent none (fact sheet §2.3). */
const DEFAULT_MAX_DATA_POINTS = 100;
const DEFAULT_INTERVAL_MS = 1000;

export function parseDataQuery(wire: WireDataQuery): ParsedQuery {
  const refId = wire.refId || 'A';
  let body: unknown = {};
  const bytes = wire.json;
  if (bytes && bytes.length > 0) {
    try {
      body = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw new QueryValidationError('query: expected a JSON object, got text that is not JSON');
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new QueryValidationError('query: expected a JSON object');
  }
  const candidate: Record<string, unknown> = { ...(body as Record<string, unknown>), refId };
  // Grafana copies the query's queryType into the DataQuery field; the JSON is the source of truth
  // when both exist, the field fills in when the JSON has none (e.g. hand-written alert queries).
  if (candidate.queryType === undefined || candidate.queryType === '') {
    candidate.queryType = wire.queryType ? wire.queryType : 'promql';
  }
  const parsed = encoreQuerySchema.safeParse(candidate);
  if (!parsed.success) throw new QueryValidationError(describeIssues(parsed.error));

  const from = Number(wire.timeRange?.fromEpochMS ?? 0);
  const to = Number(wire.timeRange?.toEpochMS ?? 0);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) {
    throw new QueryValidationError(`timeRange: expected from <= to, got from=${from} to=${to}`);
  }
  const maxDataPoints = Number(wire.maxDataPoints ?? 0) > 0 ? Number(wire.maxDataPoints) : DEFAULT_MAX_DATA_POINTS;
  const intervalMs = Number(wire.intervalMS ?? 0) > 0 ? Number(wire.intervalMS) : DEFAULT_INTERVAL_MS;
  return { refId, query: parsed.data, from, to, intervalMs, maxDataPoints };
}
