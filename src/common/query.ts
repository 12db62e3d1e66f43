import { z } from 'zod';
import { findKpi, KPI_IDS, kpiLabels } from './kpis/catalogue';
import { FILTER_OPERATORS, regexProblem } from './kpis/filters';
import { parseDuration } from './validation';

/**
 * The Encore query model, shared by the query editor (browser) and the backend pipeline.
 * Grafana sends the whole browser query object as DataQuery.json, so unknown keys
 * (datasource, intervalMs, maxDataPoints, hide, ...) are accepted and ignored.
 */

export const QUERY_TYPES = ['promql', 'kpi'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

const duration = z
  .string()
  .trim()
  .refine((text) => text === '' || parseDuration(text) !== undefined, {
    message: 'expected a duration such as 30s, 1m or 1h30m',
  })
  .refine((text) => (parseDuration(text) ?? 1) > 0, { message: 'expected a duration above zero' });

export const promqlQuerySchema = z.object({
  refId: z.string().default('A'),
  queryType: z.literal('promql').default('promql'),
  expr: z
    .string({ error: 'expected a PromQL expression (a string)' })
    .trim()
    .min(1, { error: 'expected a PromQL expression, got an empty string' })
    .max(20_000, { error: 'expected at most 20000 characters' }),
  /** `{{label}}` placeholders, as in Grafana's Prometheus data source */
  legendFormat: z.string().max(500, { error: 'expected at most 500 characters' }).optional(),
  /** evaluate once at the end of the range instead of over the whole range */
  instant: z.boolean({ error: 'expected true or false' }).default(false),
  /** minimum step (Prometheus duration); the effective step is never finer than this */
  step: duration.optional(),
  /** stream new samples to the panel through Grafana Live */
  live: z.boolean({ error: 'expected true or false' }).default(false),
});

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const MAX_FILTERS = 20;
export const MAX_GROUP_BY = 5;

export const labelFilterSchema = z
  .object({
    label: z.string({ error: 'expected a label name (a string)' }).regex(LABEL_NAME, { error: 'expected a label name such as market' }),
    op: z.enum(FILTER_OPERATORS, { error: `expected one of ${FILTER_OPERATORS.join(' ')}` }).default('='),
    value: z.string({ error: 'expected a label value (a string)' }).max(1000, { error: 'expected at most 1000 characters' }),
  })
  .superRefine((filter, ctx) => {
    if (filter.op !== '=~' && filter.op !== '!~') return;
    const problem = regexProblem(filter.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  });

/**
 * A KPI from the catalogue, filtered and grouped by labels; the backend compiles it to PromQL
 * (shown in the query inspector) and labels the frames with the KPI's unit and name.
 */
export const kpiQuerySchema = z
  .object({
    refId: z.string().default('A'),
    queryType: z.literal('kpi'),
    kpi: z.string({ error: 'expected a KPI id such as rebuffering_ratio' }).refine((id) => findKpi(id) !== undefined, {
      error: (issue) => `expected a KPI id (one of ${KPI_IDS.join(', ')}), got ${JSON.stringify(issue.input)}`,
    }),
    filters: z.array(labelFilterSchema, { error: 'expected a list of label filters' }).max(MAX_FILTERS, { error: `expected at most ${MAX_FILTERS} filters` }).default([]),
    groupBy: z
      .array(z.string({ error: 'expected a label name' }).regex(LABEL_NAME, { error: 'expected a label name such as market' }), {
        error: 'expected a list of label names',
      })
      .max(MAX_GROUP_BY, { error: `expected at most ${MAX_GROUP_BY} labels` })
      .default([]),
    legendFormat: z.string().max(500, { error: 'expected at most 500 characters' }).optional(),
    instant: z.boolean({ error: 'expected true or false' }).default(false),
    step: duration.optional(),
    live: z.boolean({ error: 'expected true or false' }).default(false),
  })
  .superRefine((query, ctx) => {
    const kpi = findKpi(query.kpi);
    if (!kpi) return;
    const allowed = kpiLabels(kpi);
    const explain = (label: string) =>
      `expected one of the labels ${kpi.id} can be split by (${allowed.join(', ') || 'none'}), got ${JSON.stringify(label)}`;
    query.filters.forEach((filter, index) => {
      if (!allowed.includes(filter.label)) ctx.addIssue({ code: 'custom', path: ['filters', index, 'label'], message: explain(filter.label) });
    });
    query.groupBy.forEach((label, index) => {
      if (!allowed.includes(label)) ctx.addIssue({ code: 'custom', path: ['groupBy', index], message: explain(label) });
      else if (query.groupBy.indexOf(label) !== index) ctx.addIssue({ code: 'custom', path: ['groupBy', index], message: `${label} is listed twice` });
    });
  });

export const encoreQuerySchema = z.discriminatedUnion('queryType', [promqlQuerySchema, kpiQuerySchema], {
  error: (issue) =>
    issue.code === 'invalid_union' ? `expected one of ${QUERY_TYPES.join(', ')}` : undefined,
});

export type PromqlQuery = z.infer<typeof promqlQuerySchema>;
export type KpiQuery = z.infer<typeof kpiQuerySchema>;
export type LabelFilterInput = z.input<typeof labelFilterSchema>;
export type EncoreQuery = z.infer<typeof encoreQuerySchema>;
/** What the editor stores: defaults may be absent. */
export type EncoreQueryInput = z.input<typeof encoreQuerySchema>;

export const DEFAULT_QUERY: Partial<EncoreQueryInput> = { queryType: 'promql', expr: '', instant: false };
