// Live end to end: the simulator's live mode posting to the real collector over HTTP, a real
// Prometheus scraping the collector every second, and the built backend answering KPI queries as
// Grafana asks them. The model's prediction of the same run (same seed, population, start and
// scenario, simulated in process) is what every answer must match, within the tolerance that
// sending and scraping add. A CDN incident that starts 40 s into the run must show in Brazil's
// start-up KPIs and nowhere else.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KPIS, findKpi, type KpiDefinition } from '../../src/common/kpis/catalogue';
import type { LabelFilter } from '../../src/common/kpis/filters';
import { usersForRate } from '../../src/simulator/generate/scale';
import { IncidentSet } from '../../src/simulator/model/incidents';
import { parseScenario, resolveIncidents } from '../../src/simulator/model/scenario';
import { evaluateKpi } from '../../src/common/kpis/evaluate';
import { predictKpi, simulateCounters, window, windowRates, type Counters } from '../../src/simulator/predict';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { dataQuery, queryDataRequest, type DataSourceInput } from '../harness/plugin-context';
import { startCollector, type CollectorProcess } from '../support/collector';
import { decode } from '../support/kpi-answers';
import { startPrometheus, type PrometheusFixture } from '../support/prometheus';
import { startSimulator, type SimulatorRun } from '../support/simulator';

const SEED = 9;
const RATE = 1500;
const WARMUP_MS = 15 * 60_000;
const DURATION_MS = 80_000;
const SECOND = 1000;

/**
 * Sending lags the simulated clock by up to a tick (250 ms) and a scrape by up to a second, so
 * events near a window edge can fall on either side of it: ratios within 5 % or 3 events of their
 * denominator (rare errors over seconds), rates within 10 %.
 */
const TOLERANCE = { ratio: 0.05, rate: 0.1, events: 3 };
/** Billing events are a few per second here: their KPIs are compared in the backfill test, over hours. */
const SPARSE = new Set(['subscription_revenue', 'trial_conversion', 'churn_rate', 'payment_failure_rate', 'arpu']);
/** KPIs in events per time (the others are ratios, quantiles or gauges): sensitive to the window edges. */
const PER_TIME = new Set(['streams', 'ad_revenue']);

const SCENARIO = {
  name: 'live-test',
  incidents: [{ id: 'cdn-br-live', type: 'cdn_degradation', start: '+40s', duration: '40s', scope: { market: 'BR' }, magnitude: 5 }],
};

let dir: string;
let collector: CollectorProcess;
let prom: PrometheusFixture;
let host: PluginHost;
let simulator: SimulatorRun;
let liveFrom: number;
/** when the warm-up had been delivered: the windows begin after it */
let caughtUp: number;
let users: number;
/** counters of the run at the window edges, and of the run without its incident (Brazil and Sweden) */
let run: Map<number, Counters>;
let withoutIncident: Map<number, Counters>;

/** whole seconds: the steady window from 3 s after the warm-up was delivered, the incident's from 2 s into it, both to 2 s before the end */
const second = (ms: number) => Math.ceil(ms / SECOND) * SECOND;
const edges = () => ({
  steadyFrom: second(caughtUp) + 3 * SECOND,
  incidentFrom: second(liveFrom) + 42 * SECOND,
  incidentTo: second(liveFrom) + 78 * SECOND,
  end: second(liveFrom) + 78 * SECOND,
});

const source = (): DataSourceInput => ({ uid: 'encore-live', url: prom.url, jsonData: { sourceKind: 'prometheus', scrapeInterval: '1s' } });

async function ask(kpis: readonly KpiDefinition[], filters: LabelFilter[], fromMs: number, toMs: number): Promise<Map<string, number | undefined>> {
  // step + the 1 s scrape interval = the rate() window: exactly fromMs..toMs
  const step = `${(toMs - fromMs) / SECOND - 1}s`;
  const queries = kpis.map((kpi) =>
    dataQuery({ refId: kpi.id, json: { queryType: 'kpi', kpi: kpi.id, filters, instant: true, step }, timeRange: { from: fromMs, to: toMs }, intervalMS: 1000, maxDataPoints: 100 }),
  );
  const responses = (await host.queryData(queryDataRequest({ context: { datasource: source() }, queries }))).responses;
  return new Map(queries.map((q) => [q.refId, decode(responses[q.refId], q.refId).series[0]?.values[0]]));
}

function predicted(counters: Map<number, Counters>, kpi: KpiDefinition, filters: LabelFilter[], fromMs: number, toMs: number): number | undefined {
  return predictKpi(kpi, window(counters.get(fromMs)!, fromMs, counters.get(toMs)!, toMs), { filters })[0]?.value;
}

const gap = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));

/**
 * What one event more or less in the window changes a ratio KPI by: the KPI's scale over its
 * denominator's count (a failure among 400 attempts moves the failure rate by 1/400).
 * Infinity for KPIs that are not ratios of counted events.
 */
function perEvent(kpi: KpiDefinition, counters: Map<number, Counters>, filters: LabelFilter[], fromMs: number, toMs: number): number {
  let formula = kpi.formula;
  let factor = 1;
  while (formula.kind === 'scale') {
    factor *= formula.factor;
    formula = formula.arg;
  }
  if (formula.kind !== 'ratio' || formula.denominator.kind === 'gauge') return 0;
  const rates = windowRates(window(counters.get(fromMs)!, fromMs, counters.get(toMs)!, toMs));
  const [group] = evaluateKpi(formula.denominator, rates, { filters });
  const events = (group?.value ?? 0) * ((toMs - fromMs) / SECOND);
  return events > 0 ? factor / events : 0;
}

/** Whether the backend's value is within the tolerance of the model's. */
function agrees(kpi: KpiDefinition, got: number, want: number, filters: LabelFilter[], fromMs: number, toMs: number): boolean {
  if (PER_TIME.has(kpi.id)) return gap(got, want) <= TOLERANCE.rate;
  return gap(got, want) <= TOLERANCE.ratio || Math.abs(got - want) <= TOLERANCE.events * perEvent(kpi, run, filters, fromMs, toMs);
}

/**
 * How far a window edge can move between the model and what Prometheus saw: a tick of sending
 * (250 ms), a scrape (1 s) and a margin.
 */
const EDGE_JITTER_MS = 1500;
const jittered = (ms: number) => [ms - EDGE_JITTER_MS, ms, ms + EDGE_JITTER_MS];

/**
 * The model's values for the window with each edge moved by up to EDGE_JITTER_MS. In a quiet
 * market (Sweden at night) one long session or one ad ending on the other side of an edge moves a
 * mean or a rate by more than the tolerances above; the model says by how much.
 */
function predictedAround(counters: Map<number, Counters>, kpi: KpiDefinition, filters: LabelFilter[], fromMs: number, toMs: number): number[] {
  const values: number[] = [];
  for (const from of jittered(fromMs)) for (const to of jittered(toMs)) {
    const value = predicted(counters, kpi, filters, from, to);
    if (value !== undefined) values.push(value);
  }
  return values;
}

/** Within the tolerance of the model's value for the window, or between its values for the jittered windows. */
function agreesAround(counters: Map<number, Counters>, kpi: KpiDefinition, got: number, filters: LabelFilter[], fromMs: number, toMs: number): boolean {
  const values = predictedAround(counters, kpi, filters, fromMs, toMs);
  if (values.length === 0) return false;
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return (got >= low && got <= high) || values.some((want) => agrees(kpi, got, want, filters, fromMs, toMs));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'encore-live-test-'));
  const scenarioFile = join(dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(SCENARIO));
  [collector, host] = await Promise.all([startCollector(['--drain-seconds', '0']), launchPlugin()]);
  prom = await startPrometheus({ data: false, scrapeTargets: [`127.0.0.1:${collector.port}`] });
  users = usersForRate(RATE, Date.now());
  simulator = startSimulator([
    'live',
    '--collector', collector.url,
    '--token', collector.token,
    '--users', String(users),
    '--seed', String(SEED),
    '--warmup', `${WARMUP_MS / SECOND}s`,
    '--duration', `${DURATION_MS / SECOND}s`,
    '--scenario', scenarioFile,
    '--labels', join(dir, 'labels.json'),
    '--progress', '10s',
  ]);
  const simulationStart = await simulator.simulationStart();
  liveFrom = simulationStart + WARMUP_MS;
  caughtUp = await simulator.caughtUp();
  // The windows must begin after the warm-up was delivered (events sent late are scraped late);
  // on a loaded machine that can take a while, and what matters is only that the incident's
  // window, the later one, starts after the steady one.
  assert.ok(edges().steadyFrom < edges().incidentFrom, `the warm-up took until ${caughtUp - liveFrom} ms after the start, past the incident window:\n${simulator.stderr()}`);
  const code = await simulator.exited;
  assert.equal(code, 0, simulator.stderr());
  // Two more scrapes after the last batch.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, edges().end + 2500 - Date.now())));

  const scenario = parseScenario(JSON.stringify(SCENARIO), 'scenario');
  const times = [...new Set([edges().steadyFrom, edges().incidentFrom, edges().end].flatMap(jittered))].sort((a, b) => a - b);
  const incidents = new IncidentSet(resolveIncidents(scenario, liveFrom));
  const counters = simulateCounters({ seed: SEED, users, simulateFromMs: simulationStart, incidents }, times);
  run = new Map(times.map((t, i) => [t, counters[i]!]));
  const baseline = simulateCounters({ seed: SEED, users, simulateFromMs: simulationStart, incidents: new IncidentSet([]), markets: ['BR', 'SE'] }, times);
  withoutIncident = new Map(times.map((t, i) => [t, baseline[i]!]));
});

after(async () => {
  simulator?.child.kill('SIGKILL');
  await host?.stop();
  await prom?.stop();
  await collector?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('live traffic through the collector, Prometheus and the backend', () => {
  it('was all accepted by the collector', () => {
    const done = /done: sent ([\d,]+), accepted ([\d,]+), rejected ([\d,]+), duplicate ([\d,]+), failed batches (\d+)/.exec(simulator.stderr());
    assert.ok(done, simulator.stderr());
    const [sent, accepted, rejected, , failed] = done.slice(1).map((n) => Number(n.replace(/,/g, '')));
    // Sessions start from none at the beginning of the warm-up, so the rate ramps up to RATE.
    assert.ok(sent! > 20_000, `only ${sent} events sent`);
    assert.equal(accepted, sent);
    assert.equal(rejected, 0);
    assert.equal(failed, 0);
  });

  for (const [label, filters] of [
    ['all markets', []],
    ['Sweden', [{ label: 'market', op: '=', value: 'SE' }]],
    ['Brazil', [{ label: 'market', op: '=', value: 'BR' }]],
  ] as Array<[string, LabelFilter[]]>) {
    it(`answer what the model predicts for the run: ${label}`, async (t) => {
      const { steadyFrom, end } = edges();
      const kpis = KPIS.filter((kpi) => !SPARSE.has(kpi.id));
      const answers = await ask(kpis, filters, steadyFrom, end);
      const misses: string[] = [];
      let worst = 0;
      let worstKpi = '';
      for (const kpi of kpis) {
        const got = answers.get(kpi.id);
        const want = predicted(run, kpi, filters, steadyFrom, end);
        if (got === undefined || want === undefined || !agreesAround(run, kpi, got, filters, steadyFrom, end)) {
          const around = predictedAround(run, kpi, filters, steadyFrom, end);
          misses.push(`${kpi.id}: backend ${got}, model ${want} (${Math.min(...around)}..${Math.max(...around)} with the edges moved by ${EDGE_JITTER_MS} ms)`);
        }
        else if (gap(got, want) > worst) [worst, worstKpi] = [gap(got, want), kpi.id];
      }
      assert.deepEqual(misses, []);
      t.diagnostic(`${label}: ${kpis.length} KPIs, largest gap to the model ${(100 * worst).toFixed(2)} % (${worstKpi})`);
    });
  }

  it('show the CDN incident in Brazil start-ups, failures and exits, and not in Sweden', async () => {
    const { incidentFrom, incidentTo } = edges();
    const br: LabelFilter[] = [{ label: 'market', op: '=', value: 'BR' }];
    const se: LabelFilter[] = [{ label: 'market', op: '=', value: 'SE' }];
    // The KPIs that respond within seconds: start-up is measured when audio starts, exits and
    // failures happen before it. (Stalls and bitrate are counted as plays go on and end.)
    const fast = ['startup_time_p50', 'startup_time_p95', 'exits_before_start'].map((id) => findKpi(id)!);
    const measuredBr = await ask(fast, br, incidentFrom, incidentTo);
    for (const kpi of fast) {
      const without = predicted(withoutIncident, kpi, br, incidentFrom, incidentTo)!;
      const factor = measuredBr.get(kpi.id)! / without;
      assert.ok(factor > 1.5, `${kpi.id} in BR: x${factor.toFixed(2)} (${measuredBr.get(kpi.id)} against ${without} without the incident)`);
    }
    // Sweden over the same seconds: what the model says, which is the same with or without an
    // incident in Brazil (the "Sweden" test above covers every KPI over the whole run).
    const measuredSe = await ask(fast, se, incidentFrom, incidentTo);
    for (const kpi of fast) {
      const got = measuredSe.get(kpi.id)!;
      const want = predicted(withoutIncident, kpi, se, incidentFrom, incidentTo)!;
      const around = predictedAround(withoutIncident, kpi, se, incidentFrom, incidentTo);
      assert.ok(
        agreesAround(withoutIncident, kpi, got, se, incidentFrom, incidentTo),
        `SE ${kpi.id}: ${got}; the model without the incident says ${want} (${Math.min(...around)}..${Math.max(...around)} with the edges moved by ${EDGE_JITTER_MS} ms)`,
      );
    }
  });
});
