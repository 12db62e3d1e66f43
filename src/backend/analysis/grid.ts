/**
 * Analysis works on regular series: one value per step, NaN where there is none. Sources answer
 * range queries on a grid already; files and hand-made series may not, so `toGrid` snaps them
 * and counts what it had to mend, for the data-quality checks to report.
 */

export interface Grid {
  /** epoch ms of values[0] */
  startMs: number;
  stepMs: number;
  /** NaN = no sample in that step */
  values: Float64Array;
}

export interface GridRepairs {
  /** samples whose timestamp repeated an earlier one with the same value (dropped) */
  duplicates: number;
  /** samples whose timestamp repeated an earlier one with another value (the last one kept) */
  conflicts: number;
  /** samples off the grid, moved to the nearest step */
  offGrid: number;
  /** NaN, ±Infinity or null values (treated as missing) */
  nonFinite: number;
  /** samples that arrived before an earlier timestamp */
  outOfOrder: number;
}

export class AnalysisInputError extends Error {
  override name = 'AnalysisInputError';
}

/** Above this many steps a grid would not fit in memory sensibly; callers report it as an input error. */
export const MAX_GRID_POINTS = 20_000_000;

/** The time of point `index`. */
export function timeAt(grid: Pick<Grid, 'startMs' | 'stepMs'>, index: number): number {
  return grid.startMs + index * grid.stepMs;
}

/** Every timestamp of the grid, as frames want them. */
export function gridTimes(grid: Grid): number[] {
  const out = new Array<number>(grid.values.length);
  for (let i = 0; i < out.length; i++) out[i] = grid.startMs + i * grid.stepMs;
  return out;
}

/**
 * The step a series was sampled at: the median of the positive gaps between sorted timestamps,
 * so a few gaps or doubled samples do not change it. Undefined with fewer than two timestamps.
 */
export function inferStepMs(timestamps: ArrayLike<number>): number | undefined {
  // Sorted input (the usual case) needs no copy or sort: the gaps are counted as they come,
  // and a regular series has few distinct gaps.
  let sorted = true;
  for (let i = 1; i < timestamps.length && sorted; i++) sorted = !(timestamps[i]! < timestamps[i - 1]!);
  const times = sorted ? timestamps : Float64Array.from(timestamps).sort();
  const counts = new Map<number, number>();
  let gaps = 0;
  let previous = NaN;
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    if (!Number.isFinite(t)) continue;
    const gap = t - previous;
    previous = t;
    if (!(gap > 0)) continue;
    gaps++;
    counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  if (gaps === 0) return undefined;
  // The median gap, from the counts in gap order.
  const ordered = [...counts.entries()].sort((a, b) => a[0] - b[0]);
  let seen = 0;
  for (const [gap, count] of ordered) {
    seen += count;
    if (seen > (gaps - 1) / 2) return gap;
  }
  return ordered.at(-1)![0];
}

/**
 * Puts samples on a grid of `stepMs` (inferred when absent) starting at the first timestamp.
 * Missing steps become NaN. Throws AnalysisInputError when the timestamps are unusable.
 */
export function toGrid(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number | null | undefined>,
  stepMs?: number,
): { grid: Grid; repairs: GridRepairs } {
  const repairs: GridRepairs = { duplicates: 0, conflicts: 0, offGrid: 0, nonFinite: 0, outOfOrder: 0 };
  if (timestamps.length !== values.length) {
    throw new AnalysisInputError(`expected as many values as timestamps, got ${values.length} values for ${timestamps.length} timestamps`);
  }
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i]!;
    if (!Number.isFinite(t)) throw new AnalysisInputError(`timestamp ${i + 1}: expected a finite number of epoch milliseconds, got ${t}`);
    if (t < first) first = t;
    if (t > last) last = t;
    if (i > 0 && t < timestamps[i - 1]!) repairs.outOfOrder++;
  }
  const step = stepMs ?? inferStepMs(timestamps) ?? 1000;
  if (!(step > 0) || !Number.isFinite(step)) throw new AnalysisInputError(`step: expected a positive number of milliseconds, got ${step}`);
  if (timestamps.length === 0) return { grid: { startMs: 0, stepMs: step, values: new Float64Array(0) }, repairs };
  const length = Math.floor((last - first) / step + 0.5) + 1;
  if (length > MAX_GRID_POINTS) {
    throw new AnalysisInputError(
      `expected at most ${MAX_GRID_POINTS} steps, got ${length} (${isoOrMs(first)} to ${isoOrMs(last)} every ${step} ms)`,
    );
  }
  const out = new Float64Array(length).fill(NaN);
  const seen = new Uint8Array(length);
  for (let i = 0; i < timestamps.length; i++) {
    const offset = (timestamps[i]! - first) / step;
    const slot = Math.floor(offset + 0.5);
    if (Math.abs(offset - slot) > 1e-9) repairs.offGrid++;
    const raw = values[i];
    const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : NaN;
    if (Number.isNaN(value)) repairs.nonFinite++;
    if (seen[slot]) {
      // A missing value never overrides a sample; a repeated sample is a duplicate or a conflict.
      if (Number.isNaN(value)) continue;
      const before = out[slot]!;
      if (before === value) repairs.duplicates++;
      else if (!Number.isNaN(before)) repairs.conflicts++;
    }
    seen[slot] = 1;
    out[slot] = value;
  }
  return { grid: { startMs: first, stepMs: step, values: out }, repairs };
}

/** A time for a message; epoch ms beyond what Date can represent (±8.64e15) would make toISOString throw. */
function isoOrMs(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`;
}
