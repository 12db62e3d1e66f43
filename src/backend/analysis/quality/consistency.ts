import { AD_FORMATS, PLANS, PLAY_END_REASONS } from '../../../common/events/vocabulary';
import { histogramRate, rate, rateUsd, sum, type KpiExpr } from '../../../common/kpis/expression';
import { timeAt, type Grid } from '../grid';
import { alignedIndex, isoTime, judgeAbove, num, percent, placeable } from './shared';
import type { QualityCheck } from './types';

/**
 * Consistency: relations between KPI-level quantities that hold whatever the business does. A
 * play cannot complete more often than plays start; the parts of a total add up to it. A broken
 * relation is a counting problem (events lost, sent twice, labelled outside the vocabulary), not
 * a business anomaly. The rules are data, like the KPI formulas: the query layer evaluates both
 * sides with the same engine it uses for KPIs (ungrouped or with the same group-by) and hands the
 * aligned grids to checkConsistency.
 *
 * Tolerances are relative to the bound (at_most) or to the larger of total and sum (sum_equals).
 * Threshold: warn when any compared point breaks the rule, fail when more than
 * CONSISTENCY_FAIL_SHARE of them do (a lasting break is a broken pipeline, not scrape skew).
 */

export type ConsistencyRule =
  | { id: string; title: string; kind: 'at_most'; left: KpiExpr; right: KpiExpr; tolerance: number; hint: string }
  | { id: string; title: string; kind: 'sum_equals'; parts: readonly KpiExpr[]; total: KpiExpr; tolerance: number; hint: string };

export type ConsistencySides = { left: Grid; right: Grid } | { parts: readonly Grid[]; total: Grid };

export const CONSISTENCY_FAIL_SHARE = 0.1;
/** Relative slack for floating-point sums, below any tolerance a rule would choose. */
const ROUNDING = 1e-9;

/**
 * Tolerances. Counters of two events of one play are scraped together but rated over windows
 * that cut plays in different places: 2 % covers that skew. Sessions last tens of minutes, so on
 * a falling evening the sessions ending now began when more were starting: with the daily curve
 * falling at most about a tenth per hour, ended exceeds started by up to 10 %. Parts of one
 * metric, or one event counted twice, differ by rounding only: 0.1 %.
 */
const SKEW = 0.02;
const SESSIONS_IN_FLIGHT = 0.1;
const SAME_EVENTS = 0.001;
/**
 * The two sides of an at_most rule are rates of separate counters, so each step also differs by
 * counting noise: for counts L and R in a window, L − R has a standard deviation of about
 * √(L + R). With a few dozen sessions per step in a small market that is far more than any
 * tolerance, and the sessions rule failed on calm simulated data. A break must exceed
 * this many deviations as well; the window is taken as one step, the shortest a rate is read
 * over here, which overstates the noise of longer rate windows and so never flags more.
 */
const NOISE_DEVIATIONS = 4;

/** The revenue ARPU divides: subscriptions and ads in US dollars (a test ties it to the catalogue). */
export const TOTAL_REVENUE: KpiExpr = sum(rateUsd('subscriptionRevenue'), rateUsd('adRevenue'));

export const CONSISTENCY_RULES: readonly ConsistencyRule[] = [
  {
    id: 'completions_within_starts',
    title: 'Completed plays at most play starts',
    kind: 'at_most',
    left: rate('playEnds', { reason: ['completed'] }),
    right: rate('playStarts'),
    tolerance: SKEW,
    hint: 'play-end events are counted twice or play-start events are lost',
  },
  {
    id: 'starts_within_attempts',
    title: 'Play starts at most play attempts',
    kind: 'at_most',
    left: rate('playStarts'),
    right: rate('playAttempts'),
    tolerance: SKEW,
    hint: 'clients send play starts without the attempt before them, or attempts are lost',
  },
  {
    id: 'sessions_ended_within_started',
    title: 'Sessions ended at most sessions started',
    kind: 'at_most',
    left: rate('sessionsEnded'),
    right: rate('sessionsStarted'),
    tolerance: SESSIONS_IN_FLIGHT,
    hint: 'session-end events are counted twice or session starts are lost',
  },
  {
    id: 'play_ends_by_reason',
    title: 'Play ends by reason add up to play ends',
    kind: 'sum_equals',
    parts: PLAY_END_REASONS.map((reason) => rate('playEnds', { reason: [reason] })),
    total: rate('playEnds'),
    tolerance: SAME_EVENTS,
    hint: 'play ends carry a reason outside the vocabulary (completed, skipped, error, user_stop)',
  },
  {
    id: 'session_durations_match_ends',
    title: 'Session durations recorded for every ended session',
    kind: 'sum_equals',
    parts: [histogramRate('sessionDuration', 'count')],
    total: rate('sessionsEnded'),
    tolerance: SAME_EVENTS,
    hint: 'the session-duration histogram and the ended-session counter come from different exporters or versions',
  },
  {
    id: 'revenue_parts',
    title: 'Subscription and ad revenue add up to total revenue',
    kind: 'sum_equals',
    parts: [rateUsd('subscriptionRevenue'), rateUsd('adRevenue')],
    total: TOTAL_REVENUE,
    tolerance: SAME_EVENTS,
    hint: 'the revenue panels and ARPU disagree: one revenue stream lacks an exchange rate for its currency in some group, or the KPI formulas drifted apart',
  },
  {
    id: 'subscription_revenue_by_plan',
    title: 'Subscription revenue by plan adds up to subscription revenue',
    kind: 'sum_equals',
    parts: PLANS.map((plan) => rateUsd('subscriptionRevenue', { plan: [plan] })),
    total: rateUsd('subscriptionRevenue'),
    tolerance: SAME_EVENTS,
    hint: `payments carry a plan outside the vocabulary (${PLANS.join(', ')})`,
  },
  {
    id: 'ad_revenue_by_format',
    title: 'Ad revenue by format adds up to ad revenue',
    kind: 'sum_equals',
    parts: AD_FORMATS.map((format) => rateUsd('adRevenue', { format: [format] })),
    total: rateUsd('adRevenue'),
    tolerance: SAME_EVENTS,
    hint: `ad revenue carries a format outside the vocabulary (${AD_FORMATS.join(', ')})`,
  },
];

interface Evaluation {
  /** over the reference grid (left, or total): 1 = the rule is broken there */
  mask: Uint8Array;
  compared: number;
  broken: number;
  /** the first break: the two sides compared */
  first?: { index: number; a: number; b: number };
  reference?: Grid;
  mismatch?: string;
}

function evaluate(rule: ConsistencyRule, sides: ConsistencySides): Evaluation {
  const tolerance = Number.isFinite(rule.tolerance) && rule.tolerance > 0 ? rule.tolerance : 0;
  if (typeof sides !== 'object' || sides === null) return { mask: new Uint8Array(0), compared: 0, broken: 0, mismatch: 'no sides were given' };
  if (rule.kind === 'at_most') {
    if (!('left' in sides) || !sides.left || !sides.right) return { mask: new Uint8Array(0), compared: 0, broken: 0, mismatch: 'expected a left and a right side' };
    const { left, right } = sides;
    const out: Evaluation = { mask: new Uint8Array(left.values.length), compared: 0, broken: 0, reference: left };
    if (!placeable(left) || !placeable(right)) return { ...out, mismatch: 'a side has an unusable time grid' };
    const windowSeconds = left.stepMs / 1000;
    for (let i = 0; i < left.values.length; i++) {
      const j = alignedIndex(left, i, right);
      if (j < 0) continue;
      const l = left.values[i]!;
      const r = right.values[j]!;
      if (!Number.isFinite(l) || !Number.isFinite(r)) continue;
      out.compared++;
      const noise = NOISE_DEVIATIONS * Math.sqrt((Math.abs(l) + Math.abs(r)) / windowSeconds);
      if (l - r > tolerance * Math.abs(r) + noise + ROUNDING * Math.max(Math.abs(l), Math.abs(r))) {
        out.mask[i] = 1;
        out.broken++;
        out.first ??= { index: i, a: l, b: r };
      }
    }
    return out;
  }
  if (!('total' in sides) || !sides.total) return { mask: new Uint8Array(0), compared: 0, broken: 0, mismatch: 'expected parts and a total' };
  const total = sides.total;
  const parts = Array.isArray(sides.parts) ? sides.parts : [];
  const out: Evaluation = { mask: new Uint8Array(total.values.length), compared: 0, broken: 0, reference: total };
  if (!placeable(total) || parts.some((p) => !p || !placeable(p))) return { ...out, mismatch: 'a side has an unusable time grid' };
  for (let i = 0; i < total.values.length; i++) {
    const t = total.values[i]!;
    if (!Number.isFinite(t)) continue;
    // A part absent at a time counts as 0 there, as in a KPI `sum`; with no part at all there is nothing to compare.
    let partsSum = 0;
    let seen = false;
    for (const part of parts) {
      const j = alignedIndex(total, i, part);
      const v = j < 0 ? NaN : part.values[j]!;
      if (!Number.isFinite(v)) continue;
      partsSum += v;
      seen = true;
    }
    if (!seen) continue;
    out.compared++;
    const scale = Math.max(Math.abs(t), Math.abs(partsSum));
    // Parts that overflow to Infinity cannot add up to a finite total.
    if (!Number.isFinite(partsSum) || !(Math.abs(partsSum - t) <= (tolerance + ROUNDING) * scale)) {
      out.mask[i] = 1;
      out.broken++;
      out.first ??= { index: i, a: partsSum, b: t };
    }
  }
  return out;
}

/** Where the rule is broken, over the left grid (at_most) or the total grid (sum_equals). */
export function consistencyViolations(rule: ConsistencyRule, sides: ConsistencySides): Uint8Array {
  return evaluate(rule, sides).mask;
}

export function checkConsistency(rule: ConsistencyRule, sides: ConsistencySides): QualityCheck {
  const result = evaluate(rule, sides);
  const share = result.compared > 0 ? result.broken / result.compared : 0;
  const verdict = judgeAbove(share, 0, CONSISTENCY_FAIL_SHARE);
  const tolerance = Number.isFinite(rule.tolerance) && rule.tolerance > 0 ? rule.tolerance : 0;
  let message: string;
  if (result.mismatch) message = `${rule.title} was not judged: ${result.mismatch}.`;
  else if (result.compared === 0) message = `${rule.title} was not judged: no time has a value on both sides.`;
  else if (result.broken === 0) message = `${rule.title}: held at all ${result.compared} compared points (tolerance ${percent(tolerance)}).`;
  else {
    const first = result.first!;
    const when = isoTime(timeAt(result.reference!, first.index));
    const sidesText = rule.kind === 'at_most' ? `${num(first.a)} against at most ${num(first.b)}` : `parts summing to ${num(first.a)} against a total of ${num(first.b)}`;
    message = `${rule.title}: broken at ${result.broken} of ${result.compared} compared points (${percent(share)}), first at ${when} with ${sidesText}, beyond its ${percent(tolerance)} tolerance; likely ${rule.hint}.`;
  }
  return {
    id: 'consistency',
    title: rule.title,
    status: result.mismatch ? 'pass' : verdict.status,
    value: share,
    threshold: verdict.threshold,
    unit: 'percentunit',
    message,
    series: [],
  };
}
