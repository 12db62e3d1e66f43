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
  // Every point is written below (NaN until the window is known), so no fill pass.
  const expected = new Float64Array(n);
  const scale = new Float64Array(n);
  const window = new SortedWindow(windowPoints);
  const minimum = Math.min(windowPoints, 10);
  // Imported bindings are read once, not per refresh: under the CommonJS interop of the test
  // runner and the benchmark (tsx) every read of one is a getter call.
  const madToSd = MAD_TO_SD;
  const meanAbsToSd = MEAN_ABS_TO_SD;
  /** what the points see: NaN until the window held `minimum` values at a refresh */
  let center = NaN;
  let spread = NaN;
  let known = false;
  // Once per refresh rather than per point: the band edges of learning, and whether the scale
  // is at its floor.
  let upperEdge = NaN;
  let lowerEdge = NaN;
  let atFloor = false;
  let sinceRefresh = 0;
  const excursions = new Excursions(adaptPoints(input.stepMs));
  for (let i = 0; i < n; i++) {
    expected[i] = center;
    scale[i] = spread;
    const x = values[i]!;
    if (x !== x || (skip !== undefined && skip[i] === 1)) continue;
    // Outside the band: not learned at first, then learned at the band edge (types.ts).
    let learned = x;
    let adapting = false;
    if (known) {
      const outside = x > upperEdge || x < lowerEdge;
      if (!excursions.learn(outside, atFloor)) continue;
      if (outside) learned = x > center ? upperEdge : lowerEdge;
      adapting = outside;
    }
    window.push(learned);
    // Re-sorted every SORT_BATCH points, on every point until it holds `minimum`, and on every
    // point learned at the band edge: a lasting change is being learned, and must move the edge
    // with it, or the next points stay outside it and the median stays where it was (a recovery
    // after a four-hour incident was flagged for five hours when the edge waited for a batch).
    if (++sinceRefresh < SORT_BATCH && known && !adapting) continue;
    sinceRefresh = 0;
    window.refresh();
    known = window.size >= minimum;
    if (!known) continue;
    center = window.median();
    const mad = window.mad(center);
    spread = mad > 0 ? madToSd * mad : meanAbsToSd * window.meanAbsDeviation(center);
    if (!(spread > minScale)) spread = minScale;
    const limit = clipZ * spread;
    upperEdge = center + limit;
    lowerEdge = center - limit;
    atFloor = spread <= minScale;
  }
  return { expected, scale };
}

export const rollingDetector: Detector = {
  algorithm: 'rolling',
  warmupPoints: (stepMs) => rollingWindowPoints(stepMs),
  baseline: (input) => rollingBaseline(input),
};
