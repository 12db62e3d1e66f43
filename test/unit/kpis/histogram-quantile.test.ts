import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { histogramQuantile } from '../../../src/common/kpis/histogram-quantile';

type Buckets = Array<{ le: number; count: number }>;
const buckets = (...pairs: Array<[number, number]>): Buckets => pairs.map(([le, count]) => ({ le, count }));

/** Expected values below are worked out by hand from Prometheus' bucketQuantile (promql/quantile.go). */
describe('histogramQuantile: interpolation', () => {
  // cumulative: 10 observations ≤ 0.5, 30 ≤ 1, 40 ≤ 2, none above
  const h = buckets([0.5, 10], [1, 30], [2, 40], [Infinity, 40]);

  it('interpolates linearly inside the bucket that holds the rank', () => {
    // rank 0.5 × 40 = 20, in (0.5, 1] which holds 30 - 10 = 20: 0.5 + 0.5 × (20 - 10) / 20
    assert.equal(histogramQuantile(0.5, h), 0.75);
    // rank 36, in (1, 2] which holds 10: 1 + 1 × (36 - 30) / 10
    assert.equal(histogramQuantile(0.9, h), 1.6);
  });

  it('starts the first bucket at 0 when its bound is positive', () => {
    // rank 4 in (0, 0.5] holding 10: 0.5 × 4 / 10
    assert.equal(histogramQuantile(0.1, h), 0.2);
  });

  it('returns the bound itself when the rank is exactly a bucket count', () => {
    // rank 30 = the count of the le=1 bucket
    assert.equal(histogramQuantile(0.75, h), 1);
    // q = 1: rank 40, first reached at le=2 (the +Inf bucket adds nothing)
    assert.equal(histogramQuantile(1, h), 2);
  });

  it('returns the highest finite bound when the rank falls in the +Inf bucket', () => {
    const tail = buckets([1, 5], [2, 8], [Infinity, 10]);
    // rank 9 > 8: only +Inf reaches it
    assert.equal(histogramQuantile(0.9, tail), 2);
    assert.equal(histogramQuantile(1, tail), 2);
    // rank 8 exactly: still the le=2 bucket, interpolated to its top
    assert.equal(histogramQuantile(0.8, tail), 2);
  });

  it('returns the bound of a first bucket at or below 0 instead of interpolating', () => {
    assert.equal(histogramQuantile(0.2, buckets([0, 5], [1, 10], [Infinity, 10])), 0);
    assert.equal(histogramQuantile(0.2, buckets([-1, 5], [1, 10], [Infinity, 10])), -1);
    // a rank past the first bucket interpolates from its bound: -1 + 2 × (8 - 5) / 5
    assert.ok(Math.abs(histogramQuantile(0.8, buckets([-1, 5], [1, 10], [Infinity, 10])) - 0.2) < 1e-12);
  });

  it('sorts the buckets first and leaves the input alone', () => {
    const shuffled = buckets([Infinity, 40], [1, 30], [2, 40], [0.5, 10]);
    const copy = structuredClone(shuffled);
    assert.equal(histogramQuantile(0.5, shuffled), 0.75);
    assert.deepEqual(shuffled, copy);
  });
});

describe('histogramQuantile: special cases', () => {
  const h = buckets([1, 5], [Infinity, 10]);

  it('gives -Inf below q = 0 and +Inf above q = 1', () => {
    assert.equal(histogramQuantile(-0.01, h), -Infinity);
    assert.equal(histogramQuantile(-5, h), -Infinity);
    assert.equal(histogramQuantile(1.01, h), Infinity);
    assert.equal(histogramQuantile(5, h), Infinity);
  });

  it('gives NaN for q = NaN, no observations, no +Inf bucket or fewer than two buckets', () => {
    assert.ok(Number.isNaN(histogramQuantile(NaN, h)));
    assert.ok(Number.isNaN(histogramQuantile(0.5, buckets([1, 0], [2, 0], [Infinity, 0]))));
    assert.ok(Number.isNaN(histogramQuantile(0.5, buckets([1, 5], [2, 10]))));
    assert.ok(Number.isNaN(histogramQuantile(0.5, buckets([Infinity, 10]))));
    assert.ok(Number.isNaN(histogramQuantile(0.5, [])));
  });

  it('gives -Inf/+Inf for q out of range even without usable buckets, as Prometheus checks q first', () => {
    assert.equal(histogramQuantile(-1, []), -Infinity);
    assert.equal(histogramQuantile(2, []), Infinity);
  });
});

describe('histogramQuantile: non-monotonic counts', () => {
  it('raises a dip in a middle bucket to the count before it', () => {
    // As given: 10, 6, 12, 12. Made monotonic: 10, 10, 12, 12.
    const h = buckets([1, 10], [2, 6], [3, 12], [Infinity, 12]);
    // rank 10.8: first count ≥ 10.8 is le=3; the bucket below counts 10 (not 6): 2 + (10.8 - 10) / 2
    assert.ok(Math.abs(histogramQuantile(0.9, h) - 2.4) < 1e-12);
    // rank 6: the le=1 bucket (10 ≥ 6): 6 / 10
    assert.equal(histogramQuantile(0.5, h), 0.6);
  });

  it('raises a dipping +Inf bucket too, and takes the total from it', () => {
    // As given: 4, 10, 8. Made monotonic: 4, 10, 10, so the total is 10, not 8.
    const h = buckets([1, 4], [2, 10], [Infinity, 8]);
    // rank 5, in (1, 2] holding 6: 1 + (5 - 4) / 6
    assert.ok(Math.abs(histogramQuantile(0.5, h) - 7 / 6) < 1e-12);
    // rank 10 = the le=2 count: 2
    assert.equal(histogramQuantile(1, h), 2);
  });
});

describe('histogramQuantile: properties', () => {
  /** Classic buckets: distinct non-negative finite bounds, cumulative counts, a +Inf bucket, at least one observation. */
  const histogram = fc
    .tuple(
      fc.uniqueArray(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 10 }),
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 11, maxLength: 11 }),
    )
    .map(([bounds, increments]) => {
      const sorted = [...bounds].sort((a, b) => a - b);
      let total = 0;
      const finite = sorted.map((le, i) => ({ le, count: (total += increments[i]!) }));
      return [...finite, { le: Infinity, count: total + increments[10]! }];
    })
    .filter((h) => h[h.length - 1]!.count > 0);
  // q = 0 is left out: with an empty first bucket Prometheus (and this port) interpolate 0/0 = NaN there.
  const q = fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true });

  it('is non-decreasing in q', () => {
    fc.assert(
      fc.property(histogram, q, q, (h, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const atLow = histogramQuantile(low, h);
        const atHigh = histogramQuantile(high, h);
        assert.ok(atLow <= atHigh, `q=${low} gives ${atLow}, q=${high} gives ${atHigh}`);
      }),
      { numRuns: 500 },
    );
  });

  it('lies within [0, highest finite bound] for non-negative bounds', () => {
    fc.assert(
      fc.property(histogram, q, (h, quantile) => {
        const value = histogramQuantile(quantile, h);
        const highest = h[h.length - 2]!.le;
        assert.ok(value >= 0 && value <= highest, `q=${quantile} gives ${value}, outside [0, ${highest}]`);
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on the order the buckets come in', () => {
    fc.assert(
      fc.property(
        histogram.chain((h) => fc.tuple(fc.constant(h), fc.shuffledSubarray(h, { minLength: h.length, maxLength: h.length }))),
        q,
        ([h, shuffled], quantile) => {
          assert.equal(histogramQuantile(quantile, shuffled), histogramQuantile(quantile, h));
        },
      ),
      { numRuns: 200 },
    );
  });
});
