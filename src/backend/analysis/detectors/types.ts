/**
 * The contract every detector keeps. A detector is a one-step-ahead forecaster: for each point
 * it says what it expected from the points before it and how far values usually stray (the
 * scale, in the units of a standard deviation). Bands, scores and flags are made from those two
 * in one place (../detect.ts), so every algorithm means the same by "score 0.9".
 */

export const ALGORITHMS = ['rolling', 'ewma', 'seasonal', 'holt_winters', 'auto'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
/** What `auto` can choose from. */
export type ConcreteAlgorithm = Exclude<Algorithm, 'auto'>;

export interface Baseline {
  /** expected value at each point, from the points before it; NaN while still learning */
  expected: Float64Array;
  /** typical deviation at each point (a standard-deviation equivalent), from the points before it */
  scale: Float64Array;
}

export interface BaselineInput {
  values: Float64Array;
  stepMs: number;
  startMs: number;
  /** 1 = do not learn from this point (inside a data-quality failure) */
  skip?: Uint8Array;
  /**
   * Residuals beyond this many scales are clipped before the model learns from them, so an
   * anomaly does not become the new normal at once (the same z as the band edge).
   */
  clipZ: number;
  /** the smallest scale to report: below it a flat series would flag every rounding step */
  minScale: number;
  /** seasonal models: the period in points (detected when absent) */
  periodPoints?: number;
}

export interface Detector {
  algorithm: ConcreteAlgorithm;
  /** how many points of history it needs before its first useful answer */
  warmupPoints(stepMs: number, periodPoints?: number): number;
  baseline(input: BaselineInput): Baseline;
}
