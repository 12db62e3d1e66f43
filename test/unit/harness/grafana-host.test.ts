// The harness against fake plugins (fixtures/fake-plugin.mjs): it must load a well-behaved one the
// way Grafana does, and refuse or flag every misbehaving one. If these pass, a failing protocol
// test means the product broke a rule, not that the harness was lenient or flaky.
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchPlugin, PluginLaunchError, ProtocolViolation, type LaunchOptions, type PluginHost } from '../../harness/grafana-host';
import { callResourceRequest, checkHealthRequest, dataQuery, forwardedHeaders, queryDataRequest, streamRequest } from '../../harness/plugin-context';
import { launchUnderDisposableParent } from '../../harness/parent-death';
import { spawnPlugin } from '../../harness/plugin-process';
import { isLoopbackAddress } from '../../harness/proc';

const FIXTURE = fileURLToPath(new URL('./fixtures/fake-plugin.mjs', import.meta.url));
const UNIMPLEMENTED = 12;

const hosts: PluginHost[] = [];
after(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
});

async function launchFake(mode: string, options: LaunchOptions = {}): Promise<PluginHost> {
  const host = await launchPlugin({ command: [process.execPath, FIXTURE, mode], handshakeTimeoutMs: 15_000, ...options });
  hosts.push(host);
  return host;
}

async function launchFailure(mode: string, options: LaunchOptions = {}): Promise<PluginLaunchError> {
  try {
    const host = await launchFake(mode, options);
    assert.fail(`harness accepted fake plugin in mode ${mode} (handshake ${host.handshake.raw})`);
  } catch (error) {
    assert.ok(error instanceof PluginLaunchError, `expected PluginLaunchError, got ${String(error)}`);
    return error;
  }
}

/** Polls until check() is true; the fake's pipes and streams settle asynchronously. */
async function eventually(check: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function pluginEnv(host: PluginHost): Promise<{ env: Record<string, string>; cwd: string }> {
  const result = await host.callResource(callResourceRequest({ path: 'env' }));
  return JSON.parse(result.body.toString('utf8')) as { env: Record<string, string>; cwd: string };
}

describe('a well-behaved plugin', () => {
  it('is launched like Grafana launches it and stopped like go-plugin stops it', async () => {
    const host = await launchFake('good');
    assert.match(host.handshake.raw, /^1\|2\|tcp\|127\.0\.0\.1:\d+\|grpc$/);
    assert.ok(host.msToHandshake < 15_000);
    assert.equal(await host.health('plugin'), 'SERVING');

    const { env, cwd } = await pluginEnv(host);
    assert.equal(env.grafana_plugin_type, 'datasource');
    assert.equal(env.PLUGIN_MIN_PORT, '0');
    assert.equal(env.PLUGIN_MAX_PORT, '0');
    assert.equal(env.PLUGIN_PROTOCOL_VERSIONS, '2');
    assert.equal(env.GF_VERSION, '13.2.2');
    assert.equal(env.PATH, process.env.PATH, 'host environment is inherited by default');
    assert.notEqual(cwd, dirname(FIXTURE), 'cwd must not be the plugin folder');
    assert.notEqual(cwd, process.cwd());

    // The fake registers neither broker nor stdio: go-plugin tolerates UNIMPLEMENTED.
    await eventually(() => host.broker.state !== 'open' && host.stdio.state !== 'open', 'side streams to settle');
    assert.equal(host.broker.code, UNIMPLEMENTED);
    assert.equal(host.stdio.code, UNIMPLEMENTED);
    assert.equal(await host.health('plugin'), 'SERVING', 'still serving after the side streams failed');

    host.log.assertStrictHclog();
    assert.deepEqual(host.extraStdout, []);
    const sockets = host.process.listeningSockets();
    assert.ok(sockets.length > 0 && sockets.every((s) => isLoopbackAddress(s.address)), JSON.stringify(sockets));

    const stop = await host.stop();
    assert.deepEqual({ code: stop.exitCode, signal: stop.signal, killed: stop.killed, reply: stop.shutdownReply }, { code: 0, signal: null, killed: false, reply: 'OK' });
    assert.ok(stop.msToExit < 2_000, `exited after ${stop.msToExit} ms`);
    assert.deepEqual(await host.orphans(), { survivors: [], stdioHeldOpen: false });
  });

  it('passes only the plugin variables in minimal (SkipHostEnv) mode', async () => {
    const host = await launchFake('good', { env: 'minimal' });
    const { env } = await pluginEnv(host);
    assert.equal(env.PATH, undefined);
    assert.equal(env.HOME, undefined);
    assert.equal(env.grafana_plugin_type, 'datasource');
    const allowed = /^(grafana_plugin_type|PLUGIN_(MIN_PORT|MAX_PORT|PROTOCOL_VERSIONS)|GF_[A-Z_]+|(HTTPS?|NO)_PROXY|(https?|no)_proxy)$/;
    // Node itself may add nothing; anything else leaked from the host environment.
    assert.deepEqual(Object.keys(env).filter((k) => !allowed.test(k)), []);
    await host.stop();
  });

  it('sends requests in wire form (int64 strings, jsonData bytes, http_ headers, whole browser query)', async () => {
    const host = await launchFake('good');
    const request = queryDataRequest({
      queries: [dataQuery({ refId: 'Q', json: { queryType: 'promql', expr: 'up' }, timeRange: { from: 1_000, to: 61_000 }, maxDataPoints: 60 })],
      context: { orgId: 3, datasource: { uid: 'abc', jsonData: { sourceKind: 'demo' }, secureJsonData: { bearerToken: 's3cret' } } },
      headers: forwardedHeaders({ Authorization: 'Bearer x' }),
    });
    const response = await host.queryData(request);
    const echo = JSON.parse(response.responses.Q!.jsonMeta.toString('utf8')) as {
      query: { refId: string; maxDataPoints: string; intervalMS: string; timeRange: { fromEpochMS: string }; json: string; queryType: string };
      headers: Record<string, string>;
      pluginContext: { orgId: string; dataSourceInstanceSettings: { jsonData: string; lastUpdatedMS: string; decryptedSecureJsonData: Record<string, string> } };
    };
    assert.equal(echo.query.maxDataPoints, '60');
    assert.equal(echo.query.intervalMS, '1000');
    assert.equal(echo.query.timeRange.fromEpochMS, '1000');
    assert.equal(echo.query.queryType, 'promql');
    assert.deepEqual(JSON.parse(echo.query.json), {
      refId: 'Q',
      datasource: { type: 'encore-streaming-datasource', uid: 'encore-test-ds' },
      datasourceId: 7,
      intervalMs: 1000,
      maxDataPoints: 60,
      queryType: 'promql',
      expr: 'up',
    });
    assert.deepEqual(echo.headers, { http_Authorization: 'Bearer x' });
    assert.equal(echo.pluginContext.orgId, '3');
    assert.equal(echo.pluginContext.dataSourceInstanceSettings.jsonData, '{"sourceKind":"demo"}');
    assert.match(echo.pluginContext.dataSourceInstanceSettings.lastUpdatedMS, /^\d+$/);
    assert.deepEqual(echo.pluginContext.dataSourceInstanceSettings.decryptedSecureJsonData, { bearerToken: 's3cret' });

    const health = await host.checkHealth(checkHealthRequest());
    assert.equal(health.status, 1);
    await host.stop();
  });

  it('reads resource streams with Grafana rules', async () => {
    const host = await launchFake('good');
    const streamed = await host.callResource(callResourceRequest({ path: '/stream', query: { a: '1' } }));
    assert.equal(streamed.status, 201);
    assert.equal(streamed.body.toString(), 'one,two,three');
    assert.deepEqual(streamed.headers, { 'X-First': ['1'], 'Content-Type': ['text/plain'] });
    assert.equal(streamed.messages.length, 3);
    assert.equal((await host.callResource(callResourceRequest({ path: 'nocontent' }))).status, 204);
    await assert.rejects(host.callResource(callResourceRequest({ path: 'empty' })), ProtocolViolation);
    await assert.rejects(host.callResource(callResourceRequest({ path: 'bad-code' })), ProtocolViolation);
    await host.stop();
  });

  it('runs, pulls from and cancels a stream like Grafana Live', async () => {
    const host = await launchFake('good');
    assert.equal((await host.subscribeStream(streamRequest({ path: 'ticks' }))).status, 0);
    assert.equal((await host.subscribeStream(streamRequest({ path: 'nope' }))).status, 1);
    const run = host.runStream(streamRequest({ path: 'ticks' }));
    const packets = await run.take(3, 5_000);
    assert.deepEqual(
      packets.map((p) => (JSON.parse(p.data.toString()) as { tick: number }).tick),
      [0, 1, 2],
    );
    run.cancel();
    const end = await run.ended;
    assert.equal(end.cancelledByHost, true);
    assert.equal(await run.next(1_000), undefined);
    await host.log.waitForLog((e) => e.message === 'stream cancelled', 5_000);
    assert.equal((await host.publishStream(streamRequest({ path: 'ticks', data: { x: 1 } }))).status, 2);
    await host.stop();
  });

  it('records stdout lines after the handshake', async () => {
    const host = await launchFake('chatty-stdout');
    await eventually(() => host.extraStdout.length > 0, 'a stdout line after the handshake');
    assert.deepEqual(host.extraStdout, ['serving']);
    await host.stop();
  });

  it('can crash a plugin and start a new one', async () => {
    const host = await launchFake('good');
    host.kill('SIGKILL');
    const exit = await host.waitForExit(5_000);
    assert.equal(exit?.signal, 'SIGKILL');
    const again = await launchFake('good');
    assert.equal(await again.health(), 'SERVING');
    await again.stop();
  });
});

describe('misbehaving plugins', () => {
  it('rejects anything on stdout before the handshake', async () => {
    const error = await launchFailure('noise-before-handshake');
    assert.equal(error.reason, 'bad-handshake');
    assert.match(error.message, /Unrecognized remote plugin message/);
    assert.ok(error.process.exitInfo, 'the process was killed');
  });

  it('rejects a wrong core protocol version', async () => {
    const error = await launchFailure('wrong-core');
    assert.equal(error.reason, 'bad-handshake');
    assert.match(error.message, /core API version/);
  });

  it('rejects a plugin that answers an offer it cannot have accepted', async () => {
    const error = await launchFailure('good', { protocolVersions: '1' });
    assert.equal(error.reason, 'bad-handshake');
    assert.match(error.message, /Incompatible API version/);
  });

  it('gives up when no handshake arrives in time, and kills the process', async () => {
    const started = Date.now();
    const error = await launchFailure('no-handshake', { handshakeTimeoutMs: 700 });
    assert.equal(error.reason, 'timeout');
    assert.ok(Date.now() - started < 5_000);
    assert.equal(error.process.exitInfo?.signal, 'SIGKILL');
  });

  it('reports a plugin that exits before the handshake, with its stderr', async () => {
    const error = await launchFailure('exit-before-handshake');
    assert.equal(error.reason, 'exited');
    assert.equal(error.process.exitInfo?.code, 3);
    assert.match(error.message, /configuration missing/);
  });

  it('reports an executable that cannot be started', async () => {
    const error = await launchFailure('good', { command: ['/nonexistent/gpx_encore_linux_amd64'] });
    assert.equal(error.reason, 'spawn-failed');
  });

  it('fails the strict log check on 3-digit timestamps', async () => {
    const host = await launchFake('ms-timestamps');
    await host.log.waitForLog((e) => e.raw.includes('serving'));
    assert.throws(() => host.log.assertStrictHclog(), /3 fractional digits/);
    assert.equal(host.log.entries[0]?.kind, 'text', 'go-plugin would log it as raw text');
    await host.stop();
  });

  it('SIGKILLs a plugin that does not exit within 2 s of Shutdown', async () => {
    const host = await launchFake('ignore-shutdown');
    const stop = await host.stop();
    assert.equal(stop.killed, true);
    assert.equal(stop.signal, 'SIGKILL');
    assert.equal(stop.shutdownReply, 'OK');
    assert.ok(stop.msToExit >= 2_000, `${stop.msToExit} ms`);
  });

  it('finds a child process that outlives the plugin', async () => {
    const host = await launchFake('orphan-child');
    const spawned = await host.log.waitForLog((e) => e.message === 'spawned helper');
    await eventually(() => host.process.snapshotDescendants().length > 0, 'the helper to show up in /proc');
    const stop = await host.stop();
    assert.equal(stop.exitCode, 0);
    const { survivors } = await host.orphans(300);
    assert.deepEqual(
      survivors.map((s) => s.pid),
      [spawned.fields.pid],
    );
    await host.dispose(); // kills the survivor
    assert.deepEqual((await host.orphans(1_000)).survivors, []);
  });

  it('sees a plugin listening on all interfaces despite a loopback handshake', async () => {
    const host = await launchFake('bind-any');
    const sockets = host.process.listeningSockets();
    assert.ok(
      sockets.some((s) => !isLoopbackAddress(s.address)),
      `expected a non-loopback listener, got ${JSON.stringify(sockets)}`,
    );
    await host.stop();
  });

  it('measures a plugin spinning on a broken stderr pipe, and one that does not', async () => {
    const spinning = await launchFake('epipe-loop');
    const calm = await launchFake('good');
    for (const host of [spinning, calm]) {
      host.process.breakStderrPipe();
      host.kill('SIGINT'); // makes both write a log line into the broken pipe
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [spinCpu, calmCpu] = await Promise.all([spinning.process.cpuSecondsOver(1_000), calm.process.cpuSecondsOver(1_000)]);
    // A spinning loop takes a core when it gets one; on a loaded 2-core machine it gets about half.
    assert.ok(spinCpu !== undefined && spinCpu > 0.25, `spinning fake used ${spinCpu} s`);
    // Node's default for an unhandled EPIPE is to die; either way, no spinning.
    assert.ok(calmCpu === undefined || calmCpu < 0.2, `calm fake used ${calmCpu} s`);
    assert.equal((await spinning.stop()).killed, true, 'a spinning event loop cannot answer Shutdown');
  });

  it('lets a test watch a plugin refuse to run without the cookie', async () => {
    const proc = spawnPlugin({ command: [process.execPath, FIXTURE, 'good'], env: 'no-cookie' });
    const exit = await proc.waitForExit(10_000);
    await proc.stdioClosed;
    assert.equal(exit?.code, 1);
    assert.deepEqual(proc.stdoutLines, []);
    assert.match(proc.stderr.text(), /This binary is a plugin/);
    assert.equal(proc.env.grafana_plugin_type, undefined);
    await proc.dispose();
  });
});

describe('parent death', () => {
  it('tells a plugin that exits when orphaned from one that lingers', async () => {
    const watching = await launchUnderDisposableParent({ command: [process.execPath, FIXTURE, 'watch-parent'], handshakeTimeoutMs: 15_000 });
    const lingering = await launchUnderDisposableParent({ command: [process.execPath, FIXTURE, 'good'], handshakeTimeoutMs: 15_000 });
    try {
      assert.match(watching.handshake, /^1\|2\|tcp\|/);
      watching.killParent();
      lingering.killParent();
      const gone = await watching.waitPluginGone(3_000);
      assert.ok(gone !== undefined, 'the watching plugin exited');
      assert.equal(await lingering.waitPluginGone(1_000), undefined, 'the lingering plugin is seen as still running');
    } finally {
      watching.dispose();
      lingering.dispose();
    }
  });
});
