import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AnalysisInputError, gridTimes, inferStepMs, MAX_GRID_POINTS, timeAt, toGrid } from '../../../src/backend/analysis/grid';

const T0 = Date.UTC(2025, 2, 1);
const MIN = 60_000;

const NO_REPAIRS = { duplicates: 0, conflicts: 0, offGrid: 0, nonFinite: 0, outOfOrder: 0 };

/** The grid values as a plain array, NaN kept (deepEqual treats NaN as equal to NaN). */
function valuesOf(grid: { values: Float64Array }): number[] {
  return Array.from(grid.values);
}

describe('toGrid', () => {
  it('keeps a regular series as it is and infers its step', () => {
    const { grid, repairs } = toGrid([T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN], [1, 2, 3, 4]);
    assert.equal(grid.startMs, T0);
    assert.equal(grid.stepMs, MIN);
    assert.deepEqual(valuesOf(grid), [1, 2, 3, 4]);
    assert.deepEqual(repairs, NO_REPAIRS);
    assert.deepEqual(gridTimes(grid), [T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN]);
    assert.equal(timeAt(grid, 10), T0 + 10 * MIN);
  });

  it('snaps samples off the grid to the nearest step and counts them', () => {
    const { grid, repairs } = toGrid([T0, T0 + MIN + 20_000, T0 + 2 * MIN - 25_000, T0 + 4 * MIN + 29_999], [1, 2, 3, 5], MIN);
    // +20 s -> step 1; 2 min - 25 s = 1:35 -> step 2; 4:29.999 -> step 4.
    assert.deepEqual(valuesOf(grid), [1, 2, 3, NaN, 5]);
    assert.equal(repairs.offGrid, 3);
    assert.equal(repairs.conflicts, 0);
  });

  it('rounds a sample exactly half a step off upwards', () => {
    const { grid, repairs } = toGrid([0, 1500, 3000], [1, 2, 3], 1000);
    assert.deepEqual(valuesOf(grid), [1, NaN, 2, 3]);
    assert.equal(repairs.offGrid, 1);
  });

  it('turns missing steps into NaN, without counting them as repairs', () => {
    const times = [0, 1, 2, 5, 6, 9].map((k) => T0 + k * MIN);
    const { grid, repairs } = toGrid(times, [10, 11, 12, 15, 16, 19], MIN);
    assert.deepEqual(valuesOf(grid), [10, 11, 12, NaN, NaN, 15, 16, NaN, NaN, 19]);
    assert.deepEqual(repairs, NO_REPAIRS);
  });

  it('infers the step through gaps', () => {
    const times = [0, 1, 2, 3, 7, 8, 9, 10, 20, 21].map((k) => T0 + k * 15_000);
    const { grid } = toGrid(times, times.map((_, i) => i));
    assert.equal(grid.stepMs, 15_000);
    assert.equal(grid.values.length, 22);
  });

  it('drops a repeated sample with the same value as a duplicate', () => {
    const { grid, repairs } = toGrid([0, 1000, 1000, 2000, 2000, 2000], [1, 2, 2, 3, 3, 3], 1000);
    assert.deepEqual(valuesOf(grid), [1, 2, 3]);
    assert.deepEqual(repairs, { ...NO_REPAIRS, duplicates: 3 });
  });

  it('keeps the last of conflicting samples and counts each conflict', () => {
    const { grid, repairs } = toGrid([0, 1000, 1000, 1000, 2000], [1, 2, 7, 9, 3], 1000);
    assert.deepEqual(valuesOf(grid), [1, 9, 3]);
    assert.deepEqual(repairs, { ...NO_REPAIRS, conflicts: 2 });
  });

  it('counts a conflict when snapping puts two different samples in one step', () => {
    const { grid, repairs } = toGrid([0, 1000, 2600, 3000], [1, 2, 3, 4], 1000);
    assert.deepEqual(valuesOf(grid), [1, 2, NaN, 4]);
    assert.equal(repairs.offGrid, 1);
    assert.equal(repairs.conflicts, 1);
  });

  it('never lets a missing value override a sample, and a sample fills a missing one', () => {
    const { grid, repairs } = toGrid([0, 0, 1000, 1000], [5, null, Number.NaN, 6], 1000);
    assert.deepEqual(valuesOf(grid), [5, 6]);
    assert.equal(repairs.nonFinite, 2);
    assert.equal(repairs.duplicates, 0);
    assert.equal(repairs.conflicts, 0, 'a number after a missing value is no conflict');
  });

  it('treats NaN, ±Infinity, null and undefined as missing and counts them', () => {
    const values = [1, Number.NaN, Infinity, -Infinity, null, undefined, 7];
    const { grid, repairs } = toGrid([0, 1, 2, 3, 4, 5, 6].map((k) => k * 1000), values, 1000);
    assert.deepEqual(valuesOf(grid), [1, NaN, NaN, NaN, NaN, NaN, 7]);
    assert.deepEqual(repairs, { ...NO_REPAIRS, nonFinite: 5 });
  });

  it('sorts samples that arrive out of order and counts each step back', () => {
    const { grid, repairs } = toGrid([2000, 0, 1000, 4000, 3000], [3, 1, 2, 5, 4]);
    assert.equal(grid.startMs, 0);
    assert.equal(grid.stepMs, 1000);
    assert.deepEqual(valuesOf(grid), [1, 2, 3, 4, 5]);
    assert.deepEqual(repairs, { ...NO_REPAIRS, outOfOrder: 2 });
  });

  it('starts the grid at the first timestamp, which may be negative', () => {
    const { grid } = toGrid([-3000, -1000, 1000], [1, 2, 3], 1000);
    assert.equal(grid.startMs, -3000);
    assert.deepEqual(valuesOf(grid), [1, NaN, 2, NaN, 3]);
  });

  it('gives an empty grid for no samples, and a one-point grid for one', () => {
    const empty = toGrid([], []);
    assert.equal(empty.grid.values.length, 0);
    assert.deepEqual(empty.repairs, NO_REPAIRS);
    const one = toGrid([T0], [42]);
    assert.equal(one.grid.startMs, T0);
    assert.equal(one.grid.stepMs, 1000, 'the default step when none can be inferred');
    assert.deepEqual(valuesOf(one.grid), [42]);
    assert.equal(toGrid([T0], [42], MIN).grid.stepMs, MIN);
  });

  it('rejects unusable input with AnalysisInputError', () => {
    assert.throws(() => toGrid([0, 1000], [1]), AnalysisInputError);
    assert.throws(() => toGrid([0, Number.NaN], [1, 2]), /timestamp 2: expected a finite number/);
    assert.throws(() => toGrid([0, Infinity], [1, 2]), AnalysisInputError);
    for (const step of [0, -1000, Number.NaN, Infinity]) {
      assert.throws(() => toGrid([0, 1000], [1, 2], step), AnalysisInputError, `step ${step}`);
    }
    const error = (() => {
      try {
        toGrid([0], [1], -5);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof AnalysisInputError);
    assert.equal(error.name, 'AnalysisInputError');
  });

  it('rejects a grid of more than MAX_GRID_POINTS steps, before allocating it', () => {
    const step = 1000;
    assert.throws(
      () => toGrid([0, MAX_GRID_POINTS * step], [1, 2], step),
      (e: unknown) => e instanceof AnalysisInputError && e.message.includes(`at most ${MAX_GRID_POINTS} steps, got ${MAX_GRID_POINTS + 1}`),
    );
    // A handful of samples years apart at a 1 ms step.
    assert.throws(() => toGrid([T0, T0 + 365 * 86_400_000], [1, 2], 1), AnalysisInputError);
  });

  it('reports timestamps beyond the range of Date as an input error too', () => {
    // Finite, so accepted as timestamps, but new Date(1e300).toISOString() throws a RangeError.
    assert.throws(() => toGrid([0, 1e300], [1, 2], 1000), AnalysisInputError);
    assert.throws(() => toGrid([-1e308, 1e308], [1, 2], 1000), AnalysisInputError);
    assert.throws(() => toGrid([-1e308, 1e308], [1, 2]), AnalysisInputError, 'an infinite inferred step');
  });

  it('puts every sample of a shuffled series with holes back in its step (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 86_400_000 }),
        fc.array(fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: undefined, freq: 5 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        (step, slots, start, order) => {
          // Samples where a slot has a value; the first one must exist so the grid starts at `start`.
          slots[0] = slots[0] ?? 0;
          const samples = slots.flatMap((v, k) => (v === undefined ? [] : [{ t: start + k * step, v }]));
          const keys = samples.map(() => order.next().value as number);
          const shuffled = samples.map((s, i) => ({ ...s, key: keys[i]! })).sort((a, b) => a.key - b.key);
          const { grid, repairs } = toGrid(
            shuffled.map((s) => s.t),
            shuffled.map((s) => s.v),
            step,
          );
          assert.equal(grid.startMs, start);
          let lastPresent = 0;
          slots.forEach((v, k) => {
            if (v !== undefined) lastPresent = k;
          });
          assert.equal(grid.values.length, lastPresent + 1);
          for (let k = 0; k <= lastPresent; k++) {
            const v = slots[k];
            if (v === undefined) assert.ok(Number.isNaN(grid.values[k]!));
            else assert.equal(grid.values[k], v);
          }
          assert.equal(repairs.offGrid + repairs.duplicates + repairs.conflicts + repairs.nonFinite, 0);
          let backwards = 0;
          for (let i = 1; i < shuffled.length; i++) if (shuffled[i]!.t < shuffled[i - 1]!.t) backwards++;
          assert.equal(repairs.outOfOrder, backwards);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('inferStepMs', () => {
  it('is undefined with fewer than two distinct finite timestamps', () => {
    assert.equal(inferStepMs([]), undefined);
    assert.equal(inferStepMs([T0]), undefined);
    assert.equal(inferStepMs([T0, T0, T0]), undefined);
    assert.equal(inferStepMs([T0, Number.NaN]), undefined);
  });

  it('reads the step of a regular series, sorted or not, with doubled samples', () => {
    assert.equal(inferStepMs([0, 10_000, 20_000, 30_000]), 10_000);
    assert.equal(inferStepMs([30_000, 0, 20_000, 10_000]), 10_000);
    assert.equal(inferStepMs([0, 0, 10_000, 10_000, 20_000, 30_000, 30_000]), 10_000);
    assert.equal(inferStepMs([0, Number.NaN, 10_000, Infinity, 20_000]), 10_000);
  });

  it('is not moved by a few gaps or a few off-grid samples', () => {
    const times = Array.from({ length: 100 }, (_, i) => T0 + i * MIN).filter((_, i) => ![5, 6, 7, 30, 31, 70].includes(i));
    times.push(T0 + 50 * MIN + 1234);
    assert.equal(inferStepMs(times), MIN);
  });

  it('finds the step when up to a fifth of the points are missing (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 86_400_000 }),
        fc.integer({ min: 10, max: 300 }),
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.array(fc.nat(), { maxLength: 100 }),
        (step, length, start, dropped) => {
          const drop = new Set(dropped.map((d) => 1 + (d % (length - 2))));
          // Few gaps: at most a fifth of the points, never the first or last.
          if (drop.size > length / 5) return;
          const times: number[] = [];
          for (let i = 0; i < length; i++) if (!drop.has(i)) times.push(start + i * step);
          assert.equal(inferStepMs(times), step);
        },
      ),
      { numRuns: 150 },
    );
  });
});
