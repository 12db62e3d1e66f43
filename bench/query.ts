// The query path under a dashboard: 10 panels refreshing every 10 s over a moving window, through
// the BUILT backend (called as Grafana does, by the test harness) in front of a real Prometheus
// holding a simulator backfill up to now. Measures the results cache's hit rate, latency and
// throughput, and calls Prometheus' query_range directly for the same data in the same run as the
// yardstick. Results: bench/results/query.md. Run after a build: npm run bench:query
// Throughput is measured as Grafana calls: by a grpc-go client (bench/load, Grafana's own gRPC
// library) in its own process, since the harness's grpc-js client, sharing the 2 cores, saturates
// before the backend does. Building it needs Go and grpc-go (Debian golang-go and
// golang-google-grpc-dev; installed when run as root, e.g. in CI).
//   BENCH_DASHBOARD_SECONDS (default 120): how long the real-time dashboard replay runs
//   BENCH_LOAD_SECONDS (default 10), BENCH_CONCURRENCY (default 16): the closed-loop phases
//   BENCH_DEBUG=1: log each refresh's latencies (c: from the cache alone, u: fetched new steps)
//   BENCH_CPU_PROFILE=dir: run the backend bundle under node --cpu-prof
import { spawn } from 'node:child_process';
import http2 from 'node:http2';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProtocol } from '../src/backend/grafana/protocol';
import { SERVER_OPTIONS } from '../src/backend/grafana/server';
import { assertGrafanaReadableFrame } from '../test/harness/go-reader-rules';
import { launchPlugin, type PluginHost } from '../test/harness/grafana-host';
import { dataQuery, pluginContext, queryDataRequest, type DataSourceInput } from '../test/harness/plugin-context';
import { sampleSum } from '../test/support/collector';
import { startPrometheus, type PrometheusFixture } from '../test/support/prometheus';
import { runSimulator } from '../test/support/simulator';
import { BurstClient, buildLoadClient, runLoad, type LoadResult } from './load/go-load';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results', 'query.md');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The dashboard's time range: last 3 hours, refreshed every 10 s. */
const WINDOW_MS = 3 * HOUR;
const REFRESH_MS = 10_000;
const BACKFILL_MS = 9 * HOUR;
const DASHBOARD_SECONDS = Number(process.env.BENCH_DASHBOARD_SECONDS ?? 120);
const HARNESS_REPLAY_SECONDS = Math.max(REFRESH_MS / 1000, Math.round(DASHBOARD_SECONDS / 2));
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const UNCACHED_ROUNDS = 9;

interface Panel {
  title: string;
  json: Record<string, unknown>;
  detection?: boolean;
}

/** An audio-quality dashboard: eight KPI/PromQL panels and two with anomaly detection. */
const PANELS: Panel[] = [
  { title: 'Rebuffering ratio', json: { queryType: 'kpi', kpi: 'rebuffering_ratio' } },
  { title: 'Startup time p95', json: { queryType: 'kpi', kpi: 'startup_time_p95' } },
  { title: 'Playback failures by platform', json: { queryType: 'kpi', kpi: 'playback_failure_rate', groupBy: ['platform'] } },
  { title: 'Bitrate by platform', json: { queryType: 'kpi', kpi: 'average_bitrate', groupBy: ['platform'] } },
  { title: 'Streams by market', json: { queryType: 'kpi', kpi: 'streams', groupBy: ['market'] } },
  { title: 'Active users', json: { queryType: 'kpi', kpi: 'active_users' } },
  { title: 'Play starts / h', json: { queryType: 'promql', expr: 'sum(rate(encore_play_starts_total[$__rate_interval])) * 3600', legendFormat: 'Starts' } },
  { title: 'Skip rate by market', json: { queryType: 'kpi', kpi: 'skip_rate', groupBy: ['market'] } },
  { title: 'Rebuffering anomalies', json: { queryType: 'anomaly', kpi: 'rebuffering_ratio', detect: { season: 'none' } }, detection: true },
  { title: 'Startup time p95, detect', json: { queryType: 'kpi', kpi: 'startup_time_p95', detect: { season: 'none' } }, detection: true },
];

const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
const median = (values: number[]) => percentile(values, 0.5);
const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const pct = (value: number) => `${(100 * value).toFixed(1)} %`;

/** utime + stime of a process, in ms (Linux /proc, 100 ticks per second). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function panelRequest(panel: Panel, datasource: DataSourceInput, to = Date.now()) {
  return queryDataRequest({
    context: { datasource },
    queries: [dataQuery({ refId: 'A', json: panel.json, timeRange: { from: to - WINDOW_MS, to }, maxDataPoints: 1000 })],
  });
}

async function ask(host: PluginHost, panel: Panel, datasource: DataSourceInput, to?: number): Promise<{ ms: number; frames: Buffer[] }> {
  const started = performance.now();
  const response = await host.queryData(panelRequest(panel, datasource, to));
  const elapsed = performance.now() - started;
  const answer = response.responses.A;
  if (!answer || answer.error) throw new Error(`${panel.title}: ${answer?.error ?? 'no answer'}`);
  return { ms: elapsed, frames: answer.frames };
}

/** Total time the backend has spent in garbage collection pauses, in ms. */
function gcPauseMs(text: string): number {
  return sampleSum(text, 'encore_backend_nodejs_gc_duration_seconds_sum') * 1000;
}

async function metrics(host: PluginHost): Promise<string> {
  return (await host.collectMetrics({ pluginContext: pluginContext() })).metrics?.prometheus.toString('utf8') ?? '';
}

interface CacheCounts {
  stepsHit: number;
  stepsMiss: number;
  answerHit: number;
  answerMiss: number;
  extentHit: number;
  extentLookups: number;
  upstream: number;
}

function cacheCounts(text: string): CacheCounts {
  const lookups = (tier: string, result?: string) => sampleSum(text, 'encore_cache_lookups_total', result ? { tier, result } : { tier });
  return {
    stepsHit: sampleSum(text, 'encore_cache_steps_total', { result: 'hit' }),
    stepsMiss: sampleSum(text, 'encore_cache_steps_total', { result: 'miss' }),
    answerHit: lookups('answer', 'hit'),
    answerMiss: lookups('answer', 'miss'),
    extentHit: lookups('memory', 'hit'),
    extentLookups: lookups('memory'),
    upstream: sampleSum(text, 'encore_upstream_request_duration_seconds_count', { operation: 'query_range' }),
  };
}

const diff = (a: CacheCounts, b: CacheCounts): CacheCounts =>
  Object.fromEntries(Object.keys(a).map((k) => [k, b[k as keyof CacheCounts] - a[k as keyof CacheCounts]])) as unknown as CacheCounts;

interface Replay {
  /** every query's latency */
  replay: number[];
  /** those answered from the cache alone, and the others (the window moved a step, or the recent edge's TTL had passed) */
  fromCache: number[];
  withUpstream: number[];
  counts: CacheCounts;
  rounds: number;
}

/** The dashboard refreshing in real time for `seconds`: every REFRESH_MS, all panels at once through `refresh`. */
async function replayDashboard(host: PluginHost, seconds: number, refresh: (to: number) => Promise<Array<{ ms: number; frames: Buffer[] }>>): Promise<Replay> {
  const before = cacheCounts(await metrics(host));
  const out: Replay = { replay: [], fromCache: [], withUpstream: [], counts: before, rounds: Math.max(1, Math.floor((seconds * 1000) / REFRESH_MS)) };
  for (let round = 0; round < out.rounds; round++) {
    const tick = performance.now();
    const answers = await refresh(Date.now());
    for (const answer of answers) {
      out.replay.push(answer.ms);
      // Told apart by the stats of their first frame.
      (fetchedNothing(answer.frames) ? out.fromCache : out.withUpstream).push(answer.ms);
    }
    if (process.env.BENCH_DEBUG) log(`round ${round}: ${answers.map((a) => `${a.ms.toFixed(0)}${fetchedNothing(a.frames) ? 'c' : 'u'}`).join(' ')}`);
    await new Promise((done) => setTimeout(done, Math.max(0, REFRESH_MS - (performance.now() - tick))));
  }
  out.counts = diff(before, cacheCounts(await metrics(host)));
  return out;
}

/** The phases table's rows of a replay. */
function replayRows(name: string, r: Replay, seconds: number): string[] {
  const row = (what: string, values: number[], extra: string) =>
    `| ${name}: ${what} | ${values.length} | ${what === 'all (real time)' ? (values.length / seconds).toFixed(1) : ''} | ${ms(median(values))} | ${ms(percentile(values, 0.95))} | ${ms(percentile(values, 0.99))} | ${extra} |`;
  return [row('queries answered from the cache alone', r.fromCache, '0'), row('queries that fetched new steps', r.withUpstream, String(r.counts.upstream)), row('all (real time)', r.replay, `${r.counts.upstream} (${(r.counts.upstream / r.rounds).toFixed(1)} per refresh)`)];
}

/** Whether an answer needed nothing from Prometheus, by its first frame's stats (the query inspector's). */
function fetchedNothing(frames: Buffer[]): boolean {
  const stats = assertGrafanaReadableFrame(new Uint8Array(frames[0]!)).meta?.stats ?? [];
  return stats.every((s) => !['Steps fetched', 'History chunks fetched'].includes(s.displayName) || s.value === 0);
}

/** What the backend sent Prometheus for a panel, read back from the frame's executedQueryString. */
interface RawPlan {
  expr: string;
  stepMs: number;
  historyPoints: number;
}

function rawPlan(panel: Panel, frames: Buffer[]): RawPlan {
  const frame = assertGrafanaReadableFrame(new Uint8Array(frames[0]!));
  const text = frame.meta?.executedQueryString ?? '';
  const expr = /^Expr: (.*)$/m.exec(text)?.[1];
  const step = /^Step: (\d+(?:\.\d+)?)s(?:, history: (\d+) points)?/m.exec(text);
  if (!expr || !step) throw new Error(`${panel.title}: cannot read the executed query from ${JSON.stringify(text)}`);
  return { expr, stepMs: Number(step[1]) * 1000, historyPoints: Number(step[2] ?? 0) };
}

/** Prometheus' query_range for the same span the backend asks for (history included), parsed like the backend parses it. */
async function rawQuery(prom: PrometheusFixture, plan: RawPlan, to = Date.now()): Promise<number> {
  const end = Math.floor(to / plan.stepMs) * plan.stepMs;
  const start = Math.floor((to - WINDOW_MS) / plan.stepMs) * plan.stepMs - plan.historyPoints * plan.stepMs;
  const started = performance.now();
  const response = await fetch(`${prom.url}/api/v1/query_range`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: plan.expr, start: String(start / 1000), end: String(end / 1000), step: String(plan.stepMs / 1000) }),
  });
  const body = (await response.json()) as { status: string; error?: string };
  if (body.status !== 'success') throw new Error(`query_range ${plan.expr}: ${body.error}`);
  return performance.now() - started;
}

/** Closed loop: `concurrency` workers, each sending the next panel as soon as its last answer arrived. */
async function closedLoop(seconds: number, concurrency: number, call: (panel: number) => Promise<number>): Promise<{ latencies: number[]; perSecond: number }> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) latencies.push(await call(next++ % PANELS.length));
    }),
  );
  return { latencies, perSecond: latencies.length / ((performance.now() - started) / 1000) };
}

/** A transport floor: requests per second through it, and the server's CPU per request. */
interface Floor {
  perSecond: number;
  serverCpuMs: number;
  /** each call's latency, where the driver keeps them */
  latencies?: number[];
}

/**
 * Runs `serverSource` (a script that prints its port, answers every call with `bytes` and exits when
 * its stdin ends) in its own process and drives it with `drive` (the calls it made, per second):
 * the floor under any QueryData/s figure, with no protobuf and no query work.
 */
async function measureFloor(serverSource: string, drive: (port: number) => Promise<{ calls: number; perSecond: number; latencies?: number[] }>): Promise<Floor> {
  const child = spawn(process.execPath, ['-e', serverSource], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((done, fail) => {
      child.stdout!.once('data', (chunk: Buffer) => done(Number(chunk.toString().trim())));
      child.once('exit', (code) => fail(new Error(`the floor server exited (${code})`)));
    });
    const cpuBefore = cpuMs(child.pid!);
    const result = await drive(port);
    const serverCpuMs = (cpuMs(child.pid!) - cpuBefore) / result.calls;
    return { perSecond: result.perSecond, serverCpuMs, latencies: result.latencies };
  } finally {
    child.stdin!.end();
  }
}

/** A closed loop of a Node client's calls, after 200 to warm up; the calls counted include those. */
async function nodeDriven(call: () => Promise<number>, close: () => void, seconds: number, concurrency: number): Promise<{ calls: number; perSecond: number }> {
  for (let i = 0; i < WARMUP_CALLS; i++) await call();
  const result = await closedLoop(seconds, concurrency, () => call());
  close();
  return { calls: result.latencies.length + WARMUP_CALLS, perSecond: result.perSecond };
}

const WARMUP_CALLS = 200;

/** The bare echo server of grpc-js: one unary method answering every call with `bytes`. */
function grpcEchoServer(bytes: number): string {
  const grpcPath = createRequire(import.meta.url).resolve('@grpc/grpc-js');
  return `
    const grpc = require(${JSON.stringify(grpcPath)});
    const id = (b) => b;
    const payload = Buffer.alloc(${bytes}, 7);
    const server = new grpc.Server(${JSON.stringify(SERVER_OPTIONS)});
    server.addService({ Echo: { path: '${ECHO_METHOD}', requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } },
      { Echo: (call, done) => done(null, payload) });
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => process.stdout.write(String(port) + '\\n'));
    process.stdin.on('end', () => process.exit(0)).resume();`;
}

const ECHO_METHOD = '/bench.Floor/Echo';
const ECHO_REQUEST_BYTES = 1_000;

/** grpc-js alone: the bare echo server (with the backend's server options), called through a grpc-js client. */
function grpcFloor(bytes: number, seconds: number, concurrency: number): Promise<Floor> {
  return measureFloor(grpcEchoServer(bytes), (port) => {
    const id = (b: Buffer) => b;
    const Client = grpc.makeGenericClientConstructor(
      { Echo: { path: ECHO_METHOD, requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id, originalName: 'Echo' } },
      'Floor',
    );
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const request = Buffer.alloc(ECHO_REQUEST_BYTES, 1);
    const call = () =>
      new Promise<number>((done, fail) => {
        const started = performance.now();
        (client as unknown as { Echo: (r: Buffer, cb: (e: Error | null) => void) => void }).Echo(request, (error) => (error ? fail(error) : done(performance.now() - started)));
      });
    return nodeDriven(call, () => client.close(), seconds, concurrency);
  });
}

/** grpc-js alone, called as Grafana calls it: the bare echo server driven by the grpc-go client. */
function grpcGoFloor(bytes: number, seconds: number, concurrency: number): Promise<Floor> {
  return measureFloor(grpcEchoServer(bytes), async (port) => {
    const result = await runLoad({
      address: `127.0.0.1:${port}`, method: ECHO_METHOD, check: 'none', seconds, concurrency, warmup: WARMUP_CALLS,
      requests: [{ second: 0, message: Buffer.alloc(ECHO_REQUEST_BYTES, 1) }],
    });
    return { calls: result.calls + WARMUP_CALLS, perSecond: result.perSecond };
  });
}

/**
 * The burst floor: bursts of one call per panel at once from the grpc-go client to the bare echo
 * server, a second apart, as the dashboard replay sends them. All answers of a burst share the
 * connection (HTTP/2 interleaves them, so they end together), which bounds a refresh's latency.
 */
function grpcGoBurstFloor(bytes: number, bursts: number): Promise<Floor> {
  return measureFloor(grpcEchoServer(bytes), async (port) => {
    const client = new BurstClient({ address: `127.0.0.1:${port}`, method: ECHO_METHOD });
    const messages = PANELS.map(() => Buffer.alloc(ECHO_REQUEST_BYTES, 1));
    try {
      await client.burst(messages); // the connection's first burst, as the cold refresh is for the backend
      const latencies: number[] = [];
      for (let i = 0; i < bursts; i++) {
        await new Promise((done) => setTimeout(done, 1000));
        for (const call of await client.burst(messages)) {
          if (call.error) throw new Error(`echo burst: ${call.error}`);
          latencies.push(call.ms);
        }
      }
      return { calls: latencies.length + messages.length, perSecond: NaN, latencies };
    } finally {
      client.close();
    }
  });
}

/**
 * node:http2 alone, no gRPC library on either side: a server that answers every POST with
 * `bytes` and gRPC's status trailer. What any Node server of this protocol costs at the least.
 */
function http2Floor(bytes: number, seconds: number, concurrency: number): Promise<Floor> {
  const server = `
    const http2 = require('node:http2');
    const payload = Buffer.alloc(${bytes}, 7);
    const server = http2.createServer();
    server.on('stream', (stream) => {
      stream.on('data', () => {});
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(payload);
      });
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
    process.stdin.on('end', () => process.exit(0)).resume();`;
  return measureFloor(server, (port) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const request = Buffer.alloc(ECHO_REQUEST_BYTES, 1);
    const call = () =>
      new Promise<number>((done, fail) => {
        const started = performance.now();
        const stream = session.request({ ':method': 'POST', ':path': ECHO_METHOD, 'content-type': 'application/grpc', te: 'trailers' });
        stream.on('data', () => {});
        stream.on('end', () => done(performance.now() - started));
        stream.on('error', fail);
        stream.end(request);
      });
    return nodeDriven(call, () => session.close(), seconds, concurrency);
  });
}

function shippedNode(): string | undefined {
  const dist = join(ROOT, '.cache', 'node-dist');
  const versions = existsSync(dist) ? readdirSync(dist) : [];
  return versions.map((version) => join(dist, version, `${process.platform}-${process.arch}`, 'node')).find((path) => existsSync(path));
}

function cpuModel(): string {
  return os.cpus()[0]?.model.trim() ?? 'unknown CPU';
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'encore-bench-query-'));
  const loadAtStart = os.loadavg()[0]!;
  let prom: PrometheusFixture | undefined;
  let host: PluginHost | undefined;
  try {
    const end = Math.floor(Date.now() / MINUTE) * MINUTE;
    log(`backfilling ${BACKFILL_MS / HOUR} h up to now with the simulator`);
    await runSimulator([
      'backfill', '--from', new Date(end - BACKFILL_MS).toISOString(), '--to', new Date(end).toISOString(),
      '--interval', '60s', '--chunk', '12h', '--warmup', '30m', '--users', '20000', '--seed', '7', '--out', join(dir, 'om'),
    ]);
    const files = readdirSync(join(dir, 'om')).filter((name) => name.endsWith('.om')).map((name) => join(dir, 'om', name));
    log('loading it into Prometheus (promtool)');
    // BENCH_CPU_PROFILE=dir: the bundle under `node --cpu-prof` instead of the executable, to see where the time goes.
    const profile = process.env.BENCH_CPU_PROFILE;
    // The Node the executable embeds (the build keeps it in .cache/node-dist/<version>/<platform>),
    // so the profile is of the same engine.
    const profileNode = shippedNode() ?? process.execPath;
    const command = profile ? [profileNode, '--cpu-prof', `--cpu-prof-dir=${profile}`, join(ROOT, '.cache', 'backend', 'encore-backend.cjs')] : undefined;
    [prom, host] = await Promise.all([startPrometheus({ data: false, openMetricsFiles: files }), launchPlugin(command ? { command } : {})]);
    const counted = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent('count({__name__=~"encore_.+"})')}`)).json()) as {
      data: { result: Array<{ value: [number, string] }> };
    };
    const seriesCount = counted.data.result[0]?.value[1] ?? 'n/a';
    // The rate limits (20 queries/s per user by default) are off: this measures the query path, not them.
    const jsonData = { sourceKind: 'prometheus', scrapeInterval: '1m', rateLimitUserQps: 0, rateLimitOrgQps: 0 };
    const cached: DataSourceInput = { uid: 'bench-cached', url: prom.url, jsonData };
    const off: DataSourceInput = { uid: 'bench-off', url: prom.url, jsonData: { ...jsonData, cacheMode: 'off' } };

    // ---- cold: the first refresh, every panel a cache miss; it also tells what each panel sends upstream.
    log('cold refresh');
    const cold = await Promise.all(PANELS.map((panel) => ask(host!, panel, cached)));
    const plans = PANELS.map((panel, i) => rawPlan(panel, cold[i]!.frames));

    // ---- the dashboard in real time: 10 panels every 10 s, all at once as Grafana sends them,
    // first from a grpc-go client (Grafana's client library, in its own process: what Grafana's
    // users see), then for half as long from the harness's grpc-js client, for comparison.
    buildLoadClient();
    const serialize = loadProtocol().services.Data.QueryData!.requestSerialize;
    const deserialize = loadProtocol().services.Data.QueryData!.responseDeserialize;
    log(`dashboard replay through grpc-go: ${DASHBOARD_SECONDS} s, a refresh every ${REFRESH_MS / 1000} s`);
    const bursts = new BurstClient({ address: host.handshake.target, method: '/pluginv2.Data/QueryData' });
    const goReplay = await replayDashboard(host, DASHBOARD_SECONDS, async (to) => {
      const calls = await bursts.burst(PANELS.map((panel) => serialize(panelRequest(panel, cached, to))));
      return calls.map((call, i) => {
        const answer = call.answer && (deserialize(call.answer) as { responses: Record<string, { frames: Buffer[]; error: string }> }).responses.A;
        if (!answer || answer.error) throw new Error(`${PANELS[i]!.title}: ${call.error ?? answer?.error ?? 'no answer'}`);
        return { ms: call.ms, frames: answer.frames };
      });
    });
    bursts.close();
    log(`dashboard replay through the harness: ${HARNESS_REPLAY_SECONDS} s`);
    const harnessReplay = await replayDashboard(host, HARNESS_REPLAY_SECONDS, (to) => Promise.all(PANELS.map((panel) => ask(host!, panel, cached, to))));
    const { replay, fromCache, counts: dashboard } = goReplay;

    // ---- cached throughput: closed loop over the same panels (the window still moves with the clock).
    log(`cached throughput: ${CONCURRENCY} in flight for ${LOAD_SECONDS} s`);
    const cpuBefore = cpuMs(host.pid);
    const beforeLoad = cacheCounts(await metrics(host));
    const requests = PANELS.map(() => panelRequest(PANELS[0]!, cached));
    let lastRebuild = 0;
    const loaded = await closedLoop(LOAD_SECONDS, CONCURRENCY, async (i) => {
      // Requests are rebuilt once a second with the current time, as a browser does per refresh.
      if (Date.now() - lastRebuild > 1000) {
        lastRebuild = Date.now();
        PANELS.forEach((panel, j) => (requests[j] = panelRequest(panel, cached)));
      }
      const started = performance.now();
      const response = await host!.queryData(requests[i]!);
      if (response.responses.A?.error) throw new Error(response.responses.A.error);
      return performance.now() - started;
    });
    const cpuPerQuery = (cpuMs(host.pid) - cpuBefore) / loaded.latencies.length;
    const load = diff(beforeLoad, cacheCounts(await metrics(host)));

    // ---- the same closed loop as Grafana drives it: grpc-go (Grafana's client library) in its own
    // process, one connection, requests serialized beforehand and moving with the clock each second.
    log(`cached throughput through grpc-go: ${CONCURRENCY} in flight for ${LOAD_SECONDS} s`);
    const firstTo = Date.now();
    const goRequests = Array.from({ length: LOAD_SECONDS + 1 }, (_, second) =>
      PANELS.map((panel) => ({ second, message: serialize(panelRequest(panel, cached, firstTo + second * 1000)) })),
    ).flat();
    const beforeGo = cacheCounts(await metrics(host));
    const goCpuBefore = cpuMs(host.pid);
    const goLoaded: LoadResult = await runLoad({
      address: host.handshake.target, method: '/pluginv2.Data/QueryData', check: 'querydata',
      seconds: LOAD_SECONDS, concurrency: CONCURRENCY, warmup: WARMUP_CALLS, requests: goRequests,
    });
    if (goLoaded.failures > 0) throw new Error(`grpc-go closed loop: ${goLoaded.failures} of ${goLoaded.calls} calls failed, the first: ${goLoaded.firstError}`);
    const goCpuPerQuery = (cpuMs(host.pid) - goCpuBefore) / (goLoaded.calls + WARMUP_CALLS);
    const goLoad = diff(beforeGo, cacheCounts(await metrics(host)));

    // ---- the transport floors: gRPC alone and HTTP/2 alone, with an answer of the median panel's size.
    const answerBytes = median(cold.map((c) => c.frames.reduce((n, f) => n + f.length, 0)));
    log(`transport floors: an echo of ${answerBytes} bytes, ${CONCURRENCY} in flight for ${LOAD_SECONDS} s, through grpc-js and through node:http2`);
    const grpcOnly = await grpcFloor(Math.round(answerBytes), LOAD_SECONDS, CONCURRENCY);
    const grpcGoOnly = await grpcGoFloor(Math.round(answerBytes), LOAD_SECONDS, CONCURRENCY);
    const http2Only = await http2Floor(Math.round(answerBytes), LOAD_SECONDS, CONCURRENCY);
    const BURST_FLOOR_BURSTS = 12;
    log(`burst floor: ${BURST_FLOOR_BURSTS} bursts of ${PANELS.length} echoes of ${answerBytes} bytes, grpc-go`);
    const burstFloor = (await grpcGoBurstFloor(Math.round(answerBytes), BURST_FLOOR_BURSTS)).latencies!;

    // ---- Prometheus directly, same expressions and spans, same concurrency.
    log(`raw query_range: ${CONCURRENCY} in flight for ${LOAD_SECONDS} s`);
    const rawLoaded = await closedLoop(LOAD_SECONDS, CONCURRENCY, (i) => rawQuery(prom!, plans[i]!));

    // ---- one at a time: uncached (cache off) and cold (memory, a new data source each round) against raw.
    log(`uncached and raw, one at a time, ${UNCACHED_ROUNDS} rounds`);
    const uncachedMs = PANELS.map(() => [] as number[]);
    const coldMs = PANELS.map(() => [] as number[]);
    const rawMs = PANELS.map(() => [] as number[]);
    const cachedMs = PANELS.map(() => [] as number[]);
    const cachedAloneMs: number[] = [];
    const cachedAloneGcMs: number[] = [];
    const cachedFetchedMs: number[] = [];
    for (let round = 0; round < UNCACHED_ROUNDS; round++) {
      const fresh: DataSourceInput = { ...cached, uid: `bench-cold-${round}` };
      for (let i = 0; i < PANELS.length; i++) {
        const to = Date.now();
        const runs: Array<() => Promise<void>> = [
          async () => void rawMs[i]!.push(await rawQuery(prom!, plans[i]!, to)),
          async () => void uncachedMs[i]!.push((await ask(host!, PANELS[i]!, off, to)).ms),
          async () => void coldMs[i]!.push((await ask(host!, PANELS[i]!, fresh, to)).ms),
          async () => {
            // The backend's garbage collection pauses around the query (prom-client's histogram,
            // read through CollectMetrics outside the timed call): what a slow cached answer waited on.
            const gcBefore = gcPauseMs(await metrics(host!));
            const answer = await ask(host!, PANELS[i]!, cached, to);
            const gcMs = gcPauseMs(await metrics(host!)) - gcBefore;
            cachedMs[i]!.push(answer.ms);
            // "On its own" means from the cache alone: a query whose recent edge had expired went upstream.
            if (fetchedNothing(answer.frames)) {
              cachedAloneMs.push(answer.ms);
              cachedAloneGcMs.push(gcMs);
            } else cachedFetchedMs.push(answer.ms);
          },
        ];
        // The order turns each round, so that none of them always meets Prometheus' page cache cold.
        for (let k = 0; k < runs.length; k++) await runs[(k + round) % runs.length]!();
      }
    }

    // ---- the report
    const stepsRate = dashboard.stepsHit / Math.max(1, dashboard.stepsHit + dashboard.stepsMiss);
    const answerRate = dashboard.answerHit / Math.max(1, dashboard.answerHit + dashboard.answerMiss);
    const extentRate = dashboard.extentHit / Math.max(1, dashboard.extentLookups);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const ratioOf = (panels: number[], a: number[][], b: number[][]) => sum(panels.map((i) => median(a[i]!))) / sum(panels.map((i) => median(b[i]!)));
    const all = PANELS.map((_, i) => i);
    const detecting = all.filter((i) => PANELS[i]!.detection);
    const uncachedRatio = ratioOf(all, uncachedMs, rawMs);
    const detectRatio = ratioOf(detecting, uncachedMs, rawMs);
    const cpus = os.cpus();
    const met = (ok: boolean) => (ok ? 'met' : '**not met**');
    const p99 = percentile(replay, 0.99);
    const cachedP99 = percentile(fromCache, 0.99);
    const sequential = cachedAloneMs;
    // The slowest cached answers on their own, and the collection pauses that fell inside them.
    const slowest = cachedAloneMs
      .map((msTaken, k) => ({ msTaken, gc: cachedAloneGcMs[k]! }))
      .sort((a, b) => b.msTaken - a.msTaken)
      .slice(0, 3);
    const slowestText = slowest.map((q) => `${ms(q.msTaken)} ms (${ms(q.gc)} ms of it garbage collection)`).join(', ');
    const lines = [
      '# Query path and results cache',
      '',
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench:query\` on ${os.type()} ${os.arch()}, ${cpus.length} × ${cpuModel()} ` +
        `(shared with other jobs: load average ${loadAtStart.toFixed(1)} at the start), Node ${process.version} for the harness, ${profile ? `the backend bundle under ${profileNode} --cpu-prof` : 'the built backend (Node 24 single executable)'}, Prometheus ${prom.version}.`,
      `Data: a simulator backfill of ${BACKFILL_MS / HOUR} h up to now at 1 min (${seriesCount} series), the data source in its default cache mode (memory, recent TTL 30 s), rate limits off.`,
      `Workload: one dashboard, ${PANELS.length} panels (${detecting.length} with anomaly detection), last ${WINDOW_MS / HOUR} h at a 1 min step, every panel its own QueryData as Grafana sends them, ` +
        `a refresh every ${REFRESH_MS / 1000} s for ${DASHBOARD_SECONDS} s in real time (${replay.length} QueryData). The harness (client), the backend and Prometheus share the machine's cores; in a refresh burst Prometheus evaluates the queries that fetched new steps at the same time as the backend answers the others. ` +
        `The refreshes are sent as Grafana sends them, by a grpc-go client (bench/load) in its own process on one connection, then for ${HARNESS_REPLAY_SECONDS} s more by the harness's grpc-js client for comparison; ` +
        `the closed-loop phases repeat the panel queries as fast as answers come back, from both clients.`,
      '',
      '| Target | Measured | |',
      '| --- | --- | --- |',
      `| cache hit rate >= 95 % | ${pct(stepsRate)} of the requested steps served from the cache (${pct(answerRate)} of the queries answered from a cached answer, ${pct(extentRate)} of the extent lookups hits) | ${met(stepsRate >= 0.95)} |`,
      `| cached p99 < 50 ms | called as Grafana calls (grpc-go), queries answered from the cache alone (${fromCache.length} of ${replay.length}): p50 ${ms(median(fromCache))} ms, p95 ${ms(percentile(fromCache, 0.95))} ms, p99 ${ms(cachedP99)} ms. ` +
        `All queries, including those that fetched the newest steps: p50 ${ms(median(replay))} ms, p95 ${ms(percentile(replay, 0.95))} ms, p99 ${ms(p99)} ms. ` +
        `The transport alone bounds a refresh: ${PANELS.length} calls at once to a bare grpc-js echo server of the same answer size take p50 ${ms(median(burstFloor))} ms, p99 ${ms(percentile(burstFloor, 0.99))} ms (grpc-go). ` +
        `Through the harness's grpc-js client, which shares the process with the bench (${harnessReplay.fromCache.length} of ${harnessReplay.replay.length} from the cache alone): p50 ${ms(median(harnessReplay.fromCache))} ms, p99 ${ms(percentile(harnessReplay.fromCache, 0.99))} ms. ` +
        `A cached query on its own (not in a burst of ${PANELS.length}; ${sequential.length} answered from the cache alone, ${cachedFetchedMs.length} others fetched the newest steps): p50 ${ms(median(sequential))} ms, p99 ${ms(percentile(sequential, 0.99))} ms; the slowest three ${slowestText} | ` +
        `${met(cachedP99 < 50)} (refresh burst, grpc-go); ${percentile(harnessReplay.fromCache, 0.99) < 50 ? 'met' : '**not met**'} (refresh burst, harness); ${percentile(sequential, 0.99) < 50 ? 'met' : '**not met**'} (on its own) |`,
      `| >= 10,000 cached QueryData/s | ${goLoaded.perSecond.toFixed(0)} QueryData/s called as Grafana calls (grpc-go in its own process, one connection, ${CONCURRENCY} in flight; ` +
        `backend CPU ${ms(goCpuPerQuery)} ms per QueryData, the client's ${ms(goLoaded.clientCpuMs / (goLoaded.calls + WARMUP_CALLS))} ms). ` +
        `Through the harness's grpc-js client: ${loaded.perSecond.toFixed(0)}/s (backend CPU ${ms(cpuPerQuery)} ms per QueryData). ` +
        `The transport alone, with no query work: a bare grpc-js echo server of the same answer size manages ${grpcGoOnly.perSecond.toFixed(0)}/s with the grpc-go client (server CPU ${ms(grpcGoOnly.serverCpuMs)} ms per call) and ${grpcOnly.perSecond.toFixed(0)}/s with a grpc-js client (${ms(grpcOnly.serverCpuMs)} ms); ` +
        `node:http2 without any gRPC library ${http2Only.perSecond.toFixed(0)}/s (server CPU ${ms(http2Only.serverCpuMs)} ms per call) | ${met(goLoaded.perSecond >= 10_000)} |`,
      `| uncached overhead with detection <= 1.2x raw query_range | ${detectRatio.toFixed(2)}x on the detection panels, ${uncachedRatio.toFixed(2)}x on all panels (cache off, one query at a time, sum of per-panel medians) | ${met(detectRatio <= 1.2)} |`,
      '',
      '## The phases',
      '',
      '| Phase | Requests | per second | p50 ms | p95 ms | p99 ms | Prometheus requests |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| cold refresh (empty cache), 10 at once | ${cold.length} | | ${ms(median(cold.map((c) => c.ms)))} | ${ms(percentile(cold.map((c) => c.ms), 0.95))} | ${ms(percentile(cold.map((c) => c.ms), 0.99))} | |`,
      ...replayRows('dashboard replay (grpc-go, as Grafana)', goReplay, DASHBOARD_SECONDS),
      ...replayRows('dashboard replay (harness grpc-js client)', harnessReplay, HARNESS_REPLAY_SECONDS),
      `| cached, one at a time: from the cache alone | ${sequential.length} | | ${ms(median(sequential))} | ${ms(percentile(sequential, 0.95))} | ${ms(percentile(sequential, 0.99))} | 0 |`,
      `| cached, one at a time: fetched the newest steps | ${cachedFetchedMs.length} | | ${ms(median(cachedFetchedMs))} | ${ms(percentile(cachedFetchedMs, 0.95))} | ${ms(percentile(cachedFetchedMs, 0.99))} | |`,
      `| cached, closed loop, ${CONCURRENCY} in flight, grpc-go client (as Grafana) | ${goLoaded.calls} | ${goLoaded.perSecond.toFixed(0)} | ${ms(goLoaded.p50Ms)} | ${ms(goLoaded.p95Ms)} | ${ms(goLoaded.p99Ms)} | ${goLoad.upstream} |`,
      `| cached, closed loop, ${CONCURRENCY} in flight, the harness's grpc-js client | ${loaded.latencies.length} | ${loaded.perSecond.toFixed(0)} | ${ms(median(loaded.latencies))} | ${ms(percentile(loaded.latencies, 0.95))} | ${ms(percentile(loaded.latencies, 0.99))} | ${load.upstream} |`,
      `| gRPC alone (grpc-js echo server of ${Math.round(answerBytes)} bytes, no query work), grpc-go client, ${CONCURRENCY} in flight | | ${grpcGoOnly.perSecond.toFixed(0)} | | | | |`,
      `| gRPC alone (grpc-js echo server of ${Math.round(answerBytes)} bytes, no query work), grpc-js client, ${CONCURRENCY} in flight | | ${grpcOnly.perSecond.toFixed(0)} | | | | |`,
      `| gRPC alone, bursts of ${PANELS.length} at once a second apart (grpc-js echo server of ${Math.round(answerBytes)} bytes), grpc-go client | ${burstFloor.length} | | ${ms(median(burstFloor))} | ${ms(percentile(burstFloor, 0.95))} | ${ms(percentile(burstFloor, 0.99))} | |`,
      `| HTTP/2 alone (node:http2 echo of ${Math.round(answerBytes)} bytes, no gRPC library, no query work), ${CONCURRENCY} in flight | | ${http2Only.perSecond.toFixed(0)} | | | | |`,
      `| Prometheus query_range directly, ${CONCURRENCY} in flight | ${rawLoaded.latencies.length} | ${rawLoaded.perSecond.toFixed(0)} | ${ms(median(rawLoaded.latencies))} | ${ms(percentile(rawLoaded.latencies, 0.95))} | ${ms(percentile(rawLoaded.latencies, 0.99))} | ${rawLoaded.latencies.length} |`,
      '',
      `Cached against raw in the same run: ${(goLoaded.perSecond / rawLoaded.perSecond).toFixed(1)}x the requests per second, ${(median(rawLoaded.latencies) / goLoaded.p50Ms).toFixed(1)}x lower median latency under load (grpc-go client).`,
      '',
      `## Per panel, one query at a time (median of ${UNCACHED_ROUNDS}, ms)`,
      '',
      'Raw = Prometheus query_range for the same expression, step and span (detection panels: history and range in one request). Cache off = `cacheMode: off`; cold = memory mode with an empty cache (a new data source each round); cached = the warm data source.',
      '',
      '| Panel | points | raw | cache off | off / raw | cold | cached |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...PANELS.map((panel, i) => {
        const plan = plans[i]!;
        const points = Math.round(WINDOW_MS / plan.stepMs) + 1 + plan.historyPoints;
        return `| ${panel.title} | ${points} | ${ms(median(rawMs[i]!))} | ${ms(median(uncachedMs[i]!))} | ${(median(uncachedMs[i]!) / median(rawMs[i]!)).toFixed(2)}x | ${ms(median(coldMs[i]!))} | ${ms(median(cachedMs[i]!))} |`;
      }),
      '',
    ];
    writeFileSync(RESULTS, lines.join('\n'));
    process.stdout.write(`${lines.join('\n')}\n`);
    log(`wrote ${RESULTS}`);
  } finally {
    await host?.stop();
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:query failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
