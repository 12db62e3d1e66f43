// `encore detect` and `encore quality` in process, on temporary files: what they print and write,
// quality before anomalies, and the exit codes. test/integration/cli.test.ts runs the built bundle.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FileSummary } from '../../../src/cli/detect-command';
import type { Io } from '../../../src/cli/io';
import { run } from '../../../src/cli/main';
import type { QualitySummary } from '../../../src/cli/quality-command';
import { random } from '../analysis/random';
import { DAY_POINTS, noonOf, parseCsv, START_MS, STEP_MS, syntheticRows, toCsv, toNdjson } from './synthetic';

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'encore-cli-unit-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function encore(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stdin: Readable.from([Buffer.from(stdin)]), stderrIsTty: false };
  const code = await run(args, io);
  return { code, stdout, stderr };
}

const incident = { from: noonOf(10), to: noonOf(10) + 12, factor: 0.4 };
const iso = (point: number) => new Date(START_MS + point * STEP_MS).toISOString().replace('.000Z', 'Z');

describe('encore detect', () => {
  it('finds an injected incident in a daily-seasonal series, and only it', async () => {
    const path = file('incident.csv', toCsv(syntheticRows({ incident })));
    const { code, stdout, stderr } = await encore(['detect', '--season', '1d', '--format', 'json', path]);
    assert.equal(code, 0, stderr);
    const [summary] = (JSON.parse(stdout) as { files: FileSummary[] }).files;
    assert.ok(summary?.ok);
    const [series] = summary.series;
    assert.equal(series!.algorithm, 'seasonal');
    assert.equal(series!.periodPoints, DAY_POINTS);
    assert.equal(series!.events.length, 1);
    const [event] = series!.events;
    assert.equal(event!.start, iso(incident.from));
    assert.equal(event!.end, iso(incident.to - 1));
    assert.equal(event!.direction, 'down');
    assert.equal(event!.severity, 'critical');
  });

  it('does not report a stuck sender as an anomaly: the flatline check masks it', async () => {
    // Three hours stuck at 06:00 of day 9, while the daily curve climbs fastest.
    const flatline = { from: 9 * DAY_POINTS + 72, to: 9 * DAY_POINTS + 108 };
    const path = file('stuck.csv', toCsv(syntheticRows({ flatline })));
    const { code, stdout } = await encore(['detect', '--season', '1d', '--format', 'json', path]);
    assert.equal(code, 0);
    const [summary] = (JSON.parse(stdout) as { files: FileSummary[] }).files;
    assert.ok(summary?.ok);
    const flat = summary.quality.checks.find((c) => c.id === 'flatline');
    assert.equal(flat?.status, 'warn', flat?.message);
    // Nothing is reported from the stuck stretch, nor from the hour after it when the values jump
    // back to the curve.
    const masked = { from: iso(flatline.from), to: iso(flatline.to + 12) };
    const inside = summary.series[0]!.events.filter((e) => e.end >= masked.from && e.start <= masked.to);
    assert.deepEqual(inside, []);
  });

  it('writes timestamp,value,expected,lower,upper,score,anomaly in the input time format', async () => {
    const out = join(dir, 'out-format');
    const path = file('seconds.csv', toCsv(syntheticRows({ days: 4, incident: { from: noonOf(3), to: noonOf(3) + 6, factor: 3 } }), 'seconds'));
    const { code, stderr } = await encore(['detect', '--out', out, path]);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /seconds\.csv: wrote .*seconds\.csv \(1,152 points, \d+ anomalous points in 1 event, quality 100\/100\)/);
    const text = readFileSync(join(out, 'seconds.csv'), 'utf8');
    assert.equal(text.split('\n')[0], 'timestamp,value,expected,lower,upper,score,anomaly');
    const rows = parseCsv(text);
    assert.equal(rows.length, 4 * DAY_POINTS);
    assert.equal(rows[0]!.timestamp, String(START_MS / 1000));
    assert.equal(rows[0]!.expected, '', 'nothing expected before the detector has learned');
    for (const row of rows) {
      assert.match(row.score!, /^[01]\.\d{4}$/);
      assert.ok(row.anomaly === '0' || row.anomaly === '1');
    }
    const spike = rows[noonOf(3)]!;
    assert.equal(spike.anomaly, '1');
    assert.ok(Number(spike.value) > Number(spike.upper));
  });

  it('keeps a series column when the input has one', async () => {
    const out = join(dir, 'out-series');
    const lines = ['{"timestamp":1767614400,"value":1,"series":"a"}', '{"timestamp":1767614400,"value":2,"series":"b,c"}'];
    const path = file('two.ndjson', `${lines.join('\n')}\n`);
    assert.equal((await encore(['detect', '-q', '--out', out, path])).code, 0);
    assert.equal(readFileSync(join(out, 'two.csv'), 'utf8'), 'series,timestamp,value,expected,lower,upper,score,anomaly\na,1767614400,1,,,,0.0000,0\n"b,c",1767614400,2,,,,0.0000,0\n');
  });

  it('outputs a one-point file with nothing expected and score 0', async () => {
    const out = join(dir, 'out-one');
    const path = file('one.csv', 'timestamp,value\n2026-01-05T12:00:00Z,5\n');
    assert.equal((await encore(['detect', '--quiet', '--out', out, path])).code, 0);
    assert.equal(readFileSync(join(out, 'one.csv'), 'utf8'), 'timestamp,value,expected,lower,upper,score,anomaly\n2026-01-05T12:00:00Z,5,,,,0.0000,0\n');
  });

  it('reads NDJSON from stdin and prints a table', async () => {
    const { code, stdout } = await encore(['detect', '--season', 'none', '-'], toNdjson(syntheticRows({ days: 2 })));
    assert.equal(code, 0);
    assert.match(stdout, /^stdin: 1 series, 576 points every 5m, quality 100\/100\n/);
    assert.match(stdout, /\n {2}stdin +576 +2026-01-01T00:00:00Z +2026-01-02T23:55:00Z +rolling +- /);
  });

  it('reports a bad file with file:line, goes on with the others, and exits 1', async () => {
    const out = join(dir, 'out-mixed');
    const bad = file('bad.csv', 'timestamp,value\n2026-01-05T12:00:00Z,1\n2026-01-05T12:05:00Z,abc\n');
    const good = file('good.csv', toCsv(syntheticRows({ days: 1 })));
    const { code, stderr } = await encore(['detect', '--out', out, bad, join(dir, 'nope.csv'), good]);
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: value: expected a number, got "abc"`));
    assert.match(stderr, /nope\.csv: no such file/);
    assert.match(stderr, /encore detect: 2 of 3 files failed/);
    assert.ok(existsSync(join(out, 'good.csv')));
    assert.ok(!existsSync(join(out, 'bad.csv')));
  });

  it('refuses to overwrite an input or write one result twice', async () => {
    const a = file('same.csv', toCsv(syntheticRows({ days: 1 })));
    const { code, stderr } = await encore(['detect', '-q', '--out', dir, a]);
    assert.equal(code, 1);
    assert.match(stderr, /--out would write .*same\.csv, which is an input file/);
    const b = file('same.ndjson', toNdjson(syntheticRows({ days: 1 })));
    const second = await encore(['detect', '-q', '--out', join(dir, 'out-twice'), a, b]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /same\.ndjson: --out would write .*same\.csv again \(already written for .*same\.csv\)/);
  });

  it('exits 3 with --fail-on-anomaly when anomalies are found, 0 when not', async () => {
    const spiky = file('spiky.csv', toCsv(syntheticRows({ incident })));
    const calm = file('calm.csv', toCsv(syntheticRows({ days: 4 })));
    assert.equal((await encore(['detect', '--season', '1d', '--fail-on-anomaly', spiky])).code, 3);
    assert.equal((await encore(['detect', '--season', '1d', '--fail-on-anomaly', calm])).code, 0);
  });

  it('reports a --season shorter than two steps for the file it meets', async () => {
    const path = file('short-season.csv', toCsv(syntheticRows({ days: 1 })));
    const { code, stderr } = await encore(['detect', '--season', '5m', path]);
    assert.equal(code, 1);
    assert.match(stderr, /short-season\.csv: --season 5m is shorter than two steps of 5m/);
  });
});

/**
 * A market's payment failure rate with its payments: one or two payments in two of five steps,
 * 3 % failing, for `days` days; from `outageFrom` (a step) for three hours half of them fail.
 */
function paymentsCsv(days: number, outageFrom?: number): string {
  const next = random(3);
  const lines = ['timestamp,value,events'];
  for (let i = 0; i < days * DAY_POINTS; i++) {
    const n = next() < 0.4 ? 1 + Math.floor(next() * 2) : 0;
    const failing = outageFrom !== undefined && i >= outageFrom && i < outageFrom + 36 ? 0.5 : 0.03;
    let k = 0;
    for (let j = 0; j < n; j++) if (next() < failing) k++;
    lines.push(`${iso(i)},${n > 0 ? k / n : ''},${n}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('encore detect and quality on a share with its events', () => {
  it('reads a sparse share by its counts and flags the outage in it', async () => {
    const outageFrom = 8 * DAY_POINTS;
    const path = file('payments.csv', paymentsCsv(10, outageFrom));
    const { code, stdout, stderr } = await encore(['detect', '--format', 'json', path]);
    assert.equal(code, 0, stderr);
    const [summary] = (JSON.parse(stdout) as { files: FileSummary[] }).files;
    assert.ok(summary?.ok);
    const [series] = summary.series;
    assert.equal(series!.algorithm, 'binomial');
    assert.ok(series!.events.some((e) => e.start >= iso(outageFrom) && e.start <= iso(outageFrom + 40) && e.direction === 'up'), JSON.stringify(series!.events));
    // Steps without payments are no gap.
    assert.equal(summary.quality.checks.find((c) => c.id === 'completeness')?.status, 'pass');
  });

  it('counts steps without events as complete in encore quality, and as gaps without the column', async () => {
    const text = paymentsCsv(2);
    const withEvents = await encore(['quality', file('pay-events.csv', text)]);
    assert.match(withEvents.stdout, /\n {2}PASS +Completeness/);
    const withoutEvents = await encore(['quality', file('pay-values.csv', text.replace(/,\d+\n/g, '\n').replace('value,events', 'value'))]);
    assert.match(withoutEvents.stdout, /\n {2}FAIL +Completeness/);
  });
});

describe('encore quality', () => {
  it('fails completeness for a file with a long gap, and scores it', async () => {
    const path = file('gappy.csv', toCsv(syntheticRows({ days: 2, gap: { from: 100, to: 200 } })));
    const { code, stdout } = await encore(['quality', path]);
    assert.equal(code, 0);
    assert.match(stdout, /\n {2}FAIL +Completeness +82\.6 % +90\.0 % +1 of 1 series miss points/);
    assert.match(stdout, /now 2026-01-02T23:55:00Z \(the last timestamp\)/);
    assert.match(stdout, /quality score: \d+(\.\d)?\/100/);
    assert.equal((await encore(['quality', '--fail-on-quality', path])).code, 3);
  });

  it('judges freshness against --now, and the tail up to it as missing', async () => {
    const path = file('old.csv', toCsv(syntheticRows({ days: 1 })));
    const { stdout } = await encore(['quality', '--format', 'json', '--now', '2026-01-02T01:00:00Z', path]);
    const [summary] = (JSON.parse(stdout) as { files: QualitySummary[] }).files;
    assert.ok(summary?.ok);
    const freshness = summary.checks.find((c) => c.id === 'freshness')!;
    assert.equal(freshness.status, 'fail');
    assert.equal(freshness.value, 3900);
    assert.equal(summary.range.end, '2026-01-02T01:00:00Z');
  });

  it('fails validity outside --valid-range and counts resets with --counter', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${1767614400 + i * 60},${i < 20 ? i * 10 : (i - 20) * 10}`);
    const path = file('counter.csv', `timestamp,value\n${rows.join('\n')}\n`);
    const { stdout } = await encore(['quality', '--format', 'json', '--counter', '--valid-range', '0:150', path]);
    const [summary] = (JSON.parse(stdout) as { files: QualitySummary[] }).files;
    assert.ok(summary?.ok);
    const byId = Object.fromEntries(summary.checks.map((c) => [c.id, c]));
    assert.equal(byId.validity!.status, 'fail');
    assert.equal(byId.validity!.value, 8);
    assert.equal(byId.counter_resets!.value, 1);
  });
});

describe('encore', () => {
  it('prints help and the version, and exits 2 on usage errors', async () => {
    const help = await encore(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: encore <command>/);
    assert.match((await encore(['detect', '--help'])).stdout, /^Usage: encore detect/);
    assert.match((await encore(['help', 'quality'])).stdout, /^Usage: encore quality/);
    assert.match((await encore(['--version'])).stdout, /^encore \d+\.\d+\.\d+/);
    const unknown = await encore(['explode']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^encore: unknown command "explode"/);
    const bad = await encore(['detect', '--sensitivity', '5', 'x.csv']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'encore detect: --sensitivity: expected a number from 0 to 1, got "5"\n(encore detect --help lists the options)\n');
    assert.equal((await encore([])).code, 2);
  });
});
