import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDemoSource } from '../../../src/backend/sources/demo/source';
import type { RangeQuery, Series, Source } from '../../../src/backend/sources/source';
import { CHUNK_POINTS, fetchOnGrid, HistoryCache, mergeOnGrid } from '../../../src/backend/query/history';
import { DAY, MINUTE, NOW, fixedNow } from '../demo/helpers';

/** The demo source, counting the range queries it answers. */
function countingDemo(): { source: Source; queries: RangeQuery[] } {
  const demo = createDemoSource({ now: fixedNow });
  const queries: RangeQuery[] = [];
  return {
    queries,
    source: { ...demo, kind: demo.kind, queryRange: (q) => (queries.push(q), demo.queryRange(q)), queryInstant: demo.queryInstant, metricNames: demo.metricNames, labelNames: demo.labelNames, labelValues: demo.labelValues, health: demo.health },
  };
}

const EXPR = 'avg by (market) (encore_demo_rebuffer_ratio)';
const STEP = 5 * MINUTE;
const END = Math.floor((NOW - 30 * DAY) / STEP) * STEP;
const START = END - DAY;

describe('training history', () => {
  it('puts history and range on one grid that equals one direct query of the whole span', async () => {
    const { source } = countingDemo();
    const historyPoints = 2 * 288;
    const { series } = await fetchOnGrid({ expr: EXPR, start: START, end: END, stepMs: STEP, historyPoints }, { source, cache: new HistoryCache(), scope: 't', nowMs: NOW });
    const direct = await createDemoSource({ now: fixedNow }).queryRange({ expr: EXPR, start: START - historyPoints * STEP, end: END, stepMs: STEP });
    assert.equal(series.length, direct.length);
    for (const s of series) {
      assert.equal(s.grid.startMs, START - historyPoints * STEP);
      assert.equal(s.grid.values.length, historyPoints + 289);
      const twin = direct.find((d) => d.labels.market === s.labels.market)!;
      twin.timestamps.forEach((t, i) => assert.equal(s.grid.values[(t - s.grid.startMs) / STEP], twin.values[i]));
    }
  });

  it('fetches history in aligned chunks and reads settled chunks from the cache the second time', async () => {
    const { source, queries } = countingDemo();
    const cache = new HistoryCache();
    const plan = { expr: EXPR, start: START, end: END, stepMs: STEP, historyPoints: 4 * 288 };
    const first = await fetchOnGrid(plan, { source, cache, scope: 't', nowMs: NOW });
    const chunkMs = CHUNK_POINTS * STEP;
    const historyQueries = queries.slice(0, -1);
    assert.ok(historyQueries.length >= 2);
    for (const q of historyQueries) {
      assert.equal(q.start % chunkMs, 0, 'chunks start on multiples of the chunk length');
      assert.equal(q.end - q.start, chunkMs - STEP);
    }
    assert.equal(first.stats.cacheHits, 0);
    assert.equal(first.stats.cacheMisses, historyQueries.length);
    queries.length = 0;
    const second = await fetchOnGrid(plan, { source, cache, scope: 't', nowMs: NOW });
    assert.equal(second.stats.cacheHits, historyQueries.length);
    assert.equal(queries.length, 1, 'only the range itself is fetched again');
    assert.deepEqual(second.series.map((s) => Array.from(s.grid.values)), first.series.map((s) => Array.from(s.grid.values)));
    // Another data source (scope) shares nothing.
    const other = await fetchOnGrid(plan, { source, cache, scope: 'other', nowMs: NOW });
    assert.equal(other.stats.cacheHits, 0);
  });

  it('does not cache chunks that reach into the last minutes before now', async () => {
    const { source } = countingDemo();
    const cache = new HistoryCache();
    // "Now" is just after the end of the chunk that holds the point before the range.
    const chunkMs = CHUNK_POINTS * STEP;
    const now = Math.floor((START - STEP) / chunkMs) * chunkMs + chunkMs - STEP + MINUTE;
    const plan = { expr: EXPR, start: START, end: END, stepMs: STEP, historyPoints: 6 * 288 };
    await fetchOnGrid(plan, { source, cache, scope: 't', nowMs: now });
    const again = await fetchOnGrid(plan, { source, cache, scope: 't', nowMs: now });
    assert.equal(again.stats.cacheMisses, 1, 'the chunk around the range start is fetched again');
    assert.ok(again.stats.cacheHits >= 1, 'the older chunks come from the cache');
  });
});

describe('HistoryCache', () => {
  const entry = (points: number): Series[] => [{ labels: {}, timestamps: new Array(points).fill(0), values: new Array(points).fill(0) }];

  it('evicts the least recently used entries beyond its point budget', () => {
    const cache = new HistoryCache(10);
    cache.set('a', entry(4));
    cache.set('b', entry(4));
    assert.ok(cache.get('a'), 'a is used, so b is the oldest now');
    cache.set('c', entry(4));
    assert.equal(cache.get('b'), undefined);
    assert.ok(cache.get('a') && cache.get('c'));
    cache.set('huge', entry(11));
    assert.equal(cache.get('huge'), undefined, 'an entry above the whole budget is not kept');
    assert.equal(cache.size, 2);
  });
});

describe('mergeOnGrid', () => {
  it('joins parts by labels, later parts winning, and leaves NaN where no part has a sample', () => {
    const merged = mergeOnGrid(
      [
        [{ labels: { m: 'a' }, timestamps: [0, 10], values: [1, 2] }],
        [{ labels: { m: 'a' }, timestamps: [10, 30], values: [5, 6] }, { labels: { m: 'b' }, timestamps: [20], values: [7] }],
      ],
      0,
      30,
      10,
    );
    assert.deepEqual(merged.map((s) => [s.labels.m, Array.from(s.grid.values)]), [
      ['a', [1, 5, NaN, 6]],
      ['b', [NaN, NaN, 7, NaN]],
    ]);
  });
});
