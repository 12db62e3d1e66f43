import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { despike, MAD_TO_SD, madOfRun, median, medianBySelection, medianOfFour, nearestRun, selectInPlace } from '../../../src/backend/analysis/robust';

/*
 * The fast paths of robust.ts against the obvious implementations: a sort, and the Hampel filter
 * written as its definition (gather the window, sort it, sort the deviations). Equal as numbers,
 * bit for bit: the fast paths must not change what the detectors compute.
 */

/** Equal as numbers (NaN equals NaN; 0 and -0 are told apart, as the outputs must not change sign). */
function assertSame(actual: number, expected: number, message: string): void {
  assert.ok(Object.is(actual, expected), `${message}: expected ${expected}, got ${actual}`);
}

/** Many ties, zeros of both signs, infinities and wide doubles: what breaks a selection or a merge. */
const value = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -4, max: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 0.5, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE) },
  { weight: 3, arbitrary: fc.double({ noNaN: true }) },
);

function sortedMedian(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length & 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The Hampel filter as despike's comment defines it, window by window. */
function naiveDespike(values: Float64Array, halfWidth: number, k = 6): Float64Array {
  const out = Float64Array.from(values);
  for (let i = 0; i < values.length; i++) {
    const window: number[] = [];
    for (let j = Math.max(0, i - halfWidth); j <= Math.min(values.length - 1, i + halfWidth); j++) if (!Number.isNaN(values[j]!)) window.push(values[j]!);
    if (window.length < 3) continue;
    // A stable sort by value, as insertion sorts it (an insertion sort keeps 0 and -0 in order).
    const center = stableMedian(window);
    const spread = MAD_TO_SD * stableMedian(window.map((v) => Math.abs(v - center)));
    if (spread > 0 && Math.abs(values[i]! - center) > k * spread) out[i] = center;
  }
  return out;
}

/** Median after an insertion sort (stable; NaN compares false, so it stays where it lands). */
function stableMedian(values: number[]): number {
  const sorted = [...values];
  for (let i = 1; i < sorted.length; i++) {
    const v = sorted[i]!;
    let j = i - 1;
    while (j >= 0 && sorted[j]! > v) {
      sorted[j + 1] = sorted[j]!;
      j--;
    }
    sorted[j + 1] = v;
  }
  const mid = sorted.length >> 1;
  return sorted.length & 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe('selectInPlace and medianBySelection', () => {
  it('give the value a sort puts at each rank (property)', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), fc.nat(), (values, pick) => {
        const k = pick % values.length;
        const sorted = Float64Array.from(values).sort();
        const scratch = Float64Array.from(values);
        // Equal as numbers: a selection may return either zero of a 0/-0 tie.
        assert.ok(selectInPlace(scratch, k) === sorted[k], `rank ${k} of [${values.join(', ')}]`);
        assert.deepEqual(Float64Array.from(scratch).sort(), sorted, 'the values are only reordered');
      }),
      { numRuns: 500 },
    );
  });

  it('medianBySelection equals the median of a sort, NaN when empty', () => {
    assert.ok(Number.isNaN(medianBySelection(new Float64Array(0))));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 300 }), (values) => {
        assert.ok(medianBySelection(Float64Array.from(values)) === sortedMedian(values));
      }),
      { numRuns: 500 },
    );
  });

  it('stays linear on sorted and constant input', () => {
    const sorted = Float64Array.from({ length: 200_000 }, (_, i) => i);
    assert.equal(selectInPlace(sorted, 123_456), 123_456);
    assert.equal(selectInPlace(new Float64Array(200_000).fill(7), 99_999), 7);
  });
});

describe('median', () => {
  it('is the median of the finite values, whatever else the array holds', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(value, fc.constant(Number.NaN)), { maxLength: 100 }), (values) => {
        const finite = values.filter((v) => Number.isFinite(v));
        assertSame(median(values), finite.length === 0 ? NaN : sortedMedian(finite), `[${values.join(', ')}]`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('medianOfFour', () => {
  it('is the median of the present values, NaN when none (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true }), fc.constant(Number.NaN)), { minLength: 4, maxLength: 4 }), (four) => {
        const present = four.filter((v) => !Number.isNaN(v));
        const got = medianOfFour(four[0]!, four[1]!, four[2]!, four[3]!);
        if (present.length === 0) assert.ok(Number.isNaN(got));
        else assert.ok(got === sortedMedian(present) || (Number.isNaN(got) && Number.isNaN(sortedMedian(present))), `[${four.join(', ')}]: ${got}`);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('despike', () => {
  it('equals the Hampel filter computed window by window (property)', () => {
    const series = fc
      .array(fc.oneof({ weight: 8, arbitrary: value }, { weight: 1, arbitrary: fc.constant(Number.NaN) }), { maxLength: 120 })
      .map((values) => Float64Array.from(values));
    fc.assert(
      fc.property(series, fc.integer({ min: 1, max: 5 }), (values, halfWidth) => {
        const got = despike(values, halfWidth);
        const want = naiveDespike(values, halfWidth);
        for (let i = 0; i < values.length; i++) assertSame(got[i]!, want[i]!, `point ${i} of [${[...values].join(', ')}], half width ${halfWidth}`);
      }),
      { numRuns: 500 },
    );
  });

  it('replaces a spike in a smooth shape by its neighbours median, and nothing else', () => {
    const values = Float64Array.from({ length: 200 }, (_, i) => 100 + 10 * Math.sin(i / 10) + ((i * 7919) % 5) * 0.1);
    const spiked = Float64Array.from(values);
    spiked[50] = 500;
    const out = despike(spiked, 3);
    assert.ok(Math.abs(out[50]! - values[50]!) < 2, `spike became ${out[50]}`);
    for (let i = 0; i < values.length; i++) if (i !== 50) assert.equal(out[i], spiked[i], `point ${i} changed`);
  });
});

describe('nearestRun and madOfRun', () => {
  it('give the median distance a sort of the distances gives, from any starting guess (property)', () => {
    const finite = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -4, max: 4 }) }, { weight: 3, arbitrary: fc.double({ min: -1e300, max: 1e300, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 80 }), fc.option(finite, { nil: undefined }), fc.integer({ min: -5, max: 90 }), (values, around, from) => {
        const sorted = Float64Array.from(values).sort();
        const center = around ?? sortedMedian(values);
        const want = sortedMedian(values.map((v) => Math.abs(v - center)));
        assertSame(madOfRun(sorted, sorted.length, center, nearestRun(sorted, sorted.length, center, from)), want, `about ${center} of [${[...sorted].join(', ')}], from ${from}`);
      }),
      { numRuns: 1000 },
    );
  });
});

