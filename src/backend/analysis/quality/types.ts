import type { Grid, GridRepairs } from '../grid';

/**
 * The vocabulary of the data-quality checks. A check judges the data, never the business: a gap,
 * a stale series or a counter reset is reported here and its points are masked, so the detectors
 * neither learn from them nor page anyone for them.
 */

export const CHECK_IDS = ['completeness', 'freshness', 'validity', 'counter_resets', 'flatline', 'duplicates', 'cardinality', 'consistency', 'resent'] as const;
export type CheckId = (typeof CHECK_IDS)[number];
/** Checks that need other series than the query's (related KPIs, the collector's counters): the query layer evaluates them and hands them in. */
export const RELATED_CHECK_IDS: readonly CheckId[] = ['consistency', 'resent'];

export type CheckStatus = 'pass' | 'warn' | 'fail';
export const CHECK_STATUSES: readonly CheckStatus[] = ['pass', 'warn', 'fail'];

export interface QualityCheck {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** what was measured, in `unit` */
  value: number;
  /**
   * The limit `value` was judged against: the fail limit when the check failed, otherwise the warn
   * limit (the next one that would be crossed). Checks with a single limit use it throughout.
   */
  threshold: number;
  /** Grafana unit id: 'percentunit', 's', 'short' */
  unit: string;
  /** one sentence a user can act on: what was measured, against what, where */
  message: string;
  /** names of affected series, at most MAX_LISTED_SERIES */
  series: string[];
}

export interface QualitySeries {
  name: string;
  labels: Record<string, string>;
  grid: Grid;
  repairs?: GridRepairs;
  /** raw counter (e.g. a *_total metric): resets are checked */
  counter?: boolean;
  /**
   * Share KPIs: the events behind each point, on the same grid. A step without events has no
   * share to give (no payment, no failure rate): it is complete and fresh, not a gap.
   */
  events?: Float64Array;
}

export interface QualityOptions {
  rangeStartMs: number;
  rangeEndMs: number;
  nowMs: number;
  /** default DEFAULT_FRESHNESS_LIMIT_MS (5 min) */
  freshnessLimitMs?: number;
  validRange?: readonly [number, number];
  /** cardinality limit, default DEFAULT_MAX_SERIES (100) */
  maxSeries?: number;
  /** default DEFAULT_FLATLINE_MS (30 min) */
  flatlineMs?: number;
  /**
   * The checks of RELATED_CHECK_IDS the caller evaluated on other series than these (checkConsistency
   * on KPI-level rules, checkResent on the collector's received-events counter): they join the
   * report and the score. Without them the report has no such check rather than a pass nobody
   * measured.
   */
  related?: readonly QualityCheck[];
}

export interface QualityReport {
  checks: QualityCheck[];
  /** 0..100 */
  score: number;
  /** per input series, same order, length of that series' grid: 1 = the point is inside a quality failure */
  issues: Uint8Array[];
}

/** What one check found: its verdict, and per input series the points it marks (undefined: none). */
export interface CheckOutcome {
  check: QualityCheck;
  issues: Array<Uint8Array | undefined>;
}
