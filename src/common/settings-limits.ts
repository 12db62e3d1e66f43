import { z } from 'zod';
import { formatDuration, parseDuration } from './validation';

/**
 * The data source's limits, rate limits and upstream resilience settings (jsonData keys, flat like
 * the rest of jsonData so provisioning files stay simple). Part of dataSourceOptionsSchema; the
 * config editor's "Limits" section edits them, the backend enforces them (src/backend/query/limits,
 * src/backend/sources/resilience). Every limit has a default, so a data source saved before they
 * existed is limited too.
 */

export const LIMIT_DEFAULTS = {
  /** the widest time range one query may ask for: a year, leap years included */
  maxQueryRange: '366d',
  /** series in one upstream answer */
  maxSeries: 2_000,
  /** samples one query may read from the upstream, training history included */
  maxPoints: 5_000_000,
  /** bytes (MiB) of one upstream answer after decompression, and of one query's encoded frames */
  maxResponseMB: 64,
  /** one query end to end: every upstream call, history, analysis */
  queryTimeoutSeconds: 60,
  /** token buckets per organisation and per user: refill rate (queries per second) and size; 0 turns one off */
  rateLimitOrgQps: 100,
  rateLimitOrgBurst: 1_000,
  rateLimitUserQps: 20,
  rateLimitUserBurst: 200,
  /** extra attempts for an idempotent upstream read that failed in a way worth retrying */
  retries: 2,
  /** consecutive upstream failures that open the circuit breaker; 0 turns it off */
  circuitBreakerFailures: 5,
  /** how long an open breaker refuses calls before one probe may go through */
  circuitBreakerCooldownSeconds: 30,
} as const;

const whole = (min: number, max: number) => {
  const message = `expected a whole number from ${min} to ${max}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
};
const positive = (max: number) => {
  const message = `expected a number above 0, at most ${max}`;
  return z.number({ error: message }).positive({ error: message }).max(max, { error: message });
};

/** The zod fields, spread into dataSourceOptionsSchema. */
export const limitOptionsShape = {
  maxQueryRange: z
    .string({ error: 'expected a duration such as 30d or 1y' })
    .trim()
    .refine((text) => text === '' || (parseDuration(text) ?? 0) > 0, { message: 'expected a duration such as 30d or 1y' })
    .default(LIMIT_DEFAULTS.maxQueryRange),
  maxSeries: whole(1, 1_000_000).default(LIMIT_DEFAULTS.maxSeries),
  maxPoints: whole(1_000, 100_000_000).default(LIMIT_DEFAULTS.maxPoints),
  maxResponseMB: positive(1024).default(LIMIT_DEFAULTS.maxResponseMB),
  queryTimeoutSeconds: positive(3600).default(LIMIT_DEFAULTS.queryTimeoutSeconds),
  rateLimitOrgQps: z.number({ error: 'expected a number of queries per second (0 turns it off)' }).min(0, { error: 'expected 0 or more' }).max(100_000).default(LIMIT_DEFAULTS.rateLimitOrgQps),
  rateLimitOrgBurst: whole(1, 1_000_000).default(LIMIT_DEFAULTS.rateLimitOrgBurst),
  rateLimitUserQps: z.number({ error: 'expected a number of queries per second (0 turns it off)' }).min(0, { error: 'expected 0 or more' }).max(100_000).default(LIMIT_DEFAULTS.rateLimitUserQps),
  rateLimitUserBurst: whole(1, 1_000_000).default(LIMIT_DEFAULTS.rateLimitUserBurst),
  retries: whole(0, 5).default(LIMIT_DEFAULTS.retries),
  circuitBreakerFailures: whole(0, 1000).default(LIMIT_DEFAULTS.circuitBreakerFailures),
  circuitBreakerCooldownSeconds: positive(3600).default(LIMIT_DEFAULTS.circuitBreakerCooldownSeconds),
  /**
   * Let this data source reach link-local and cloud-metadata addresses (169.254.0.0/16, fe80::/10,
   * metadata.google.internal, fd00:ec2::254). Only honoured when the Grafana server admin also
   * allows it for the whole server (GF_PLUGIN_ALLOW_LINK_LOCAL=true); see docs/security.md.
   */
  allowLinkLocal: z.boolean({ error: 'expected true or false' }).default(false),
};

export type LimitField = keyof typeof limitOptionsShape;
export const LIMIT_FIELDS = Object.keys(limitOptionsShape) as LimitField[];

/** The widest range in ms ('' means the default). */
export function maxQueryRangeMs(text: string | undefined): number {
  const trimmed = text?.trim();
  return (trimmed ? parseDuration(trimmed) : undefined) ?? parseDuration(LIMIT_DEFAULTS.maxQueryRange)!;
}

/** `366d` for 366 days: how limits name durations in messages. */
export function describeRange(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : formatDuration(ms);
}
