// The native stack end to end, the stack smoke test: startStack() on free loopback ports with six
// hours of history (test/support/provisioning/stack.ts); Prometheus (with the shared
// prometheus.yml) scrapes the collector, the simulator's live traffic and the backfilled history
// show up in Prometheus' HTTP API; then, on that stack, every provisioned alert rule answers with
// alertable numbers and a state per instance, and every provisioned dashboard shows data (history
// and live traffic) on the Prometheus data source and answers or refuses clearly on the demo one;
// stop() leaves no process and no temporary directory behind. Then `npm run stack` itself, stopped
// with SIGINT as Ctrl-C would. One stack for all of it: a native stack takes a minute or two to
// hold its history, and CI time is short.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { probeRedis, waitHealthy } from '../../src/stack/health';
import { repoPath } from '../../src/stack/services';
import { startStack, type Stack } from '../../src/stack/stack';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { evaluateRule } from '../support/provisioning/alert-eval';
import { finiteNumbers, queryDashboard, settledValues, valueCoverage, valueDifferences, type DashboardAnswer } from '../support/provisioning/dashboard-run';
import { loadProvisioning } from '../support/provisioning/files';
import type { Env } from '../support/provisioning/grafana-env';
import { decodeFrames, queryRule } from '../support/provisioning/rule-run';
import { dataSourceInput, eventually, LIVE_ONLY_AFTER_MS, PROVISIONING_STACK, provisioningEnv, waitForData, type StackData } from '../support/provisioning/stack';

const MINUTE = 60_000;

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

describe('the native stack (startStack)', () => {
  let stack: Stack;
  const started = Date.now();

  before(async () => {
    stack = await startStack(PROVISIONING_STACK);
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
    await eventually(stack.urls.prometheus, 'up{job="encore",instance="collector"}', { what: 'scrape of the collector', timeoutMs: 60_000 });
  });

  it('the live traffic shows up in Prometheus', async () => {
    await stack.live!.caughtUp();
    const plays = await eventually(stack.urls.prometheus, 'sum(encore_play_attempts_total{job="encore",instance="collector"})', { what: 'live plays in Prometheus', timeoutMs: 60_000 });
    assert.ok(plays > 100, `only ${plays} play attempts after the 10-minute warm-up`);
  });

  it('Redis answers', async () => {
    assert.equal(await probeRedis('127.0.0.1', stack.ports.redis!), undefined);
  });

  it('the backfilled history shows up in the running Prometheus', async () => {
    const { state, exit } = await stack.backfill!.finished;
    assert.equal(state, 'done', `backfill ended ${JSON.stringify(exit)}:\n${stack.logs('backfill')}`);
    // half an hour ago is inside the 6-hour backfill and before the stack started
    const atSeconds = () => Math.floor((started - 30 * 60_000) / 1000);
    // Prometheus loads new blocks at its next reload (every minute)
    await eventually(stack.urls.prometheus, 'sum(encore_play_attempts_total{job="encore",instance="backfill"})', { what: 'backfilled plays', timeoutMs: 120_000, atSeconds });
  });

  // The provisioned alert rules and dashboards on this stack, once it holds its history and live
  // traffic: the BUILT backend, called as Grafana calls it, on the data sources exactly as
  // provisioned (the Prometheus URL from the stack's environment).
  describe('provisioning on the native stack', () => {
    let host: PluginHost;
    let data: StackData;
    let env: Env;

    before(async () => {
      [data, host] = await Promise.all([waitForData(stack), launchPlugin()]);
      env = provisioningEnv(stack);
    });

    after(async () => {
      await host?.stop();
    });

    // Every rule's Encore queries come back as alertable numeric frames (a time field and one number
    // field per series with its labels, or number-only frames), without error, and its
    // reduce/threshold expressions turn them into a firing or normal state per instance.
    for (const rule of loadProvisioning({}).groups.flatMap((g) => g.rules)) {
      it(`alert rule ${rule.title}: alertable frames and a state per instance`, async (t) => {
        // As Grafana evaluates it now: each data source's queries in one request, from the service
        // identity (rule-run.ts); an error answer or frames alerting cannot read fail there.
        const { series } = await queryRule(host, rule, env, Date.now());
        for (const [refId, found] of series) {
          assert.ok(found.length > 0, `${rule.uid} ${refId}: at least one series on the stack's data`);
          for (const s of found) assert.ok(s.values.some((v) => v !== null && Number.isFinite(v)), `${rule.uid} ${refId} ${JSON.stringify(s.labels)}: a finite number`);
        }
        const results = evaluateRule(rule, series);
        const states = results.get(rule.condition) ?? [];
        assert.ok(states.length > 0, `${rule.uid}: the condition has instances`);
        for (const s of states) assert.ok(s.value === 0 || s.value === 1, `${rule.uid} ${JSON.stringify(s.labels)}: condition ${s.value}`);
        const firing = states.filter((s) => s.value === 1).map((s) => JSON.stringify(s.labels));
        t.diagnostic(`${states.length} instance(s), firing: ${firing.length > 0 ? firing.join(' ') : 'none'}`);
      });
    }

    /**
     * What is wrong with a dashboard's answers on the stack's Prometheus, over the dashboard's
     * default range. Every query answers without error; every one but the event lists has a
     * finite number; each KPI series (valueCoverage) shows the backfilled history and, at steps
     * of a minute or less (the 6-hour dashboards), the scraped live traffic.
     */
    function problemsOnPrometheus(answers: readonly DashboardAnswer[]): string[] {
      const problems: string[] = [];
      for (const one of answers) {
        const { what, target, answer } = one;
        const frames = decodeFrames(answer, what);
        if (target.format === 'events') {
          // Event lists (annotations, events tables) list the anomalies of the range, and "none" is
          // a right answer: whether the history's incidents are found is for the detectors' tests
          // (alert-incidents.test.ts), not a smoke test. The frame must still be there.
          if (frames.length === 0) problems.push(`${what}: no events frame`);
          continue;
        }
        if (finiteNumbers(frames) === 0) problems.push(`${what}: no finite number`);
        const coverage = valueCoverage(frames, one, data, data.historyToMs + LIVE_ONLY_AFTER_MS);
        if (!coverage) continue;
        if (coverage.history === 0) problems.push(`${what}: no value from the backfilled history`);
        // At steps of a minute or less (the 6-hour dashboards) rate() windows are four scrapes
        // long: history sampled too sparsely for them (every minute) leaves most steps empty there
        // (a point where a window happens to catch two samples), so its fullest series must fill at
        // least half of its history steps. Coarser steps (Revenue's two days: about 3 minutes) have
        // windows that hold several samples whatever the interval, and reach back into the history
        // for longer than live traffic has run, so they cannot tell the two apart.
        if (coverage.stepMs <= MINUTE) {
          if (coverage.history < coverage.historySteps / 2) problems.push(`${what}: history at only ${coverage.history} of ${coverage.historySteps} steps`);
          if (coverage.live === 0) problems.push(`${what}: no value from the live traffic`);
        }
      }
      return problems;
    }

    const DEMO_REFUSAL = /not modelled by the demo source|the demo source splits/;

    for (const { dashboard } of loadProvisioning({}).dashboards) {
      it(`dashboard ${dashboard.title}: data on Prometheus, and the demo source answers or says why not`, async () => {
        const now = Date.now();
        const onPrometheus = await queryDashboard(host, dashboard, dataSourceInput('encore-prometheus', env), now);
        assert.deepEqual(problemsOnPrometheus(onPrometheus), []);

        for (const { what, target, answer } of await queryDashboard(host, dashboard, dataSourceInput('encore-demo', env), now)) {
          assert.ok(answer, `${what}: no answer`);
          if (answer.error !== '') {
            const rawMetric = target.queryType === 'promql';
            assert.ok(DEMO_REFUSAL.test(answer.error) || rawMetric, `${what}: ${answer.error}`);
            assert.equal(answer.status, 400, `${what}: a refusal, not a failure`);
            continue;
          }
          decodeFrames(answer, what);
        }
      });
    }

    it('Revenue through the stack\'s Redis: the values of the in-process cache, the entries in Redis', async () => {
      // The provisioned data source with each cache mode (docs/cache.md), whatever the file
      // provisions: shared through the stack's Redis, encrypted, where another Grafana server would
      // find the entries, or in this process only. The same data either way.
      const redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis!, lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      try {
        const provisioned = dataSourceInput('encore-prometheus', env);
        const withCache = (uid: string, cache: Record<string, unknown>) => ({
          ...provisioned,
          uid,
          jsonData: { ...provisioned.jsonData, ...cache },
          secureJsonData: { ...provisioned.secureJsonData, cacheEncryptionKey: env.ENCORE_CACHE_KEY! },
        });
        const shared = withCache('encore-prometheus-redis', { cacheMode: 'redis', cacheRedisAddress: env.ENCORE_REDIS_ADDRESS });
        const inProcess = withCache('encore-prometheus-memory', { cacheMode: 'memory' });
        // Revenue: anomaly, forecast, KPI and event queries, and at its 3-minute steps the cheapest pass.
        const dashboard = loadProvisioning({}).dashboards.find((d) => d.dashboard.uid === 'encore-revenue')!.dashboard;
        const keysBefore = await redis.dbsize();
        const now = Date.now();
        const throughRedis = await queryDashboard(host, dashboard, shared, now);
        assert.deepEqual(problemsOnPrometheus(throughRedis), []);
        assert.ok((await redis.dbsize()) > keysBefore, `the cache's entries in Redis (${keysBefore} keys before)`);
        const inMemory = await queryDashboard(host, dashboard, inProcess, now);
        // Up to a minute before `now`: a scrape in flight during the first pass may add to the newest points.
        const values = (answers: readonly DashboardAnswer[]) => settledValues(answers, (a) => decodeFrames(a.answer, a.what), now - MINUTE);
        assert.deepEqual(valueDifferences(values(throughRedis), values(inMemory)), []);
      } finally {
        redis.disconnect();
      }
    });
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
