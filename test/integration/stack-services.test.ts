// What the services image runs (Dockerfile target "services"), without Docker: the bundles that
// scripts/build-services.mjs writes, started as docker-compose.yml starts them (its environment
// variables, the token file, the status files and the health checks), on plain Node.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServices } from '../../scripts/build-services.mjs';
import { waitHealthy } from '../../src/stack/health';
import { findFreePort } from '../../src/stack/ports';
import { backfillArgs, collectorEnvironment, liveArgs, repoPath, STACK_FILES, TOKEN_FILE } from '../../src/stack/services';
import { supervise, type Supervised } from '../../src/stack/supervise';

const dir = mkdtempSync(join(tmpdir(), 'encore-services-'));
const bundles = join(dir, 'app');
const tokenFile = join(dir, 'run', TOKEN_FILE);
let collector: Supervised;
let collectorUrl: string;

/** node <bundle> args → exit code and output */
async function node(bundle: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(bundles, bundle), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, output }));
  });
}

before(async () => {
  await buildServices(bundles);
  const port = await findFreePort();
  collectorUrl = `http://127.0.0.1:${port}`;
  mkdirSync(join(dir, 'run'));
  collector = supervise({
    name: 'collector',
    command: process.execPath,
    args: [join(bundles, 'collector.mjs'), '--drain-seconds', '0'],
    env: { ...process.env, ...collectorEnvironment({ host: '127.0.0.1', port, tokenFile }) },
    unref: true,
  });
  // the container's health check, as compose runs it
  await waitHealthy(async () => ((await node('healthcheck.mjs', ['http', `${collectorUrl}/readyz`])).code === 0 ? undefined : 'not ready'), {
    what: 'collector bundle',
    timeoutMs: 30_000,
    abandon: () => (collector.running() ? undefined : collector.logs()),
  });
});

after(async () => {
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the services image, without Docker', () => {
  it('bundles three self-contained modules', () => {
    assert.deepEqual(readdirSync(bundles).sort(), ['collector.mjs', 'healthcheck.mjs', 'simulator.mjs']);
    // no import of a package: everything but Node's own modules is inlined
    for (const file of readdirSync(bundles)) {
      const imports = [...readFileSync(join(bundles, file), 'utf8').matchAll(/^import .* from ["']([^"']+)["'];?$/gm)].map((m) => m[1]!);
      assert.deepEqual(imports.filter((name) => !name.startsWith('node:') && !/^[a-z_]+$/.test(name)), [], file);
    }
  });

  it('the collector created its token file (mode 0600) and accepts that token only', async () => {
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    const post = (auth: string) => fetch(`${collectorUrl}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${auth}` }, body: '[]' });
    assert.equal((await post(token)).status, 200);
    assert.equal((await post('not-the-token-1234')).status, 401);
  });

  it('the live simulator finds the token in the file, sends, and its status file passes the health check', async () => {
    const statusFile = join(dir, 'simulator-status.json');
    const args = liveArgs({ collectorUrl, scenario: repoPath(STACK_FILES.liveScenario), users: 20_000, seed: 3, statusFile });
    const result = await node('simulator.mjs', [...args, '--warmup', '2m', '--duration', '3s', '--progress', '1s'], { ENCORE_COLLECTOR_TOKEN: '', ENCORE_COLLECTOR_TOKEN_FILE: tokenFile });
    assert.equal(result.code, 0, result.output);
    const status = JSON.parse(readFileSync(statusFile, 'utf8')) as { state: string; accepted: number; caughtUp?: string };
    assert.equal(status.state, 'done');
    assert.ok(status.accepted > 0 && status.caughtUp, JSON.stringify(status));
    assert.equal((await node('healthcheck.mjs', ['status', statusFile, '60'])).code, 0);
    const metrics = await (await fetch(`${collectorUrl}/metrics`)).text();
    assert.match(metrics, /^encore_play_attempts_total\{/m);
  });

  it('the backfill loads blocks once per data directory (--once), with promtool', async () => {
    const tsdb = join(dir, 'tsdb');
    const statusFile = join(dir, 'backfill-status.json');
    const args = [...backfillArgs({ days: 0.05, scenario: repoPath(STACK_FILES.historyScenario), users: 2000, seed: 1, tsdb, workDir: join(dir, 'om'), statusFile }), '--warmup', '10m'];
    const first = await node('simulator.mjs', args);
    assert.equal(first.code, 0, first.output);
    assert.equal(JSON.parse(readFileSync(statusFile, 'utf8')).state, 'done');
    const marker = JSON.parse(readFileSync(join(tsdb, 'encore-backfill.json'), 'utf8')) as { state: string };
    assert.equal(marker.state, 'done');
    assert.ok(existsSync(join(tsdb, 'encore-backfill-labels.json')));
    const blocks = readdirSync(tsdb).filter((name) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(name));
    assert.ok(blocks.length > 0, `no blocks in ${readdirSync(tsdb).join(', ')}`);

    const second = await node('simulator.mjs', args);
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /already holds the backfill .* nothing to do \(--once\)/);
    assert.equal(JSON.parse(readFileSync(statusFile, 'utf8')).state, 'skipped');
    assert.deepEqual(readdirSync(tsdb).filter((name) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(name)).sort(), blocks.sort());
  });

  it('the health check fails on a stale or failed status file, and on bad usage', async () => {
    const file = join(dir, 'stale.json');
    writeFileSync(file, JSON.stringify({ command: 'live', state: 'running', updatedMs: Date.now() - 120_000 }));
    const stale = await node('healthcheck.mjs', ['status', file, '60']);
    assert.equal(stale.code, 1);
    assert.match(stale.output, /not updated for 12\d s/);
    writeFileSync(file, JSON.stringify({ command: 'live', state: 'failed', updatedMs: Date.now() }));
    assert.equal((await node('healthcheck.mjs', ['status', file, '60'])).code, 1);
    assert.equal((await node('healthcheck.mjs', ['http', 'http://127.0.0.1:1/readyz'])).code, 1);
    assert.equal((await node('healthcheck.mjs', ['ping'])).code, 2);
  });
});
