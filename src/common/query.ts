import { z } from 'zod';
import { findKpi, KPI_IDS, kpiLabels } from './kpis/catalogue';
import { FILTER_OPERATORS, regexProblem } from './kpis/filters';
import { parseDuration } from './validation';

/**
 * The Encore query model, shared by the query editor (browser) and the backend pipeline.
 * Grafana sends the whole browser query object as DataQuery.json, so unknown keys
 * (datasource, intervalMs, maxDataPoints, hide, ...) are accepted and ignored.
 */

export const QUERY_TYPES = ['promql', 'kpi', 'anomaly', 'outliers', 'forecast', 'quality'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

const duration = z
  .string()
  .trim()
  .refine((text) => text === '' || parseDuration(text) !== undefined, {
    message: 'expected a duration such as 30s, 1m or 1h30m',
  })
  .refine((text) => (parseDuration(text) ?? 1) > 0, { message: 'expected a duration above zero' });

/** Anomaly-detection options (queryType `anomaly`, and `detect` on `kpi` and `promql` queries). */
export const DETECTION_ALGORITHMS = ['auto', 'rolling', 'ewma', 'seasonal', 'holt_winters'] as const;
export const DETECTION_DIRECTIONS = ['both', 'up', 'down'] as const;

/** `auto`, `none`, or the period as a duration (`1d`, `1w`, `6h`). */
const season = z
  .string()
  .trim()
  .refine((text) => text === 'auto' || text === 'none' || (parseDuration(text) ?? 0) > 0, {
    message: 'expected auto, none or a period such as 1d or 1w',
  });

export const detectionSchema = z
  .object({
    algorithm: z.enum(DETECTION_ALGORITHMS, { error: `expected one of ${DETECTION_ALGORITHMS.join(', ')}` }).default('auto'),
    /** 0..1: higher flags smaller departures (the band narrows from 6 to 1.5 scales) */
    sensitivity: z.number({ error: 'expected a number from 0 to 1' }).min(0, { error: 'expected a number from 0 to 1' }).max(1, { error: 'expected a number from 0 to 1' }).default(0.5),
    direction: z.enum(DETECTION_DIRECTIONS, { error: `expected one of ${DETECTION_DIRECTIONS.join(', ')}` }).default('both'),
    /** flag only departures lasting at least this long (a duration; empty = one point) */
    minDuration: duration.optional(),
    season: season.default('auto'),
  })
  .strict();

/**
 * Which fields the analysed frames carry: `all` for panels; one field for alert rules, which
 * need one number per series (e.g. `score` for "score > 0.9 for 10m").
 */
export const ANALYSIS_OUTPUTS = ['all', 'value', 'expected', 'lower', 'upper', 'score', 'anomaly'] as const;
export const QUALITY_OUTPUTS = ['table', 'score', 'levels'] as const;
/** The data-quality checks by id, as the backend names them (a unit test keeps the two lists equal). */
export const QUALITY_CHECK_IDS = ['completeness', 'freshness', 'validity', 'counter_resets', 'flatline', 'duplicates', 'cardinality', 'consistency', 'resent'] as const;
export type QualityCheckId = (typeof QUALITY_CHECK_IDS)[number];
const output = z.enum(ANALYSIS_OUTPUTS, { error: `expected one of ${ANALYSIS_OUTPUTS.join(', ')}` }).default('all');

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
  /** run anomaly detection on the series (the frames gain expected, bands, score, anomaly) */
  detect: detectionSchema.optional(),
  output,
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
    detect: detectionSchema.optional(),
    output,
  })
  .superRefine(checkKpiLabels);

/** Filters and split-by must name labels the KPI's metrics carry. */
function checkKpiLabels(query: { kpi?: string; filters: LabelFilterInput[]; groupBy: string[] }, ctx: z.RefinementCtx): void {
  const kpi = query.kpi === undefined ? undefined : findKpi(query.kpi);
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
}

/**
 * What the analysis query types analyse: a catalogue KPI (with filters and split-by) or a
 * PromQL expression, exactly one of the two.
 */
const kpiId = z.string({ error: 'expected a KPI id such as rebuffering_ratio' }).refine((id) => findKpi(id) !== undefined, {
  error: (issue) => `expected a KPI id (one of ${KPI_IDS.join(', ')}), got ${JSON.stringify(issue.input)}`,
});
const targetFields = {
  refId: z.string().default('A'),
  kpi: kpiId.optional(),
  expr: z.string({ error: 'expected a PromQL expression (a string)' }).trim().max(20_000, { error: 'expected at most 20000 characters' }).optional(),
  filters: z.array(labelFilterSchema, { error: 'expected a list of label filters' }).max(MAX_FILTERS, { error: `expected at most ${MAX_FILTERS} filters` }).default([]),
  groupBy: z
    .array(z.string({ error: 'expected a label name' }).regex(LABEL_NAME, { error: 'expected a label name such as market' }), { error: 'expected a list of label names' })
    .max(MAX_GROUP_BY, { error: `expected at most ${MAX_GROUP_BY} labels` })
    .default([]),
  legendFormat: z.string().max(500, { error: 'expected at most 500 characters' }).optional(),
  step: duration.optional(),
};

function checkTarget(query: { kpi?: string; expr?: string; filters: LabelFilterInput[]; groupBy: string[] }, ctx: z.RefinementCtx): void {
  const hasExpr = query.expr !== undefined && query.expr !== '';
  if (query.kpi === undefined && !hasExpr) {
    ctx.addIssue({ code: 'custom', path: ['kpi'], message: 'expected a KPI id or a PromQL expression (expr)' });
  } else if (query.kpi !== undefined && hasExpr) {
    ctx.addIssue({ code: 'custom', path: ['expr'], message: 'expected either kpi or expr, not both' });
  } else if (hasExpr && (query.filters.length > 0 || query.groupBy.length > 0)) {
    ctx.addIssue({ code: 'custom', path: [query.filters.length > 0 ? 'filters' : 'groupBy'], message: 'filters and groupBy apply to KPI queries; write them into the PromQL expression' });
  }
  checkKpiLabels(query, ctx);
}

export const anomalyQuerySchema = z
  .object({
    ...targetFields,
    queryType: z.literal('anomaly'),
    detect: detectionSchema.default(() => detectionSchema.parse({})),
    /** root-cause hints: which label values explain an anomaly of the aggregate (KPI queries) */
    explain: z.boolean({ error: 'expected true or false' }).default(true),
    /** `events`: only the anomaly events, one row each (for annotation queries) */
    format: z.enum(['timeseries', 'events'], { error: 'expected timeseries or events' }).default('timeseries'),
    output,
  })
  .superRefine(checkTarget);

export const outliersQuerySchema = z
  .object({
    ...targetFields,
    queryType: z.literal('outliers'),
    detect: detectionSchema.default(() => detectionSchema.parse({})),
    output,
  })
  .superRefine(checkTarget);

export const forecastQuerySchema = z
  .object({
    ...targetFields,
    queryType: z.literal('forecast'),
    /** how far ahead of the range end */
    horizon: duration.default('1d'),
    /** coverage of the prediction interval */
    coverage: z.number({ error: 'expected a number from 0.5 to 0.99' }).min(0.5, { error: 'expected a number from 0.5 to 0.99' }).max(0.99, { error: 'expected a number from 0.5 to 0.99' }).default(0.95),
    season: season.default('auto'),
  })
  .superRefine(checkTarget);

export const qualityQuerySchema = z
  .object({
    ...targetFields,
    queryType: z.literal('quality'),
    /** newest sample older than this fails freshness */
    freshness: duration.default('5m'),
    /** more series than this fails cardinality */
    maxSeries: z.number({ error: 'expected a whole number from 1 to 10000' }).int().min(1).max(10_000).default(100),
    /**
     * `table`: one row per check (panels); `score`: the 0-100 score; `levels`: per check a number
     * labelled check=<id>, 0 pass, 1 warn, 2 fail (alert rules: "freshness failing").
     */
    output: z.enum(QUALITY_OUTPUTS, { error: `expected one of ${QUALITY_OUTPUTS.join(', ')}` }).default('table'),
    /**
     * Only these checks in the table and the levels (empty: every check), so an alert rule can be
     * about one check: "freshness failing" is `checks: ["freshness"]`, `output: "levels"`, level >= 2.
     * The score always counts every check.
     */
    checks: z
      .array(z.enum(QUALITY_CHECK_IDS, { error: `expected one of ${QUALITY_CHECK_IDS.join(', ')}` }), { error: 'expected a list of check ids' })
      .max(QUALITY_CHECK_IDS.length, { error: `expected at most ${QUALITY_CHECK_IDS.length} checks` })
      .default([]),
  })
  .superRefine(checkTarget);

export const encoreQuerySchema = z.discriminatedUnion('queryType', [promqlQuerySchema, kpiQuerySchema, anomalyQuerySchema, outliersQuerySchema, forecastQuerySchema, qualityQuerySchema], {
  error: (issue) =>
    issue.code === 'invalid_union' ? `expected one of ${QUERY_TYPES.join(', ')}` : undefined,
});

export type PromqlQuery = z.infer<typeof promqlQuerySchema>;
export type KpiQuery = z.infer<typeof kpiQuerySchema>;
export type AnomalyQuery = z.infer<typeof anomalyQuerySchema>;
export type OutliersQuery = z.infer<typeof outliersQuerySchema>;
export type ForecastQuery = z.infer<typeof forecastQuerySchema>;
export type QualityQuery = z.infer<typeof qualityQuerySchema>;
export type AnalysisQuery = AnomalyQuery | OutliersQuery | ForecastQuery | QualityQuery;
export type DetectionOptions = z.infer<typeof detectionSchema>;
export type AnalysisOutput = (typeof ANALYSIS_OUTPUTS)[number];
export type LabelFilterInput = z.input<typeof labelFilterSchema>;
export type EncoreQuery = z.infer<typeof encoreQuerySchema>;
/** What the editor stores: defaults may be absent. */
export type EncoreQueryInput = z.input<typeof encoreQuerySchema>;

export const DEFAULT_QUERY: Partial<EncoreQueryInput> = { queryType: 'promql', expr: '', instant: false };
