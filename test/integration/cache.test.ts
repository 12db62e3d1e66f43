// The results cache end to end: the BUILT backend, called as Grafana does, in front of a real
// Prometheus (backfilled fixture) and a real redis-server. Memory mode answers repeated queries
// without Prometheus; redis mode writes values that are neither readable nor usable without the
// data source's key, shares them with a second backend (another Grafana server), survives Redis
// being killed (queries answer from memory, CheckHealth says degraded) and uses Redis again once
// it is back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { CacheCodecError, decodeEntry, deriveCacheKeys } from '../../src/backend/query/cache/codec';
import type { Frame } from '../../src/backend/grafana/frames/frame';
import { assertGrafanaReadableFrame } from '../harness/go-reader-rules';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { checkHealthRequest, dataQuery, pluginContext, queryDataRequest, type DataSourceInput } from '../harness/plugin-context';
import { sampleSum } from '../support/collector';
import { FIXTURE_METRICS, startPrometheus, type PrometheusFixture } from '../support/prometheus';
import { startRedis, startRedisCluster, type RedisFixture } from '../support/redis';
import { until } from '../support/until';

const MINUTE = 60_000;
const CACHE_KEY = 'integration-test-cache-key-0123456789';
const HEALTH_OK = 1;

let prom: PrometheusFixture;
let redis: RedisFixture;
let host: PluginHost;
let raw: Redis;

before(async () => {
  [prom, redis, host] = await Promise.all([startPrometheus(), startRedis(), launchPlugin()]);
  raw = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 200 });
  raw.on('error', () => {});
  await raw.connect();
});

after(async () => {
  raw?.disconnect();
  await host?.stop();
  await Promise.all([prom?.stop(), redis?.stop()]);
});

function memorySource(uid = 'cache-memory'): DataSourceInput {
  return { uid, url: prom.url, jsonData: { sourceKind: 'prometheus', scrapeInterval: '1m' } };
}

function redisSource(uid = 'cache-redis', extra: Record<string, unknown> = {}, secrets: Record<string, string> = { cacheEncryptionKey: CACHE_KEY }): DataSourceInput {
  return { uid, url: prom.url, jsonData: { sourceKind: 'prometheus', scrapeInterval: '1m', cacheMode: 'redis', cacheRedisAddress: redis.address, ...extra }, secureJsonData: secrets };
}

/** A range inside the fixture's data (all of it settled: it ends an hour or more ago). */
function fixtureRange(offsetMinutes = 0, minutes = 120) {
  const from = prom.dataset.startMs + offsetMinutes * MINUTE;
  return { from, to: from + minutes * MINUTE };
}

const DEFAULT_EXPR = `sum by (market, platform) (${FIXTURE_METRICS.gauge})`;

async function ask(h: PluginHost, datasource: DataSourceInput, range = fixtureRange(), intervalMS = MINUTE, expr = DEFAULT_EXPR): Promise<{ frames: Frame[]; ms: number }> {
  const started = performance.now();
  const response = await h.queryData(
    queryDataRequest({
      context: { datasource },
      queries: [dataQuery({ refId: 'A', json: { queryType: 'promql', expr }, timeRange: range, intervalMS, maxDataPoints: 1000 })],
    }),
  );
  const ms = performance.now() - started;
  const answer = response.responses.A;
  assert.ok(answer, 'an answer for A');
  assert.equal(answer.error, '', answer.error);
  return { frames: answer.frames.map((bytes) => assertGrafanaReadableFrame(new Uint8Array(bytes))), ms };
}

async function metrics(h: PluginHost): Promise<string> {
  const response = await h.collectMetrics({ pluginContext: pluginContext() });
  return response.metrics?.prometheus.toString('utf8') ?? '';
}

const upstreamRanges = (text: string) => sampleSum(text, 'encore_upstream_request_duration_seconds_count', { operation: 'query_range' });

async function health(h: PluginHost, datasource: DataSourceInput) {
  const response = await h.checkHealth(checkHealthRequest({ context: { datasource } }));
  const details = JSON.parse(response.jsonDetails.toString('utf8')) as { cache?: { status?: string; mode?: string } };
  return { status: response.status, message: response.message, cache: details.cache };
}

const values = (frames: Frame[]) => frames.map((f) => ({ labels: f.fields[1]?.labels, values: f.fields[1]?.values }));

describe('results cache in memory (the default)', () => {
  it('answers a repeated query without Prometheus, with the same frames', async () => {
    const first = await ask(host, memorySource());
    const before = await metrics(host);
    const second = await ask(host, memorySource());
    const afterwards = await metrics(host);
    assert.equal(upstreamRanges(afterwards), upstreamRanges(before), 'no upstream request for the repeat');
    const hits = (text: string) => sampleSum(text, 'encore_cache_lookups_total', { tier: 'answer', result: 'hit' });
    assert.equal(hits(afterwards) - hits(before), 1, 'the finished answer was reused');
    assert.deepEqual(values(second.frames), values(first.frames));
    assert.ok(first.frames.length >= 3, 'one frame per series');
    assert.ok(sampleSum(afterwards, 'encore_cache_memory_bytes') > 0, 'the memory gauge counts the entries');
  });

  it('fetches only what is new when the window moves, and nothing at all with cacheMode off', async () => {
    await ask(host, memorySource('cache-move'), fixtureRange(0, 60));
    const before = await metrics(host);
    await ask(host, memorySource('cache-move'), fixtureRange(10, 60));
    const moved = await metrics(host);
    assert.equal(upstreamRanges(moved) - upstreamRanges(before), 1, 'one request for the ten new minutes');
    assert.equal(sampleSum(moved, 'encore_cache_steps_total', { result: 'miss' }) - sampleSum(before, 'encore_cache_steps_total', { result: 'miss' }), 10);
    const off = { ...memorySource('cache-off'), jsonData: { sourceKind: 'prometheus', cacheMode: 'off' } };
    await ask(host, off);
    await ask(host, off);
    assert.equal(upstreamRanges(await metrics(host)) - upstreamRanges(moved), 2, 'off: every query goes upstream');
    assert.equal((await health(host, off)).cache?.status, 'off');
  });
});

describe('results cache in Redis', () => {
  it('writes values that are compressed and encrypted: not plaintext, readable only with the data source key', async () => {
    const { frames } = await ask(host, redisSource());
    const names = await until('cache keys in Redis', async () => {
      const keys = await raw.keys('encore:rc1:*');
      return keys.length > 0 ? keys : undefined;
    });
    for (const name of names) {
      const value = await raw.getBuffer(name);
      assert.ok(value, name);
      const text = value.toString('latin1');
      // Six characters or more: shorter strings turn up in random bytes by chance.
      for (const plain of [FIXTURE_METRICS.gauge, 'market', 'platform', 'android']) assert.ok(!text.includes(plain), `"${plain}" is not readable in ${name}`);
      assert.match(name, /^encore:rc1:\{[A-Za-z0-9_-]{22}\}:\d+$/, 'key names give nothing away: an HMAC and an extent number');
      const { entry } = decodeEntry(value, deriveCacheKeys(CACHE_KEY), name);
      assert.ok(entry.series.some((s) => s.labels.market === 'se' && s.labels.platform === 'android'), 'the right key decrypts the series');
      assert.throws(() => decodeEntry(value, deriveCacheKeys('some-other-secret-0123456789'), name), CacheCodecError, 'another key does not');
      assert.throws(() => decodeEntry(value, deriveCacheKeys(CACHE_KEY), `${name}x`), CacheCodecError, 'a value moved to another key does not');
    }
    assert.ok(frames.length >= 3);
    const state = await health(host, redisSource());
    assert.equal(state.status, HEALTH_OK, state.message);
    assert.equal(state.cache?.status, 'ok', state.message);
    assert.match(state.message, /Redis at 127\.0\.0\.1:\d+/);
  });

  it('shares entries with another backend process (another Grafana server): it answers without Prometheus', async () => {
    const expected = await ask(host, redisSource());
    const other = await launchPlugin();
    try {
      const answered = await ask(other, redisSource());
      const text = await metrics(other);
      assert.equal(upstreamRanges(text), 0, 'the second backend asked Prometheus nothing');
      assert.ok(sampleSum(text, 'encore_cache_lookups_total', { tier: 'redis', result: 'hit' }) >= 1, 'it read the entries from Redis');
      assert.ok(sampleSum(text, 'encore_cache_read_bytes_total', { tier: 'redis' }) > 0);
      assert.deepEqual(values(answered.frames), values(expected.frames));
    } finally {
      await other.stop();
    }
  });

  it('without an encryption key does not use Redis: the cache is degraded to memory and queries work', async () => {
    const source = redisSource('cache-nokey', {}, {});
    await ask(host, source);
    const state = await health(host, source);
    assert.equal(state.status, HEALTH_OK, state.message);
    assert.equal(state.cache?.status, 'degraded');
    assert.match(state.message, /cacheEncryptionKey: required/);
  });

  it('Redis slow (all clients paused): a query waits at most the command timeout, CheckHealth says degraded, then Redis is used again', async () => {
    const source = redisSource('cache-slow');
    await ask(host, source, fixtureRange(0, 60));
    await raw.call('CLIENT', 'PAUSE', '2500', 'ALL');
    const slow = await ask(host, source, fixtureRange(60, 60));
    assert.ok(slow.ms < 1_500, `answered in ${slow.ms.toFixed(0)} ms while Redis did not answer`);
    const paused = await health(host, source);
    assert.equal(paused.status, HEALTH_OK, paused.message);
    assert.equal(paused.cache?.status, 'degraded', paused.message);
    const errors = sampleSum(await metrics(host), 'encore_cache_errors_total', { tier: 'redis', operation: 'read' });
    assert.ok(errors >= 1, 'the timed-out read is counted');
    await until('Redis to be used again after the pause', async () => ((await health(host, source)).cache?.status === 'ok' ? true : undefined), 15_000);
  });

  it('Redis killed mid-run: queries still answer (from memory and Prometheus), CheckHealth says degraded; restarted: used again', async () => {
    const source = redisSource('cache-failover');
    const warm = await ask(host, source, fixtureRange(0, 90));
    await redis.kill();
    // Cached in memory: answered as before. New range: fetched from Prometheus, kept in memory.
    const cached = await ask(host, source, fixtureRange(0, 90));
    assert.deepEqual(values(cached.frames), values(warm.frames));
    const fresh = await ask(host, source, fixtureRange(30, 90));
    assert.ok(fresh.frames.length >= 3);
    for (const answer of [cached, fresh]) assert.ok(answer.ms < 2_000, `answered in ${answer.ms.toFixed(0)} ms without waiting for Redis`);
    const before = await metrics(host);
    await ask(host, source, fixtureRange(30, 90));
    assert.equal(upstreamRanges(await metrics(host)), upstreamRanges(before), 'the range fetched while Redis was down is now in memory');
    const down = await health(host, source);
    assert.equal(down.status, HEALTH_OK, 'the data source still works');
    assert.equal(down.cache?.status, 'degraded');
    assert.match(down.message, /degraded to memory: Redis at 127\.0\.0\.1:\d+ is not answering/);
    assert.equal(sampleSum(await metrics(host), 'encore_cache_redis_up', { datasource: 'cache-failover' }), 0);

    await redis.restart();
    await until('CheckHealth to see Redis again', async () => ((await health(host, source)).cache?.status === 'ok' ? true : undefined), 15_000);
    await until("the test's own client to reconnect", async () => (raw.status === 'ready' ? true : undefined));
    assert.equal(await raw.dbsize(), 0, 'the restarted Redis is empty');
    await ask(host, source, fixtureRange(0, 120), 2 * MINUTE);
    await until('entries written to the restarted Redis', async () => ((await raw.dbsize()) > 0 ? true : undefined));
    assert.equal(sampleSum(await metrics(host), 'encore_cache_redis_up', { datasource: 'cache-failover' }), 1);
  });
});

describe('results cache in a Redis Cluster', () => {
  it('keeps the extents of one query in one slot, spreads queries over the nodes, and serves another backend', async () => {
    const cluster = await startRedisCluster(3);
    const nodes = cluster.ports.map((port) => {
      const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
      client.on('error', () => {});
      return client;
    });
    try {
      const source = redisSource('cache-cluster', { cacheRedisAddress: cluster.address, cacheRedisCluster: true });
      const exprs = ['sum', 'max', 'min', 'avg', 'count', 'stddev'].map((op) => `${op} by (market) (${FIXTURE_METRICS.gauge})`);
      const expected = [];
      for (const expr of exprs) expected.push(await ask(host, source, fixtureRange(0, 170), MINUTE, expr));
      const perNode = await until('entries on the cluster nodes', async () => {
        const keys = await Promise.all(nodes.map(async (n) => (n.status === 'wait' ? (await n.connect(), n) : n).keys('encore:rc1:*')));
        return keys.flat().length >= exprs.length ? keys : undefined;
      });
      assert.ok(perNode.filter((keys) => keys.length > 0).length >= 2, `queries spread over the nodes (${perNode.map((k) => k.length).join(', ')} keys)`);
      // One query's extents share a hash tag, so one node holds all of them (one MGET reads them).
      const nodeOfTag = new Map<string, number>();
      perNode.forEach((keys, node) => {
        for (const key of keys) {
          const tag = /\{(.+)\}/.exec(key)![1]!;
          assert.equal(nodeOfTag.get(tag) ?? node, node, `all extents of ${tag} on one node`);
          nodeOfTag.set(tag, node);
        }
      });
      const state = await health(host, source);
      assert.equal(state.cache?.status, 'ok', state.message);

      const other = await launchPlugin();
      try {
        for (const [i, expr] of exprs.entries()) {
          const answered = await ask(other, source, fixtureRange(0, 170), MINUTE, expr);
          assert.deepEqual(values(answered.frames), values(expected[i]!.frames), expr);
        }
        const text = await metrics(other);
        assert.equal(upstreamRanges(text), 0, 'the second backend asked Prometheus nothing');
        assert.equal(sampleSum(text, 'encore_cache_errors_total'), 0, 'no CROSSSLOT or other Redis error');
      } finally {
        await other.stop();
      }
    } finally {
      for (const n of nodes) n.disconnect();
      await cluster.stop();
    }
  });
});
