import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDemoSource } from '../../../src/backend/sources/demo/source';
import { SAMPLE_MS } from '../../../src/common/synthetic/seasonality';
import { DAY, HOUR, MINUTE, MONDAY, byKeyAndTime, fixedNow, seriesKey } from './helpers';

const ALL = '{__name__=~"encore_demo_.+"}';

describe('demo source determinism', () => {
  it('gives every point the same value whatever the range and step that ask for it', async () => {
    const source = createDemoSource({ now: fixedNow });
    const start = MONDAY + 2 * DAY + 5 * HOUR;
    const coarse = byKeyAndTime(await source.queryRange({ expr: ALL, start, end: start + 6 * HOUR, stepMs: 5 * MINUTE }));
    const fine = byKeyAndTime(
      await source.queryRange({ expr: ALL, start: start - 3 * HOUR, end: start + 9 * HOUR, stepMs: 15_000 }),
    );
    assert.equal(coarse.size, 294);
    let compared = 0;
    for (const [key, points] of coarse) {
      const other = fine.get(key);
      assert.ok(other, `series ${key} is in both answers`);
      for (const [t, v] of points) {
        assert.equal(other.get(t), v, `${key} at ${new Date(t).toISOString()}`);
        compared++;
      }
    }
    assert.ok(compared > 294 * 70);
  });

  it('answers an instant query with the value the range query has at that time', async () => {
    const source = createDemoSource({ now: fixedNow });
    const start = MONDAY + 4 * DAY;
    const range = byKeyAndTime(await source.queryRange({ expr: ALL, start, end: start + HOUR, stepMs: 20 * MINUTE }));
    for (const t of [start, start + 20 * MINUTE, start + 40 * MINUTE, start + HOUR]) {
      const instant = await source.queryInstant({ expr: ALL, time: t });
      assert.equal(instant.length, 294);
      for (const s of instant) {
        assert.deepEqual(s.timestamps, [t]);
        assert.equal(range.get(seriesKey(s.labels))?.get(t), s.values[0]);
      }
    }
  });

  it('holds each sample for the 15 s sample interval, like scraped data', async () => {
    const source = createDemoSource({ now: fixedNow });
    const sampleTime = MONDAY + 3 * DAY + 7 * HOUR;
    const at = async (t: number) => (await source.queryInstant({ expr: 'encore_demo_rebuffer_ratio{market="SE",platform="web"}', time: t }))[0]!.values[0];
    const held = await at(sampleTime);
    assert.equal(await at(sampleTime + 1), held);
    assert.equal(await at(sampleTime + SAMPLE_MS - 1), held);
    assert.notEqual(await at(sampleTime + SAMPLE_MS), held);
    assert.notEqual(await at(sampleTime - 1), held);
  });

  it('gives the same data from separate instances with the same seed', async () => {
    const query = { expr: ALL, start: MONDAY, end: MONDAY + 2 * HOUR, stepMs: MINUTE };
    const a = await createDemoSource({ seed: 42, now: fixedNow }).queryRange(query);
    const b = await createDemoSource({ seed: 42, now: fixedNow }).queryRange(query);
    assert.deepEqual(a, b);
  });

  it('gives different data for a different seed', async () => {
    const query = { expr: ALL, start: MONDAY, end: MONDAY + 2 * HOUR, stepMs: MINUTE };
    const a = byKeyAndTime(await createDemoSource({ seed: 1, now: fixedNow }).queryRange(query));
    const b = byKeyAndTime(await createDemoSource({ seed: 2, now: fixedNow }).queryRange(query));
    let same = 0;
    let total = 0;
    for (const [key, points] of a) {
      for (const [t, v] of points) {
        const other = b.get(key)?.get(t);
        if (other === undefined) continue;
        total++;
        if (other === v) same++;
      }
    }
    assert.ok(total > 10_000);
    // Listener counts are rounded, so a few can coincide; nearly all must differ.
    assert.ok(same / total < 0.01, `${same} of ${total} points equal across seeds`);
  });

  it('accepts negative and large seeds and refuses seeds that are not safe integers', () => {
    assert.equal(createDemoSource({ seed: -5 }).seed, -5);
    assert.equal(createDemoSource({ seed: 2 ** 40 }).seed, 2 ** 40);
    assert.throws(() => createDemoSource({ seed: 1.5 }), /seed must be a safe integer, got 1.5/);
    assert.throws(() => createDemoSource({ seed: Number.NaN }), /seed must be a safe integer, got NaN/);
  });
});
