import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AnalysisInputError, type Grid } from '../../../src/backend/analysis/grid';
import { commonFrame, detectOutliers, interquartileMean, leaveOneOutFrames, type OutlierResult } from '../../../src/backend/analysis/outliers';
import { FLAG_SCORE } from '../../../src/backend/analysis/score';
import { normal } from './random';

const STEP = 300_000;
const DAY = 288;
const grid = (values: ArrayLike<number>, stepMs = STEP, startMs = 0): Grid => ({ startMs, stepMs, values: Float64Array.from(values) });

/**
 * Eight markets from 50 to 60 000 plays per 5 minutes, one daily shape, Poisson-like noise.
 * Day 3: market 2 loses 40 % of its plays for three hours; later every market surges 2.5× for
 * two hours (a release, a push notification).
 */
const SIZES = [50, 120, 400, 900, 2500, 8000, 20_000, 60_000];
const SHIFT = { from: 2 * DAY + 100, to: 2 * DAY + 136 };
const SURGE = { from: 2 * DAY + 200, to: 2 * DAY + 224 };
const N = 3 * DAY;

/**
 * Eight markets from 50 to 60 000 plays per 5 minutes, one daily shape, Poisson-like noise. On
 * day 3 market `shifted` has `factor` times its plays for three hours; `surge` makes every market
 * 2.5× for two hours (a release, a push notification).
 */
function markets(seed: number, { shifted = -1, factor = 1, surge = false } = {}): Grid[] {
  const noise = normal(seed);
  return SIZES.map((size, market) =>
    grid(
      Array.from({ length: N }, (_, i) => {
        let mean = size * (1 + 0.6 * Math.sin((2 * Math.PI * i) / DAY));
        if (surge && i >= SURGE.from && i < SURGE.to) mean *= 2.5;
        if (market === shifted && i >= SHIFT.from && i < SHIFT.to) mean *= factor;
        return Math.max(0, mean + Math.sqrt(mean) * noise());
      }),
    ),
  );
}

const flaggedIn = (outlier: Uint8Array, from: number, to: number) => outlier.subarray(from, to).reduce((a, b) => a + b, 0);
const usual = (market: number, i: number) => SIZES[market]! * (1 + 0.6 * Math.sin((2 * Math.PI * i) / DAY));

describe('detectOutliers: markets', () => {
  const SHIFTED = 2;
  const series = markets(7, { shifted: SHIFTED, factor: 0.6 });
  const results = detectOutliers(series, { historyPoints: 2 * DAY });

  it('flags the market that drops while its peers keep the daily shape', () => {
    const shifted = results[SHIFTED]!;
    const flagged = flaggedIn(shifted.outlier, SHIFT.from, SHIFT.to);
    assert.ok(flagged >= (SHIFT.to - SHIFT.from) / 2, `only ${flagged} of ${SHIFT.to - SHIFT.from} points flagged`);
    const i = SHIFT.from + 5;
    assert.ok(series[SHIFTED]!.values[i]! < shifted.lower[i]!, 'below the band');
    assert.ok(shifted.score[i]! >= FLAG_SCORE, `score ${shifted.score[i]}`);
  });

  it('maps the expected value back to the market units', () => {
    const shifted = results[SHIFTED]!;
    for (let i = SHIFT.from + 2; i < SHIFT.from + 12; i++) {
      assert.ok(Math.abs(shifted.expected[i]! / usual(SHIFTED, i) - 1) < 0.15, `point ${i}: expected ${shifted.expected[i]} vs usual ${usual(SHIFTED, i)}`);
      assert.ok(shifted.lower[i]! < shifted.expected[i]! && shifted.expected[i]! < shifted.upper[i]!, `point ${i}: band`);
    }
  });

  /** Noise alone flags a point now and then (the rolling band is read from two hours); a peer dragged along would be flagged throughout. */
  const assertPeersQuiet = (all: OutlierResult[], moved: number, from: number, to: number, what: string) => {
    let total = 0;
    all.forEach((result, market) => {
      if (market === moved) return;
      const flagged = flaggedIn(result.outlier, from, to);
      total += flagged;
      assert.ok(flagged <= 4, `market ${market}: ${flagged} of ${to - from} points flagged ${what}`);
    });
    assert.ok(total <= 8, `${total} points flagged over all peers ${what}`);
  };

  it('leaves the peers alone while one market drops', () => {
    assertPeersQuiet(results, SHIFTED, SHIFT.from, SHIFT.to, `while market ${SHIFTED} dropped`);
    results.forEach((result, market) => {
      if (market === SHIFTED) return;
      const day = flaggedIn(result.outlier, 2 * DAY, N);
      assert.ok(day <= 0.03 * DAY, `market ${market}: ${day} false flags in a day`);
    });
  });

  it('leaves the peers alone when the market that moves is one of the middle two', () => {
    // With eight markets the cross-sectional median is the mean of the fourth and fifth: if
    // market 3 (the fourth) drops, a median-relative position would move every other market.
    const middle = detectOutliers(markets(7, { shifted: 3, factor: 0.6 }), { historyPoints: 2 * DAY });
    assert.ok(flaggedIn(middle[3]!.outlier, SHIFT.from, SHIFT.to) >= 18, 'the market that dropped');
    assertPeersQuiet(middle, 3, SHIFT.from, SHIFT.to, 'while market 3 dropped');
  });

  it('does not flag a surge every market shares', () => {
    const surged = markets(11, { surge: true });
    const shared = detectOutliers(surged, { historyPoints: 2 * DAY });
    assertPeersQuiet(shared, -1, SURGE.from, SURGE.to + 12, 'in and after the common surge');
    shared.forEach((result, market) => {
      const ratio = result.expected[SURGE.from + 6]! / (2.5 * usual(market, SURGE.from + 6));
      assert.ok(Math.abs(ratio - 1) < 0.15, `market ${market}: expected ${ratio} × the surged value`);
    });
    // The same surge in one market alone is an outlier: what the peers share is what cancels.
    const alone = markets(11);
    alone[5] = surged[5]!;
    const single = detectOutliers(alone, { historyPoints: 2 * DAY });
    assert.ok(flaggedIn(single[5]!.outlier, SURGE.from, SURGE.to) >= 12, 'a surge in one market only');
  });

  it('direction down ignores a rise; up ignores the drop', () => {
    const up = detectOutliers(series, { historyPoints: 2 * DAY, direction: 'up' });
    assert.equal(flaggedIn(up[SHIFTED]!.outlier, SHIFT.from, SHIFT.to), 0);
    const rising = markets(7, { shifted: SHIFTED, factor: 1.8 });
    const down = detectOutliers(rising, { historyPoints: 2 * DAY, direction: 'down' });
    assert.equal(flaggedIn(down[SHIFTED]!.outlier, SHIFT.from, SHIFT.to), 0);
    const both = detectOutliers(rising, { historyPoints: 2 * DAY });
    assert.ok(flaggedIn(both[SHIFTED]!.outlier, SHIFT.from, SHIFT.to) >= 18, 'a rise is flagged both ways');
  });

  it('waits for minDurationPoints', () => {
    const strict = detectOutliers(series, { historyPoints: 2 * DAY, minDurationPoints: 6 });
    const run = strict[SHIFTED]!.outlier;
    assert.equal(flaggedIn(run, SHIFT.from, SHIFT.from + 5), 0);
    assert.ok(flaggedIn(run, SHIFT.from, SHIFT.to) > 0, 'flagged once the drop lasted');
  });
});

describe('detectOutliers: values that are not all positive', () => {
  it('places series in standard units when values are not all positive', () => {
    const noise = normal(3);
    // Markets near zero at night: logs are out, the linear position still works.
    const series = Array.from({ length: 6 }, (_, s) =>
      grid(
        Array.from({ length: 400 }, (_, i) => {
          const base = Math.max(0, 20 * Math.sin((2 * Math.PI * i) / 200)) + 10 * s;
          return i >= 300 && i < 330 && s === 4 ? base + 60 : base + noise();
        }),
      ),
    );
    assert.ok(series[0]!.values.some((v) => v <= 0), 'the test needs a value at or below 0');
    const results = detectOutliers(series, { historyPoints: 200 });
    assert.ok(flaggedIn(results[4]!.outlier, 300, 330) >= 15, `flags ${flaggedIn(results[4]!.outlier, 300, 330)}`);
    for (const s of [0, 1, 2, 3, 5]) assert.ok(flaggedIn(results[s]!.outlier, 300, 330) <= 2, `series ${s} flagged`);
    assert.ok(results[4]!.expected[310]! < 60, `expected ${results[4]!.expected[310]} back near its usual place`);
  });
});

describe('interquartileMean', () => {
  const iqm = (values: number[], weights = values.map(() => 1)) => interquartileMean(Float64Array.from(values), Float64Array.from(weights));
  it('averages the middle half, with fractional weights at the quartiles', () => {
    // eight values: the middle four
    assert.equal(iqm([100, 1, 2, 3, 4, 5, 6, -100]), 3.5);
    // three values weigh 1/4, 1, 1/4: (0.25 × 0 + 1 × 1 + 0.25 × 10) / 1.5
    assert.ok(Math.abs(iqm([10, 0, 1]) - 3.5 / 1.5) < 1e-12, `${iqm([10, 0, 1])}`);
    // weights count as repeated values: [1, 1, 1, 5] like [1 ×3, 5]
    assert.equal(iqm([1, 5], [3, 1]), iqm([1, 1, 1, 5]));
    assert.ok(Number.isNaN(iqm([])), 'empty');
  });
});

/** interquartileMean as first written: a comparator sort of the indices, then the trimmed walk. */
function referenceIqm(values: Float64Array, weights: Float64Array): number {
  const n = values.length;
  const order = Int32Array.from({ length: n }, (_, j) => j);
  let total = 0;
  for (let j = 0; j < n; j++) total += weights[j]!;
  if (!(total > 0) || !Number.isFinite(total)) return NaN;
  order.sort((a, b) => values[a]! - values[b]!);
  const from = total / 4;
  const to = (3 * total) / 4;
  let cumulative = 0;
  let sum = 0;
  for (const j of order) {
    const w = weights[j]!;
    const overlap = Math.min(cumulative + w, to) - Math.max(cumulative, from);
    if (overlap > 0) sum += overlap * values[j]!;
    cumulative += w;
    if (cumulative >= to) break;
  }
  return sum / (to - from);
}

/** Few distinct values (ties), both zeros, infinities, NaN now and then. */
const tied = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 3, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, Infinity, -Infinity, Number.NaN) },
);

describe('interquartileMean: the same as a comparator sort', () => {
  it('gives the bits of the comparator-sorted walk, ties, weights, zeros and infinities included (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(tied, fc.oneof(fc.constant(1), fc.double({ min: 0, max: 5, noNaN: true }))), { maxLength: 90 }), (pairs) => {
        const values = Float64Array.from(pairs, ([v]) => v);
        const weights = Float64Array.from(pairs, ([, w]) => w);
        const got = interquartileMean(values, weights);
        const want = referenceIqm(values, weights);
        assert.ok(Object.is(got, want), `[${pairs.map(([v, w]) => `${v}×${w}`).join(', ')}]: ${got} vs ${want}`);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('leaveOneOutFrames', () => {
  it('is commonFrame without each series in turn, to the bit, in logs and in linear units (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 12 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        fc.infiniteStream(tied),
        fc.infiniteStream(fc.oneof(fc.integer({ min: -2, max: 2 }), fc.double({ min: -3, max: 3, noNaN: true }), fc.constant(Number.NaN))),
        fc.infiniteStream(fc.oneof(fc.constant(1), fc.double({ min: 0.1, max: 4, noNaN: true }))),
        (k, n, logs, valueStream, placeStream, weightStream) => {
          const draw = <T>(stream: fc.Stream<T>) => stream[Symbol.iterator]();
          const nextValue = draw(valueStream);
          const nextPlace = draw(placeStream);
          const nextWeight = draw(weightStream);
          // Logs hold finite values (logs of positive ones); linear units may hold anything but NaN gaps.
          const values = Array.from({ length: k }, () =>
            Float64Array.from({ length: n }, () => {
              const v = nextValue.next().value as number;
              return logs && !Number.isFinite(v) ? NaN : v === Infinity || v === -Infinity ? NaN : v;
            }),
          );
          const places = Float64Array.from({ length: k }, () => nextPlace.next().value as number);
          const weights = Float64Array.from({ length: k }, () => nextWeight.next().value as number);
          const frames = leaveOneOutFrames(values, places, weights, logs);
          for (let s = 0; s < k; s++) {
            if (Number.isNaN(places[s]!)) continue;
            const want = commonFrame(values, places, weights, logs, s);
            for (let i = 0; i < n; i++) {
              assert.ok(Object.is(frames[s]!.level[i], want.level[i]), `series ${s}, point ${i}: level ${frames[s]!.level[i]} vs ${want.level[i]}`);
              assert.ok(Object.is(frames[s]!.spread[i], want.spread[i]), `series ${s}, point ${i}: spread ${frames[s]!.spread[i]} vs ${want.spread[i]}`);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('detectOutliers: inputs', () => {
  it('scores 0 with fewer than three series and answers nothing for none', () => {
    assert.deepEqual(detectOutliers([]), []);
    const two = detectOutliers([grid([1, 2, 3]), grid([1, 200, 3])]);
    assert.equal(two.length, 2);
    for (const result of two) {
      assert.deepEqual(Array.from(result.score), [0, 0, 0]);
      assert.deepEqual(Array.from(result.outlier), [0, 0, 0]);
      assert.ok(Array.from(result.expected).every(Number.isNaN), 'nothing expected without peers');
    }
  });

  it('rejects grids of other lengths, starts or steps', () => {
    assert.throws(() => detectOutliers([grid([1, 2]), grid([1, 2]), grid([1, 2, 3])]), (error: unknown) => {
      assert.ok(error instanceof AnalysisInputError, 'an AnalysisInputError');
      assert.match(error.message, /series 3: expected 2 points like series 1, got 3/);
      return true;
    });
    assert.throws(() => detectOutliers([grid([1]), grid([1], 60_000), grid([1])]), AnalysisInputError);
    assert.throws(() => detectOutliers([grid([1]), grid([1]), grid([1], STEP, 5)]), /start 5/);
    // Two series still must agree: the error is about the input, not the method.
    assert.throws(() => detectOutliers([grid([1]), grid([1, 2])]), AnalysisInputError);
  });

  it('never throws on odd values and keeps lengths and score ranges', () => {
    const value = fc.oneof(
      { weight: 5, arbitrary: fc.double({ noNaN: false }) },
      { weight: 3, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, 0, 1, 5e-324) },
      { weight: 1, arbitrary: fc.constant(null) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 6 }),
        fc.infiniteStream(value),
        fc.record({
          sensitivity: fc.option(fc.double({ noNaN: false }), { nil: undefined }),
          direction: fc.option(fc.constantFrom('up' as const, 'down' as const, 'both' as const), { nil: undefined }),
          minDurationPoints: fc.option(fc.integer({ min: -1, max: 5 }), { nil: undefined }),
          historyPoints: fc.option(fc.integer({ min: -1, max: 80 }), { nil: undefined }),
        }),
        (length, count, stream, options) => {
          const draw = stream[Symbol.iterator]();
          const series = Array.from({ length: count }, () =>
            grid(
              Array.from({ length }, () => {
                const v = draw.next().value as number | null;
                return v === null ? NaN : v;
              }),
            ),
          );
          const results = detectOutliers(series, options);
          assert.equal(results.length, count);
          for (const result of results) {
            for (const array of [result.expected, result.lower, result.upper, result.score, result.outlier]) assert.equal(array.length, length);
            for (let i = 0; i < length; i++) {
              const score = result.score[i]!;
              assert.ok(score >= 0 && score <= 1, `score ${score}`);
              assert.ok(result.outlier[i] === 0 || (result.outlier[i] === 1 && score >= FLAG_SCORE), `flag ${result.outlier[i]} at score ${score}`);
              for (const v of [result.expected[i]!, result.lower[i]!, result.upper[i]!]) assert.ok(!Number.isFinite(v) ? Number.isNaN(v) : true, `non-finite ${v}`);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
