import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seedHash } from '../../../src/common/synthetic/hash';
import {
  DEMO_DEFAULT_SEED,
  DEMO_INCIDENT_TYPES,
  MAX_INCIDENT_MS,
  demoIncidents,
  incidentIntensity,
  type DemoIncident,
  type DemoIncidentType,
} from '../../../src/backend/sources/demo/incidents';
import { MARKET_CODES, METRIC_NAMES, PLATFORMS, demoCatalogue } from '../../../src/backend/sources/demo/model';
import { renderSeries } from '../../../src/backend/sources/demo/series';
import { createDemoSource } from '../../../src/backend/sources/demo/source';
import { SAMPLE_MS } from '../../../src/common/synthetic/seasonality';
import { DAY, HOUR, MINUTE, MONDAY, NOW, fixedNow } from './helpers';

const WINDOW_START = MONDAY - 60 * DAY;
const WINDOW_END = MONDAY + 30 * DAY;
const incidents = demoIncidents(WINDOW_START, WINDOW_END);

function firstOfType(type: DemoIncidentType): DemoIncident {
  const found = incidents.find((i) => i.type === type);
  assert.ok(found, `a ${type} incident in 90 days`);
  return found;
}

describe('demo incidents', () => {
  it('schedules every type, a few a day, with complete descriptions', () => {
    const days = (WINDOW_END - WINDOW_START) / DAY;
    assert.ok(incidents.length > days * 0.8 && incidents.length < days * 2.5, `${incidents.length} incidents in ${days} days`);
    for (const type of DEMO_INCIDENT_TYPES) firstOfType(type);
    const ids = new Set<string>();
    for (const incident of incidents) {
      ids.add(incident.id);
      assert.ok(incident.end > incident.start && incident.end - incident.start <= MAX_INCIDENT_MS, incident.id);
      assert.equal(incident.start % MINUTE, 0, 'starts on a whole minute');
      assert.ok(incident.magnitude >= 0 && incident.magnitude <= 1);
      assert.ok(incident.affectedMetrics.length > 0);
      for (const metric of incident.affectedMetrics) assert.ok(METRIC_NAMES.includes(metric), metric);
      assert.deepEqual(incident.affectedMetrics, incident.effects.map((e) => e.metric));
      const [[label, value]] = Object.entries(incident.scope) as [[string, string]];
      assert.ok(label === 'market' ? MARKET_CODES.includes(value) : (PLATFORMS as readonly string[]).includes(value));
      assert.ok(incident.title.includes(value), `title names the scope: ${incident.title}`);
    }
    assert.equal(ids.size, incidents.length, 'ids are unique');
  });

  it('names the scope and effects that match each type', () => {
    assert.deepEqual(Object.keys(firstOfType('cdn_degradation').scope), ['market']);
    assert.deepEqual(firstOfType('cdn_degradation').affectedMetrics, [
      'encore_demo_startup_time_p95_seconds',
      'encore_demo_rebuffer_ratio',
    ]);
    assert.deepEqual(Object.keys(firstOfType('app_release_bug').scope), ['platform']);
    assert.deepEqual(firstOfType('app_release_bug').affectedMetrics, ['encore_demo_playback_failure_ratio']);
    assert.deepEqual(firstOfType('payment_outage').affectedMetrics, ['encore_demo_subscription_revenue_usd_per_hour']);
    assert.deepEqual(firstOfType('recommendation_regression').affectedMetrics, [
      'encore_demo_skip_rate',
      'encore_demo_completion_rate',
      'encore_demo_recommendation_share',
    ]);
    assert.deepEqual([...firstOfType('telemetry_gap').affectedMetrics].sort(), [...METRIC_NAMES].sort());
    assert.match(firstOfType('payment_outage').title, /^Payment provider outage in [A-Z]{2}: subscription revenue −\d+%$/);
  });

  it('is a pure function of seed and window', () => {
    assert.deepEqual(demoIncidents(WINDOW_START, WINDOW_END), incidents);
    assert.deepEqual(demoIncidents(WINDOW_START, WINDOW_END, DEMO_DEFAULT_SEED), incidents);
    const other = demoIncidents(WINDOW_START, WINDOW_END, DEMO_DEFAULT_SEED + 1);
    assert.notDeepEqual(other.map((i) => i.id), incidents.map((i) => i.id));
    // A sub-window returns exactly the incidents that overlap it.
    const from = MONDAY - 10 * DAY + 7 * HOUR;
    const to = MONDAY - 8 * DAY;
    assert.deepEqual(
      demoIncidents(from, to),
      incidents.filter((i) => i.start <= to && i.end > from),
    );
    assert.deepEqual(demoIncidents(to, from), []);
    assert.throws(() => demoIncidents(Number.NaN, to), /finite epoch milliseconds/);
    assert.throws(() => demoIncidents(-8e15, 8e15), /too long/);
  });

  it('is what the source reports for the same seed', () => {
    const source = createDemoSource({ seed: 99, now: fixedNow });
    assert.deepEqual(source.incidents(WINDOW_START, WINDOW_END), demoIncidents(WINDOW_START, WINDOW_END, 99));
  });

  it('affects every sample inside its window and none outside', () => {
    const incident = firstOfType('cdn_degradation');
    assert.equal(incidentIntensity(incident, incident.start - SAMPLE_MS), 0);
    assert.equal(incidentIntensity(incident, incident.end), 0);
    for (let t = incident.start; t < incident.end; t += SAMPLE_MS) {
      const w = incidentIntensity(incident, t);
      assert.ok(w > 0 && w <= 1, `intensity ${w} at ${t - incident.start} ms`);
    }
    const middle = Math.floor((incident.start + incident.end) / 2 / SAMPLE_MS) * SAMPLE_MS;
    assert.equal(incidentIntensity(incident, middle), 1, 'full strength between the ramps');
  });

  for (const type of DEMO_INCIDENT_TYPES) {
    it(`${type}: moves exactly the metrics and scope it names, in the direction it names, and nothing else`, () => {
      const incident = firstOfType(type);
      const seed = seedHash(DEMO_DEFAULT_SEED);
      const times: number[] = [];
      for (let t = incident.start - HOUR; t <= incident.end + HOUR; t += SAMPLE_MS) times.push(t);
      let affectedSeries = 0;
      for (const series of demoCatalogue()) {
        const base = renderSeries(series, times, { seed, incidents: [], nowMs: NOW });
        const hit = renderSeries(series, times, { seed, incidents: [incident], nowMs: NOW });
        const inScope = Object.entries(incident.scope).every(([k, v]) => series.labels[k] === v);
        const effect = inScope ? incident.effects.find((e) => e.metric === series.metric.name) : undefined;
        if (effect) affectedSeries++;
        assert.equal(base.present, null, 'without incidents every sample exists');
        for (let i = 0; i < times.length; i++) {
          const t = times[i]!;
          const inside = t >= incident.start && t < incident.end;
          const where = `${series.key} at ${t - incident.start} ms from start`;
          if (!effect || !inside) {
            assert.equal(hit.present?.[i] ?? 1, 1, where);
            assert.equal(hit.values[i], base.values[i], where);
            continue;
          }
          if (effect.kind === 'absent') {
            assert.equal(hit.present?.[i], 0, `${where}: sample removed`);
            continue;
          }
          const up = effect.kind === 'add' ? effect.peak > 0 : effect.peak > 1;
          assert.ok(up ? hit.values[i]! > base.values[i]! : hit.values[i]! < base.values[i]!, `${where}: ${base.values[i]} -> ${hit.values[i]}`);
        }
      }
      const expected = demoCatalogue().filter(
        (s) =>
          Object.entries(incident.scope).every(([k, v]) => s.labels[k] === v) &&
          incident.affectedMetrics.includes(s.metric.name),
      ).length;
      assert.ok(expected > 0);
      assert.equal(affectedSeries, expected);
    });
  }

  it('shows in the source: a CDN degradation raises startup time in its market at full strength', async () => {
    const incident = firstOfType('cdn_degradation');
    const market = incident.scope.market!;
    const source = createDemoSource({ now: fixedNow });
    const t = Math.floor((incident.start + incident.end) / 2 / MINUTE) * MINUTE;
    const [during] = await source.queryInstant({ expr: `avg(encore_demo_startup_time_p95_seconds{market="${market}"})`, time: t });
    const [dayBefore] = await source.queryInstant({
      expr: `avg(encore_demo_startup_time_p95_seconds{market="${market}"})`,
      time: t - DAY,
    });
    const peak = incident.effects[0]!.peak;
    const ratio = during!.values[0]! / dayBefore!.values[0]!;
    assert.ok(ratio > peak * 0.8 && ratio < peak * 1.25, `startup ×${ratio.toFixed(2)} during, modelled ×${peak}`);
  });

  it('telemetry gaps remove the samples of their market for the window, and only there', async () => {
    const gap = firstOfType('telemetry_gap');
    const market = gap.scope.market!;
    const source = createDemoSource({ now: fixedNow });
    const start = gap.start - 30 * MINUTE;
    const end = gap.end + 30 * MINUTE;
    const series = await source.queryRange({ expr: `{market="${market}"}`, start, end, stepMs: MINUTE });
    assert.equal(series.length, 42, 'every series of the market is still returned: it has samples around the gap');
    for (const s of series) {
      assert.ok(s.timestamps.every((t) => t < gap.start || t >= gap.end), `${s.labels.__name__}: no samples inside the gap`);
      assert.equal(s.timestamps.length, Math.round((end - start) / MINUTE) + 1 - (gap.end - gap.start) / MINUTE);
    }
    const counts = await source.queryRange({ expr: 'count by (market) (encore_demo_active_listeners)', start, end, stepMs: MINUTE });
    const gapped = counts.find((s) => s.labels.market === market)!;
    const other = counts.find((s) => s.labels.market !== market)!;
    assert.equal(other.timestamps.length, Math.round((end - start) / MINUTE) + 1);
    assert.ok(gapped.values.every((v) => v === 5));
    assert.ok(!gapped.timestamps.some((t) => t >= gap.start && t < gap.end));
    const instant = await source.queryInstant({ expr: `encore_demo_active_listeners{market="${market}"}`, time: gap.start + MINUTE });
    assert.deepEqual(instant, []);
  });
});
