// Properties: whatever the series and options, the checks answer (never throw), with masks of
// the grids' lengths, valid statuses, finite values and a score within 0..100.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Grid } from '../../../../src/backend/analysis/grid';
import {
  CHECK_IDS,
  RELATED_CHECK_IDS,
  CHECK_STATUSES,
  checkConsistency,
  checkQuality,
  consistencyViolations,
  CONSISTENCY_RULES,
  MAX_LISTED_SERIES,
  type QualityCheck,
  type QualityOptions,
  type QualitySeries,
} from '../../../../src/backend/analysis/quality';
import { MIN, T0 } from './helpers';

/** Values that break naive code: gaps, infinities, extremes, and repeats that make runs. */
const value = fc.oneof(
  { weight: 4, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, 0, -0, 5e-324) },
  { weight: 3, arbitrary: fc.integer({ min: -3, max: 3 }) },
);
/** Runs of one value, so flatlines, copies and resets actually occur. */
const values = fc
  .array(fc.tuple(value, fc.integer({ min: 1, max: 60 })), { maxLength: 40 })
  .map((runs) => Float64Array.from(runs.flatMap(([v, n]) => new Array<number>(n).fill(v))).subarray(0, 500))
  .chain((v) => fc.oneof(fc.constant(v), fc.array(value, { maxLength: 500 }).map((a) => Float64Array.from(a))));

const time = fc.oneof(fc.constant(T0), fc.integer({ min: T0 - 86_400_000, max: T0 + 86_400_000 }), fc.double());
const step = fc.oneof(fc.constantFrom(MIN, 15_000, 1e-9, 1e300, 0, -MIN, NaN, Infinity), fc.double({ min: 1e-6, max: 1e10, noNaN: true }));
const grid: fc.Arbitrary<Grid> = fc.record({ startMs: time, stepMs: step, values });

const repairs = fc.record({
  duplicates: fc.nat(5),
  conflicts: fc.nat(2),
  offGrid: fc.nat(5),
  nonFinite: fc.nat(5),
  outOfOrder: fc.nat(5),
});
const labels = fc.dictionary(fc.constantFrom('market', 'platform', 'tier', '__name__', ''), fc.constantFrom('US', 'BR', 'ios', '', 'é"}'), { maxKeys: 3 });
const qualitySeries: fc.Arbitrary<QualitySeries> = fc.record(
  { name: fc.constantFrom('a', 'b', 'a', ''), labels, grid, repairs, counter: fc.boolean() },
  { requiredKeys: ['name', 'labels', 'grid'] },
);
const options: fc.Arbitrary<QualityOptions> = fc.record(
  {
    rangeStartMs: time,
    rangeEndMs: time,
    nowMs: time,
    freshnessLimitMs: fc.oneof(fc.constant(300_000), fc.double()),
    validRange: fc.tuple(fc.double(), fc.double()),
    maxSeries: fc.oneof(fc.integer({ min: -1, max: 10 }), fc.double()),
    flatlineMs: fc.oneof(fc.constant(30 * MIN), fc.double()),
  },
  { requiredKeys: ['rangeStartMs', 'rangeEndMs', 'nowMs'] },
);

function assertWellFormed(check: QualityCheck): void {
  assert.ok((CHECK_IDS as readonly string[]).includes(check.id), check.id);
  assert.ok(CHECK_STATUSES.includes(check.status), check.status);
  assert.ok(Number.isFinite(check.value), `${check.id} value ${check.value}`);
  assert.ok(Number.isFinite(check.threshold), `${check.id} threshold ${check.threshold}`);
  assert.equal(typeof check.message, 'string');
  assert.ok(check.message.length > 0);
  assert.ok(check.series.length <= MAX_LISTED_SERIES);
  assert.ok(['percentunit', 's', 'short'].includes(check.unit));
}

describe('quality properties', () => {
  it('checkQuality answers any series and options', () => {
    fc.assert(
      fc.property(fc.array(qualitySeries, { maxLength: 6 }), options, (series, opts) => {
        const report = checkQuality(series, opts);
        assert.ok(report.score >= 0 && report.score <= 100, `score ${report.score}`);
        assert.equal(report.issues.length, series.length);
        report.issues.forEach((mask, i) => {
          assert.ok(mask instanceof Uint8Array);
          assert.equal(mask.length, series[i]!.grid.values.length);
          assert.ok(mask.every((m) => m === 0 || m === 1));
        });
        assert.equal(report.checks.length, CHECK_IDS.length - RELATED_CHECK_IDS.length);
        report.checks.forEach(assertWellFormed);
      }),
      { numRuns: 300 },
    );
  });

  it('checkQuality answers many series, with a mask per series', () => {
    fc.assert(
      fc.property(fc.array(qualitySeries, { minLength: 20, maxLength: 40 }), options, (series, opts) => {
        const report = checkQuality(series, { ...opts, maxSeries: 25 });
        assert.equal(report.issues.length, series.length);
        report.checks.forEach(assertWellFormed);
      }),
      { numRuns: 20 },
    );
  });

  it('marks every missing point of a regular series inside the range', () => {
    fc.assert(
      fc.property(values, (v) => {
        const g: Grid = { startMs: T0, stepMs: MIN, values: v };
        const opts = { rangeStartMs: T0, rangeEndMs: T0 + Math.max(0, v.length - 1) * MIN, nowMs: T0 + v.length * MIN + 86_400_000 };
        const report = checkQuality([{ name: 'a', labels: {}, grid: g }], opts);
        for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) assert.equal(report.issues[0]![i], 1, `point ${i}`);
        const completeness = report.checks[0]!;
        const finite = v.filter(Number.isFinite).length;
        if (v.length > 0) assert.ok(Math.abs(completeness.value - finite / v.length) < 1e-12);
      }),
      { numRuns: 200 },
    );
  });

  it('checkConsistency answers any grids', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONSISTENCY_RULES), grid, fc.array(grid, { maxLength: 4 }), (rule, a, more) => {
        const sides = rule.kind === 'at_most' ? { left: a, right: more[0] ?? a } : { parts: more, total: a };
        const check = checkConsistency(rule, sides);
        assertWellFormed(check);
        assert.equal(check.id, 'consistency');
        assert.equal(consistencyViolations(rule, sides).length, a.values.length);
        // A grid never contradicts itself.
        if (rule.kind === 'at_most') assert.equal(checkConsistency(rule, { left: a, right: a }).status, 'pass');
      }),
      { numRuns: 300 },
    );
  });
});
