import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SortedWindow } from '../../../src/backend/analysis/detectors/sorted-window';

/*
 * SortedWindow against the obvious implementation: keep the pushed values, take the last
 * `capacity` of them, sort, read the middle, sort the deviations. The window's answers are as of
 * the last refresh, so the reference is taken at each refresh point. mad() starts its search
 * where the previous call ended, so the reference is checked on sequences of calls too.
 */

function naiveMedian(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  // A numeric sort with NaN last (a deviation at infinity can be NaN).
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length & 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function naiveMad(values: readonly number[], center: number): number {
  return naiveMedian(values.map((v) => Math.abs(v - center)));
}

/** Equal as numbers: NaN equals NaN, and 0 equals -0 (the order of 0 and -0 in a sort is free). */
function assertSame(actual: number, expected: number, message: string): void {
  if (Number.isNaN(expected)) assert.ok(Number.isNaN(actual), `${message}: expected NaN, got ${actual}`);
  else assert.ok(actual === expected, `${message}: expected ${expected}, got ${actual}`);
}

type Op = { push: number } | { refresh: true };

/** Few distinct values (many duplicates), negatives, zeros of both signs, and wide doubles. */
const value = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -4, max: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 0.5, -0.5) },
  { weight: 2, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: value.map((v) => ({ push: v })) },
  { weight: 1, arbitrary: fc.constant({ refresh: true as const }) },
);

function run(capacity: number, ops: readonly Op[]): void {
  const window = new SortedWindow(capacity);
  const pushed: number[] = [];
  let pending = 0;
  const check = (where: string) => {
    const last = pushed.slice(-capacity);
    assert.equal(window.size, last.length, `${where}: size`);
    const median = window.median();
    assertSame(median, naiveMedian(last), `${where}: median of [${last.join(', ')}]`);
    assertSame(window.mad(median), naiveMad(last, median), `${where}: MAD of [${last.join(', ')}]`);
  };
  ops.forEach((o, step) => {
    if ('push' in o) {
      window.push(o.push);
      pushed.push(o.push);
      pending++;
      assert.equal(window.pending, pending);
    } else {
      window.refresh();
      pending = 0;
      assert.equal(window.pending, 0);
      check(`after op ${step}`);
    }
  });
  window.refresh();
  check('at the end');
}

describe('SortedWindow', () => {
  it('is empty before anything is pushed: size 0, median and MAD NaN', () => {
    const window = new SortedWindow(5);
    assert.equal(window.size, 0);
    assert.ok(Number.isNaN(window.median()));
    assert.ok(Number.isNaN(window.mad(0)));
    window.refresh();
    assert.equal(window.size, 0);
  });

  it('describes the window as of the last refresh, not the latest push', () => {
    const window = new SortedWindow(3);
    window.push(1);
    window.push(2);
    window.push(3);
    window.refresh();
    assert.equal(window.median(), 2);
    window.push(100);
    assert.equal(window.median(), 2, 'not refreshed yet');
    assert.equal(window.pending, 1);
    window.refresh();
    assert.equal(window.median(), 3, 'window is [2, 3, 100]');
    assert.equal(window.mad(3), 1);
  });

  it('keeps the last `capacity` values when more than `capacity` arrive between refreshes', () => {
    const window = new SortedWindow(3);
    for (const v of [1, 2, 3, 4, 5, 6, 7]) window.push(v);
    window.refresh();
    assert.equal(window.size, 3);
    assert.equal(window.median(), 6);
    assert.equal(window.mad(6), 1);
    for (const v of [-1, -1, -1, -1, 9]) window.push(v);
    window.refresh();
    assert.equal(window.median(), -1, 'window is [-1, -1, 9]');
    assert.equal(window.mad(-1), 0);
  });

  it('reads the MAD across duplicates of the median', () => {
    const window = new SortedWindow(7);
    for (const v of [5, 5, 5, 1, 9, 5, 20]) window.push(v);
    window.refresh();
    assert.equal(window.median(), 5);
    assert.equal(window.mad(5), 0, 'deviations 0,0,0,0,4,4,15');
    assert.equal(window.meanAbsDeviation(5), 23 / 7);
  });

  it('median() and mad() equal a sort of the last `capacity` values, for random pushes and refreshes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 300 }), (capacity, ops) => run(capacity, ops)),
      { numRuns: 200 },
    );
  });

  it('stays exact with refreshes after every push and with long runs between refreshes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 25 }),
        fc.array(value, { maxLength: 200 }),
        fc.integer({ min: 1, max: 60 }),
        (capacity, values, every) => {
          const ops: Op[] = [];
          values.forEach((v, i) => {
            ops.push({ push: v });
            if ((i + 1) % every === 0) ops.push({ refresh: true });
          });
          run(capacity, ops);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('mad(center) is the median distance to any center, not only the median', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: -60, max: 60 }),
        (capacity, values, center) => {
          const window = new SortedWindow(capacity);
          for (const v of values) window.push(v);
          window.refresh();
          const last = values.slice(-capacity);
          assertSame(window.mad(center), naiveMad(last, center), `MAD about ${center} of [${last.join(', ')}]`);
          const meanAbs = last.reduce((sum, v) => sum + Math.abs(v - center), 0) / last.length;
          assert.ok(Math.abs(window.meanAbsDeviation(center) - meanAbs) <= 1e-9 * Math.max(1, meanAbs));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('mad() stays exact whatever the previous call left behind: centers and windows that jump (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.array(value, { maxLength: 30 }), fc.array(fc.oneof(value, fc.constantFrom(Infinity, -Infinity)), { minLength: 1, maxLength: 4 })), { maxLength: 20 }),
        (capacity, steps) => {
          const window = new SortedWindow(capacity);
          const pushed: number[] = [];
          for (const [values, centers] of steps) {
            for (const v of values) window.push(v);
            pushed.push(...values);
            window.refresh();
            const last = pushed.slice(-capacity);
            // The median first, as the detector asks, then centers anywhere.
            for (const center of [window.median(), ...centers]) assertSame(window.mad(center), naiveMad(last, center), `MAD about ${center} of [${last.join(', ')}]`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('mad() is exact on long windows that drift, as a rolling median sees them', () => {
    let state = 3;
    const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const capacity of [24, 120, 721]) {
      const window = new SortedWindow(capacity);
      const pushed: number[] = [];
      for (let i = 0; i < 4000; i++) {
        // A daily-like swing, noise, ties and the odd spike.
        const v = Math.round(100 + 40 * Math.sin(i / 200) + 6 * next()) + (next() < 0.01 ? 500 : 0);
        window.push(v);
        pushed.push(v);
        if (i % 16 !== 15) continue;
        window.refresh();
        const last = pushed.slice(-capacity);
        const median = window.median();
        assertSame(median, naiveMedian(last), `median at ${i}`);
        assertSame(window.mad(median), naiveMad(last, median), `MAD at ${i}, window ${capacity}`);
      }
    }
  });
});
