import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toGrid } from '../../../../src/backend/analysis/grid';
import { checkConsistency, checkQuality, CHECK_IDS, CONSISTENCY_RULES, RELATED_CHECK_IDS, type QualitySeries } from '../../../../src/backend/analysis/quality';
import { grid, maskOf, MIN, optionsFor, range, series, T0, wave } from './helpers';

const N = 120;

describe('checkQuality', () => {
  it('runs every check in order and scores clean data 100', () => {
    const report = checkQuality([series('US', wave(N)), series('BR', wave(N, 40))], optionsFor(N, { validRange: [0, 1000] }));
    assert.deepEqual(
      report.checks.map((c) => c.id),
      CHECK_IDS.filter((id) => !RELATED_CHECK_IDS.includes(id)),
    );
    assert.ok(report.checks.every((c) => c.status === 'pass'), report.checks.map((c) => c.message).join('\n'));
    assert.equal(report.score, 100);
    assert.deepEqual(report.issues, [new Uint8Array(N), new Uint8Array(N)]);
  });

  it('joins the issue points of every check', () => {
    const values = wave(N);
    values[5] = NaN; // completeness
    values[6] = 5000; // validity
    for (const i of range(60, 100)) values[i] = 7; // flatline
    const report = checkQuality([series('US', values)], optionsFor(N, { validRange: [0, 1000] }));
    assert.deepEqual(report.issues[0], maskOf(N, [5, 6, ...range(60, 100)]));
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    assert.deepEqual(status, { completeness: 'pass', freshness: 'pass', validity: 'fail', counter_resets: 'pass', flatline: 'warn', duplicates: 'pass', cardinality: 'pass' });
    assert.equal(report.score, Math.round((100 * (N - 1)) / N * 10) / 10 - 30 - 10);
  });

  it('marks counter resets of raw counters', () => {
    const values = range(0, N).map((i) => (i < 50 ? i * 10 : (i - 50) * 10 + 1));
    const report = checkQuality([series('plays_total', values, { counter: true })], optionsFor(N));
    assert.deepEqual(report.issues[0], maskOf(N, [50]));
  });

  it('takes the GridRepairs of file input', () => {
    const times = [T0, T0 + MIN, T0 + MIN, T0 + 2 * MIN];
    const { grid: g, repairs } = toGrid(times, [1, 2, 3, 4], MIN);
    const report = checkQuality([{ name: 'file', labels: {}, grid: g, repairs }], optionsFor(3));
    const duplicates = report.checks.find((c) => c.id === 'duplicates')!;
    assert.equal(duplicates.status, 'fail');
    assert.match(duplicates.message, /1 conflicting sample/);
  });

  it('adds consistency results the caller evaluated', () => {
    const rule = CONSISTENCY_RULES[0]!;
    const broken = checkConsistency(rule, { left: grid([2, 2]), right: grid([1, 1]) });
    const report = checkQuality([series('a', wave(N))], optionsFor(N, { related: [broken] }));
    assert.equal(report.checks.at(-1), broken);
    assert.equal(report.score, 100 - 25);
  });

  it('answers for every kind of bad input without throwing', () => {
    const odd: QualitySeries[] = [
      series('empty', []),
      series('one', [1]),
      series('nan', [NaN, NaN, NaN]),
      series('inf', [Infinity, -Infinity, 1e308, -1e308]),
      { name: 'tiny step', labels: {}, grid: grid(wave(10), 1e-12) },
      { name: 'huge step', labels: {}, grid: grid(wave(10), 1e300) },
      { name: 'no step', labels: {}, grid: grid(wave(10), 0) },
      { name: 'nan step', labels: {}, grid: grid(wave(10), NaN) },
      { name: 'far future', labels: {}, grid: grid(wave(10), MIN, 1e300) },
      { name: 'missing grid', labels: {} } as unknown as QualitySeries,
      { name: 'plain array', labels: {}, grid: { startMs: T0, stepMs: MIN, values: [1, null, 3] } } as unknown as QualitySeries,
      null as unknown as QualitySeries,
    ];
    const report = checkQuality(odd, optionsFor(10, { freshnessLimitMs: -1, flatlineMs: NaN, maxSeries: 0, validRange: [0, 1] }));
    assert.equal(report.issues.length, odd.length);
    assert.deepEqual(
      report.issues.map((m) => m.length),
      [0, 1, 3, 4, 10, 10, 10, 10, 10, 0, 3, 0],
    );
    assert.ok(report.score >= 0 && report.score <= 100);
    for (const c of report.checks) assert.ok(Number.isFinite(c.value) && Number.isFinite(c.threshold), `${c.id}: ${c.value}`);
  });

  it('answers for no series, and for nonsense options', () => {
    const empty = checkQuality([], optionsFor(10));
    assert.deepEqual(empty.issues, []);
    assert.equal(empty.score, 0);
    const nonsense = checkQuality([series('a', wave(3))], { rangeStartMs: NaN, rangeEndMs: -Infinity, nowMs: NaN });
    assert.ok(nonsense.checks.every((c) => c.status !== 'fail'));
    assert.equal(checkQuality(undefined as never, undefined as never).checks.length, 7);
  });
});
