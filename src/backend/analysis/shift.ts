import { DAY_MS } from './detectors/period';

/**
 * Sustained shifts: a CUSUM (cumulative sum) of a detector's standardised residuals, for the
 * changes a point band cannot see. A CDN that makes the average bitrate 1.5 scales lower for an
 * hour never leaves a 3-scale band, yet twelve such points in a row are far from noise; the sum
 * of the residuals beyond an allowance says so within a few points, and a calm series almost
 * never builds it up.
 *
 * Two corrections make the textbook CUSUM fit streaming KPIs:
 * - residuals are capped (SHIFT_CAP), so one wild point, the band's business, cannot build a
 *   shift by itself;
 * - residuals of real series are correlated (a baseline lags the daily ramp, a busy hour runs
 *   high), which makes sums grow faster than for independent noise. `persistenceFactor` measures
 *   by how much on the history, and the residuals are scaled down by its square root, so the
 *   limit means the same on every series.
 */

/** Residuals count from this many scales on: half a scale, the textbook allowance for shifts of about one scale. */
export const SHIFT_ALLOWANCE = 0.5;
/**
 * The sum, at the default band (3 scales), at which a shift is reported; it scales with the band,
 * so the sensitivity knob moves both. For independent normal residuals this is about one report
 * in 140,000 points per direction (Siegmund's approximation), and a shift of one scale is reported
 * after about 20 points, of two scales after 8. On the simulator's labelled runs, with the
 * persistence correction, 8 and 9 gave just over one false alert per series-week, 10 kept it under
 * one (bench/results/accuracy.md).
 */
export const SHIFT_LIMIT_AT_DEFAULT_BAND = 10;
const DEFAULT_BAND_Z = 3;
/**
 * A second, slower pair of sums for shifts under one scale that last for hours (a slight release
 * bug, a small market's degradation): residuals count from 0.35 scales, reported at 15. Against
 * the allowance of 0.5 a shift of half a scale builds the quick sums only by chance (in 40 to 500
 * points in the tests); the slow ones report it in 40 to 170, and a shift of one scale after
 * about 25 points (the quick sums take 20). For independent
 * normal residuals about one report in 300,000 points per direction. On the simulator's labelled
 * runs it took own-scope recall for `auto` from 0.52 to 0.54 (0.75 to 0.78 of the visible moves;
 * 0.34 to 0.36 on the market series) for 2 % more false alerts (806 to 826, 0.8 per series-week
 * either way); allowances of 0.15 to 0.4 and limits of 12 to 60 were tried
 * (bench/results/accuracy.md).
 */
export const SLOW_SHIFT_ALLOWANCE = 0.35;
export const SLOW_SHIFT_LIMIT_AT_DEFAULT_BAND = 15;
/** Residuals are capped here before they are summed. */
export const SHIFT_CAP = 3;
/**
 * The sums are capped this many points' allowance above the limit: a shift that lasts for hours
 * must not leave a sum that takes hours to drain once the series has recovered. From the
 * ceiling, four points back at the expected value end the report, whatever the sensitivity (a
 * ceiling proportional to the limit would end it sooner on a narrower band, which would then
 * flag fewer points).
 */
const DRAIN_POINTS = 4;
/** Points per block when the history's persistence is measured: an hour at a 5-minute step. */
export const PERSISTENCE_BLOCK = 12;
/** Fewer blocks than this say nothing about persistence. */
const MIN_BLOCKS = 10;

/**
 * The in-control level the sums of the rolling median measure against: an average of the series
 * over about three days, not the median itself. The median follows the recent past by design (a
 * lasting change is the new normal within an hour), so a shift of two scales that lasts a morning
 * would have been learned before its sums could pass the limit; against a three-day level it
 * keeps counting. The seasonal baseline learns its own slow offset from its seasonal medians over
 * the same span (a flat level would miss the daily shape); the EWMA keeps its own expected value
 * (it raised 1.8 false alerts per series-week against a slow level on the simulator, 0.4 against
 * its own).
 */
export const SHIFT_REFERENCE_DAYS = 3;

/** The learning rate of a level over SHIFT_REFERENCE_DAYS at this step (an exponential average of that span in points). */
export function shiftReferenceAlpha(stepMs: number): number {
  return 2 / (Math.round((SHIFT_REFERENCE_DAYS * DAY_MS) / stepMs) + 1);
}

/**
 * The three-day level for each point (from the points before it), learned as the detectors learn:
 * values beyond `learningZ` scales of the expected value at the limit, data issues and missing
 * values not at all. NaN until the detector expects something.
 * On the simulator it raised own-scope recall for `auto` from 0.50 to 0.52 (0.71 to 0.75 on the
 * moves visible in the data, 0.28 to 0.34 on the market series) with false alerts unchanged at
 * 0.8 per series-week; a day's span added false alerts, a week's changed nothing
 * (bench/results/accuracy.md).
 */
export function shiftReference(values: Float64Array, expected: Float64Array, scale: Float64Array, learningZ: number, stepMs: number, issues?: Uint8Array): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const alpha = shiftReferenceAlpha(stepMs);
  let level = NaN;
  for (let i = 0; i < n; i++) {
    const e = expected[i]!;
    if (level !== level) level = e;
    out[i] = level;
    const x = values[i]!;
    if (x !== x || e !== e || (issues !== undefined && issues[i] === 1)) continue;
    const limit = learningZ * scale[i]!;
    level += alpha * ((x > e + limit ? e + limit : x < e - limit ? e - limit : x) - level);
  }
  return out;
}

/** The limit on a pair of sums for a band of `zBand` scales, from its limit at the default band (the quick sums' by default). */
export function shiftLimit(zBand: number, limitAtDefaultBand = SHIFT_LIMIT_AT_DEFAULT_BAND): number {
  return limitAtDefaultBand * (zBand / DEFAULT_BAND_Z);
}

function capped(z: number): number {
  return z > SHIFT_CAP ? SHIFT_CAP : z < -SHIFT_CAP ? -SHIFT_CAP : z;
}

/**
 * The first point whose residual counts: once the detector has warmed up, but no later than
 * halfway through the history, so that the persistence is read on at least half of it. Before
 * that a seasonal model without a full cycle follows the daily ramp with its level alone, and its
 * residuals run in streaks that say nothing about the series.
 */
export function shiftStart(warmupPoints: number, historyPoints: number): number {
  return Math.max(0, Math.min(warmupPoints, Math.floor(historyPoints / 2)));
}

/**
 * How much faster than for independent residuals of unit scale sums of consecutive ones grow,
 * from the points in [from, end), as the product of two factors, each at least 1:
 * - streaks: PERSISTENCE_BLOCK times the mean square of block means over the mean square of the
 *   points (1 for independent residuals, larger when they run in streaks or the baseline is off
 *   for a while);
 * - spread: the mean square of the points, within 1..maxSpread. The residuals are standardised
 *   by the detector's scale, which describes the body of their distribution; a heavy tail (a
 *   sparse ratio that jumps on a few rare events) or a baseline that misses part of the daily
 *   shape leaves them wider than that, and the sums must count in their real spread. Narrower
 *   than the scale says never makes the sums more sensitive than the scale, and detect.ts passes
 *   the square of the band's widening (tailFactor) as maxSpread, so they are never less
 *   sensitive than the band's scale makes them (on ten hours of history with an evening ramp in
 *   it, an unbounded spread hid a recommendation regression that the alert test injects).
 * With the spread, the product is the residuals' long-run variance: the sums count in the
 * deviation that sums of them really show on the history.
 * On the simulator, standardising the sums this way instead of by the band's scale took
 * own-scope recall for `auto` from 0.54 to 0.58 at 3 days of history (bench/results/accuracy.md).
 * NaN when the history holds fewer than MIN_BLOCKS blocks: then it is unknown, and sums must not
 * be trusted.
 * `z(i)` is the standardised residual of point i, NaN where there is none.
 */
export function persistenceFactor(z: (i: number) => number, from: number, end: number, maxSpread = Infinity): number {
  let squares = 0;
  let points = 0;
  let blockSquares = 0;
  let blocks = 0;
  let blockSum = 0;
  let inBlock = 0;
  for (let i = from; i < end; i++) {
    const r = z(i);
    if (r !== r) continue;
    const c = capped(r);
    squares += c * c;
    points++;
    blockSum += c;
    if (++inBlock === PERSISTENCE_BLOCK) {
      const mean = blockSum / PERSISTENCE_BLOCK;
      blockSquares += mean * mean;
      blocks++;
      blockSum = 0;
      inBlock = 0;
    }
  }
  if (blocks < MIN_BLOCKS) return NaN;
  if (!(squares > 0)) return 1;
  const meanSquare = squares / points;
  const streaks = (PERSISTENCE_BLOCK * (blockSquares / blocks)) / meanSquare;
  const spread = Math.max(1, Math.min(maxSpread, meanSquare));
  return (Number.isFinite(streaks) ? Math.max(1, streaks) : 1) * spread;
}

/** The two one-sided sums of one allowance and limit, updated point by point. */
export class ShiftSums {
  /** evidence that the series runs above what was expected */
  up = 0;
  /** ... below it */
  down = 0;
  private readonly ceiling: number;

  private readonly weight: number;
  /** the sum at which a shift is reported; Infinity when the persistence is unknown */
  readonly limit: number;

  /**
   * @param persistence persistenceFactor of the history (NaN: unknown, and no shift is ever reported)
   * @param zBand the band's half-width in scales
   */
  constructor(
    persistence: number,
    zBand: number,
    private readonly allowance = SHIFT_ALLOWANCE,
    limitAtDefaultBand = SHIFT_LIMIT_AT_DEFAULT_BAND,
  ) {
    this.weight = persistence === persistence ? 1 / Math.sqrt(persistence) : 0;
    this.limit = persistence === persistence ? shiftLimit(zBand, limitAtDefaultBand) : Infinity;
    this.ceiling = this.limit + DRAIN_POINTS * allowance;
  }

  /**
   * Adds one standardised residual; NaN (no residual) leaves the sums as they are. A residual
   * that does not support a reported shift (under the allowance on its side) ends the report, and
   * that sum starts again from 0: the series may have recovered, or be settling after an incident
   * a little above its old level, and only fresh evidence should report a shift again.
   */
  add(z: number): void {
    if (z !== z) return;
    const c = capped(z) * this.weight;
    const limit = this.limit;
    const k = this.allowance;
    const up = (c < k && this.up > limit ? 0 : this.up) + c - k;
    const down = (-c < k && this.down > limit ? 0 : this.down) - c - k;
    this.up = up < 0 ? 0 : up > this.ceiling ? this.ceiling : up;
    this.down = down < 0 ? 0 : down > this.ceiling ? this.ceiling : down;
  }
}

/**
 * The evidence of a sustained shift on either side: the quick sums and the slow ones, each as a
 * multiple of its own limit, the stronger of the two. Above 1 a shift is reported.
 */
export class ShiftEvidence {
  private readonly quick: ShiftSums;
  private readonly slow: ShiftSums;

  constructor(persistence: number, zBand: number) {
    this.quick = new ShiftSums(persistence, zBand);
    this.slow = new ShiftSums(persistence, zBand, SLOW_SHIFT_ALLOWANCE, SLOW_SHIFT_LIMIT_AT_DEFAULT_BAND);
  }

  add(z: number): void {
    this.quick.add(z);
    this.slow.add(z);
  }

  /** evidence that the series runs above what was expected, in limits (0 when the persistence is unknown) */
  get up(): number {
    return this.stronger(this.quick.up, this.slow.up);
  }

  /** ... below it */
  get down(): number {
    return this.stronger(this.quick.down, this.slow.down);
  }

  /** The quick and the slow sum of one side, each in its own limits; the larger. */
  private stronger(quickSum: number, slowSum: number): number {
    const quick = quickSum / this.quick.limit;
    const slow = slowSum / this.slow.limit;
    return quick > slow ? quick : slow;
  }
}
