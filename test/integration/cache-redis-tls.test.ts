// The results cache in Redis over TLS, end to end: the BUILT backend, called as Grafana does, and a
// real redis-server listening with TLS (certificates made by openssl for this run) that requires a
// client certificate (Redis' default, tls-auth-clients yes). Entries written over TLS are read by a
// second backend over TLS; a wrong CA, a wrong server name, a missing client certificate or a
// plaintext client each leave the cache degraded to memory with a message saying what to change,
// and the queries answer all the same.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { checkHealthRequest, dataQuery, pluginContext, queryDataRequest, type DataSourceInput } from '../harness/plugin-context';
import { sampleSum } from '../support/collector';
import { startRedis, type RedisFixture } from '../support/redis';
import { until } from '../support/until';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const CACHE_KEY = 'integration-tls-cache-key-0123456789';
const HEALTH_OK = 1;
/** A settled range (ended a day ago): its extents are kept for the settled TTL. */
const TO = Math.floor((Date.now() - 24 * HOUR) / HOUR) * HOUR;

let redis: RedisFixture;
let host: PluginHost;
/** the test's own plaintext client, on the plaintext port of the same redis-server */
let raw: Redis;

before(async () => {
  [redis, host] = await Promise.all([startRedis({ tls: { clientCert: true } }), launchPlugin()]);
  raw = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 0 });
  raw.on('error', () => {});
});

after(async () => {
  raw?.disconnect();
  await host?.stop();
  await redis?.stop();
});

/** Everything right: rediss:// address, the test CA, the client certificate. */
function tlsSource(uid: string, jsonData: Record<string, unknown> = {}, secrets: Record<string, string> = {}): DataSourceInput {
  const certs = redis.tls!.certs;
  return {
    uid,
    jsonData: {
      sourceKind: 'demo',
      cacheMode: 'redis',
      cacheRedisAddress: `rediss://${redis.tls!.address}`,
      cacheRedisTlsWithCACert: true,
      cacheRedisTlsAuth: true,
      ...jsonData,
    },
    secureJsonData: {
      cacheEncryptionKey: CACHE_KEY,
      cacheRedisTlsCACert: certs.caCert,
      cacheRedisTlsClientCert: certs.clientCert,
      cacheRedisTlsClientKey: certs.clientKey,
      ...secrets,
    },
  };
}

async function ask(h: PluginHost, datasource: DataSourceInput, kpi = 'rebuffering_ratio') {
  const started = performance.now();
  const response = await h.queryData(
    queryDataRequest({
      context: { datasource },
      queries: [dataQuery({ refId: 'A', json: { queryType: 'kpi', kpi, groupBy: ['market'] }, timeRange: { from: TO - 6 * HOUR, to: TO }, intervalMS: MINUTE, maxDataPoints: 360 })],
    }),
  );
  const answer = response.responses.A!;
  assert.equal(answer.error, '', answer.error);
  assert.ok(answer.frames.length > 0, 'frames');
  return { frames: answer.frames.map((f) => Buffer.from(f).toString('base64')), ms: performance.now() - started };
}

async function health(h: PluginHost, datasource: DataSourceInput) {
  const response = await h.checkHealth(checkHealthRequest({ context: { datasource } }));
  const details = response.jsonDetails.toString('utf8');
  return { status: response.status, message: response.message, details, cache: (JSON.parse(details) as { cache?: { status?: string; redis?: { tls?: boolean } } }).cache };
}

async function metrics(h: PluginHost): Promise<string> {
  return (await h.collectMetrics({ pluginContext: pluginContext() })).metrics?.prometheus.toString('utf8') ?? '';
}

const upstreamRanges = (text: string) => sampleSum(text, 'encore_upstream_request_duration_seconds_count', { operation: 'query_range' });

describe('results cache in Redis over TLS', () => {
  it('works: Save & test names Redis and TLS, entries are written over TLS and a second backend reads them over TLS', async () => {
    const source = tlsSource('tls-ok');
    const state = await health(host, source);
    assert.equal(state.status, HEALTH_OK, state.message);
    assert.equal(state.cache?.status, 'ok', state.message);
    assert.match(state.message, /Results cache in Redis at 127\.0\.0\.1:\d+ \(TLS, ping [\d.]+ ms\)/);
    assert.equal(state.cache?.redis?.tls, true);
    assert.ok(!state.details.includes('PRIVATE KEY') && !state.message.includes('PRIVATE KEY'), 'the client key does not leave the backend');

    const first = await ask(host, source);
    const names = await until('entries in Redis', async () => {
      const keys = await raw.keys('encore:rc1:*');
      return keys.length > 0 ? keys : undefined;
    });
    assert.ok(names.length >= 1);

    const other = await launchPlugin();
    try {
      const again = await ask(other, source);
      const text = await metrics(other);
      assert.equal(upstreamRanges(text), 0, 'the second backend fetched nothing: it read the extents from Redis over TLS');
      assert.ok(sampleSum(text, 'encore_cache_lookups_total', { tier: 'redis', result: 'hit' }) >= 1);
      assert.equal(sampleSum(text, 'encore_cache_errors_total'), 0);
      assert.deepEqual(again.frames.length, first.frames.length);
    } finally {
      await other.stop();
    }
  });

  it('verifies the server against the CA: with another CA the cache is degraded (saying why) and queries answer', async () => {
    const source = tlsSource('tls-wrong-ca', {}, { cacheRedisTlsCACert: redis.tls!.certs.otherCaCert });
    const state = await health(host, source);
    assert.equal(state.status, HEALTH_OK, 'the data source still works');
    assert.equal(state.cache?.status, 'degraded', state.message);
    assert.match(
      state.message,
      /Results cache degraded to memory: Redis at 127\.0\.0\.1:\d+ is not answering \(TLS to Redis failed \(SELF_SIGNED_CERT_IN_CHAIN\): the server's certificate is not signed by a trusted CA; set the CA that signed it \(cacheRedisTlsWithCACert and secureJsonData\.cacheRedisTlsCACert\)\); queries are unaffected/,
    );
    const answered = await ask(host, source, 'startup_time_p95');
    assert.ok(answered.ms < 2_000, `answered in ${answered.ms.toFixed(0)} ms without Redis`);
    assert.equal(sampleSum(await metrics(host), 'encore_cache_redis_up', { datasource: 'tls-wrong-ca' }), 0);
  });

  it('accepts any certificate only when cacheRedisTlsSkipVerify is set, and says so', async () => {
    const source = tlsSource('tls-skip', { cacheRedisTlsSkipVerify: true }, { cacheRedisTlsCACert: redis.tls!.certs.otherCaCert });
    const state = await health(host, source);
    assert.equal(state.cache?.status, 'ok', state.message);
    assert.match(state.message, /\(TLS without certificate verification, ping/);
  });

  it('checks the server name: a name the certificate does not carry is refused, naming cacheRedisTlsServerName', async () => {
    const source = tlsSource('tls-name', { cacheRedisTlsServerName: 'redis.wrong.example' });
    const state = await health(host, source);
    assert.equal(state.cache?.status, 'degraded', state.message);
    assert.match(state.message, /ERR_TLS_CERT_ALTNAME_INVALID\): the server's certificate is not valid for this host name; .*cacheRedisTlsServerName/);
    const named = tlsSource('tls-name-ok', { cacheRedisTlsServerName: 'localhost' });
    assert.equal((await health(host, named)).cache?.status, 'ok', 'a name the certificate carries passes');
  });

  it('explains the other mistakes: no client certificate, plaintext to the TLS port, an unreadable CA', async () => {
    const noClientCert = await health(host, tlsSource('tls-no-client-cert', { cacheRedisTlsAuth: false }));
    assert.equal(noClientCert.cache?.status, 'degraded');
    // Depending on timing the server's TLS alert (CERTIFICATE_REQUIRED) or only a reset arrives; both say what to set.
    assert.match(noClientCert.message, /(require a client certificate \(cacheRedisTlsAuth\)|may require a client certificate \(cacheRedisTlsAuth\) signed by a CA it trusts)/);

    const plain = await health(host, { ...tlsSource('tls-plaintext'), jsonData: { sourceKind: 'demo', cacheMode: 'redis', cacheRedisAddress: redis.tls!.address } });
    assert.equal(plain.cache?.status, 'degraded');
    assert.match(plain.message, /if this Redis port expects TLS, turn on cacheRedisTls \(or write rediss:\/\/\)/);

    const unreadable = tlsSource('tls-bad-pem', {}, { cacheRedisTlsCACert: 'not a certificate' });
    const state = await health(host, unreadable);
    assert.equal(state.status, HEALTH_OK);
    assert.equal(state.cache?.status, 'degraded');
    assert.match(state.message, /Results cache degraded to memory: secureJsonData\.cacheRedisTlsCACert: expected a PEM certificate/);
    await ask(host, unreadable, 'startup_time_p95');
  });
});
