import { z } from 'zod';
import { parseDuration } from './validation';

/**
 * The Encore query model, shared by the query editor (browser) and the backend pipeline.
 * Grafana sends the whole browser query object as DataQuery.json, so unknown keys
 * (datasource, intervalMs, maxDataPoints, hide, ...) are accepted and ignored.
 */

export const QUERY_TYPES = ['promql'] as const;
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

export const encoreQuerySchema = z.discriminatedUnion('queryType', [promqlQuerySchema], {
  error: (issue) =>
    issue.code === 'invalid_union' ? `expected one of ${QUERY_TYPES.join(', ')}` : undefined,
});

export type PromqlQuery = z.infer<typeof promqlQuerySchema>;
export type EncoreQuery = z.infer<typeof encoreQuerySchema>;
/** What the editor stores: defaults may be absent. */
export type EncoreQueryInput = z.input<typeof encoreQuerySchema>;

export const DEFAULT_QUERY: Partial<EncoreQueryInput> = { queryType: 'promql', expr: '', instant: false };
