import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { demoIncidents } from '../../../src/backend/sources/demo/incidents';
import { MARKET_CODES, PLATFORMS } from '../../../src/backend/sources/demo/model';
import { createDemoSource } from '../../../src/backend/sources/demo/source';
import type { Series } from '../../../src/backend/sources/source';
import { DAY, HOUR, MINUTE, MONDAY, byKeyAndTime, fixedNow, rejectsWith, seriesKey } from './helpers';

const source = createDemoSource({ now: fixedNow });
const T = MONDAY + 2 * DAY + 13 * HOUR;
const LISTENERS = 'encore_demo_active_listeners';

async function instant(expr: string, time = T): Promise<Series[]> {
  return source.queryInstant({ expr, time });
}

/** value of each raw listener series at T, keyed market/platform */
async function rawListeners(): Promise<Map<string, number>> {
  const raw = await instant(LISTENERS);
  assert.equal(raw.length, 35);
  return new Map(raw.map((s) => [`${s.labels.market}/${s.labels.platform}`, s.values[0]!]));
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('demo PromQL evaluation: aggregations', () => {
  it('sum by (market) equals the hand-computed sum over platforms, and drops the metric name', async () => {
    const raw = await rawListeners();
    const sums = await instant(`sum by (market) (${LISTENERS})`);
    assert.deepEqual(sums.map((s) => s.labels), [...MARKET_CODES].sort().map((market) => ({ market })));
    for (const s of sums) {
      const expected = PLATFORMS.reduce((acc, p) => acc + raw.get(`${s.labels.market}/${p}`)!, 0);
      assert.equal(s.values[0], expected, s.labels.market);
    }
  });

  it('puts the grouping clause before or after the argument, and `without` is the complement of `by`', async () => {
    const leading = await instant(`sum by (market) (${LISTENERS})`);
    assert.deepEqual(await instant(`sum(${LISTENERS}) by (market)`), leading);
    assert.deepEqual(await instant(`sum without (platform) (${LISTENERS})`), leading);
  });

  it('sum, avg, min, max and count without grouping match the raw values', async () => {
    const values = [...(await rawListeners()).values()];
    const one = async (expr: string) => {
      const [s, ...rest] = await instant(expr);
      assert.equal(rest.length, 0);
      assert.deepEqual(s!.labels, {});
      return s!.values[0]!;
    };
    const total = values.reduce((a, b) => a + b, 0);
    assert.equal(await one(`sum(${LISTENERS})`), total);
    close(await one(`avg(${LISTENERS})`), total / 35, 'avg');
    assert.equal(await one(`min(${LISTENERS})`), Math.min(...values));
    assert.equal(await one(`max(${LISTENERS})`), Math.max(...values));
    assert.equal(await one(`count(${LISTENERS})`), 35);
    assert.equal(await one('count({__name__=~"encore_demo_.+"})'), 294);
  });

  it('groups by several labels, and by a label some series lack', async () => {
    const byBoth = await instant(`max by (market, platform) (${LISTENERS})`);
    assert.equal(byBoth.length, 35);
    for (const s of byBoth) assert.deepEqual(Object.keys(s.labels).sort(), ['market', 'platform']);
    const byPlatform = await instant('count by (platform) ({__name__=~"encore_demo_.*revenue.*|encore_demo_skip_rate"})');
    // Revenue series have no platform: they form their own group with empty labels.
    assert.deepEqual(
      byPlatform.map((s) => [s.labels.platform ?? '(none)', s.values[0]]),
      [['(none)', 14], ['android', 7], ['desktop', 7], ['ios', 7], ['smart_speaker', 7], ['web', 7]],
    );
  });

  it('aggregates every step of a range query, skipping series without a sample at that step', async () => {
    const gap = demoIncidents(MONDAY - 30 * DAY, MONDAY).find((i) => i.type === 'telemetry_gap')!;
    const start = gap.start - 20 * MINUTE;
    const end = gap.end + 20 * MINUTE;
    const raw = await source.queryRange({ expr: 'encore_demo_rebuffer_ratio', start, end, stepMs: MINUTE });
    const summed = await source.queryRange({ expr: 'sum by (platform) (encore_demo_rebuffer_ratio)', start, end, stepMs: MINUTE });
    const counted = await source.queryRange({ expr: 'count by (platform) (encore_demo_rebuffer_ratio)', start, end, stepMs: MINUTE });
    assert.equal(summed.length, 5);
    for (const s of summed) {
      const counts = counted.find((c) => c.labels.platform === s.labels.platform)!;
      assert.deepEqual(counts.timestamps, s.timestamps);
      s.timestamps.forEach((t, i) => {
        const members = raw.filter((r) => r.labels.platform === s.labels.platform && r.timestamps.includes(t));
        const expected = members.reduce((acc, r) => acc + r.values[r.timestamps.indexOf(t)]!, 0);
        close(s.values[i]!, expected, `${s.labels.platform} at ${t}`);
        assert.equal(counts.values[i], members.length);
        const inGap = t >= gap.start && t < gap.end;
        assert.equal(counts.values[i], inGap ? 6 : 7, `one market missing only inside the gap (t=${t})`);
      });
    }
  });
});

describe('demo PromQL evaluation: topk and bottomk', () => {
  it('topk keeps the k largest series with their labels, in descending order for an instant query', async () => {
    const raw = await instant(`${LISTENERS}{market="US"}`);
    const top = await instant(`topk(2, ${LISTENERS}{market="US"})`);
    const expected = [...raw].sort((a, b) => b.values[0]! - a.values[0]!).slice(0, 2);
    assert.deepEqual(top, expected);
    assert.equal(top[0]!.labels.__name__, LISTENERS);
    const bottom = await instant(`bottomk(1, ${LISTENERS}{market="US"})`);
    assert.deepEqual(bottom, [[...raw].sort((a, b) => a.values[0]! - b.values[0]!)[0]]);
  });

  it('ranks within each group', async () => {
    const raw = await rawListeners();
    const top = await instant(`topk by (market) (1, ${LISTENERS})`);
    assert.equal(top.length, MARKET_CODES.length);
    for (const s of top) {
      const best = Math.max(...PLATFORMS.map((p) => raw.get(`${s.labels.market}/${p}`)!));
      assert.equal(s.values[0], best, s.labels.market);
    }
  });

  it('selects at every step independently in a range query', async () => {
    const start = MONDAY;
    const end = MONDAY + DAY;
    const raw = byKeyAndTime(await source.queryRange({ expr: `${LISTENERS}{market="DE"}`, start, end, stepMs: HOUR }));
    const top = await source.queryRange({ expr: `topk(2, ${LISTENERS}{market="DE"})`, start, end, stepMs: HOUR });
    assert.ok(top.length > 2, 'the leaders change over the day');
    for (let t = start; t <= end; t += HOUR) {
      const chosen = top.filter((s) => s.timestamps.includes(t)).map((s) => s.values[s.timestamps.indexOf(t)]!);
      const all = [...raw.values()].map((points) => points.get(t)!).sort((a, b) => b - a);
      assert.deepEqual(chosen.sort((a, b) => b - a), all.slice(0, 2), new Date(t).toISOString());
    }
  });

  it('accepts a scalar expression for k; k below 1 gives nothing; a non-finite k is refused', async () => {
    assert.equal((await instant(`topk(1 + 2, ${LISTENERS})`)).length, 3);
    assert.equal((await instant(`topk(2.9, ${LISTENERS})`)).length, 2);
    assert.equal((await instant(`topk(100, ${LISTENERS})`)).length, 35);
    assert.deepEqual(await instant(`topk(0, ${LISTENERS})`), []);
    await rejectsWith(instant(`topk(NaN, ${LISTENERS})`), 'bad_query', 'execution error: topk(): k must be a finite number, got NaN');
  });
});

describe('demo PromQL evaluation: arithmetic', () => {
  it('applies a number to every sample and drops the metric name', async () => {
    const raw = await instant('encore_demo_rebuffer_ratio{market="GB"}');
    const percent = await instant('encore_demo_rebuffer_ratio{market="GB"} * 100');
    assert.deepEqual(percent.map((s) => s.labels), raw.map((s) => ({ market: 'GB', platform: s.labels.platform })));
    percent.forEach((s, i) => close(s.values[0]!, raw[i]!.values[0]! * 100, s.labels.platform!));
    const complement = await instant('1 - encore_demo_rebuffer_ratio{market="GB"}');
    complement.forEach((s, i) => close(s.values[0]!, 1 - raw[i]!.values[0]!, s.labels.platform!));
    const negated = await instant('-encore_demo_rebuffer_ratio{market="GB"}');
    negated.forEach((s, i) => assert.equal(s.values[0], -raw[i]!.values[0]!));
    const scaled = await instant('sum(encore_demo_ad_revenue_usd_per_hour) / 1000 + 1');
    const total = (await instant('sum(encore_demo_ad_revenue_usd_per_hour)'))[0]!.values[0]!;
    close(scaled[0]!.values[0]!, total / 1000 + 1, 'sum / 1000 + 1');
  });

  it('follows IEEE division like Prometheus', async () => {
    const [inf] = await instant('sum(encore_demo_ad_revenue_usd_per_hour) / 0');
    assert.equal(inf!.values[0], Infinity);
  });

  it('evaluates scalar expressions to one series without labels', async () => {
    assert.deepEqual(await instant('1 + 2 * 3'), [{ labels: {}, timestamps: [T], values: [7] }]);
    assert.deepEqual(await instant('(1 + 2) * 3'), [{ labels: {}, timestamps: [T], values: [9] }]);
    assert.deepEqual(await instant('-2 - -3'), [{ labels: {}, timestamps: [T], values: [1] }]);
    const range = await source.queryRange({ expr: '8 / 2 / 2', start: T, end: T + 2 * MINUTE, stepMs: MINUTE });
    assert.deepEqual(range, [{ labels: {}, timestamps: [T, T + MINUTE, T + 2 * MINUTE], values: [2, 2, 2] }]);
  });

  it('refuses results in which two series end up with the same labels', async () => {
    await rejectsWith(
      instant('{market="US", platform="ios"} * 2'),
      'bad_query',
      /^execution error: vector cannot contain metrics with the same labelset \{market="US", platform="ios"\}/,
    );
  });

  it('returns nothing for a selector that matches nothing', async () => {
    assert.deepEqual(await instant('encore_demo_no_such_metric'), []);
    assert.deepEqual(await instant('sum(encore_demo_no_such_metric)'), []);
    assert.deepEqual(await instant(`${LISTENERS}{market="XX"} * 2`), []);
  });

  it('sorts range results by labels, as Prometheus does', async () => {
    const series = await source.queryRange({ expr: '{__name__=~"encore_demo_.*revenue.*"}', start: T, end: T + HOUR, stepMs: 10 * MINUTE });
    const keys = series.map((s) => seriesKey(s.labels));
    assert.deepEqual(keys, [...keys].sort());
    assert.equal(series[0]!.labels.__name__, 'encore_demo_ad_revenue_usd_per_hour');
    assert.equal(series[0]!.labels.market, 'BR');
  });
});
