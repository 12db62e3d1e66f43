// The results cache behind Redis Sentinel, end to end: the BUILT backend, called as Grafana does,
// a real master, its replica and two Sentinels (`redis-server --sentinel`, the same Debian binary).
// The backend finds the master through the Sentinels (the first address in its list is dead), writes
// its entries there; the master is killed, the Sentinels promote the replica, and the cache goes on:
// queries answer throughout, CheckHealth names the new master, the entries replicated before the
// failover serve a fresh backend, and new entries go to the new master.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { findFreePort } from '../../src/stack/ports';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { checkHealthRequest, dataQuery, pluginContext, queryDataRequest, type DataSourceInput } from '../harness/plugin-context';
import { sampleSum } from '../support/collector';
import { startRedisSentinel, type RedisSentinelFixture } from '../support/redis';
import { until } from '../support/until';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const CACHE_KEY = 'integration-sentinel-cache-key-0123456789';
const HEALTH_OK = 1;
const TO = Math.floor((Date.now() - 24 * HOUR) / HOUR) * HOUR;
/** The most the failover may take here before the test calls it a failure (the brief's 30 s). */
const FAILOVER_BUDGET_MS = 30_000;

let sentinel: RedisSentinelFixture;
let host: PluginHost;
let source: DataSourceInput;
const clients: Redis[] = [];

function client(port: number): Redis {
  const c = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

before(async () => {
  [sentinel, host] = await Promise.all([startRedisSentinel(2), launchPlugin()]);
  await sentinel.replicaKnown();
  const dead = `127.0.0.1:${await findFreePort()}`;
  source = {
    uid: 'cache-sentinel',
    jsonData: { sourceKind: 'demo', cacheMode: 'redis', cacheRedisAddress: `${dead}, ${sentinel.address}`, cacheRedisSentinelMaster: sentinel.masterName },
    secureJsonData: { cacheEncryptionKey: CACHE_KEY },
  };
});

after(async () => {
  for (const c of clients) c.disconnect();
  await host?.stop();
  await sentinel?.stop();
});

async function ask(h: PluginHost, kpi: string, hours = 6) {
  const started = performance.now();
  const response = await h.queryData(
    queryDataRequest({
      context: { datasource: source },
      queries: [dataQuery({ refId: 'A', json: { queryType: 'kpi', kpi, groupBy: ['market'] }, timeRange: { from: TO - hours * HOUR, to: TO }, intervalMS: MINUTE, maxDataPoints: 1000 })],
    }),
  );
  const answer = response.responses.A!;
  assert.equal(answer.error, '', answer.error);
  assert.ok(answer.frames.length > 0);
  return performance.now() - started;
}

async function health(h: PluginHost) {
  const response = await h.checkHealth(checkHealthRequest({ context: { datasource: source } }));
  const details = JSON.parse(response.jsonDetails.toString('utf8')) as { cache?: { status?: string; redis?: { master?: string; sentinelMaster?: string } } };
  return { status: response.status, message: response.message, cache: details.cache };
}

async function metrics(h: PluginHost): Promise<string> {
  return (await h.collectMetrics({ pluginContext: pluginContext() })).metrics?.prometheus.toString('utf8') ?? '';
}

const upstreamRanges = (text: string) => sampleSum(text, 'encore_upstream_request_duration_seconds_count', { operation: 'query_range' });
const keyCount = async (port: number) => (await client(port).keys('encore:rc1:*')).length;

describe('results cache behind Redis Sentinel', () => {
  it('finds the master through the Sentinels and writes its entries there (replicated to the replica)', async () => {
    const state = await health(host);
    assert.equal(state.status, HEALTH_OK, state.message);
    assert.equal(state.cache?.status, 'ok', state.message);
    assert.equal(state.cache?.redis?.sentinelMaster, sentinel.masterName);
    assert.equal(state.cache?.redis?.master, `127.0.0.1:${sentinel.master.port}`, 'connected to the master the Sentinels name');
    assert.match(state.message, new RegExp(`Redis at master "${sentinel.masterName}" via Sentinel .* \\(now 127\\.0\\.0\\.1:${sentinel.master.port}\\)`));

    await ask(host, 'rebuffering_ratio');
    await until('entries on the master', async () => ((await keyCount(sentinel.master.port)) > 0 ? true : undefined), 10_000);
    await until('the entries replicated', async () => ((await keyCount(sentinel.replica.port)) > 0 ? true : undefined), 10_000);
  });

  it('goes on when the master is killed: queries answer throughout, the promoted replica is used, old entries still serve', async (t) => {
    const killedAt = performance.now();
    await sentinel.master.kill();
    // While the Sentinels fail over, the cache is degraded to memory; no query fails for it.
    const during = await ask(host, 'startup_time_p95');
    assert.ok(during < 3_000, `answered in ${during.toFixed(0)} ms while the master was gone`);

    const promoted = `127.0.0.1:${sentinel.replica.port}`;
    await until('the Sentinels to promote the replica', async () => ((await sentinel.currentMaster()) === promoted ? true : undefined), FAILOVER_BUDGET_MS);
    const promotedAfterMs = performance.now() - killedAt;
    const state = await until(
      'CheckHealth to name the new master',
      async () => {
        const checked = await health(host);
        return checked.cache?.status === 'ok' && checked.cache.redis?.master === promoted ? checked : undefined;
      },
      FAILOVER_BUDGET_MS,
    );
    const backAfterMs = performance.now() - killedAt;
    assert.equal(state.status, HEALTH_OK);
    // Seen on this machine: the Sentinels promote in about 3 s (down-after 1 s), the backend follows within seconds.
    t.diagnostic(`failover: replica promoted after ${(promotedAfterMs / 1000).toFixed(1)} s, cache on the new master after ${(backAfterMs / 1000).toFixed(1)} s`);

    // A backend that never saw the old master reads the entries written before the failover.
    const other = await launchPlugin();
    try {
      await ask(other, 'rebuffering_ratio');
      const text = await metrics(other);
      assert.equal(upstreamRanges(text), 0, 'answered from the entries replicated before the failover');
      assert.ok(sampleSum(text, 'encore_cache_lookups_total', { tier: 'redis', result: 'hit' }) >= 1);
    } finally {
      await other.stop();
    }

    // New entries go to the new master.
    const before = await keyCount(sentinel.replica.port);
    await ask(host, 'average_bitrate');
    await until('new entries on the new master', async () => ((await keyCount(sentinel.replica.port)) > before ? true : undefined), 10_000);
    assert.equal(sampleSum(await metrics(host), 'encore_cache_redis_up', { datasource: 'cache-sentinel' }), 1);
  });
});
