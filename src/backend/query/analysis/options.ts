import type { DetectionOptions } from '../../../common/query';
import { parseDuration } from '../../../common/validation';
import { DAY_MS } from '../../analysis/detectors/period';
import { rollingWindowPoints } from '../../analysis/detectors/rolling';
import { SEASONAL_CYCLES } from '../../analysis/detectors/seasonal';
import type { DetectOptions } from '../../analysis/detect';
import { minDecisionPoints } from '../../analysis/detect';
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

export function planDetection(detect: DetectionOptions, stepMs: number, field = 'detect'): DetectionPlan {
  const minDurationMs = detect.minDuration ? (parseDuration(detect.minDuration) ?? 0) : 0;
  const minDurationPoints = Math.max(1, Math.ceil(minDurationMs / stepMs));
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
  const cycle = periodPoints ?? Math.round(DAY_MS / stepMs);
  const wanted = seasonal ? Math.max(minDecisionPoints(stepMs), SEASONAL_CYCLES * cycle) : 2 * rollingWindowPoints(stepMs);
  const historyPoints = Math.min(MAX_HISTORY_POINTS, wanted);
  return {
    historyPoints,
    options: { algorithm, sensitivity: detect.sensitivity, direction: detect.direction, minDurationPoints, periodPoints, historyPoints },
  };
}
