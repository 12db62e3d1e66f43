// Root-cause hints (query/analysis/explain.ts) against the demo source, a real Source whose
// scheduled incidents say which label values a hint should name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKpi } from '../../../src/common/kpis/catalogue';
import { explainEvents, hintStepMs } from '../../../src/backend/query/analysis/explain';
import type { NamedEvent } from '../../../src/backend/query/analysis/frames';
import { createDemoSource } from '../../../src/backend/sources/demo/source';
import type { RangeQuery, Source } from '../../../src/backend/sources/source';
import type { DemoIncident } from '../../../src/backend/sources/demo/incidents';
import { HistoryCache } from '../../../src/backend/query/history';
import { fixedNow, MINUTE, MONDAY, DAY } from '../demo/helpers';

describe('hintStepMs', () => {
  it('keeps about 12 points per window, in whole panel steps, never below the panel step', () => {
    assert.equal(hintStepMs(30 * MINUTE, MINUTE), 2 * MINUTE);
    assert.equal(hintStepMs(121 * MINUTE, MINUTE), 10 * MINUTE);
    assert.equal(hintStepMs(5 * MINUTE, MINUTE), MINUTE);
    assert.equal(hintStepMs(30 * MINUTE, 5 * MINUTE), 5 * MINUTE);
    assert.equal(hintStepMs(8 * 60 * MINUTE, 5 * MINUTE), 40 * MINUTE);
  });
});

/** The real demo source, with the range queries it answered recorded. */
function recording(demo: Source): { source: Source; asked: RangeQuery[] } {
  const asked: RangeQuery[] = [];
  const source: Source = Object.assign(Object.create(demo) as Source, {
    queryRange: (q: RangeQuery) => {
      asked.push(q);
      return demo.queryRange(q);
    },
  });
  return { source, asked };
}

function eventOf(incident: DemoIncident): NamedEvent {
  return {
    startMs: incident.start,
    endMs: incident.end - MINUTE,
    peakMs: incident.start,
    peakValue: 0,
    peakExpected: 0,
    peakScore: 1,
    direction: 'up',
    severity: 'critical',
    impact: 'worse',
    points: (incident.end - incident.start) / MINUTE,
    series: 'Rebuffering ratio',
    labels: {},
  };
}

describe('explainEvents', () => {
  it('fetches the parts at the coarser step and still names the market of a CDN degradation', async () => {
    const demo = createDemoSource({ now: fixedNow });
    const incident = demo.incidents(MONDAY, MONDAY + 14 * DAY).find(
      (i) => i.type === 'cdn_degradation' && i.scope.market && !i.scope.platform && i.end - i.start >= 60 * MINUTE,
    );
    assert.ok(incident, 'the demo schedules a market-wide CDN degradation of an hour or more in two weeks');
    const { source, asked } = recording(demo);
    const event = eventOf(incident);
    await explainEvents([event], { kpi: findKpi('rebuffering_ratio')!, filters: [], source, scrapeMs: MINUTE, stepMs: MINUTE });
    const expected = hintStepMs(incident.end - incident.start, MINUTE);
    assert.ok(expected > MINUTE);
    assert.ok(asked.length >= 1 && asked.every((q) => q.stepMs === expected), `steps ${asked.map((q) => q.stepMs).join(', ')}, expected ${expected}`);
    // On the step's grid, as the results cache keeps ranges, and covering the baseline and the event.
    for (const q of asked) {
      assert.equal(q.start % q.stepMs, 0);
      assert.equal((q.end - q.start) % q.stepMs, 0);
      assert.ok(q.start <= incident.start - (incident.end - incident.start), 'the baseline is as long as the event');
      assert.ok(q.end <= event.endMs && q.end > event.endMs - q.stepMs, 'the range ends within a step of the event end, not after it');
    }
    assert.ok(
      event.hints?.some((h) => h.includes(`market=${incident.scope.market}`)),
      `hints ${JSON.stringify(event.hints)} name market=${incident.scope.market}`,
    );
  });

  it('through the results cache, asks the source nothing the second time and gives the same hints', async () => {
    const demo = createDemoSource({ now: fixedNow });
    const incident = demo.incidents(MONDAY, MONDAY + 14 * DAY).find((i) => i.type === 'cdn_degradation')!;
    const { source, asked } = recording(demo);
    const cache = new HistoryCache();
    const ctx = {
      kpi: findKpi('rebuffering_ratio')!,
      filters: [],
      source,
      scrapeMs: MINUTE,
      stepMs: MINUTE,
      fetchRange: async (q: { expr: string; start: number; end: number; stepMs: number }) =>
        (await cache.fetchRange({ ...q, scope: 'test', nowMs: fixedNow() }, source)).series,
    };
    const first = eventOf(incident);
    await explainEvents([first], ctx);
    const upstream = asked.length;
    assert.ok(upstream >= 1);
    const again = eventOf(incident);
    await explainEvents([again], ctx);
    assert.equal(asked.length, upstream, 'the second explanation came from the cache');
    assert.ok(first.hints && first.hints.length > 0);
    assert.deepEqual(again.hints, first.hints);
  });

  it('keeps a point of a one-point event on the coarser grid', async () => {
    const demo = createDemoSource({ now: fixedNow });
    const incident = demo.incidents(MONDAY, MONDAY + 14 * DAY).find((i) => i.type === 'cdn_degradation')!;
    const { source, asked } = recording(demo);
    // One minute off the 2-minute grid that the 30-minute minimum baseline gets.
    const at = Math.floor(incident.start / (2 * MINUTE)) * 2 * MINUTE + MINUTE;
    const event = { ...eventOf(incident), startMs: at, endMs: at, points: 1 };
    await explainEvents([event], { kpi: findKpi('rebuffering_ratio')!, filters: [], source, scrapeMs: MINUTE, stepMs: MINUTE });
    assert.ok(asked.length >= 1);
    for (const q of asked) {
      assert.equal(q.stepMs, 2 * MINUTE);
      assert.ok(q.end >= at && q.end - at < q.stepMs, `the range reaches the event: end ${q.end - at} ms after it`);
    }
  });
});
