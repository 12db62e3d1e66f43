import { MAD_TO_SD } from '../robust';
import { adaptPoints, Excursions, type Baseline, type BaselineInput, type Detector } from './types';

/**
 * EWMA control limits: an exponentially weighted mean and variance of the learned values, the
 * classic control chart with a robust start (median and MAD of the first points) and clipped
 * updates, so one outlier neither drags the mean nor widens the band much.
 */

/**
 * The mean forgets with a span of one hour of points, within 30..240: fewer points would make
 * the variance itself so noisy that a narrow band is crossed far more often than it should be.
 */
export function ewmaSpanPoints(stepMs: number): number {
  return Math.min(240, Math.max(30, Math.round(3_600_000 / stepMs)));
}

const START_POINTS = 10;

export function ewmaBaseline(input: BaselineInput, spanPoints = ewmaSpanPoints(input.stepMs)): Baseline {
  const { values, skip, clipZ, minScale } = input;
  const n = values.length;
  const expected = new Float64Array(n).fill(NaN);
  const scale = new Float64Array(n).fill(NaN);
  const alpha = 2 / (spanPoints + 1);
  const first: number[] = [];
  let mean = NaN;
  let variance = NaN;
  const excursions = new Excursions(adaptPoints(input.stepMs));
  for (let i = 0; i < n; i++) {
    const sd = Math.sqrt(variance);
    if (mean === mean) {
      expected[i] = mean;
      scale[i] = sd > minScale ? sd : minScale;
    }
    const x = values[i]!;
    if (x !== x || (skip !== undefined && skip[i] === 1)) continue;
    if (mean !== mean) {
      first.push(x);
      if (first.length === START_POINTS) [mean, variance] = robustStart(first, minScale);
      continue;
    }
    const spread = sd > minScale ? sd : minScale;
    const limit = clipZ * spread;
    let residual = x - mean;
    const outside = residual > limit || residual < -limit;
    // Beyond the limit: learned at the limit, or not at all (types.ts).
    if (!excursions.learn(outside, spread <= minScale)) continue;
    if (outside) residual = residual > 0 ? limit : -limit;
    mean += alpha * residual;
    variance = (1 - alpha) * (variance + alpha * residual * residual);
  }
  return { expected, scale };
}

function robustStart(points: number[], minScale: number): [number, number] {
  const sorted = [...points].sort((a, b) => a - b);
  const center = (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
  const deviations = sorted.map((v) => Math.abs(v - center)).sort((a, b) => a - b);
  const mad = (deviations[(deviations.length - 1) >> 1]! + deviations[deviations.length >> 1]!) / 2;
  const sd = Math.max(MAD_TO_SD * mad, minScale);
  return [center, sd * sd];
}

export const ewmaDetector: Detector = {
  algorithm: 'ewma',
  warmupPoints: (stepMs) => ewmaSpanPoints(stepMs),
  baseline: (input) => ewmaBaseline(input),
};
