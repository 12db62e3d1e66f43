import { judgeAbove, positiveOr } from './shared';
import type { CheckOutcome, QualityOptions, QualitySeries } from './types';

/**
 * Cardinality: how many series one query answered with. Past the limit a panel is unreadable,
 * analysis cost grows with every series and, most often, a label with unbounded values (a user
 * or session id) slipped into a group-by.
 *
 * Thresholds: fail above the limit (default 100), warn above 80 % of it, so the label that is
 * growing gets noticed before the query is cut off. No points are marked: every series may be
 * sound on its own.
 */

export const DEFAULT_MAX_SERIES = 100;
export const CARDINALITY_WARN_SHARE = 0.8;

const TITLE = 'Cardinality';

export function checkCardinality(series: readonly QualitySeries[], options: QualityOptions): CheckOutcome {
  const max = positiveOr(options.maxSeries, DEFAULT_MAX_SERIES);
  const warnAt = max * CARDINALITY_WARN_SHARE;
  const count = series.length;
  const verdict = judgeAbove(count, warnAt, max);
  const message =
    verdict.status === 'pass'
      ? `${count} series, within ${CARDINALITY_WARN_SHARE * 100} % of the limit of ${max}.`
      : `The query answered with ${count} series, ${verdict.status === 'fail' ? 'over the limit' : `over ${CARDINALITY_WARN_SHARE * 100} % of the limit`} of ${max}: group by fewer labels or filter, and look for a label with unbounded values.`;
  return {
    check: { id: 'cardinality', title: TITLE, status: verdict.status, value: count, threshold: verdict.threshold, unit: 'short', message, series: [] },
    issues: series.map(() => undefined),
  };
}
