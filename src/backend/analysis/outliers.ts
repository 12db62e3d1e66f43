import { detect } from './detect';
import { AnalysisInputError, type Grid } from './grid';
import { MAD_TO_SD, MEAN_ABS_TO_SD, medianInPlace } from './robust';
import type { Direction } from './score';

/**
 * Which series departs from its peers: one market among many, one platform among all. Peers share
 * the daily shape and the traffic surges, and one market can be a hundred times another, so the
 * raw values say little. Each series is instead placed among its peers at every point, and a
 * series is an outlier when that position changes:
 *
 * - all values > 0: log value minus the median log of the series at that point (a ratio to the
 *   typical peer, so a common surge or daily shape cancels whatever the sizes);
 * - otherwise: (value - median) / (MAD_TO_SD × MAD) across the series at that point.
 *
 * The position series then goes through the robust rolling detector (causal, like every
 * detector), and its expected value and band are mapped back to the series' own units with that
 * point's median (and MAD).
 */

export interface OutlierOptions {
  sensitivity?: number;
  direction?: Direction;
  minDurationPoints?: number;
  historyPoints?: number;
}

export interface OutlierResult {
  /** where the series would be if it kept its place among its peers; NaN where that is unknown */
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

  const k = series.length;
  const logs = series.every((grid) => grid.values.every((v) => !Number.isFinite(v) || v > 0));
  const center = new Float64Array(n).fill(NaN);
  const spread = new Float64Array(n).fill(NaN);
  const units = new Float64Array(n).fill(1);
  const positions = series.map(() => new Float64Array(n).fill(NaN));
  const scratch = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const unit = logs ? 1 : unitAt(series, i);
    const point = peersAt(series, i, logs, unit, scratch);
    if (point === undefined) continue;
    center[i] = point.center;
    spread[i] = point.spread;
    units[i] = unit;
    for (let s = 0; s < k; s++) {
      const x = transform(series[s]!.values[i]!, logs, unit);
      if (Number.isFinite(x)) positions[s]![i] = (x - point.center) / point.spread;
    }
  }

  return positions.map((values) => {
    const detection = detect(
      { startMs: first.startMs, stepMs: first.stepMs, values },
      {
        algorithm: 'rolling',
        sensitivity: options.sensitivity,
        direction: options.direction,
        minDurationPoints: options.minDurationPoints,
        historyPoints: options.historyPoints,
      },
    );
    const back = (position: Float64Array): Float64Array => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = untransform(center[i]! + position[i]! * spread[i]!, logs, units[i]!);
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
 * Linear values at a point where some are huge are divided by 2^1000 (exact, and it cancels in
 * the position), so that differences of values near 1e308 cannot overflow.
 */
const HUGE = 1e300;
const SHRINK = 2 ** 1000;

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

/**
 * The median of the transformed values at point i and the unit positions are measured in: 1 for
 * logs (a position is then a log ratio), the MAD as a standard deviation otherwise (falling back
 * to the mean absolute deviation when more than half the values tie).
 */
function peersAt(series: readonly Grid[], i: number, logs: boolean, unit: number, scratch: Float64Array): { center: number; spread: number } | undefined {
  let count = 0;
  for (const grid of series) {
    const x = transform(grid.values[i]!, logs, unit);
    if (x === x) scratch[count++] = x;
  }
  if (count < MIN_PEERS) return undefined;
  const center = medianInPlace(scratch, count);
  if (logs) return { center, spread: 1 };
  let absolute = 0;
  for (let j = 0; j < count; j++) {
    scratch[j] = Math.abs(scratch[j]! - center);
    absolute += scratch[j]!;
  }
  const mad = medianInPlace(scratch, count);
  const spread = mad > 0 ? MAD_TO_SD * mad : (MEAN_ABS_TO_SD * absolute) / count;
  // All peers equal: no unit to measure a departure in, so no position at this point.
  return spread > 0 && Number.isFinite(spread) ? { center, spread } : undefined;
}
