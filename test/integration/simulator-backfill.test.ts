// Simulator backfill -> promtool -> a real Prometheus -> the built backend, called as Grafana does:
// every KPI of the catalogue, per market, over three hours with two incidents, must answer what
// the simulator's model predicts for that run. The prediction runs the same model in process
// (same seed, population and scenario) and evaluates the KPI formula on its counters, so
// everything between the model and the panel is under test: OpenMetrics writing, promtool, the
// TSDB, PromQL rendered from the catalogue, the backend's step and window choice, frames.
// Then the incidents: each moves the KPIs its ground truth names, in its market only.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KPIS, findKpi, type KpiDefinition } from '../../src/common/kpis/catalogue';
import { IncidentSet } from '../../src/simulator/model/incidents';
import { parseScenario, resolveIncidents, type GroundTruth } from '../../src/simulator/model/scenario';
import { predictKpi, simulateCounters, window, type Counters } from '../../src/simulator/predict';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { dataQuery, queryDataRequest, type DataSourceInput } from '../harness/plugin-context';
import { decode } from '../support/kpi-answers';
import { startPrometheus, type PrometheusFixture } from '../support/prometheus';
import { runSimulator } from '../support/simulator';

const HOUR = 3_600_000;
const SEED = 5;
const USERS = 150_000;
/** Pipeline tolerance: the same events on both sides; 2 % covers Prometheus versions whose rate()
 * windows exclude their first sample (3.x) and so read one scrape less. */
const SAME_RUN = 0.02;

/**
 * The run ends at the latest 21:00 UTC at least an hour ago: evening in both markets (18:00 in
 * Brazil, 22:00 in Sweden), so each hour has traffic enough for rare events, whenever the test runs.
 */
const DAY = 24 * HOUR;
const END = Math.floor((Date.now() - HOUR - 21 * HOUR) / DAY) * DAY + 21 * HOUR;
const START = END - 3 * HOUR;
const WARMUP = HOUR;
const MARKETS = ['BR', 'SE'];
/** [window end, what happens in the hour before it] */
const WINDOWS = [
  [START + HOUR, 'calm'],
  [START + 2 * HOUR, 'cdn_degradation in BR'],
  [START + 3 * HOUR, 'payment_provider_outage in BR'],
] as const;

const SCENARIO = {
  name: 'backfill-test',
  description: 'a CDN problem, then a payment outage, both in Brazil',
  incidents: [
    { id: 'cdn-br', type: 'cdn_degradation', start: '+1h', duration: '1h', scope: { market: 'BR' }, magnitude: 4 },
    { id: 'payments-br', type: 'payment_provider_outage', start: '+2h', duration: '1h', scope: { market: 'BR' }, magnitude: 0.9 },
  ],
};

let dir: string;
let prom: PrometheusFixture;
let host: PluginHost;
let truth: GroundTruth;
/**
 * Per window end: counters of the run (both incidents) and of the run without each incident (the
 * other one kept, since sessions of one incident's hour still play into the next).
 */
const predicted = new Map<number, Record<string, { from: Counters; to: Counters }>>();
/** `${kpi} ${market} ${windowEnd}` -> the backend's value */
const answers = new Map<string, number | undefined>();

const source = (): DataSourceInput => ({ uid: 'encore-backfill', url: prom.url, jsonData: { sourceKind: 'prometheus', scrapeInterval: '1m' } });

function prediction(kpi: KpiDefinition, market: string, end: number, which: string): number | undefined {
  const counters = predicted.get(end)?.[which];
  assert.ok(counters, `no prediction "${which}" for ${new Date(end).toISOString()}`);
  const [group] = predictKpi(kpi, window(counters.from, end - HOUR, counters.to, end), { filters: [{ label: 'market', op: '=', value: market }] });
  return group?.value;
}

/** measured / baseline, 1 when both are the same (0 and 0 included) */
function change(measured: number, baseline: number): number {
  return measured === baseline ? 1 : measured / baseline;
}

function relativeGap(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'encore-backfill-test-'));
  const scenarioFile = join(dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(SCENARIO));
  const out = join(dir, 'om');
  await runSimulator([
    'backfill',
    '--from', new Date(START).toISOString(),
    '--to', new Date(END).toISOString(),
    '--interval', '60s',
    '--warmup', '1h',
    '--users', String(USERS),
    '--seed', String(SEED),
    '--scenario', scenarioFile,
    '--out', out,
    '--labels', join(out, 'labels.json'),
  ]);
  truth = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')) as GroundTruth;
  const files = readdirSync(out).filter((name) => name.endsWith('.om')).map((name) => join(out, name));
  [prom, host] = await Promise.all([startPrometheus({ data: false, openMetricsFiles: files }), launchPlugin()]);

  // The model's prediction of this very run, and of the same run without incidents.
  const scenario = parseScenario(JSON.stringify(SCENARIO), 'scenario');
  const times = [START, ...WINDOWS.map(([end]) => end)];
  const base = { seed: SEED, users: USERS, simulateFromMs: START - WARMUP, markets: MARKETS };
  const incidents = resolveIncidents(scenario, START, END);
  const runs: Record<string, Counters[]> = { run: simulateCounters({ ...base, incidents: new IncidentSet(incidents) }, times) };
  for (const left of incidents) {
    runs[`without ${left.id}`] = simulateCounters({ ...base, incidents: new IncidentSet(incidents.filter((i) => i !== left)) }, times);
  }
  WINDOWS.forEach(([end], i) => {
    predicted.set(end, Object.fromEntries(Object.entries(runs).map(([name, counters]) => [name, { from: counters[i]!, to: counters[i + 1]! }])));
  });

  // Every KPI for both markets at the end of each window, over that hour: one request per window.
  for (const [end] of WINDOWS) {
    const queries = KPIS.flatMap((kpi) =>
      MARKETS.map((market) =>
        dataQuery({
          refId: `${kpi.id} ${market}`,
          // step 59m + scrape 1m: the rate() window is exactly the hour
          json: { queryType: 'kpi', kpi: kpi.id, filters: [{ label: 'market', op: '=', value: market }], instant: true, step: '59m' },
          timeRange: { from: end - HOUR, to: end },
          intervalMS: 60_000,
          maxDataPoints: 100,
        }),
      ),
    );
    const responses = (await host.queryData(queryDataRequest({ context: { datasource: source() }, queries }))).responses;
    for (const query of queries) {
      const decoded = decode(responses[query.refId], `${query.refId} at ${new Date(end).toISOString()}`);
      assert.ok(decoded.series.length <= 1, `${query.refId}: one series at most`);
      answers.set(`${query.refId} ${end}`, decoded.series[0]?.values[0]);
      assert.match(decoded.meta?.executedQueryString ?? '', /rate window 1h/);
    }
  }
});

after(async () => {
  await host?.stop();
  await prom?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('backfilled KPIs through Prometheus and the backend', () => {
  it('wrote ground truth for both incidents', () => {
    assert.deepEqual(truth.incidents.map((i) => [i.id, i.start, i.end]), [
      ['cdn-br', new Date(START + HOUR).toISOString(), new Date(START + 2 * HOUR).toISOString()],
      ['payments-br', new Date(START + 2 * HOUR).toISOString(), new Date(START + 3 * HOUR).toISOString()],
    ]);
    assert.equal(truth.seed, SEED);
  });

  for (const [end, what] of WINDOWS) {
    it(`answer what the model predicts for the run, every KPI, both markets (hour of ${what}; within ${SAME_RUN * 100} %)`, (t) => {
      const misses: string[] = [];
      let worst = 0;
      for (const kpi of KPIS) {
        for (const market of MARKETS) {
          const got = answers.get(`${kpi.id} ${market} ${end}`);
          const want = prediction(kpi, market, end, 'run');
          if (want === undefined || got === undefined) {
            if (want !== got) misses.push(`${kpi.id} ${market}: backend ${got}, model ${want}`);
            continue;
          }
          if (relativeGap(got, want) > SAME_RUN) misses.push(`${kpi.id} ${market}: backend ${got}, model ${want}`);
          worst = Math.max(worst, relativeGap(got, want));
        }
      }
      assert.deepEqual(misses, []);
      t.diagnostic(`largest gap between backend and model: ${worst.toExponential(2)}`);
      // Most KPIs must have a value in both markets, or the comparison above proves little.
      const present = KPIS.filter((kpi) => MARKETS.every((m) => answers.get(`${kpi.id} ${m} ${end}`) !== undefined)).length;
      assert.ok(present >= KPIS.length - 2, `${present} of ${KPIS.length} KPIs have values in both markets`);
    });
  }
});

describe('incidents in backfilled data', () => {
  const cdnEnd = START + 2 * HOUR;
  const paymentsEnd = START + 3 * HOUR;
  const measured = (id: string, market: string, end: number) => answers.get(`${id} ${market} ${end}`)!;
  const incidentAt = new Map<number, string>([[cdnEnd, 'cdn-br'], [paymentsEnd, 'payments-br']]);
  /** the model's value without the incident of that hour */
  const baseline = (id: string, market: string, end: number) => prediction(findKpi(id)!, market, end, `without ${incidentAt.get(end)}`)!;

  it('move every KPI their ground truth names, the way it says, in their market', () => {
    for (const [incident, end] of [['cdn-br', cdnEnd], ['payments-br', paymentsEnd]] as const) {
      const labelled = truth.incidents.find((i) => i.id === incident)!;
      assert.ok(labelled.kpis.length >= 3);
      for (const { kpi, direction } of labelled.kpis) {
        const factor = change(measured(kpi, 'BR', end), baseline(kpi, 'BR', end));
        assert.ok(direction === 'up' ? factor > 1.25 : factor < 0.8, `${incident}: ${kpi} should go ${direction}, changed x${factor.toFixed(3)}`);
      }
    }
  });

  it('leave the other market exactly as it would have been', () => {
    for (const end of [cdnEnd, paymentsEnd]) {
      for (const kpi of KPIS) {
        const got = answers.get(`${kpi.id} SE ${end}`);
        const want = prediction(kpi, 'SE', end, `without ${incidentAt.get(end)}`);
        if (got === undefined || want === undefined) assert.equal(got, want, kpi.id);
        else assert.ok(relativeGap(got, want) <= SAME_RUN, `SE ${kpi.id}: ${got} with incidents in BR, ${want} without`);
      }
    }
  });

  it('leave unrelated KPIs in their own market alone (within chance: 10 %)', () => {
    // A CDN problem changes delivery, not taste or billing; a payment outage changes billing only.
    const unrelated: Array<[string, number, string[]]> = [
      ['cdn-br', cdnEnd, ['skip_rate', 'completion_rate', 'recommendation_stream_share', 'recommendation_skip_rate', 'subscription_revenue', 'payment_failure_rate']],
      ['payments-br', paymentsEnd, ['startup_time_p95', 'rebuffering_ratio', 'playback_failure_rate', 'average_bitrate', 'skip_rate', 'streams', 'ad_revenue']],
    ];
    for (const [incident, end, kpis] of unrelated) {
      for (const kpi of kpis) {
        const factor = change(measured(kpi, 'BR', end), baseline(kpi, 'BR', end));
        assert.ok(Math.abs(factor - 1) < 0.1, `${incident}: ${kpi} changed x${factor.toFixed(3)}`);
      }
    }
  });
});
