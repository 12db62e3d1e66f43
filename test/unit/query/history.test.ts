import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDemoSource } from '../../../src/backend/sources/demo/source';
import type { RangeQuery, Source } from '../../../src/backend/sources/source';
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

  it('fetches history and range in one request, and reads the settled extents from the cache the second time', async () => {
    const { source, queries } = countingDemo();
    const cache = new HistoryCache();
    const plan = { expr: EXPR, start: START, end: END, stepMs: STEP, historyPoints: 4 * 288 };
    const first = await fetchOnGrid(plan, { source, cache, scope: 't', nowMs: NOW });
    const chunkMs = CHUNK_POINTS * STEP;
    const extents = Math.floor(END / chunkMs) - Math.floor((START - plan.historyPoints * STEP) / chunkMs) + 1;
    assert.deepEqual(queries.map((q) => [q.start, q.end]), [[START - plan.historyPoints * STEP, END]], 'one request for the cold range');
    assert.equal(first.stats.cacheHits, 0);
    assert.equal(first.stats.cacheMisses, extents);
    queries.length = 0;
    const second = await fetchOnGrid(plan, { source, cache, scope: 't', nowMs: NOW });
    assert.equal(second.stats.cacheHits, extents);
    assert.equal(queries.length, 0, 'a settled range is answered from the cache alone');
    assert.deepEqual(second.series.map((s) => Array.from(s.grid.values)), first.series.map((s) => Array.from(s.grid.values)));
    // Another data source (scope) shares nothing.
    const other = await fetchOnGrid(plan, { source, cache, scope: 'other', nowMs: NOW });
    assert.equal(other.stats.cacheHits, 0);
  });

  it('fetches the recent edge again once its short TTL has passed, and the new steps of a moving window every time', async () => {
    const { source, queries } = countingDemo();
    const cache = new HistoryCache();
    // "Now" is a minute after the range's end: its last five minutes are not settled yet.
    const now = END + MINUTE;
    const plan = { expr: EXPR, start: START, end: END, stepMs: STEP, historyPoints: 6 * 288 };
    await fetchOnGrid(plan, { source, cache, scope: 't', nowMs: now });
    queries.length = 0;
    const again = await fetchOnGrid(plan, { source, cache, scope: 't', nowMs: now + 10_000 });
    assert.equal(queries.length, 0, 'within the recent TTL everything comes from the cache');
    assert.equal(again.stats.cacheMisses, 0);
    const later = await fetchOnGrid(plan, { source, cache, scope: 't', nowMs: now + 60_000 });
    assert.equal(queries.length, 1, 'after it, one request for the recent edge');
    assert.ok(queries[0]!.start > END - 10 * MINUTE && queries[0]!.end === END, `the recent edge only (${queries[0]!.start - END} ms before the end)`);
    assert.equal(later.stats.cacheMisses, 1, 'the older extents come from the cache');
    queries.length = 0;
    await fetchOnGrid({ ...plan, start: START + STEP, end: END + STEP }, { source, cache, scope: 't', nowMs: now + 70_000 });
    assert.deepEqual(queries.map((q) => [q.start, q.end]), [[END + STEP, END + STEP]], 'the window moved one step: that step is fetched');
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
