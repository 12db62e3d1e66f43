import { createHash } from 'node:crypto';
import type { PluginContext } from '../grafana/context';
import type { LogFields, Logger } from '../grafana/logger';

/**
 * One audit line per query on stderr, in the hclog JSON the backend logs everything in, so
 * Grafana's log pipeline (Loki, a SIEM) picks it up from the Grafana server log under
 * logger=plugin.encore-streaming-datasource. Who asked (login, org), which data source, which
 * query (a hash of the query JSON: the same panel query has the same hash on every refresh, and
 * the expression itself, which may carry sensitive label values, is not written), when, how long
 * it took and how it ended. Example:
 *
 *   {"@level":"info","@message":"query audit","@timestamp":"2026-11-24T10:00:00.123456Z",
 *    "audit":"query","user":"alice","orgId":1,"datasourceUid":"encore-prom","refId":"A",
 *    "queryType":"kpi","queryHash":"3f1c…","from":1764…,"to":1764…,"durationMs":12.5,
 *    "outcome":"ok","status":200}
 */

export type AuditOutcome = 'ok' | 'error' | 'refused' | 'cancelled';

export interface QueryAuditRecord {
  ctx: PluginContext;
  refId: string;
  queryType: string;
  /** DataQuery.json as received */
  json: Uint8Array | undefined;
  /** the query model parsed from that JSON, when it could be: its hash is computed once (see queryHash) */
  model?: object;
  from: number;
  to: number;
  durationMs: number;
  outcome: AuditOutcome;
  status: number;
  /** the failure's kind (validation, limit, rate_limited, refused, ...) */
  errorKind?: string;
}

export const AUDIT_MESSAGE = 'query audit';

/**
 * sha256 of the query JSON, first 16 hex digits (64 bits: enough to tell queries apart).
 * Given the query's model, the hash is kept with it: the parser keeps one frozen model per query
 * text (parse.ts), so a panel's query is hashed once, not on every refresh.
 */
export function queryHash(json: Uint8Array | undefined, model?: object): string {
  const known = model && hashes.get(model);
  if (known) return known;
  const hash = createHash('sha256')
    .update(json ?? new Uint8Array(0))
    .digest('hex')
    .slice(0, 16);
  if (model) hashes.set(model, hash);
  return hash;
}
const hashes = new WeakMap<object, string>();

export function auditFields(record: QueryAuditRecord): LogFields {
  const { ctx } = record;
  return {
    audit: 'query',
    user: ctx.user?.login ?? '',
    orgId: ctx.orgId,
    datasourceUid: ctx.dataSource?.uid ?? '',
    refId: record.refId,
    queryType: record.queryType,
    queryHash: queryHash(record.json, record.model),
    from: Number.isFinite(record.from) ? record.from : undefined,
    to: Number.isFinite(record.to) ? record.to : undefined,
    durationMs: Math.round(record.durationMs * 100) / 100,
    outcome: record.outcome,
    status: record.status,
    errorKind: record.errorKind,
  };
}

export function writeAudit(logger: Logger | undefined, record: QueryAuditRecord): void {
  logger?.info(AUDIT_MESSAGE, auditFields(record));
}
