import { detect, minDecisionPoints } from './detect';
import { AnalysisInputError, type Grid } from './grid';
import { MAD_TO_SD, MEAN_ABS_TO_SD, median, medianInPlace } from './robust';
import type { Direction } from './score';

/**
 * Which series departs from its peers: one market among many, one platform among all. Peers share
 * the daily shape and the traffic surges, and one market can be a hundred times another, so the
 * raw values say little. Each series instead has a usual place among its peers, and it is an
 * outlier when it leaves that place.
 *
 * All values > 0 (traffic, revenue): in logs, series s at time t is c(t) + o_s + noise. o_s, the
 * usual place, is the median over the series' first decision points of its log minus the median
 * log of all series then. c(t), the common level, comes from the other series' log − o_s.
 * Otherwise (zeros, signed values): the same in standard units, x = μ(t) + σ(t)·o_s, with o_s from
 * (x − median) / MAD, and μ, σ fitted robustly to the other series at each point.
 *
 * Why not the cross-sectional median of the values itself: with eight markets it is the mean of
 * the fourth and fifth, so when one of those moves every other market seems to move the other
 * way. Relative to their usual places the series form a cluster, and one leaving it barely moves
 * the cluster's centre. Why the other series: a centre fitted to a handful of series follows each
 * of them a little, the more so the fewer there are, which hides its own departures.
 *
 * The position (value − expected place, in log units or spreads) then goes through the robust
 * rolling detector, causal like every detector, and the expected value and band are mapped back
 * to the series' own units.
 */

export interface OutlierOptions {
  sensitivity?: number;
  direction?: Direction;
  minDurationPoints?: number;
  /** points before this index are training history; the usual places are read there */
  historyPoints?: number;
}

export interface OutlierResult {
  /** where the series would be at its usual place among its peers; NaN where that is unknown */
  expected: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** 0..1, FLAG_SCORE at the band edge */
  score: Float64Array;
  /** 1 = out of line with its peers */
  outlier: Uint8Array;
}

/**
 * A point needs this many series with values to have peers. With two series one cannot say
 * which of them departed, so fewer than three series score 0 everywhere.
 */
export const MIN_PEERS = 3;
/**
 * Up to this many series each gets a centre fitted without it; beyond, one series weighs too
 * little in the centre to matter, and a centre per series would cost k² per point.
 */
const LEAVE_ONE_OUT_MAX = 32;
/** The line fit pairs each series with this many others at most, so its cost stays linear. */
const MAX_PARTNERS = 64;
/** A usual place read from fewer points than this is no better than a guess. */
const MIN_PLACE_POINTS = 10;

/** Throws AnalysisInputError when the grids do not share start, step and length. */
export function detectOutliers(series: readonly Grid[], options: OutlierOptions = {}): OutlierResult[] {
  if (series.length === 0) return [];
  const first = series[0]!;
  const n = first.values.length;
  series.forEach((grid, k) => {
    if (grid.values.length !== n) {
      throw new AnalysisInputError(`series ${k + 1}: expected ${n} points like series 1, got ${grid.values.length}`);
    }
    if (grid.startMs !== first.startMs || grid.stepMs !== first.stepMs) {
      throw new AnalysisInputError(
        `series ${k + 1}: expected the grid of series 1 (start ${first.startMs}, step ${first.stepMs} ms), got start ${grid.startMs}, step ${grid.stepMs} ms`,
      );
    }
  });
  if (series.length < MIN_PEERS) return series.map(() => unknown(n));

  const logs = series.every((grid) => allPositive(grid.values));
  const units = new Float64Array(n);
  for (let i = 0; i < n; i++) units[i] = logs ? 1 : unitAt(series, i);
  const values = series.map((grid) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = transform(grid.values[i]!, logs, units[i]!);
    return out;
  });
  const history = (options.historyPoints ?? 0) > 0 ? options.historyPoints! : minDecisionPoints(first.stepMs);
  const { places, weights } = usualPlaces(values, logs, Math.max(MIN_PLACE_POINTS, Math.floor(history)));
  const frames = values.length > LEAVE_ONE_OUT_MAX ? new Array<Frame>(values.length).fill(commonFrame(values, places, weights, logs, -1)) : leaveOneOutFrames(values, places, weights, logs);

  return values.map((transformed, s) => {
    const place = places[s]!;
    if (place !== place) return unknown(n);
    const { level, spread } = frames[s]!;
    const position = new Float64Array(n);
    for (let i = 0; i < n; i++) position[i] = (transformed[i]! - level[i]!) / spread[i]! - place;
    const detection = detect(
      { startMs: first.startMs, stepMs: first.stepMs, values: position },
      {
        algorithm: 'rolling',
        sensitivity: options.sensitivity,
        direction: options.direction,
        minDurationPoints: options.minDurationPoints,
        historyPoints: options.historyPoints,
        // When one series departs, the centre fitted to its peers leans a little its way, and the
        // others' positions shift slightly the other way for as long as it lasts: a sustained
        // shift by construction, not news of theirs.
        sustainedShifts: false,
      },
    );
    const back = (offset: Float64Array): Float64Array => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = untransform(level[i]! + spread[i]! * (place + offset[i]!), logs, units[i]!);
      return out;
    };
    return {
      expected: back(detection.expected),
      lower: back(detection.lower),
      upper: back(detection.upper),
      score: detection.score,
      outlier: detection.anomaly,
    };
  });
}

function unknown(n: number): OutlierResult {
  return {
    expected: new Float64Array(n).fill(NaN),
    lower: new Float64Array(n).fill(NaN),
    upper: new Float64Array(n).fill(NaN),
    score: new Float64Array(n),
    outlier: new Uint8Array(n),
  };
}

/**
 * Each series' usual place: the median of its standardised offset z from the cross-sectional
 * median over its first `points` points with peers (the training history for a series present
 * from the start, its first points for one that appears later); NaN when it never has peers.
 *
 * And its weight in the centre, 1 / its noise variance (the robust scale of z's steps), so that
 * a market of fifty plays does not set the centre for one of fifty thousand. The variance is
 * floored at the median variance: the quieter half weigh the same, and no series holds more than
 * a quarter of the weight, which the centre's trimming needs to stay robust.
 */
function usualPlaces(values: Float64Array[], logs: boolean, points: number): { places: Float64Array; weights: Float64Array } {
  const k = values.length;
  const n = values[0]!.length;
  const scratch = new Float64Array(k);
  const offsets = values.map(() => [] as number[]);
  const steps = values.map(() => [] as number[]);
  const previous = new Float64Array(k).fill(NaN);
  for (let i = 0; i < n; i++) {
    if (offsets.every((o) => o.length >= points)) break;
    let count = 0;
    for (const v of values) if (v[i] === v[i]) scratch[count++] = v[i]!;
    const center = count >= MIN_PEERS ? medianInPlace(scratch, count) : NaN;
    const unit = logs ? 1 : spreadOf(values, i, center, scratch);
    for (let s = 0; s < k; s++) {
      const z = unit > 0 ? (values[s]![i]! - center) / unit : NaN;
      if (z === z && offsets[s]!.length < points) {
        offsets[s]!.push(z);
        if (previous[s] === previous[s]) steps[s]!.push(z - previous[s]!);
      }
      previous[s] = z;
    }
  }
  const places = Float64Array.from(offsets, (o) => median(o));
  const variances = Float64Array.from(steps, (d) => {
    const scale = (MAD_TO_SD * median(d.map(Math.abs))) / Math.SQRT2;
    return scale * scale;
  });
  const floor = median(variances);
  const weights = Float64Array.from(variances, (v) => (floor > 0 && Number.isFinite(floor) ? 1 / Math.max(v === v ? v : floor, floor) : 1));
  return { places, weights };
}

/** MAD of the values at point i as a standard deviation (mean absolute deviation when most tie). */
function spreadOf(values: Float64Array[], i: number, center: number, scratch: Float64Array): number {
  if (center !== center) return NaN;
  let count = 0;
  let absolute = 0;
  for (const v of values) {
    if (v[i] !== v[i]) continue;
    scratch[count] = Math.abs(v[i]! - center);
    absolute += scratch[count++]!;
  }
  const mad = medianInPlace(scratch, count);
  return mad > 0 ? MAD_TO_SD * mad : (MEAN_ABS_TO_SD * absolute) / count;
}

/** The common level and spread of the series at each point (see commonFrame). */
export interface Frame {
  level: Float64Array;
  spread: Float64Array;
}

/**
 * The common level and spread at each point, from the series other than `exclude` (-1: none)
 * that have a usual place and a value there. Logs: the weighted interquartile mean of log − o_s,
 * spread 1. Otherwise a robust line of the values against o_s: its slope (the spread, which must
 * be positive: the series keep their order) by repeated median (Siegel), its level the weighted
 * interquartile mean of x − slope·o_s. NaN where fewer than MIN_PEERS series take part (counting
 * the excluded one) or the spread vanishes.
 *
 * Interquartile means, not medians: the median of a few values is one of them, and the series it
 * picks would sit exactly at its expected place, point after point. The middle half averages,
 * and a series leaving the cluster falls into a trimmed quarter.
 */
export function commonFrame(values: Float64Array[], places: Float64Array, weights: Float64Array, logs: boolean, exclude: number): Frame {
  const n = values[0]!.length;
  const frame = { level: new Float64Array(n).fill(NaN), spread: new Float64Array(n).fill(NaN) };
  const scratch = new FrameScratch(values.length);
  for (let i = 0; i < n; i++) frameAt(values, places, weights, logs, exclude, i, scratch, frame);
  return frame;
}

class FrameScratch {
  readonly xs: Float64Array;
  readonly os: Float64Array;
  readonly ws: Float64Array;
  readonly residuals: Float64Array;
  readonly medians: Float64Array;
  readonly ones: Float64Array;
  readonly pairSlopes: Float64Array;
  readonly order: Int32Array;
  constructor(k: number) {
    this.xs = new Float64Array(k);
    this.os = new Float64Array(k);
    this.ws = new Float64Array(k);
    this.residuals = new Float64Array(k);
    this.medians = new Float64Array(k);
    this.ones = new Float64Array(k).fill(1);
    this.pairSlopes = new Float64Array(Math.min(MAX_PARTNERS, k));
    this.order = new Int32Array(k);
  }
}

/** commonFrame at point i, written into `frame`. */
function frameAt(values: Float64Array[], places: Float64Array, weights: Float64Array, logs: boolean, exclude: number, i: number, scratch: FrameScratch, frame: Frame): void {
  const { xs, os, ws, residuals, medians, ones, pairSlopes, order } = scratch;
  const needed = exclude >= 0 ? MIN_PEERS - 1 : MIN_PEERS;
  let count = 0;
  for (let s = 0; s < values.length; s++) {
    const x = values[s]![i]!;
    const o = places[s]!;
    if (x === x && o === o && s !== exclude) {
      xs[count] = x;
      os[count] = o;
      ws[count++] = weights[s]!;
    }
  }
  if (count < needed) return;
  let slope = 1;
  if (!logs) {
    // Repeated median: each series' median slope to the others, then the middle of those. One
    // series leaving the cluster spoils one slope of each peer's median, and its own.
    const partners = Math.min(MAX_PARTNERS, count - 1);
    let m = 0;
    for (let a = 0; a < count; a++) {
      let p = 0;
      for (let g = 1; g <= partners; g++) {
        const b = (a + Math.round((g * (count - 1)) / partners)) % count;
        if (os[a] !== os[b]) pairSlopes[p++] = (xs[a]! - xs[b]!) / (os[a]! - os[b]!);
      }
      if (p > 0) medians[m++] = medianInPlace(pairSlopes, p);
    }
    slope = interquartileMean(medians.subarray(0, m), ones.subarray(0, m), order);
    if (!(slope > 0) || !Number.isFinite(slope)) return;
  }
  for (let j = 0; j < count; j++) residuals[j] = xs[j]! - slope * os[j]!;
  frame.level[i] = interquartileMean(residuals.subarray(0, count), ws.subarray(0, count), order);
  frame.spread[i] = slope;
}

/**
 * commonFrame(…, s) for every series s, in one pass. Leaving one series out changes little of
 * the work at a point, so what does not depend on it is done once: in logs the residuals are
 * ordered once and each series' interquartile mean walks that order skipping itself; in linear
 * units every pair's slope is taken once and each peer's slopes sorted once, so that its median
 * slope without the series left out is read by rank. The arithmetic is commonFrame's, value for
 * value and in the same order: the frames are the same to the bit. Where a NaN would make the
 * comparator sorts' order differ from a value order, the point is done the plain way. (Exported,
 * with commonFrame, for the test that holds them equal.)
 */
export function leaveOneOutFrames(values: Float64Array[], places: Float64Array, weights: Float64Array, logs: boolean): Frame[] {
  const k = values.length;
  const n = values[0]!.length;
  const frames = values.map(() => ({ level: new Float64Array(n).fill(NaN), spread: new Float64Array(n).fill(NaN) }));
  /** each series' index among the members (the series with a value and a place at the point), -1 for others */
  const memberOf = new Int32Array(k).fill(-1);
  const xs = new Float64Array(k);
  const os = new Float64Array(k);
  const ws = new Float64Array(k);
  const residuals = new Float64Array(k);
  const peerWeights = new Float64Array(k);
  const medians = new Float64Array(k);
  const ones = new Float64Array(k).fill(1);
  const order = new Int32Array(k);
  const slopes = new SortedSlopes(k);
  const scratch = new FrameScratch(k);
  /** each series' total weight of the others, while the members stay the same */
  const totals = new Float64Array(k);
  let sameMembers = false;
  let sorted = false;
  for (let i = 0; i < n; i++) {
    let count = 0;
    let changed = false;
    for (let s = 0; s < k; s++) {
      const x = values[s]![i]!;
      const o = places[s]!;
      const member = x === x && o === o;
      if (member !== (memberOf[s]! >= 0)) changed = true;
      memberOf[s] = member ? count : -1;
      if (member) {
        xs[count] = x;
        os[count] = o;
        ws[count++] = weights[s]!;
      }
    }
    sameMembers = sameMembers && !changed;
    if (!sameMembers) {
      for (let s = 0; s < k; s++) totals[s] = totalWeight(ws, count, memberOf[s]!);
      sameMembers = true;
      sorted = false;
    }
    // Leaving out a member leaves count - 1 peers, a series without a value count.
    if (count < MIN_PEERS - 1) continue;
    let shared: boolean;
    if (logs) {
      for (let j = 0; j < count; j++) residuals[j] = xs[j]! - 1 * os[j]!;
      // The residuals move little from one point to the next: the last order is nearly right.
      shared = sortIndices(residuals, count, order, sorted);
      sorted = shared;
    } else {
      shared = slopes.read(xs, os, count);
    }
    for (let s = 0; s < k; s++) {
      if (places[s] !== places[s]) continue;
      if (!shared) {
        frameAt(values, places, weights, logs, s, i, scratch, frames[s]!);
        continue;
      }
      const out = memberOf[s]!;
      if (count - (out >= 0 ? 1 : 0) < MIN_PEERS - 1) continue;
      if (logs) {
        frames[s]!.level[i] = trimmedMean(residuals, ws, order, count, out, totals[s]);
        frames[s]!.spread[i] = 1;
        continue;
      }
      let m = 0;
      for (let a = 0; a < count; a++) if (a !== out && slopes.countWithout(a, out) > 0) medians[m++] = slopes.medianWithout(a, out);
      const slope = interquartileMean(medians.subarray(0, m), ones.subarray(0, m), order);
      if (!(slope > 0) || !Number.isFinite(slope)) continue;
      let peers = 0;
      for (let j = 0; j < count; j++) {
        if (j === out) continue;
        residuals[peers] = xs[j]! - slope * os[j]!;
        peerWeights[peers++] = ws[j]!;
      }
      frames[s]!.level[i] = interquartileMean(residuals.subarray(0, peers), peerWeights.subarray(0, peers), order);
      frames[s]!.spread[i] = slope;
    }
  }
  return frames;
}

/**
 * Each member's slopes to the other members at one point, sorted, as frameAt's repeated median
 * takes them: to every other member in turn from the next one round (all of them are partners
 * below MAX_PARTNERS), skipping equal places, in a stable sort. Leaving a member out removes its
 * slope from each sorted row and keeps the rest in order, so a row's median without it is read
 * by rank.
 */
class SortedSlopes {
  private readonly slopes: Float64Array;
  /** rank of member b in row a (at a * k + b), -1 when b is not in the row */
  private readonly rank: Int32Array;
  private readonly partner: Int32Array;
  private readonly size: Int32Array;

  constructor(private readonly k: number) {
    this.slopes = new Float64Array(k * k);
    this.rank = new Int32Array(k * k);
    this.partner = new Int32Array(k * k);
    this.size = new Int32Array(k);
  }

  /** Reads the members' slopes; false when one is NaN (the rows could then not be sorted by value). */
  read(xs: Float64Array, os: Float64Array, count: number): boolean {
    const { k, slopes, rank, partner } = this;
    for (let a = 0; a < count; a++) {
      const row = a * k;
      rank.fill(-1, row, row + count);
      let p = 0;
      for (let g = 1; g < count; g++) {
        const b = (a + g) % count;
        if (os[a] === os[b]) continue;
        const slope = (xs[a]! - xs[b]!) / (os[a]! - os[b]!);
        if (slope !== slope) return false;
        // Insertion into the sorted row; equal slopes keep their order, as in sortSmall.
        let j = p++;
        while (j > 0 && slopes[row + j - 1]! > slope) {
          slopes[row + j] = slopes[row + j - 1]!;
          partner[row + j] = partner[row + j - 1]!;
          j--;
        }
        slopes[row + j] = slope;
        partner[row + j] = b;
      }
      this.size[a] = p;
      for (let j = 0; j < p; j++) rank[row + partner[row + j]!] = j;
    }
    return true;
  }

  /** How many slopes row a has without member `out` (-1: none left out). */
  countWithout(a: number, out: number): number {
    return this.size[a]! - (out >= 0 && this.rank[a * this.k + out]! >= 0 ? 1 : 0);
  }

  /** The median of row a without member `out`, as medianInPlace would take it; the row must keep a slope. */
  medianWithout(a: number, out: number): number {
    const row = a * this.k;
    const skipped = out >= 0 ? this.rank[row + out]! : -1;
    const count = this.size[a]! - (skipped >= 0 ? 1 : 0);
    const at = (j: number) => this.slopes[row + (skipped >= 0 && j >= skipped ? j + 1 : j)]!;
    const mid = count >> 1;
    return count & 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  }
}

/**
 * Weighted mean of the middle half of the values by weight, with fractional weights at the
 * quartiles so that it moves smoothly (three equal weights count 1/4, 1, 1/4). NaN when empty.
 * `order` is scratch of at least values.length.
 */
export function interquartileMean(values: Float64Array, weights: Float64Array, order: Int32Array = new Int32Array(values.length)): number {
  const n = values.length;
  if (!sortIndices(values, n, order)) {
    for (let j = 0; j < n; j++) order[j] = j;
    order.subarray(0, n).sort((a, b) => values[a]! - values[b]!);
  }
  return trimmedMean(values, weights, order, n, -1);
}

/** Up to this many values are ordered by insertion; more by the built-in (merge) sort. */
const INSERTION_SORT_MAX = 64;

/**
 * The indices 0..count-1 in a stable order of their values, into `order`: what sorting them by
 * the comparator values[a] - values[b] gives (that sort is stable), without a call per
 * comparison. With `reorder`, `order` already holds a permutation, usually nearly right (the
 * order at the previous point), and is put in order from there. False, with `order` unspecified,
 * when a value is NaN: that comparator then calls different values equal, which no value order
 * does.
 */
function sortIndices(values: Float64Array, count: number, order: Int32Array, reorder = false): boolean {
  for (let j = 0; j < count; j++) if (values[j] !== values[j]) return false;
  if (!reorder) for (let j = 0; j < count; j++) order[j] = j;
  if (count > INSERTION_SORT_MAX) {
    order.subarray(0, count).sort((a, b) => values[a]! - values[b]! || a - b);
    return true;
  }
  // Insertion sort on (value, index): equal values end in index order, as in a stable sort.
  for (let t = 1; t < count; t++) {
    const j = order[t]!;
    const v = values[j]!;
    let u = t;
    for (; u > 0; u--) {
      const before = order[u - 1]!;
      const w = values[before]!;
      if (w < v || (w === v && before < j)) break;
      order[u] = before;
    }
    order[u] = j;
  }
  return true;
}

/**
 * The interquartile mean of interquartileMean, given the order of the values, leaving index
 * `skip` out (-1: none); `total` is the weights' total without it, summed in index order. The
 * weights are accumulated in value order exactly as interquartileMean does.
 */
function trimmedMean(values: Float64Array, weights: Float64Array, order: Int32Array, count: number, skip: number, total = totalWeight(weights, count, skip)): number {
  if (!(total > 0) || !Number.isFinite(total)) return NaN;
  const from = total / 4;
  const to = (3 * total) / 4;
  let cumulative = 0;
  let sum = 0;
  for (let t = 0; t < count; t++) {
    const j = order[t]!;
    if (j === skip) continue;
    const w = weights[j]!;
    const overlap = Math.min(cumulative + w, to) - Math.max(cumulative, from);
    if (overlap > 0) sum += overlap * values[j]!;
    cumulative += w;
    if (cumulative >= to) break;
  }
  return sum / (to - from);
}

function totalWeight(weights: Float64Array, count: number, skip: number): number {
  let total = 0;
  for (let j = 0; j < count; j++) if (j !== skip) total += weights[j]!;
  return total;
}

/**
 * Linear values at a point where some are huge are divided by 2^1000 (exact, and it cancels in
 * the position), so that differences of values near 1e308 cannot overflow.
 */
const HUGE = 1e300;
const SHRINK = 2 ** 1000;

/** Whether every finite value is above 0 (gaps and infinities do not count). */
function allPositive(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v) && !(v > 0)) return false;
  }
  return true;
}

function unitAt(series: readonly Grid[], i: number): number {
  for (const grid of series) if (Math.abs(grid.values[i]!) > HUGE && Number.isFinite(grid.values[i]!)) return SHRINK;
  return 1;
}

/** Non-finite values are gaps. */
function transform(v: number, logs: boolean, unit: number): number {
  if (!Number.isFinite(v)) return NaN;
  return logs ? Math.log(v) : v / unit;
}

function untransform(v: number, logs: boolean, unit: number): number {
  if (v !== v) return NaN;
  const out = logs ? Math.exp(v) : v * unit;
  return out === Infinity ? Number.MAX_VALUE : out === -Infinity ? -Number.MAX_VALUE : out;
}
