import { QUERY_TYPES, type EncoreQueryInput, type QueryType } from '../common/query';
import type { EncoreDataQuery } from './types';

type KeysOfUnion<T> = T extends unknown ? keyof T : never;
type FieldOfUnion<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;

/** Every Encore field of any query type, all optional: for reading a query whatever its type. */
export type QueryFields = { [K in KeysOfUnion<EncoreQueryInput>]?: FieldOfUnion<EncoreQueryInput, K> };
export type QueryFieldName = keyof QueryFields;

/** A change to a query: any Encore field, `undefined` to remove it. */
export type QueryPatch = Partial<QueryFields>;

/** The types that analyse a target (a catalogue KPI or a PromQL expression). */
export const ANALYSIS_TYPES = ['anomaly', 'outliers', 'forecast', 'quality'] as const;
export type AnalysisType = (typeof ANALYSIS_TYPES)[number];

/** What an analysis query reads: a KPI from the catalogue or a PromQL expression. */
export type TargetKind = 'kpi' | 'promql';

export function fieldsOf(query: EncoreDataQuery | QueryFields): QueryFields {
  return query as QueryFields;
}

/** The query's type; a missing one is `promql` (the schema's default), an unknown one undefined. */
export function queryTypeOf(query: { queryType?: string }): QueryType | undefined {
  const type = query.queryType ?? 'promql';
  return (QUERY_TYPES as readonly string[]).includes(type) ? (type as QueryType) : undefined;
}

export function isAnalysisType(type: string | undefined): type is AnalysisType {
  return (ANALYSIS_TYPES as readonly string[]).includes(type ?? '');
}

/**
 * What the query reads. An analysis query with a KPI reads the KPI; one with an expression
 * (even an empty one, which is how the editor remembers the PromQL choice) reads PromQL; a new
 * one with neither starts on KPI.
 */
export function targetOf(query: EncoreDataQuery | QueryFields): TargetKind {
  const fields = fieldsOf(query);
  const type = queryTypeOf(fields);
  if (type === 'kpi') return 'kpi';
  if (!isAnalysisType(type)) return 'promql';
  if (fields.kpi !== undefined) return 'kpi';
  return fields.expr !== undefined ? 'promql' : 'kpi';
}

/**
 * Whether the query names something to read: a KPI or a non-blank expression. Queries without
 * one would only come back as errors. Unknown types are sent (the backend explains them) when
 * they carry an expression, as before the analysis types existed.
 */
export function hasTarget(query: EncoreDataQuery | QueryFields): boolean {
  const fields = fieldsOf(query);
  const type = queryTypeOf(fields);
  const hasKpi = (fields.kpi ?? '') !== '';
  const hasExpr = (fields.expr ?? '').trim() !== '';
  if (type === 'kpi') return hasKpi;
  if (isAnalysisType(type)) return hasKpi || hasExpr;
  return hasExpr;
}
