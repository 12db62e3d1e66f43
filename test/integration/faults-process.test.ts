// Process faults with the built backend: killed mid-query and restarted by the harness (as Grafana
// restarts a plugin that died), stopped while queries are in flight (they finish, or answer "the
// backend is stopping", within go-plugin's 2 s), and fed malformed gRPC payloads and odd but
// well-formed requests, which it must answer or refuse without ever going down.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { loadProtocol, parseProtocolRoot } from '../../src/backend/grafana/protocol';
import { isServiceError, launchPlugin, type PluginHost } from '../harness/grafana-host';
import { assertGrafanaReadableFrame } from '../harness/go-reader-rules';
import { checkHealthRequest, dataQuery, pluginContext, queryDataRequest, type DataSourceInput } from '../harness/plugin-context';
import type { DataResponse, QueryDataResponse } from '../harness/wire';
import { startDelayProxy, type DelayProxy } from '../support/delay-proxy';
import { FIXTURE_METRICS, startPrometheus, type PrometheusFixture } from '../support/prometheus';

let prom: PrometheusFixture;
let proxy: DelayProxy;
const hosts: PluginHost[] = [];

before(async () => {
  prom = await startPrometheus();
  proxy = await startDelayProxy({ targetPort: prom.port });
  // `stalled_metric` requests are swallowed (the upstream never answers them); the counter takes 300 ms.
  proxy.stallWhen = (chunk) => chunk.includes('stalled_metric');
  proxy.delayWhen = (chunk) => (chunk.includes(FIXTURE_METRICS.counter) ? 300 : 0);
});

after(async () => {
  for (const host of hosts) await host.dispose();
  await proxy?.close();
  await prom?.stop();
});

async function launch(): Promise<PluginHost> {
  const host = await launchPlugin();
  hosts.push(host);
  return host;
}

const DS: DataSourceInput = { uid: 'process-faults', url: '', jsonData: { sourceKind: 'prometheus', timeoutSeconds: 30, cacheMode: 'off', circuitBreakerFailures: 0 } };
const ds = (): DataSourceInput => ({ ...DS, url: proxy.url });

function request(queries: Array<[string, string]>) {
  return queryDataRequest({
    context: { datasource: ds() },
    queries: queries.map(([refId, expr]) => dataQuery({ refId, json: { expr }, timeRange: { from: prom.dataset.startMs, to: prom.dataset.endMs }, maxDataPoints: 60 })),
  });
}

function assertAnswers(response: DataResponse | undefined): void {
  assert.ok(response);
  assert.equal(response.error, '', response.error);
  for (const frame of response.frames) assertGrafanaReadableFrame(new Uint8Array(frame));
}

/** Resolves once the proxy has swallowed a stalled request: the query is in flight upstream. */
async function untilStalled(before: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (stalledSeen > before) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the stalled request never reached the proxy');
}
let stalledSeen = 0;

describe('the backend killed and restarted', () => {
  it('a SIGKILL mid-query fails that call with UNAVAILABLE; the restarted process answers at once, and nothing is left behind', async () => {
    proxy.stallWhen = (chunk) => {
      const stalled = chunk.includes('stalled_metric');
      if (stalled) stalledSeen++;
      return stalled;
    };
    for (let round = 0; round < 3; round++) {
      const host = await launch();
      assertAnswers((await host.queryData(request([['A', FIXTURE_METRICS.gauge]]))).responses.A);
      const seen = stalledSeen;
      const inFlight = host.queryData(request([['A', 'stalled_metric']]));
      await untilStalled(seen);
      host.kill('SIGKILL');
      await assert.rejects(inFlight, (error: unknown) => isServiceError(error) && [grpc.status.UNAVAILABLE, grpc.status.CANCELLED, grpc.status.INTERNAL].includes(error.code));
      const exit = await host.waitForExit(5_000);
      assert.equal(exit?.signal, 'SIGKILL');
      assert.deepEqual(await host.orphans(), { survivors: [], stdioHeldOpen: false });
      await host.dispose();
    }
    // Grafana restarts it within a second; the new process serves the same data source.
    const restarted = await launch();
    assertAnswers((await restarted.queryData(request([['A', FIXTURE_METRICS.gauge]]))).responses.A);
    await restarted.stop();
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM, a query that is about to finish finishes; one stuck upstream answers "the backend is stopping"; exit 0 within 2 s', async () => {
    const host = await launch();
    const seen = stalledSeen;
    const started = performance.now();
    const inFlight = host.queryData(
      request([
        ['STUCK', 'stalled_metric'],
        ['SLOWISH', `sum(${FIXTURE_METRICS.counter})`],
      ]),
    );
    await untilStalled(seen);
    host.kill('SIGTERM');
    const response: QueryDataResponse = await inFlight;
    const exit = await host.waitForExit(2_000);
    const elapsed = performance.now() - started;
    assert.ok(exit, 'exited within 2 s of SIGTERM');
    assert.equal(exit.code, 0);
    assert.ok(elapsed < 3_000, `${Math.round(elapsed)} ms`);
    assertAnswers(response.responses.SLOWISH);
    assert.equal(response.responses.STUCK!.status, 503);
    assert.match(response.responses.STUCK!.error, /the Encore backend is stopping .* and cancelled this query; run it again/);
    assert.ok(host.log.find((e) => e.message === 'stopping' && e.fields.reason === 'SIGTERM'));
  });

  it('on Grafana\'s Shutdown with a query in flight, it exits within go-plugin\'s 2 s without being killed', async () => {
    const host = await launch();
    const seen = stalledSeen;
    const inFlight = host.queryData(request([['STUCK', 'stalled_metric']])).then(
      (response) => ({ response }),
      (error: unknown) => ({ error }),
    );
    await untilStalled(seen);
    const stop = await host.stop();
    assert.equal(stop.killed, false, 'not SIGKILLed');
    assert.equal(stop.exitCode, 0);
    assert.ok(stop.msToExit < 2_000, `${stop.msToExit} ms`);
    // The harness closes the channel after Shutdown, as go-plugin does: the call either got its
    // "stopping" answer first or was cancelled by the closed channel; it never hangs.
    const outcome = await inFlight;
    if ('response' in outcome) assert.match(outcome.response.responses.STUCK!.error, /stopping/);
    assert.deepEqual(await host.orphans(), { survivors: [], stdioHeldOpen: false });
  });
});

describe('malformed and odd requests', () => {
  let host: PluginHost;
  before(async () => {
    host = await launch();
  });

  const RAW_METHODS: Array<[string, 'unary' | 'stream']> = [
    ['/pluginv2.Data/QueryData', 'unary'],
    ['/pluginv2.Diagnostics/CheckHealth', 'unary'],
    ['/pluginv2.Diagnostics/CollectMetrics', 'unary'],
    ['/pluginv2.Resource/CallResource', 'stream'],
    ['/pluginv2.Stream/SubscribeStream', 'unary'],
    ['/pluginv2.Stream/PublishStream', 'unary'],
    ['/pluginv2.Stream/RunStream', 'stream'],
    ['/grpc.health.v1.Health/Check', 'unary'],
  ];

  /** Sends raw bytes as the request message; resolves with 'answered' or the gRPC status. */
  function raw(path: string, kind: 'unary' | 'stream', bytes: Buffer): Promise<string> {
    const identity = (b: Buffer) => b;
    const deadline = Date.now() + 10_000;
    return new Promise((resolve) => {
      if (kind === 'unary') {
        host.connection.client.makeUnaryRequest(path, identity, identity, bytes, { deadline }, (error) =>
          resolve(error ? (grpc.status[error.code] ?? String(error.code)) : 'answered'),
        );
        return;
      }
      const call = host.connection.client.makeServerStreamRequest(path, identity, identity, bytes, { deadline });
      call.on('data', () => {});
      call.on('error', (error: grpc.ServiceError) => resolve(grpc.status[error.code] ?? String(error.code)));
      call.on('end', () => resolve('answered'));
      // A well-formed RunStream may legitimately stay open; a second is enough to know it is alive.
      setTimeout(() => {
        call.cancel();
        resolve('open');
      }, 1_000);
    });
  }

  /** A message whose field `field` is a string of `length` characters, newlines and quotes among them. */
  function longString(field: number, length: number): Buffer {
    const text = Buffer.from('x"\n'.repeat(Math.ceil(length / 3)).slice(0, length));
    const varint: number[] = [];
    for (let n = text.length; ; n >>>= 7) {
      if (n < 0x80) {
        varint.push(n);
        break;
      }
      varint.push((n & 0x7f) | 0x80);
    }
    return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint]), text]);
  }

  it('survives random bytes, truncated messages and wrong wire types on every method', async () => {
    const valid = encodeQueryData(queryDataRequest({ queries: [dataQuery({ json: { expr: 'up' } })] }));
    const payloads: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from([0xff]),
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // field 1, length 4 GiB
      Buffer.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), // an 11-byte varint
      Buffer.from([0x0d, 0x01]), // a fixed32 cut short
      Buffer.from([0x0f]), // wire type 7 does not exist
      Buffer.from([0x1a, 0x03, 0x0a, 0x01]), // a nested message cut short
      valid.subarray(0, Math.floor(valid.length / 2)),
      Buffer.concat([valid, Buffer.from([0xff, 0xff])]),
      ...fc.sample(fc.uint8Array({ minLength: 1, maxLength: 300 }), { numRuns: 40, seed: 7 }).map((a) => Buffer.from(a)),
      randomBytes(64 * 1024),
      // Well-formed, with a 64 KiB string where a service name (field 1) or a stream path
      // (field 2) goes: an error that quoted it whole did not fit in the client's header limit,
      // and the call hung until its deadline (CI met one among the random bytes above).
      longString(1, 64 * 1024),
      longString(2, 64 * 1024),
    ];
    const outcomes = new Map<string, number>();
    for (const [path, kind] of RAW_METHODS) {
      for (const bytes of payloads) {
        const outcome = await raw(path, kind, bytes);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        assert.ok(!['UNAVAILABLE', 'DEADLINE_EXCEEDED'].includes(outcome), `${path} with ${bytes.length} bytes: ${outcome}`);
      }
    }
    assert.equal(await host.health(), 'SERVING');
    assert.equal(host.process.running, true);
    assertAnswers((await host.queryData(request([['A', FIXTURE_METRICS.gauge]]))).responses.A);
    assert.ok((outcomes.get('INTERNAL') ?? 0) > 0, `undecodable messages are refused: ${JSON.stringify([...outcomes])}`);
  });

  it('answers well-formed requests whose strings are long or odd, field by field, on every method', async () => {
    // Every string and bytes field of each request type (nested ones too, maps included) in turn,
    // then all of them at once: 64 KiB with newlines and quotes, NULs, unbalanced JSON, emoji,
    // a path traversal, percent escapes. An error that quoted any of them whole would not fit in
    // a status trailer (the hang fixed for Health/Check and RunStream).
    const root = parseProtocolRoot();
    const odd = ['x"\n'.repeat(22_000), '\u0000'.repeat(5_000), '{'.repeat(50_000), '\u{1f3b5}'.repeat(20_000), `${'../'.repeat(3_000)}etc/passwd`, '%00%ff'.repeat(5_000)];
    let next = 0;
    const oddValue = () => odd[next++ % odd.length]!;
    const fill = (type: protobuf.Type, target: string, depth = 0): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const field of type.fieldsArray) {
        field.resolve();
        const hit = target === '*' || field.name === target;
        let value: unknown;
        if (field.resolvedType instanceof protobuf.Type) value = depth < 3 ? fill(field.resolvedType, target, depth + 1) : undefined;
        else if (field.type === 'string') value = hit ? oddValue() : 'a';
        else if (field.type === 'bytes') value = Buffer.from(hit ? oddValue() : '{}');
        if (value === undefined) continue;
        out[field.name] = field.map ? { [hit ? oddValue().slice(0, 3_000) : 'k']: value } : field.repeated ? [value, value] : value;
      }
      return out;
    };
    const fieldNames = (type: protobuf.Type, depth = 0, names = new Set<string>(['*'])): Set<string> => {
      for (const field of type.fieldsArray) {
        field.resolve();
        if (field.resolvedType instanceof protobuf.Type) {
          if (depth < 3) fieldNames(field.resolvedType, depth + 1, names);
        } else if (field.type === 'string' || field.type === 'bytes') names.add(field.name);
      }
      return names;
    };
    const typed: Array<[string, 'unary' | 'stream', string]> = [
      ['/pluginv2.Data/QueryData', 'unary', 'pluginv2.QueryDataRequest'],
      ['/pluginv2.Diagnostics/CheckHealth', 'unary', 'pluginv2.CheckHealthRequest'],
      ['/pluginv2.Diagnostics/CollectMetrics', 'unary', 'pluginv2.CollectMetricsRequest'],
      ['/pluginv2.Resource/CallResource', 'stream', 'pluginv2.CallResourceRequest'],
      ['/pluginv2.Stream/SubscribeStream', 'unary', 'pluginv2.SubscribeStreamRequest'],
      ['/pluginv2.Stream/RunStream', 'stream', 'pluginv2.RunStreamRequest'],
      ['/grpc.health.v1.Health/Check', 'unary', 'grpc.health.v1.HealthCheckRequest'],
    ];
    let sent = 0;
    for (const [path, kind, typeName] of typed) {
      const type = root.lookupType(typeName);
      for (const target of fieldNames(type)) {
        const bytes = Buffer.from(type.encode(type.fromObject(fill(type, target))).finish());
        const outcome = await raw(path, kind, bytes);
        sent++;
        assert.ok(!['UNAVAILABLE', 'DEADLINE_EXCEEDED'].includes(outcome), `${path} with ${target === '*' ? 'every string' : target} long or odd: ${outcome}`);
      }
    }
    assert.ok(sent > 50, `${sent} messages`);
    assert.equal(await host.health(), 'SERVING');
    assert.equal(host.process.running, true);
  });

  it('answers well-formed requests with odd contents, each query with its own error', async () => {
    const odd = async (name: string, build: () => Parameters<PluginHost['queryData']>[0]): Promise<QueryDataResponse> => {
      const response = await host.queryData(build());
      assert.ok(response.responses, name);
      return response;
    };
    const context = pluginContext({ datasource: ds() });
    // Settings Grafana could never send well: jsonData that is not an object.
    const badSettings = await odd('jsonData', () => ({ ...queryDataRequest({ queries: [dataQuery({ json: { expr: 'up' } })] }), pluginContext: pluginContext({ datasource: { ...ds(), jsonDataRaw: '[1,2' } }) }));
    assert.match(badSettings.responses.A!.error, /jsonData: expected a JSON object/);
    // A query JSON that is not UTF-8, one that is not JSON, a time range backwards, a huge refId.
    const queries = [
      { ...dataQuery({ refId: 'BYTES' }), json: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) },
      dataQuery({ refId: 'TEXT', jsonRaw: 'expr: up' }),
      dataQuery({ refId: 'BACKWARDS', json: { expr: 'up' }, timeRange: { from: 2_000_000_000_000, to: 1_000_000_000_000 } }),
      { ...dataQuery({ refId: 'NAN', json: { expr: 'up' } }), timeRange: { fromEpochMS: '-9223372036854775808', toEpochMS: '9223372036854775807' } },
      { ...dataQuery({ refId: 'POINTS', json: { expr: FIXTURE_METRICS.gauge } }), maxDataPoints: '9223372036854775807', intervalMS: '-5' },
      dataQuery({ refId: 'R'.repeat(100_000), json: { expr: FIXTURE_METRICS.gauge }, timeRange: { from: prom.dataset.startMs, to: prom.dataset.endMs } }),
      dataQuery({ refId: 'DEEP', jsonRaw: `${'['.repeat(100_000)}${']'.repeat(100_000)}` }),
    ];
    const response = await odd('queries', () => ({ pluginContext: context, headers: {}, queries }));
    const error = (refId: string) => response.responses[refId]?.error ?? '(no answer)';
    assert.match(error('BYTES'), /^query: expected a JSON object/);
    assert.match(error('TEXT'), /^query: expected a JSON object, got text that is not JSON/);
    assert.match(error('BACKWARDS'), /^timeRange: expected from <= to/);
    assert.match(error('NAN'), /^timeRange: the query covers .*limit maxQueryRange = 366d/);
    assert.equal(error('POINTS'), '');
    assert.equal(error('R'.repeat(100_000)), '');
    assert.match(error('DEEP'), /^query: expected a JSON object/);
    // 5,000 queries in one request: every one answered (rate limited beyond the burst, as Grafana would be).
    const many = await host.queryData(
      queryDataRequest({ context: { datasource: { uid: 'demo-many', url: '', jsonData: { rateLimitUserBurst: 1000 } } }, queries: Array.from({ length: 5000 }, (_, i) => dataQuery({ refId: `Q${i}`, json: { expr: 'encore_demo_active_listeners', instant: true } })) }),
      60_000,
    );
    const statuses = Object.values(many.responses).map((r) => (r.error ? r.status : 200));
    assert.equal(statuses.length, 5000);
    assert.ok(statuses.every((s) => s === 200 || s === 429 || s === 400), [...new Set(statuses)].join(','));
    assert.ok(statuses.filter((s) => s === 429).length >= 3900, 'the user burst of 1000 is the most that runs');
    // And it still serves.
    assert.equal((await host.checkHealth(checkHealthRequest({ context: { datasource: ds() } }))).status, 1);
  });
});

/** QueryDataRequest as protobuf bytes, through the protocol's own serializer. */
function encodeQueryData(message: unknown): Buffer {
  const definition = (loadProtocol().services.Data as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>).QueryData!;
  return definition.requestSerialize(message);
}
