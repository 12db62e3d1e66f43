import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MARKETS, PLATFORMS } from '../../../src/backend/sources/demo/model';
import { createDemoSource } from '../../../src/backend/sources/demo/source';
import {
  SAMPLES_PER_DAY,
  SAMPLES_PER_WEEK,
  buildWeeklyTable,
  weekdayOfLocalSample,
} from '../../../src/common/synthetic/seasonality';
import { DAY, HOUR, MINUTE, MONDAY, fixedNow } from './helpers';

const source = createDemoSource({ now: fixedNow });

/** UTC instant of a local wall-clock time in a market (fixed offsets, no daylight saving). */
function localTime(utcOffsetMinutes: number, localMidnightUtcDay: number, hour: number): number {
  return localMidnightUtcDay + hour * HOUR - utcOffsetMinutes * MINUTE;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('demo seasonality', () => {
  it('has more listeners in the local evening than in the local night, in every market and on every platform', async () => {
    for (const market of MARKETS) {
      let compared = 0;
      for (let day = 0; day < 14; day++) {
        const midnight = MONDAY + day * DAY;
        const expr = `encore_demo_active_listeners{market="${market.code}"}`;
        const evening = await source.queryInstant({ expr, time: localTime(market.utcOffsetMinutes, midnight, 21) });
        const night = await source.queryInstant({ expr, time: localTime(market.utcOffsetMinutes, midnight, 4) });
        for (const platform of PLATFORMS) {
          const e = evening.find((s) => s.labels.platform === platform)?.values[0];
          const n = night.find((s) => s.labels.platform === platform)?.values[0];
          if (e === undefined || n === undefined) continue; // a telemetry gap
          assert.ok(e > 2 * n, `${market.code}/${platform} day ${day}: evening ${e} vs night ${n}`);
          compared++;
        }
      }
      assert.ok(compared >= 13 * PLATFORMS.length, `${market.code}: ${compared} comparisons`);
    }
  });

  it('follows local time: each market peaks at a different UTC hour', async () => {
    const peakUtcHour = new Map<string, number>();
    for (const market of MARKETS) {
      const [total] = await source.queryRange({
        expr: `sum(encore_demo_active_listeners{market="${market.code}"})`,
        start: MONDAY + DAY,
        end: MONDAY + 2 * DAY - HOUR,
        stepMs: HOUR,
      });
      const values = total!.values;
      const peak = values.indexOf(Math.max(...values));
      peakUtcHour.set(market.code, new Date(total!.timestamps[peak]!).getUTCHours());
      const localPeak = (((peak * 60 + market.utcOffsetMinutes) / 60) % 24 + 24) % 24;
      assert.ok(localPeak >= 19 && localPeak <= 23, `${market.code} peaks at local ${localPeak}:00`);
    }
    assert.notEqual(peakUtcHour.get('US'), peakUtcHour.get('JP'));
  });

  it('has more listening on the weekend than on weekdays, in every market', async () => {
    for (const market of MARKETS) {
      for (let week = 0; week < 4; week++) {
        const localMonday = MONDAY + week * 7 * DAY - market.utcOffsetMinutes * MINUTE;
        const dayMean = async (dayIndex: number): Promise<number> => {
          const start = localMonday + dayIndex * DAY;
          const [total] = await source.queryRange({
            expr: `sum(encore_demo_active_listeners{market="${market.code}"})`,
            start,
            end: start + DAY - 5 * MINUTE,
            stepMs: 5 * MINUTE,
          });
          return mean(total!.values);
        };
        const weekday = mean([await dayMean(1), await dayMean(2)]); // Tuesday, Wednesday
        const weekend = mean([await dayMean(5), await dayMean(6)]); // Saturday, Sunday
        assert.ok(weekend > 1.05 * weekday, `${market.code} week ${week}: weekend ${weekend} vs weekday ${weekday}`);
      }
    }
  });

  it('grows slowly: the same week a year later has more listeners and revenue', async () => {
    const weekMean = async (expr: string, start: number): Promise<number> => {
      const [s] = await source.queryRange({ expr, start, end: start + 7 * DAY - HOUR, stepMs: HOUR });
      return mean(s!.values);
    };
    for (const market of MARKETS) {
      for (const metric of ['encore_demo_active_listeners', 'encore_demo_subscription_revenue_usd_per_hour']) {
        const expr = `sum(${metric}{market="${market.code}"})`;
        const before = await weekMean(expr, MONDAY - 364 * DAY);
        const after = await weekMean(expr, MONDAY);
        const growth = after / before - 1;
        assert.ok(
          growth > market.yearlyGrowth / 2 && growth < market.yearlyGrowth * 2,
          `${market.code} ${metric}: ${(growth * 100).toFixed(1)} % a year, modelled ${market.yearlyGrowth * 100} %`,
        );
      }
    }
  });

  it('builds weekly tables with mean 1 that start on a Thursday and blend smoothly across midnight', () => {
    assert.equal(weekdayOfLocalSample(0), 4);
    assert.equal(weekdayOfLocalSample(SAMPLES_PER_DAY * 2), 6);
    assert.equal(weekdayOfLocalSample(-1), 3);
    const table = buildWeeklyTable({
      weekday: { floor: 0.1, bumps: [[20, 2, 1]] },
      weekend: { floor: 0.5, bumps: [[14, 4, 1]] },
      dayVolume: [1.2, 1, 1, 1, 1, 1, 1.2],
    });
    assert.equal(table.length, SAMPLES_PER_WEEK);
    assert.ok(Math.abs(table.reduce((a, b) => a + b, 0) / table.length - 1) < 1e-9);
    let largestStep = 0;
    for (let i = 0; i < table.length; i++) {
      largestStep = Math.max(largestStep, Math.abs(table[(i + 1) % table.length]! - table[i]!));
    }
    // 15 s apart, the rhythm never jumps; a weekday/weekend switch without blending would.
    assert.ok(largestStep < 0.01, `largest step between samples ${largestStep}`);
  });
});
