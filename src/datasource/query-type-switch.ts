import type { z } from 'zod';
import {
  anomalyQuerySchema,
  forecastQuerySchema,
  kpiQuerySchema,
  outliersQuerySchema,
  promqlQuerySchema,
  qualityQuerySchema,
  type QueryType,
} from '../common/query';
import { fieldsOf, isAnalysisType, queryTypeOf, type QueryFieldName, type QueryFields, type TargetKind } from './query-shape';
import type { EncoreDataQuery } from './types';

const SHAPES: Record<QueryType, Record<string, z.ZodType>> = {
  promql: promqlQuerySchema.shape,
  kpi: kpiQuerySchema.shape,
  anomaly: anomalyQuerySchema.shape,
  outliers: outliersQuerySchema.shape,
  forecast: forecastQuerySchema.shape,
  quality: qualityQuerySchema.shape,
};

/** Fields every query has whatever its type; never dropped. */
const ALWAYS_KEPT: readonly string[] = ['refId', 'queryType'];

/** The Encore fields each query type accepts, read from the schema (src/common/query.ts). */
export const QUERY_TYPE_FIELDS: Record<QueryType, readonly QueryFieldName[]> = {
  promql: fieldNames('promql'),
  kpi: fieldNames('kpi'),
  anomaly: fieldNames('anomaly'),
  outliers: fieldNames('outliers'),
  forecast: fieldNames('forecast'),
  quality: fieldNames('quality'),
};

function fieldNames(type: QueryType): QueryFieldName[] {
  return Object.keys(SHAPES[type]).filter((key) => !ALWAYS_KEPT.includes(key)) as QueryFieldName[];
}

/** Every Encore field of any type; other keys (datasource, hide, key, ...) belong to Grafana. */
const ENCORE_FIELDS = new Set<string>(Object.values(QUERY_TYPE_FIELDS).flat());

/**
 * Whether a field of the query survives the switch to `next`: the new type must accept it.
 * `output` means different things for data quality (table, 0-100 score, levels) and for the other
 * types (which field of the analysed frames, a 0-1 score), so it crosses no such boundary.
 * Detection options leave with an analysis type: on a KPI or PromQL query their presence means
 * "Detect anomalies" is on, which switching to a plain query should not turn on by itself.
 */
function keeps(next: QueryType, from: QueryType | undefined, key: string, value: unknown): boolean {
  const field = SHAPES[next][key];
  if (!field) return false;
  if (key === 'output') return (from === 'quality') === (next === 'quality') && field.safeParse(value).success;
  if (key === 'detect') return !(isAnalysisType(from) && !isAnalysisType(next));
  // A blank expression of a new PromQL query is nothing to analyse: the analysis starts on KPI.
  if (key === 'expr' && from === 'promql' && isAnalysisType(next)) return typeof value === 'string' && value.trim() !== '';
  return true;
}

/**
 * The query as `next`: the target (kpi, filters, groupBy, expr), legend and step carry over, as
 * does every field the new type accepts; Encore fields it does not accept are dropped (the schema
 * would strip them anyway). Grafana's keys (refId, datasource, hide, key, ...) are always kept. A
 * PromQL query always has an expression, if only an empty one, as a new query does.
 */
export function withQueryType(query: EncoreDataQuery, next: QueryType): EncoreDataQuery {
  const from = queryTypeOf(query);
  if (from === next) return query;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (!ENCORE_FIELDS.has(key) || ALWAYS_KEPT.includes(key) || keeps(next, from, key, value)) out[key] = value;
  }
  out.queryType = next;
  if (next === 'promql' && typeof out.expr !== 'string') out.expr = '';
  return out as QueryFields as EncoreDataQuery;
}

/**
 * The analysis query reading `target`: PromQL drops the KPI with its filters and split-by and
 * starts an (empty) expression; KPI drops the expression. The schema accepts one of the two only.
 */
export function withTarget(query: EncoreDataQuery, target: TargetKind): EncoreDataQuery {
  const { kpi, filters, groupBy, expr, ...rest } = fieldsOf(query);
  const kept =
    target === 'promql'
      ? { ...rest, expr: expr ?? '' }
      : { ...rest, ...(kpi !== undefined && { kpi }), ...(filters !== undefined && { filters }), ...(groupBy !== undefined && { groupBy }) };
  return kept as QueryFields as EncoreDataQuery;
}
