// Refusals and the resilience machinery, as an operator sees them in CollectMetrics (Grafana's
// /api/plugins/<id>/metrics): the BUILT backend, called as Grafana does. Limits and rate limits
// are triggered on the demo source; retries and the circuit breaker against a real HTTP server
// (test/support/fake-upstream.ts) that answers 503 until told otherwise.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { dataQuery, pluginContext, queryDataRequest, type DataSourceInput, type PluginContextInput } from '../harness/plugin-context';
import type { DataResponse } from '../harness/wire';
import { sampleSum } from '../support/collector';
import { json, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';

const HOUR = 3_600_000;
const TO = Date.UTC(2026, 10, 30, 12);

let host: PluginHost;
let fake: FakeUpstream;

before(async () => {
  [host, fake] = await Promise.all([launchPlugin(), startFakeUpstream()]);
});

after(async () => {
  await host?.stop();
  await fake?.close();
});

async function metrics(): Promise<string> {
  const response = await host.collectMetrics({ pluginContext: pluginContext() });
  return response.metrics?.prometheus.toString('utf8') ?? '';
}

async function run(datasource: DataSourceInput, queries: Array<{ refId: string; json: Record<string, unknown>; hours?: number }>, context: PluginContextInput = {}): Promise<Record<string, DataResponse>> {
  const response = await host.queryData(
    queryDataRequest({
      context: { ...context, datasource },
      queries: queries.map((q) => dataQuery({ refId: q.refId, json: q.json, timeRange: { from: TO - (q.hours ?? 6) * HOUR, to: TO }, intervalMS: 60_000, maxDataPoints: 360 })),
    }),
  );
  return response.responses;
}

const KPI = { queryType: 'kpi', kpi: 'rebuffering_ratio' };

function demo(uid: string, jsonData: Record<string, unknown>): DataSourceInput {
  return { uid, jsonData: { sourceKind: 'demo', cacheMode: 'off', ...jsonData } };
}

describe('refusals in CollectMetrics', () => {
  it('counts queries refused by each limit, per data source and limit', async () => {
    const ds = demo('metrics-limits', { maxQueryRange: '1d', maxSeries: 2 });
    const answers = await run(ds, [
      { refId: 'A', json: KPI, hours: 48 },
      { refId: 'B', json: { ...KPI, groupBy: ['market'] } },
      { refId: 'C', json: KPI },
    ]);
    assert.match(answers.A!.error, /limit maxQueryRange = 1d/);
    assert.match(answers.B!.error, /limit maxSeries = 2/);
    assert.equal(answers.C!.error, '');

    const small = demo('metrics-size', { maxResponseMB: 0.001 });
    assert.match((await run(small, [{ refId: 'A', json: KPI }])).A!.error, /^maxResponseMB: /);

    const text = await metrics();
    const refused = (datasource: string, limit: string) => sampleSum(text, 'encore_query_limit_refusals_total', { datasource, limit });
    assert.equal(refused('metrics-limits', 'maxQueryRange'), 1);
    assert.equal(refused('metrics-limits', 'maxSeries'), 1);
    assert.equal(sampleSum(text, 'encore_query_limit_refusals_total', { datasource: 'metrics-limits' }), 2, 'the answered query is not counted');
    assert.equal(refused('metrics-size', 'maxResponseMB'), 1, 'the response-size refusal after encoding is counted too');
  });

  it('counts rate-limited queries by the limit that ran out: the user bucket, then the organisation (requests without a user)', async () => {
    const ds = demo('metrics-rate', { rateLimitUserQps: 0.001, rateLimitUserBurst: 2, rateLimitOrgQps: 0.001, rateLimitOrgBurst: 4 });
    const four = ['A', 'B', 'C', 'D'].map((refId) => ({ refId, json: { ...KPI, instant: true } }));
    const byUser = await run(ds, four, { user: { login: 'alice' } });
    assert.deepEqual(Object.values(byUser).map((a) => a.status || 200).sort(), [200, 200, 429, 429]);
    // Alice took two of the organisation's four tokens; alerting (no user) gets the other two.
    const byAlerting = await run(ds, four, { user: null });
    assert.deepEqual(Object.values(byAlerting).map((a) => a.status || 200).sort(), [200, 200, 429, 429]);
    assert.ok(Object.values(byAlerting).some((a) => /rateLimitOrgQps = 0.001/.test(a.error)));

    const text = await metrics();
    assert.equal(sampleSum(text, 'encore_query_rate_limited_total', { datasource: 'metrics-rate', limit: 'rateLimitUserQps' }), 2);
    assert.equal(sampleSum(text, 'encore_query_rate_limited_total', { datasource: 'metrics-rate', limit: 'rateLimitOrgQps' }), 2);
    assert.equal(sampleSum(text, 'encore_query_limit_refusals_total', { datasource: 'metrics-rate' }), 0, 'rate limits are not counted as limit refusals');
  });
});

describe('retries and the circuit breaker in CollectMetrics', () => {
  it('counts retries, shows the breaker opening, short-circuiting, half-opening and closing', async () => {
    let failing = true;
    fake.script = (request) => {
      if (request.path !== '/api/v1/query_range') return json(404, { status: 'error', error: 'not here' });
      if (failing) return json(503, { status: 'error', errorType: 'unavailable', error: 'overloaded' });
      const t = Number(request.params.get('start'));
      return json(200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: { job: 'x' }, values: [[t, '1']] }] } });
    };
    const ds: DataSourceInput = {
      uid: 'metrics-breaker',
      url: fake.url,
      jsonData: { sourceKind: 'prometheus', cacheMode: 'off', timeoutSeconds: 5, retries: 1, circuitBreakerFailures: 2, circuitBreakerCooldownSeconds: 1 },
    };
    const labels = { datasource: 'metrics-breaker', upstream: fake.url };
    const state = (text: string) => sampleSum(text, 'encore_circuit_breaker_state', labels);
    const moves = (text: string, to: string) => sampleSum(text, 'encore_circuit_breaker_transitions_total', { ...labels, to });
    const up = { refId: 'A', json: { expr: 'up' } };

    assert.equal((await run(ds, [up])).A!.status, 502);
    let text = await metrics();
    assert.equal(sampleSum(text, 'encore_upstream_retries_total', { ...labels, reason: '503' }), 1, 'one retry of the 503');
    assert.equal(state(text), 0, 'closed after one failed call');

    assert.equal((await run(ds, [up])).A!.status, 502);
    text = await metrics();
    assert.equal(sampleSum(text, 'encore_upstream_retries_total', { ...labels, reason: '503' }), 2);
    assert.equal(state(text), 2, 'open after two failed calls');
    assert.equal(moves(text, 'open'), 1);

    const requestsBefore = fake.requests.length;
    for (let i = 0; i < 3; i++) assert.match((await run(ds, [up])).A!.error, /circuit breaker/);
    assert.equal(fake.requests.length, requestsBefore, 'nothing reached the upstream while open');
    text = await metrics();
    assert.equal(sampleSum(text, 'encore_circuit_breaker_short_circuited_total', labels), 3);
    assert.equal(sampleSum(text, 'encore_upstream_retries_total', { ...labels, reason: '503' }), 2, 'refused calls are not retries');

    failing = false;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    text = await metrics();
    assert.equal(state(text), 1, 'half-open once the cooldown is over');
    assert.equal(moves(text, 'half_open'), 1);

    assert.equal((await run(ds, [up])).A!.error, '', 'the probe goes through and answers');
    text = await metrics();
    assert.equal(state(text), 0, 'closed by the probe');
    assert.equal(moves(text, 'closed'), 1);
    assert.equal(moves(text, 'open'), 1);
  });
});
