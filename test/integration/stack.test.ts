// The native stack end to end: startStack() on free loopback ports with a short backfill; Prometheus
// (with the shared prometheus.yml) scrapes the collector, the simulator's live traffic and the
// backfilled history show up in Prometheus' HTTP API, and stop() leaves no process and no
// temporary directory behind. Then `npm run stack` itself, stopped with SIGINT as Ctrl-C would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { probeRedis, waitHealthy } from '../../src/stack/health';
import { repoPath } from '../../src/stack/services';
import { startStack, type Stack } from '../../src/stack/stack';

/** Processes (pid and command) whose process group is one of `groups`, or whose pid is in `pids`. */
function survivors(groups: readonly number[], pids: readonly number[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp ...: comm may contain spaces, so split after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const pgrp = Number(fields[2]);
    if (state === 'Z') continue; // exited, waiting to be reaped by its (dead) parent's reaper
    if (groups.includes(pgrp) || pids.includes(Number(entry))) found.push(`${entry} ${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`);
  }
  return found;
}

/** The process group of a running process. */
function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

interface QueryAnswer {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

async function query(stack: Stack, expr: string, timeSeconds?: number): Promise<number | undefined> {
  const params = new URLSearchParams({ query: expr, ...(timeSeconds ? { time: String(timeSeconds) } : {}) });
  const answer = (await (await fetch(`${stack.urls.prometheus}/api/v1/query?${params}`)).json()) as QueryAnswer;
  assert.equal(answer.status, 'success', JSON.stringify(answer));
  const value = answer.data.result[0]?.value[1];
  return value === undefined ? undefined : Number(value);
}

/** Waits until `expr` evaluates to a number above 0. */
async function eventually(stack: Stack, expr: string, what: string, timeoutMs: number, timeSeconds?: () => number): Promise<number> {
  let last: number | undefined;
  await waitHealthy(
    async () => {
      last = await query(stack, expr, timeSeconds?.());
      return last !== undefined && last > 0 ? undefined : `${expr} = ${last}`;
    },
    { what, timeoutMs, intervalMs: 1000, abandon: () => undefined },
  );
  return last!;
}

describe('the native stack (startStack)', () => {
  let stack: Stack;
  const started = Date.now();

  before(async () => {
    stack = await startStack({ ports: { prometheus: 0, collector: 0, redis: 0 }, backfillDays: 0.05 });
  });

  after(async () => {
    await stack?.stop();
  });

  it('renders the shared prometheus.yml with only the targets changed', () => {
    const rendered = readFileSync(stack.prometheusConfig, 'utf8');
    assert.ok(rendered.includes(`- targets: ['127.0.0.1:${stack.ports.collector}']`));
    assert.ok(rendered.includes(`- targets: ['127.0.0.1:${stack.ports.prometheus}']`));
    assert.ok(rendered.includes('instance: collector'));
  });

  it('Prometheus scrapes the collector', async () => {
    await eventually(stack, 'up{job="encore",instance="collector"}', 'scrape of the collector', 40_000);
  });

  it('the live traffic shows up in Prometheus', async () => {
    await stack.live!.caughtUp();
    const plays = await eventually(stack, 'sum(encore_play_attempts_total{job="encore",instance="collector"})', 'live plays in Prometheus', 40_000);
    assert.ok(plays > 100, `only ${plays} play attempts after the 10-minute warm-up`);
  });

  it('Redis answers', async () => {
    assert.equal(await probeRedis('127.0.0.1', stack.ports.redis!), undefined);
  });

  it('the backfilled history shows up in the running Prometheus', async () => {
    const { state, exit } = await stack.backfill!.finished;
    assert.equal(state, 'done', `backfill ended ${JSON.stringify(exit)}:\n${stack.logs('backfill')}`);
    // half an hour ago is inside the 72-minute backfill and before the stack started
    const atSeconds = () => Math.floor((started - 30 * 60_000) / 1000);
    // Prometheus loads new blocks at its next reload (every minute)
    await eventually(stack, 'sum(encore_play_attempts_total{job="encore",instance="backfill"})', 'backfilled plays', 75_000, atSeconds);
  });

  it('stops cleanly: no process left, the temporary data directory removed', async () => {
    const groups = stack.processGroups();
    const pids = stack.pids();
    assert.equal(new Set(stack.services.map((s) => s.name)).size, 5);
    assert.deepEqual(stack.services.map((s) => s.running()), [true, true, true, false, true], 'all running but the finished backfill');
    await stack.stop();
    assert.deepEqual(survivors(groups, pids), []);
    assert.equal(existsSync(stack.dataDir), false);
  });
});

describe('npm run stack', () => {
  it('prints what runs where, and SIGINT stops everything', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', repoPath('src/stack/main.ts'), '--prometheus-port', '0', '--collector-port', '0', '--redis-port', '0', '--backfill-days', '0'], {
      cwd: repoPath('.'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitHealthy(() => (output.includes('Ctrl-C stops everything.') ? undefined : 'starting'), {
        what: 'npm run stack',
        timeoutMs: 60_000,
        abandon: () => (child.exitCode !== null ? output : undefined),
      });
      const table = output.slice(output.indexOf('Encore stack (native) is up.'));
      const dataDir = /Data: (\S+) \(temporary/.exec(table)?.[1];
      assert.ok(dataDir && existsSync(dataDir), table);
      const pids = [...table.matchAll(/^ {2}(prometheus|redis|collector|simulator) .*?pid (\d+)/gm)].map((m) => Number(m[2]));
      assert.equal(pids.length, 4, table);
      assert.match(table, /prometheus +http:\/\/127\.0\.0\.1:\d+/);
      assert.match(table, /collector +http:\/\/127\.0\.0\.1:\d+/);

      const groups = pids.map(processGroup);
      assert.ok(!groups.includes(processGroup(child.pid!)), 'the services run in their own process groups (Ctrl-C reaches only the stack)');
      child.kill('SIGINT');
      assert.equal(await exited, 0, output);
      assert.match(output, /Stopped; the temporary data directory is removed\./);
      assert.equal(existsSync(dataDir), false);
      assert.deepEqual(survivors(groups, pids), []);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
