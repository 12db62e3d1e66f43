// The BUILT backend executable, driven through the Grafana stand-in exactly as Grafana/go-plugin
// would drive it (fact sheet §6): launch, handshake, logging, the RPCs Grafana calls, and every way
// the process can be stopped. Needs `npm run build` (or ENCORE_BACKEND_EXECUTABLE, see locate.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchPlugin, type LaunchOptions, type PluginHost } from '../harness/grafana-host';
import { assertGrafanaReadableFrame } from '../harness/go-reader-rules';
import { launchUnderDisposableParent } from '../harness/parent-death';
import { callResourceRequest, checkHealthRequest, dataQuery, queryDataRequest } from '../harness/plugin-context';
import { spawnPlugin, type SpawnOptions } from '../harness/plugin-process';
import { isLoopbackAddress } from '../harness/proc';
import { backendCommand } from '../harness/locate';
import { HealthStatus, type DataResponse } from '../harness/wire';

const UNIMPLEMENTED = 12;
const UNAVAILABLE = 14;
/** A healthy Node SEA starts in about a second; go-plugin's limit is 60 s, ours is tighter. */
const HANDSHAKE_BUDGET_MS = 10_000;
const DEMO_EXPR = 'encore_demo_active_listeners{market="SE"}';

const launched: PluginHost[] = [];
async function launch(options: LaunchOptions = {}): Promise<PluginHost> {
  const host = await launchPlugin(options);
  launched.push(host);
  return host;
}
after(async () => {
  await Promise.all(launched.map((h) => h.dispose()));
});

/** Status as Grafana reads it: 0 means 200 unless an error is set. */
function effectiveStatus(response: DataResponse): number {
  if (response.status !== 0) return response.status;
  return response.error ? 500 : 200;
}

function promqlQuery(refId: string, expr: string) {
  const to = Date.now();
  return dataQuery({ refId, json: { queryType: 'promql', expr }, timeRange: { from: to - 6 * 3_600_000, to }, maxDataPoints: 500 });
}

/** Runs the process without expecting a handshake, for launches that must be refused. */
async function runToExit(options: Omit<SpawnOptions, 'command'>, timeoutMs: number) {
  const started = Date.now();
  const proc = spawnPlugin({ ...options, command: backendCommand() });
  try {
    const exit = await proc.waitForExit(timeoutMs);
    await Promise.race([proc.stdioClosed, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    return { exit, ms: Date.now() - started, stdout: proc.stdoutLines, stderr: proc.stderr.text() };
  } finally {
    await proc.dispose();
  }
}

describe('launch and handshake', () => {
  let host: PluginHost;
  before(async () => {
    host = await launch();
  });

  it('prints a go-plugin handshake for protocol 2 over TCP on loopback, promptly', () => {
    assert.match(host.handshake.raw, /^1\|2\|tcp\|127\.0\.0\.1:\d{1,5}\|grpc(\|)?$/);
    assert.ok(host.msToHandshake < HANDSHAKE_BUDGET_MS, `handshake after ${host.msToHandshake} ms`);
  });

  it('prints nothing on stdout before or after the handshake', async () => {
    assert.equal(host.process.stdoutLines[0], host.handshake.raw);
    await host.health();
    await host.queryData(queryDataRequest({ queries: [promqlQuery('A', DEMO_EXPR)] }));
    assert.deepEqual(host.extraStdout, []);
  });

  it('listens on loopback only', () => {
    const sockets = host.process.listeningSockets();
    assert.ok(sockets.length > 0, 'no listening socket found in /proc');
    assert.deepEqual(
      sockets.filter((s) => !isLoopbackAddress(s.address)),
      [],
    );
  });

  it('answers the go-plugin health check for "plugin"', async () => {
    assert.equal(await host.health('plugin'), 'SERVING');
  });

  it('tolerates the broker and stdio streams go-plugin opens, and keeps serving', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(host.broker.state === 'open' || host.broker.code === UNIMPLEMENTED, `broker stream: ${JSON.stringify(host.broker)}`);
    assert.ok(
      host.stdio.state === 'open' || host.stdio.code === UNIMPLEMENTED || host.stdio.code === UNAVAILABLE,
      `stdio stream: ${JSON.stringify(host.stdio)}`,
    );
    assert.equal(await host.health('plugin'), 'SERVING');
  });
});

describe('logging', () => {
  it('writes stderr only as hclog JSON with microsecond timestamps, at debug level and through shutdown', async () => {
    // [plugin.<id>] log_level = debug in grafana.ini reaches the plugin as GF_PLUGIN_LOG_LEVEL.
    const host = await launch({ envOverrides: { GF_PLUGIN_LOG_LEVEL: 'debug' } });
    // exercise a few paths first, errors included, so their log lines are judged too
    await host.checkHealth(checkHealthRequest());
    await host.queryData(queryDataRequest({ queries: [promqlQuery('A', DEMO_EXPR), promqlQuery('B', ''), dataQuery({ refId: 'C', jsonRaw: '{oops' })] }));
    await host.callResource(callResourceRequest({ path: 'no/such/resource' }));
    host.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stop = await host.stop();
    assert.equal(stop.exitCode, 0);
    await host.process.stdioClosed;
    assert.ok(host.log.entries.length >= 3, `only ${host.log.entries.length} stderr line(s) to judge:\n${host.log.text()}`);
    host.log.assertStrictHclog({ requireTimestamp: true });
  });
});

describe('environments Grafana may give', () => {
  it('works with the minimal environment of SkipHostEnv mode (no PATH, no HOME)', async () => {
    const host = await launch({ env: 'minimal' });
    assert.equal(host.process.env.PATH, undefined);
    assert.equal(await host.health(), 'SERVING');
    const response = await host.queryData(queryDataRequest({ queries: [promqlQuery('A', DEMO_EXPR)] }));
    assert.equal(effectiveStatus(response.responses.A!), 200, response.responses.A?.error);
    const stop = await host.stop();
    assert.equal(stop.exitCode, 0);
    host.log.assertStrictHclog();
  });

  it('refuses to run without the magic cookie: exit != 0, a message on stderr, nothing on stdout', async () => {
    const run = await runToExit({ env: 'no-cookie' }, 10_000);
    assert.ok(run.exit, 'still running 10 s after start without the cookie');
    assert.notEqual(run.exit.code, 0);
    assert.ok(run.ms < 5_000, `took ${run.ms} ms to give up`);
    assert.deepEqual(run.stdout, []);
    assert.match(run.stderr, /grafana_plugin_type/);
  });

  it('exits non-zero when the host offers only protocol 1', async () => {
    const run = await runToExit({ protocolVersions: '1' }, 10_000);
    assert.ok(run.exit, 'still running 10 s after start');
    assert.notEqual(run.exit.code, 0);
    assert.deepEqual(run.stdout, [], 'no handshake when no version can be agreed');
    assert.match(run.stderr, /PLUGIN_PROTOCOL_VERSIONS/);
  });
});

describe('Grafana calls on the demo source', () => {
  let host: PluginHost;
  before(async () => {
    host = await launch();
  });

  it('CheckHealth with no URL (demo source) is OK with a JSON object as details', async () => {
    const response = await host.checkHealth(checkHealthRequest());
    assert.equal(response.status, HealthStatus.OK, response.message);
    assert.ok(response.message.length > 0, 'a message for the "Save & test" banner');
    const details: unknown = JSON.parse(response.jsonDetails.toString('utf8'));
    assert.ok(details !== null && typeof details === 'object' && !Array.isArray(details), `jsonDetails: ${response.jsonDetails.toString()}`);
  });

  it('CollectMetrics returns Prometheus text with encore_ and process metrics', async () => {
    const response = await host.collectMetrics({ pluginContext: checkHealthRequest().pluginContext });
    const text = response.metrics?.prometheus.toString('utf8') ?? '';
    const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    assert.ok(samples.length > 0, 'no samples');
    const sampleLine = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?\d+)?$/;
    assert.deepEqual(
      samples.filter((line) => !sampleLine.test(line)),
      [],
      'every sample line follows the text exposition format',
    );
    assert.match(text, /^# TYPE encore_\w+ (counter|gauge|histogram|summary)$/m);
    assert.match(text, /^(\w+_)?process_(cpu_seconds_total|resident_memory_bytes)\b/m);
  });

  it('QueryData answers a demo PromQL query with frames Grafana can read', async () => {
    const query = promqlQuery('A', DEMO_EXPR);
    const response = await host.queryData(queryDataRequest({ queries: [query] }));
    const answer = response.responses.A;
    assert.ok(answer, `no response for refId A: ${JSON.stringify(Object.keys(response.responses))}`);
    assert.equal(answer.error, '');
    assert.equal(effectiveStatus(answer), 200);
    assert.ok(answer.frames.length > 0, 'no frames');
    const from = Number(query.timeRange.fromEpochMS);
    const to = Number(query.timeRange.toEpochMS);
    for (const bytes of answer.frames) {
      const frame = assertGrafanaReadableFrame(new Uint8Array(bytes));
      assert.equal(frame.refId, 'A');
      const time = frame.fields.find((f) => f.type === 'time');
      const values = frame.fields.find((f) => f.type === 'float64' || f.type === 'int64');
      assert.ok(time && values, `frame needs a time and a number field: ${frame.fields.map((f) => `${f.name}:${f.type}`).join(', ')}`);
      assert.ok(time.values.length > 0, 'empty series from the demo source');
      for (const t of time.values) {
        assert.ok(typeof t === 'number' && t >= from - 60_000 && t <= to + 60_000, `time ${String(t)} outside [${from}, ${to}]`);
      }
    }
  });

  it('fails bad queries one by one, with status 400, source plugin and the field named', async () => {
    const response = await host.queryData(
      queryDataRequest({
        queries: [
          promqlQuery('GOOD', DEMO_EXPR),
          promqlQuery('EMPTY', ''),
          dataQuery({ refId: 'TYPE', json: { queryType: 'sql', expr: 'up' } }),
          dataQuery({ refId: 'NOTJSON', jsonRaw: '{"queryType": "promql", "expr": ' }),
        ],
      }),
    );
    const { GOOD, EMPTY, TYPE, NOTJSON } = response.responses;
    assert.ok(GOOD && EMPTY && TYPE && NOTJSON, `every refId answered: ${Object.keys(response.responses).join(',')}`);
    assert.equal(effectiveStatus(GOOD), 200, GOOD.error);
    assert.ok(GOOD.frames.length > 0, 'the good neighbour still has frames');
    const expected: [string, DataResponse, RegExp][] = [
      ['EMPTY', EMPTY, /expr/],
      ['TYPE', TYPE, /queryType/],
      ['NOTJSON', NOTJSON, /query|json/i],
    ];
    for (const [refId, answer, field] of expected) {
      assert.deepEqual(
        { status: answer.status, errorSource: answer.errorSource, frames: answer.frames.length },
        { status: 400, errorSource: 'plugin', frames: 0 },
        `${refId}: ${answer.error}`,
      );
      assert.match(answer.error, field, `${refId} names the field`);
    }
  });

  it('CallResource on an unknown path answers 404 from the plugin', async () => {
    const result = await host.callResource(callResourceRequest({ path: 'no/such/resource', query: { x: '1' } }));
    assert.equal(result.status, 404);
    assert.ok(result.body.length > 0, 'a body explaining the 404');
  });
});

describe('robustness', () => {
  it('does not spin or hang when its stderr pipe breaks (Grafana gone), and still stops', async () => {
    const host = await launch({ envOverrides: { GF_PLUGIN_LOG_LEVEL: 'debug' } });
    host.process.breakStderrPipe();
    host.kill('SIGINT'); // logs "SIGINT ignored" at debug: a write into the broken pipe
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (host.process.running) {
      const cpu = await host.process.cpuSecondsOver(1_000);
      assert.ok(cpu === undefined || cpu < 0.5, `plugin burnt ${cpu?.toFixed(2)} s of CPU in 1 s after a stderr write failed with EPIPE`);
    }
    if (host.process.running) {
      assert.equal(await host.health('plugin', 2_000), 'SERVING', 'still answers gRPC');
      const stop = await host.stop();
      assert.equal(stop.killed, false, `needed SIGKILL after Shutdown (reply ${stop.shutdownReply})`);
    }
  });
});

describe('stopping', () => {
  it('Shutdown: exits with code 0 within 2 s and leaves no process behind', async () => {
    const host = await launch();
    await host.health();
    const stop = await host.stop();
    assert.deepEqual(
      { exitCode: stop.exitCode, signal: stop.signal, killed: stop.killed, shutdownReply: stop.shutdownReply },
      { exitCode: 0, signal: null, killed: false, shutdownReply: 'OK' },
    );
    assert.ok(stop.msToExit < 2_000, `${stop.msToExit} ms`);
    assert.deepEqual(await host.orphans(), { survivors: [], stdioHeldOpen: false });
    host.log.assertStrictHclog();
  });

  it('SIGTERM: exits with code 0', async () => {
    const host = await launch();
    host.kill('SIGTERM');
    const exit = await host.waitForExit(3_000);
    assert.ok(exit, 'still running 3 s after SIGTERM');
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null });
    assert.deepEqual((await host.orphans()).survivors, []);
  });

  it('SIGINT: ignored, the plugin keeps serving', async () => {
    const host = await launch();
    host.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(host.process.running, `exited on SIGINT: ${JSON.stringify(host.process.exitInfo)}`);
    assert.equal(await host.health(), 'SERVING');
    const response = await host.checkHealth(checkHealthRequest());
    assert.equal(response.status, HealthStatus.OK);
    assert.equal((await host.stop()).exitCode, 0);
  });

  it('kill -9, then a new process starts and serves (Grafana restarts killed plugins)', async () => {
    const first = await launch();
    first.kill('SIGKILL');
    const exit = await first.waitForExit(3_000);
    assert.equal(exit?.signal, 'SIGKILL');
    const second = await launch();
    assert.notEqual(second.pid, first.pid);
    assert.equal(await second.health(), 'SERVING');
    const response = await second.queryData(queryDataRequest({ queries: [promqlQuery('A', DEMO_EXPR)] }));
    assert.equal(effectiveStatus(response.responses.A!), 200);
    assert.equal((await second.stop()).exitCode, 0);
  });

  it('exits within a few seconds when Grafana (its parent) dies', async () => {
    const orphanable = await launchUnderDisposableParent();
    try {
      assert.match(orphanable.handshake, /^1\|2\|tcp\|/);
      orphanable.killParent();
      const goneAfter = await orphanable.waitPluginGone(5_000);
      assert.ok(goneAfter !== undefined, `plugin still running 5 s after its parent was killed: ${orphanable.describePlugin()}`);
    } finally {
      orphanable.dispose();
    }
  });

  it('exits when Ctrl-C kills Grafana and reaches the plugin too, with debug logging on', async () => {
    // Ctrl-C signals the whole process group: Grafana dies, the plugin ignores SIGINT and logs
    // that to a stderr pipe nobody reads any more. It must still notice the orphaning and exit.
    const orphanable = await launchUnderDisposableParent({ envOverrides: { GF_PLUGIN_LOG_LEVEL: 'debug' } });
    try {
      orphanable.killParent();
      assert.ok(await orphanable.waitOrphaned(2_000), 'plugin was not reparented after its parent died');
      orphanable.signalPlugin('SIGINT');
      const goneAfter = await orphanable.waitPluginGone(5_000);
      assert.ok(goneAfter !== undefined, `plugin still running 5 s after its parent was killed: ${orphanable.describePlugin()}`);
    } finally {
      orphanable.dispose();
    }
  });
});
