/**
 * A Prometheus holding several simulator runs side by side, one per test case: each run is its
 * own backfill (`npm run simulate -- backfill`) of its own scenario (usually exactly one
 * injected incident, or none) over its own time window, loaded with promtool, so the cases share
 * one Prometheus and one backend without seeing each other's data. Windows must not overlap:
 * the series of every run have the same labels, and overlapping runs would add up.
 *
 * Runs go two at a time (the machines have two cores); each loads its chunks into a TSDB
 * directory of its own, whose blocks are moved into the Prometheus data directory at the end.
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { GroundTruth, ScenarioFile } from '../../../src/simulator/model/scenario';
import { startPrometheus, type PrometheusFixture } from '../prometheus';
import { startRedis, type RedisFixture } from '../redis';
import { runSimulator } from '../simulator';
import type { Env } from './grafana-env';
import { redisCacheEnv } from './stack';

const run = promisify(execFile);

export interface SimulatorWindow {
  id: string;
  /** first and last sample (epoch ms, whole minutes) */
  fromMs: number;
  toMs: number;
  /** the scenario's incidents, with absolute (RFC 3339) start times */
  incidents: ScenarioFile['incidents'];
  /**
   * Move every sample by this much (whole minutes) before loading: the same simulated traffic,
   * replayed at another time (e.g. ending minutes before now, for checks that judge against the
   * clock), so what it holds does not depend on when the test runs. The window's times are the
   * simulated ones; the ground truth is not shifted.
   */
  shiftMs?: number;
  /**
   * Calm history before the window (none by default): a run of its own over the `historyMs`
   * before fromMs, sampled every `historyIntervalMs` (default 5m), so the detectors of 5-minute
   * queries learn from hours of history (their bands' tails need about a hundred points) at a
   * fraction of the samples. Its counters start afresh at fromMs, which rate() reads as a reset.
   */
  historyMs?: number;
  historyIntervalMs?: number;
}

export interface IncidentStackOptions {
  users: number;
  seed: number;
  /** simulated before each window so sessions are in flight at its first sample (default 30m) */
  warmup?: string;
  /** backfills at once (default 2) */
  parallel?: number;
}

export interface IncidentStack {
  /** Grafana's environment for the provisioning files: where this Prometheus is */
  env: Env;
  prometheus: PrometheusFixture;
  /** the simulator's ground-truth labels of each window's run, by window id */
  truth: Map<string, GroundTruth>;
  /** wall-clock seconds each backfill took (simulation and promtool), by window id */
  seconds: Map<string, number>;
  stop(): Promise<void>;
}

export async function startIncidentStack(windows: readonly SimulatorWindow[], options: IncidentStackOptions): Promise<IncidentStack> {
  const sorted = [...windows].sort((a, b) => a.fromMs - b.fromMs);
  sorted.forEach((w, i) => {
    const next = sorted[i + 1];
    if (next && next.fromMs - (next.historyMs ?? 0) <= w.toMs) throw new Error(`simulator windows ${w.id} and ${next.id} overlap: their series would add up`);
  });
  const dir = mkdtempSync(join(tmpdir(), 'encore-incidents-'));
  let prometheus: PrometheusFixture | undefined;
  let redis: RedisFixture | undefined;
  try {
    const truth = new Map<string, GroundTruth>();
    const seconds = new Map<string, number>();
    interface Run {
      id: string;
      window: SimulatorWindow;
      fromMs: number;
      toMs: number;
      intervalMs: number;
      incidents: SimulatorWindow['incidents'];
      shiftMs: number;
    }
    const runs: Run[] = windows.flatMap((w) => {
      const main: Run = { id: w.id, window: w, fromMs: w.fromMs, toMs: w.toMs, intervalMs: 60_000, incidents: w.incidents, shiftMs: w.shiftMs ?? 0 };
      if (!w.historyMs) return [main];
      const intervalMs = w.historyIntervalMs ?? 300_000;
      // Its last sample one interval before the window's first, so no rate() window holds both.
      const history: Run = { id: `${w.id}-history`, window: w, fromMs: w.fromMs - w.historyMs, toMs: w.fromMs - intervalMs, intervalMs, incidents: [], shiftMs: w.shiftMs ?? 0 };
      return [history, main];
    });
    const backfill = async (r: Run) => {
      const home = join(dir, r.id);
      mkdirSync(home);
      const scenario = join(home, 'scenario.json');
      writeFileSync(scenario, JSON.stringify({ name: `case-${r.id}`.toLowerCase().replace(/[^a-z0-9_-]/g, '-'), incidents: r.incidents } satisfies ScenarioFile));
      const started = performance.now();
      const shift = r.shiftMs;
      if (shift % 60_000 !== 0) throw new Error(`window ${r.window.id}: shiftMs must be whole minutes, got ${shift}`);
      await runSimulator([
        'backfill', '--from', new Date(r.fromMs).toISOString(), '--to', new Date(r.toMs).toISOString(), '--interval', `${r.intervalMs / 1000}s`,
        '--warmup', options.warmup ?? '30m', '--users', String(options.users), '--seed', String(options.seed),
        '--scenario', scenario, '--labels', join(home, 'labels.json'), '--out', join(home, 'om'),
        ...(shift === 0 ? ['--promtool-data', join(home, 'tsdb')] : []),
      ]);
      if (shift !== 0) {
        mkdirSync(join(home, 'tsdb'));
        for (const name of readdirSync(join(home, 'om')).filter((f) => f.endsWith('.om'))) {
          const shifted = join(home, `shifted-${name}`);
          await shiftOpenMetrics(join(home, 'om', name), shifted, shift);
          await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', shifted, join(home, 'tsdb')], { maxBuffer: 16 * 1024 * 1024 });
          rmSync(shifted);
        }
      }
      seconds.set(r.id, (performance.now() - started) / 1000);
      if (r.id === r.window.id) truth.set(r.id, JSON.parse(readFileSync(join(home, 'labels.json'), 'utf8')) as GroundTruth);
    };
    // Longest first, so the two workers finish together.
    const queue = [...runs].sort((a, b) => (b.toMs - b.fromMs) / b.intervalMs - (a.toMs - a.fromMs) / a.intervalMs);
    const worker = async () => {
      for (let r = queue.shift(); r; r = queue.shift()) await backfill(r);
    };
    await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 2) }, worker));
    // Retention counts back from the newest block: windows far apart must all stay.
    prometheus = await startPrometheus({ data: false, blockDirs: runs.map((r) => join(dir, r.id, 'tsdb')), retention: '100y', adminApi: true });
    // The provisioned data source caches its results in Redis, as on the stack.
    redis = await startRedis();
    const fixture = prometheus;
    const cache = redis;
    rmSync(dir, { recursive: true, force: true });
    return {
      env: { ENCORE_PROMETHEUS_URL: fixture.url, ...redisCacheEnv(cache.address) },
      prometheus: fixture,
      truth,
      seconds,
      stop: async () => {
        await Promise.all([fixture.stop(), cache.stop()]);
      },
    };
  } catch (error) {
    await redis?.stop();
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Copies an OpenMetrics file (the simulator's: timestamps in seconds with 3 decimals) with every sample `shiftMs` later. */
async function shiftOpenMetrics(from: string, to: string, shiftMs: number): Promise<void> {
  const out = createWriteStream(to);
  const shiftSeconds = shiftMs / 1000;
  for await (const line of createInterface({ input: createReadStream(from), crlfDelay: Infinity })) {
    const m = line.startsWith('#') ? null : / (\d+)(\.\d+)?$/.exec(line);
    const text = m ? `${line.slice(0, m.index)} ${Number(m[1]) + shiftSeconds}${m[2] ?? ''}\n` : `${line}\n`;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
