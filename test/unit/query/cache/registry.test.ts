// The registry of per-data-source results caches: rebuilt on a settings change, dropped when idle
// or when the caches together hold more than the process budget (least recently used first).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataSourceSettings } from '../../../../src/backend/grafana/context';
import { createLogger } from '../../../../src/backend/grafana/logger';
import { CacheRegistry, IDLE_CACHE_MS } from '../../../../src/backend/query/cache/registry';
import type { ResultsCache } from '../../../../src/backend/query/cache/results';
import { createDemoSource } from '../../../../src/backend/sources/demo/source';

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 10, 30);

function settings(uid: string, lastUpdatedMS = 1, jsonData: Record<string, unknown> = {}): DataSourceSettings {
  return { uid, name: uid, url: '', basicAuthEnabled: false, basicAuthUser: '', jsonData, secureJsonData: {}, lastUpdatedMS };
}

function registry(options: { processBytes?: number } = {}) {
  let now = NOW;
  /** hclog lines as the backend writes them: @message and the fields */
  const logged: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', write: (line) => logged.push(JSON.parse(line) as Record<string, unknown>) });
  const caches = new CacheRegistry({ logger, now: () => now, ...options });
  return { caches, logged, advance: (ms: number) => (now += ms) };
}

/** Six hours of the demo's streams by market through the cache: real entries with real sizes. */
async function fill(cache: ResultsCache, scope: string): Promise<void> {
  const demo = createDemoSource({ now: () => NOW });
  await cache.fetchRange({ scope, expr: 'sum by (market) (encore_demo_streams)', start: NOW - 6 * 60 * MINUTE, end: NOW - 60 * MINUTE, stepMs: MINUTE, nowMs: NOW }, demo);
}

const bytesOf = (cache: ResultsCache) => cache.memory.stats().bytes + (cache.answers?.stats().bytes ?? 0);

describe('CacheRegistry', () => {
  it('keeps a data source its cache across queries and settings saves that leave the cache settings alone', () => {
    const { caches } = registry();
    const first = caches.forDataSource(1, settings('a')).cache;
    assert.equal(caches.forDataSource(1, settings('a')).cache, first);
    assert.equal(caches.forDataSource(1, settings('a', 2, { scrapeInterval: '30s' })).cache, first);
    assert.notEqual(caches.forDataSource(1, settings('a', 3, { cacheMode: 'off' })).cache, first, 'a new cache mode builds a new cache');
    assert.notEqual(caches.forDataSource(2, settings('a')).cache, first, 'another org, another cache');
  });

  it('drops the cache of a data source unused for an hour, not of one in use', () => {
    const { caches, logged, advance } = registry();
    const gone = caches.forDataSource(1, settings('deleted')).cache;
    const used = caches.forDataSource(1, settings('used')).cache;
    advance(IDLE_CACHE_MS - MINUTE);
    assert.equal(caches.forDataSource(1, settings('used')).cache, used);
    advance(2 * MINUTE);
    // Any query sweeps: the idle one goes, the one used a minute before stays.
    caches.forDataSource(1, settings('other'));
    assert.equal(caches.forDataSource(1, settings('used')).cache, used);
    assert.ok(logged.some((l) => String(l['@message']).includes('dropped the in-process cache') && l.datasource === 'deleted'), JSON.stringify(logged));
    assert.notEqual(caches.forDataSource(1, settings('deleted')).cache, gone, 'its next query starts an empty cache');
  });

  it('drops the least recently used caches while all of them hold more than the process budget', async () => {
    // Measure what one data source's entries take, then allow a little over two of them.
    const probe = registry().caches.forDataSource(1, settings('probe')).cache;
    await fill(probe, 'probe');
    const one = bytesOf(probe);
    assert.ok(one > 0);
    const { caches, logged } = registry({ processBytes: Math.floor(2.5 * one) });
    const [a, b, c] = ['a', 'b', 'c'].map((uid) => caches.forDataSource(1, settings(uid)));
    await fill(a!.cache, a!.scope);
    await fill(b!.cache, b!.scope);
    // a is used again: b is now the least recent.
    caches.forDataSource(1, settings('a'));
    await fill(c!.cache, c!.scope);
    // The next query sees three full caches, over the budget: b goes, a and c stay.
    caches.forDataSource(1, settings('c'));
    assert.equal(caches.forDataSource(1, settings('a')).cache, a!.cache);
    assert.equal(caches.forDataSource(1, settings('c')).cache, c!.cache);
    assert.notEqual(caches.forDataSource(1, settings('b')).cache, b!.cache);
    const dropped = logged.filter((l) => String(l['@message']).includes('dropped'));
    assert.deepEqual(
      dropped.map((l) => l.datasource),
      ['b'],
    );
    assert.match(String(dropped[0]!.reason), /more than [\d.]+ MB/);
  });
});
