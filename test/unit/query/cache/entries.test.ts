import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assembleSeries, cutSeries, entryBytes, fetchedEntry, joinEntries, labelsId, trimEntry } from '../../../../src/backend/query/cache/entries';
import { NEVER, SETTLE_MS } from '../../../../src/backend/query/cache/extents';
import type { Series } from '../../../../src/backend/sources/source';

const STEP = 10;
const series = (labels: Record<string, string>, times: number[]): Series => ({ labels, timestamps: times, values: times.map((t) => t / STEP) });

describe('cache entries', () => {
  it('identifies a series by its labels whatever their order', () => {
    assert.equal(labelsId({ a: '1', b: '2' }), labelsId({ b: '2', a: '1' }));
    assert.notEqual(labelsId({ a: '1' }), labelsId({ a: '2' }));
  });

  it('cuts fetched series to a span, leaving out series without samples there', () => {
    const cut = cutSeries([series({ m: 'a' }, [0, 10, 20, 30]), series({ m: 'b' }, [30])], { lo: 10, hi: 20 });
    assert.deepEqual(cut.map((s) => [s.labels.m, Array.from(s.timestamps), Array.from(s.values)]), [['a', [10, 20], [1, 2]]]);
  });

  it('marks the steps older than SETTLE_MS as settled and the rest as fresh for the recent TTL', () => {
    const now = 1_000_000;
    const span = { lo: now - SETTLE_MS - 3 * STEP, hi: now };
    const entry = fetchedEntry([], span, STEP, now, 30_000);
    assert.ok(entry.settledTo < now - SETTLE_MS && entry.settledTo >= now - SETTLE_MS - STEP);
    assert.equal(entry.volatileUntil, now + 30_000);
    assert.equal(fetchedEntry([], { lo: 0, hi: 100 }, STEP, now, 30_000).volatileUntil, NEVER, 'all settled: no expiry of its own');
  });

  it('joins contiguous entries into one, series by series, and trims one to a span', () => {
    const a = { from: 0, to: 20, settledTo: 20, volatileUntil: NEVER, series: cutSeries([series({ m: 'a' }, [0, 10, 20])], { lo: 0, hi: 20 }) };
    const b = {
      from: 30,
      to: 50,
      settledTo: 40,
      volatileUntil: 99,
      series: cutSeries([series({ m: 'a' }, [30, 40, 50]), series({ m: 'b' }, [50])], { lo: 30, hi: 50 }),
    };
    const joined = joinEntries([a, b]);
    assert.deepEqual([joined.from, joined.to, joined.settledTo, joined.volatileUntil], [0, 50, 40, 99]);
    assert.deepEqual(
      joined.series.map((s) => [s.labels.m, Array.from(s.timestamps)]),
      [
        ['a', [0, 10, 20, 30, 40, 50]],
        ['b', [50]],
      ],
    );
    const trimmed = trimEntry(joined, { lo: 0, hi: 40 });
    assert.deepEqual(trimmed.series.map((s) => Array.from(s.timestamps)), [[0, 10, 20, 30, 40]], 'b has nothing before 50');
    assert.equal(trimmed.settledTo, 40);
    assert.ok(entryBytes(joined) > entryBytes(trimmed));
  });

  it('assembles the pieces of several extents into one series per label set, cut to the range', () => {
    const first = { from: 0, to: 40, settledTo: 40, volatileUntil: NEVER, series: cutSeries([series({ m: 'a' }, [0, 10, 20, 30, 40])], { lo: 0, hi: 40 }) };
    const second = {
      from: 50,
      to: 90,
      settledTo: 90,
      volatileUntil: NEVER,
      series: cutSeries([series({ m: 'a' }, [50, 60, 70]), series({ m: 'c' }, [60, 90])], { lo: 50, hi: 90 }),
    };
    const out = assembleSeries([
      { entry: first, span: { lo: 20, hi: 40 } },
      { entry: second, span: { lo: 50, hi: 60 } },
    ]);
    assert.deepEqual(out, [
      { labels: { m: 'a' }, timestamps: [20, 30, 40, 50, 60], values: [2, 3, 4, 5, 6] },
      { labels: { m: 'c' }, timestamps: [60], values: [6] },
    ]);
  });
});
