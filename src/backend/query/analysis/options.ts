import type { DetectionOptions } from '../../../common/query';
import { parseDuration } from '../../../common/validation';
import { DAY_MS, WEEK_MS } from '../../analysis/detectors/period';
import { rollingWindowPoints } from '../../analysis/detectors/rolling';
import { SEASONAL_CYCLES } from '../../analysis/detectors/seasonal';
import type { DetectOptions } from '../../analysis/detect';
import { DEFAULT_MIN_DURATION_POINTS, minDecisionPoints } from '../../analysis/detect';
import { QueryValidationError } from '../failure';

/**
 * From the query's detection options (durations, `season`) to the detector's (points), and how
 * much history the detector needs before the range.
 */

/** At most this many history points per series (four weeks at 10 minutes, four days at 1 minute...). */
export const MAX_HISTORY_POINTS = 40_000;

export interface DetectionPlan {
  options: DetectOptions;
  historyPoints: number;
}

/** Up to this many points of history, a detected season may be the week rather than the day. */
const WEEKLY_HISTORY_POINTS = 10_000;

/**
 * The cycle whose history a seasonal model gets when the query names none: four weeks when that
 * stays within WEEKLY_HISTORY_POINTS (steps of 5 minutes and up), so a weekly pattern can be
 * found and learned; four days otherwise.
 */
function seasonToLearn(stepMs: number): number {
  const week = Math.round(WEEK_MS / stepMs);
  return SEASONAL_CYCLES * week <= WEEKLY_HISTORY_POINTS ? week : Math.round(DAY_MS / stepMs);
}

export function planDetection(detect: DetectionOptions, stepMs: number, field = 'detect'): DetectionPlan {
  const minDurationMs = detect.minDuration ? (parseDuration(detect.minDuration) ?? 0) : 0;
  const minDurationPoints = detect.minDuration ? Math.max(1, Math.ceil(minDurationMs / stepMs)) : DEFAULT_MIN_DURATION_POINTS;
  let algorithm = detect.algorithm;
  let periodPoints: number | undefined;
  if (detect.season === 'none') {
    if (algorithm === 'seasonal' || algorithm === 'holt_winters') {
      throw new QueryValidationError(`${field}.season: ${algorithm} needs a season; choose auto or a period such as 1d, or another algorithm`);
    }
    if (algorithm === 'auto') algorithm = 'rolling';
  } else if (detect.season !== 'auto') {
    const periodMs = parseDuration(detect.season)!;
    periodPoints = Math.round(periodMs / stepMs);
    if (periodPoints < 2) {
      throw new QueryValidationError(`${field}.season: expected a period of at least two steps (${(2 * stepMs) / 1000}s at this step), got ${detect.season}`);
    }
  }
  const seasonal = algorithm === 'auto' || algorithm === 'seasonal' || algorithm === 'holt_winters';
  const cycle = periodPoints ?? seasonToLearn(stepMs);
  const wanted = seasonal ? Math.max(minDecisionPoints(stepMs), SEASONAL_CYCLES * cycle) : 2 * rollingWindowPoints(stepMs);
  const historyPoints = Math.min(MAX_HISTORY_POINTS, wanted);
  return {
    historyPoints,
    options: { algorithm, sensitivity: detect.sensitivity, direction: detect.direction, minDurationPoints, periodPoints, historyPoints },
  };
}
