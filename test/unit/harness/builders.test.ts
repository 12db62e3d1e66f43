// Request builders produce Grafana's wire form, and locate.ts finds (or clearly fails to find)
// the executable. Wrong builders would make every protocol test send requests Grafana never sends.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BackendNotBuiltError, backendCommand, locateBackendExecutable } from '../../harness/locate';
import { callResourceRequest, dataQuery, forwardedHeaders, pluginContext, streamRequest } from '../../harness/plugin-context';
import { buildPluginEnv } from '../../harness/plugin-process';

describe('pluginContext', () => {
  it('encodes int64 as strings, jsonData as JSON bytes and keeps secrets in a string map', () => {
    const ctx = pluginContext({
      orgId: 4,
      datasource: { uid: 'u1', url: 'http://127.0.0.1:9090', jsonData: { httpMethod: 'GET' }, secureJsonData: { basicAuthPassword: 'pw' }, basicAuth: true, basicAuthUser: 'bob', lastUpdatedMS: 1234 },
      grafanaConfig: { GF_SQL_ROW_LIMIT: '10' },
    });
    assert.equal(ctx.orgId, '4');
    const ds = ctx.dataSourceInstanceSettings!;
    assert.equal(ds.id, '7');
    assert.equal(ds.lastUpdatedMS, '1234');
    assert.ok(Buffer.isBuffer(ds.jsonData));
    assert.deepEqual(JSON.parse(ds.jsonData.toString('utf8')), { httpMethod: 'GET' });
    assert.deepEqual(ds.decryptedSecureJsonData, { basicAuthPassword: 'pw' });
    assert.equal(ds.basicAuthEnabled, true);
    assert.equal(ctx.grafanaConfig.GF_SQL_ROW_LIMIT, '10');
    assert.equal(ctx.grafanaConfig.GF_APP_URL, 'http://localhost:3000/');
    assert.equal(ctx.user?.role, 'Admin');
    assert.match(ctx.userAgent, /^Grafana\/13\.2\.2 /);
  });

  it('can send broken settings and no user or data source', () => {
    const ctx = pluginContext({ user: null, datasource: { jsonDataRaw: 'not json' } });
    assert.equal(ctx.user, null);
    assert.equal(ctx.dataSourceInstanceSettings?.jsonData.toString(), 'not json');
    assert.equal(pluginContext({ datasource: null }).dataSourceInstanceSettings, null);
  });
});

describe('dataQuery', () => {
  it('wraps the plugin fields in the whole browser query and copies queryType', () => {
    const q = dataQuery({ refId: 'B', json: { queryType: 'promql', expr: 'up' }, timeRange: { from: 0, to: 3_600_000 }, maxDataPoints: 100 });
    assert.equal(q.refId, 'B');
    assert.equal(q.queryType, 'promql');
    assert.equal(q.maxDataPoints, '100');
    assert.equal(q.intervalMS, '36000');
    assert.deepEqual(q.timeRange, { fromEpochMS: '0', toEpochMS: '3600000' });
    const json = JSON.parse(q.json.toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(json.datasource, { type: 'encore-streaming-datasource', uid: 'encore-test-ds' });
    assert.equal(json.intervalMs, 36_000);
    assert.equal(json.maxDataPoints, 100);
    assert.equal(json.expr, 'up');
  });

  it('sends raw bytes when asked, and lets queryType differ from the JSON', () => {
    const q = dataQuery({ jsonRaw: '{nope', queryType: 'other' });
    assert.equal(q.json.toString(), '{nope');
    assert.equal(q.queryType, 'other');
  });
});

describe('headers, resources and streams', () => {
  it('prefixes forwarded headers with http_', () => {
    assert.deepEqual(forwardedHeaders({ Authorization: 'Bearer t', 'X-Id-Token': 'i' }), { http_Authorization: 'Bearer t', 'http_X-Id-Token': 'i' });
  });

  it('builds resource calls as Grafana does: no leading slash, url with query, header lists', () => {
    const req = callResourceRequest({ path: '/labels/job/values', query: { match: 'up' }, method: 'post', body: { a: 1 }, headers: { Accept: ['a', 'b'] } });
    assert.equal(req.path, 'labels/job/values');
    assert.equal(req.url, 'labels/job/values?match=up');
    assert.equal(req.method, 'post');
    assert.deepEqual(req.headers, { Accept: { values: ['a', 'b'] } });
    assert.equal(req.body.toString(), '{"a":1}');
    assert.equal(callResourceRequest({ path: 'metrics' }).url, 'metrics');
  });

  it('encodes stream data as JSON bytes', () => {
    assert.equal(streamRequest({ path: 'tail/x', data: { q: 1 } }).data.toString(), '{"q":1}');
  });
});

describe('plugin environment', () => {
  const host = { PATH: '/usr/bin', HOME: '/root', grafana_plugin_type: 'wrong', HTTP_PROXY: 'http://proxy:3128' };

  it('inherits the host environment, go-plugin variables winning', () => {
    const env = buildPluginEnv({}, host);
    assert.equal(env.PATH, '/usr/bin');
    assert.equal(env.grafana_plugin_type, 'datasource');
    assert.equal(env.PLUGIN_PROTOCOL_VERSIONS, '2');
    assert.equal(env.GF_VERSION, '13.2.2');
  });

  it('minimal mode keeps only plugin variables and the proxy settings Grafana forwards', () => {
    const env = buildPluginEnv({ env: 'minimal' }, host);
    assert.equal(env.PATH, undefined);
    assert.equal(env.HOME, undefined);
    assert.equal(env.HTTP_PROXY, 'http://proxy:3128');
    assert.equal(env.grafana_plugin_type, 'datasource');
  });

  it('no-cookie mode and overrides', () => {
    assert.equal(buildPluginEnv({ env: 'no-cookie' }, host).grafana_plugin_type, undefined);
    const env = buildPluginEnv({ envOverrides: { GF_VERSION: '12.0.0', PATH: undefined }, protocolVersions: '1,2' }, host);
    assert.equal(env.GF_VERSION, '12.0.0');
    assert.equal(env.PATH, undefined);
    assert.equal(env.PLUGIN_PROTOCOL_VERSIONS, '1,2');
  });
});

describe('locating the executable', () => {
  it('says to run npm run build when the executable is missing', () => {
    assert.throws(
      () => locateBackendExecutable({ ENCORE_BACKEND_EXECUTABLE: '/nonexistent/gpx_encore_linux_amd64' }),
      (error: unknown) => error instanceof BackendNotBuiltError && /npm run build/.test(error.message),
    );
  });

  it('refuses a file without the execute bit, accepts one with it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'encore-locate-'));
    try {
      const file = join(dir, 'gpx_encore_linux_amd64');
      writeFileSync(file, '#!/bin/sh\n');
      chmodSync(file, 0o644);
      assert.throws(() => locateBackendExecutable({ ENCORE_BACKEND_EXECUTABLE: file }), /not executable/);
      chmodSync(file, 0o755);
      assert.equal(locateBackendExecutable({ ENCORE_BACKEND_EXECUTABLE: file }), file);
      assert.deepEqual(backendCommand({ ENCORE_BACKEND_EXECUTABLE: file }), [file]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the dev entry through tsx with absolute loader paths when asked', () => {
    const command = backendCommand({ ENCORE_BACKEND_EXECUTABLE: 'dev' });
    assert.equal(command[0], process.execPath);
    assert.ok(command.slice(1).every((arg) => arg.startsWith('--') || arg.startsWith('file://') || arg.startsWith('/')), command.join(' '));
    assert.match(command.at(-1)!, /src\/backend\/main\.ts$/);
  });
});
