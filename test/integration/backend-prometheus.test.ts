// The BUILT backend executable, launched and called the way Grafana does it, against a real
// Prometheus holding a known dataset: the whole path from a Grafana request to the upstream and
// back (QueryData, CheckHealth, CallResource, Live tails, CollectMetrics). The source-level
// details (every error class, auth, TLS options) are covered in prometheus-source.test.ts;
// here each one is proven once more through the process boundary.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { assertGrafanaReadableFrame } from '../harness/go-reader-rules';
import {
  callResourceRequest,
  checkHealthRequest,
  dataQuery,
  queryDataRequest,
  streamRequest,
  type DataQueryInput,
  type DataSourceInput,
} from '../harness/plugin-context';
import { DataFrameFormat, HealthStatus, StreamStatus, type DataResponse } from '../harness/wire';
import {
  FIXTURE_METRICS,
  FIXTURE_PASSWORD,
  FIXTURE_TLS_SERVER_NAME,
  FIXTURE_USER,
  findFreePort,
  fixtureSeries,
  startPrometheus,
  type PrometheusFixture,
} from '../support/prometheus';

const PROM_UID = 'encore-prom';
const MINUTE = 60_000;

let prom: PrometheusFixture;
let host: PluginHost;
const servers: Array<Server | TcpServer> = [];
const openSockets = new Set<Socket>();

before(async () => {
  prom = await startPrometheus();
  // The environment Grafana gives plugins in SkipHostEnv mode: no PATH, no HOME.
  host = await launchPlugin({ env: 'minimal' });
});

after(async () => {
  for (const socket of openSockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await host?.dispose();
  await prom?.stop();
});

/** A data source pointing at the fixture Prometheus (or elsewhere). */
function promDataSource(input: DataSourceInput = {}): DataSourceInput {
  return { uid: PROM_UID, url: prom.url, ...input, jsonData: { sourceKind: 'prometheus', ...(input.jsonData ?? {}) } };
}

/** QueryData for one query on the fixture Prometheus data source. */
function queryProm(query: DataQueryInput, options: { format?: number } = {}) {
  return host.queryData(queryDataRequest({ ...options, context: { datasource: promDataSource() }, queries: [dataQuery(query)] }));
}

function effectiveStatus(response: DataResponse): number {
  if (response.status !== 0) return response.status;
  return response.error ? 500 : 200;
}

interface DecodedSeries {
  name: string | undefined;
  labels: Record<string, string>;
  times: number[];
  values: Array<number | null>;
  interval: unknown;
  displayNameFromDS: unknown;
}

/** Every Arrow frame checked against the Go reader's rules, then flattened for assertions. */
function decodeSeries(answer: DataResponse | undefined): DecodedSeries[] {
  assert.ok(answer, 'no answer for this refId');
  assert.equal(answer.error, '', `unexpected error: ${answer.error}`);
  return answer.frames.map((bytes) => {
    const frame = assertGrafanaReadableFrame(new Uint8Array(bytes));
    const time = frame.fields.find((f) => f.type === 'time');
    const value = frame.fields.find((f) => f.type === 'float64');
    assert.ok(time && value, `time and float64 fields expected: ${frame.fields.map((f) => `${f.name}:${f.type}`).join(', ')}`);
    return {
      name: frame.name,
      labels: value.labels ?? {},
      times: time.values as number[],
      values: value.values as Array<number | null>,
      interval: time.config?.interval,
      displayNameFromDS: value.config?.displayNameFromDS,
    };
  });
}

function byLabel(series: DecodedSeries[], label: string): Map<string, DecodedSeries> {
  return new Map(series.map((s) => [s.labels[label] ?? '', s]));
}

/** What Prometheus evaluates at time t for a gauge sampled once a minute: the latest sample at or before t. */
function sampleAt(points: Array<[number, number]>, t: number): number | undefined {
  let found: number | undefined;
  for (const [ms, v] of points) if (ms <= t && t - ms <= 5 * MINUTE) found = v;
  return found;
}

async function listen(server: Server | TcpServer): Promise<number> {
  servers.push(server);
  const port = await findFreePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return port;
}

describe('QueryData against Prometheus', () => {
  it('returns every series of a range query with exact values at the fixture timestamps', async () => {
    const { dataset } = prom;
    const response = await queryProm({
    refId: 'A',
    json: { queryType: 'promql', expr: `${FIXTURE_METRICS.gauge}{market="se"}` },
    timeRange: { from: dataset.startMs, to: dataset.endMs },
    intervalMS: MINUTE,
    maxDataPoints: 1_000,
});
    const series = byLabel(decodeSeries(response.responses.A), 'platform');
    assert.deepEqual([...series.keys()].sort(), ['android', 'ios']);
    for (const platform of ['ios', 'android']) {
      const expected = fixtureSeries(dataset, { __name__: FIXTURE_METRICS.gauge, market: 'se', platform });
      const got = series.get(platform)!;
      assert.deepEqual(got.labels, { market: 'se', platform }, 'labels without __name__');
      assert.deepEqual(got.times, expected.points.map(([t]) => t));
      assert.deepEqual(got.values, expected.points.map(([, v]) => v));
      assert.equal(got.interval, MINUTE, 'the step is the time field interval');
    }
  });

  it('derives the step from maxDataPoints and aligns every timestamp to it', async () => {
    const { dataset } = prom;
    const maxDataPoints = 30;
    const from = dataset.startMs + 7 * 1000; // deliberately off the step grid
    const to = dataset.endMs;
    const response = await queryProm({
    refId: 'A',
    json: { queryType: 'promql', expr: `${FIXTURE_METRICS.gauge}{market="de"}` },
    timeRange: { from, to },
    intervalMS: MINUTE,
    maxDataPoints,
});
    const [series] = decodeSeries(response.responses.A);
    assert.ok(series);
    const expectedStep = Math.ceil((to - from) / maxDataPoints / 1000) * 1000;
    assert.equal(series.interval, expectedStep);
    assert.ok(series.times.length <= maxDataPoints + 1, `${series.times.length} points for maxDataPoints ${maxDataPoints}`);
    const points = fixtureSeries(dataset, { __name__: FIXTURE_METRICS.gauge, market: 'de', platform: 'web' }).points;
    for (const [i, t] of series.times.entries()) {
      assert.equal(t % expectedStep, 0, `timestamp ${t} is on the step grid`);
      if (i > 0) assert.equal(t - series.times[i - 1]!, expectedStep);
      assert.equal(series.values[i], sampleAt(points, t), `value at ${new Date(t).toISOString()}`);
    }
  });

  it('never evaluates finer than the query\'s own step option', async () => {
    const { dataset } = prom;
    const response = await queryProm({
    refId: 'A',
    json: { queryType: 'promql', expr: `${FIXTURE_METRICS.gauge}{platform="web"}`, step: '5m' },
    timeRange: { from: dataset.startMs, to: dataset.endMs },
    intervalMS: MINUTE,
});
    const [series] = decodeSeries(response.responses.A);
    assert.equal(series?.interval, 5 * MINUTE);
    assert.ok(series.times.every((t, i) => i === 0 || t - series.times[i - 1]! === 5 * MINUTE));
  });

  it('answers instant queries with one point per series at the end of the range, legend applied', async () => {
    const { dataset } = prom;
    const response = await queryProm({
    refId: 'I',
    json: { queryType: 'promql', expr: FIXTURE_METRICS.gauge, instant: true, legendFormat: '{{market}}/{{platform}}' },
    timeRange: { from: dataset.startMs, to: dataset.endMs },
});
    const series = decodeSeries(response.responses.I);
    const last = (market: string, platform: string) =>
      fixtureSeries(dataset, { __name__: FIXTURE_METRICS.gauge, market, platform }).points.at(-1)![1];
    const got = Object.fromEntries(series.map((s) => [s.displayNameFromDS, { times: s.times, values: s.values }]));
    assert.deepEqual(got, {
      'se/ios': { times: [dataset.endMs], values: [last('se', 'ios')] },
      'se/android': { times: [dataset.endMs], values: [last('se', 'android')] },
      'de/web': { times: [dataset.endMs], values: [last('de', 'web')] },
    });
  });

  it('evaluates PromQL functions upstream (rate of a counter)', async () => {
    const { dataset } = prom;
    const response = await queryProm({
    refId: 'R',
    json: { queryType: 'promql', expr: `rate(${FIXTURE_METRICS.counter}{market="se"}[5m])` },
    timeRange: { from: dataset.startMs + 10 * MINUTE, to: dataset.endMs },
    intervalMS: MINUTE,
});
    const [series] = decodeSeries(response.responses.R);
    assert.ok(series && series.values.length > 100, 'a rate for most of the range');
    // the counter grows by 10 per minute
    for (const v of series.values) assert.ok(v !== null && Math.abs(v - 10 / 60) < 1e-9, `rate ${v}`);
  });

  it('serves the JSON frame form when Grafana asks for it', async () => {
    const { dataset } = prom;
    const response = await queryProm(
      {
        refId: 'J',
        json: { queryType: 'promql', expr: `${FIXTURE_METRICS.gauge}{market="de"}` },
        timeRange: { from: dataset.startMs, to: dataset.startMs + 4 * MINUTE },
        intervalMS: MINUTE,
      },
      { format: DataFrameFormat.JSON },
    );
    const answer = response.responses.J!;
    assert.equal(answer.error, '');
    assert.equal(answer.format, DataFrameFormat.JSON);
    assert.equal(answer.frames.length, 1);
    const frame = JSON.parse(answer.frames[0]!.toString('utf8')) as {
      schema: { refId: string; fields: Array<{ name: string; type: string; labels?: Record<string, string> }> };
      data: { values: unknown[][] };
    };
    assert.equal(frame.schema.refId, 'J');
    assert.deepEqual(
      frame.schema.fields.map((f) => [f.name, f.type, f.labels]),
      [
        ['Time', 'time', undefined],
        ['Value', 'number', { market: 'de', platform: 'web' }],
      ],
    );
    const t0 = dataset.startMs;
    assert.deepEqual(frame.data.values, [
      [t0, t0 + MINUTE, t0 + 2 * MINUTE, t0 + 3 * MINUTE, t0 + 4 * MINUTE],
      [1000, 999, 998, 997, 996],
    ]);
  });

  it('keeps NaN and infinities from Prometheus', async () => {
    const { dataset } = prom;
    const response = await queryProm({
    refId: 'S',
    json: { queryType: 'promql', expr: FIXTURE_METRICS.special, instant: true },
    timeRange: { from: dataset.startMs, to: dataset.endMs },
});
    const byCase = byLabel(decodeSeries(response.responses.S), 'case');
    assert.ok(Number.isNaN(byCase.get('nan')?.values[0]));
    assert.equal(byCase.get('pos_inf')?.values[0], Infinity);
    assert.equal(byCase.get('neg_inf')?.values[0], -Infinity);
  });

  it('an empty result is one empty frame, not an error (alerting sees NoData)', async () => {
    const response = await queryProm({ refId: 'E', json: { queryType: 'promql', expr: 'encore_fixture_no_such_metric' } });
    const answer = response.responses.E!;
    assert.equal(effectiveStatus(answer), 200, answer.error);
    const series = decodeSeries(answer);
    assert.equal(series.length, 1);
    assert.deepEqual(series[0]!.times, []);
  });
});

describe('QueryData failures', () => {
  it('one request: a PromQL error, a bad field and a good query each get their own answer', async () => {
    const { dataset } = prom;
    const range = { from: dataset.startMs, to: dataset.endMs };
    const response = await host.queryData(
      queryDataRequest({
        context: { datasource: promDataSource() },
        queries: [
          dataQuery({ refId: 'GOOD', json: { queryType: 'promql', expr: FIXTURE_METRICS.gauge }, timeRange: range }),
          dataQuery({ refId: 'PARSE', json: { queryType: 'promql', expr: 'sum(rate(' }, timeRange: range }),
          dataQuery({ refId: 'FIELD', json: { queryType: 'promql', expr: 'up', step: 'soon' }, timeRange: range }),
        ],
      }),
    );
    const { GOOD, PARSE, FIELD } = response.responses;
    assert.equal(effectiveStatus(GOOD!), 200, GOOD?.error);
    assert.equal(decodeSeries(GOOD).length, 3);
    assert.deepEqual({ status: PARSE!.status, errorSource: PARSE!.errorSource, frames: PARSE!.frames.length }, { status: 400, errorSource: 'downstream', frames: 0 });
    assert.match(PARSE!.error, /Prometheus rejected the query: .*parse error/i);
    assert.deepEqual({ status: FIELD!.status, errorSource: FIELD!.errorSource }, { status: 400, errorSource: 'plugin' });
    assert.match(FIELD!.error, /step/);
    assert.match(FIELD!.error, /duration/);
  });

  it('an unreachable upstream is 502 from downstream, and the process serves the next request', async () => {
    const closedPort = await findFreePort();
    const response = await host.queryData(
      queryDataRequest({
        context: { datasource: promDataSource({ uid: 'down', url: `http://127.0.0.1:${closedPort}` }) },
        queries: [dataQuery({ refId: 'A', json: { queryType: 'promql', expr: 'up' } })],
      }),
    );
    const answer = response.responses.A!;
    assert.deepEqual({ status: answer.status, errorSource: answer.errorSource }, { status: 502, errorSource: 'downstream' });
    assert.match(answer.error, /refused the connection/);
    const next = await queryProm({ refId: 'B', json: { queryType: 'promql', expr: 'vector(1)' } });
    assert.equal(effectiveStatus(next.responses.B!), 200, next.responses.B?.error);
  });

  it('an upstream that never answers is 504 after the configured timeout', async () => {
    // accepts connections and then says nothing, like a hung proxy
    const silent = createTcpServer((socket) => {
      openSockets.add(socket);
      socket.on('close', () => openSockets.delete(socket));
    });
    const port = await listen(silent);
    const started = Date.now();
    const response = await host.queryData(
      queryDataRequest({
        context: { datasource: promDataSource({ uid: 'silent', url: `http://127.0.0.1:${port}`, jsonData: { timeoutSeconds: 1 } }) },
        queries: [dataQuery({ refId: 'A', json: { queryType: 'promql', expr: 'up' } })],
      }),
    );
    const answer = response.responses.A!;
    assert.deepEqual({ status: answer.status, errorSource: answer.errorSource }, { status: 504, errorSource: 'downstream' });
    assert.match(answer.error, /1 s/);
    assert.ok(Date.now() - started < 10_000, 'the timeout is honoured');
  });

  it('bad data source settings fail every query with a message naming the setting', async () => {
    const response = await host.queryData(
      queryDataRequest({
        context: { datasource: promDataSource({ uid: 'badurl', url: 'ftp://example.org' }) },
        queries: [
          dataQuery({ refId: 'A', json: { queryType: 'promql', expr: 'up' } }),
          dataQuery({ refId: 'B', json: { queryType: 'promql', expr: 'up' } }),
        ],
      }),
    );
    for (const refId of ['A', 'B']) {
      const answer = response.responses[refId]!;
      assert.deepEqual({ status: answer.status, errorSource: answer.errorSource }, { status: 400, errorSource: 'plugin' });
      assert.match(answer.error, /url: expected an http\(s\) URL/);
    }
  });
});

describe('CheckHealth against Prometheus', () => {
  async function health(datasource: DataSourceInput) {
    const response = await host.checkHealth(checkHealthRequest({ context: { datasource } }));
    const details: unknown = JSON.parse(response.jsonDetails.toString('utf8'));
    assert.ok(details !== null && typeof details === 'object' && !Array.isArray(details), 'jsonDetails is a JSON object');
    return { status: response.status, message: response.message, details: details as Record<string, unknown> };
  }

  it('OK, naming the Prometheus version from buildinfo', async () => {
    const result = await health(promDataSource());
    assert.equal(result.status, HealthStatus.OK, result.message);
    const version = prom.version.replace(/\+.*$/, '');
    assert.match(result.message, new RegExp(`Prometheus ${version.replace(/\./g, '\\.')}`));
    assert.equal(result.details.source, 'prometheus');
    assert.match(String(result.details.version), new RegExp(`^${version.replace(/\./g, '\\.')}`));
  });

  it('ERROR: connection refused', async () => {
    const port = await findFreePort();
    const result = await health(promDataSource({ uid: 'h-refused', url: `http://127.0.0.1:${port}` }));
    assert.equal(result.status, HealthStatus.ERROR);
    assert.match(result.message, /refused the connection \(ECONNREFUSED\)/);
    assert.equal(result.details.kind, 'refused');
  });

  it('ERROR: a host name that does not resolve', async () => {
    const result = await health(promDataSource({ uid: 'h-dns', url: 'http://encore-no-such-host.invalid:9090' }));
    assert.equal(result.status, HealthStatus.ERROR);
    assert.match(result.message, /could not be resolved/);
    assert.equal(result.details.kind, 'dns');
  });

  it('ERROR: a web server that is not Prometheus', async () => {
    const web = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome</body></html>');
    });
    const port = await listen(web);
    const result = await health(promDataSource({ uid: 'h-html', url: `http://127.0.0.1:${port}` }));
    assert.equal(result.status, HealthStatus.ERROR);
    assert.match(result.message, /an HTML page, not the Prometheus HTTP API/);
    assert.equal(result.details.kind, 'not_prometheus');
  });

  it('ERROR: unsupported settings are named', async () => {
    const result = await health(promDataSource({ uid: 'h-settings', jsonData: { timeoutSeconds: 'soon' } }));
    assert.equal(result.status, HealthStatus.ERROR);
    assert.match(result.message, /timeoutSeconds/);
  });
});

describe('CheckHealth with basic auth and TLS', () => {
  let secured: PrometheusFixture;
  before(async () => {
    secured = await startPrometheus({ data: false, basicAuth: true, tls: true });
  });
  after(async () => {
    await secured?.stop();
  });

  const tlsSource = (input: DataSourceInput): DataSourceInput => ({ url: secured.url, jsonData: { sourceKind: 'prometheus' }, ...input });

  it('ERROR: the certificate is not trusted without the CA', async () => {
    const response = await host.checkHealth(checkHealthRequest({ context: { datasource: tlsSource({ uid: 't-noca' }) } }));
    assert.equal(response.status, HealthStatus.ERROR);
    assert.match(response.message, /certificate is not trusted/);
  });

  it('ERROR: 401 without credentials, named as an authentication problem', async () => {
    const response = await host.checkHealth(
      checkHealthRequest({
        context: {
          datasource: tlsSource({
            uid: 't-noauth',
            jsonData: { sourceKind: 'prometheus', tlsAuthWithCACert: true },
            secureJsonData: { tlsCACert: secured.tls!.caCert },
          }),
        },
      }),
    );
    assert.equal(response.status, HealthStatus.ERROR);
    assert.match(response.message, /requires authentication \(HTTP 401/);
  });

  it('ERROR: 401 with a wrong password says the credentials were rejected', async () => {
    const response = await host.checkHealth(
      checkHealthRequest({
        context: {
          datasource: tlsSource({
            uid: 't-wrong',
            basicAuth: true,
            basicAuthUser: FIXTURE_USER,
            jsonData: { sourceKind: 'prometheus', tlsAuthWithCACert: true },
            secureJsonData: { tlsCACert: secured.tls!.caCert, basicAuthPassword: 'not-the-password' },
          }),
        },
      }),
    );
    assert.equal(response.status, HealthStatus.ERROR);
    assert.match(response.message, /rejected the credentials/);
  });

  it('OK with the CA, the server name the certificate names, and the right password; queries work too', async () => {
    const datasource = tlsSource({
      uid: 't-ok',
      basicAuth: true,
      basicAuthUser: FIXTURE_USER,
      jsonData: { sourceKind: 'prometheus', tlsAuthWithCACert: true, serverName: FIXTURE_TLS_SERVER_NAME },
      secureJsonData: { tlsCACert: secured.tls!.caCert, basicAuthPassword: FIXTURE_PASSWORD },
    });
    const response = await host.checkHealth(checkHealthRequest({ context: { datasource } }));
    assert.equal(response.status, HealthStatus.OK, response.message);
    const data = await host.queryData(
      queryDataRequest({ context: { datasource }, queries: [dataQuery({ refId: 'A', json: { queryType: 'promql', expr: 'vector(42)', instant: true } })] }),
    );
    assert.deepEqual(decodeSeries(data.responses.A).map((s) => s.values), [[42]]);
  });
});

describe('CallResource for the editors', () => {
  async function resource(path: string, query: Record<string, string> = {}) {
    const result = await host.callResource(callResourceRequest({ path, query, context: { datasource: promDataSource() } }));
    const body: unknown = JSON.parse(result.body.toString('utf8'));
    return { status: result.status, contentType: result.headers['Content-Type']?.[0], body: body as { data?: string[]; error?: string } };
  }

  it('metrics lists the metric names Prometheus holds', async () => {
    const result = await resource('metrics');
    assert.equal(result.status, 200);
    assert.match(result.contentType ?? '', /application\/json/);
    for (const name of Object.values(FIXTURE_METRICS)) assert.ok(result.body.data?.includes(name), `${name} in ${JSON.stringify(result.body.data)}`);
  });

  it('labels lists label names, narrowed by match[]', async () => {
    const all = await resource('labels');
    assert.equal(all.status, 200);
    for (const name of ['market', 'platform', 'case']) assert.ok(all.body.data?.includes(name), `${name} in ${JSON.stringify(all.body.data)}`);
    const counterOnly = await resource('labels', { 'match[]': FIXTURE_METRICS.counter });
    assert.deepEqual(counterOnly.body.data?.filter((n) => n !== '__name__'), ['market']);
  });

  it('labels/<name>/values lists the values of one label', async () => {
    const result = await resource('labels/platform/values');
    assert.equal(result.status, 200);
    assert.deepEqual(result.body.data, ['android', 'ios', 'web']);
    const narrowed = await resource('labels/platform/values', { 'match[]': `${FIXTURE_METRICS.gauge}{market="de"}` });
    assert.deepEqual(narrowed.body.data, ['web']);
  });

  it('bad parameters are 400 and unknown paths 404, both with a JSON error', async () => {
    const bad = await resource('labels', { limit: 'lots' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error ?? '', /limit: expected a number/);
    const unknown = await resource('series/everything');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error ?? '', /unknown resource/);
  });
});

describe('Live tails over Grafana Live', () => {
  interface JsonFrame {
    schema?: { fields: Array<{ name: string; type: string }> };
    data: { values: unknown[][] };
  }
  const parsePacket = (data: Buffer): JsonFrame => JSON.parse(data.toString('utf8')) as JsonFrame;

  it('a live query names its channel; subscribing and running it streams the schema, then new rows', async () => {
    const datasource = promDataSource();
    // time() evaluates to the evaluation timestamp: every value can be checked against its time.
    const response = await host.queryData(
      queryDataRequest({
        context: { datasource },
        queries: [dataQuery({ refId: 'L', json: { queryType: 'promql', expr: 'time()', live: true, step: '1s' } })],
      }),
    );
    const answer = response.responses.L!;
    assert.equal(answer.error, '');
    const first = assertGrafanaReadableFrame(new Uint8Array(answer.frames[0]!));
    const channel = first.meta?.channel;
    assert.ok(typeof channel === 'string' && channel.startsWith(`ds/${PROM_UID}/tail/`), `channel: ${String(channel)}`);
    const path = channel.slice(`ds/${PROM_UID}/`.length);

    const subscribed = await host.subscribeStream(streamRequest({ path, context: { datasource } }));
    assert.equal(subscribed.status, StreamStatus.OK);

    const stream = host.runStream(streamRequest({ path, context: { datasource } }));
    try {
      const [schemaPacket, rowsPacket] = await stream.take(2, 10_000);
      const head = parsePacket(schemaPacket!.data);
      assert.deepEqual(head.schema?.fields.map((f) => [f.name, f.type]), [
        ['Time', 'time'],
        ['Value', 'number'],
      ]);
      const [times, values] = head.data.values as [number[], number[]];
      assert.ok(times.length >= 30, `backfill of ${times.length} rows`);
      assert.deepEqual(values, times.map((t) => t / 1000), 'time() equals each row\'s timestamp');
      const next = parsePacket(rowsPacket!.data);
      assert.equal(next.schema, undefined, 'later packets carry rows only');
      const [moreTimes, moreValues] = next.data.values as [number[], number[]];
      assert.ok(moreTimes.length >= 1 && moreTimes[0]! > times.at(-1)!, 'only rows not sent before');
      assert.deepEqual(moreValues, moreTimes.map((t) => t / 1000));
    } finally {
      stream.cancel();
    }
    const end = await stream.ended;
    assert.equal(end.cancelledByHost, true);
    assert.equal(await host.health(), 'SERVING');
  });

  it('unknown channel paths are refused at subscribe and at run', async () => {
    const datasource = promDataSource();
    const subscribed = await host.subscribeStream(streamRequest({ path: 'tail/%%%', context: { datasource } }));
    assert.equal(subscribed.status, StreamStatus.NOT_FOUND);
    const stream = host.runStream(streamRequest({ path: 'no-such-stream', context: { datasource } }));
    await assert.rejects(stream.next(5_000), /NOT_FOUND/);
  });

  it('refuses publishing into a tail', async () => {
    const result = await host.publishStream(streamRequest({ path: 'tail/abc', data: { x: 1 }, context: { datasource: promDataSource() } }));
    assert.equal(result.status, StreamStatus.PERMISSION_DENIED);
  });
});

describe('CollectMetrics after real traffic', () => {
  it('counts queries, errors by kind and upstream latency per operation', async () => {
    const response = await host.collectMetrics({ pluginContext: checkHealthRequest().pluginContext });
    const text = response.metrics?.prometheus.toString('utf8') ?? '';
    /** Sum of the samples of `name` whose labels include `labels` (label order does not matter). */
    const sample = (name: string, labels: Record<string, string>): number => {
      let total = 0;
      let found = false;
      for (const line of text.split('\n')) {
        const match = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(line);
        if (!match || match[1] !== name) continue;
        const got = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
        if (Object.entries(labels).every(([k, v]) => got[k] === v)) {
          found = true;
          total += Number(match[3]);
        }
      }
      assert.ok(found, `no ${name} sample with ${JSON.stringify(labels)}\n${text.slice(0, 3000)}`);
      return total;
    };
    assert.ok(sample('encore_query_duration_seconds_count', { source: 'prometheus', outcome: 'ok', query_type: 'promql' }) >= 5);
    assert.ok(sample('encore_query_duration_seconds_count', { source: 'prometheus', outcome: 'error' }) >= 3);
    for (const kind of ['bad_query', 'refused', 'timeout', 'validation', 'settings']) {
      assert.ok(sample('encore_query_errors_total', { kind }) >= 1, kind);
    }
    assert.ok(sample('encore_upstream_request_duration_seconds_count', { source: 'prometheus', operation: 'query_range', outcome: 'ok' }) >= 3);
    assert.ok(sample('encore_upstream_request_duration_seconds_count', { source: 'prometheus', operation: 'label_values', outcome: 'ok' }) >= 1);
    assert.ok(sample('encore_upstream_request_duration_seconds_count', { source: 'prometheus', operation: 'query_range', outcome: 'refused' }) >= 1);
  });
});
