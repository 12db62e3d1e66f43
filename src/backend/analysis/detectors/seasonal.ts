import { MEAN_ABS_TO_SD, medianInPlace } from '../robust';
import { detectSeason } from './period';
import { adaptPoints, WARM_POINTS, type Baseline, type BaselineInput, type Detector } from './types';

/**
 * Seasonal baseline: the median of the same moment in the last few cycles (yesterday, the day
 * before...), shifted by how far the recent past ran above or below its own seasonal medians.
 * A whole cycle of history is needed; until then the level alone is the baseline.
 *
 * What the model learns is clipped to the band, so yesterday's incident enters today's median
 * as a value at the band edge, and the median of several cycles outvotes it.
 */

export const SEASONAL_CYCLES = 4;

/** The level (recent offset from the seasonal medians) forgets with a span of 30 points. */
const LEVEL_SPAN = 30;
/** The scale forgets more slowly, so one quiet hour does not make the band paper-thin. */
const SCALE_SPAN = 120;

export function seasonalBaseline(input: BaselineInput): Baseline {
  const { values, skip, clipZ, minScale } = input;
  const n = values.length;
  const period = input.periodPoints ?? detectSeason(values, input.stepMs)?.periodPoints ?? 0;
  const expected = new Float64Array(n).fill(NaN);
  const scale = new Float64Array(n).fill(NaN);
  /** the values as learned (clipped, NaN when skipped), read back one cycle later */
  const learned = new Float64Array(n).fill(NaN);
  const past = new Float64Array(SEASONAL_CYCLES);
  const levelAlpha = 2 / (LEVEL_SPAN + 1);
  const scaleAlpha = 2 / (SCALE_SPAN + 1);
  let level = NaN; // plain level while no cycle is known; offset from the seasonal median after
  let seasonalKnown = false;
  let meanAbs = NaN;
  let outsideRun = 0;
  let learnedPoints = 0;
  const adapt = adaptPoints(input.stepMs);
  let lastReference = NaN;
  for (let i = 0; i < n; i++) {
    let reference = NaN;
    if (period > 0) {
      let count = 0;
      for (let k = 1; k <= SEASONAL_CYCLES; k++) {
        const j = i - k * period;
        if (j < 0) break;
        past[count++] = learned[j]!;
      }
      reference = count > 0 ? medianInPlace(past, count) : NaN;
    }
    if (reference === reference && !seasonalKnown) {
      // First seasonal reference: the plain level gives way to an offset from the median.
      seasonalKnown = true;
      level = 0;
    }
    // A slot whose past cycles were all gaps borrows the latest reference.
    if (reference === reference) lastReference = reference;
    const base = seasonalKnown ? lastReference : 0;
    const prediction = base + level;
    const spread = meanAbs === meanAbs ? Math.max(MEAN_ABS_TO_SD * meanAbs, minScale) : NaN;
    if (prediction === prediction && spread === spread) {
      expected[i] = prediction;
      scale[i] = spread;
    }
    const x = values[i]!;
    if (x !== x || (skip !== undefined && skip[i] === 1)) continue;
    if (prediction !== prediction) {
      // The very first point: it starts the level.
      level = x;
      learned[i] = x;
      continue;
    }
    let residual = x - prediction;
    let outside = false;
    if (spread === spread && learnedPoints >= WARM_POINTS) {
      const limit = clipZ * spread;
      if (residual > limit) [residual, outside] = [limit, true];
      else if (residual < -limit) [residual, outside] = [-limit, true];
    }
    // Outside the band: not learned at first, then at the band edge (types.ts).
    outsideRun = outside ? outsideRun + 1 : 0;
    if (outside && outsideRun <= adapt) {
      // Next cycle sees what was expected here, not the anomaly.
      learned[i] = prediction;
      continue;
    }
    learned[i] = prediction + residual;
    level += levelAlpha * residual;
    meanAbs = meanAbs === meanAbs ? meanAbs + scaleAlpha * (Math.abs(residual) - meanAbs) : Math.abs(residual);
    learnedPoints++;
  }
  return { expected, scale };
}

export const seasonalDetector: Detector = {
  algorithm: 'seasonal',
  warmupPoints: (stepMs, periodPoints) => (periodPoints ?? Math.round(86_400_000 / stepMs)) * SEASONAL_CYCLES,
  baseline: seasonalBaseline,
};
