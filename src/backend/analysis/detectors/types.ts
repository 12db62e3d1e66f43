/**
 * The contract every detector keeps. A detector is a one-step-ahead forecaster: for each point
 * it says what it expected from the points before it and how far values usually stray (the
 * scale, in the units of a standard deviation). Bands, scores and flags are made from those two
 * in one place (../detect.ts), so every algorithm means the same by "score 0.9".
 */

export const ALGORITHMS = ['rolling', 'ewma', 'seasonal', 'holt_winters', 'auto'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
/** The detectors a query can name. */
export type NamedDetector = Exclude<Algorithm, 'auto'>;
/**
 * What `auto` can choose from: the named detectors, and `binomial` for a share KPI whose points
 * hold few events (./share.ts), which needs the events beside the values and so is not named.
 */
export type ConcreteAlgorithm = NamedDetector | 'binomial';

export interface Baseline {
  /** expected value at each point, from the points before it; NaN while still learning */
  expected: Float64Array;
  /** typical deviation at each point (a standard-deviation equivalent), from the points before it */
  scale: Float64Array;
  /**
   * What the sustained-shift sums (../shift.ts) measure against when the expected value follows
   * the recent past faster than a shift of hours can build them up; absent: the expected value.
   */
  shiftReference?: Float64Array;
}

export interface BaselineInput {
  values: Float64Array;
  stepMs: number;
  startMs: number;
  /** 1 = do not learn from this point (inside a data-quality failure) */
  skip?: Uint8Array;
  /**
   * The learning limit in scales (LEARNING_Z for the detectors, whatever the sensitivity, so
   * that the baseline does not depend on the band and a narrower band never flags fewer points).
   * Values beyond it are not learned at first, so an anomaly neither becomes the new normal nor
   * widens the scale; once a run of them outlasts adaptPoints(stepMs), they are learned clipped
   * to the limit, so a lasting change becomes the new normal.
   */
  clipZ: number;
  /** the smallest scale to report: below it a flat series would flag every rounding step */
  minScale: number;
  /** seasonal models: the period in points (detected when absent) */
  periodPoints?: number;
}

/** Values this many scales from the expected value are not learned (see BaselineInput.clipZ). */
export const LEARNING_Z = 4;

/** Points a scale must have learned from before values can be outside its limit at all. */
export const WARM_POINTS = 10;

/**
 * How long values may stay beyond the learning limit before the model starts to follow them: an
 * hour of points (within 5..240). Shorter incidents stay flagged throughout; a change that lasts
 * longer is taken for the new normal.
 */
export function adaptPoints(stepMs: number): number {
  return Math.min(240, Math.max(5, Math.round(3_600_000 / stepMs)));
}

/**
 * Whether a value beyond the learning limit is learned (at the limit). An unbroken run beyond it
 * is an incident, learned only once it outlasts adaptPoints. One exception: while the scale sits
 * at its floor (every learned value the same, e.g. the zeros of a sparse failure ratio), the
 * values beyond it are the only news of the series' spread and are learned at once; otherwise
 * the band would stay at the floor and flag every non-zero value forever.
 */
export class Excursions {
  private run = 0;

  constructor(private readonly adapt: number) {}

  /** Records one learnable point; true when it is to be learned. */
  learn(outside: boolean, atFloor: boolean): boolean {
    if (!outside) {
      this.run = 0;
      return true;
    }
    this.run++;
    return atFloor || this.run > this.adapt;
  }
}

/**
 * A residual limited to ±limit scales for learning, once the scale has warmed up: the value to
 * learn, and whether the residual lay beyond the limit. Returned in a reused object: this runs
 * once per point.
 */
export function limitResidual(residual: number, spread: number, limitZ: number, learnedPoints: number, out: { residual: number; outside: boolean }): typeof out {
  out.residual = residual;
  out.outside = false;
  if (spread === spread && learnedPoints >= WARM_POINTS) {
    const limit = limitZ * spread;
    if (residual > limit) [out.residual, out.outside] = [limit, true];
    else if (residual < -limit) [out.residual, out.outside] = [-limit, true];
  }
  return out;
}

export interface Detector {
  algorithm: NamedDetector;
  /** how many points of history it needs before its first useful answer */
  warmupPoints(stepMs: number, periodPoints?: number): number;
  baseline(input: BaselineInput): Baseline;
}
