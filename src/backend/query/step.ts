import { parseDuration } from '../../common/validation';

/** Prometheus refuses range queries above 11,000 points per series. */
export const PROMETHEUS_MAX_POINTS = 11_000;

export interface StepInput {
  from: number;
  to: number;
  intervalMs: number;
  maxDataPoints: number;
  /** the query's `step` option: a lower bound, like Grafana's "Min step" */
  minStep?: string;
  /** a floor below every other choice, e.g. the scrape interval for KPI queries */
  floorMs?: number;
}

export interface StepPlan {
  stepMs: number;
  /** range aligned to the step so that a refresh asks for the same sample timestamps */
  start: number;
  end: number;
}

/**
 * Chooses the evaluation step the way Grafana's Prometheus data source does: Grafana's interval,
 * raised to the query's minimum step, raised again so the range fits in maxDataPoints and in
 * Prometheus' point limit; whole seconds when above one second. Start and end are aligned down to
 * the step so the same panel refresh always hits the same timestamps (and cache entries).
 */
export function planStep(input: StepInput): StepPlan {
  const range = Math.max(0, input.to - input.from);
  const minStepMs = input.minStep ? (parseDuration(input.minStep) ?? 0) : 0;
  let step = Math.max(input.intervalMs, minStepMs, input.floorMs ?? 0, 1);
  step = Math.max(step, Math.ceil(range / Math.max(1, input.maxDataPoints)));
  step = Math.max(step, Math.ceil(range / PROMETHEUS_MAX_POINTS));
  if (step > 1000) step = Math.ceil(step / 1000) * 1000;
  const start = Math.floor(input.from / step) * step;
  const end = Math.floor(input.to / step) * step;
  return { stepMs: step, start, end: Math.max(start, end) };
}

/**
 * The step plan of a range query: Grafana's interval and points, the query's minimum step, and
 * for KPI queries on Prometheus the scrape interval as a floor (a finer step only repeats samples).
 */
export function planQueryStep(
  range: { from: number; to: number; intervalMs: number; maxDataPoints: number },
  minStep: string | undefined,
  kpiOnPrometheus: boolean,
  scrapeMs: number,
): StepPlan {
  return planStep({ ...range, minStep, floorMs: kpiOnPrometheus ? scrapeMs : 0 });
}
