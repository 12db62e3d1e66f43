// Upstream faults with real processes: the built backend, a real Prometheus, and in between a
// delaying TCP proxy (test/support/delay-proxy.ts) or a small HTTP server answering 500s and
// garbage (test/support/fake-upstream.ts). Each fault must end as that query's own clear error,
// its neighbours answering; retries ride over short blips; the circuit breaker opens on a dead
// store, shows in CheckHealth, and closes again once a probe succeeds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { assertGrafanaReadableFrame } from '../harness/go-reader-rules';
import { checkHealthRequest, dataQuery, queryDataRequest, type DataSourceInput } from '../harness/plugin-context';
import { HealthStatus, type DataResponse } from '../harness/wire';
import { startDelayProxy, type DelayProxy } from '../support/delay-proxy';
import { json, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { FIXTURE_METRICS, startPrometheus, type PrometheusFixture } from '../support/prometheus';

let prom: PrometheusFixture;
let host: PluginHost;
const closers: Array<() => Promise<void>> = [];

before(async () => {
  prom = await startPrometheus();
  host = await launchPlugin();
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await host?.dispose();
  await prom?.stop();
});

/**
 * Fast-failing settings: short timeout, 2 retries, a breaker that opens after 3 failures for 1 s;
 * no results cache, so that every query really goes to the upstream.
 */
const RESILIENCE = { timeoutSeconds: 1, retries: 2, circuitBreakerFailures: 3, circuitBreakerCooldownSeconds: 1, cacheMode: 'off' };
let nextUid = 0;

function dataSource(url: string, jsonData: Record<string, unknown> = {}): DataSourceInput {
  return { uid: `faults-${++nextUid}`, url, jsonData: { sourceKind: 'prometheus', ...RESILIENCE, ...jsonData } };
}

function query(refId: string, expr: string) {
  return dataQuery({ refId, json: { expr }, timeRange: { from: prom.dataset.startMs, to: prom.dataset.endMs }, maxDataPoints: 60 });
}

async function run(ds: DataSourceInput, queries: Array<[string, string]>): Promise<Record<string, DataResponse>> {
  const response = await host.queryData(queryDataRequest({ context: { datasource: ds }, queries: queries.map(([refId, expr]) => query(refId, expr)) }));
  return response.responses;
}

async function health(ds: DataSourceInput): Promise<{ status: number; message: string; details: Record<string, unknown> }> {
  const reply = await host.checkHealth(checkHealthRequest({ context: { datasource: ds } }));
  return { status: reply.status, message: reply.message, details: JSON.parse(reply.jsonDetails.toString('utf8')) as Record<string, unknown> };
}

function assertAnswers(response: DataResponse | undefined): void {
  assert.ok(response, 'an answer');
  assert.equal(response.error, '', `unexpected error: ${response.error}`);
  assert.ok(response.frames.length > 0);
  for (const frame of response.frames) assertGrafanaReadableFrame(new Uint8Array(frame));
}

const GAUGE = FIXTURE_METRICS.gauge;
const COUNTER = FIXTURE_METRICS.counter;

describe('Prometheus stopped', () => {
  it('answers "connection refused" fast, opens the circuit breaker after 3 failures and shows it in CheckHealth', async () => {
    const doomed = await startPrometheus({ data: false });
    const ds = dataSource(doomed.url);
    assertAnswers((await run(ds, [['A', 'vector(1)']])).A);
    await doomed.stop();

    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const { A } = await run(ds, [['A', 'vector(1)']]);
      assert.equal(A!.status, 502);
      assert.equal(A!.errorSource, 'downstream');
      assert.match(A!.error, /refused the connection \(ECONNREFUSED\); is Prometheus running/);
      assert.ok(performance.now() - started < 1500, 'refused is not waited out: two jittered retries only');
    }
    const started = performance.now();
    const { A } = await run(ds, [['A', 'vector(1)']]);
    assert.equal(A!.status, 503);
    assert.match(A!.error, /failed 3 times in a row .*circuit breaker, circuitBreakerFailures = 3\) and tries again in/);
    assert.ok(performance.now() - started < 200, 'an open breaker answers at once');

    const checked = await health(ds);
    assert.equal(checked.status, HealthStatus.ERROR);
    assert.match(checked.message, /ECONNREFUSED/);
    const breaker = checked.details.circuitBreaker as Record<string, unknown>;
    assert.equal(breaker.state, 'open');
    assert.ok((breaker.consecutiveFailures as number) >= 3);
    assert.equal(breaker.failureThreshold, 3);
  });

  it('comes back: behind a fixed address, the breaker half-opens after the cooldown and the probe closes it', async () => {
    const proxy = await startDelayProxy({ targetPort: prom.port });
    closers.push(() => proxy.close());
    const ds = dataSource(proxy.url);
    assertAnswers((await run(ds, [['A', GAUGE]])).A);

    await proxy.goAway();
    for (let i = 0; i < 3; i++) assert.match((await run(ds, [['A', GAUGE]])).A!.error, /ECONNREFUSED/);
    assert.match((await run(ds, [['A', GAUGE]])).A!.error, /circuit breaker/);
    assert.equal(((await health(ds)).details.circuitBreaker as { state: string }).state, 'open');

    await proxy.comeBack();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assertAnswers((await run(ds, [['A', GAUGE]])).A);
    const checked = await health(ds);
    assert.equal(checked.status, HealthStatus.OK, checked.message);
    assert.deepEqual(
      { state: (checked.details.circuitBreaker as { state: string }).state, failures: (checked.details.circuitBreaker as { consecutiveFailures: number }).consecutiveFailures },
      { state: 'closed', failures: 0 },
    );
  });
});

describe('Prometheus slow', () => {
  let proxy: DelayProxy;
  before(async () => {
    proxy = await startDelayProxy({ targetPort: prom.port });
    closers.push(() => proxy.close());
    // Requests about the counter take 3 s on the way in; everything else passes at once.
    proxy.delayWhen = (chunk) => (chunk.includes(COUNTER) ? 3_000 : 0);
  });

  it('fails the slow query at the data source timeout; its neighbour answers, and nothing waits for the slow one', async () => {
    const ds = dataSource(proxy.url, { circuitBreakerFailures: 0 });
    const started = performance.now();
    const { SLOW, FAST } = await run(ds, [
      ['SLOW', `sum(${COUNTER})`],
      ['FAST', GAUGE],
    ]);
    const elapsed = performance.now() - started;
    assert.equal(SLOW!.status, 504);
    assert.match(SLOW!.error, /did not answer \/api\/v1\/query_range within 1 s \(the data source timeout\)/);
    assertAnswers(FAST);
    assert.ok(elapsed < 2_500, `${Math.round(elapsed)} ms: the request ends with the timeout, not with the upstream`);
  });

  it('stops a query at queryTimeoutSeconds when the upstream hangs', async () => {
    proxy.stallWhen = (chunk) => chunk.includes('stalled_metric');
    const ds = dataSource(proxy.url, { timeoutSeconds: 30, queryTimeoutSeconds: 0.5, circuitBreakerFailures: 0 });
    const started = performance.now();
    const { A, B } = await run(ds, [
      ['A', 'stalled_metric'],
      ['B', GAUGE],
    ]);
    assert.equal(A!.status, 504);
    assert.match(A!.error, /^queryTimeoutSeconds: the query did not finish within 0.5 s/);
    assertAnswers(B);
    assert.ok(performance.now() - started < 2_000);
  });
});

describe('Prometheus answering 500s and garbage', () => {
  let fake: FakeUpstream;
  before(async () => {
    fake = await startFakeUpstream({ forwardTo: prom.url });
    closers.push(() => fake.close());
    fake.script = (request) => {
      if (request.path !== '/api/v1/query_range') return { kind: 'forward' };
      switch (request.query) {
        case 'vector(500)':
          return { kind: 'answer', status: 500, contentType: 'text/plain', body: 'upstream exploded' };
        case 'vector(200)':
          return { kind: 'answer', status: 200, contentType: 'text/html', body: '<html><body>Welcome to nginx</body></html>' };
        case 'vector(201)':
          return { kind: 'answer', status: 200, contentType: 'application/json', body: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x7b, 0xff]) };
        case 'vector(202)':
          return { kind: 'cut', status: 200, body: '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{' };
        case 'vector(203)':
          return json(200, { status: 'success', data: { resultType: 'matrix', result: 'not a list' } });
        case 'vector(204)':
          return { kind: 'reset' };
        case `${GAUGE} + 0`:
          // Flaky: two 503s, then the real answer.
          return request.attempt < 2 ? { kind: 'answer', status: 503, contentType: 'text/plain', body: 'overloaded' } : { kind: 'forward' };
        case `${GAUGE} * 1`:
          return json(200, {
            status: 'success',
            warnings: ['store-b is unreachable: the result may be partial'],
            data: { resultType: 'matrix', result: [{ metric: { market: 'se' }, values: [[prom.dataset.startMs / 1000, '1']] }] },
          });
        default:
          return { kind: 'forward' };
      }
    };
  });

  const attempts = (expr: string) => fake.requests.filter((r) => r.path === '/api/v1/query_range' && r.query === expr).length;

  it('gives each broken answer its own clear error, and answers the good query beside them', async () => {
    const ds = dataSource(fake.url, { circuitBreakerFailures: 0 });
    const responses = await run(ds, [
      ['E500', 'vector(500)'],
      ['HTML', 'vector(200)'],
      ['BYTES', 'vector(201)'],
      ['CUT', 'vector(202)'],
      ['SHAPE', 'vector(203)'],
      ['RESET', 'vector(204)'],
      ['GOOD', GAUGE],
    ]);
    assert.match(responses.E500!.error, /failed \(HTTP 500 Internal Server Error\): upstream exploded/);
    assert.equal(responses.E500!.status, 502);
    assert.match(responses.HTML!.error, /answered \/api\/v1\/query_range with an HTML page, not the Prometheus HTTP API/);
    assert.match(responses.BYTES!.error, /JSON that is not the Prometheus API envelope|not the Prometheus HTTP API/);
    assert.match(responses.CUT!.error, /closed the connection before answering|connection closed mid-answer|ECONNRESET/);
    assert.match(responses.SHAPE!.error, /malformed Prometheus API result: matrix result is not a list/);
    assert.match(responses.RESET!.error, /closed the connection before answering \(ECONNRESET\)/);
    for (const refId of ['E500', 'HTML', 'BYTES', 'CUT', 'SHAPE', 'RESET']) assert.equal(responses[refId]!.errorSource, 'downstream', refId);
    assertAnswers(responses.GOOD);
    // 5xx and dropped connections are retried (1 + 2 retries); answers that would not change are not.
    assert.equal(attempts('vector(500)'), 3);
    // (a reset on a reused keep-alive socket is also sent again at once, inside an attempt)
    assert.ok(attempts('vector(204)') >= 3 && attempts('vector(204)') <= 6, String(attempts('vector(204)')));
    assert.equal(attempts('vector(200)'), 1);
    assert.equal(attempts('vector(203)'), 1);
  });

  it('rides over two 503s with jittered retries: the query answers', async () => {
    const ds = dataSource(fake.url);
    const started = performance.now();
    assertAnswers((await run(ds, [['A', `${GAUGE} + 0`]])).A);
    assert.equal(attempts(`${GAUGE} + 0`), 3);
    assert.ok(performance.now() - started < 1_000, 'backoff waits are short (100 ms, 200 ms steps, full jitter)');
  });

  it('passes the upstream\'s warnings on as a frame notice: the answer may be partial', async () => {
    const ds = dataSource(fake.url);
    const { A } = await run(ds, [['A', `${GAUGE} * 1`]]);
    assertAnswers(A);
    const frame = assertGrafanaReadableFrame(new Uint8Array(A!.frames[0]!));
    const notices = (frame.meta as { notices?: Array<{ severity: string; text: string }> } | undefined)?.notices ?? [];
    assert.ok(
      notices.some((n) => n.severity === 'warning' && /result may be partial.*store-b is unreachable/.test(n.text)),
      JSON.stringify(notices),
    );
  });
});
