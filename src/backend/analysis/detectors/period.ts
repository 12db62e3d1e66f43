/**
 * Which season a series repeats with. Streaming traffic follows the day and the week, so those
 * two are always tried first; any other period is found as the highest autocorrelation peak of
 * the series averaged down to at most 600 points, and must beat them clearly (a peak near the
 * day is the day, blurred by the coarse grid). A period counts when its autocorrelation is at
 * least MIN_STRENGTH and at least two cycles of data exist.
 */

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
export const MIN_STRENGTH = 0.3;
const COARSE_POINTS = 600;

export interface Season {
  periodPoints: number;
  /** autocorrelation at the period, in [-1, 1] */
  strength: number;
}

/** Autocorrelation at `lag`, over the pairs where both values are finite. */
export function autocorrelation(values: Float64Array, lag: number): number {
  const n = values.length;
  if (lag <= 0 || lag >= n) return NaN;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === v) {
      sum += v;
      count++;
    }
  }
  if (count < 2) return NaN;
  const mean = sum / count;
  let cross = 0;
  let pairs = 0;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    variance += (v - mean) * (v - mean);
    if (i >= lag) {
      const u = values[i - lag]!;
      if (u === u) {
        cross += (v - mean) * (u - mean);
        pairs++;
      }
    }
  }
  if (pairs < 2 || !(variance > 0) || !Number.isFinite(variance)) return NaN;
  return cross / pairs / (variance / count);
}

/** Means of consecutive blocks of `block` points (NaN-aware). */
function coarsen(values: Float64Array, block: number): Float64Array {
  const out = new Float64Array(Math.floor(values.length / block));
  for (let b = 0; b < out.length; b++) {
    let sum = 0;
    let count = 0;
    for (let i = b * block; i < (b + 1) * block; i++) {
      const v = values[i]!;
      if (v === v) {
        sum += v;
        count++;
      }
    }
    out[b] = count > 0 ? sum / count : NaN;
  }
  return out;
}

/** The strongest autocorrelation peak of the coarse series, as a period in points of the original. */
function strongestPeak(values: Float64Array): number | undefined {
  const block = Math.max(1, Math.ceil(values.length / COARSE_POINTS));
  const coarse = coarsen(values, block);
  const maxLag = Math.floor(coarse.length / 2);
  let previous = NaN;
  let rising = false;
  let best: { lag: number; r: number } | undefined;
  for (let lag = 2; lag <= maxLag; lag++) {
    const r = autocorrelation(coarse, lag);
    if (r === r && previous === previous) {
      // A peak: the correlation stops rising here.
      if (rising && r < previous && (best === undefined || previous > best.r)) best = { lag: lag - 1, r: previous };
      rising = r > previous;
    }
    previous = r;
  }
  return best ? best.lag * block : undefined;
}

export function detectSeason(values: Float64Array, stepMs: number): Season | undefined {
  const standard: number[] = [];
  for (const periodMs of [DAY_MS, WEEK_MS]) {
    const points = Math.round(periodMs / stepMs);
    if (points >= 2 && Math.abs(points * stepMs - periodMs) < stepMs / 2) standard.push(points);
  }
  const judge = (periodPoints: number): Season | undefined => {
    if (values.length < 2 * periodPoints) return undefined;
    const strength = autocorrelation(values, periodPoints);
    return strength >= MIN_STRENGTH ? { periodPoints, strength } : undefined;
  };
  // The day, or the week when it is clearly stronger (the week also repeats the day).
  let best: Season | undefined;
  for (const periodPoints of standard) {
    const season = judge(periodPoints);
    if (season && (best === undefined || season.strength > best.strength + 0.05)) best = season;
  }
  // Another period only when it is not the day or the week seen through the coarse grid, and
  // clearly stronger than them.
  const peak = strongestPeak(values);
  const nearStandard = peak !== undefined && standard.some((p) => Math.abs(peak - p) <= 0.05 * p);
  if (peak !== undefined && peak >= 2 && !nearStandard) {
    const season = judge(peak);
    if (season && (best === undefined || season.strength > best.strength + 0.1)) best = season;
  }
  return best;
}
