import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { findKpi } from '../../../../src/common/kpis/catalogue';
import { checkValidity } from '../../../../src/backend/analysis/quality';
import { assertCheck, maskOf, optionsFor, series } from './helpers';

const ratioRange = findKpi('skip_rate')!.validRange;

describe('validity', () => {
  it('passes values inside the KPI valid range', () => {
    const { check, issues } = checkValidity([series('skips', [0, 0.2, 0.5, 1])], optionsFor(4, { validRange: ratioRange }));
    assertCheck(check, 'pass', 0, 0);
    assert.deepEqual(issues, [undefined]);
    assert.match(check.message, /within the valid range \[0, 1\]/);
  });

  it('fails on any point outside, and marks each one', () => {
    const { check, issues } = checkValidity(
      [series('skips', [0.1, 1.5, 0.2, -0.1]), series('ok', [0.3, 0.3, 0.3, 0.3])],
      optionsFor(4, { validRange: ratioRange }),
    );
    assertCheck(check, 'fail', 2, 0);
    assert.deepEqual(issues[0], maskOf(4, [1, 3]));
    assert.equal(issues[1], undefined);
    assert.deepEqual(check.series, ['skips']);
    assert.match(check.message, /2 points in 1 series \(skips\) lie outside the valid range \[0, 1\], first 1.5 in skips at 2026-11-24T12:01:00.000Z/);
  });

  it('fails on ±Infinity without a range', () => {
    const { check, issues } = checkValidity([series('a', [1, Infinity, -Infinity, 1e308])], optionsFor(4));
    assertCheck(check, 'fail', 2);
    assert.deepEqual(issues[0], maskOf(4, [1, 2]));
    assert.match(check.message, /no valid range given/);
  });

  it('treats NaN as missing, not invalid', () => {
    const { check } = checkValidity([series('a', [NaN, 0.5, NaN])], optionsFor(3, { validRange: [0, 1] }));
    assertCheck(check, 'pass', 0);
  });

  it('ignores a valid range that is not a range', () => {
    for (const validRange of [[1, 0], [NaN, 1]] as const) {
      const { check } = checkValidity([series('a', [5, 6])], optionsFor(2, { validRange }));
      assertCheck(check, 'pass', 0);
      assert.match(check.message, /not a range of two numbers/);
    }
  });

  it('checks history before the range as well', () => {
    const { check } = checkValidity([series('a', [-5, 0.5])], optionsFor(2, { validRange: [0, 1], rangeStartMs: Number.MAX_SAFE_INTEGER }));
    assertCheck(check, 'fail', 1);
  });

  it('never warns: an impossible value is a failure', () => {
    const { check } = checkValidity([series('a', [0.5, 2])], optionsFor(2, { validRange: [0, 1] }));
    assert.equal(check.status, 'fail');
  });

  it('marks exactly the points outside the range or infinite, NaN never, for any values and range (property)', () => {
    const value = fc.oneof(
      { weight: 4, arbitrary: fc.double({ min: -10, max: 10 }) },
      { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, 0, -0) },
    );
    const bound = fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), fc.option(fc.tuple(bound, bound), { nil: undefined }), (values, pair) => {
        const validRange = pair && pair[0] <= pair[1] ? pair : undefined;
        const [lo, hi] = validRange ?? [-Infinity, Infinity];
        // The definition: outside the range, or infinite; NaN is missing, not invalid.
        const invalid = values.map((v) => v < lo || v > hi || v === Infinity || v === -Infinity);
        const { check, issues } = checkValidity([series('s', values)], optionsFor(values.length, { validRange }));
        const count = invalid.filter(Boolean).length;
        assert.equal(check.value, count);
        assert.deepEqual(issues[0], count > 0 ? Uint8Array.from(invalid, (b) => (b ? 1 : 0)) : undefined);
      }),
      { numRuns: 500 },
    );
  });
});
