import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HOLT_WINTERS_DEFAULTS, holtWinters, seasonStart } from '../../../src/backend/analysis/detectors/holt-winters';
import { forecast, MAX_HORIZON_POINTS, normalQuantile } from '../../../src/backend/analysis/forecast';
import type { Grid } from '../../../src/backend/analysis/grid';
import { normal } from './random';

const HOUR = 3_600_000;
const grid = (values: ArrayLike<number>, stepMs = HOUR, startMs = 0): Grid => ({ startMs, stepMs, values: Float64Array.from(values) });

const PERIOD = 24;
const shape = (i: number) => 100 + 0.1 * i + 10 * Math.sin((2 * Math.PI * i) / PERIOD);

describe('forecast: Holt-Winters', () => {
  it('continues a clean daily sinusoid with a trend inside its interval', () => {
    const n = 20 * PERIOD;
    const result = forecast(grid(Array.from({ length: n }, (_, i) => shape(i))), { horizonPoints: 2 * PERIOD });
    assert.equal(result.method, 'holt_winters');
    assert.equal(result.periodPoints, PERIOD);
    assert.equal(result.startMs, n * HOUR);
    assert.equal(result.stepMs, HOUR);
    assert.equal(result.mean.length, 2 * PERIOD);
    for (let h = 0; h < 2 * PERIOD; h++) {
      const truth = shape(n + h);
      assert.ok(result.lower[h]! <= truth && truth <= result.upper[h]!, `step ${h + 1}: ${truth} outside [${result.lower[h]}, ${result.upper[h]}]`);
      // The damped trend falls a little behind an undamped one; the shape itself must be there.
      assert.ok(Math.abs(result.mean[h]! - truth) < 4, `step ${h + 1}: mean ${result.mean[h]} vs ${truth}`);
    }
    // The peak and trough of the next day are where the sinusoid puts them (+6 h and +18 h).
    const nextDay = Array.from(result.mean.subarray(0, PERIOD));
    assert.equal(nextDay.indexOf(Math.max(...nextDay)), 6);
    assert.equal(nextDay.indexOf(Math.min(...nextDay)), 18);
    // Informative, not a band the width of the chart.
    assert.ok(result.upper[PERIOD - 1]! - result.lower[PERIOD - 1]! < 20, `width ${result.upper[PERIOD - 1]! - result.lower[PERIOD - 1]!}`);
  });

  it('holds about 95 % of held-out noisy points inside the 95 % interval', () => {
    let inside = 0;
    let total = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const noise = normal(seed);
      const n = 14 * PERIOD;
      const all = Array.from({ length: n + PERIOD }, (_, i) => shape(i) + 2 * noise());
      const result = forecast(grid(all.slice(0, n)), { horizonPoints: PERIOD });
      assert.equal(result.method, 'holt_winters');
      for (let h = 0; h < PERIOD; h++) {
        total++;
        if (result.lower[h]! <= all[n + h]! && all[n + h]! <= result.upper[h]!) inside++;
      }
    }
    const coverage = inside / total;
    assert.ok(coverage >= 0.9 && coverage <= 0.995, `coverage ${coverage}`);
  });

  it('narrows the interval for a lower coverage', () => {
    const noise = normal(3);
    const values = Array.from({ length: 10 * PERIOD }, (_, i) => shape(i) + noise());
    const wide = forecast(grid(values), { horizonPoints: PERIOD });
    const narrow = forecast(grid(values), { horizonPoints: PERIOD, coverage: 0.5 });
    assert.deepEqual(narrow.mean, wide.mean);
    for (let h = 0; h < PERIOD; h++) {
      const ratio = (narrow.upper[h]! - narrow.mean[h]!) / (wide.upper[h]! - wide.mean[h]!);
      // z(0.75) / z(0.975)
      assert.ok(Math.abs(ratio - 0.6745 / 1.96) < 1e-3, `step ${h + 1}: ratio ${ratio}`);
    }
  });

  it('uses the period it is given', () => {
    const values = Array.from({ length: 10 * 12 }, (_, i) => 50 + 5 * Math.sin((2 * Math.PI * i) / 12));
    const result = forecast(grid(values), { horizonPoints: 12, periodPoints: 12 });
    assert.equal(result.method, 'holt_winters');
    assert.equal(result.periodPoints, 12);
    for (let h = 0; h < 12; h++) {
      const truth = 50 + 5 * Math.sin((2 * Math.PI * (120 + h)) / 12);
      assert.ok(Math.abs(result.mean[h]! - truth) < 1, `step ${h + 1}: mean ${result.mean[h]} vs ${truth}`);
    }
  });
});

describe('forecast: fallbacks', () => {
  it('uses Holt on a trend without a season, and below two cycles of one', () => {
    const noise = normal(11);
    const trend = Array.from({ length: 200 }, (_, i) => 20 + 0.5 * i + noise());
    const result = forecast(grid(trend), { horizonPoints: 10 });
    assert.equal(result.method, 'holt');
    assert.equal(result.periodPoints, undefined);
    for (let h = 0; h < 10; h++) {
      const truth = 20 + 0.5 * (200 + h);
      assert.ok(result.lower[h]! <= truth && truth <= result.upper[h]!, `step ${h + 1}: ${truth} outside [${result.lower[h]}, ${result.upper[h]}]`);
    }
    assert.ok(result.mean[9]! > result.mean[0]!, 'the trend carries on');

    const short = forecast(grid(Array.from({ length: 30 }, (_, i) => shape(i))), { horizonPoints: 5, periodPoints: PERIOD });
    assert.equal(short.method, 'holt');
  });

  it('falls back to the last value with fewer than 10 points, widening as √h', () => {
    const result = forecast(grid([5, 7, 6, 8, NaN, 7]), { horizonPoints: 4 });
    assert.equal(result.method, 'naive');
    assert.deepEqual(Array.from(result.mean), [7, 7, 7, 7]);
    // |steps| 2, 1, 2, 1 -> median 1.5 -> sigma 1.5 × 1.4826
    const sigma = 1.5 * 1.4826;
    for (let h = 1; h <= 4; h++) {
      const half = 1.959964 * sigma * Math.sqrt(h);
      assert.ok(Math.abs(result.upper[h - 1]! - (7 + half)) < 1e-4, `step ${h}: upper ${result.upper[h - 1]}`);
      // never negative history: the lower bound stops at 0
      assert.ok(Math.abs(result.lower[h - 1]! - Math.max(0, 7 - half)) < 1e-4, `step ${h}: lower ${result.lower[h - 1]}`);
    }
  });

  it('gives the one value with no interval, and an empty forecast without values', () => {
    const one = forecast(grid([42]), { horizonPoints: 3 });
    assert.equal(one.method, 'naive');
    assert.deepEqual(Array.from(one.mean), [42, 42, 42]);
    assert.ok(Array.from(one.lower).every(Number.isNaN), 'one value: no spread to size an interval with');
    for (const values of [[], [NaN, NaN], [Infinity, -Infinity]]) {
      const none = forecast(grid(values, 60_000, 1000), { horizonPoints: 3 });
      assert.equal(none.mean.length, 0);
      assert.equal(none.lower.length, 0);
      assert.equal(none.startMs, 1000 + values.length * 60_000);
    }
  });
});

describe('forecast: bounds', () => {
  it('never forecasts below 0 for a series that never was', () => {
    const noise = normal(5);
    // Revenue sliding towards zero: an unbounded trend would go negative.
    const revenue = Array.from({ length: 100 }, (_, i) => Math.max(0, 50 - 0.5 * i + 2 * noise()));
    const result = forecast(grid(revenue), { horizonPoints: 200 });
    assert.ok(Array.from(result.lower).every((v) => v >= 0), 'lower >= 0');
    assert.ok(Array.from(result.mean).every((v) => v >= 0), 'mean >= 0');
    const signed = forecast(grid(revenue.map((v) => v - 10)), { horizonPoints: 200 });
    assert.ok(Array.from(signed.lower).some((v) => v < 0), 'a series that was negative may be forecast negative');
  });

  it('caps the horizon and accepts odd horizons', () => {
    const values = Array.from({ length: 50 }, (_, i) => i);
    assert.equal(forecast(grid(values), { horizonPoints: 1e9 }).mean.length, MAX_HORIZON_POINTS);
    assert.equal(forecast(grid(values), { horizonPoints: Infinity }).mean.length, MAX_HORIZON_POINTS);
    assert.equal(forecast(grid(values), { horizonPoints: 2.7 }).mean.length, 2);
    for (const horizonPoints of [0, -5, NaN]) assert.equal(forecast(grid(values), { horizonPoints }).mean.length, 0);
  });

  it('handles values near the largest double without overflowing', () => {
    const values = Array.from({ length: 60 }, (_, i) => 1e308 * (1 + 0.5 * Math.sin(i / 3)));
    const result = forecast(grid(values), { horizonPoints: 10 });
    for (const array of [result.mean, result.lower, result.upper]) assert.ok(Array.from(array).every(Number.isFinite), 'finite');
    assert.ok(result.mean[0]! > 1e307, `mean ${result.mean[0]}`);
  });

  it('normalQuantile matches known quantiles', () => {
    assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-6, 'z(0.975)');
    assert.ok(Math.abs(normalQuantile(0.5)) < 1e-12, 'z(0.5)');
    assert.ok(Math.abs(normalQuantile(0.0005) + 3.290527) < 1e-5, 'z(0.0005)');
  });
});

describe('forecast: properties', () => {
  const value = fc.oneof(
    { weight: 6, arbitrary: fc.double({ noNaN: false }) },
    { weight: 2, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, 0, Number.MIN_VALUE) },
    { weight: 1, arbitrary: fc.constant(null) },
  );

  it('never throws and answers as many points as asked, finite or NaN, ordered', () => {
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 120 }),
        fc.integer({ min: -2, max: 40 }),
        fc.option(fc.integer({ min: -1, max: 30 }), { nil: undefined }),
        fc.option(fc.double({ noNaN: false }), { nil: undefined }),
        (raw, horizonPoints, periodPoints, coverage) => {
          const values = raw.map((v) => (v === null ? NaN : v));
          const result = forecast(grid(values), { horizonPoints, periodPoints, coverage });
          const hasValue = values.some(Number.isFinite);
          const expected = hasValue ? Math.max(0, horizonPoints) : 0;
          assert.equal(result.mean.length, expected);
          assert.equal(result.lower.length, expected);
          assert.equal(result.upper.length, expected);
          assert.equal(result.startMs, values.length * HOUR);
          for (let h = 0; h < expected; h++) {
            for (const v of [result.mean[h]!, result.lower[h]!, result.upper[h]!]) assert.ok(Number.isFinite(v) || Number.isNaN(v), `non-finite ${v}`);
            if (!Number.isNaN(result.lower[h]!)) assert.ok(result.lower[h]! <= result.mean[h]! && result.mean[h]! <= result.upper[h]!, `step ${h + 1}: unordered`);
            assert.ok(!Number.isNaN(result.mean[h]!), 'a mean wherever there is history');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('holtWinters: snapshots and a shared season start', () => {
  /** A noisy daily shape with gaps, a trend and a spike. */
  const history = (seed: number, n: number) => {
    const noise = normal(seed);
    return Float64Array.from({ length: n }, (_, i) => (i % 97 === 5 ? NaN : shape(i) + 2 * noise() + (i === 300 ? 80 : 0)));
  };

  it('the state at an index is the state a run over the values before it ends in', () => {
    for (const period of [0, PERIOD]) {
      const values = history(period + 3, 40 * PERIOD);
      const input = { values, stepMs: HOUR, startMs: 0, clipZ: 6, minScale: 1e-6, periodPoints: period };
      const at = [0, 1, PERIOD - 1, PERIOD, PERIOD + 7, 300, 301, 500, 500, values.length];
      const { snapshots } = holtWinters(input, HOLT_WINTERS_DEFAULTS, { snapshots: at });
      assert.equal(snapshots.length, at.length);
      at.forEach((index, k) => {
        const { state } = holtWinters({ ...input, values: values.subarray(0, index) });
        // Before the first cycle is read nothing is predicted, and the shorter run has no season yet.
        if (Number.isNaN(state.level)) assert.ok(Number.isNaN(snapshots[k]!.level), `period ${period}, index ${index}: level`);
        else assert.deepEqual(snapshots[k], state, `period ${period}, index ${index}`);
      });
      at.forEach((index, k) => {
        if (index >= 300) assert.ok(Number.isFinite(snapshots[k]!.level), `period ${period}, index ${index}: the model has started`);
      });
    }
  });

  it('a shared season start gives the run that reads it itself', () => {
    const values = history(9, 10 * PERIOD);
    const input = { values, stepMs: HOUR, startMs: 0, clipZ: 6, minScale: 1e-6, periodPoints: PERIOD };
    const start = seasonStart(values, PERIOD);
    const own = holtWinters(input, { alpha: 0.2, beta: 0.05, gamma: 0.1, phi: 0.98 });
    const shared = holtWinters(input, { alpha: 0.2, beta: 0.05, gamma: 0.1, phi: 0.98 }, { start });
    assert.deepEqual(shared.baseline, own.baseline);
    assert.deepEqual(shared.state, own.state);
    // The start is copied, not learned into: the next run that shares it sees it unchanged.
    assert.deepEqual(start, seasonStart(values, PERIOD));
  });
});
