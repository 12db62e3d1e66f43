// Root-cause hints (query/analysis/explain.ts) against the demo source, a real Source whose
// scheduled incidents say which label values a hint should name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKpi } from '../../../src/common/kpis/catalogue';
import { explainEvents, hintStepMs } from '../../../src/backend/query/analysis/explain';
import type { NamedEvent } from '../../../src/backend/query/analysis/frames';
import { createDemoSource } from '../../../src/backend/sources/demo/source';
import type { RangeQuery, Source } from '../../../src/backend/sources/source';
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

describe('explainEvents', () => {
  it('fetches the parts at the coarser step and still names the market of a CDN degradation', async () => {
    const demo = createDemoSource({ now: fixedNow });
    const incident = demo.incidents(MONDAY, MONDAY + 14 * DAY).find(
      (i) => i.type === 'cdn_degradation' && i.scope.market && !i.scope.platform && i.end - i.start >= 60 * MINUTE,
    );
    assert.ok(incident, 'the demo schedules a market-wide CDN degradation of an hour or more in two weeks');
    const steps: number[] = [];
    // The real demo source answers; the wrapper only records the steps asked for.
    const source: Source = Object.assign(Object.create(demo) as Source, {
      queryRange: (q: RangeQuery) => {
        steps.push(q.stepMs);
        return demo.queryRange(q);
      },
    });
    const event: NamedEvent = {
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
    await explainEvents([event], { kpi: findKpi('rebuffering_ratio')!, filters: [], source, scrapeMs: MINUTE, stepMs: MINUTE });
    const expected = hintStepMs(incident.end - incident.start, MINUTE);
    assert.ok(expected > MINUTE);
    assert.ok(steps.length >= 1 && steps.every((s) => s === expected), `steps ${steps.join(', ')}, expected ${expected}`);
    assert.ok(
      event.hints?.some((h) => h.includes(`market=${incident.scope.market}`)),
      `hints ${JSON.stringify(event.hints)} name market=${incident.scope.market}`,
    );
  });
});
