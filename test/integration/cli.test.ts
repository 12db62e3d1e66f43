// The built `encore` command (dist/cli/encore.mjs, package.json "bin") as a user runs it: a child
// process on temporary files. detect --out finds an injected incident in a daily-seasonal series;
// quality fails completeness for a file with a gap; one bad file is reported with file:line and
// exit 1 while the good file's result is still written; usage errors exit 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DAY_POINTS, noonOf, parseCsv, syntheticRows, toCsv, toNdjson } from '../unit/cli/synthetic';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'encore.mjs');

/** Newest modification time of the sources the bundle is made of. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** `npm test` builds first; run alone, this builds the bundle when it is missing or older than its sources. */
function ensureBundle(): void {
  const sources = Math.max(newestSource(join(ROOT, 'src', 'cli')), newestSource(join(ROOT, 'src', 'backend', 'analysis')));
  if (existsSync(BIN) && statSync(BIN).mtimeMs >= sources) return;
  // --frontend: the browser modules and the CLI, without the slow single executables.
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--frontend'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`build failed (exit ${result.status})`);
}

function encore(args: string[], options: { input?: string; cwd?: string } = {}) {
  const result = spawnSync(BIN, args, { cwd: options.cwd ?? dir, input: options.input ?? '', encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir: string;

before(() => {
  ensureBundle();
  dir = mkdtempSync(join(tmpdir(), 'encore-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('encore (built)', () => {
  it('is an executable script with a shebang', () => {
    assert.ok(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n'));
    assert.ok((statSync(BIN).mode & 0o111) !== 0, 'executable bits set');
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
    assert.equal(encore(['--version']).stdout, `encore ${version}\n`);
    assert.match(encore(['--help']).stdout, /^Usage: encore <command> \[options\] FILE\.\.\./);
  });

  it('runs as the package bin through npx in the project directory', () => {
    const result = spawnSync('npx', ['--no-install', 'encore', 'detect', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: encore detect/);
  });

  it('detect --out writes the detection columns and flags exactly the injected incident', () => {
    const incident = { from: noonOf(10), to: noonOf(10) + 12, factor: 0.4 };
    writeFileSync(join(dir, 'plays.csv'), toCsv(syntheticRows({ incident })));
    const { code, stdout, stderr } = encore(['detect', '--season', '1d', '--out', 'results', 'plays.csv']);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, '');
    assert.match(stderr, /^plays\.csv: wrote results\/plays\.csv \(4,032 points, 12 anomalous points in 1 event, quality 100\/100\)\n$/);
    const text = readFileSync(join(dir, 'results', 'plays.csv'), 'utf8');
    assert.equal(text.slice(0, text.indexOf('\n')), 'timestamp,value,expected,lower,upper,score,anomaly');
    const rows = parseCsv(text);
    assert.equal(rows.length, 14 * DAY_POINTS);
    const flagged = rows.flatMap((row, i) => (row.anomaly === '1' ? [i] : []));
    assert.deepEqual(flagged, Array.from({ length: 12 }, (_, k) => incident.from + k));
    for (const i of flagged) {
      const row = rows[i]!;
      assert.ok(Number(row.value) < Number(row.lower), `row ${i} below the band`);
      assert.ok(Number(row.score) >= 0.9);
    }
    assert.equal(rows[incident.from]!.timestamp, '2026-01-11T12:00:00Z');
  });

  it('detect without --out prints the events; the default season still finds the incident', () => {
    const incident = { from: noonOf(10), to: noonOf(10) + 12, factor: 0.4 };
    writeFileSync(join(dir, 'auto.csv'), toCsv(syntheticRows({ incident })));
    const { code, stdout } = encore(['detect', 'auto.csv']);
    assert.equal(code, 0);
    assert.match(stdout, /^auto\.csv: 1 series, 4,032 points every 5m, quality 100\/100\n/);
    assert.match(stdout, /\n {2}anomaly events:\n/);
    assert.match(stdout, /\n {4}auto +2026-01-11T12:00:00Z +\S+ +\S+ +[\d.]+ +[\d.]+ +1\.0000 +critical +down +\d+\n/);
  });

  it('quality prints a failing completeness check for a file with a gap', () => {
    writeFileSync(join(dir, 'gap.csv'), toCsv(syntheticRows({ days: 3, gap: { from: 300, to: 450 } })));
    const { code, stdout } = encore(['quality', 'gap.csv']);
    assert.equal(code, 0);
    assert.match(stdout, /^gap\.csv: 1 series, 864 points every 5m, 2026-01-01T00:00:00Z to 2026-01-03T23:55:00Z, now 2026-01-03T23:55:00Z \(the last timestamp\)\n/);
    assert.match(stdout, /\n {2}status +check +value +threshold +message\n/);
    assert.match(stdout, /\n {2}FAIL +Completeness +82\.6 % +90\.0 % +1 of 1 series miss points/);
    assert.match(stdout, /\n {2}PASS +Freshness +0s +2m30s /);
    assert.match(stdout, /\n {2}quality score: 62\.6\/100\n/);
  });

  it('one bad file is reported with file:line and exit 1; the good file is still written', () => {
    writeFileSync(join(dir, 'bad.csv'), 'timestamp,value\n1767225600,1\n1767225900,2\n1767226200,abc\n');
    writeFileSync(join(dir, 'good.ndjson'), toNdjson(syntheticRows({ days: 2 })));
    const { code, stderr } = encore(['detect', '--out', 'mixed', 'bad.csv', 'good.ndjson']);
    assert.equal(code, 1);
    assert.match(stderr, /^bad\.csv:4: value: expected a number, got "abc"$/m);
    assert.match(stderr, /^good\.ndjson: wrote mixed\/good\.csv /m);
    assert.match(stderr, /^encore detect: 1 of 2 files failed$/m);
    const rows = parseCsv(readFileSync(join(dir, 'mixed', 'good.csv'), 'utf8'));
    assert.equal(rows.length, 2 * DAY_POINTS);
    assert.equal(rows[0]!.timestamp, String(Date.UTC(2026, 0, 1)), 'epoch milliseconds in, epoch milliseconds out');
    assert.ok(!existsSync(join(dir, 'mixed', 'bad.csv')));
  });

  it('reads stdin with -', () => {
    const { code, stdout } = encore(['quality', '--format', 'json', '-'], { input: toCsv(syntheticRows({ days: 1 }), 'seconds') });
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as { files: Array<{ file: string; ok: boolean; score: number }> };
    assert.deepEqual(
      report.files.map((f) => [f.file, f.ok, f.score]),
      [['stdin', true, 100]],
    );
  });

  it('exits 2 on usage errors, before reading any file', () => {
    const unknown = encore(['detect', '--bogus', 'plays.csv']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /^encore detect: Unknown option '--bogus'\n\(encore detect --help lists the options\)\n$/);
    assert.equal(encore(['detect', '--algorithm', 'psychic', 'plays.csv']).code, 2);
    assert.equal(encore(['quality']).code, 2);
    assert.equal(encore(['frobnicate']).code, 2);
  });

  it('exits 3 with --fail-on-anomaly when the incident is found', () => {
    writeFileSync(join(dir, 'incident.csv'), toCsv(syntheticRows({ incident: { from: noonOf(10), to: noonOf(10) + 12, factor: 0.4 } })));
    writeFileSync(join(dir, 'calm.csv'), toCsv(syntheticRows({ days: 4 })));
    assert.equal(encore(['detect', '--quiet', '--season', '1d', '--fail-on-anomaly', 'calm.csv']).code, 0);
    const { code } = encore(['detect', '--quiet', '--season', '1d', '--fail-on-anomaly', 'calm.csv', 'incident.csv']);
    assert.equal(code, 3);
  });
});
