// Security through the built backend: planted secrets never leave it (stderr, frames in both
// formats, errors, resource bodies, health), even when the upstream echoes them back; link-local
// and metadata destinations are refused unless the server admin and the data source both allow
// them; every query leaves one audit line; label values and template variables cannot inject
// PromQL into what a real Prometheus evaluates.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { assertGrafanaReadableFrame } from '../harness/go-reader-rules';
import { callResourceRequest, checkHealthRequest, dataQuery, queryDataRequest, type DataSourceInput } from '../harness/plugin-context';
import { DataFrameFormat, HealthStatus, type DataResponse } from '../harness/wire';
import { json, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { FIXTURE_METRICS, startPrometheus, type PrometheusFixture } from '../support/prometheus';
import { interpolatePromqlValue } from '../../src/datasource/interpolate';
import { INJECTIONS } from '../support/injections';

let prom: PrometheusFixture;
let fake: FakeUpstream;
let host: PluginHost;

const SECRETS = {
  password: 'Pw-planted-1f3a9c"\\x',
  token: 'Tok-planted-77d1e0',
  header: 'Hdr-planted-5b2c4d',
  redis: 'Redis-planted-a8e2f1',
  cacheKey: 'EncKey-planted-0c9d3b7e5a',
  tlsKey: 'TlsKey-planted-e4b1',
};
const USER = 'grafana-reader';
const BASIC = Buffer.from(`${USER}:${SECRETS.password}`).toString('base64');
/** Every form a secret could leave in: the values, the basic credential as sent, the JSON-escaped password. */
const FORBIDDEN = [...Object.values(SECRETS), BASIC, JSON.stringify(SECRETS.password).slice(1, -1)];

before(async () => {
  prom = await startPrometheus();
  fake = await startFakeUpstream({ forwardTo: prom.url });
  // The upstream repeats what it was sent everywhere it can: errors, labels, warnings, metadata.
  fake.script = (request) => {
    const said = `${request.headers.authorization ?? ''} ${request.headers['x-api-key'] ?? ''}`.trim();
    if (request.path === '/api/v1/status/buildinfo') return json(200, { status: 'success', data: { version: said, revision: said } });
    if (request.path === '/api/v1/labels') return json(200, { status: 'success', data: ['market', said] });
    if (request.path.startsWith('/api/v1/label/')) return { kind: 'answer', status: 500, contentType: 'text/plain', body: `no label values for you, ${said}` };
    if (request.query === 'echo_500') return { kind: 'answer', status: 500, contentType: 'text/plain', body: `denied: you sent ${said}` };
    if (request.query === 'echo_error') return json(422, { status: 'error', errorType: 'execution', error: `bad credentials ${said}` });
    if (request.query === 'echo_series') {
      return json(200, {
        status: 'success',
        warnings: [`partial answer for ${said}`],
        data: { resultType: 'matrix', result: [{ metric: { __name__: 'x', auth: said }, values: [[prom.dataset.startMs / 1000, '1']] }] },
      });
    }
    return { kind: 'forward' };
  };
  // Debug logging: the lines a developer would turn on while chasing a problem must be clean too.
  host = await launchPlugin({ envOverrides: { ENCORE_LOG_LEVEL: 'debug' } });
});

after(async () => {
  await host?.dispose();
  await fake?.close();
  await prom?.stop();
});

function basicDataSource(): DataSourceInput {
  return {
    uid: 'secure-basic',
    url: fake.url,
    basicAuth: true,
    basicAuthUser: USER,
    jsonData: { sourceKind: 'prometheus', httpHeaderName1: 'X-Api-Key', cacheMode: 'off', retries: 0 },
    secureJsonData: {
      basicAuthPassword: SECRETS.password,
      httpHeaderValue1: SECRETS.header,
      cacheRedisPassword: SECRETS.redis,
      cacheEncryptionKey: SECRETS.cacheKey,
      tlsClientKey: SECRETS.tlsKey,
    },
  };
}

function bearerDataSource(): DataSourceInput {
  return {
    uid: 'secure-bearer',
    url: fake.url,
    jsonData: { sourceKind: 'prometheus', authType: 'bearer', cacheMode: 'off', retries: 0 },
    secureJsonData: { bearerToken: SECRETS.token, cacheRedisPassword: SECRETS.redis },
  };
}

/** Everything a query answer shows Grafana, as text: the error and the frames decoded. */
function answerText(response: DataResponse, format: number): string {
  const frames = response.frames.map((bytes) => (format === DataFrameFormat.JSON ? bytes.toString('utf8') : JSON.stringify(assertGrafanaReadableFrame(new Uint8Array(bytes)))));
  return `${response.error}\n${frames.join('\n')}`;
}

function assertClean(where: string, text: string): void {
  for (const secret of FORBIDDEN) assert.ok(!text.includes(secret), `${where} holds a secret (${secret.slice(0, 6)}…): ${text.slice(0, 400)}`);
}

describe('secrets never leave the backend', () => {
  it('not in frames, errors, resource bodies, health or the log, even when the upstream echoes them', async () => {
    const outputs: Array<[string, string]> = [];
    const range = { from: prom.dataset.startMs, to: prom.dataset.endMs };
    for (const ds of [basicDataSource(), bearerDataSource()]) {
      // One of the data source's own secrets (another data source's secret is just text to it,
      // until that data source has been used).
      const own = ds.secureJsonData!.bearerToken ?? ds.secureJsonData!.httpHeaderValue1!;
      for (const format of [DataFrameFormat.ARROW, DataFrameFormat.JSON]) {
        const response = await host.queryData(
          queryDataRequest({
            format,
            context: { datasource: ds },
            queries: [
              dataQuery({ refId: 'E500', json: { expr: 'echo_500' }, timeRange: range }),
              dataQuery({ refId: 'E422', json: { expr: 'echo_error' }, timeRange: range }),
              dataQuery({ refId: 'SERIES', json: { expr: 'echo_series' }, timeRange: range }),
              // A user who pastes a secret into a query does not get it shown back either.
              dataQuery({ refId: 'TYPED', json: { expr: `${FIXTURE_METRICS.gauge}{market="${own}"}`, legendFormat: own }, timeRange: range }),
              dataQuery({ refId: 'GOOD', json: { expr: FIXTURE_METRICS.gauge }, timeRange: range }),
            ],
          }),
        );
        for (const [refId, answer] of Object.entries(response.responses)) outputs.push([`${ds.uid} ${refId} (format ${format})`, answerText(answer, format)]);
        assert.match(response.responses.E500!.error, /denied: you sent .*\[redacted\]/, 'the upstream text is kept, the secret is not');
        assert.equal(response.responses.GOOD!.error, '');
        assert.ok(response.responses.SERIES!.frames.length > 0);
      }
      const checked = await host.checkHealth(checkHealthRequest({ context: { datasource: ds } }));
      outputs.push([`${ds.uid} health`, `${checked.message}\n${checked.jsonDetails.toString('utf8')}`]);
      assert.equal(checked.status, HealthStatus.OK);
      for (const path of ['labels', 'labels/market/values', 'metrics']) {
        const result = await host.callResource(callResourceRequest({ path, context: { datasource: ds } }));
        outputs.push([`${ds.uid} resource ${path} (${result.status})`, result.body.toString('utf8')]);
      }
      // Settings that do not work are reported without their secret values.
      const broken = { ...ds, uid: `${ds.uid}-broken`, jsonData: { ...ds.jsonData, tlsAuth: true } };
      const failed = await host.queryData(queryDataRequest({ context: { datasource: broken }, queries: [dataQuery({ json: { expr: 'up' } })] }));
      outputs.push([`${ds.uid} broken settings`, failed.responses.A!.error]);
    }
    // The upstream did receive the credentials: the test would prove nothing otherwise.
    assert.ok(fake.requests.some((r) => r.headers.authorization === `Basic ${BASIC}` && r.headers['x-api-key'] === SECRETS.header));
    assert.ok(fake.requests.some((r) => r.headers.authorization === `Bearer ${SECRETS.token}`));

    await new Promise((resolve) => setTimeout(resolve, 200)); // let the last stderr lines arrive
    outputs.push(['stderr', host.log.text()], ['stdout', host.process.stdoutLines.join('\n')]);
    for (const [where, text] of outputs) assertClean(where, text);
    assert.ok(host.log.text().includes('[redacted]'), 'the debug log did meet the echoed secrets, and redacted them');
    host.log.assertStrictHclog();
  });
});

describe('outbound policy (SSRF)', () => {
  const BLOCKED: Array<[string, RegExp]> = [
    ['http://169.254.169.254', /cloud instance metadata address \(169\.254\.169\.254\)/],
    ['http://169.254.10.10:9090', /link-local address \(169\.254\.10\.10/],
    ['http://[fe80::1]:9090', /link-local IPv6 address/],
    ['http://[fd00:ec2::254]', /AWS instance metadata service/],
    ['http://[::ffff:169.254.169.254]:80', /written as the IPv6 address/],
    ['http://metadata.google.internal/computeMetadata', /cloud instance metadata host \(metadata\.google\.internal\)/],
    ['http://METADATA.goog.', /cloud instance metadata host/],
  ];

  it('refuses link-local and metadata URLs in queries, health checks and resource calls, saying how to allow them', async () => {
    for (const [url, reason] of BLOCKED) {
      const ds: DataSourceInput = { uid: `ssrf-${url}`, url, jsonData: { sourceKind: 'prometheus', cacheMode: 'off' } };
      const started = performance.now();
      const { responses } = await host.queryData(queryDataRequest({ context: { datasource: ds }, queries: [dataQuery({ json: { expr: 'up' } })] }));
      assert.equal(responses.A!.status, 403, url);
      assert.match(responses.A!.error, reason, url);
      assert.match(responses.A!.error, /unless the Grafana server admin sets allow_link_local = true .*GF_PLUGIN_ALLOW_LINK_LOCAL=true, and the data source turns on "Allow link-local addresses" \(allowLinkLocal\)/);
      assert.ok(performance.now() - started < 500, 'refused without trying to connect');
      const checked = await host.checkHealth(checkHealthRequest({ context: { datasource: ds } }));
      assert.equal(checked.status, HealthStatus.ERROR);
      assert.match(checked.message, reason);
      const resource = await host.callResource(callResourceRequest({ path: 'labels', context: { datasource: ds } }));
      assert.equal(resource.status, 403);
      assert.match(resource.body.toString('utf8'), reason);
    }
  });

  it('resolves ordinary host names through the guarded lookup: localhost reaches Prometheus', async () => {
    const ds: DataSourceInput = { uid: 'ssrf-localhost', url: `http://localhost:${prom.port}`, jsonData: { sourceKind: 'prometheus', cacheMode: 'off' } };
    const { responses } = await host.queryData(queryDataRequest({ context: { datasource: ds }, queries: [dataQuery({ json: { expr: 'vector(1)' } })] }));
    assert.equal(responses.A!.error, '');
    assert.equal((await host.checkHealth(checkHealthRequest({ context: { datasource: ds } }))).status, HealthStatus.OK);
  });

  it('a data source that allows them is still refused when the server admin has not', async () => {
    const ds: DataSourceInput = { uid: 'ssrf-ds-only', url: 'http://169.254.169.254', jsonData: { sourceKind: 'prometheus', allowLinkLocal: true } };
    const { responses } = await host.queryData(queryDataRequest({ context: { datasource: ds }, queries: [dataQuery({ json: { expr: 'up' } })] }));
    assert.match(responses.A!.error, /this data source allows them, but the Grafana server admin has not/);
  });

  it('the server admin\'s permission alone does not open it for a data source that did not ask', async () => {
    // (The permitted path itself, a real connection to a link-local address, is not exercised:
    // tests send nothing beyond loopback. test/unit/security/ssrf.test.ts covers it with a resolver.)
    const open = await launchPlugin({ envOverrides: { GF_PLUGIN_ALLOW_LINK_LOCAL: 'true' } });
    try {
      const ds: DataSourceInput = { uid: 'ssrf-server-only', url: 'http://169.254.169.254', jsonData: { sourceKind: 'prometheus' } };
      const { responses } = await open.queryData(queryDataRequest({ context: { datasource: ds }, queries: [dataQuery({ json: { expr: 'up' } })] }));
      assert.equal(responses.A!.status, 403);
      assert.match(responses.A!.error, /Encore refuses such addresses unless the data source allows them \("Allow link-local addresses"/);
    } finally {
      await open.stop();
    }
  });
});

describe('audit log', () => {
  it('writes one hclog line per query: user, org, data source, query hash, duration, outcome', async () => {
    const before = host.log.filter((e) => e.message === 'query audit').length;
    const ds: DataSourceInput = { uid: 'audited', url: prom.url, jsonData: { sourceKind: 'prometheus', maxSeries: 1 } };
    const range = { from: prom.dataset.startMs, to: prom.dataset.endMs };
    await host.queryData(
      queryDataRequest({
        context: { datasource: ds, orgId: 7, user: { login: 'alice' } },
        queries: [
          dataQuery({ refId: 'OK', json: { expr: `sum(${FIXTURE_METRICS.gauge})` }, timeRange: range }),
          dataQuery({ refId: 'MANY', json: { expr: FIXTURE_METRICS.gauge }, timeRange: range }),
          dataQuery({ refId: 'BAD', json: { expr: 'sum(' }, timeRange: range }),
        ],
      }),
    );
    await host.log.waitForLog(() => host.log.filter((e) => e.message === 'query audit').length >= before + 3);
    const lines = host.log.filter((e) => e.message === 'query audit').slice(before);
    assert.equal(lines.length, 3);
    const byRef = new Map(lines.map((e) => [e.fields.refId, e]));
    for (const entry of lines) {
      assert.equal(entry.kind, 'json');
      assert.equal(entry.level, 'info');
      assert.equal(entry.timestampValid, true);
      assert.equal(entry.fields.user, 'alice');
      assert.equal(entry.fields.orgId, 7);
      assert.equal(entry.fields.datasourceUid, 'audited');
      assert.match(String(entry.fields.queryHash), /^[0-9a-f]{16}$/);
      assert.ok((entry.fields.durationMs as number) >= 0);
      assert.equal(entry.fields.from, range.from);
    }
    assert.deepEqual(
      ['OK', 'MANY', 'BAD'].map((refId) => [byRef.get(refId)?.fields.outcome, byRef.get(refId)?.fields.status, byRef.get(refId)?.fields.errorKind]),
      [
        ['ok', 200, undefined],
        ['refused', 413, 'limit'],
        ['error', 400, 'bad_query'],
      ],
    );
  });
});

describe('PromQL injection against a real Prometheus', () => {
  const range = () => ({ from: prom.dataset.startMs, to: prom.dataset.endMs });
  const ds = (): DataSourceInput => ({ uid: 'injection', url: prom.url, jsonData: { sourceKind: 'prometheus', cacheMode: 'off', rateLimitUserQps: 0, rateLimitOrgQps: 0 } });
  const seriesOf = (answer: DataResponse) => {
    assert.equal(answer.error, '', answer.error);
    return answer.frames.map((bytes) => assertGrafanaReadableFrame(new Uint8Array(bytes))).filter((frame) => frame.fields.some((f) => f.type === 'float64' && f.values.length > 0));
  };

  it('a template variable in a label matcher matches its value literally and never adds a series', async () => {
    const queries = INJECTIONS.map((value, i) => dataQuery({ refId: `V${i}`, json: { expr: `${FIXTURE_METRICS.gauge}{market="${interpolatePromqlValue(value)}"}` }, timeRange: range() }));
    const multi = INJECTIONS.map((value, i) =>
      dataQuery({ refId: `M${i}`, json: { expr: `${FIXTURE_METRICS.gauge}{market=~"${interpolatePromqlValue([value, 'se'], { multi: true })}"}` }, timeRange: range() }),
    );
    const control = dataQuery({ refId: 'CONTROL', json: { expr: `${FIXTURE_METRICS.gauge}{market="${interpolatePromqlValue('se')}"}` }, timeRange: range() });
    const { responses } = await host.queryData(queryDataRequest({ context: { datasource: ds() }, queries: [...queries, ...multi, control] }));
    assert.equal(seriesOf(responses.CONTROL!).length, 2, 'the escaping leaves ordinary values working');
    INJECTIONS.forEach((value, i) => {
      assert.equal(seriesOf(responses[`V${i}`]!).length, 0, `single ${JSON.stringify(value)}`);
      assert.equal(seriesOf(responses[`M${i}`]!).length, 2, `multi ${JSON.stringify(value)}: only the 'se' series`);
    });
  });

  it('KPI filter values are one PromQL string each: Prometheus accepts every one and nothing is injected', async () => {
    const queries = INJECTIONS.flatMap((value, i) => [
      dataQuery({ refId: `K${i}`, json: { queryType: 'kpi', kpi: 'rebuffering_ratio', filters: [{ label: 'market', op: '=', value }] }, timeRange: range() }),
      dataQuery({ refId: `R${i}`, json: { queryType: 'kpi', kpi: 'rebuffering_ratio', filters: [{ label: 'market', op: '!~', value: `${value.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')}` }] }, timeRange: range() }),
    ]);
    const { responses } = await host.queryData(queryDataRequest({ context: { datasource: ds() }, queries }));
    for (const [refId, answer] of Object.entries(responses)) {
      assert.equal(answer.error, '', `${refId}: ${answer.error}`);
      // The fixture has no collector metrics: a KPI answers no series, unless something was injected.
      assert.equal(seriesOf(answer).length, 0, refId);
    }
  });
});
