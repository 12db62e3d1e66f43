import { shiftReferenceAlpha } from '../shift';
import { selectInPlace } from '../robust';

/**
 * Shares of few events: the payment failure rate of one market (a few payments an hour, most of
 * them fine), the failure rate of a small platform's plays. Read as values, such a series is a
 * string of zeros and ones and NaNs (no payment in the step): its median and MAD are 0, one
 * failure in two payments is a 50 % failure rate, and an outage that fails half the payments for
 * three hours looks like the noise it hides in. Read as counts it is plain: k failures among n
 * events, binomial around the market's usual share.
 *
 * So `auto` reads a share KPI by its counts when the series holds few events per point and the
 * events behind each point are known (the catalogue's shareEvents, fetched beside the value):
 * - the expected share is the market's pooled share over the last few days (events weighted,
 *   not points: a step with one payment says less than one with twenty);
 * - a point's residual is its signed deviance residual, which is close to the exact binomial
 *   tail even for one or two events (a Gaussian z would call one failure in three payments at a
 *   3 % share a 3-scale anomaly; its deviance residual is 1.8);
 * - sustained changes are summed as log-likelihood ratios of the events (a Bernoulli CUSUM),
 *   so three failures among six payments in an hour count as what they are, whatever the steps
 *   they fell in.
 * Pure functions: typed arrays in, typed arrays out.
 */

/**
 * A share series is read by its counts when its typical point (with any events) holds fewer
 * events than this: its values are then a handful of fractions (0, 1/3, 1/2, 1), and the
 * Gaussian reading of them breaks down. Above it the value-based detectors do as well, and also
 * follow the share's daily shape, which a pooled share does not: on the simulator, reading the
 * markets' play failures and exits (a failure or two among a hundred plays a point) by their
 * counts took their false alerts from 0.7 to 2.7 per series-week (bench/results/accuracy.md).
 */
export const SPARSE_EVENTS = 5;
/** Events the pooled share must have learned from before anything is expected. */
export const MIN_SHARE_EVENTS = 20;
/**
 * The shift the event sums look for: the odds of the rarer outcome multiplied (up) or divided
 * (down) by this. Smaller shifts are found too, later; larger ones sooner.
 */
export const SHIFT_ODDS_RATIO = 8;
/**
 * Points between false reports of one side's sums at the default band, by Wald's approximation
 * (shareShiftLimit): 20,000, about ten weeks at a 5-minute step. The limit that gives it depends
 * on how many events a point holds and on the share: a market with ten times the payments makes
 * ten times the chances of a chance streak, and needs a higher limit for the same false alerts
 * per week. On simulated binomial shares (0.3 to 4.5 events a point, shares of 2 to 40 %) it
 * gave at most 0.08 false alerts per series-week; 4,000 gave up to 0.67, and 140,000 (the
 * value-based quick sums' figure, ../shift.ts) found a few outages fewer for no fewer false
 * alerts (bench/results/accuracy.md, observations of 2026-12-04).
 */
export const SHARE_ARL_POINTS = 20_000;
const DEFAULT_BAND_Z = 3;
/**
 * The sums are capped this many usual events' worth above the limit: once the share is back,
 * about this many events end the report (a cap in log-likelihood units would take hours of a
 * market's few payments to drain).
 */
const DRAIN_EVENTS = 4;
/** Overdispersion beyond this is not binomial noise; such a series still gets its sums, just damped this much at most. */
const MAX_DISPERSION = 10;

/** A count of events that says something: positive and finite (an infinite count is a broken answer). */
function holdsEvents(n: number): boolean {
  return n > 0 && n < Infinity;
}

/** Binomial counts cannot be negative nor exceed their events; rounding of rates can. */
function clampCount(k: number, n: number): number {
  return k < 0 ? 0 : k > n ? n : k;
}

/**
 * The signed deviance residual of k events of n at share p: the signed square root of twice the
 * log-likelihood ratio of the observed share against p. Positive above the expected count.
 */
export function devianceResidual(k: number, n: number, p: number): number {
  const m = n * p;
  let d = 0;
  if (k > 0) d += k * Math.log(k / m);
  const rest = n - k;
  if (rest > 0) d += rest * Math.log(rest / (n - m));
  d = d > 0 ? Math.sqrt(2 * d) : 0;
  return k >= m ? d : -d;
}

/**
 * The share (0..1) whose deviance residual among n events at share p is z: the band's edge.
 * 0 or 1 when even the extreme count is closer than z. Newton's method on the squared residual,
 * kept inside a bracket of the root (a step that would leave it halves the bracket instead).
 */
export function shareAtResidual(n: number, p: number, z: number): number {
  if (!holdsEvents(n) || !(p > 0 && p < 1) || z !== z) return NaN;
  if (z === 0) return p;
  const m = n * p;
  const edge = z > 0 ? n : 0;
  if (Math.abs(devianceResidual(edge, n, p)) <= Math.abs(z)) return edge / n;
  const target = z * z;
  // f(k) = r(k)² - z² is below 0 at m and above it at the edge.
  let inside = m;
  let outside = edge;
  let k = Math.min(n, Math.max(0, m + z * Math.sqrt(m * (1 - p))));
  for (let iteration = 0; iteration < 40; iteration++) {
    if (!(z > 0 ? k > inside && k < outside : k < inside && k > outside)) k = (inside + outside) / 2;
    const r = devianceResidual(k, n, p);
    const f = r * r - target;
    if (f > 0) outside = k;
    else inside = k;
    // d(r²)/dk: twice the log of the observed odds over the expected ones.
    const slope = 2 * (Math.log(k / m) - Math.log((n - k) / (n - m)));
    const next = k - f / slope;
    if (Math.abs(next - k) <= 1e-9 * n) return clampCount(next, n) / n;
    k = next;
  }
  return clampCount(k, n) / n;
}

/**
 * Whether a share series holds so few events per point that it is read by its counts: the
 * points with events before `end` hold fewer than SPARSE_EVENTS at the median, and MIN_SHARE_EVENTS
 * in all.
 */
export function isSparseShare(values: Float64Array, events: Float64Array, end: number, skip?: Uint8Array): boolean {
  const perPoint = new Float64Array(end);
  let count = 0;
  let total = 0;
  for (let i = 0; i < end; i++) {
    const n = events[i]!;
    const x = values[i]!;
    if (!holdsEvents(n) || x !== x || (skip !== undefined && skip[i] === 1)) continue;
    perPoint[count++] = n;
    total += n;
  }
  if (count === 0 || total < MIN_SHARE_EVENTS) return false;
  const typical = selectInPlace(perPoint, Math.floor(count / 2), count);
  return typical < SPARSE_EVENTS;
}

/**
 * The expected share at each point, from the points before it, and the point's signed deviance
 * residual against it (NaN without events, value or expectation, and inside a data issue): the
 * residual is what the learning limit below reads, so it comes from the same pass.
 * The expected share is the events-weighted share of the
 * last SHIFT_REFERENCE_DAYS (three; sums that decay by one span's weight per point, whether events came or
 * not). Half an event of each outcome is added, so a market that has not failed a payment yet
 * expects a small share, not an impossible 0. Points inside a data-quality failure are not
 * learned; a point's count beyond `learningZ` deviance is learned at that limit, so an outage
 * does not become the market's usual share within the hour. NaN until MIN_SHARE_EVENTS events
 * are learned.
 */
export function shareBaseline(values: Float64Array, events: Float64Array, stepMs: number, learningZ: number, skip?: Uint8Array): { expected: Float64Array; residual: Float64Array } {
  const n = values.length;
  const expected = new Float64Array(n);
  const residual = new Float64Array(n).fill(NaN);
  const keep = 1 - shiftReferenceAlpha(stepMs) / 2;
  let hits = 0;
  let total = 0;
  let learned = 0;
  for (let i = 0; i < n; i++) {
    const p = learned >= MIN_SHARE_EVENTS ? (hits + 0.5) / (total + 1) : NaN;
    expected[i] = p;
    hits *= keep;
    total *= keep;
    const x = values[i]!;
    const count = events[i]!;
    if (!holdsEvents(count) || x !== x || (skip !== undefined && skip[i] === 1)) continue;
    let k = clampCount(x * count, count);
    if (p === p) {
      const z = devianceResidual(k, count, p);
      residual[i] = z;
      if (z > learningZ) k = count * shareAtResidual(count, p, learningZ);
      else if (z < -learningZ) k = count * shareAtResidual(count, p, -learningZ);
    }
    hits += k;
    total += count;
    learned += count;
  }
  return { expected, residual };
}

/**
 * How much wider than binomial the counts of the points in [from, end) spread: the mean squared
 * Pearson residual, within 1..MAX_DISPERSION (1 for binomial counts). Failures that come in
 * bursts (one listener retrying a failing payment) make it larger, and the event sums count in
 * it. NaN when fewer than MIN_SHARE_EVENTS events were seen.
 */
export function shareDispersion(values: Float64Array, events: Float64Array, expected: Float64Array, from: number, end: number, skip?: Uint8Array): number {
  let squares = 0;
  let points = 0;
  let seen = 0;
  for (let i = from; i < end; i++) {
    const n = events[i]!;
    const x = values[i]!;
    const p = expected[i]!;
    if (!holdsEvents(n) || x !== x || p !== p || (skip !== undefined && skip[i] === 1)) continue;
    const k = clampCount(x * n, n);
    const m = n * p;
    squares += ((k - m) * (k - m)) / (m * (1 - p));
    points++;
    seen += n;
  }
  if (seen < MIN_SHARE_EVENTS) return NaN;
  return Math.min(MAX_DISPERSION, Math.max(1, squares / points));
}

/**
 * The limit of the event sums for a series of `eventsPerPoint` events a point at share p: by
 * Wald's approximation a CUSUM of log-likelihood ratios reports by chance once in about
 * e^h / KL events, KL the information per event that the shifted share differs from p; so
 * h = ln(1 + SHARE_ARL_POINTS × events a point × KL), scaled with the band like the other sums.
 * The larger of the two sides' limits serves both (each side's KL differs a little).
 */
export function shareShiftLimit(eventsPerPoint: number, p: number, zBand: number): number {
  if (!(eventsPerPoint > 0) || !(p > 0 && p < 1)) return Infinity;
  const information = Math.max(divergence(p, shiftedShare(p, SHIFT_ODDS_RATIO)), divergence(p, shiftedShare(p, 1 / SHIFT_ODDS_RATIO)));
  return Math.log(1 + SHARE_ARL_POINTS * eventsPerPoint * information) * (zBand / DEFAULT_BAND_Z);
}

/** Kullback-Leibler divergence of a Bernoulli(q) from a Bernoulli(p), per event, when p is true. */
function divergence(p: number, q: number): number {
  return p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
}

/** The share whose odds are the odds of p times `ratio`. */
function shiftedShare(p: number, ratio: number): number {
  const odds = (p / (1 - p)) * ratio;
  return odds / (1 + odds);
}

/**
 * Evidence of a sustained change of a share, from the events: two one-sided Bernoulli CUSUMs,
 * each summing the log-likelihood ratio of its points for the share shifted by SHIFT_ODDS_RATIO
 * against the expected one, over the dispersion. In multiples of the limit (above 1: a shift),
 * like ShiftEvidence. Each sum is capped DRAIN_EVENTS events of the usual outcome above the
 * limit.
 */
export class ShareShiftEvidence {
  private upSum = 0;
  private downSum = 0;
  private readonly limit: number;
  private readonly weight: number;

  /**
   * @param dispersion shareDispersion of the history (NaN: unknown, and no shift is ever reported)
   * @param limit shareShiftLimit of the history
   */
  constructor(dispersion: number, limit: number) {
    this.weight = dispersion === dispersion ? 1 / dispersion : 0;
    this.limit = dispersion === dispersion ? limit : Infinity;
  }

  /** Adds k of n events at expected share p; a point without events or expectation leaves the sums as they are. */
  add(k: number, n: number, p: number): void {
    if (!holdsEvents(n) || k !== k || !(p > 0 && p < 1)) return;
    const c = clampCount(k, n);
    const up = shiftedShare(p, SHIFT_ODDS_RATIO);
    const down = shiftedShare(p, 1 / SHIFT_ODDS_RATIO);
    const w = this.weight;
    // Per event of each outcome, for the shifted share against the expected one.
    const upHit = w * Math.log(up / p);
    const upMiss = w * Math.log((1 - up) / (1 - p));
    const downHit = w * Math.log(down / p);
    const downMiss = w * Math.log((1 - down) / (1 - p));
    // The usual outcome of each side is the one the shift makes rarer: misses up, hits down.
    const upCeiling = this.limit - DRAIN_EVENTS * upMiss;
    const downCeiling = this.limit - DRAIN_EVENTS * downHit;
    this.upSum = Math.min(upCeiling, Math.max(0, this.upSum + c * upHit + (n - c) * upMiss));
    this.downSum = Math.min(downCeiling, Math.max(0, this.downSum + c * downHit + (n - c) * downMiss));
  }

  get up(): number {
    return this.upSum / this.limit;
  }

  get down(): number {
    return this.downSum / this.limit;
  }
}

/** The events behind each point from the events' per-second rate over the step, as stores answer rate(). */
export function eventsPerStep(ratePerSecond: Float64Array, stepMs: number): Float64Array {
  const seconds = stepMs / 1000;
  return ratePerSecond.map((r) => r * seconds);
}

/** Mean events a point over the points before `end`, steps without any counting as 0 (the gaps of the answer, NaN, not at all). */
export function eventsPerPoint(events: Float64Array, end: number): number {
  let total = 0;
  let points = 0;
  for (let i = 0; i < end; i++) {
    const n = events[i]!;
    if (n !== n) continue;
    total += holdsEvents(n) ? n : 0;
    points++;
  }
  return points > 0 ? total / points : NaN;
}
