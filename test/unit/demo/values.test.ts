import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { seedHash } from '../../../src/common/synthetic/hash';
import { demoIncidents } from '../../../src/backend/sources/demo/incidents';
import { DEMO_METRICS, demoCatalogue, type MetricDef } from '../../../src/backend/sources/demo/model';
import { renderSeries } from '../../../src/backend/sources/demo/series';
import { createDemoSource } from '../../../src/backend/sources/demo/source';
import { DAY, HOUR, MINUTE, MONDAY, NOW, fixedNow } from './helpers';

const catalogue = demoCatalogue();
const YEAR = 365 * DAY;

function checkValue(metric: MetricDef, value: number, where: string): void {
  assert.ok(Number.isFinite(value), `${where}: finite, got ${value}`);
  assert.ok(value >= metric.min && value <= metric.max, `${where}: ${value} outside [${metric.min}, ${metric.max}]`);
  if (metric.unit === 'ratio') assert.ok(value >= 0 && value <= 1, `${where}: ratio ${value}`);
  if (metric.decimals !== undefined) {
    const scaled = value * 10 ** metric.decimals;
    assert.ok(Math.abs(scaled - Math.round(scaled)) < 1e-6, `${where}: ${value} has at most ${metric.decimals} decimals`);
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe('demo values', () => {
  it('stay in each metric\'s valid range for any seed, series and time, incidents included (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.integer({ min: 0, max: catalogue.length - 1 }),
        fc.integer({ min: MONDAY - 30 * YEAR, max: MONDAY + 30 * YEAR }),
        (seed, index, start) => {
          const series = catalogue[index]!;
          const folded = seedHash(seed);
          const times = Array.from({ length: 240 }, (_, i) => start + i * 7 * MINUTE);
          const incidents = demoIncidents(times[0]! - MINUTE, times[times.length - 1]!, seed);
          const { values, present } = renderSeries(series, times, { seed: folded, incidents, nowMs: Infinity });
          for (let i = 0; i < times.length; i++) {
            if (present && !present[i]) continue;
            checkValue(series.metric, values[i]!, `${series.key} seed ${seed} at ${times[i]}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answer a range query with exactly the instant values at each step (property)', async () => {
    const source = createDemoSource({ seed: 3, now: fixedNow });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: MONDAY - 2 * YEAR, max: MONDAY }),
        fc.integer({ min: 1, max: 4 * HOUR }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(...catalogue.map((s) => s.key)),
        async (start, stepMs, points, key) => {
          const series = catalogue.find((s) => s.key === key)!;
          const selector = `${series.metric.name}{market="${series.market.code}",platform="${series.platform ?? ''}"}`;
          const end = start + (points - 1) * stepMs + Math.floor(stepMs / 2);
          const [range] = await source.queryRange({ expr: selector, start, end, stepMs });
          const expected = Array.from({ length: points }, (_, i) => start + i * stepMs);
          const answered = new Map(range ? range.timestamps.map((t, i) => [t, range.values[i]!]) : []);
          for (const t of range?.timestamps ?? []) assert.ok(expected.includes(t), `timestamp ${t} is on the step grid`);
          for (const t of expected) {
            const instant = await source.queryInstant({ expr: selector, time: t });
            assert.equal(answered.get(t), instant[0]?.values[0], `${key} at ${t}`);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('have realistic magnitudes outside incidents', () => {
    const seed = seedHash(7);
    const times = Array.from({ length: (14 * DAY) / (10 * MINUTE) }, (_, i) => MONDAY + i * 10 * MINUTE);
    const expectations: Array<[MetricDef, number, number]> = [
      [DEMO_METRICS.startupTime, 1, 2],
      [DEMO_METRICS.rebufferRatio, 0.003, 0.01],
      [DEMO_METRICS.failureRatio, 0.002, 0.005],
      [DEMO_METRICS.bitrate, 128, 320],
      [DEMO_METRICS.skipRate, 0.25, 0.35],
      [DEMO_METRICS.completionRate, 0.5, 0.6],
      [DEMO_METRICS.recommendationShare, 0.3, 0.4],
    ];
    for (const [metric, low, high] of expectations) {
      const values = catalogue
        .filter((s) => s.metric === metric)
        .flatMap((s) => Array.from(renderSeries(s, times, { seed, incidents: [], nowMs: NOW }).values))
        .sort((a, b) => a - b);
      const median = quantile(values, 0.5);
      assert.ok(median >= low && median <= high, `${metric.name}: median ${median} outside [${low}, ${high}]`);
      // The spread around it is that of a healthy service: no series far off the stated range.
      assert.ok(quantile(values, 0.01) >= low * 0.6, `${metric.name}: 1st percentile ${quantile(values, 0.01)}`);
      assert.ok(quantile(values, 0.99) <= high * 1.4, `${metric.name}: 99th percentile ${quantile(values, 0.99)}`);
    }
  });

  it('keep revenue proportional to the market: the US earns more than Sweden, subscriptions more than ads', async () => {
    const source = createDemoSource({ now: fixedNow });
    const daily = async (expr: string): Promise<Map<string, number>> => {
      const series = await source.queryRange({ expr, start: MONDAY, end: MONDAY + DAY - HOUR, stepMs: HOUR });
      return new Map(series.map((s) => [s.labels.market!, s.values.reduce((a, b) => a + b, 0)]));
    };
    const subscriptions = await daily('encore_demo_subscription_revenue_usd_per_hour');
    const ads = await daily('encore_demo_ad_revenue_usd_per_hour');
    assert.equal(subscriptions.size, 7);
    assert.ok(subscriptions.get('US')! > 5 * subscriptions.get('SE')!);
    for (const [market, value] of subscriptions) assert.ok(value > ads.get(market)!, market);
  });

  it('produce no samples after now, like a real store', async () => {
    const now = MONDAY + 10 * HOUR + 30_000;
    const source = createDemoSource({ now: () => now });
    const series = await source.queryRange({ expr: 'encore_demo_active_listeners', start: MONDAY, end: MONDAY + DAY, stepMs: MINUTE });
    assert.equal(series.length, 35);
    for (const s of series) assert.equal(s.timestamps[s.timestamps.length - 1], MONDAY + 10 * HOUR);
    assert.deepEqual(await source.queryInstant({ expr: 'encore_demo_active_listeners', time: now + MINUTE }), []);
  });
});
