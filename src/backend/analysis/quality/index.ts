import type { Grid } from '../grid';
import { checkCardinality } from './cardinality';
import { checkCompleteness } from './completeness';
import { checkCounterResets } from './counter-resets';
import { checkDuplicates } from './duplicates';
import { checkFlatline } from './flatline';
import { checkFreshness } from './freshness';
import { qualityScore } from './score';
import { RELATED_CHECK_IDS, type CheckOutcome, type QualityOptions, type QualityReport, type QualitySeries } from './types';
import { checkValidity } from './validity';

/**
 * Data-quality checks over the series of one query answer, run before any analysis: the report's
 * issue masks tell the detectors which points to neither learn from nor flag, and its checks
 * become the quality notices of the frames. Pure: no I/O, and no input makes it throw.
 */

export * from './types';
export { checkCardinality, CARDINALITY_WARN_SHARE, DEFAULT_MAX_SERIES } from './cardinality';
export { checkCompleteness, COMPLETENESS_FAIL_BELOW, COMPLETENESS_WARN_BELOW } from './completeness';
export { CONSISTENCY_FAIL_SHARE, CONSISTENCY_RULES, checkConsistency, consistencyViolations, TOTAL_REVENUE } from './consistency';
export type { ConsistencyRule, ConsistencySides } from './consistency';
export { checkCounterResets, COUNTER_RESETS_WARN_ABOVE } from './counter-resets';
export { checkDuplicates, DUPLICATE_MIN_POINTS } from './duplicates';
export { checkFlatline, DEFAULT_FLATLINE_MS, flatlineRuns, FLATLINE_MIN_CONTEXT_POINTS, FLATLINE_MIN_POINTS, FLATLINE_RARE_SHARE } from './flatline';
export { checkFreshness, DEFAULT_FRESHNESS_LIMIT_MS, FRESHNESS_WARN_SHARE } from './freshness';
export { checkResent, RESENT_FAIL_ABOVE, RESENT_LABELS, RESENT_MIN_EVENTS, RESENT_SIDES, RESENT_WARN_ABOVE } from './resent';
export type { ResentGroup } from './resent';
export { qualityScore, SCORE_PENALTIES } from './score';
export { checkValidity, VALIDITY_MAX_INVALID_POINTS } from './validity';
export { MAX_LISTED_SERIES } from './shared';

const NO_VALUES = new Float64Array(0);

function toValues(values: unknown): Float64Array {
  if (values instanceof Float64Array) return values;
  if (Array.isArray(values) || ArrayBuffer.isView(values)) {
    return Float64Array.from(values as ArrayLike<unknown>, (v) => (typeof v === 'number' ? v : NaN));
  }
  return NO_VALUES;
}

/** Series as the checks expect them, whatever a caller built: a missing grid is an empty one. */
function normalise(series: readonly QualitySeries[] | undefined): QualitySeries[] {
  if (!Array.isArray(series)) return [];
  return series.map((s): QualitySeries => {
    const grid: Partial<Grid> = s?.grid ?? {};
    const values = toValues(grid.values);
    // Events that do not line up with the values say nothing about their steps.
    const events = s?.events === undefined ? undefined : toValues(s.events);
    return {
      name: typeof s?.name === 'string' ? s.name : '',
      labels: s?.labels && typeof s.labels === 'object' ? s.labels : {},
      grid: { startMs: Number(grid.startMs), stepMs: Number(grid.stepMs), values },
      repairs: s?.repairs,
      counter: s?.counter === true,
      ...(events !== undefined && events.length === values.length ? { events } : {}),
    };
  });
}

export function checkQuality(series: readonly QualitySeries[], options: QualityOptions): QualityReport {
  const input = normalise(series);
  const opts: QualityOptions = options ?? { rangeStartMs: NaN, rangeEndMs: NaN, nowMs: NaN };
  const completeness = checkCompleteness(input, opts);
  const outcomes: CheckOutcome[] = [
    completeness,
    checkFreshness(input, opts),
    checkValidity(input, opts),
    checkCounterResets(input),
    checkFlatline(input, opts),
    checkDuplicates(input),
    checkCardinality(input, opts),
  ];
  const checks = outcomes.map((o) => o.check);
  if (Array.isArray(opts.related)) checks.push(...opts.related.filter((c) => c && RELATED_CHECK_IDS.includes(c.id)));

  const issues = input.map((s, index) => {
    const mask = new Uint8Array(s.grid.values.length);
    for (const outcome of outcomes) {
      const marks = outcome.issues[index];
      if (!marks) continue;
      for (let i = 0; i < mask.length; i++) if (marks[i]) mask[i] = 1;
    }
    return mask;
  });
  return { checks, score: qualityScore(checks, completeness.overall), issues };
}
