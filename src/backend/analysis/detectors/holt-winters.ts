import { DESPIKE_HALF_WIDTH, despike, MEAN_ABS_TO_SD } from '../robust';
import { detectSeason } from './period';
import { adaptPoints, Excursions, limitResidual, WARM_POINTS, type Baseline, type BaselineInput, type Detector } from './types';

/**
 * Additive Holt-Winters with a damped trend: level, trend and one seasonal term per slot of the
 * period, updated after every point with the clipped one-step error. It follows growth (a
 * launch, a campaign) that the seasonal median lags behind, and it is also the forecaster
 * (../forecast). Without a period it is Holt's linear method.
 */

export interface HoltWintersParams {
  alpha: number;
  beta: number;
  gamma: number;
  /** trend damping per step; 1 = undamped */
  phi: number;
}

/**
 * Slow level and trend: the season carries the daily shape, so the level should move with the
 * week, not the hour. Each slot of the season is seen once a cycle and forgets over ~3 cycles.
 */
export const HOLT_WINTERS_DEFAULTS: Readonly<HoltWintersParams> = { alpha: 0.05, beta: 0.002, gamma: 0.3, phi: 0.98 };

const SCALE_SPAN = 120;

export interface HoltWintersState {
  level: number;
  trend: number;
  /** seasonal terms by slot; slot of point i is i % period */
  season: Float64Array;
  period: number;
  /** index of the next point */
  next: number;
  /** one-step error scale (standard-deviation equivalent) */
  scale: number;
  params: HoltWintersParams;
}

/**
 * Where the model starts: the seasonal terms read from the first usable cycle, and the index
 * after it, where predictions start (see initialSeason). The same for every run over the same
 * values and period, so runs that differ only in their parameters can share it.
 */
export interface SeasonStart {
  season: Float64Array;
  start: number;
}

export function seasonStart(values: Float64Array, period: number, skip?: Uint8Array): SeasonStart {
  const season = new Float64Array(Math.max(1, period));
  const start = period > 0 ? initialSeason(values, period, season, skip) : -1;
  return { season, start };
}

export interface HoltWintersOptions {
  /** from seasonStart(values, period, skip) for these values, period and skip */
  start?: SeasonStart;
  /**
   * Indices (ascending, within 0..n) at which to also return the state: what a run over
   * values.subarray(0, index) would end in, since the model only ever looks back. (Before
   * predictions start the level is NaN either way; the season may then differ, as this run has
   * read it from a cycle the shorter one does not hold.)
   */
  snapshots?: readonly number[];
}

/** Runs the model over the values; returns the one-step baseline and the final state. */
export function holtWinters(
  input: BaselineInput,
  params: HoltWintersParams = HOLT_WINTERS_DEFAULTS,
  options: HoltWintersOptions = {},
): { baseline: Baseline; state: HoltWintersState; snapshots: HoltWintersState[] } {
  const { values, skip, clipZ, minScale } = input;
  const n = values.length;
  const detected = input.periodPoints ?? detectSeason(values, input.stepMs)?.periodPoints ?? 0;
  const period = detected >= 2 ? detected : 0;
  const expected = new Float64Array(n).fill(NaN);
  const scale = new Float64Array(n).fill(NaN);
  const { alpha, beta, gamma, phi } = params;
  const scaleAlpha = 2 / (SCALE_SPAN + 1);
  // Imported bindings are read once, not per point: under the CommonJS interop of the test
  // runner and the benchmark (tsx) every read of one is a getter call.
  const meanAbsToSd = MEAN_ABS_TO_SD;
  const warmPoints = WARM_POINTS;
  const limitLearned = limitResidual;
  const limited = { residual: 0, outside: false };
  let level = NaN;
  let trend = 0;
  let meanAbs = NaN;
  let learnedPoints = 0;
  const excursions = new Excursions(adaptPoints(input.stepMs));
  // The first cycle initialises the season: each slot starts as its offset from the cycle mean,
  // spikes replaced by their neighbours' median.
  const initial = options.start ?? seasonStart(values, period, skip);
  const season = Float64Array.from(initial.season);
  const start = initial.start;
  const snapshotAt = options.snapshots ?? [];
  const snapshots: HoltWintersState[] = [];
  const spreadOf = (mean: number) => (mean === mean ? Math.max(meanAbsToSd * mean, minScale) : NaN);
  let slot = 0;
  for (let i = 0; i < n; i++) {
    while (snapshots.length < snapshotAt.length && snapshotAt[snapshots.length] === i) {
      snapshots.push({ level, trend, season: Float64Array.from(season), period, next: i, scale: spreadOf(meanAbs), params });
    }
    const seasonal = period > 0 ? season[slot]! : 0;
    const ready = level === level && (period === 0 || i >= start);
    const prediction = ready ? level + phi * trend + seasonal : NaN;
    const spread = meanAbs === meanAbs ? Math.max(meanAbsToSd * meanAbs, minScale) : NaN;
    // Nothing is reported until the scale has learned from WARM_POINTS residuals.
    if (prediction === prediction && spread === spread && learnedPoints >= warmPoints) {
      expected[i] = prediction;
      scale[i] = spread;
    }
    const here = slot;
    if (period > 0 && ++slot === period) slot = 0;
    const x = values[i]!;
    if (x !== x || (skip !== undefined && skip[i] === 1)) {
      if (ready) {
        // Carry the model across a gap: the level keeps its trend.
        level += phi * trend;
        trend *= phi;
      }
      continue;
    }
    if (!ready) {
      // Still inside the first cycle (the season is being read) or the very first point.
      if (period === 0 || i >= start) {
        level = x - seasonal;
        trend = 0;
      }
      continue;
    }
    const { residual, outside } = limitLearned(x - prediction, spread, clipZ, learnedPoints, limited);
    // Beyond the learning limit: level, trend and scale learn nothing at first, then follow at
    // the limit (types.ts). The slot's seasonal term still learns at the limit: a slot is seen
    // once a cycle, never long enough to adapt, and must be able to heal or learn a new habit.
    if (!excursions.learn(outside, spread <= minScale)) {
      if (period > 0) season[here] = gamma * (prediction + residual - level) + (1 - gamma) * seasonal;
      level += phi * trend;
      trend *= phi;
      continue;
    }
    const value = prediction + residual;
    const previousLevel = level;
    level = alpha * (value - seasonal) + (1 - alpha) * (level + phi * trend);
    trend = beta * (level - previousLevel) + (1 - beta) * phi * trend;
    if (period > 0) season[here] = gamma * (value - level) + (1 - gamma) * seasonal;
    // A plain average until the exponential one has seen its span: a first small residual must
    // not set the scale for hours.
    const weight = Math.max(scaleAlpha, 1 / (learnedPoints + 1));
    meanAbs = meanAbs === meanAbs ? meanAbs + weight * (Math.abs(residual) - meanAbs) : Math.abs(residual);
    learnedPoints++;
  }
  const state = { level, trend, season, period, next: n, scale: spreadOf(meanAbs), params };
  while (snapshots.length < snapshotAt.length && snapshotAt[snapshots.length] === n) snapshots.push({ ...state, season: Float64Array.from(season) });
  return { baseline: { expected, scale }, state, snapshots };
}

/**
 * Fills `season` from the first full cycle that has enough values and returns the index after
 * it, where predictions start; the level then starts at the first value after it.
 */
function initialSeason(values: Float64Array, period: number, season: Float64Array, skip?: Uint8Array): number {
  // Points inside a data-quality failure are not learned from: they count as missing.
  const usable = (i: number) => values[i] === values[i] && (skip === undefined || skip[i] !== 1);
  for (let cycleStart = 0; cycleStart + period <= values.length; cycleStart += period) {
    let sum = 0;
    let count = 0;
    for (let i = cycleStart; i < cycleStart + period; i++) {
      if (usable(i)) {
        sum += values[i]!;
        count++;
      }
    }
    if (count < period / 2) continue;
    const mean = sum / count;
    let last = 0;
    for (let i = cycleStart; i < cycleStart + period; i++) {
      // Missing slots take the previous slot's offset: the shape is smooth at this resolution.
      if (usable(i)) last = values[i]! - mean;
      season[i % period] = last;
    }
    // A spike in the first cycle would otherwise be expected again every cycle.
    season.set(despike(season, DESPIKE_HALF_WIDTH));
    return cycleStart + period;
  }
  return values.length;
}

export const holtWintersDetector: Detector = {
  algorithm: 'holt_winters',
  warmupPoints: (stepMs, periodPoints) => (periodPoints ?? Math.round(86_400_000 / stepMs)) * 2,
  baseline: (input) => holtWinters(input).baseline,
};
