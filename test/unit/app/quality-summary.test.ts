// The overview's data-quality summary from the frames a `quality` query answers: the check table
// (output table) with the score in its meta, the score frame (output score), and levels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMeasure, formatScore, summariseQuality, verdictLook, type FrameLike } from '../../../src/app/quality-summary';

/** A check table shaped like the backend's qualityFrame (src/backend/query/analysis/quality.ts). */
function table(rows: Array<[id: string, status: string, value: number, threshold: number, unit: string, message: string, series: string]>, score?: number): FrameLike {
  const column = (name: string, index: number) => ({ name, values: rows.map((row) => row[index]) });
  return {
    name: 'Data quality',
    refId: 'quality',
    meta: score === undefined ? {} : { custom: { qualityScore: score } },
    fields: [
      column('check', 0),
      { name: 'title', values: rows.map((row) => row[0].replace('_', ' ')) },
      column('status', 1),
      { name: 'level', values: rows.map((row) => ({ pass: 0, warn: 1, fail: 2 })[row[1]]) },
      column('value', 2),
      column('threshold', 3),
      column('unit', 4),
      column('message', 5),
      column('series', 6),
    ],
  };
}

describe('summariseQuality', () => {
  it('reads the score and lists failures before warnings', () => {
    const summary = summariseQuality([
      table(
        [
          ['completeness', 'warn', 0.97, 0.95, 'percentunit', '97% of expected points present', 'BR'],
          ['freshness', 'fail', 900, 300, 's', 'newest sample is 15m old, limit 5m', 'BR, US'],
          ['validity', 'pass', 0, 0, 'percentunit', 'all values in range', ''],
        ],
        65,
      ),
    ]);
    assert.ok(summary);
    assert.equal(summary.score, 65);
    assert.equal(summary.verdict, 'poor');
    assert.deepEqual(summary.counts, { pass: 1, warn: 1, fail: 1 });
    assert.deepEqual(summary.problems.map((c) => c.id), ['freshness', 'completeness']);
    const freshness = summary.problems[0]!;
    assert.deepEqual(freshness.series, ['BR', 'US']);
    assert.equal(freshness.value, 900);
    assert.equal(freshness.threshold, 300);
    assert.equal(freshness.title, 'freshness');
    assert.deepEqual(summary.checks[2]!.series, []);
  });

  it('gives good, degraded and poor by score band', () => {
    const passing = table([['validity', 'pass', 0, 0, 'percentunit', 'ok', '']]);
    assert.equal(summariseQuality([{ ...passing, meta: { custom: { qualityScore: 100 } } }])!.verdict, 'good');
    assert.equal(summariseQuality([{ ...passing, meta: { custom: { qualityScore: 90 } } }])!.verdict, 'good');
    assert.equal(summariseQuality([{ ...passing, meta: { custom: { qualityScore: 89.9 } } }])!.verdict, 'degraded');
    assert.equal(summariseQuality([{ ...passing, meta: { custom: { qualityScore: 70 } } }])!.verdict, 'degraded');
    assert.equal(summariseQuality([{ ...passing, meta: { custom: { qualityScore: 69.9 } } }])!.verdict, 'poor');
  });

  it('reads the score frame of output score', () => {
    const summary = summariseQuality([{ name: 'Quality score', fields: [{ name: 'Time', values: [1_700_000_000_000] }, { name: 'Quality score', values: [82.5] }] }]);
    assert.deepEqual(summary, { score: 82.5, verdict: 'degraded', checks: [], problems: [], counts: { pass: 0, warn: 0, fail: 0 } });
  });

  it('takes numeric levels when there is no status column, and skips rows it cannot read', () => {
    const summary = summariseQuality([
      {
        fields: [
          { name: 'check', values: ['freshness', 'flatline', '', 'duplicates'] },
          { name: 'level', values: [2, 0, 2, 7] },
        ],
      },
    ]);
    assert.ok(summary);
    assert.deepEqual(summary.checks.map((c) => [c.id, c.status]), [['freshness', 'fail'], ['flatline', 'pass']]);
    assert.equal(summary.score, undefined);
    assert.equal(summary.verdict, 'poor', 'without a score a failure is poor');
  });

  it('keeps non-finite measurements out', () => {
    const summary = summariseQuality([table([['completeness', 'fail', Number.NaN, 0.8, 'percentunit', 'no data', 'all']], 0)]);
    assert.equal(summary!.problems[0]!.value, undefined);
    assert.equal(summary!.problems[0]!.threshold, 0.8);
  });

  it('answers undefined for frames that are no quality answer', () => {
    assert.equal(summariseQuality([]), undefined);
    assert.equal(summariseQuality([{ fields: [{ name: 'Time', values: [1] }, { name: 'Value', values: [2] }] }]), undefined);
  });

  it('an empty check table is a known "no checks" rather than no answer', () => {
    const summary = summariseQuality([table([], 0)]);
    assert.ok(summary);
    assert.equal(summary.checks.length, 0);
    assert.equal(summary.score, 0);
  });
});

describe('formatting', () => {
  it('formats measures in their unit', () => {
    assert.equal(formatMeasure(0.953, 'percentunit'), '95.3%');
    assert.equal(formatMeasure(1, 'percentunit'), '100%');
    assert.equal(formatMeasure(330, 's'), '5.5 min');
    assert.equal(formatMeasure(7200, 's'), '2 h');
    assert.equal(formatMeasure(42, 's'), '42 s');
    assert.equal(formatMeasure(1234.5, 'short'), '1235');
    assert.equal(formatMeasure(undefined, 's'), '–');
  });

  it('formats the score and verdicts', () => {
    assert.equal(formatScore(87.25), '87.3');
    assert.equal(formatScore(undefined), '–');
    assert.deepEqual(verdictLook('poor'), { text: 'Poor', color: 'red' });
    assert.deepEqual(verdictLook('unknown'), { text: 'No score', color: 'darkgrey' });
  });
});
