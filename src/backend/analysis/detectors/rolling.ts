import { MAD_TO_SD, MEAN_ABS_TO_SD } from '../robust';
import { SortedWindow } from './sorted-window';
import { adaptPoints, Excursions, type Baseline, type BaselineInput, type Detector } from './types';

/**
 * Robust rolling baseline: the median of the last `window` learned points, and their MAD as the
 * scale. Half the window can be anomalous before the median moves, so short spikes never shift
 * it; a sustained change becomes the new normal after about half a window.
 */

/** Two hours of points, within 20..720 points. */
export function rollingWindowPoints(stepMs: number): number {
  return Math.min(720, Math.max(20, Math.round(7_200_000 / stepMs)));
}

/**
 * Points between re-sorts of the window. The baseline then lags by up to this many points,
 * negligible against a window of two hours.
 */
const SORT_BATCH = 16;

export function rollingBaseline(input: BaselineInput, windowPoints = rollingWindowPoints(input.stepMs)): Baseline {
  const { values, skip, clipZ, minScale } = input;
  const n = values.length;
  const expected = new Float64Array(n).fill(NaN);
  const scale = new Float64Array(n).fill(NaN);
  const window = new SortedWindow(windowPoints);
  const minimum = Math.min(windowPoints, 10);
  let center = NaN;
  let spread = NaN;
  /** the window held `minimum` values at its last refresh: center and spread are known */
  let known = false;
  let sinceRefresh = 0;
  const excursions = new Excursions(adaptPoints(input.stepMs));
  for (let i = 0; i < n; i++) {
    if (known) {
      expected[i] = center;
      scale[i] = spread;
    }
    const x = values[i]!;
    if (x !== x || (skip !== undefined && skip[i] === 1)) continue;
    // Outside the band: not learned at first, then learned at the band edge (types.ts).
    let learned = x;
    if (known) {
      const limit = clipZ * spread;
      const outside = x > center + limit || x < center - limit;
      if (!excursions.learn(outside, spread <= minScale)) continue;
      if (outside) learned = x > center ? center + limit : center - limit;
    }
    window.push(learned);
    // Re-sorted every SORT_BATCH points, and on every point until it holds `minimum`.
    if (++sinceRefresh < SORT_BATCH && known) continue;
    sinceRefresh = 0;
    window.refresh();
    known = window.size >= minimum;
    center = window.median();
    const mad = window.mad(center);
    spread = mad > 0 ? MAD_TO_SD * mad : MEAN_ABS_TO_SD * window.meanAbsDeviation(center);
    if (!(spread > minScale)) spread = minScale;
  }
  return { expected, scale };
}

export const rollingDetector: Detector = {
  algorithm: 'rolling',
  warmupPoints: (stepMs) => rollingWindowPoints(stepMs),
  baseline: (input) => rollingBaseline(input),
};
