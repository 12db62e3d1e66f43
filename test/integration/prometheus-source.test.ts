/**
 * The Prometheus source against a real Prometheus (Debian package) holding a known dataset, plus
 * small local servers for what Prometheus cannot show: a server that never answers, one that is
 * not Prometheus, one that records the headers it receives. All traffic stays on 127.0.0.1 (the
 * DNS test only asks the resolver about a name under .invalid).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { DataSourceSettings } from '../../src/backend/grafana/context';
import { QueryValidationError } from '../../src/backend/query/failure';
import { UpstreamError, type UpstreamErrorKind } from '../../src/backend/sources/errors';
import { prometheusConfigFromSettings, type PrometheusConfig } from '../../src/backend/sources/prometheus/config';
import { createPrometheusSource, type PrometheusSource } from '../../src/backend/sources/prometheus/source';
import type { Series } from '../../src/backend/sources/source';
import {
  FIXTURE_GAP,
  FIXTURE_METRICS,
  FIXTURE_PASSWORD,
  FIXTURE_TLS_SERVER_NAME,
  FIXTURE_USER,
  findFreePort,
  fixtureSeries,
  startPrometheus,
  type FixtureSeries,
  type PrometheusFixture,
} from '../support/prometheus';

const MINUTE = 60_000;
const LOOKBACK_MS = 5 * MINUTE;
const { gauge, counter, gappy, special } = FIXTURE_METRICS;

const opened: PrometheusSource[] = [];
after(() => {
  for (const source of opened) source.close();
});

function settings(url: string, overrides: Partial<DataSourceSettings> = {}): DataSourceSettings {
  return { uid: 'it', name: 'Encore', url, basicAuthEnabled: false, basicAuthUser: '', jsonData: {}, secureJsonData: {}, lastUpdatedMS: 1, ...overrides };
}

function open(input: DataSourceSettings | PrometheusConfig): PrometheusSource {
  const config = 'jsonData' in input ? prometheusConfigFromSettings(input) : input;
  const source = createPrometheusSource(config);
  opened.push(source);
  return source;
}

async function rejectsWith(promise: Promise<unknown>, kind: UpstreamErrorKind, message: RegExp): Promise<UpstreamError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof UpstreamError, `expected UpstreamError(${kind}), got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  assert.match(caught.message, message);
  return caught;
}

/** What Prometheus answers at time t: the newest sample at most 5 m old (t never lands on a boundary here). */
function sampleAt(series: FixtureSeries, t: number): [number, number] | undefined {
  let found: [number, number] | undefined;
  for (const point of series.points) if (point[0] <= t && t - point[0] < LOOKBACK_MS) found = point;
  return found;
}

function expectedRange(series: FixtureSeries, start: number, end: number, step: number): Series {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let t = start; t <= end; t += step) {
    const sample = sampleAt(series, t);
    if (sample) {
      timestamps.push(t);
      values.push(sample[1]);
    }
  }
  return { labels: series.labels, timestamps, values };
}

function byLabel(series: Series[], label: string): Map<string, Series> {
  return new Map(series.map((s) => [s.labels[label] ?? '', s]));
}

describe('against a real Prometheus with the fixture dataset', () => {
  let prom: PrometheusFixture;
  let post: PrometheusSource;
  let get: PrometheusSource;
  before(async () => {
    prom = await startPrometheus();
    post = open(settings(prom.url));
    get = open(settings(`${prom.url}/`, { jsonData: { httpMethod: 'GET' } }));
  });
  after(() => prom?.stop());

  test('range query: step-aligned evaluation times, exact values, POST and GET alike', async () => {
    const ios = fixtureSeries(prom.dataset, { __name__: gauge, market: 'se', platform: 'ios' });
    // Evaluations half a step after each sample pick that sample.
    const start = prom.dataset.startMs + 10 * MINUTE + 30_000;
    const end = start + 20 * MINUTE;
    const expected = expectedRange(ios, start, end, MINUTE);
    assert.equal(expected.timestamps.length, 21);
    assert.deepEqual(expected.values.slice(0, 3), [110, 111, 112]);
    for (const source of [post, get]) {
      const got = await source.queryRange({ expr: `${gauge}{market="se",platform="ios"}`, start, end, stepMs: MINUTE });
      assert.deepEqual(got, [expected]);
    }
  });

  test('range query with a coarser step skips samples and returns every matching series', async () => {
    const start = prom.dataset.startMs;
    const end = start + 60 * MINUTE;
    const got = byLabel(await post.queryRange({ expr: gauge, start, end, stepMs: 5 * MINUTE }), 'platform');
    assert.deepEqual([...got.keys()].sort(), ['android', 'ios', 'web']);
    for (const [platform, series] of got) {
      const fixture = prom.dataset.series.find((s) => s.labels.__name__ === gauge && s.labels.platform === platform)!;
      assert.deepEqual(series, expectedRange(fixture, start, end, 5 * MINUTE));
    }
    assert.deepEqual(got.get('android')!.values.slice(0, 4), [200, 210, 220, 230]);
  });

  test('a one-hour gap stays a gap: no points beyond the 5 m lookback', async () => {
    const series = fixtureSeries(prom.dataset, { __name__: gappy, market: 'se' });
    const start = prom.dataset.startMs + 30_000;
    const end = prom.dataset.endMs - 30_000;
    const [got] = await post.queryRange({ expr: gappy, start, end, stepMs: MINUTE });
    assert.deepEqual(got, expectedRange(series, start, end, MINUTE));
    const minutes = got!.timestamps.map((t) => (t - prom.dataset.startMs - 30_000) / MINUTE);
    // 0..59 from samples, 60..63 from the lookback of sample 59, nothing until sample 120.
    assert.equal(minutes.includes(63), true);
    assert.equal(minutes.includes(64), false);
    assert.equal(minutes.includes(FIXTURE_GAP.to - 1), false);
    assert.equal(minutes.includes(FIXTURE_GAP.to), true);
    assert.equal(got!.values[minutes.indexOf(FIXTURE_GAP.to)], FIXTURE_GAP.to / 8);
  });

  test('instant query: vector at the evaluation time, rate of the counter, scalar', async () => {
    const time = prom.dataset.startMs + 50 * MINUTE + 30_000;
    const vector = await get.queryInstant({ expr: `${gauge}{platform="android"}`, time });
    assert.deepEqual(vector, [{ labels: { __name__: gauge, market: 'se', platform: 'android' }, timestamps: [time], values: [300] }]);

    // A window that does not start on a sample: the five samples 96..100 of 10 * i.
    const sumTime = prom.dataset.startMs + 100 * MINUTE + 30_000;
    const sum = await post.queryInstant({ expr: `sum_over_time(${counter}{market="se"}[5m])`, time: sumTime });
    assert.deepEqual(sum, [{ labels: { market: 'se' }, timestamps: [sumTime], values: [4900] }]);
    // 10 per minute is 1/6 per second; Prometheus' extrapolation arithmetic may differ in the last bit.
    const [rate] = await post.queryInstant({ expr: `rate(${counter}{market="se"}[5m])`, time: sumTime });
    assert.ok(Math.abs(rate!.values[0]! - 1 / 6) < 1e-12, `rate ${rate!.values[0]}`);

    const scalar = await post.queryInstant({ expr: `scalar(${gauge}{platform="web"})`, time });
    assert.deepEqual(scalar, [{ labels: {}, timestamps: [time], values: [950] }]);
  });

  test('NaN, +Inf and -Inf arrive as numbers', async () => {
    const got = byLabel(await post.queryInstant({ expr: special, time: prom.dataset.startMs + 30_000 }), 'case');
    assert.ok(Number.isNaN(got.get('nan')!.values[0]));
    assert.equal(got.get('pos_inf')!.values[0], Infinity);
    assert.equal(got.get('neg_inf')!.values[0], -Infinity);
  });

  test('metric names: all, searched, limited, matched, windowed', async () => {
    const all = [gauge, gappy, counter, special];
    assert.deepEqual(await post.metricNames({}), all);
    assert.deepEqual(await post.metricNames({ search: 'PLAYS' }), [counter]);
    assert.deepEqual(await post.metricNames({ limit: 2 }), all.slice(0, 2));
    assert.deepEqual(await post.metricNames({ search: 'encore_fixture_', limit: 1 }), [gauge]);
    assert.deepEqual(await post.metricNames({ match: ['{market="de"}'] }), [gauge, counter]);
    const { startMs, endMs } = prom.dataset;
    assert.deepEqual(await post.metricNames({ start: startMs, end: endMs }), all);
    assert.deepEqual(await post.metricNames({ start: startMs - 48 * 60 * MINUTE, end: startMs - 47 * 60 * MINUTE }), []);
  });

  test('label names and label values', async () => {
    assert.deepEqual(await post.labelNames({}), ['__name__', 'case', 'market', 'platform']);
    assert.deepEqual(await get.labelNames({ match: [counter] }), ['__name__', 'market']);
    assert.deepEqual(await post.labelNames({ search: 'PLAT' }), ['platform']);
    assert.deepEqual(await post.labelValues('market', {}), ['de', 'se']);
    assert.deepEqual(await post.labelValues('market', { match: [`${gauge}{platform="ios"}`] }), ['se']);
    assert.deepEqual(await post.labelValues('platform', { search: 'i', limit: 1 }), ['android']);
    assert.deepEqual(await post.labelValues('no_such_label', {}), []);
    await assert.rejects(post.labelValues('bad-name', {}), (e: unknown) => e instanceof QueryValidationError && /^label: expected a Prometheus label name/.test(e.message));
  });

  test('bad PromQL is bad_query with Prometheus\' own message', async () => {
    for (const source of [post, get]) {
      const error = await rejectsWith(
        source.queryInstant({ expr: 'sum(rate(x[5m])', time: prom.dataset.endMs }),
        'bad_query',
        /^Prometheus rejected the query: invalid parameter "query": 1:\d+: parse error: .*unclosed left parenthesis/,
      );
      assert.equal(error.upstreamStatus, 400);
      assert.equal(error.status, 400);
    }
    await rejectsWith(post.queryInstant({ expr: 'match[]', time: prom.dataset.endMs }), 'bad_query', /parse error/);
  });

  test('too many points per series is limit', async () => {
    const start = prom.dataset.startMs;
    await rejectsWith(post.queryRange({ expr: gauge, start, end: start + 24 * 60 * MINUTE, stepMs: 1000 }), 'limit', /exceeded maximum resolution of 11,000 points/);
  });

  test('answers above the size cap are limit, not an out-of-memory', async () => {
    // Prometheus gzips its answers; the cap counts the decompressed bytes.
    const small = open({ ...prometheusConfigFromSettings(settings(prom.url)), maxResponseBytes: 2048 });
    const { startMs, endMs } = prom.dataset;
    await rejectsWith(
      small.queryRange({ expr: gauge, start: startMs, end: endMs, stepMs: MINUTE }),
      'limit',
      /^the answer from Prometheus at http:\/\/127\.0\.0\.1:\d+ to \/api\/v1\/query_range is larger than 2 KiB; narrow the query/,
    );
    assert.equal((await small.queryInstant({ expr: '1+1', time: endMs }))[0]!.values[0], 2);
  });

  test('health: ok with version and revision from buildinfo', async () => {
    const health = await post.health();
    assert.equal(health.ok, true, health.message);
    assert.equal(health.message, `Prometheus ${prom.version} at ${prom.url} answered a test query`);
    assert.equal(health.details.version, prom.version);
    assert.equal(typeof health.details.revision, 'string');
    assert.equal(health.details.url, prom.url);
  });

  test('a caller cancel stops the request at once', async () => {
    const abort = new AbortController();
    const pending = post.queryRange({ expr: gauge, start: prom.dataset.startMs, end: prom.dataset.endMs, stepMs: MINUTE, signal: abort.signal });
    abort.abort();
    await rejectsWith(pending, 'timeout', /was cancelled before it answered/);
    await rejectsWith(post.queryInstant({ expr: '1', time: prom.dataset.endMs, signal: abort.signal }), 'timeout', /cancelled/);
  });
});

describe('connection failures', () => {
  test('nothing listening: refused, for queries and health', async () => {
    const port = await findFreePort();
    const source = open(settings(`http://127.0.0.1:${port}`));
    await rejectsWith(source.queryInstant({ expr: '1', time: Date.now() }), 'refused', new RegExp(`^Prometheus at http://127\\.0\\.0\\.1:${port} refused the connection`));
    const health = await source.health();
    assert.equal(health.ok, false);
    assert.match(health.message, /refused the connection/);
    assert.equal(health.details.kind, 'refused');
  });

  test('unresolvable host: dns', async () => {
    const source = open(settings('http://encore-no-such-host.invalid:9090'));
    await rejectsWith(source.metricNames({}), 'dns', /^the host name "encore-no-such-host\.invalid" of http:\/\/encore-no-such-host\.invalid:9090 could not be resolved \((ENOTFOUND|EAI_AGAIN)\)/);
  });

  test('a server that accepts but never answers: timeout after the configured seconds', { timeout: 10_000 }, async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const source = open(settings(`http://127.0.0.1:${port}`, { jsonData: { timeoutSeconds: 0.3 } }));
      const began = Date.now();
      await rejectsWith(source.queryInstant({ expr: '1', time: Date.now() }), 'timeout', /did not answer \/api\/v1\/query within 0\.3 s \(the data source timeout\)/);
      const elapsed = Date.now() - began;
      assert.ok(elapsed >= 280 && elapsed < 2000, `timed out after ${elapsed} ms`);
      assert.ok(sockets.length >= 1, 'the request did reach the server');
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

test('a kept-alive connection the server dropped is retried once on a fresh one', async () => {
  // Request 1 is answered with keep-alive; the server then drops that connection as soon as the
  // next request arrives on it, as a server closing an idle connection at the wrong moment does.
  let connections = 0;
  const server = createServer((socket) => {
    const connection = ++connections;
    let served = 0;
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      while (buffer.includes('\r\n\r\n')) {
        buffer = buffer.slice(buffer.indexOf('\r\n\r\n') + 4);
        if (connection === 1 && served === 1) return void socket.destroy();
        served++;
        const body = JSON.stringify({ status: 'success', data: [`connection ${connection}`] });
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const source = open(settings(`http://127.0.0.1:${(server.address() as { port: number }).port}`, { jsonData: { httpMethod: 'GET' } }));
    assert.deepEqual(await source.labelNames({}), ['connection 1']);
    assert.deepEqual(await source.labelNames({}), ['connection 2']);
    assert.equal(connections, 2);
  } finally {
    server.close();
  }
});

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remotePort: number;
}

/** A local HTTP server with a handler per test; records every request. */
async function localServer(handler: (req: Recorded, res: http.ServerResponse) => void) {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), remotePort: req.socket.remotePort ?? 0 };
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function json(res: http.ServerResponse, status: number, body: unknown, gzip = false): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
  res.end(gzip ? gzipSync(text) : text);
}

describe('servers that are not Prometheus', () => {
  let server: Awaited<ReturnType<typeof localServer>>;
  before(async () => {
    server = await localServer((req, res) => {
      if (req.url.startsWith('/html/')) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><title>Grafana</title>');
      } else if (req.url.startsWith('/json/')) {
        json(res, 200, { hello: 'world' });
      } else if (req.url.startsWith('/malformed/')) {
        json(res, 200, { status: 'success', data: { resultType: 'matrix', result: { not: 'a list' } } });
      } else if (req.url.startsWith('/nobuildinfo/api/v1/query')) {
        // A compatible store without /status/buildinfo, answering gzip'd like Prometheus does.
        json(res, 200, { status: 'success', data: { resultType: 'scalar', result: [Date.now() / 1000, '2'] } }, true);
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('404 page not found\n');
      }
    });
  });
  after(() => server?.close());

  test('an HTML page: not_prometheus for queries and health', async () => {
    const source = open(settings(`${server.url}/html`));
    await rejectsWith(source.queryInstant({ expr: '1', time: Date.now() }), 'not_prometheus', /answered \/api\/v1\/query with an HTML page, not the Prometheus HTTP API/);
    const health = await source.health();
    assert.equal(health.ok, false);
    assert.match(health.message, /answered \/api\/v1\/status\/buildinfo with an HTML page/);
    assert.equal(health.details.kind, 'not_prometheus');
  });

  test('JSON that is not the API envelope: not_prometheus', async () => {
    const source = open(settings(`${server.url}/json`));
    await rejectsWith(source.labelNames({}), 'not_prometheus', /JSON that is not the Prometheus API envelope/);
  });

  test('the API envelope around a result of the wrong shape: not_prometheus, naming the problem', async () => {
    const source = open(settings(`${server.url}/malformed`));
    await rejectsWith(
      source.queryRange({ expr: 'up', start: 0, end: 60_000, stepMs: 15_000 }),
      'not_prometheus',
      /^http:\/\/127\.0\.0\.1:\d+\/malformed answered with a malformed Prometheus API result: matrix result is not a list$/,
    );
  });

  test('404 everywhere: health falls back to a test query, which says there is no API there', async () => {
    const source = open(settings(`${server.url}/nothing`));
    const health = await source.health();
    assert.equal(health.ok, false);
    assert.match(health.message, /answered HTTP 404 Not Found for \/api\/v1\/query: no Prometheus API there/);
    assert.equal(health.details.upstreamStatus, 404);
  });

  test('no buildinfo but a working query API: healthy without a version', async () => {
    const source = open(settings(`${server.url}/nobuildinfo`));
    const health = await source.health();
    assert.equal(health.ok, true, health.message);
    assert.match(health.message, /^Prometheus-compatible API \(no version reported\) at http:\/\/127\.0\.0\.1:\d+\/nobuildinfo answered a test query$/);
    assert.equal(health.details.version, undefined);
  });
});

describe('what goes on the wire', () => {
  let server: Awaited<ReturnType<typeof localServer>>;
  before(async () => {
    server = await localServer((req, res) => {
      if (req.url.startsWith('/api/v1/query')) json(res, 200, { status: 'success', data: { resultType: 'vector', result: [] } });
      else json(res, 200, { status: 'success', data: ['a', 'b'] });
    });
  });
  after(() => server?.close());

  const secure = { bearerToken: 'tok-123', httpHeaderValue1: 'tenant-a', httpHeaderValue2: 'Encore-Test' };
  const jsonData = { authType: 'bearer', httpHeaderName1: 'X-Scope-OrgID', httpHeaderName2: 'user-agent' };

  test('bearer token and custom headers on every request; POST is form-encoded; keep-alive reuses one connection', async () => {
    server.requests.length = 0;
    const source = open(settings(server.url, { jsonData, secureJsonData: secure }));
    await source.queryInstant({ expr: 'up{job="a b"}', time: 1_700_000_000_123 });
    await source.queryRange({ expr: 'up', start: 1_700_000_000_000, end: 1_700_000_060_000, stepMs: 15_000 });
    await source.labelNames({ match: ['up', 'down'], start: 1_700_000_000_000 });
    await source.labelValues('job', { match: ['up'], limit: 5 });

    assert.equal(server.requests.length, 4);
    for (const req of server.requests) {
      assert.equal(req.headers.authorization, 'Bearer tok-123');
      assert.equal(req.headers['x-scope-orgid'], 'tenant-a');
      assert.equal(req.headers['user-agent'], 'Encore-Test');
      assert.equal(req.headers['accept-encoding'], 'gzip');
    }
    const [instant, range, labels, values] = server.requests as [Recorded, Recorded, Recorded, Recorded];
    assert.equal(instant.method, 'POST');
    assert.equal(instant.url, '/api/v1/query');
    assert.equal(instant.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual([...new URLSearchParams(instant.body)], [['query', 'up{job="a b"}'], ['time', '1700000000.123'], ['timeout', '30']]);
    assert.deepEqual([...new URLSearchParams(range.body)], [['query', 'up'], ['start', '1700000000'], ['end', '1700000060'], ['step', '15'], ['timeout', '30']]);
    assert.equal(labels.method, 'POST');
    assert.deepEqual([...new URLSearchParams(labels.body)], [['match[]', 'up'], ['match[]', 'down'], ['start', '1700000000']]);
    // The label values endpoint only exists for GET.
    assert.equal(values.method, 'GET');
    assert.equal(values.url, '/api/v1/label/job/values?match%5B%5D=up&limit=5');
    assert.equal(new Set(server.requests.map((r) => r.remotePort)).size, 1, 'all four requests on one kept-alive connection');
  });

  test('GET puts the parameters in the query string; basic auth header', async () => {
    server.requests.length = 0;
    const source = open(settings(server.url, { basicAuthEnabled: true, basicAuthUser: 'alice', jsonData: { httpMethod: 'GET' }, secureJsonData: { basicAuthPassword: 'pw:with:colons' } }));
    await source.queryInstant({ expr: 'up', time: 1_700_000_000_000 });
    const [req] = server.requests as [Recorded];
    assert.equal(req.method, 'GET');
    assert.equal(req.url, '/api/v1/query?query=up&time=1700000000&timeout=30');
    assert.equal(req.body, '');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('alice:pw:with:colons').toString('base64')}`);
  });
});

describe('basic auth against Prometheus', () => {
  let prom: PrometheusFixture;
  before(async () => {
    prom = await startPrometheus({ basicAuth: true });
  });
  after(() => prom?.stop());

  const withPassword = (password: string) =>
    settings(prom.url, { basicAuthEnabled: true, basicAuthUser: FIXTURE_USER, secureJsonData: { basicAuthPassword: password } });

  test('the right password works', async () => {
    const source = open(withPassword(FIXTURE_PASSWORD));
    assert.equal((await source.health()).ok, true);
    const [series] = await source.queryInstant({ expr: `${gauge}{platform="ios"}`, time: prom.dataset.startMs + 30_000 });
    assert.deepEqual(series!.values, [100]);
  });

  test('a wrong password is auth, and the message does not repeat it', async () => {
    const wrong = 'not-the-password-42';
    const source = open(withPassword(wrong));
    const error = await rejectsWith(source.queryInstant({ expr: '1', time: Date.now() }), 'auth', /rejected the credentials \(HTTP 401 Unauthorized\); check the basic auth user and password/);
    assert.ok(!error.message.includes(wrong));
    const health = await source.health();
    assert.equal(health.ok, false);
    assert.ok(!JSON.stringify(health).includes(wrong));
  });

  test('no credentials at all: auth, suggesting to configure them', async () => {
    await rejectsWith(open(settings(prom.url)).metricNames({}), 'auth', /requires authentication \(HTTP 401 Unauthorized\)/);
  });
});

describe('TLS against Prometheus', () => {
  let prom: PrometheusFixture;
  before(async () => {
    prom = await startPrometheus({ tls: true, data: false });
  });
  after(() => prom?.stop());

  const withCa = (ca: string, jsonData: Record<string, unknown> = {}) =>
    settings(prom.url, { jsonData: { tlsAuthWithCACert: true, ...jsonData }, secureJsonData: { tlsCACert: ca } });

  test('trusted through the configured CA', async () => {
    const health = await open(withCa(prom.tls!.caCert)).health();
    assert.equal(health.ok, true, health.message);
  });

  test('without the CA: tls, explaining what to add', async () => {
    await rejectsWith(open(settings(prom.url)).labelNames({}), 'tls', /the server's certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); add the CA certificate/);
    await rejectsWith(open(withCa(prom.tls!.otherCaCert)).labelNames({}), 'tls', /not trusted/);
  });

  test('skip verify connects anyway', async () => {
    const health = await open(settings(prom.url, { jsonData: { tlsSkipVerify: true } })).health();
    assert.equal(health.ok, true, health.message);
  });

  test('serverName is what the certificate is checked against', async () => {
    assert.equal((await open(withCa(prom.tls!.caCert, { serverName: FIXTURE_TLS_SERVER_NAME })).health()).ok, true);
    await rejectsWith(open(withCa(prom.tls!.caCert, { serverName: 'other.test' })).labelNames({}), 'tls', /not valid for this host name \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
  });

  test('scheme mix-ups: http to the TLS port, https to a plain port', async () => {
    await rejectsWith(open(settings(prom.url.replace('https:', 'http:'))).labelNames({}), 'not_prometheus', /Client sent an HTTP request to an HTTPS server/);
    const plain = await localServer((_req, res) => json(res, 200, {}));
    try {
      await rejectsWith(open(settings(plain.url.replace('http:', 'https:'))).labelNames({}), 'tls', /does not speak TLS on that port/);
    } finally {
      plain.close();
    }
  });
});

describe('mutual TLS against Prometheus', () => {
  let prom: PrometheusFixture;
  before(async () => {
    prom = await startPrometheus({ tls: { clientCert: true }, data: false });
  });
  after(() => prom?.stop());

  test('with the client certificate: ok', async () => {
    const { caCert, clientCert, clientKey } = prom.tls!;
    const source = open(
      settings(prom.url, { jsonData: { tlsAuthWithCACert: true, tlsAuth: true }, secureJsonData: { tlsCACert: caCert, tlsClientCert: clientCert, tlsClientKey: clientKey } }),
    );
    const health = await source.health();
    assert.equal(health.ok, true, health.message);
  });

  test('without it: tls, pointing at the client certificate', async () => {
    const source = open(settings(prom.url, { jsonData: { tlsAuthWithCACert: true }, secureJsonData: { tlsCACert: prom.tls!.caCert } }));
    await rejectsWith(source.labelNames({}), 'tls', /client certificate \(tlsAuth\)/);
  });
});
