import { encoreQuerySchema, type EncoreQuery } from '../../common/query';
import { deepFreeze } from '../../common/freeze';
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
  /**
   * The query as received, apart from its time range: refId, queryType and JSON text. Equal for
   * the same panel query on every refresh; the answer cache keys on it.
   */
  identity: string;
  query: EncoreQuery;
  from: number;
  to: number;
  intervalMs: number;
  maxDataPoints: number;
}

/** Grafana's defaults when the browser sent none (fact sheet §2.3). */
const DEFAULT_MAX_DATA_POINTS = 100;
const DEFAULT_INTERVAL_MS = 1000;

/**
 * The validated query models of recent queries, by refId, queryType and JSON text: a dashboard
 * sends the same panel queries on every refresh (only the time range, which is not part of the
 * JSON, moves), and the schema check is the largest cost of a cached answer after the transport.
 * The models are frozen: shared between requests, nobody may change them.
 */
const MEMO_ENTRIES = 1024;
/** Longer query texts are validated every time: the memo stays within a few MiB. */
const MEMO_MAX_TEXT = 4096;
const models = new Map<string, EncoreQuery>();

export function parseDataQuery(wire: WireDataQuery): ParsedQuery {
  const refId = wire.refId || 'A';
  const bytes = wire.json;
  const text = bytes && bytes.length > 0 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') : '';
  const identity = `${refId}\u0000${wire.queryType ?? ''}\u0000${text}`;
  if (text.length > MEMO_MAX_TEXT) return withRange(refId, identity, validateModel(refId, text, wire.queryType), wire);
  let query = models.get(identity);
  if (query) {
    models.delete(identity);
  } else {
    query = deepFreeze(validateModel(refId, text, wire.queryType));
    if (models.size >= MEMO_ENTRIES) models.delete(models.keys().next().value!);
  }
  models.set(identity, query);
  return withRange(refId, identity, query, wire);
}

function validateModel(refId: string, text: string, wireQueryType: string | undefined): EncoreQuery {
  let body: unknown = {};
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new QueryValidationError('query: expected a JSON object, got text that is not JSON');
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new QueryValidationError('query: expected a JSON object');
  }
  const candidate: Record<string, unknown> = { ...(body as Record<string, unknown>), refId };
  if (candidate.queryType === undefined || candidate.queryType === '') {
    candidate.queryType = wireQueryType ? wireQueryType : 'promql';
  }
  const parsed = encoreQuerySchema.safeParse(candidate);
  if (!parsed.success) throw new QueryValidationError(describeIssues(parsed.error));
  return parsed.data;
}

function withRange(refId: string, identity: string, query: EncoreQuery, wire: WireDataQuery): ParsedQuery {
  const from = Number(wire.timeRange?.fromEpochMS ?? 0);
  const to = Number(wire.timeRange?.toEpochMS ?? 0);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) {
    throw new QueryValidationError(`timeRange: expected from <= to, got from=${from} to=${to}`);
  }
  const maxDataPoints = Number(wire.maxDataPoints ?? 0) > 0 ? Number(wire.maxDataPoints) : DEFAULT_MAX_DATA_POINTS;
  const intervalMs = Number(wire.intervalMS ?? 0) > 0 ? Number(wire.intervalMS) : DEFAULT_INTERVAL_MS;
  return { refId, identity, query, from, to, intervalMs, maxDataPoints };
}
