import { DESPIKE_HALF_WIDTH, despike, MEAN_ABS_TO_SD, medianOfFour } from '../robust';
import { shiftReferenceAlpha } from '../shift';
import { detectSeason } from './period';
import { adaptPoints, Excursions, limitResidual, WARM_POINTS, type Baseline, type BaselineInput, type Detector } from './types';

/**
 * Seasonal baseline: the median of the same moment in the last few cycles (yesterday, the day
 * before...), shifted by how far the recent past ran above or below its own seasonal medians.
 * A whole cycle of history is needed; until then the level alone is the baseline.
 *
 * The level and the scale learn clipped residuals (types.ts); the seasonal memory keeps values
 * as they were, so yesterday's incident is one of SEASONAL_CYCLES values and the median
 * outvotes it.
 */

export const SEASONAL_CYCLES = 4;

/**
 * The level (recent offset from the seasonal medians) forgets with a span of 60 points. Shorter, it
 * learns a shift of one or two scales before the shift test can report it: on the simulator 30
 * gave own-scope recall 0.38 and 60 gave 0.44, at the same 0.7 false alerts per series-week.
 */
const LEVEL_SPAN = 60;
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
  // The shift sums (../shift.ts) measure against the seasonal medians plus a slow offset, learned
  // like the level but over SHIFT_REFERENCE_DAYS: the level of 60 points takes in a shift of a
  // few hours before the sums can tell it from noise, which is what made the seasonal models miss
  // the long, slight incidents the rolling median (with its own slow reference) caught. On the
  // simulator with 28 days of history: own-scope recall 0.47 to 0.60 (78 to 99 of 165) at 0.8 to
  // 0.9 false alerts per series-week. detect.ts uses it only with two weeks of history.
  const shiftReference = new Float64Array(n).fill(NaN);
  const slowAlpha = shiftReferenceAlpha(input.stepMs);
  const levelAlpha = 2 / (LEVEL_SPAN + 1);
  const scaleAlpha = 2 / (SCALE_SPAN + 1);
  let level = NaN; // plain level while no cycle is known; offset from the seasonal median after
  let slowLevel = NaN; // the same, learned over days
  let seasonalKnown = false;
  let meanAbs = NaN;
  const limited = { residual: 0, outside: false };
  // Imported bindings are read once, not per point: under the CommonJS interop of the test
  // runner and the benchmark (tsx) every read of one is a getter call.
  const median4 = medianOfFour;
  const limitLearned = limitResidual;
  const meanAbsToSd = MEAN_ABS_TO_SD;
  const warmPoints = WARM_POINTS;
  let learnedPoints = 0;
  const excursions = new Excursions(adaptPoints(input.stepMs));
  let lastReference = NaN;
  for (let i = 0; i < n; i++) {
    let reference = NaN;
    // The first cycle was learned before any band existed: its spikes would be expected again.
    if (period > 0 && i === period) learned.set(despike(learned.subarray(0, period), DESPIKE_HALF_WIDTH));
    if (period > 0 && i >= period) {
      // The same moment in the last SEASONAL_CYCLES (4) cycles; absent ones are NaN.
      const a = learned[i - period]!;
      const b = i >= 2 * period ? learned[i - 2 * period]! : NaN;
      const c = i >= 3 * period ? learned[i - 3 * period]! : NaN;
      const d = i >= 4 * period ? learned[i - 4 * period]! : NaN;
      reference = median4(a, b, c, d);
    }
    if (reference === reference && !seasonalKnown) {
      // First seasonal reference: the plain level gives way to an offset from the median.
      seasonalKnown = true;
      level = 0;
      slowLevel = 0;
    }
    // A slot whose past cycles were all gaps borrows the latest reference.
    if (reference === reference) lastReference = reference;
    const base = seasonalKnown ? lastReference : 0;
    const prediction = base + level;
    const spread = meanAbs === meanAbs ? Math.max(meanAbsToSd * meanAbs, minScale) : NaN;
    // Nothing is reported until the scale has learned from WARM_POINTS residuals.
    if (prediction === prediction && spread === spread && learnedPoints >= warmPoints) {
      expected[i] = prediction;
      scale[i] = spread;
      shiftReference[i] = base + slowLevel;
    }
    const x = values[i]!;
    if (x !== x || (skip !== undefined && skip[i] === 1)) continue;
    if (prediction !== prediction) {
      // The very first point: it starts the level.
      level = x;
      slowLevel = x;
      learned[i] = x;
      continue;
    }
    const { residual, outside } = limitLearned(x - prediction, spread, clipZ, learnedPoints, limited);
    // Beyond the learning limit: level and scale learn nothing at first, then follow at the
    // limit (types.ts). The seasonal memory keeps the value as it was: the median over
    // SEASONAL_CYCLES outvotes one bad day, and a slot the first cycle got wrong heals.
    if (!excursions.learn(outside, spread <= minScale)) {
      learned[i] = x;
      continue;
    }
    learned[i] = prediction + residual;
    slowLevel += slowAlpha * (level + residual - slowLevel);
    level += levelAlpha * residual;
    // A plain average until the exponential one has seen its span: a first small residual must
    // not set the scale for hours.
    const weight = Math.max(scaleAlpha, 1 / (learnedPoints + 1));
    meanAbs = meanAbs === meanAbs ? meanAbs + weight * (Math.abs(residual) - meanAbs) : Math.abs(residual);
    learnedPoints++;
  }
  return { expected, scale, shiftReference };
}

export const seasonalDetector: Detector = {
  algorithm: 'seasonal',
  warmupPoints: (stepMs, periodPoints) => (periodPoints ?? Math.round(86_400_000 / stepMs)) * SEASONAL_CYCLES,
  baseline: seasonalBaseline,
};
