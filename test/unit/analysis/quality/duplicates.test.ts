import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDuplicates, type QualitySeries } from '../../../../src/backend/analysis/quality';
import { assertCheck, grid, maskOf, MIN, series, T0, wave } from './helpers';

const N = 50;
const NO_REPAIRS = { duplicates: 0, conflicts: 0, offGrid: 0, nonFinite: 0, outOfOrder: 0 };
const labelled = (name: string, labels: Record<string, string>, values: number[], extra: Partial<QualitySeries> = {}): QualitySeries => ({
  name,
  labels,
  grid: grid(values),
  ...extra,
});

describe('duplicates and conflicts', () => {
  it('passes distinct series', () => {
    const { check, issues } = checkDuplicates([series('US', wave(N)), series('BR', wave(N, 50)), series('zero', new Array<number>(N).fill(0))]);
    assertCheck(check, 'pass', 0, 0);
    assert.deepEqual(issues, [undefined, undefined, undefined]);
  });

  it('warns on the same labels twice with the same values', () => {
    const { check, issues } = checkDuplicates([labelled('x', { market: 'US' }, wave(N)), labelled('x', { market: 'US' }, wave(N))]);
    assertCheck(check, 'warn', 2);
    assert.deepEqual(issues, [undefined, undefined]);
    assert.match(check.message, /appear more than once with the same labels/);
  });

  it('finds the same labels whatever their order', () => {
    const { check } = checkDuplicates([
      labelled('x', { market: 'US', tier: 'free' }, wave(N)),
      labelled('x', { tier: 'free', market: 'US' }, wave(N)),
    ]);
    assert.equal(check.status, 'warn');
  });

  it('fails on the same labels with different values, marking where they differ', () => {
    const other = wave(N);
    other[7] = other[7]! + 1;
    other[30] = NaN; // a gap is not a contradiction
    const { check, issues } = checkDuplicates([labelled('x', { market: 'US' }, wave(N)), labelled('x', { market: 'US' }, other)]);
    assertCheck(check, 'fail', 2);
    assert.deepEqual(issues[0], maskOf(N, [7]));
    assert.deepEqual(issues[1], maskOf(N, [7]));
    assert.match(check.message, /different values at 1 point/);
  });

  it('compares same-labelled series by time', () => {
    const later = { name: 'x', labels: { market: 'US' }, grid: grid(wave(N).slice(10).map((v) => v + 1), MIN, T0 + 10 * MIN) };
    const { issues } = checkDuplicates([labelled('x', { market: 'US' }, wave(N)), later]);
    assert.deepEqual(issues[0], maskOf(N, Array.from({ length: N - 10 }, (_, i) => i + 10)));
    assert.equal(issues[1]!.length, N - 10);
  });

  it('tells series of two queries apart by name', () => {
    const { check } = checkDuplicates([labelled('A', { market: 'US' }, wave(N)), labelled('B', { market: 'US' }, wave(N, 10))]);
    assertCheck(check, 'pass', 0);
  });

  it('warns on an exact copy under other labels: a sender counted twice', () => {
    const { check, issues } = checkDuplicates([
      labelled('c1', { instance: 'collector-1' }, wave(N)),
      labelled('c2', { instance: 'collector-2' }, wave(N)),
      labelled('c3', { instance: 'collector-3' }, wave(N, 70)),
    ]);
    assertCheck(check, 'warn', 2);
    assert.deepEqual(issues, [undefined, undefined, undefined]);
    assert.deepEqual(check.series, ['c2', 'c1']);
    assert.match(check.message, /exact copy of another \(first c2 of c1\)/);
  });

  it('finds a copy whose grid has a different leading gap', () => {
    const padded = { name: 'c2', labels: { instance: '2' }, grid: grid([NaN, NaN, ...wave(N)], MIN, T0 - 2 * MIN) };
    assert.equal(checkDuplicates([labelled('c1', { instance: '1' }, wave(N)), padded]).check.status, 'warn');
  });

  it('does not call trivial series copies', () => {
    const zeros = new Array<number>(N).fill(0);
    const short = wave(5);
    const { check } = checkDuplicates([series('a', zeros), series('b', zeros), series('c', short), series('d', short)]);
    assertCheck(check, 'pass', 0);
  });

  it('does not confuse shifted copies', () => {
    const shifted = { name: 'b', labels: {}, grid: grid(wave(N), MIN, T0 + MIN) };
    assertCheck(checkDuplicates([series('a', wave(N)), shifted]).check, 'pass', 0);
  });

  it('warns on samples repeated in the input and fails on conflicting ones', () => {
    const repeated = checkDuplicates([series('a', wave(N), { repairs: { ...NO_REPAIRS, duplicates: 3 } })]).check;
    assertCheck(repeated, 'warn', 1);
    assert.match(repeated.message, /repeated 3 samples/);
    const conflicting = checkDuplicates([
      series('a', wave(N), { repairs: { ...NO_REPAIRS, duplicates: 3 } }),
      series('b', wave(N, 3), { repairs: { ...NO_REPAIRS, conflicts: 2 } }),
    ]).check;
    assertCheck(conflicting, 'fail', 2);
    assert.deepEqual(conflicting.series, ['b', 'a']);
    assert.match(conflicting.message, /2 conflicting samples/);
  });

  it('copes with empty, all-NaN, huge and unplaceable series', () => {
    const { check } = checkDuplicates([
      series('empty', []),
      series('nan', [NaN, NaN]),
      series('huge', wave(N).map((v) => v * 1e306)),
      { name: 'broken', labels: {}, grid: grid(wave(N), -1) },
      { name: 'broken', labels: {}, grid: grid(wave(N), -1) },
    ]);
    assertCheck(check, 'warn', 2);
  });

  it('finds an exact copy whatever NaN its gaps hold and whichever zero it has', () => {
    const values = wave(N);
    values[10] = 0;
    values[20] = NaN;
    const copy = Float64Array.from(values);
    copy[10] = -0;
    // A NaN with another payload: still the same missing point.
    new Uint32Array(copy.buffer, 20 * 8, 2).set([1, 0x7ff00000]);
    assert.ok(Number.isNaN(copy[20]!));
    const { check } = checkDuplicates([labelled('a', { instance: '1' }, values), { name: 'b', labels: { instance: '2' }, grid: grid(copy) }]);
    assertCheck(check, 'warn', 2, 0);
    assert.match(check.message, /exact copy/);
  });

  it('tells apart series that differ in one value only', () => {
    const values = wave(N);
    const other = Float64Array.from(values);
    other[N - 1] = other[N - 1]! + 1e-9;
    const { check } = checkDuplicates([labelled('a', { instance: '1' }, values), { name: 'b', labels: { instance: '2' }, grid: grid(other) }]);
    assertCheck(check, 'pass', 0, 0);
  });
});
