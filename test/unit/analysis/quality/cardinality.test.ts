import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCardinality, DEFAULT_MAX_SERIES } from '../../../../src/backend/analysis/quality';
import { assertCheck, optionsFor, series } from './helpers';

const many = (n: number) => Array.from({ length: n }, (_, i) => series(`s${i}`, [i]));

describe('cardinality', () => {
  it('allows 100 series by default', () => {
    assert.equal(DEFAULT_MAX_SERIES, 100);
  });

  it('passes up to 80 % of the limit', () => {
    const { check, issues } = checkCardinality(many(80), optionsFor(1));
    assertCheck(check, 'pass', 80, 80);
    assert.equal(issues.length, 80);
    assert.ok(issues.every((mask) => mask === undefined));
  });

  it('warns above 80 % of the limit', () => {
    assertCheck(checkCardinality(many(81), optionsFor(1)).check, 'warn', 81, 80);
  });

  it('fails above the limit', () => {
    const { check } = checkCardinality(many(101), optionsFor(1));
    assertCheck(check, 'fail', 101, 100);
    assert.match(check.message, /101 series, over the limit of 100/);
  });

  it('honours a custom limit and ignores a nonsense one', () => {
    assertCheck(checkCardinality(many(11), optionsFor(1, { maxSeries: 10 })).check, 'fail', 11, 10);
    assertCheck(checkCardinality(many(11), optionsFor(1, { maxSeries: -3 })).check, 'pass', 11, 80);
    assertCheck(checkCardinality([], optionsFor(1, { maxSeries: NaN })).check, 'pass', 0);
  });
});
