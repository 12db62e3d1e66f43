/**
 * The Encore simulator: `npm run simulate -- <command>`.
 *   live       real-time traffic posted to a collector
 *   backfill   past weeks as OpenMetrics for promtool (and optionally loads them)
 *   scenarios  the built-in incident scenarios
 *   labels     the ground truth of a scenario over a window, as JSON
 * `--help` after a command lists its flags. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, promisify } from 'node:util';
import { formatDuration } from '../../common/validation';
import { backfill } from '../backfill/backfill';
import { runLive } from '../live/live';
import { BUILTIN_SCENARIOS } from '../model/builtin-scenarios';
import { IncidentSet } from '../model/incidents';
import { describeIncident, labels, resolveIncidents, ScenarioError, type Scenario } from '../model/scenario';
import { parseTokenFile } from '../../collector/config';
import { durationFlag, integerFlag, labelsFlag, populationFlags, scenarioFlag, timeFlag, UsageError } from './options';
import { BACKFILL_MARKER, StatusFile, type BackfillMarker } from './status-file';

const run = promisify(execFile);

const USAGE = `Usage: npm run simulate -- <command> [flags]

Commands:
  live        post real-time traffic to a collector
  backfill    write past traffic as OpenMetrics (and load it with promtool)
  scenarios   list the built-in incident scenarios
  labels      print the ground-truth labels of a scenario over a window

Common flags:
  --seed N              randomness seed (default 1); same seed, same traffic
  --scenario NAME|FILE  built-in scenario or a scenario JSON file
  --rate N              events per second (live: now; backfill: weekly average)
  --users N             population size instead of --rate
  --labels FILE         write the ground-truth labels of the run's incidents here

live:      --collector URL (env ENCORE_COLLECTOR_URL, default http://127.0.0.1:9464)
           --token T (env ENCORE_COLLECTOR_TOKEN) | --token-file FILE (env ENCORE_COLLECTOR_TOKEN_FILE)
           --warmup 10m   --duration 5m   --batch 1000   --gzip   --progress 5s
           (default scenario: live, rate 200)
backfill:  --days N (may be fractional) | --from T --to T (default: the last 7 days to now)
           --interval 60s   --out DIR   --chunk 6h   --warmup 2h
           --series-labels job=encore,instance=backfill
           --promtool-data DIR (load each chunk into this TSDB directory, then delete it; it may
             be the data directory of a running Prometheus, which picks the blocks up within a minute)
           --once (with --promtool-data: skip when DIR already holds a backfill, see encore-backfill.json)
           (default scenario: mixed, rate 100)
live and backfill: --status-file FILE (JSON progress, rewritten at least every 5 s, for health checks)
labels:    --from T --to T`;

interface Flags {
  [key: string]: string | boolean | undefined;
}

function flags(argv: string[], extra: Record<string, { type: 'string' | 'boolean' }>): Flags {
  try {
    return parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean' },
        seed: { type: 'string' },
        scenario: { type: 'string' },
        rate: { type: 'string' },
        users: { type: 'string' },
        labels: { type: 'string' },
        ...extra,
      },
      strict: true,
      allowPositionals: false,
    }).values as Flags;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const str = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined);

async function writeLabels(file: string | undefined, scenario: Scenario, incidents: ReturnType<typeof resolveIncidents>, seed: number, startMs: number, endMs?: number) {
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(labels(scenario, incidents, seed, startMs, endMs), null, 2)}\n`);
  log(`ground truth of ${incidents.length} incident(s) written to ${file}`);
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

async function live(argv: string[]): Promise<void> {
  const f = flags(argv, {
    collector: { type: 'string' },
    token: { type: 'string' },
    'token-file': { type: 'string' },
    'status-file': { type: 'string' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    batch: { type: 'string' },
    gzip: { type: 'boolean' },
    progress: { type: 'string' },
  });
  if (f.help) return void process.stderr.write(`${USAGE}\n`);
  const seed = integerFlag('seed', str(f.seed), 1, 0, 2 ** 32 - 1);
  const scenario = scenarioFlag(str(f.scenario), 'live');
  const now = Date.now();
  const { users, rate } = populationFlags({ users: str(f.users), rate: str(f.rate) }, 200, now);
  const token = liveToken(str(f.token), str(f['token-file']));
  const url = str(f.collector) ?? process.env.ENCORE_COLLECTOR_URL ?? 'http://127.0.0.1:9464';
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--collector: expected a URL such as http://127.0.0.1:9464, got ${JSON.stringify(url)}`);
  }
  const incidents = resolveIncidents(scenario, now);
  await writeLabels(str(f.labels), scenario, incidents, seed, now);
  const warmupMs = durationFlag('warmup', str(f.warmup), 10 * 60_000);
  const durationFlagValue = str(f.duration);
  const durationMs = durationFlagValue === undefined ? undefined : durationFlag('duration', durationFlagValue, 0);
  log(`live: ${count(users)} users${rate ? ` (about ${count(rate)} events/s now)` : ''}, seed ${seed}, scenario ${scenario.name} (${incidents.length} incidents), to ${url}`);
  for (const incident of incidents) log(`  incident at ${new Date(incident.startMs).toISOString()}: ${describeIncident(incident)}`);
  // Machine-readable: with the seed and the users it pins the run down, so a test can predict it.
  log(`simulation starts at ${new Date(now - warmupMs).toISOString()} (${now - warmupMs} ms); live from ${new Date(now).toISOString()}`);
  if (warmupMs > 0) log(`warm-up: replaying the last ${formatDuration(warmupMs)} so sessions are in flight`);

  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    log('stopping: sending what is generated, then exiting (Ctrl-C again to quit now)');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let previous = { at: now, sent: 0 };
  const status = new StatusFile(str(f['status-file']), 'live');
  status.update({ users, seed, scenario: scenario.name, collector: url, liveFrom: new Date(now).toISOString() });
  const result = await runLive({
    seed,
    users,
    incidents: new IncidentSet(incidents),
    sender: { url, token, gzip: f.gzip === true, concurrency: 1, retryForMs: 120_000 },
    warmupMs,
    startedMs: now,
    durationMs,
    batchSize: integerFlag('batch', str(f.batch), 1000, 1, 10_000),
    tickMs: 250,
    signal: controller.signal,
    progressEveryMs: durationFlag('progress', str(f.progress), 5000),
    onCaughtUp: (atMs, events) => {
      log(`caught up with the clock at ${new Date(atMs).toISOString()} (${atMs} ms) after ${count(events)} warm-up events`);
      status.update({ caughtUp: new Date(atMs).toISOString() });
    },
    onProgress: (p) => {
      status.update({ sent: p.sent, accepted: p.accepted, rejected: p.rejected, duplicate: p.duplicate, failedBatches: p.failedBatches, retries: p.retries });
      const perSecond = ((p.sent - previous.sent) * 1000) / Math.max(1, p.nowMs - previous.at);
      previous = { at: p.nowMs, sent: p.sent };
      const incidentsNow = p.activeIncidents.map((incident) => incident.id).join(', ') || 'none';
      log(
        `sent ${count(p.sent)} (${count(perSecond)}/s): accepted ${count(p.accepted)}, rejected ${count(p.rejected)}, duplicate ${count(p.duplicate)}; ` +
          `${count(p.sessionsInFlight)} sessions in flight; incidents: ${incidentsNow}${p.failedBatches ? `; FAILED batches ${p.failedBatches}` : ''}${p.retries ? `; retries ${p.retries}` : ''}`,
      );
      for (const reason of p.lastRejections) log(`  rejected: ${reason}`);
      if (p.lastError && p.retries + p.failedBatches > 0) log(`  last error: ${p.lastError}`);
    },
  });
  log(`done: sent ${count(result.sent)}, accepted ${count(result.accepted)}, rejected ${count(result.rejected)}, duplicate ${count(result.duplicate)}, failed batches ${result.failedBatches}`);
  status.finish(result.failedBatches > 0 ? 'failed' : 'done', { sent: result.sent, accepted: result.accepted, rejected: result.rejected, failedBatches: result.failedBatches });
  if (result.failedBatches > 0) process.exitCode = 1;
}

/** --token, else ENCORE_COLLECTOR_TOKEN, else the first token of --token-file / ENCORE_COLLECTOR_TOKEN_FILE. */
function liveToken(flag: string | undefined, fileFlag: string | undefined): string {
  const direct = flag ?? (process.env.ENCORE_COLLECTOR_TOKEN || undefined);
  if (direct) return direct;
  const file = fileFlag ?? (process.env.ENCORE_COLLECTOR_TOKEN_FILE || undefined);
  if (!file) throw new UsageError('--token: the collector needs a bearer token (or set ENCORE_COLLECTOR_TOKEN, or give --token-file)');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--token-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const [token] = parseTokenFile(text);
  if (!token) throw new UsageError(`--token-file: ${file} holds no token (one a line)`);
  return token;
}

async function backfillCommand(argv: string[]): Promise<void> {
  const f = flags(argv, {
    days: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    interval: { type: 'string' },
    out: { type: 'string' },
    chunk: { type: 'string' },
    warmup: { type: 'string' },
    'series-labels': { type: 'string' },
    'promtool-data': { type: 'string' },
    once: { type: 'boolean' },
    'status-file': { type: 'string' },
  });
  if (f.help) return void process.stderr.write(`${USAGE}\n`);
  const seed = integerFlag('seed', str(f.seed), 1, 0, 2 ** 32 - 1);
  const scenario = scenarioFlag(str(f.scenario), 'mixed');
  const intervalMs = durationFlag('interval', str(f.interval), 60_000);
  if (intervalMs < 1000) throw new UsageError('--interval: expected at least 1s');
  const to = timeFlag('to', str(f.to)) ?? Date.now();
  const endMs = Math.floor(to / intervalMs) * intervalMs;
  const fromFlag = timeFlag('from', str(f.from));
  if (fromFlag !== undefined && f.days !== undefined) throw new UsageError('give --days or --from, not both');
  const days = daysFlag(str(f.days));
  const startMs = fromFlag ?? endMs - Math.round(days * 86_400_000);
  if (!(startMs < endMs)) throw new UsageError('--from: expected a time before --to');
  const out = str(f.out);
  if (!out) throw new UsageError('--out: expected the directory for the OpenMetrics files');
  const { users, rate } = populationFlags({ users: str(f.users), rate: str(f.rate) }, 100);
  const incidents = resolveIncidents(scenario, startMs, endMs);
  const promtoolData = str(f['promtool-data']);
  if (f.once && !promtoolData) throw new UsageError('--once: needs --promtool-data (the data directory whose backfill it remembers)');
  const chunkMs = durationFlag('chunk', str(f.chunk), 6 * 3_600_000);
  const status = new StatusFile(str(f['status-file']), 'backfill');
  const window = { from: new Date(startMs).toISOString(), to: new Date(endMs).toISOString() };
  status.update({ ...window, users, seed, scenario: scenario.name });
  const marker = promtoolData ? join(promtoolData, BACKFILL_MARKER) : undefined;
  if (f.once && marker && existsSync(marker)) {
    const earlier = readMarker(marker);
    if (earlier.state === 'loading') {
      log(`an earlier backfill into ${promtoolData} (${earlier.from} .. ${earlier.to}) did not finish: its history is partial; remove the data directory to start over`);
    } else log(`${promtoolData} already holds the backfill ${earlier.from} .. ${earlier.to}: nothing to do (--once)`);
    status.finish('skipped', { earlier });
    return;
  }
  if (marker) {
    mkdirSync(promtoolData!, { recursive: true });
    writeMarker(marker, { state: 'loading', ...window, seed, users, scenario: scenario.name, started: new Date().toISOString() });
  }
  await writeLabels(str(f.labels), scenario, incidents, seed, startMs, endMs);
  log(
    `backfill ${new Date(startMs).toISOString()} .. ${new Date(endMs).toISOString()} every ${formatDuration(intervalMs)}: ` +
      `${count(users)} users${rate ? ` (about ${count(rate)} events/s on average)` : ''}, seed ${seed}, scenario ${scenario.name}`,
  );
  const started = performance.now();
  let lastReport = 0;
  let result: Awaited<ReturnType<typeof backfill>>;
  try {
    result = await backfill({
      seed,
      users,
      startMs,
      endMs,
      intervalMs,
      warmupMs: durationFlag('warmup', str(f.warmup), 2 * 3_600_000),
      incidents: new IncidentSet(incidents),
      outDir: out,
      chunkMs,
      seriesLabels: labelsFlag('series-labels', str(f['series-labels']), { job: 'encore', instance: 'backfill' }),
      onProgress: (p) => {
        const elapsed = performance.now() - started;
        if (elapsed - lastReport < 2000) return;
        lastReport = elapsed;
        const share = p.simulatedMs / p.totalMs;
        const eta = share > 0 ? (elapsed / share - elapsed) / 1000 : 0;
        status.update({ share: Number(share.toFixed(4)), events: p.events, rejected: p.rejected, duplicate: p.duplicate });
        log(`backfill ${(100 * share).toFixed(1)}%: ${count(p.events)} events (${count((p.events * 1000) / elapsed)}/s), ${count(p.rejected)} rejected, ${count(p.duplicate)} duplicate; about ${Math.ceil(eta)} s left`);
      },
      onChunk: async (chunk) => {
        if (!promtoolData) return;
        await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', chunk.path, promtoolData], { maxBuffer: 16 * 1024 * 1024 });
        await rm(chunk.path);
      },
    });
  } catch (error) {
    status.finish('failed', { error: (error as Error).message });
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  log(`done in ${seconds.toFixed(1)} s: ${count(result.events)} events (${count(result.accepted)} accepted, ${count(result.rejected)} rejected, ${count(result.duplicate)} duplicate), ${result.samples} samples in ${result.chunks.length} file(s)`);
  if (marker) writeMarker(marker, { ...readMarker(marker), state: 'done', finished: new Date().toISOString(), events: result.events, samples: result.samples });
  status.finish('done', { share: 1, events: result.events, samples: result.samples, chunks: result.chunks.length, seconds: Number(seconds.toFixed(1)) });
  if (promtoolData) log(`loaded into ${promtoolData}; start Prometheus with --storage.tsdb.path=${promtoolData} (a running one picks the blocks up within a minute)`);
  else log(`load with: for f in ${out}/*.om; do promtool tsdb create-blocks-from openmetrics "$f" <prometheus data dir>; done`);
}

/** --days: whole or fractional days, one hour to 400 days (default 7). */
function daysFlag(value: string | undefined): number {
  if (value === undefined) return 7;
  const days = Number(value);
  if (value.trim() === '' || !Number.isFinite(days) || days < 1 / 24 || days > 400) {
    throw new UsageError(`--days: expected a number of days from 0.042 (one hour) to 400, got ${JSON.stringify(value)}`);
  }
  return days;
}

function readMarker(file: string): BackfillMarker {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BackfillMarker;
  } catch {
    return { state: 'loading', from: '?', to: '?' };
  }
}

function writeMarker(file: string, marker: BackfillMarker): void {
  writeFileSync(file, `${JSON.stringify(marker, null, 2)}\n`);
}

function scenarios(): void {
  for (const scenario of BUILTIN_SCENARIOS.values()) {
    process.stdout.write(`${scenario.name}: ${scenario.description}\n`);
    for (const incident of scenario.incidents) {
      process.stdout.write(`  ${incident.start.padEnd(8)} ${incident.duration.padEnd(5)} ${incident.type.padEnd(26)} ${incident.id} ${JSON.stringify(incident.scope)}\n`);
    }
  }
}

async function labelsCommand(argv: string[]): Promise<void> {
  const f = flags(argv, { from: { type: 'string' }, to: { type: 'string' } });
  if (f.help) return void process.stderr.write(`${USAGE}\n`);
  const seed = integerFlag('seed', str(f.seed), 1, 0, 2 ** 32 - 1);
  const scenario = scenarioFlag(str(f.scenario), 'mixed');
  const startMs = timeFlag('from', str(f.from));
  if (startMs === undefined) throw new UsageError('--from: expected the start of the window');
  const endMs = timeFlag('to', str(f.to));
  const incidents = resolveIncidents(scenario, startMs, endMs);
  process.stdout.write(`${JSON.stringify(labels(scenario, incidents, seed, startMs, endMs), null, 2)}\n`);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'live':
      return live(rest);
    case 'backfill':
      return backfillCommand(rest);
    case 'scenarios':
      return scenarios();
    case 'labels':
      return labelsCommand(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stderr.write(`${USAGE}\n`);
      return;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; use live, backfill, scenarios or labels`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof ScenarioError) {
    process.stderr.write(`encore simulate: ${error.message}\n(npm run simulate -- --help lists the commands and flags)\n`);
    process.exit(2);
  }
  process.stderr.write(`encore simulate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
