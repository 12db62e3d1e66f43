import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKpi, KPI_IDS } from '../../../src/common/kpis/catalogue';
import type { LabelFilter } from '../../../src/common/kpis/filters';
import { IncidentSet, INCIDENT_SPECS, INCIDENT_TYPES, type Incident } from '../../../src/simulator/model/incidents';
import { predictKpi, simulateWindow, type WindowCounters } from '../../../src/simulator/predict';
import { HOUR, incident, MINUTE, simulate, T0 } from './helpers';

/**
 * Each incident type against the same seed without it. Randomness is keyed by session, so the
 * two runs differ only where the incident acts: its KPIs move the way the labels say, and
 * everything outside its scope is identical, event for event.
 */

const WINDOW = { fromMs: T0, toMs: T0 + HOUR, simulateFromMs: T0 - 30 * MINUTE };

function kpiValue(counters: WindowCounters, id: string, filters: LabelFilter[] = []): number {
  const [group] = predictKpi(findKpi(id)!, counters, { filters });
  assert.ok(group, `${id} has no value`);
  return group.value;
}

function runBoth(incidentSpec: Incident, users: number, markets?: string[]) {
  const base = { seed: 11, users, markets, ...WINDOW };
  return {
    without: simulateWindow({ ...base, incidents: new IncidentSet([]) }),
    with: simulateWindow({ ...base, incidents: new IncidentSet([incidentSpec]) }),
  };
}

describe('incident types', () => {
  it('name only catalogue KPIs in their ground truth', () => {
    for (const type of INCIDENT_TYPES) {
      for (const [kpi] of INCIDENT_SPECS[type].moves) assert.ok(KPI_IDS.includes(kpi), `${type} names unknown KPI ${kpi}`);
    }
  });

  it('cdn_degradation: slower starts, more stalls, lower bitrate, more failures and exits', () => {
    const spec = incident({ type: 'cdn_degradation', scope: { market: ['BR'] }, magnitude: 4, startMs: T0 - HOUR, endMs: T0 + 2 * HOUR });
    const runs = runBoth(spec, 200_000, ['BR']);
    const ratio = (id: string) => kpiValue(runs.with, id) / kpiValue(runs.without, id);
    assert.ok(ratio('startup_time_p50') > 2, `p50 x${ratio('startup_time_p50')}`);
    assert.ok(ratio('startup_time_p95') > 1.8, `p95 x${ratio('startup_time_p95')}`);
    assert.ok(ratio('rebuffering_ratio') > 2.5, `rebuffering x${ratio('rebuffering_ratio')}`);
    assert.ok(ratio('rebuffering_frequency') > 2.5, `stalls x${ratio('rebuffering_frequency')}`);
    assert.ok(ratio('exits_before_start') > 2, `exits x${ratio('exits_before_start')}`);
    assert.ok(ratio('playback_failure_rate') > 1.4, `failures x${ratio('playback_failure_rate')}`);
    assert.ok(ratio('average_bitrate') < 0.85, `bitrate x${ratio('average_bitrate')}`);
    // Listening behaviour is not what a CDN changes.
    assert.ok(Math.abs(ratio('skip_rate') - 1) < 0.05, `skip rate x${ratio('skip_rate')}`);
    assert.ok(Math.abs(ratio('recommendation_stream_share') - 1) < 0.08, `recommendation share x${ratio('recommendation_stream_share')}`);
    assert.equal(ratio('subscription_revenue'), 1, 'billing is untouched');
  });

  it('app_release_bug: failures on that platform and version only', () => {
    const spec = incident({ type: 'app_release_bug', scope: { platform: ['android'], appVersion: ['9.4.0'] }, magnitude: 10, startMs: T0 - HOUR, endMs: T0 + 2 * HOUR });
    const runs = runBoth(spec, 80_000, ['BR', 'IN']);
    const android: LabelFilter[] = [{ label: 'platform', op: '=', value: 'android' }];
    const ios: LabelFilter[] = [{ label: 'platform', op: '=', value: 'ios' }];
    assert.ok(kpiValue(runs.with, 'playback_failure_rate', android) > 3 * kpiValue(runs.without, 'playback_failure_rate', android));
    assert.equal(kpiValue(runs.with, 'playback_failure_rate', ios), kpiValue(runs.without, 'playback_failure_rate', ios));
    // In scope, other KPIs move only by chance (the plays that now fail draw no start-up time).
    assert.ok(Math.abs(kpiValue(runs.with, 'startup_time_p95', android) / kpiValue(runs.without, 'startup_time_p95', android) - 1) < 0.05);
  });

  it('payment_provider_outage: failed payments, less revenue, fewer conversions', () => {
    const spec = incident({ type: 'payment_provider_outage', scope: { market: ['US'] }, magnitude: 0.8, startMs: T0 - HOUR, endMs: T0 + 2 * HOUR });
    const runs = runBoth(spec, 400_000, ['US']);
    assert.ok(kpiValue(runs.with, 'payment_failure_rate') > 0.6);
    assert.ok(kpiValue(runs.without, 'payment_failure_rate') < 0.1);
    assert.ok(kpiValue(runs.with, 'subscription_revenue') < 0.4 * kpiValue(runs.without, 'subscription_revenue'));
    assert.ok(kpiValue(runs.with, 'trial_conversion') < 0.5 * kpiValue(runs.without, 'trial_conversion'));
    assert.equal(kpiValue(runs.with, 'skip_rate'), kpiValue(runs.without, 'skip_rate'), 'listening is untouched');
  });

  it('recommendation_regression: recommended plays skipped more and chosen less', () => {
    const spec = incident({ type: 'recommendation_regression', magnitude: 0.2, startMs: T0 - HOUR, endMs: T0 + 2 * HOUR });
    const runs = runBoth(spec, 40_000, ['GB']);
    assert.ok(kpiValue(runs.with, 'recommendation_skip_rate') - kpiValue(runs.without, 'recommendation_skip_rate') > 0.12);
    assert.ok(kpiValue(runs.with, 'skip_rate') > kpiValue(runs.without, 'skip_rate'));
    assert.ok(kpiValue(runs.with, 'recommendation_stream_share') < 0.8 * kpiValue(runs.without, 'recommendation_stream_share'));
    assert.ok(Math.abs(kpiValue(runs.with, 'startup_time_p95') / kpiValue(runs.without, 'startup_time_p95') - 1) < 0.05);
  });

  it('traffic_surge: more streams, same behaviour per play', () => {
    const spec = incident({ type: 'traffic_surge', scope: { market: ['SE'] }, magnitude: 3, startMs: T0 - HOUR, endMs: T0 + 2 * HOUR });
    const runs = runBoth(spec, 60_000, ['SE']);
    assert.ok(kpiValue(runs.with, 'streams') > 2.3 * kpiValue(runs.without, 'streams'));
    assert.ok(Math.abs(kpiValue(runs.with, 'skip_rate') / kpiValue(runs.without, 'skip_rate') - 1) < 0.08);
  });

  it('change nothing outside their scope, event for event', () => {
    const scoped: Incident[] = [
      incident({ type: 'cdn_degradation', scope: { market: ['BR'] }, magnitude: 4 }),
      incident({ type: 'app_release_bug', scope: { market: ['BR'], platform: ['android'] }, magnitude: 10 }),
      incident({ type: 'payment_provider_outage', scope: { market: ['BR'] }, magnitude: 0.9 }),
      incident({ type: 'recommendation_regression', scope: { market: ['BR'] }, magnitude: 0.3 }),
      incident({ type: 'telemetry_gap', scope: { market: ['BR'] } }),
      incident({ type: 'duplicate_sender', scope: { market: ['BR'] }, magnitude: 0.5, newIds: true }),
      incident({ type: 'traffic_surge', scope: { market: ['BR'] }, magnitude: 3 }),
    ];
    const untilMs = T0 + 100 * MINUTE;
    const baseline = simulate({ untilMs, users: 15_000 }).delivered.filter((e) => e.market !== 'BR');
    for (const spec of scoped) {
      const run = simulate({ untilMs, users: 15_000, incidents: [spec] });
      assert.deepEqual(run.delivered.filter((e) => e.market !== 'BR'), baseline, spec.type);
      assert.notDeepEqual(run.delivered.filter((e) => e.market === 'BR').length, 0, spec.type);
    }
  });
});
