import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { rollingBaseline } from '../../../src/backend/analysis/detectors/rolling';
import { adaptPoints, Excursions, type BaselineInput } from '../../../src/backend/analysis/detectors/types';
import { MAD_TO_SD, MEAN_ABS_TO_SD } from '../../../src/backend/analysis/robust';
import { random } from './random';

/*
 * The rolling baseline against the same algorithm written plainly: the window as an array of the
 * last learned values, its median and MAD by sorting copies of it at every refresh. The fast
 * window (sorted batches, ages, MAD by binary search) must give the same numbers.
 */

const SORT_BATCH = 16;

function naiveRolling(input: BaselineInput, windowPoints: number): { expected: Float64Array; scale: Float64Array } {
  const { values, skip, clipZ, minScale } = input;
  const n = values.length;
  const expected = new Float64Array(n).fill(NaN);
  const scale = new Float64Array(n).fill(NaN);
  const pushed: number[] = [];
  const minimum = Math.min(windowPoints, 10);
  let size = 0;
  let pending = 0;
  let center = NaN;
  let spread = NaN;
  const excursions = new Excursions(adaptPoints(input.stepMs));
  for (let i = 0; i < n; i++) {
    if (size >= minimum) {
      expected[i] = center;
      scale[i] = spread;
    }
    const x = values[i]!;
    if (Number.isNaN(x) || skip?.[i] === 1) continue;
    let learned = x;
    let atEdge = false;
    if (size >= minimum) {
      const limit = clipZ * spread;
      const outside = x > center + limit || x < center - limit;
      if (!excursions.learn(outside, spread <= minScale)) continue;
      if (outside) learned = x > center ? center + limit : center - limit;
      atEdge = outside;
    }
    pushed.push(learned);
    pending++;
    // A value learned at the edge refreshes at once: the edge must follow a lasting change.
    if (pending < SORT_BATCH && size >= minimum && !atEdge) continue;
    pending = 0;
    const window = Float64Array.from(pushed.slice(-windowPoints)).sort();
    size = window.length;
    center = middle(window);
    const mad = middle(Float64Array.from(window, (v) => Math.abs(v - center)).sort());
    let meanAbs = 0;
    for (const v of window) meanAbs += Math.abs(v - center);
    spread = mad > 0 ? MAD_TO_SD * mad : MEAN_ABS_TO_SD * (meanAbs / size);
    if (!(spread > minScale)) spread = minScale;
  }
  return { expected, scale };
}

function middle(sorted: Float64Array): number {
  const mid = sorted.length >> 1;
  return sorted.length & 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Equal as numbers: NaN equals NaN, and 0 equals -0 (which of two zeros leaves the window first is free). */
function assertSame(actual: Float64Array, expected: Float64Array, message: string): void {
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(a === e || (Number.isNaN(a) && Number.isNaN(e)), `${message}: point ${i}: expected ${e}, got ${a}`);
  }
}

/** A noisy daily sine with level shifts, spikes, flat runs, gaps and ties. */
function series(seed: number, n: number): Float64Array {
  const next = random(seed);
  const out = new Float64Array(n);
  let level = 100 * next();
  for (let i = 0; i < n; i++) {
    if (next() < 0.002) level += 50 * (next() - 0.5);
    const kind = next();
    out[i] = kind < 0.02 ? NaN : kind < 0.03 ? level * 10 : kind < 0.2 ? Math.round(level) : level + 20 * Math.sin(i / 40) + 5 * (next() - 0.5);
  }
  if (seed % 3 === 0) out.fill(7, n >> 2, (n >> 2) + 200);
  return out;
}

describe('rollingBaseline', () => {
  it('equals the plain algorithm on long series, for window sizes from 1 to 720', () => {
    for (const [seed, windowPoints] of [
      [1, 120],
      [2, 720],
      [3, 20],
      [4, 1],
      [5, 15],
      [6, 17],
      [7, 121],
    ] as const) {
      const values = series(seed, 6000);
      const next = random(seed + 100);
      const skip = seed % 2 === 0 ? Uint8Array.from(values, () => (next() < 0.03 ? 1 : 0)) : undefined;
      const input: BaselineInput = { values, stepMs: 60_000, startMs: 0, skip, clipZ: 4, minScale: seed === 5 ? 2 : 1e-6 };
      const got = rollingBaseline(input, windowPoints);
      const want = naiveRolling(input, windowPoints);
      assertSame(got.expected, want.expected, `seed ${seed}, window ${windowPoints}: expected`);
      assertSame(got.scale, want.scale, `seed ${seed}, window ${windowPoints}: scale`);
    }
  });

  it('equals the plain algorithm on hostile series (property)', () => {
    const hostile = fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: -3, max: 3 }) },
      { weight: 3, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -0, Number.MAX_VALUE) },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(hostile, fc.integer({ min: 1, max: 30 })), { maxLength: 60 }),
        fc.integer({ min: 1, max: 60 }),
        fc.constantFrom(1e-6, 0.5),
        (runs, windowPoints, minScale) => {
          const values = Float64Array.from(runs.flatMap(([v, length]) => new Array<number>(length).fill(v).map((x, k) => (k % 3 === 1 && Number.isFinite(x) ? x + k : x))));
          const input: BaselineInput = { values, stepMs: 300_000, startMs: 0, clipZ: 4, minScale };
          const got = rollingBaseline(input, windowPoints);
          const want = naiveRolling(input, windowPoints);
          assertSame(got.expected, want.expected, `window ${windowPoints}: expected`);
          assertSame(got.scale, want.scale, `window ${windowPoints}: scale`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is back at the old level within four hours of the end of a long incident', () => {
    // A share at 0.33 drops to 0.14 for four hours (learned as the new normal after an hour) and
    // recovers; the median must follow it back, not flag the recovery for the rest of the night.
    const next = random(5);
    const hour = 12;
    const values = Float64Array.from({ length: 20 * hour }, (_, i) => (i >= 8 * hour && i < 12 * hour ? 0.14 : 0.33) + 0.06 * (next() - 0.5));
    const { expected } = rollingBaseline({ values, stepMs: 300_000, startMs: 0, clipZ: 4, minScale: 1e-6 });
    assert.ok(expected[12 * hour - 1]! < 0.2, `learned the incident's level: ${expected[12 * hour - 1]}`);
    const back = expected.findIndex((e, i) => i >= 12 * hour && e > 0.3);
    assert.ok(back >= 0 && back < 16 * hour, `back at 0.33 after ${((back - 12 * hour) / hour).toFixed(1)} h (index ${back})`);
  });
});
