// Flags of `encore detect` and `encore quality`: defaults, accepted forms, and usage errors that
// name the flag and what it expects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lengthFlag, parseDetectArgs, parseQualityArgs, rangeFlag, timeFlag, UsageError } from '../../../src/cli/options';
import { Progress } from '../../../src/cli/progress';
import { formatNumber, formatPercent, formatWithUnit, renderTable } from '../../../src/cli/format';
import { pointsOf } from '../../../src/cli/detect-command';

const usage = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.match(error.message, pattern);
    return true;
  });

describe('detect flags', () => {
  it('has defaults for everything but the files', () => {
    const s = parseDetectArgs(['a.csv', 'b.ndjson'])!;
    assert.deepEqual(s.files, ['a.csv', 'b.ndjson']);
    assert.equal(s.algorithm, 'auto');
    assert.equal(s.direction, 'both');
    assert.equal(s.sensitivity, undefined);
    assert.deepEqual(s.minDuration, { points: 1 });
    assert.equal(s.season, 'auto');
    assert.equal(s.format, 'table');
    assert.equal(s.out, undefined);
    assert.equal(s.failOnAnomaly, false);
  });

  it('reads every flag', () => {
    const s = parseDetectArgs([
      '--algorithm', 'holt_winters', '--sensitivity', '0.8', '--direction', 'down', '--min-duration', '15m', '--season', '1w',
      '--step', '5m', '--format', 'json', '--quiet', '--progress', '--out', 'res', '--fail-on-anomaly', '--time-unit', 'ms', '-',
    ])!;
    assert.equal(s.algorithm, 'holt_winters');
    assert.equal(s.sensitivity, 0.8);
    assert.equal(s.direction, 'down');
    assert.deepEqual(s.minDuration, { ms: 900_000 });
    assert.deepEqual(s.season, { ms: 604_800_000 });
    assert.equal(s.stepMs, 300_000);
    assert.equal(s.format, 'json');
    assert.equal(s.quiet, true);
    assert.equal(s.progress, true);
    assert.equal(s.out, 'res');
    assert.equal(s.failOnAnomaly, true);
    assert.equal(s.timeUnit, 'milliseconds');
    assert.deepEqual(s.files, ['-']);
  });

  it('returns nothing for --help', () => {
    assert.equal(parseDetectArgs(['--help']), undefined);
    assert.equal(parseDetectArgs(['a.csv', '-h']), undefined);
  });

  it('rejects bad values with the flag and what it expects', () => {
    usage(() => parseDetectArgs([]), /expected at least one FILE/);
    usage(() => parseDetectArgs(['--algorithm', 'magic', 'a.csv']), /^--algorithm: expected one of rolling, ewma, seasonal, holt_winters, auto, got "magic"$/);
    usage(() => parseDetectArgs(['--sensitivity', '2', 'a.csv']), /^--sensitivity: expected a number from 0 to 1, got "2"$/);
    usage(() => parseDetectArgs(['--sensitivity', '', 'a.csv']), /--sensitivity/);
    usage(() => parseDetectArgs(['--direction', 'sideways', 'a.csv']), /^--direction: expected one of up, down, both/);
    usage(() => parseDetectArgs(['--min-duration', '0', 'a.csv']), /^--min-duration: expected a number of points/);
    usage(() => parseDetectArgs(['--season', 'daily', 'a.csv']), /^--season: expected a duration/);
    usage(() => parseDetectArgs(['--season', 'none', '--algorithm', 'seasonal', 'a.csv']), /needs a season/);
    usage(() => parseDetectArgs(['--season', '1d', '--algorithm', 'ewma', 'a.csv']), /has no season/);
    usage(() => parseDetectArgs(['--format', 'xml', 'a.csv']), /^--format: expected one of table, json/);
    usage(() => parseDetectArgs(['--step', '0s', 'a.csv']), /^--step: expected a duration/);
    usage(() => parseDetectArgs(['--frobnicate', 'a.csv']), /Unknown option '--frobnicate'$/);
    usage(() => parseDetectArgs(['-', '-']), /stdin \(-\) can be read only once/);
    usage(() => parseDetectArgs(['--time-unit', 'min', 'a.csv']), /^--time-unit: expected one of s, ms/);
  });

  it('turns durations into points once the step is known', () => {
    assert.equal(pointsOf({ points: 4 }, 60_000), 4);
    assert.equal(pointsOf({ ms: 900_000 }, 300_000), 3);
    assert.equal(pointsOf({ ms: 1_000_000 }, 300_000), 4);
    assert.equal(pointsOf({ ms: 1000 }, 300_000), 1);
    assert.deepEqual(lengthFlag('x', '7', { points: 1 }), { points: 7 });
  });
});

describe('quality flags', () => {
  const clock = () => 1_767_614_400_000;

  it('reads --now in every form, and leaves it unset by default', () => {
    assert.equal(parseQualityArgs(['a.csv'])!.nowMs, undefined);
    assert.equal(parseQualityArgs(['--now', 'now', 'a.csv'], clock)!.nowMs, clock());
    assert.equal(timeFlag('now', '2026-01-05T12:00:00Z'), clock());
    assert.equal(timeFlag('now', '1767614400'), clock());
    assert.equal(timeFlag('now', '1767614400000'), clock());
    usage(() => timeFlag('now', 'tomorrow'), /^--now: expected "now", an ISO-8601 time/);
  });

  it('reads the limits, the valid range and --counter', () => {
    const s = parseQualityArgs(['--freshness', '10m', '--flatline', '1h', '--valid-range', '0:1', '--max-series', '500', '--counter', '--fail-on-quality', 'a.csv'])!;
    assert.equal(s.freshnessMs, 600_000);
    assert.equal(s.flatlineMs, 3_600_000);
    assert.deepEqual(s.validRange, [0, 1]);
    assert.equal(s.maxSeries, 500);
    assert.equal(s.counter, true);
    assert.equal(s.failOnQuality, true);
  });

  it('takes open-ended valid ranges and rejects the rest', () => {
    assert.deepEqual(rangeFlag('valid-range', '0:'), [0, Infinity]);
    assert.deepEqual(rangeFlag('valid-range', ':100'), [-Infinity, 100]);
    assert.deepEqual(rangeFlag('valid-range', '-5:-1e-3'), [-5, -0.001]);
    for (const bad of ['1', '2:1', 'a:b', ':', '0:1:2']) usage(() => rangeFlag('valid-range', bad), /^--valid-range: expected MIN:MAX/);
    usage(() => parseQualityArgs(['--max-series', '0', 'a.csv']), /^--max-series: expected a whole number from 1/);
  });
});

describe('progress', () => {
  it('prints at most once per interval, the first line only after one interval', () => {
    let now = 0;
    const lines: string[] = [];
    const progress = new Progress({ enabled: true, write: (t) => lines.push(t), now: () => now, everyMs: 1000 });
    progress.startFile('big.csv');
    progress.addRows(65_536);
    now = 999;
    progress.addRows(65_536);
    assert.deepEqual(lines, []);
    now = 1000;
    progress.addRows(65_536);
    now = 1500;
    progress.addPoints(10);
    now = 2100;
    progress.addPoints(196_598);
    assert.deepEqual(lines, ['encore: 196,608 rows read, 0 points analysed (big.csv)\n', 'encore: 196,608 rows read, 196,608 points analysed (big.csv)\n']);
  });

  it('is silent when disabled, and wanted on a terminal unless --quiet, or with --progress', () => {
    const lines: string[] = [];
    let now = 0;
    const progress = new Progress({ enabled: false, write: (t) => lines.push(t), now: () => (now += 5000) });
    progress.addRows(1);
    assert.deepEqual(lines, []);
    assert.equal(Progress.wanted({ quiet: false, progress: false }, true), true);
    assert.equal(Progress.wanted({ quiet: true, progress: false }, true), false);
    assert.equal(Progress.wanted({ quiet: false, progress: false }, false), false);
    assert.equal(Progress.wanted({ quiet: true, progress: true }, false), true);
  });
});

describe('format', () => {
  it('aligns columns, numbers to the right, without trailing blanks', () => {
    const text = renderTable(
      ['name', 'n', 'note'],
      [
        ['a', '1', ''],
        ['long', '100', 'x'],
      ],
      { right: [1] },
    );
    assert.equal(text, 'name    n  note\na       1\nlong  100  x');
  });

  it('writes numbers and units for people', () => {
    assert.equal(formatNumber(1234.56789), '1234.57');
    assert.equal(formatNumber(NaN), '-');
    assert.equal(formatNumber(0.00001234), '1.234e-5');
    assert.equal(formatPercent(0.9996), '>99.9 %');
    assert.equal(formatWithUnit(0.952, 'percentunit'), '95.2 %');
    assert.equal(formatWithUnit(300, 's'), '5m');
    assert.equal(formatWithUnit(0, 's'), '0s');
    assert.equal(formatWithUnit(3, 'short'), '3');
    assert.equal(formatWithUnit(3, 'bytes'), '3 bytes');
  });
});
