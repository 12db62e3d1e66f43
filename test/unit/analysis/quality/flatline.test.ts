import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkFlatline, DEFAULT_FLATLINE_MS, flatlineRuns } from '../../../../src/backend/analysis/quality';
import { assertCheck, make, maskOf, MIN, optionsFor, range, series, wave } from './helpers';

const N = 180;
const stuck = (values: number[], from: number, to: number, value: number) => values.map((v, i) => (i >= from && i < to ? value : v));

describe('flatline', () => {
  it('uses a 30 minute limit by default', () => {
    assert.equal(DEFAULT_FLATLINE_MS, 30 * MIN);
  });

  it('passes a varying series', () => {
    const { check, issues } = checkFlatline([series('a', wave(N))], optionsFor(N));
    assertCheck(check, 'pass', 0, 1800);
    assert.deepEqual(issues, [undefined]);
  });

  it('warns on a value stuck for 40 minutes and marks the run', () => {
    const values = stuck(wave(N), 60, 101, 42.5);
    const { check, issues } = checkFlatline([series('bitrate', values)], optionsFor(N));
    assertCheck(check, 'warn', 40 * 60, 1800);
    assert.deepEqual(issues[0], maskOf(N, range(60, 101)));
    assert.deepEqual(check.series, ['bitrate']);
    assert.match(check.message, /bitrate held exactly 42.5 for 40 min from 2026-11-24T13:00:00.000Z/);
    assert.match(check.message, /stuck/);
  });

  it('warns on a run of 0 in a normally positive series', () => {
    const values = stuck(wave(N), 100, 140, 0);
    const { check, issues } = checkFlatline([series('starts', values)], optionsFor(N));
    assertCheck(check, 'warn', 39 * 60);
    assert.deepEqual(issues[0], maskOf(N, range(100, 140)));
    assert.match(check.message, /telemetry probably stopped/);
  });

  it('finds every run, two outages included', () => {
    const values = stuck(stuck(wave(N), 10, 50, 0), 100, 150, 0);
    const runs = flatlineRuns(Float64Array.from(values), MIN, DEFAULT_FLATLINE_MS);
    assert.deepEqual(runs.map((r) => [r.first, r.last]), [[10, 49], [100, 149]]);
  });

  it('passes a run shorter than the limit', () => {
    const { check } = checkFlatline([series('a', stuck(wave(N), 60, 90, 7))], optionsFor(N));
    assertCheck(check, 'pass', 0);
  });

  it('does not call a constant series a flatline', () => {
    const { check, issues } = checkFlatline([series('errors', new Array<number>(N).fill(0)), series('config', new Array<number>(N).fill(3))], optionsFor(N));
    assertCheck(check, 'pass', 0);
    assert.deepEqual(issues, [undefined, undefined]);
  });

  it('does not call a mostly quiet error count a flatline', () => {
    // Errors now and then by day, none for 80 minutes at night: 0 is common, so quiet is not stuck.
    const errors = make(N, (i) => (i < 100 ? (i % 3 === 0 ? 1 + (i % 2) : 0) : 0));
    assertCheck(checkFlatline([series('errors', errors)], optionsFor(N)).check, 'pass', 0);
    // The same night in a series that is never 0 by day is a flatline.
    const busy = errors.map((v, i) => (i < 100 ? v + 5 : 0));
    assertCheck(checkFlatline([series('busy', busy)], optionsFor(N)).check, 'warn', 79 * 60);
  });

  it('does not call a step from one constant to another a flatline', () => {
    const step = make(N, (i) => (i < 90 ? 5 : 8));
    assertCheck(checkFlatline([series('markets', step)], optionsFor(N)).check, 'pass', 0);
  });

  it('ends a run at a gap', () => {
    const values = stuck(wave(N), 60, 100, 42.5);
    values[80] = NaN;
    assertCheck(checkFlatline([series('a', values)], optionsFor(N)).check, 'pass', 0);
  });

  it('honours a custom limit, and names the longest run first', () => {
    const a = stuck(wave(N), 60, 71, 42.5);
    const b = stuck(wave(N), 20, 41, 0);
    const { check } = checkFlatline([series('a', a), series('b', b)], optionsFor(N, { flatlineMs: 10 * MIN }));
    assertCheck(check, 'warn', 20 * 60, 600);
    assert.deepEqual(check.series, ['b', 'a']);
  });

  it('needs three identical points on a coarse grid', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10];
    const coarse = { name: 'hourly', labels: {}, grid: { startMs: 0, stepMs: 3_600_000, values: Float64Array.from(values) } };
    assertCheck(checkFlatline([coarse], optionsFor(11)).check, 'pass', 0);
    const three = { ...coarse, grid: { ...coarse.grid, values: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 7, 7, 9, 10]) } };
    assertCheck(checkFlatline([three], optionsFor(11)).check, 'warn', 7200);
  });

  it('copes with huge values, infinities and absurd steps', () => {
    const values = stuck(wave(N), 60, 101, 1e308);
    values[5] = Infinity;
    assertCheck(checkFlatline([series('a', values)], optionsFor(N)).check, 'warn', 40 * 60);
    const huge = { name: 'huge', labels: {}, grid: { startMs: 0, stepMs: 1e308, values: Float64Array.from(stuck(wave(20), 5, 10, 1)) } };
    const check = checkFlatline([huge], optionsFor(20)).check;
    assert.equal(check.status, 'warn');
    assert.ok(Number.isFinite(check.value));
  });

  it('finds the same runs as a scan of maximal runs of one finite value (property)', () => {
    // The rules as written, on every maximal run: at least FLATLINE_MIN_POINTS points lasting the
    // limit, and the rest of the series varying with the run's value rare in it.
    const naive = (values: number[], stepMs: number, minMs: number) => {
      const runs: Array<{ first: number; last: number; value: number }> = [];
      for (let i = 0; i < values.length; ) {
        let j = i + 1;
        if (Number.isFinite(values[i]!)) while (j < values.length && values[j] === values[i]) j++;
        if (Number.isFinite(values[i]!) && j - i >= 3 && (j - 1 - i) * stepMs >= minMs) runs.push({ first: i, last: j - 1, value: values[i]! });
        i = j;
      }
      return runs.filter((run) => {
        const inRuns = runs.filter((r) => r.value === run.value).reduce((sum, r) => sum + r.last - r.first + 1, 0);
        const finite = values.filter((v) => Number.isFinite(v));
        const rest = finite.length - inRuns;
        const restOfValue = finite.filter((v) => v === run.value).length - inRuns;
        const distinct = new Set(finite.map((v) => (v === 0 ? 0 : v)));
        const restDistinct = distinct.size - (restOfValue === 0 ? 1 : 0);
        return rest >= 5 && restDistinct >= 2 && restOfValue / rest <= 0.1;
      });
    };
    const value = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -0, 0.5) });
    fc.assert(
      fc.property(fc.array(fc.tuple(value, fc.integer({ min: 1, max: 8 })), { maxLength: 30 }), fc.constantFrom(MIN, 5 * MIN), (pieces, limit) => {
        const values = pieces.flatMap(([v, length]) => new Array<number>(length).fill(v));
        const got = flatlineRuns(Float64Array.from(values), MIN, limit);
        assert.deepEqual(
          got.map((r) => [r.first, r.last]),
          naive(values, MIN, limit).map((r) => [r.first, r.last]),
          `[${values.join(', ')}]`,
        );
      }),
      { numRuns: 500 },
    );
  });
});
