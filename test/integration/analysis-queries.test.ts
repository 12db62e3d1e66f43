// The analysis query types end to end: a simulator backfill with one labelled incident (a CDN
// degradation in Brazil) -> promtool -> a real Prometheus -> the BUILT backend, called as Grafana
// does. Anomaly detection must flag the incident and little else, name Brazil as the cause of
// the aggregate's rise, and answer alert-shaped and annotation-shaped frames; outliers must pick
// Brazil among the markets; forecasts, quality checks, the training-history cache and per-query
// errors are checked through the same process boundary.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Field, Frame } from '../../src/backend/grafana/frames/frame';
import { assertGrafanaReadableFrame } from '../harness/go-reader-rules';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { dataQuery, queryDataRequest, type DataSourceInput } from '../harness/plugin-context';
import type { DataResponse } from '../harness/wire';
import { effectiveStatus } from '../support/kpi-answers';
import { startPrometheus, type PrometheusFixture } from '../support/prometheus';
import { runSimulator } from '../support/simulator';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/**
 * A fixed evening in Brazil (21:00 UTC on a Monday), traffic enough for rare events. Fixed, not
 * the latest evening before now: the simulator's draws depend on the date, and a test whose data
 * changed every day passed on one date and failed on the next (SE flagged among the markets on
 * 2026-12-01). Prometheus keeps it with a long retention.
 */
const END = Date.parse('2026-11-30T21:00:00Z');
const START = END - 7 * HOUR;
const INCIDENT = { start: START + 5 * HOUR, end: START + 6 * HOUR };
/** The panel shows the last two hours; the detector trains on the five before. */
const RANGE = { from: END - 2 * HOUR, to: END };

const SCENARIO = {
  name: 'analysis-test',
  description: 'one CDN degradation in Brazil, and clients in Mexico resending events with their ids (the collector drops the resends: no KPI moves)',
  incidents: [
    { id: 'cdn-br', type: 'cdn_degradation', start: '+5h', duration: '1h', scope: { market: 'BR' }, magnitude: 5 },
    { id: 'resend-mx', type: 'duplicate_sender', start: '+6h', duration: '30m', scope: { market: 'MX' }, magnitude: 0.3 },
  ],
};

let dir: string;
let prom: PrometheusFixture;
let host: PluginHost;

const source = (): DataSourceInput => ({ uid: 'encore-analysis', url: prom.url, jsonData: { sourceKind: 'prometheus', scrapeInterval: '1m' } });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'encore-analysis-test-'));
  const scenarioFile = join(dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(SCENARIO));
  const out = join(dir, 'om');
  await runSimulator([
    'backfill', '--from', new Date(START).toISOString(), '--to', new Date(END).toISOString(),
    '--interval', '60s', '--warmup', '30m', '--users', '60000', '--seed', '11', '--scenario', scenarioFile, '--out', out,
  ]);
  const files = readdirSync(out).filter((name) => name.endsWith('.om')).map((name) => join(out, name));
  [prom, host] = await Promise.all([startPrometheus({ data: false, openMetricsFiles: files, retention: '100y' }), launchPlugin()]);
});

after(async () => {
  await host?.stop();
  await prom?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function ask(queries: Array<{ refId: string; json: Record<string, unknown>; range?: { from: number; to: number } }>, datasource: DataSourceInput | undefined = source()) {
  const request = queryDataRequest({
    context: datasource ? { datasource } : {},
    queries: queries.map((q) => dataQuery({ refId: q.refId, json: q.json, timeRange: q.range ?? RANGE, intervalMS: MINUTE, maxDataPoints: 1000 })),
  });
  return (await host.queryData(request)).responses;
}

function frames(answer: DataResponse | undefined, what: string): Frame[] {
  assert.ok(answer, `${what}: no answer`);
  assert.equal(answer.error, '', `${what}: ${answer.error}`);
  assert.equal(effectiveStatus(answer), 200, what);
  return answer.frames.map((bytes) => assertGrafanaReadableFrame(new Uint8Array(bytes)));
}

const field = (frame: Frame, name: string): Field => {
  const found = frame.fields.find((f) => f.name === name);
  assert.ok(found, `frame ${frame.name}: no field ${name} (has ${frame.fields.map((f) => f.name).join(', ')})`);
  return found;
};
const numbers = (frame: Frame, name: string) => field(frame, name).values as number[];
const times = (frame: Frame) => numbers(frame, 'Time');
const inIncident = (t: number) => t >= INCIDENT.start && t <= INCIDENT.end;

describe('anomaly detection on a backfilled incident', () => {
  it('flags the CDN degradation in Brazil inside the incident and almost nowhere else', async () => {
    const responses = await ask([
      { refId: 'BR', json: { queryType: 'anomaly', kpi: 'rebuffering_ratio', filters: [{ label: 'market', value: 'BR' }], detect: { season: 'none' } } },
    ]);
    const [series, events] = frames(responses.BR, 'BR');
    assert.ok(series && events, 'a series frame and an events frame');
    assert.deepEqual(
      series.fields.map((f) => f.name),
      ['Time', 'Value', 'Expected', 'Lower', 'Upper', 'Score', 'Anomaly', 'Data issue'],
    );
    assert.equal(field(series, 'Value').config?.unit, 'percentunit');
    const flags = numbers(series, 'Anomaly');
    const t = times(series);
    const inside = t.map((time, i) => [time, flags[i]!] as const).filter(([time]) => inIncident(time) && time >= INCIDENT.start + 5 * MINUTE);
    const outside = t.map((time, i) => [time, flags[i]!] as const).filter(([time]) => !inIncident(time) && time > INCIDENT.end + 15 * MINUTE);
    const share = (points: ReadonlyArray<readonly [number, number]>) => points.filter(([, f]) => f === 1).length / points.length;
    assert.ok(share(inside) >= 0.6, `flagged ${(100 * share(inside)).toFixed(0)} % of the incident's points`);
    assert.ok(share(outside) <= 0.02, `flagged ${(100 * share(outside)).toFixed(1)} % of the calm points`);
    for (let i = 0; i < flags.length; i++) {
      if (flags[i] === 1) assert.ok(numbers(series, 'Score')[i]! >= 0.9, 'a flagged point scores at least 0.9');
    }
    // The incident as an annotation: it overlaps the labelled window and made things worse.
    assert.equal(events.meta?.dataTopic, 'annotations');
    const starts = numbers(events, 'time');
    const ends = numbers(events, 'timeEnd');
    const overlapping = starts.map((s, i) => i).filter((i) => starts[i]! <= INCIDENT.end && ends[i]! >= INCIDENT.start);
    assert.ok(overlapping.length >= 1, 'an event overlaps the incident');
    assert.equal((field(events, 'impact').values as string[])[overlapping[0]!], 'worse');
    // The query inspector's timings.
    const stats = (series.meta?.stats ?? []).map((s) => s.displayName);
    for (const name of ['Upstream time', 'Analysis time', 'Encode time', 'History chunks fetched', 'Quality score']) assert.ok(stats.includes(name), `stat ${name}`);
    assert.match(series.meta?.executedQueryString ?? '', /history: 240 points/);
  });

  it('names Brazil as the cause of the aggregate rise', async () => {
    // Brazil is a tenth of this small population's plays: at one minute the aggregate's noise
    // hides its rise, at five minutes it stands out (as it would on a real dashboard of a day).
    const responses = await ask([{ refId: 'all', json: { queryType: 'anomaly', kpi: 'rebuffering_ratio', detect: { season: 'none' }, format: 'events', step: '5m' } }]);
    const [events] = frames(responses.all, 'all');
    assert.ok(events);
    const texts = field(events, 'text').values as string[];
    const starts = numbers(events, 'time');
    const during = texts.filter((_, i) => starts[i]! >= INCIDENT.start - 10 * MINUTE && starts[i]! <= INCIDENT.end);
    assert.ok(during.length >= 1, `an aggregate event during the incident (events: ${texts.join(' | ')})`);
    assert.match(during[0]!, /market=BR: \d+% of the rebuffering ratio increase/);
  });

  it('answers one numeric field per series for alert rules, and reuses the training history', async () => {
    const query = { refId: 'alert', json: { queryType: 'anomaly', kpi: 'rebuffering_ratio', groupBy: ['market'], detect: { season: 'none' }, output: 'score' } };
    const first = frames((await ask([query])).alert, 'alert');
    const second = frames((await ask([query])).alert, 'alert again');
    assert.ok(first.length >= 4, 'one frame per market');
    for (const frame of first) {
      assert.deepEqual(frame.fields.map((f) => f.name), ['Time', 'Score']);
      assert.ok(field(frame, 'Score').labels?.market, 'the score carries the market label');
    }
    const stat = (fs: Frame[], name: string) => fs[0]!.meta?.stats?.find((s) => s.displayName === name)?.value;
    assert.ok((stat(first, 'History chunks fetched') ?? 0) >= 1);
    assert.ok((stat(second, 'History chunks from cache') ?? 0) >= 1, 'the second query reads its history from the cache');
    assert.deepEqual(second.map((f) => numbers(f, 'Score')), first.map((f) => numbers(f, 'Score')), 'the same answer either way');
  });

  it('reads a market’s payment failure rate by its payments, fetched beside it', async () => {
    // A handful of payments an hour per market: the share is read by its counts (binomial), and
    // with no payment incident in the scenario nothing is flagged.
    const responses = await ask([{ refId: 'pay', json: { queryType: 'anomaly', kpi: 'payment_failure_rate', groupBy: ['market'], format: 'timeseries' } }]);
    const series = frames(responses.pay, 'pay').filter((f) => f.meta?.dataTopic !== 'annotations');
    assert.ok(series.length >= 4, 'one frame per market');
    assert.match(series[0]!.meta?.executedQueryString ?? '', /Events: sum by \(market\) \(rate\(encore_subscription_events_total\{action=~?"[^"]*"/);
    // The largest markets may hold enough payments a step to be read by their values.
    assert.ok((series[0]!.meta?.custom as { algorithms?: string[] } | undefined)?.algorithms?.includes('binomial'), JSON.stringify(series[0]!.meta?.custom));
    let byCounts = 0;
    for (const frame of series) {
      const expected = numbers(frame, 'Expected').filter((v) => v !== null && Number.isFinite(v));
      assert.ok(expected.every((p) => p >= 0 && p < 0.2), `${frame.name}: expected shares ${expected.slice(0, 3).join(', ')}`);
      // Only the pooled share of the counts is never 0: a median of mostly-zero values is.
      if (expected.length > 0 && expected.every((p) => p > 0)) byCounts++;
      const flagged = numbers(frame, 'Anomaly').filter((flag) => flag === 1).length;
      assert.ok(flagged <= 2, `${frame.name}: ${flagged} points flagged without a payment incident`);
    }
    assert.ok(byCounts >= 3, `${byCounts} markets read by their counts`);
  });

  it('picks Brazil as the outlier among the markets', async () => {
    const responses = await ask([{ refId: 'out', json: { queryType: 'outliers', kpi: 'rebuffering_ratio', groupBy: ['market'] } }]);
    const byMarket = new Map(frames(responses.out, 'out').map((f) => [field(f, 'Anomaly').labels?.market, f]));
    const flaggedDuring = (market: string) => {
      const frame = byMarket.get(market);
      assert.ok(frame, `a frame for ${market}`);
      const t = times(frame);
      return numbers(frame, 'Anomaly').filter((flag, i) => flag === 1 && inIncident(t[i]!)).length;
    };
    assert.ok(flaggedDuring('BR') >= 10, `BR flagged ${flaggedDuring('BR')} points during the incident`);
    for (const market of byMarket.keys()) {
      if (market !== 'BR') assert.ok(flaggedDuring(market!) <= 3, `${market} flagged ${flaggedDuring(market!)} points`);
    }
  });
});

describe('forecast and quality', () => {
  it('forecasts streams past the range end with an interval around the forecast', async () => {
    const responses = await ask([{ refId: 'f', json: { queryType: 'forecast', kpi: 'streams', horizon: '1h', season: 'none' } }]);
    const [frame] = frames(responses.f, 'f');
    assert.ok(frame);
    const t = times(frame);
    const forecast = numbers(frame, 'Forecast');
    const future = t.map((time, i) => i).filter((i) => t[i]! > RANGE.to);
    assert.equal(future.length, 60, 'an hour of 1-minute steps ahead');
    for (const i of future) {
      assert.ok(Number.isFinite(forecast[i]!) && forecast[i]! > 0, 'a positive forecast');
      assert.ok(numbers(frame, 'Lower')[i]! <= forecast[i]! && forecast[i]! <= numbers(frame, 'Upper')[i]!, 'inside its interval');
    }
    assert.ok(Number.isNaN(numbers(frame, 'Value')[future[0]!]!), 'no observed value in the future');
  });

  it('reports the checks as a table, as levels for alert rules, and stale data as a failing notice', async () => {
    const range = { from: END - HOUR, to: END + 30 * MINUTE };
    const responses = await ask([
      { refId: 'table', json: { queryType: 'quality', kpi: 'streams', groupBy: ['market'] }, range },
      { refId: 'levels', json: { queryType: 'quality', kpi: 'streams', groupBy: ['market'], output: 'levels' }, range },
      { refId: 'plain', json: { queryType: 'kpi', kpi: 'streams' }, range: { from: END - HOUR, to: Date.now() } },
    ]);
    const [table] = frames(responses.table, 'table');
    assert.ok(table);
    const checks = field(table, 'check').values as string[];
    const status = field(table, 'status').values as string[];
    assert.ok(checks.includes('completeness') && checks.includes('freshness'));
    // The last 30 minutes of the range have no data: completeness falls to two thirds.
    assert.equal(status[checks.indexOf('completeness')], 'fail');
    // Mexico's clients resent 30 % of their events in the last hour: reported, naming Mexico only.
    const resent = checks.indexOf('resent');
    assert.ok(resent >= 0, `checks: ${checks.join(', ')}`);
    assert.equal(status[resent], 'fail');
    const value = (field(table, 'value').values as number[])[resent]!;
    assert.ok(value > 0.2 && value < 0.4, `resent share ${value}`);
    const affected = (field(table, 'series').values as string[])[resent]!;
    assert.match(affected, /MX/);
    assert.doesNotMatch(affected, /BR|US|DE/);
    const levels = frames(responses.levels, 'levels');
    const completeness = levels.find((f) => field(f, 'Level').labels?.check === 'completeness');
    assert.ok(completeness);
    assert.deepEqual(numbers(completeness, 'Level'), [2]);
    // A plain KPI query up to now: the newest sample is over an hour old, so freshness fails on the panel.
    const [plain] = frames(responses.plain, 'plain');
    const notices = plain?.meta?.notices ?? [];
    assert.ok(notices.some((n) => n.severity === 'error' && /freshness/i.test(n.text)), `notices: ${JSON.stringify(notices)}`);
  });
});

describe('bad analysis queries', () => {
  it('answer 400 naming the field, and their neighbours still answer', async () => {
    const responses = await ask([
      { refId: 'sensitivity', json: { queryType: 'anomaly', kpi: 'streams', detect: { sensitivity: 3 } } },
      { refId: 'both', json: { queryType: 'forecast', kpi: 'streams', expr: 'up' } },
      { refId: 'season', json: { queryType: 'anomaly', kpi: 'streams', detect: { algorithm: 'seasonal', season: 'none' } } },
      { refId: 'good', json: { queryType: 'anomaly', kpi: 'streams', detect: { season: 'none' } } },
    ]);
    assert.equal(responses.sensitivity?.status, 400);
    assert.match(responses.sensitivity?.error ?? '', /^detect\.sensitivity: expected a number from 0 to 1/);
    assert.equal(responses.both?.status, 400);
    assert.match(responses.both?.error ?? '', /expr: expected either kpi or expr, not both/);
    assert.equal(responses.season?.status, 400);
    assert.match(responses.season?.error ?? '', /detect\.season: seasonal needs a season/);
    assert.ok(frames(responses.good, 'good').length >= 1);
  });

  it('run on the demo source too', async () => {
    const now = Date.now();
    const responses = await ask([{ refId: 'demo', json: { queryType: 'anomaly', kpi: 'rebuffering_ratio', groupBy: ['market'] }, range: { from: now - DAY, to: now } }], { uid: 'encore-demo' });
    const series = frames(responses.demo, 'demo').filter((f) => f.name !== 'Anomalies');
    assert.ok(series.length >= 4);
    assert.ok(series.every((f) => numbers(f, 'Expected').some(Number.isFinite)), 'every market has a baseline');
  });
});
