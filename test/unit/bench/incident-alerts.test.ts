import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunPlan } from '../../../bench/accuracy/plan';
import { incidentAlerts, type ScoredRun } from '../../../bench/accuracy/report';
import type { IncidentOutcome, RunScore } from '../../../bench/accuracy/score';

const DAY = 86_400_000;

/** One (incident, KPI) outcome with what the pooling reads; the rest at neutral values. */
function outcome(over: Partial<IncidentOutcome> & Pick<IncidentOutcome, 'incidentId' | 'kpi' | 'hit'>): IncidentOutcome {
  return {
    scenario: 'mixed',
    seed: 1,
    config: 'auto',
    type: 'cdn_degradation',
    marketTrials: 0,
    marketHits: 0,
    aggregateHit: false,
    chance: { marketTrials: 0, marketHits: 0 },
    ownPlacebos: [],
    visibility: NaN,
    placeboVisibility: [],
    ...over,
  };
}

function run(incidents: IncidentOutcome[]): ScoredRun {
  const score: RunScore = { tallies: new Map(), incidents, quality: [], seriesByLevel: { aggregate: 0, market: 0, scope: 0 }, weeks: 1 };
  return { plan: { key: { scenario: 'mixed', seed: incidents[0]?.seed ?? 1 } } as unknown as RunPlan, score };
}

test('an incident counts once, alerted on when any of its KPIs was, at its first alert', () => {
  const runs = [
    run([
      outcome({ incidentId: 'cdn', kpi: 'startup_time_p95', hit: true, delayMin: 25, visibility: 12 }),
      outcome({ incidentId: 'cdn', kpi: 'average_bitrate', hit: true, delayMin: 10, visibility: 4 }),
      outcome({ incidentId: 'cdn', kpi: 'playback_failure_rate', hit: false, visibility: 1 }),
      outcome({ incidentId: 'pay', kpi: 'payment_failure_rate', hit: false }),
      outcome({ incidentId: 'pay', kpi: 'subscription_revenue', hit: false, visibility: 0.5 }),
      // another detector's outcome is not pooled with auto's
      outcome({ incidentId: 'pay', kpi: 'payment_failure_rate', hit: true, delayMin: 5, config: 'rolling' }),
    ]),
  ];
  const a = incidentAlerts(runs, 'auto');
  assert.equal(a.incidents, 2);
  assert.equal(a.alerted, 1);
  assert.deepEqual(a.delaysMin, [10]);
  // only the CDN incident moved a KPI visibly
  assert.equal(a.visible, 1);
  assert.equal(a.visibleAlerted, 1);
  assert.equal(incidentAlerts(runs, 'rolling').alerted, 1);
});

test('the same incident id in another seed is another incident', () => {
  const runs = [
    run([outcome({ incidentId: 'cdn', kpi: 'startup_time_p95', hit: true, delayMin: 15 })]),
    run([outcome({ incidentId: 'cdn', kpi: 'startup_time_p95', hit: false, seed: 2 })]),
  ];
  const a = incidentAlerts(runs, 'auto');
  assert.equal(a.incidents, 2);
  assert.equal(a.alerted, 1);
});

test('placebo windows pool across KPIs window by window: detected when any KPI was', () => {
  const before = { startMs: 0 };
  const after = { startMs: 2 * DAY };
  const runs = [
    run([
      outcome({ incidentId: 'cdn', kpi: 'startup_time_p95', hit: true, ownPlacebos: [{ ...before, hit: false }, { ...after, hit: true }] }),
      outcome({ incidentId: 'cdn', kpi: 'average_bitrate', hit: false, ownPlacebos: [{ ...before, hit: false }, { ...after, hit: false }] }),
      // a KPI whose later placebo window was not clear has only the earlier one
      outcome({ incidentId: 'cdn', kpi: 'exits_before_start', hit: false, ownPlacebos: [{ ...before, hit: true }] }),
    ]),
  ];
  const a = incidentAlerts(runs, 'auto');
  assert.equal(a.placeboTrials, 2);
  assert.equal(a.placeboHits, 2);
});
