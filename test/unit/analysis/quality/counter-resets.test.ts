import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCounterResets } from '../../../../src/backend/analysis/quality';
import { assertCheck, make, maskOf, series } from './helpers';

const counter = (name: string, values: number[]) => series(name, values, { counter: true });

describe('counter resets', () => {
  it('passes a counter that only grows or stays', () => {
    const { check, issues } = checkCounterResets([counter('plays_total', [1, 5, 5, 9, 20])]);
    assertCheck(check, 'pass', 0, 0);
    assert.deepEqual(issues, [undefined]);
    assert.match(check.message, /None of the 1 counter decreased/);
  });

  it('warns on a reset and marks the point after the drop', () => {
    const { check, issues } = checkCounterResets([counter('plays_total', [10, 20, 30, 2, 8, 12])]);
    assertCheck(check, 'warn', 1, 0);
    assert.deepEqual(issues[0], maskOf(6, [3]));
    assert.deepEqual(check.series, ['plays_total']);
    assert.match(check.message, /falling from 30 to 2 at 2026-11-24T12:03:00.000Z/);
  });

  it('counts every reset, and stays a warning however many', () => {
    const values = make(100, (i) => i % 10);
    const { check, issues } = checkCounterResets([counter('a', values), counter('b', [3, 1])]);
    assertCheck(check, 'warn', 10);
    assert.deepEqual(issues[0], maskOf(100, make(9, (k) => 10 * (k + 1))));
    assert.deepEqual(check.series, ['a', 'b']);
  });

  it('sees a reset across a gap', () => {
    const { check, issues } = checkCounterResets([counter('a', [5, NaN, NaN, 3])]);
    assertCheck(check, 'warn', 1);
    assert.deepEqual(issues[0], maskOf(4, [3]));
  });

  it('leaves series that are not raw counters alone', () => {
    const { check, issues } = checkCounterResets([series('rate', [5, 1, 7, 2])]);
    assertCheck(check, 'pass', 0);
    assert.deepEqual(issues, [undefined]);
    assert.match(check.message, /No raw counters/);
  });

  it('ignores non-finite values and copes with empty grids', () => {
    const { check } = checkCounterResets([counter('a', [1, Infinity, 2, -Infinity, 3, 1e308]), counter('empty', [])]);
    assertCheck(check, 'pass', 0);
  });
});
