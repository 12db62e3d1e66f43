import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { deriveCacheKeys } from '../../../../src/backend/query/cache/codec';
import { EXTENT_POINTS, MAX_FETCH_POINTS, SETTLE_MS } from '../../../../src/backend/query/cache/extents';
import type { RedisStore, RedisWrite } from '../../../../src/backend/query/cache/redis';
import { DEFAULT_CACHE_OPTIONS, ResultsCache, type ResultsCacheOptions } from '../../../../src/backend/query/cache/results';
import type { RangeQuery, Series, Source } from '../../../../src/backend/sources/source';

const STEP = 60_000;
const EXTENT = EXTENT_POINTS * STEP;
const NOW = 5_000 * EXTENT;
const EXPR = 'sum by (market) (rate(x[5m]))';

/** A deterministic upstream: value = f(labels, t), a series missing every 9th step; it counts its requests. */
function fakeSource(options: { warnings?: string[]; delayMs?: number } = {}) {
  const requests: RangeQuery[] = [];
  const source = {
    kind: 'prometheus' as const,
    async queryRange(q: RangeQuery): Promise<Series[]> {
      requests.push(q);
      if (options.delayMs) await new Promise((done) => setTimeout(done, options.delayMs));
      for (const warning of options.warnings ?? []) (q as RangeQuery & { onWarning?: (w: string) => void }).onWarning?.(warning);
      const times: number[] = [];
      for (let t = q.start; t <= q.end; t += q.stepMs) times.push(t);
      // Like Prometheus, a series without a sample in the range is not in the answer.
      return ['se', 'de']
        .map((market) => {
          const kept = times.filter((t) => market === 'se' || (t / q.stepMs) % 9 !== 0);
          return { labels: { market }, timestamps: kept, values: kept.map((t) => (market === 'se' ? 1 : 2) * (t / q.stepMs)) };
        })
        .filter((s) => s.timestamps.length > 0);
    },
  };
  return { source: source as unknown as Source, requests };
}

const cache = (options: Partial<ResultsCacheOptions> = {}) => new ResultsCache({ ...DEFAULT_CACHE_OPTIONS, ...options });
const fetch = (c: ResultsCache, source: Source, start: number, end: number, nowMs = NOW, scope = 's') => c.fetchRange({ scope, expr: EXPR, start, end, stepMs: STEP, nowMs }, source);

describe('ResultsCache', () => {
  it('answers a cold range with one request, and the same range again with none', async () => {
    const { source, requests } = fakeSource();
    const c = cache();
    const start = 100 * EXTENT + 17 * STEP;
    const end = 103 * EXTENT + 5 * STEP;
    const first = await fetch(c, source, start, end);
    assert.deepEqual(requests.map((r) => [r.start, r.end]), [[start, end]]);
    assert.deepEqual(first.stats, { cacheHits: 0, cacheMisses: 4, cachedSteps: 0, fetchedSteps: (end - start) / STEP + 1, upstreamRequests: 1, upstreamMs: first.stats.upstreamMs });
    const second = await fetch(c, source, start, end);
    assert.equal(requests.length, 1);
    assert.equal(second.stats.cacheHits, 4);
    assert.deepEqual(second.series, first.series);
    assert.deepEqual(first.series, await fakeSource().source.queryRange({ expr: EXPR, start, end, stepMs: STEP }), 'the same as asking upstream');
    const other = await fetch(c, source, start, end, NOW, 'another data source');
    assert.equal(other.stats.cacheHits, 0, 'scopes share nothing');
  });

  it('equals a direct query for any range and any order of earlier queries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 * EXTENT_POINTS }), fc.integer({ min: 0, max: 3 * EXTENT_POINTS })), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 60 }),
        async (ranges, nowSteps) => {
          const { source } = fakeSource();
          const c = cache();
          const base = 200 * EXTENT;
          const now = base + 5 * EXTENT_POINTS * STEP + nowSteps * STEP;
          for (const [offset, length] of ranges) {
            const start = base + offset * STEP;
            const end = start + length * STEP;
            const { series } = await fetch(c, source, start, end, now);
            assert.deepEqual(series, await fakeSource().source.queryRange({ expr: EXPR, start, end, stepMs: STEP }));
          }
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 60) },
    );
  });

  it('fetches only the new steps when the window moves, and the recent edge again after its TTL', async () => {
    const { source, requests } = fakeSource();
    const c = cache({ recentTtlMs: 120_000 });
    const end = NOW - STEP;
    await fetch(c, source, end - 180 * STEP, end);
    requests.length = 0;
    await fetch(c, source, end - 179 * STEP, end + STEP, NOW + STEP);
    assert.deepEqual(requests.map((r) => [r.start, r.end]), [[end + STEP, end + STEP]], 'one new step');
    requests.length = 0;
    const later = await fetch(c, source, end - 179 * STEP, end + STEP, NOW + 121_000 + STEP);
    assert.equal(requests.length, 1);
    assert.ok(requests[0]!.start >= NOW - SETTLE_MS - STEP && requests[0]!.end === end + STEP, 'only the recent edge');
    assert.ok(later.stats.cachedSteps > 170);
  });

  it('does not keep answers that came with warnings (partial answers)', async () => {
    const { source, requests } = fakeSource({ warnings: ['partial response: store eu-1 unavailable'] });
    const c = cache();
    const warnings: string[] = [];
    await c.fetchRange({ scope: 's', expr: EXPR, start: 0, end: 10 * STEP, stepMs: STEP, nowMs: NOW, onWarning: (w) => warnings.push(w) }, source);
    await fetch(c, source, 0, 10 * STEP);
    assert.equal(requests.length, 2);
    assert.deepEqual(warnings, ['partial response: store eu-1 unavailable'], 'the warning reaches the query');
  });

  it('collapses identical concurrent requests into one (singleflight)', async () => {
    const { source, requests } = fakeSource({ delayMs: 20 });
    const c = cache();
    const answers = await Promise.all(Array.from({ length: 5 }, () => fetch(c, source, 0, 100 * STEP)));
    assert.equal(requests.length, 1);
    for (const a of answers) assert.deepEqual(a.series, answers[0]!.series);
  });

  it('with the cache off, sends every request upstream, cut below the point limit', async () => {
    const { source, requests } = fakeSource();
    const c = cache({ enabled: false });
    await fetch(c, source, 0, 10 * STEP);
    await fetch(c, source, 0, 10 * STEP);
    assert.equal(requests.length, 2);
    requests.length = 0;
    const long = await fetch(c, source, 0, (MAX_FETCH_POINTS + 500) * STEP);
    assert.equal(requests.length, 2);
    for (const r of requests) assert.ok((r.end - r.start) / STEP + 1 <= MAX_FETCH_POINTS);
    assert.equal(long.series[0]!.timestamps.length, MAX_FETCH_POINTS + 501, 'put back together');
    assert.equal(c.answers, undefined, 'no finished answers either');
  });

  it('stays within its memory budget', async () => {
    const { source } = fakeSource();
    const c = cache({ maxBytes: 64 * 1024 });
    for (let i = 0; i < 40; i++) await fetch(c, source, i * EXTENT, i * EXTENT + (EXTENT_POINTS - 1) * STEP);
    const stats = c.memory.stats();
    assert.ok(stats.bytes <= stats.maxBytes && stats.evictions > 0, JSON.stringify(stats));
  });

  describe('with a Redis tier', () => {
    /** Redis as the cache sees it: a map, or unavailable. */
    function fakeRedis() {
      const values = new Map<string, Buffer>();
      const store = {
        up: true,
        get available() {
          return this.up;
        },
        async getMany(names: string[]) {
          return this.up ? names.map((n) => values.get(n) ?? null) : undefined;
        },
        setMany(writes: RedisWrite[]) {
          if (this.up) for (const w of writes) values.set(w.name, w.value);
        },
      };
      return { store, values, asStore: store as unknown as RedisStore };
    }
    const keys = deriveCacheKeys('a cache key for the unit tests');

    it('shares entries between processes through Redis, encrypted', async () => {
      const redis = fakeRedis();
      const { source, requests } = fakeSource();
      const start = 10 * EXTENT;
      const end = 12 * EXTENT;
      const first = await fetch(cache({ redis: { store: redis.asStore, keys } }), source, start, end);
      assert.equal(redis.values.size, 3);
      for (const [name, value] of redis.values) {
        assert.match(name, /^encore:rc1:\{[A-Za-z0-9_-]{22}\}:\d+$/);
        assert.ok(!value.toString('latin1').includes('market'));
      }
      const second = await fetch(cache({ redis: { store: redis.asStore, keys } }), source, start, end);
      assert.equal(requests.length, 1, 'the second process asked Redis, not the upstream');
      assert.deepEqual(second.series, first.series);
      const wrongKey = await fetch(cache({ redis: { store: redis.asStore, keys: deriveCacheKeys('not the same key at all') } }), source, start, end);
      assert.equal(requests.length, 2, 'another key reads nothing');
      assert.deepEqual(wrongKey.series, first.series);
    });

    it('carries on from memory and the upstream while Redis is unavailable', async () => {
      const redis = fakeRedis();
      redis.store.up = false;
      const { source, requests } = fakeSource();
      const c = cache({ redis: { store: redis.asStore, keys } });
      await fetch(c, source, 0, 100 * STEP);
      await fetch(c, source, 0, 100 * STEP);
      assert.equal(requests.length, 1, 'the memory tier still works');
      assert.equal(redis.values.size, 0);
      redis.store.up = true;
      await fetch(c, source, 200 * STEP, 300 * STEP);
      assert.ok(redis.values.size > 0, 'used again once it is back');
    });
  });
});
