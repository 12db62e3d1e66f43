import { dataSourceOptionsSchema, type DataSourceOptions } from '../../../common/settings';
import { maxQueryRangeMs } from '../../../common/settings-limits';

/** The limits of one data source, in the units the checks use. */
export interface QueryLimits {
  maxRangeMs: number;
  /** as configured, for messages */
  maxRangeText: string;
  maxSeries: number;
  maxPoints: number;
  maxResponseBytes: number;
  queryTimeoutMs: number;
  /** undefined: that rate limit is off */
  org?: BucketConfig;
  user?: BucketConfig;
}

export interface BucketConfig {
  /** tokens (queries) added per second */
  ratePerSecond: number;
  /** bucket size: the most queries that can go at once after a quiet spell */
  burst: number;
}

const MIB = 1024 * 1024;

type LimitOptions = Pick<
  DataSourceOptions,
  | 'maxQueryRange'
  | 'maxSeries'
  | 'maxPoints'
  | 'maxResponseMB'
  | 'queryTimeoutSeconds'
  | 'rateLimitOrgQps'
  | 'rateLimitOrgBurst'
  | 'rateLimitUserQps'
  | 'rateLimitUserBurst'
>;

export function queryLimits(options: LimitOptions): QueryLimits {
  const bucket = (ratePerSecond: number, burst: number): BucketConfig | undefined => (ratePerSecond > 0 ? { ratePerSecond, burst } : undefined);
  const rangeText = options.maxQueryRange.trim() === '' ? '366d' : options.maxQueryRange.trim();
  return {
    maxRangeMs: maxQueryRangeMs(options.maxQueryRange),
    maxRangeText: rangeText,
    maxSeries: options.maxSeries,
    maxPoints: options.maxPoints,
    maxResponseBytes: Math.round(options.maxResponseMB * MIB),
    queryTimeoutMs: Math.round(options.queryTimeoutSeconds * 1000),
    org: bucket(options.rateLimitOrgQps, options.rateLimitOrgBurst),
    user: bucket(options.rateLimitUserQps, options.rateLimitUserBurst),
  };
}

/** The limits of settings that do not parse (the query then fails on the settings anyway) or of no data source. */
export const DEFAULT_LIMITS: QueryLimits = queryLimits(dataSourceOptionsSchema.parse({}));

/** Limits from raw jsonData; the defaults when it does not validate. */
export function limitsFromJsonData(jsonData: Record<string, unknown> | undefined): QueryLimits {
  const parsed = dataSourceOptionsSchema.safeParse(jsonData ?? {});
  return parsed.success ? queryLimits(parsed.data) : DEFAULT_LIMITS;
}
