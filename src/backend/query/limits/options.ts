import { dataSourceOptionsSchema, scrapeIntervalMs, type DataSourceOptions } from '../../../common/settings';
import { derivedOncePerShared } from '../../../common/freeze';
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

/**
 * Parsed settings, memoised by content: every query of a QueryData request needs the data
 * source's options and limits, and validating jsonData with the schema costs more than the rest of
 * a cached answer's bookkeeping. The key is the JSON text of jsonData (a microsecond for a
 * typical data source), so whatever changes the settings changes the key; entries are shared
 * and must not be modified.
 */
interface ParsedSettings {
  options: ReturnType<typeof dataSourceOptionsSchema.safeParse>;
  limits?: QueryLimits;
  scrapeMs?: number;
}

const MEMO_ENTRIES = 256;
const memo = new Map<string, ParsedSettings>();

/**
 * Frozen jsonData objects (the server shares one between requests with the same plugin context,
 * grafana/context.ts) are looked up by identity first: no JSON text to build for them.
 */
const byObject = derivedOncePerShared((jsonData: Record<string, unknown>) => parsedByText(jsonData));

function parsedSettings(jsonData: Record<string, unknown> | undefined): ParsedSettings {
  return jsonData === undefined ? parsedByText(jsonData) : byObject(jsonData);
}

function parsedByText(jsonData: Record<string, unknown> | undefined): ParsedSettings {
  const key = jsonData === undefined ? '{}' : JSON.stringify(jsonData);
  let entry = memo.get(key);
  if (entry) {
    // Most recently used last, so the first key is the one to drop.
    memo.delete(key);
  } else {
    entry = { options: dataSourceOptionsSchema.safeParse(jsonData ?? {}) };
    if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value!);
  }
  memo.set(key, entry);
  return entry;
}

/** dataSourceOptionsSchema.safeParse(jsonData), memoised (the result is shared: read only). */
export function parseDataSourceOptions(jsonData: Record<string, unknown> | undefined): ParsedSettings['options'] {
  return parsedSettings(jsonData).options;
}

/** Limits from raw jsonData; the defaults when it does not validate. Memoised (shared: read only). */
export function limitsFromJsonData(jsonData: Record<string, unknown> | undefined): QueryLimits {
  const entry = parsedSettings(jsonData);
  entry.limits ??= entry.options.success ? queryLimits(entry.options.data) : DEFAULT_LIMITS;
  return entry.limits;
}

/** The scrape interval the data source declares, in ms (the default when jsonData does not validate). Memoised. */
export function scrapeMsFromJsonData(jsonData: Record<string, unknown> | undefined): number {
  const entry = parsedSettings(jsonData);
  entry.scrapeMs ??= scrapeIntervalMs(entry.options.success ? entry.options.data : {});
  return entry.scrapeMs;
}
