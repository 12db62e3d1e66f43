// The stack smoke test's last part (issue 6): an injected incident fires the matching alert rule
// and no other. Every case is its own simulator run (`npm run simulate -- backfill`) of a scenario
// with exactly one incident, or none, in its own time window of one shared Prometheus; the
// provisioned alert rules run on it through the BUILT backend as Grafana's scheduler runs them:
// at the multiples of their group's interval, with "now" inside the window (time-shifted
// evaluation of backfilled data), Normal -> Pending -> Alerting after `for` (findFirings in
// test/support/provisioning/rule-run.ts, exact with far fewer evaluations than every interval).
// Each case asserts which rule instances fire - the matching rules for the incident's market or
// platform, whose KPIs the simulator's ground truth says the incident moves - and that no other
// instance of any rule fires, during the incident and the 10 minutes after it.
//
// Rules no simulator incident type can fire, asserted quiet in every simulator case instead:
// - encore-data-freshness (the newest sample older than 5 minutes) is about the collector, the
//   scrape or the store stopping; simulator incidents change events, and a telemetry gap leaves
//   the collector exporting flat counters, which are fresh samples. Checked apart: the pipeline
//   stops (data ending minutes before the real clock, which freshness is judged against) and it
//   fires, no other rule does. (Time-shifted cases leave it out: see REAL_CLOCK_ONLY.)
// - encore-data-completeness (samples missing) is about scrapes failing. Checked apart too: the
//   samples of one market are deleted from Prometheus for 20 minutes, and it fires, no other.
// - encore-subscription-revenue-below-band: a payment provider outage is its incident, but at a
//   population a test can simulate, subscription revenue arrives as a few renewals per 5-minute
//   step (0 in many steps), so the band always reaches 0 and no drop can leave it.
// - encore-ad-revenue-anomaly-down: no simulator incident lowers ad revenue (a traffic surge
//   raises it; a telemetry gap drops it to 0, which is a data problem the checks mask: the gap
//   case asserts that it stays quiet).
//
// The detectors learn from 10 hours of 5-minute history here (weeks in a stack): enough for the
// bands' tails, not for a daily season, so a steep daily drift can look anomalous to them (the
// start-up p95 of IN rising towards 02:00 there fired the start-up anomaly rule at 20:20 UTC
// in a calm window); what is watched lies between 17:45 and 20:05 UTC. The windows are on fixed
// dates, so every run sees the same traffic and the outcomes do not depend on the day.
//
// Cost: 6 windows of 2.5 to 3.5 hours at 10,000 users (about 5 events/s) with their history, and
// the stopped pipeline's, backfilled two at a time into one Prometheus; each rule is evaluated
// every for/interval intervals and densely only around true conditions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { deleteSamples } from '../support/prometheus';
import { loadProvisioning } from '../support/provisioning/files';
import { startIncidentStack, type IncidentStack, type SimulatorWindow } from '../support/provisioning/incident-stack';
import { evaluateRuleAt, findFirings, instanceKey, type Firing } from '../support/provisioning/rule-run';
import { durationMs } from '../support/provisioning/schemas';
import type { ScenarioFile } from '../../src/simulator/model/scenario';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const USERS = 10_000;
const SEED = 11;
/**
 * The windows lie on fixed dates (so the traffic, and every outcome, is the same on every run),
 * five weeks apart (same weekday and hour; farther apart than the 4 weeks of history a detector
 * fetches, so no case sees another's data), incidents at 18:00 UTC (afternoon in the Americas,
 * evening in Europe).
 */
const FIRST_INCIDENT = Date.parse('2026-01-05T18:00:00Z');
const SPACING = 35 * DAY;
/** data at full resolution (every minute) before each incident: the quality checks' hours */
const BEFORE = 80 * MINUTE;
/**
 * Calm history before that, every 5 minutes: what the 5-minute anomaly queries learn from. Their
 * bands' tails are measured on about a hundred points of history; with less they are too narrow
 * for the small markets, and noise there would fire rules a stack with weeks of history does not.
 */
const HISTORY = 10 * 60 * MINUTE;
/** how long after the incident the rules are still watched (the baselines catching up) */
const AFTERMATH = 10 * MINUTE;

type Incident = NonNullable<ScenarioFile['incidents']>[number];

interface Expected {
  rule: string;
  labels: Record<string, string>;
}

interface IncidentCase {
  id: string;
  title: string;
  incident?: Omit<Incident, 'id' | 'start'>;
  /** minutes the case's rules are watched when there is no incident */
  calmMinutes?: number;
  fires: Expected[];
}

const CASES: IncidentCase[] = [
  { id: 'calm', title: 'no incident: no rule fires', calmMinutes: 60, fires: [] },
  {
    id: 'cdn-us',
    title: 'a CDN degradation in US fires the rebuffering, start-up anomaly and start-up SLO rules for US',
    incident: { type: 'cdn_degradation', duration: '45m', scope: { market: 'US' }, magnitude: 4 },
    fires: [
      { rule: 'encore-rebuffering-anomaly', labels: { market: 'US' } },
      { rule: 'encore-startup-p95-anomaly', labels: { market: 'US' } },
      { rule: 'encore-startup-p95-slo', labels: { market: 'US' } },
    ],
  },
  {
    id: 'bug-android',
    title: 'an Android release that fails starts fires the playback failure rule for android',
    incident: { type: 'app_release_bug', duration: '45m', scope: { platform: 'android' }, magnitude: 12 },
    fires: [{ rule: 'encore-playback-failure-anomaly', labels: { platform: 'android' } }],
  },
  {
    id: 'recs-us',
    title: 'a recommendation regression in US fires the recommendation skip rule for US',
    incident: { type: 'recommendation_regression', duration: '45m', scope: { market: 'US' }, magnitude: 0.35 },
    fires: [{ rule: 'encore-recommendation-skip-anomaly', labels: { market: 'US' } }],
  },
  {
    id: 'gap-de',
    title: 'a telemetry gap in DE fires the telemetry rule, and no anomaly rule (quality before anomalies)',
    incident: { type: 'telemetry_gap', duration: '60m', scope: { market: 'DE' } },
    fires: [{ rule: 'encore-telemetry-stopped', labels: { check: 'flatline' } }],
  },
  {
    id: 'resend-mx',
    title: 'clients in MX resending a third of their events fire the resending rule, and nothing else (the collector dropped the copies)',
    incident: { type: 'duplicate_sender', duration: '45m', scope: { market: 'MX' }, magnitude: 0.35 },
    fires: [{ rule: 'encore-clients-resending', labels: { check: 'resent' } }],
  },
];

/** Scrape loss, in the calm window after its calm hour: DE's samples missing for 20 minutes. */
const SCRAPE_LOSS = { window: 'calm', market: 'DE', fromMin: 65, toMin: 85, watchToMin: 125 } as const;
const SCRAPE_LOSS_FIRES: Expected[] = [{ rule: 'encore-data-completeness', labels: { check: 'completeness' } }];

/**
 * The pipeline stops: calm traffic (simulated on a fixed date, with its history) replayed to end
 * at least this long before the clock: freshness has failed for its `for` by then, completeness
 * cannot have failed for its own (see the case).
 */
const STOPPED = { id: 'stopped', simulatedEnd: FIRST_INCIDENT + CASES.length * SPACING, minutes: 75, endsBeforeNowMs: 10.5 * MINUTE } as const;

const NOT_MATCHABLE = ['encore-data-freshness', 'encore-data-completeness', 'encore-subscription-revenue-below-band', 'encore-ad-revenue-anomaly-down'];

const incidentAt = (index: number) => FIRST_INCIDENT + index * SPACING;
const durationOf = (c: IncidentCase) => (c.incident ? durationMs(c.incident.duration) : (c.calmMinutes ?? 60) * MINUTE);

const groups = loadProvisioning({}).groups;
const rules = groups.flatMap((g) => g.rules.map((rule) => ({ rule, intervalMs: durationMs(g.interval) })));
const ruleByUid = new Map(rules.map((r) => [r.rule.uid, r]));
/**
 * Freshness is judged against the real clock and not at all for a range that ended more than its
 * limit before now (its level is then 0): evaluated at a time of the past it says nothing, so the
 * time-shifted cases leave it out; the stopped-pipeline case runs it at now.
 */
const REAL_CLOCK_ONLY = new Set(['encore-data-freshness']);
const timeShiftable = rules.filter((r) => !REAL_CLOCK_ONLY.has(r.rule.uid));

let stack: IncidentStack;
let host: PluginHost;
let stoppedEndMs: number;

before(async () => {
  const setupStart = Date.now();
  // Moved by whole 5 minutes, so its 5-minute history stays on the 5-minute queries' grid.
  stoppedEndMs = Math.floor((setupStart - STOPPED.endsBeforeNowMs) / (5 * MINUTE)) * 5 * MINUTE;
  const windows: SimulatorWindow[] = CASES.map((c, index) => {
    const at = incidentAt(index);
    const end = c.id === SCRAPE_LOSS.window ? at + SCRAPE_LOSS.watchToMin * MINUTE : at + durationOf(c) + AFTERMATH + 10 * MINUTE;
    return { id: c.id, fromMs: at - BEFORE, toMs: end, incidents: c.incident ? [{ id: c.id, start: new Date(at).toISOString(), ...c.incident }] : [], historyMs: HISTORY };
  });
  windows.push({ id: STOPPED.id, fromMs: STOPPED.simulatedEnd - STOPPED.minutes * MINUTE, toMs: STOPPED.simulatedEnd, incidents: [], shiftMs: stoppedEndMs - STOPPED.simulatedEnd, historyMs: HISTORY });
  [stack, host] = await Promise.all([startIncidentStack(windows, { users: USERS, seed: SEED }), launchPlugin()]);
  const lossAt = incidentAt(CASES.findIndex((c) => c.id === SCRAPE_LOSS.window));
  await deleteSamples(stack.prometheus, `{market="${SCRAPE_LOSS.market}"}`, lossAt + SCRAPE_LOSS.fromMin * MINUTE, lossAt + SCRAPE_LOSS.toMin * MINUTE);
  process.stderr.write(`# alert-incidents: stack ready in ${((Date.now() - setupStart) / 1000).toFixed(0)} s (backfills: ${[...stack.seconds].map(([id, s]) => `${id} ${s.toFixed(0)} s`).join(', ')})\n`);
});

after(async () => {
  await host?.stop();
  await stack?.stop();
});

const describeFiring = (uid: string, f: Firing, at: number) => `${uid} ${JSON.stringify(f.labels)} pending from +${(f.activeAtMs - at) / MINUTE}m, firing at +${(f.firedAtMs - at) / MINUTE}m`;

/**
 * Every rule over [fromMs, toMs]: the instances that fire, by "uid labels". For the rules in
 * `watch` that do not fire for those labels, the diagnostics show the condition's input (B) at
 * the evaluations made, to see how near they came.
 */
async function firingsBetween(fromMs: number, toMs: number, at: number, note: (line: string) => void, watch: readonly Expected[] = []): Promise<Map<string, Firing & { uid: string }>> {
  const out = new Map<string, Firing & { uid: string }>();
  let evaluations = 0;
  const costs: string[] = [];
  const started = performance.now();
  // Two rules at a time: one waits on Prometheus while the backend works on the other.
  const queue = [...timeShiftable];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { rule, intervalMs } = next;
      const ruleStarted = performance.now();
      const search = await findFirings(rule, intervalMs, (t) => evaluateRuleAt(host, rule, stack.env, t, { conditionOnly: true }), { fromMs, toMs, earliestMs: Math.max(fromMs - durationMs(rule.for ?? '0s'), at - BEFORE) });
      evaluations += search.evaluations.size;
      costs.push(`${rule.uid.replace(/^encore-/, '')} ${search.evaluations.size}/${((performance.now() - ruleStarted) / 1000).toFixed(1)}s`);
      for (const f of search.fired) {
        out.set(`${rule.uid} ${instanceKey(f.labels)}`, { ...f, uid: rule.uid });
        note(describeFiring(rule.uid, f, at));
      }
      for (const w of watch.filter((e) => e.rule === rule.uid && !search.fired.some((f) => instanceKey(f.labels) === instanceKey(e.labels)))) {
        const inputs = [...search.evaluations.entries()].sort(([a], [b]) => a - b).map(([t, e]) => {
          const b = (e.values.get('B') ?? []).find((v) => instanceKey(v.labels) === instanceKey(w.labels));
          return `+${(t - at) / MINUTE}m ${b?.value?.toFixed(3) ?? '-'}`;
        });
        note(`${rule.uid} ${JSON.stringify(w.labels)} did not fire; B: ${inputs.join(', ')}`);
      }
    }
  };
  await Promise.all([worker(), worker()]);
  note(`${evaluations} rule evaluations in ${((performance.now() - started) / 1000).toFixed(1)} s (${costs.join(', ')})`);
  return out;
}

function assertFires(found: Map<string, Firing & { uid: string }>, expected: readonly Expected[], what: string): void {
  const want = expected.map((e) => `${e.rule} ${instanceKey(e.labels)}`).sort();
  assert.deepEqual([...found.keys()].sort(), want, `${what}: the rule instances that fire`);
}

describe('provisioned alert rules on injected incidents', () => {
  it('every rule is either fired by a simulator case below or listed as matched by none', () => {
    const covered = new Set(CASES.flatMap((c) => c.fires.map((e) => e.rule)));
    for (const { rule } of rules) {
      assert.ok(covered.has(rule.uid) !== NOT_MATCHABLE.includes(rule.uid), `${rule.uid}: fired by exactly one of: a case, NOT_MATCHABLE (with the reason in this file's header)`);
    }
    for (const uid of [...covered, ...NOT_MATCHABLE]) assert.ok(ruleByUid.has(uid), `${uid}: no such provisioned rule`);
  });

  it('the pipeline stops (data ends minutes before now): the freshness rule fires, no other', async (t) => {
    // Freshness is judged against the real clock, so this case runs at "now", once: the newest
    // sample is stoppedEndMs and gets older with every evaluation, so the check has failed at
    // every evaluation since it was 5 minutes old.
    const freshness = ruleByUid.get('encore-data-freshness')!.rule;
    const limitMs = durationMs(String((freshness.data[0]!.model as { freshness: string }).freshness));
    const forMs = durationMs(freshness.for ?? '0s');
    const wait = stoppedEndMs + limitMs + forMs + 30_000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const now = Date.now();
    const age = now - stoppedEndMs;
    t.diagnostic(`newest sample ${(age / MINUTE).toFixed(1)} min old`);
    for (const { rule } of rules) {
      const { condition } = await evaluateRuleAt(host, rule, stack.env, now);
      const on = condition.filter((s) => s.value === 1).map((s) => JSON.stringify(s.labels));
      if (rule.uid === freshness.uid) {
        assert.deepEqual(on, ['{"check":"freshness"}'], `${rule.uid}: failing`);
        assert.ok(age >= limitMs + forMs, `${rule.uid}: failing for its for-duration`);
      } else if (rule.uid === 'encore-data-completeness') {
        // Missing steps count once they are later than the freshness limit: completeness fails
        // at the earliest 10 minutes after the data stopped, so it cannot fire before 10m + for.
        if (on.length > 0) assert.ok(age < 10 * MINUTE + durationMs(rule.for ?? '0s'), `${rule.uid}: could already be firing (${(age / MINUTE).toFixed(1)} min)`);
      } else assert.deepEqual(on, [], `${rule.uid}: condition false on a stopped pipeline`);
    }
  });

  CASES.forEach((c, index) => {
    it(`${c.id}: ${c.title}`, async (t) => {
      const at = incidentAt(index);
      const truth = stack.truth.get(c.id)!;
      assert.equal(truth.incidents.length, c.incident ? 1 : 0, `${c.id}: exactly one injected incident in the run`);
      // The expected rules' KPIs are what the simulator's ground truth says the incident moves.
      for (const e of c.fires) {
        const kpi = ruleByUid.get(e.rule)!.rule.labels?.kpi;
        const moved = truth.incidents[0]!;
        assert.ok(moved.kpis.some((k) => k.kpi === kpi) || (moved.dataQuality !== undefined && ruleByUid.get(e.rule)!.rule.labels?.kind === 'data-quality'), `${e.rule} (${kpi}) is not among what ${c.id} moves: ${JSON.stringify(moved.kpis)}`);
      }
      const found = await firingsBetween(at, at + durationOf(c) + (c.incident ? AFTERMATH : 0), at, (line) => t.diagnostic(line), c.fires);
      assertFires(found, c.fires, c.id);
      for (const f of found.values()) assert.ok(f.firedAtMs <= at + durationOf(c), `${f.uid}: fired during the incident`);
    });
  });

  it(`scrape loss: ${SCRAPE_LOSS.market}'s samples missing for 20 minutes fire the completeness rule, no other`, async (t) => {
    const at = incidentAt(CASES.findIndex((c) => c.id === SCRAPE_LOSS.window));
    const found = await firingsBetween(at + SCRAPE_LOSS.fromMin * MINUTE, at + SCRAPE_LOSS.watchToMin * MINUTE, at, (line) => t.diagnostic(line), SCRAPE_LOSS_FIRES);
    assertFires(found, SCRAPE_LOSS_FIRES, 'scrape loss');
  });
});
