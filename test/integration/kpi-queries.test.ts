// queryType `kpi` end to end: the real collector fed with a deterministic event mix, a real
// Prometheus scraping it every second, and the BUILT backend executable called the way Grafana
// does. For every KPI of the catalogue, what the backend answers (PromQL rendered from the formula,
// run by Prometheus) must equal what the numeric evaluator computes from the raw per-second rates
// Prometheus reports for the same series, window and time: the two interpreters of one formula
// agree on real data. Filters, PromQL injection through label values, per-query errors and the
// demo source are checked through the same process boundary.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PLAY_END_REASONS } from '../../src/common/events/vocabulary';
import { KPIS, findKpi, kpiLabels, type KpiDefinition } from '../../src/common/kpis/catalogue';
import { evaluateKpi, type GroupValue, type RateData, type RateSample } from '../../src/common/kpis/evaluate';
import { seriesName, termsOf } from '../../src/common/kpis/expression';
import type { LabelFilter } from '../../src/common/kpis/filters';
import { renderPromql } from '../../src/common/kpis/promql';
import { STREAMING_METRICS } from '../../src/common/streaming-metrics';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { dataQuery, queryDataRequest, type DataQueryInput, type DataSourceInput } from '../harness/plugin-context';
import { makeEvent, postEvents, startCollector, type CollectorProcess } from '../support/collector';
import { decode, type Decoded } from '../support/kpi-answers';
import { startPrometheus, type PrometheusFixture } from '../support/prometheus';

/** the fixture's scrape interval, and the data source's scrapeInterval setting */
const SCRAPE_MS = 1_000;
/** The range every KPI query asks for ends at T and spans this much (61 steps of 1 s). */
const RANGE_MS = 60_000;
/** max(step 1 s + scrape 1 s, 4 scrapes) */
const WINDOW = '4s';
const TOLERANCE = 1e-9;

let collector: CollectorProcess;
let prom: PrometheusFixture;
let host: PluginHost;
/** the evaluation time of every comparison: a whole second shortly after the second batch was scraped */
let T: number;

const promSource = (): DataSourceInput => ({
  uid: 'encore-kpi-prom',
  url: prom.url,
  jsonData: { sourceKind: 'prometheus', scrapeInterval: '1s' },
});

// ---------------------------------------------------------------------------------------------
// The events: SE and BR with 3 platforms x 2 tiers each (DE and US smaller), plays with every end
// reason, from recommendations and not, streams and short plays, stalls, bitrate switches both
// ways, fatal and non-fatal errors, exits before start (SE only, so BR's numerator is absent and
// must count as 0), ads in SE, BR and US only (DE's ARPU has no ad term: the second term of a sum
// absent in a group), subscription payments in SE, BR and DE only (US's ARPU has no subscription
// term: the first term of a sum absent in a group, which must not drop US's ad revenue), ads in
// three labelled currencies plus one folded into `other` (no exchange rate), and every
// subscription action (no cancellation in BR or DE: churn 0 there). US's subscription events all
// carry an amount, none of them a payment: they must not count as subscription revenue.

const PLATFORM_MIX = ['ios', 'android', 'web'] as const;
const TIER_MIX = ['free', 'premium'] as const;
/**
 * DE is small: premium listeners on ios only, so no ads there, and no trials. US is small too: free
 * listeners on the web (ads), and a billing user whose trial start, cancellation and failed
 * payment each quote an amount but pay nothing, so US has no subscription revenue.
 */
const MARKETS: ReadonlyArray<{ code: string; currency: string; platforms: readonly string[]; tiers: readonly string[] }> = [
  { code: 'SE', currency: 'SEK', platforms: PLATFORM_MIX, tiers: TIER_MIX },
  { code: 'BR', currency: 'BRL', platforms: PLATFORM_MIX, tiers: TIER_MIX },
  { code: 'DE', currency: 'EUR', platforms: ['ios'], tiers: ['premium'] },
  { code: 'US', currency: 'USD', platforms: ['web'], tiers: ['free'] },
];
/**
 * KPIs without a series for some market, and why: DE has no trials (trial conversion's denominator
 * is absent) and no ads (no ad revenue series; eCPM's denominator is absent); US has no payments
 * (no subscription revenue series). Every other KPI has all four markets, ARPU included.
 */
const MISSING_MARKETS: Readonly<Record<string, readonly string[]>> = {
  trial_conversion: ['DE'],
  ad_revenue: ['DE'],
  ecpm: ['DE'],
  subscription_revenue: ['US'],
};
const marketsOf = (kpiId: string) => MARKETS.map((m) => m.code).filter((code) => !MISSING_MARKETS[kpiId]?.includes(code)).sort();

type Event = Record<string, unknown>;

function eventBatch(round: number): Event[] {
  const events: Event[] = [];
  MARKETS.forEach((market, mi) => {
    PLATFORM_MIX.forEach((platform, pi) => {
      TIER_MIX.forEach((tier, ti) => {
        if (!market.platforms.includes(platform) || !market.tiers.includes(tier)) return;
        const who = `${market.code}-${platform}-${tier}`;
        // Users keep their market and tier across batches, so encore_active_users stays put.
        const common = { userId: `kpi-user-${who}`, sessionId: `kpi-session-${round}-${who}`, market: market.code, platform, tier };
        events.push(makeEvent('session_start', common));
        for (let k = 0; k < 4; k++) {
          const play = {
            ...common,
            playId: `kpi-play-${round}-${who}-${k}`,
            trackId: `track-${k}`,
            fromRecommendation: k % 2 === 0,
            contentType: k === 3 ? 'podcast' : 'music',
          };
          events.push(makeEvent('play_attempt', play));
          events.push(makeEvent('play_start', { ...play, startupMs: startupMs(mi, pi, ti, k), bitrateKbps: 160 }));
          if (k !== 1) events.push(makeEvent('rebuffer', { ...play, durationMs: 400 + 700 * mi + 250 * k + 100 * pi }));
          if (k === 0) events.push(makeEvent('bitrate_change', { ...play, fromKbps: 160, toKbps: 96, cause: 'network' }));
          if (k === 2) events.push(makeEvent('bitrate_change', { ...play, fromKbps: 96, toKbps: 160, cause: 'user' }));
          if (k === 3 && pi === 2) events.push(makeEvent('playback_error', { ...play, code: 'DECODER_GLITCH', fatal: false }));
          events.push(
            makeEvent('play_end', {
              ...play,
              // the podcast play stays under 30 s: played, but not a stream
              msPlayed: k === 3 ? 12_000 + 1_000 * pi : 60_000 + 45_000 * k + 20_000 * pi + 10_000 * mi,
              reason: PLAY_END_REASONS[(k + pi + mi) % PLAY_END_REASONS.length],
              averageBitrateKbps: [96, 160, 320][pi]! + 16 * k + 8 * ti,
            }),
          );
        }
        // A play that never starts: a fatal error in most groups, the user giving up in SE.
        const failed = { ...common, playId: `kpi-fail-${round}-${who}`, trackId: 'track-f', fromRecommendation: ti === 1, contentType: 'music' };
        events.push(makeEvent('play_attempt', failed));
        if ((pi + ti) % 2 === 0 || mi === 1) events.push(makeEvent('playback_error', { ...failed, code: 'NETWORK_TIMEOUT', fatal: true }));
        if (mi === 0) events.push(makeEvent('play_abandon', { ...failed, waitedMs: 4_000 + 1_000 * pi }));
        if (tier === 'free') {
          const ad = (id: string, format: string, revenue: number, currency: string) =>
            makeEvent('ad_impression', { ...common, adId: `ad-${id}-${who}`, format, revenue, currency });
          events.push(ad('a', 'audio', 0.2 + 0.05 * pi, market.currency));
          events.push(ad('d', 'display', 0.03 + 0.01 * pi, 'EUR'));
          // CHF is a valid currency the collector folds into `other`: no exchange rate, so it is
          // left out of USD revenue (both interpreters) while the impression still counts.
          if (platform === 'web') events.push(ad('x', 'video', 0.5, 'CHF'));
        }
        events.push(makeEvent('session_end', { ...common, durationMs: 240_000 * (1 + pi) + 600_000 * mi + 120_000 * ti + 30_000 * round }));
      });
    });
    const payer = {
      userId: `kpi-user-${market.code}-ios-premium`,
      sessionId: `kpi-billing-${round}-${market.code}`,
      market: market.code,
      platform: 'ios',
      tier: 'premium',
      contentType: 'none',
    };
    const actions: Array<[string, string, number?]> =
      mi === 3
        ? [
            // amounts on actions that are not payments (a quoted price): no revenue
            ['trial_start', 'individual', 11.99],
            ['cancellation', 'duo', 14.99],
            ['payment_failed', 'family', 17.99],
          ]
        : mi === 2
        ? [
            ['conversion', 'individual', 10.99],
            ['renewal', 'duo', 14.99],
          ]
        : mi === 0
        ? [
            ['trial_start', 'individual'],
            ['trial_start', 'duo'],
            ['trial_start', 'individual'],
            ['conversion', 'individual', 11.99],
            ['renewal', 'family', 17.99],
            ['renewal', 'individual', 11.99],
            ['cancellation', 'duo'],
            ['payment_failed', 'family'],
          ]
        : [
            ['trial_start', 'individual'],
            ['trial_start', 'student'],
            ['conversion', 'student', 5.99],
            ['renewal', 'individual', 21.9],
            ['payment_failed', 'individual'],
            ['payment_failed', 'student'],
          ];
    actions.forEach(([action, plan, amount], i) => {
      // makeEvent's default subscription carries an amount; unpaid actions must not. Each in a
      // billing session of its own: two equal actions of one session in one millisecond are one
      // event sent twice, which the collector drops.
      const billing = { ...payer, sessionId: `${payer.sessionId}-${i}` };
      events.push(makeEvent('subscription', { ...billing, action, plan, amount, currency: amount === undefined ? undefined : market.currency }));
    });
  });
  return events;
}

/**
 * Start-up times: ios on the free tier always starts under 0.1 s (its median falls in the first
 * histogram bucket, interpolated from 0), and one SE web premium play takes 20 s (beyond the last
 * finite bucket: that group's p95 is the highest finite bound, 15 s).
 */
function startupMs(mi: number, pi: number, ti: number, k: number): number {
  const [market, platform, tier] = [MARKETS[mi]!.code, PLATFORM_MIX[pi]!, TIER_MIX[ti]!];
  if (platform === 'ios' && tier === 'free') return 30 + 15 * k;
  if (market === 'SE' && platform === 'web' && tier === 'premium' && k === 3) return 20_000;
  return 150 + 200 * k + 300 * mi + 90 * pi + 40 * ti;
}

/** Events of each type -> the Prometheus sum that counts them, to know when a batch is scraped. */
const COUNTED_BY: Record<string, string> = {
  session_start: 'sum(encore_sessions_started_total)',
  session_end: 'sum(encore_session_duration_seconds_count)',
  play_attempt: 'sum(encore_play_attempts_total)',
  play_end: 'sum(encore_play_ends_total)',
  ad_impression: 'sum(encore_ad_impressions_total)',
  subscription: 'sum(encore_subscription_events_total)',
};

// ---------------------------------------------------------------------------------------------
// Prometheus, asked directly.

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}
interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

async function promApi<T>(path: string, params: Record<string, string>): Promise<T> {
  const response = await fetch(`${prom.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  const body = (await response.json()) as { status: string; error?: string; data: { resultType: string; result: T } };
  assert.equal(body.status, 'success', `${params.query}: ${body.error}`);
  return body.data.result;
}

const instantCache = new Map<string, Promise<VectorSample[]>>();
const rangeCache = new Map<string, Promise<MatrixSeries[]>>();

/** An instant query at timeMs (cached: the past does not change), or now (not cached, for polling). */
function promInstant(expr: string, timeMs?: number): Promise<VectorSample[]> {
  if (timeMs === undefined) return promApi('/api/v1/query', { query: expr });
  const params = { query: expr, time: String(timeMs / 1000) };
  const key = `${expr}@${timeMs}`;
  let cached = instantCache.get(key);
  if (!cached) instantCache.set(key, (cached = promApi<VectorSample[]>('/api/v1/query', params)));
  return cached;
}

function promRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<MatrixSeries[]> {
  const key = `${expr}@${startMs}-${endMs}/${stepMs}`;
  let cached = rangeCache.get(key);
  if (!cached) {
    const params = { query: expr, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000) };
    rangeCache.set(key, (cached = promApi<MatrixSeries[]>('/api/v1/query_range', params)));
  }
  return cached;
}

/** Every raw series a KPI's terms read, as the PromQL the evaluator's input comes from. */
function rawInputs(kpi: KpiDefinition, window: string): Array<{ name: string; expr: string }> {
  const inputs = new Map<string, string>();
  for (const term of termsOf(kpi.formula)) {
    const name = seriesName(term);
    inputs.set(name, term.kind === 'gauge' ? name : `rate(${name}[${window}])`);
    if (term.kind === 'rate' && term.usd) inputs.set(STREAMING_METRICS.exchangeRate.name, STREAMING_METRICS.exchangeRate.name);
  }
  return [...inputs].map(([name, expr]) => ({ name, expr }));
}

function rateData(byName: Map<string, RateSample[]>): RateData {
  return { series: (name) => byName.get(name) ?? [] };
}

/** What the evaluator reads at T: Prometheus' own rate() of each raw series, and the raw gauges. */
async function instantData(kpi: KpiDefinition, window: string, timeMs: number): Promise<RateData> {
  const byName = new Map<string, RateSample[]>();
  for (const { name, expr } of rawInputs(kpi, window)) {
    const result = await promInstant(expr, timeMs);
    byName.set(name, result.map((s) => ({ labels: s.metric, value: Number(s.value[1]) })));
  }
  return rateData(byName);
}

/** The same for every step of a range: evaluation timestamp (ms) -> data. */
async function rangeData(kpi: KpiDefinition, window: string, startMs: number, endMs: number, stepMs: number): Promise<Map<number, RateData>> {
  const perStep = new Map<number, Map<string, RateSample[]>>();
  for (let t = startMs; t <= endMs; t += stepMs) perStep.set(t, new Map());
  for (const { name, expr } of rawInputs(kpi, window)) {
    for (const series of await promRange(expr, startMs, endMs, stepMs)) {
      for (const [seconds, value] of series.values) {
        const step = perStep.get(Math.round(seconds * 1000));
        assert.ok(step, `Prometheus answered ${expr} at ${seconds}, off the step grid`);
        step.set(name, [...(step.get(name) ?? []), { labels: series.metric, value: Number(value) }]);
      }
    }
  }
  return new Map([...perStep].map(([t, byName]) => [t, rateData(byName)]));
}

/** Polls until every sum equals its count, then until two more scrapes have kept it so. */
async function waitScraped(expected: Map<string, number>): Promise<void> {
  const deadline = Date.now() + 20_000;
  const matches = async () => {
    for (const [expr, value] of expected) {
      const result = await promInstant(expr);
      if (result.length !== 1 || Number(result[0]!.value[1]) !== value) {
        return `${expr} = ${JSON.stringify(result.map((r) => r.value[1]))}, want ${value}`;
      }
    }
    return undefined;
  };
  const lastScrape = async () => Number((await promInstant('max(timestamp(up{job="encore"}))'))[0]?.value[1] ?? 0);
  let problem: string | undefined = 'not polled';
  while (Date.now() < deadline && (problem = await matches()) !== undefined) await sleep(200);
  assert.equal(problem, undefined, `the batch was not scraped within 20 s: ${problem}\n${prom.logs().slice(-2000)}`);
  const seen = await lastScrape();
  let scrapes = 0;
  let previous = seen;
  while (scrapes < 2 && Date.now() < deadline) {
    await sleep(200);
    const now = await lastScrape();
    if (now !== previous) scrapes++;
    previous = now;
  }
  assert.equal(scrapes, 2, 'Prometheus kept scraping');
  assert.equal(await matches(), undefined, 'the counters stay where the batch left them');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The backend's answers.

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

const groupKey = (groupBy: readonly string[], labels: Record<string, string>) => JSON.stringify(groupBy.map((l) => labels[l] ?? ''));

/** The backend's instant answer equals the evaluator's groups, labels exactly the group-by labels. */
function assertInstantEquals(got: Decoded, expected: GroupValue[], groupBy: readonly string[], what: string): void {
  const want = new Map(expected.map((g) => [groupKey(groupBy, g.labels), g]));
  const have = new Map(got.series.map((s) => [groupKey(groupBy, s.labels), s]));
  assert.deepEqual([...have.keys()].sort(), [...want.keys()].sort(), `${what}: the groups`);
  for (const [key, series] of have) {
    const group = want.get(key)!;
    assert.deepEqual(series.labels, group.labels, `${what} ${key}: labels are the group-by labels only`);
    assert.deepEqual(series.times, [T], `${what} ${key}: one point at T`);
    assert.ok(close(series.values[0]!, group.value), `${what} ${key}: backend ${series.values[0]} vs evaluator ${group.value}`);
  }
}

interface KpiQueryOptions {
  groupBy?: string[];
  filters?: LabelFilter[];
  instant?: boolean;
  step?: string;
  legendFormat?: string;
}

/** The browser's query object for a KPI query. */
function kpiQuery(kpi: string, options: KpiQueryOptions = {}): Record<string, unknown> {
  const { groupBy = [], filters = [], instant = false, step, legendFormat } = options;
  return { queryType: 'kpi', kpi, filters, groupBy, instant, ...(step ? { step } : {}), ...(legendFormat ? { legendFormat } : {}) };
}

function query(refId: string, json: Record<string, unknown>, extra: Partial<DataQueryInput> = {}) {
  return dataQuery({ refId, json, timeRange: { from: T - RANGE_MS, to: T }, intervalMS: 1_000, maxDataPoints: 1_000, ...extra });
}

async function ask(datasource: DataSourceInput, queries: ReturnType<typeof dataQuery>[]) {
  return (await host.queryData(queryDataRequest({ context: { datasource }, queries }))).responses;
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  [collector, host] = await Promise.all([startCollector(['--drain-seconds', '0']), launchPlugin()]);
  prom = await startPrometheus({ data: false, scrapeTargets: [`127.0.0.1:${collector.port}`] });

  const totals = new Map<string, number>();
  const send = async (round: number) => {
    const batch = eventBatch(round);
    const reply = await postEvents(collector, batch);
    assert.equal(reply.status, 200, reply.text);
    const result = reply.json() as { accepted: number; rejected: number; rejections?: unknown };
    assert.deepEqual(
      { accepted: result.accepted, rejected: result.rejected },
      { accepted: batch.length, rejected: 0 },
      JSON.stringify(result.rejections),
    );
    for (const event of batch) {
      const expr = COUNTED_BY[event.type as string];
      if (expr) totals.set(expr, (totals.get(expr) ?? 0) + 1);
    }
    await waitScraped(totals);
  };
  await send(1);
  await send(2);

  // The first scrape that saw the second batch: the latest "first sample at the final value"
  // over the counters the batch moved.
  let secondScrape = 0;
  const moved = ['encore_sessions_started_total', 'encore_play_ends_total', 'encore_subscription_events_total', 'encore_session_duration_seconds_count'];
  for (const name of moved) {
    for (const series of await promApi<MatrixSeries[]>('/api/v1/query', { query: `${name}[30s]` })) {
      const final = series.values.at(-1)![1];
      const first = series.values.find(([, v]) => v === final)!;
      secondScrape = Math.max(secondScrape, Math.round(first[0] * 1000));
    }
  }
  // A 4 s window ending at T then holds the scrape before the batch (about 1 s before
  // secondScrape) and the ones after: every counter the batch moved has a non-zero rate at T.
  T = Math.ceil(secondScrape / 1000) * 1000 + SCRAPE_MS;
  while (Date.now() < T + 1_500) await sleep(100);
});

after(async () => {
  await host?.dispose();
  await prom?.stop();
  await collector?.stop();
});

describe('every KPI of the catalogue against a real Prometheus', () => {
  it('the second batch is inside the window at T: every counter a KPI reads has a non-zero rate', async () => {
    const names = new Set(KPIS.flatMap((kpi) => rawInputs(kpi, WINDOW)).filter((input) => input.expr.startsWith('rate(')).map((input) => input.expr));
    for (const expr of names) {
      const [total] = await promInstant(`sum(${expr})`, T);
      assert.ok(total && Number(total.value[1]) > 0, `${expr} at T: ${JSON.stringify(total)}`);
    }
  });

  for (const kpi of KPIS) {
    it(`${kpi.id}: instant and range, ungrouped and by market, equal the evaluator on Prometheus' rates`, async () => {
      const groupings: string[][] = kpiLabels(kpi).includes('market') ? [[], ['market']] : [[]];
      assert.equal(groupings.length, 2, `${kpi.id} can be split by market (every KPI of the catalogue can)`);
      const queries = groupings.flatMap((groupBy, g) => [
        query(`I${g}`, kpiQuery(kpi.id, { groupBy, instant: true })),
        query(`R${g}`, kpiQuery(kpi.id, { groupBy })),
      ]);
      // A wider window: a step of 10 s gives rate windows of 10 s + one scrape.
      queries.push(query('W', kpiQuery(kpi.id, { instant: true, step: '10s' })));
      const answers = await ask(promSource(), queries);

      for (const [g, groupBy] of groupings.entries()) {
        const expr = renderPromql(kpi.formula, { filters: [], groupBy, window: WINDOW });
        for (const refId of [`I${g}`, `R${g}`]) {
          const what = `${kpi.id} ${refId} by [${groupBy.join(', ')}]`;
          const got = decode(answers[refId], what);
          assert.ok(got.series.length > 0, `${what}: no series`);
          for (const s of got.series) {
            assert.deepEqual(
              { unit: s.unit, decimals: s.decimals, description: s.description },
              { unit: kpi.unit, decimals: kpi.decimals, description: kpi.description },
              `${what}: field config from the catalogue`,
            );
            const parts = groupBy.map((label) => s.labels[label] ?? '');
            assert.equal(s.displayName, parts.length > 0 ? `${kpi.name} ${parts.join(' / ')}` : kpi.name, `${what}: display name`);
          }
          assert.deepEqual(got.meta?.custom, { kpi: kpi.id, group: kpi.group, good: kpi.good }, `${what}: meta.custom`);
          const executed = got.meta?.executedQueryString ?? '';
          assert.ok(executed.includes(`KPI: ${kpi.id}`), `${what}: ${executed}`);
          assert.ok(executed.includes(`rate window ${WINDOW}`) || !expr.includes(`[${WINDOW}]`), `${what}: ${executed}`);
          assert.ok(executed.includes(`Expr: ${expr}\n`), `${what}: executed ${executed}\nwant Expr: ${expr}`);
        }

        // Instant at T.
        const instant = decode(answers[`I${g}`], `${kpi.id} I${g}`);
        const expected = evaluateKpi(kpi.formula, await instantData(kpi, WINDOW, T), { groupBy });
        assertInstantEquals(instant, expected, groupBy, `${kpi.id} instant by [${groupBy.join(', ')}]`);
        if (groupBy.length === 0) {
          // Not checked against kpi.validRange: two batches squeezed into seconds make per-day and
          // per-user rates (listening hours, ARPU, churn) far larger than any real service's.
          const value = instant.series[0]!.values[0]!;
          assert.ok(Number.isFinite(value) && value > 0, `${kpi.id} at T: ${value}, expected a positive number`);
        } else {
          assert.deepEqual(instant.series.map((s) => s.labels.market).sort(), marketsOf(kpi.id), `${kpi.id}: the markets`);
        }

        // Range [T - 60 s, T], step 1 s: every point of every series.
        const range = decode(answers[`R${g}`], `${kpi.id} R${g}`);
        const start = T - RANGE_MS;
        const data = await rangeData(kpi, WINDOW, start, T, 1_000);
        const want = new Map<string, { labels: Record<string, string>; points: Map<number, number> }>();
        for (const [t, atT] of data) {
          for (const group of evaluateKpi(kpi.formula, atT, { groupBy })) {
            const key = groupKey(groupBy, group.labels);
            if (!want.has(key)) want.set(key, { labels: group.labels, points: new Map() });
            want.get(key)!.points.set(t, group.value);
          }
        }
        const have = new Map(range.series.map((s) => [groupKey(groupBy, s.labels), s]));
        assert.deepEqual([...have.keys()].sort(), [...want.keys()].sort(), `${kpi.id} range groups`);
        for (const [key, series] of have) {
          const expectedPoints = want.get(key)!;
          assert.deepEqual(series.labels, expectedPoints.labels);
          assert.deepEqual(series.times, [...expectedPoints.points.keys()], `${kpi.id} range ${key}: timestamps`);
          series.times.forEach((t, i) => {
            const wantValue = expectedPoints.points.get(t)!;
            const at = `T${(t - T) / 1000}s`;
            assert.ok(close(series.values[i]!, wantValue), `${kpi.id} range ${key} at ${at}: backend ${series.values[i]} vs evaluator ${wantValue}`);
          });
          assert.equal(series.times.at(-1), T, `${kpi.id} range ${key}: ends at T`);
        }
      }

      // The 10 s step: window 11 s, same agreement.
      const wide = decode(answers.W, `${kpi.id} W`);
      const wideExpr = renderPromql(kpi.formula, { filters: [], groupBy: [], window: '11s' });
      assert.ok(wide.meta?.executedQueryString?.includes(`Expr: ${wideExpr}\n`), wide.meta?.executedQueryString);
      assertInstantEquals(wide, evaluateKpi(kpi.formula, await instantData(kpi, '11s', T), {}), [], `${kpi.id} with step 10s`);
    });
  }
});

describe('a sum over the groups of all its terms', () => {
  it("ARPU of a market without subscription revenue is its ad revenue per user, from the revenue KPIs' own answers", async () => {
    const ids = ['arpu', 'subscription_revenue', 'ad_revenue', 'active_users'] as const;
    const answers = await ask(
      promSource(),
      ids.map((id) => query(id, kpiQuery(id, { groupBy: ['market'], instant: true }))),
    );
    const byMarket = Object.fromEntries(
      ids.map((id) => [id, new Map(decode(answers[id], `${id} by market`).series.map((s) => [s.labels.market!, s.values[0]!]))]),
    ) as Record<(typeof ids)[number], Map<string, number>>;
    // The US subscription events were counted, amounts and all, but none was a payment.
    const [usEvents] = await promInstant('sum(encore_subscription_events_total{market="US"})', T);
    assert.equal(Number(usEvents?.value[1]), 6, 'three US subscription events per batch');
    assert.ok(!byMarket.subscription_revenue.has('US'), 'no subscription revenue in US');
    const usAd = byMarket.ad_revenue.get('US');
    assert.ok(usAd !== undefined && usAd > 0, `US has ad revenue: ${usAd}`);
    assert.ok(!byMarket.ad_revenue.has('DE'), 'no ad revenue in DE');
    for (const market of marketsOf('arpu')) {
      // Revenue per day (0 where a market has none of a kind) x 30 days, over the users.
      const revenue = (byMarket.subscription_revenue.get(market) ?? 0) + (byMarket.ad_revenue.get(market) ?? 0);
      const want = (30 * revenue) / byMarket.active_users.get(market)!;
      const got = byMarket.arpu.get(market);
      assert.ok(want > 0 && got !== undefined && close(got, want), `ARPU ${market}: backend ${got}, revenue KPIs give ${want}`);
    }
  });
});

describe('steps and windows', () => {
  it('the step never goes below the scrape interval, and without a scrape interval 15 s is assumed', async () => {
    const fine = await ask(promSource(), [query('F', kpiQuery('skip_rate'), { intervalMS: 250 })]);
    const executed = decode(fine.F, 'fine').meta?.executedQueryString ?? '';
    assert.match(executed, /rate window 4s\n/);
    assert.match(executed, /\nStep: 1s$/);

    const defaults = await ask({ ...promSource(), uid: 'encore-kpi-prom-default', jsonData: { sourceKind: 'prometheus' } }, [
      query('D', kpiQuery('skip_rate')),
      query('E', kpiQuery('skip_rate', { instant: true })),
    ]);
    const range = decode(defaults.D, 'default scrape interval');
    // step max(1 s, 15 s) = 15 s; window max(15 s + 15 s, 4 x 15 s) = 1m
    assert.match(range.meta?.executedQueryString ?? '', /rate window 1m\n/);
    assert.match(range.meta?.executedQueryString ?? '', /\nStep: 15s$/);
    const skip = findKpi('skip_rate')!;
    assertInstantEquals(decode(defaults.E, 'default instant'), evaluateKpi(skip.formula, await instantData(skip, '1m', T), {}), [], 'skip_rate 1m');
  });

  it('series of several group-by labels are named after the KPI and the values joined by " / "', async () => {
    const answers = await ask(promSource(), [query('G', kpiQuery('completion_rate', { groupBy: ['market', 'tier'], instant: true }))]);
    const kpi = findKpi('completion_rate')!;
    const got = decode(answers.G, 'two labels');
    const groupBy = ['market', 'tier'];
    assertInstantEquals(got, evaluateKpi(kpi.formula, await instantData(kpi, WINDOW, T), { groupBy }), groupBy, 'by market, tier');
    assert.deepEqual(got.series.map((s) => s.displayName).sort(), [
      'Completion rate BR / free',
      'Completion rate BR / premium',
      'Completion rate DE / premium',
      'Completion rate SE / free',
      'Completion rate SE / premium',
      'Completion rate US / free',
    ]);
  });

  it('legendFormat names KPI series instead of the KPI name', async () => {
    const legend = kpiQuery('completion_rate', { groupBy: ['market'], instant: true, legendFormat: 'done in {{market}}' });
    const answers = await ask(promSource(), [query('L', legend)]);
    assert.deepEqual(decode(answers.L, 'legend').series.map((s) => s.displayName).sort(), ['done in BR', 'done in DE', 'done in SE', 'done in US']);
  });
});

describe('filters', () => {
  async function filtered(kpiId: string, filters: LabelFilter[], groupBy: string[] = []) {
    const kpi = findKpi(kpiId)!;
    const answers = await ask(promSource(), [
      query('F', kpiQuery(kpiId, { filters, groupBy, instant: true })),
      query('U', kpiQuery(kpiId, { groupBy, instant: true })),
    ]);
    const data = await instantData(kpi, WINDOW, T);
    const got = decode(answers.F, `${kpiId} filtered`);
    const unfiltered = decode(answers.U, `${kpiId} unfiltered`);
    const expected = evaluateKpi(kpi.formula, data, { filters, groupBy });
    assertInstantEquals(got, expected, groupBy, `${kpiId} ${JSON.stringify(filters)}`);
    assert.ok(
      got.meta?.executedQueryString?.includes(`Expr: ${renderPromql(kpi.formula, { filters, groupBy, window: WINDOW })}\n`),
      `the filters are in every selector: ${got.meta?.executedQueryString}`,
    );
    return { got, unfiltered, expected, data, kpi };
  }

  it('market="SE" answers what the evaluator predicts: SE\'s own group, not the total', async () => {
    for (const kpiId of ['rebuffering_ratio', 'startup_time_p95', 'arpu', 'churn_rate']) {
      const { got, unfiltered, kpi, data } = await filtered(kpiId, [{ label: 'market', op: '=', value: 'SE' }]);
      const value = got.series[0]!.values[0]!;
      assert.ok(!close(value, unfiltered.series[0]!.values[0]!), `${kpiId}: the filter changes the answer (${value})`);
      const [se] = evaluateKpi(kpi.formula, data, { groupBy: ['market'] }).filter((g) => g.labels.market === 'SE');
      assert.ok(se && close(value, se.value), `${kpiId}: market="SE" equals the SE group (${value} vs ${se?.value})`);
    }
  });

  it('platform=~"ios|android" leaves web out, as the evaluator predicts', async () => {
    for (const kpiId of ['average_bitrate', 'rebuffering_frequency', 'streams']) {
      const { got, unfiltered } = await filtered(kpiId, [{ label: 'platform', op: '=~', value: 'ios|android' }], ['market']);
      for (const series of got.series.filter((s) => s.labels.market !== 'DE')) {
        const all = unfiltered.series.find((s) => s.labels.market === series.labels.market)!;
        assert.ok(!close(series.values[0]!, all.values[0]!), `${kpiId} ${series.labels.market}: web was left out`);
      }
    }
    // Regexes match whole values, as in Prometheus: "droid" is not android.
    const anchored = await filtered('streams', [{ label: 'platform', op: '=~', value: 'droid|web' }]);
    const web = await filtered('streams', [{ label: 'platform', op: '=', value: 'web' }]);
    assert.ok(close(anchored.got.series[0]!.values[0]!, web.got.series[0]!.values[0]!), 'droid|web matches web only');
    // Several filters together, negative operators included.
    await filtered('skip_rate', [
      { label: 'platform', op: '!~', value: 'web|tv' },
      { label: 'tier', op: '!=', value: 'free' },
    ]);
  });

  it('quantiles at the edges of the histogram: in the first bucket and beyond the last finite one', async () => {
    const first = await filtered('startup_time_p50', [
      { label: 'platform', op: '=', value: 'ios' },
      { label: 'tier', op: '=', value: 'free' },
    ]);
    const median = first.got.series[0]!.values[0]!;
    assert.ok(median > 0 && median < 0.1, `p50 of starts under 0.1 s lies in the first bucket: ${median}`);
    const last = await filtered('startup_time_p95', [
      { label: 'market', op: '=', value: 'SE' },
      { label: 'platform', op: '=', value: 'web' },
      { label: 'tier', op: '=', value: 'premium' },
    ]);
    assert.equal(last.got.series[0]!.values[0], 15, 'a rank in the +Inf bucket answers the highest finite bound');
  });

  it('quotes and backslashes in label values stay inside the string: injection finds nothing, and no error', async () => {
    for (const value of ['BR"} or vector(1) or {x="', 'SE\\', 'SE\\"} or vector(1) #', 'S"E\n']) {
      for (const kpiId of ['rebuffering_ratio', 'active_users', 'ad_revenue']) {
        const { got, expected } = await filtered(kpiId, [{ label: 'market', op: '=', value }]);
        assert.deepEqual(expected, [], 'the evaluator finds no such market');
        assert.equal(got.series.length, 0, `${kpiId} market=${JSON.stringify(value)}: ${JSON.stringify(got.series)}`);
      }
    }
    // A double quote inside a regex: the pattern is `ios"|android`, which only android matches.
    const { got } = await filtered('average_bitrate', [{ label: 'platform', op: '=~', value: 'ios"|android' }]);
    const android = await filtered('average_bitrate', [{ label: 'platform', op: '=', value: 'android' }]);
    assert.ok(close(got.series[0]!.values[0]!, android.got.series[0]!.values[0]!));
  });
});

describe('bad queries among good ones', () => {
  it('each invalid query gets its own 400 naming the field; the valid neighbour answers', async () => {
    const answers = await ask(promSource(), [
      query('A', kpiQuery('streams', { groupBy: ['market'], instant: true })),
      query('B', kpiQuery('no_such_kpi', { instant: true })),
      query('C', kpiQuery('arpu', { groupBy: ['platform'], instant: true })),
      query('D', kpiQuery('skip_rate', { groupBy: ['reason'], instant: true })),
    ]);
    const streams = findKpi('streams')!;
    const expected = evaluateKpi(streams.formula, await instantData(streams, WINDOW, T), { groupBy: ['market'] });
    assertInstantEquals(decode(answers.A, 'valid'), expected, ['market'], 'valid neighbour');
    const failures = Object.fromEntries(
      ['B', 'C', 'D'].map((refId) => {
        const answer = answers[refId]!;
        assert.deepEqual(
          { status: answer.status, source: answer.errorSource, frames: answer.frames.length },
          { status: 400, source: 'plugin', frames: 0 },
          `${refId}: ${answer.error}`,
        );
        return [refId, answer.error];
      }),
    );
    assert.match(failures.B!, /^kpi: expected a KPI id .*got "no_such_kpi"/);
    assert.match(failures.C!, /^groupBy\.0: .*arpu.*"platform"/);
    // skip_rate fixes reason itself: grouping by it is refused, not silently wrong
    assert.match(failures.D!, /^groupBy\.0: .*skip_rate.*"reason"/);
  });
});

describe('the demo source', () => {
  const demo: DataSourceInput = { uid: 'encore-kpi-demo', url: '', jsonData: { sourceKind: 'demo' } };

  it('answers a KPI it models with the catalogue unit, and refuses one it does not, naming it', async () => {
    const answers = await ask(demo, [
      query('A', kpiQuery('rebuffering_ratio', { groupBy: ['market'] })),
      query('B', kpiQuery('arpu', { instant: true })),
      query('C', kpiQuery('subscription_revenue', { groupBy: ['plan'], instant: true })),
    ]);
    const kpi = findKpi('rebuffering_ratio')!;
    const got = decode(answers.A, 'demo rebuffering_ratio');
    assert.ok(got.series.length >= 2, `one series per demo market, got ${got.series.length}`);
    assert.equal(new Set(got.series.map((s) => s.labels.market)).size, got.series.length, 'one series per market');
    for (const s of got.series) {
      assert.equal(s.unit, kpi.unit);
      assert.equal(s.displayName, `${kpi.name} ${s.labels.market}`);
      assert.ok(s.values.length > 1 && s.values.every((v) => v >= 0 && v <= 1), `a ratio over the range: ${s.values.slice(0, 5).join(', ')}`);
    }
    assert.deepEqual(got.meta?.custom, { kpi: kpi.id, group: kpi.group, good: kpi.good });
    assert.match(got.meta?.executedQueryString ?? '', /^KPI: rebuffering_ratio \(Rebuffering ratio\)\n/);

    const refusals = [
      ['B', /^kpi: arpu is not modelled by the demo source/],
      ['C', /^groupBy: the demo source splits subscription_revenue only by market/],
    ] as const;
    for (const [refId, pattern] of refusals) {
      const answer = answers[refId]!;
      assert.deepEqual({ status: answer.status, source: answer.errorSource }, { status: 400, source: 'plugin' }, answer.error);
      assert.match(answer.error, pattern);
    }
  });
});

describe('the backend afterwards', () => {
  it('is still serving and logged nothing but clean hclog lines', async () => {
    assert.equal(await host.health(), 'SERVING');
    host.log.assertStrictHclog();
  });
});
