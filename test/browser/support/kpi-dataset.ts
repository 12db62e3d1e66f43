/**
 * A small dataset of the collector's own metrics (names and labels from src/common/streaming-
 * metrics.ts) for a real Prometheus, with the listener-behaviour and revenue KPIs the demo source
 * does not model: listening time per user, session length and its distribution, the streams
 * funnel, ARPU, trial conversion and churn. Three markets, one sample a minute for four hours.
 *
 * Every KPI's value is known from the parameters below: the counters a ratio divides are
 * proportional to each other (traffic follows one wave, shares are constants), and counters
 * start far from zero, so Prometheus' rate() over any window gives the exact ratio. `expected`
 * holds them, computed here, apart from the backend's KPI formulas. Two events: in the last
 * 50 minutes Brazil skips more (plays that ended for another reason are skipped instead), so the
 * skip rate has an incident to show and the completions are untouched; and Germany's telemetry
 * stops for 20 minutes two hours in (no samples, the counters carry on), a gap the data-quality
 * checks report. Neither touches the values at the end but the skip rates.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REFERENCE_USD_RATES } from '../../../src/common/exchange-rates';
import { STREAMING_METRICS } from '../../../src/common/streaming-metrics';
import { startPrometheus, toOpenMetrics, type FixtureDataset, type FixtureSeries, type PrometheusFixture } from '../../support/prometheus';

const MINUTE = 60_000;
export const DATASET_SAMPLES = 240;
/** The Brazil skip incident: the last 50 samples. */
export const INCIDENT_SAMPLES = 50;
const INCIDENT_SKIP_LIFT = 0.12;
/** Counters start this many minutes of traffic above zero: no rate() ever extrapolates to zero. */
const OFFSET_MINUTES = 100_000;
/** Germany sends nothing for these samples. */
export const GAP_SAMPLES = { market: 'DE', from: 120, to: 140 } as const;

type Market = 'US' | 'BR' | 'DE';
type Currency = keyof typeof REFERENCE_USD_RATES;

interface MarketPlan {
  currency: Currency;
  /** plays started per minute at the wave's mean */
  plays: number;
  /** share of plays from a recommendation surface */
  recommended: number;
  /** of ended plays, per surface: skipped and completed */
  skipped: { recommended: number; other: number };
  completed: { recommended: number; other: number };
  /** seconds of audio per second, all users */
  listening: number;
  users: { free: number; premium: number };
  /** sessions ended per minute */
  sessions: number;
  /** per second, in the market's currency */
  subscriptionRevenue: number;
  adRevenue: number;
  /** per minute */
  trials: number;
  cancellations: number;
}

export const MARKETS: Readonly<Record<Market, MarketPlan>> = {
  US: {
    currency: 'USD',
    plays: 3600,
    recommended: 0.4,
    skipped: { recommended: 0.3, other: 0.22 },
    completed: { recommended: 0.5, other: 0.6 },
    listening: 11_000,
    users: { free: 90_000, premium: 60_000 },
    sessions: 250,
    subscriptionRevenue: 0.45,
    adRevenue: 0.06,
    trials: 2,
    cancellations: 0.06,
  },
  BR: {
    currency: 'BRL',
    plays: 2400,
    recommended: 0.5,
    skipped: { recommended: 0.34, other: 0.26 },
    completed: { recommended: 0.46, other: 0.55 },
    listening: 8000,
    users: { free: 120_000, premium: 30_000 },
    sessions: 170,
    subscriptionRevenue: 0.6,
    adRevenue: 0.2,
    trials: 1.5,
    cancellations: 0.04,
  },
  DE: {
    currency: 'EUR',
    plays: 1800,
    recommended: 0.3,
    skipped: { recommended: 0.28, other: 0.2 },
    completed: { recommended: 0.55, other: 0.62 },
    listening: 4500,
    users: { free: 30_000, premium: 40_000 },
    sessions: 100,
    subscriptionRevenue: 0.12,
    adRevenue: 0.02,
    trials: 1,
    cancellations: 0.035,
  },
};

/** Of plays started: ended (the rest still playing), and became 30-second streams. */
const ENDED_SHARE = 0.97;
const STREAM_SHARE = 0.7;
const CONVERSION_SHARE = 0.35;
/** Cumulative share of sessions up to each bucket bound (the collector's buckets, then +Inf). */
const SESSION_CUMULATIVE = [0.05, 0.2, 0.4, 0.6, 0.72, 0.82, 0.9, 0.95, 0.98, 0.995, 1];
export const SESSION_MEAN_SECONDS = 1500;
/** Where the cumulative share crosses 0.5: halfway between the 600 s (0.4) and 1200 s (0.6) bounds. */
export const SESSION_MEDIAN_SECONDS = 900;

const surfaces = ['recommended', 'other'] as const;
const sum = (f: (plan: MarketPlan, market: Market) => number) => (Object.entries(MARKETS) as Array<[Market, MarketPlan]>).reduce((total, [market, plan]) => total + f(plan, market), 0);
const usd = (plan: MarketPlan, perSecond: number) => perSecond * REFERENCE_USD_RATES[plan.currency];
const surfaceShare = (plan: MarketPlan, surface: (typeof surfaces)[number]) => (surface === 'recommended' ? plan.recommended : 1 - plan.recommended);
/** Skipped share of a market's surface at the end of the dataset (the incident is on then). */
const skippedAtEnd = (plan: MarketPlan, market: Market, surface: (typeof surfaces)[number]) => plan.skipped[surface] + (market === 'BR' ? INCIDENT_SKIP_LIFT : 0);

/** The KPIs at the end of the dataset, by catalogue id, in the catalogue's units. */
export const EXPECTED = {
  skip_rate: sum((p, m) => p.plays * surfaces.reduce((t, s) => t + surfaceShare(p, s) * skippedAtEnd(p, m, s), 0)) / sum((p) => p.plays),
  completion_rate: sum((p) => p.plays * surfaces.reduce((t, s) => t + surfaceShare(p, s) * p.completed[s], 0)) / sum((p) => p.plays),
  recommendation_skip_rate: sum((p, m) => p.plays * p.recommended * skippedAtEnd(p, m, 'recommended')) / sum((p) => p.plays * p.recommended),
  recommendation_stream_share: sum((p) => p.plays * p.recommended) / sum((p) => p.plays),
  listening_hours_per_user: (24 * sum((p) => p.listening)) / sum((p) => p.users.free + p.users.premium),
  session_length: SESSION_MEAN_SECONDS,
  subscription_revenue: 86_400 * sum((p) => usd(p, p.subscriptionRevenue)),
  ad_revenue: 86_400 * sum((p) => usd(p, p.adRevenue)),
  arpu: (2_592_000 * sum((p) => usd(p, p.subscriptionRevenue + p.adRevenue))) / sum((p) => p.users.free + p.users.premium),
  trial_conversion: CONVERSION_SHARE,
  churn_rate: (2_592_000 * sum((p) => p.cancellations / 60)) / sum((p) => p.users.premium),
} as const;

/** The skip rate before Brazil's incident (and outside Germany's gap). */
export const SKIP_RATE_BEFORE_INCIDENT = sum((p) => p.plays * surfaces.reduce((t, s) => t + surfaceShare(p, s) * p.skipped[s], 0)) / sum((p) => p.plays);

/** The streams funnel's shares: 30-second streams of starts, completions of streams (the wave cancels out). */
export const EXPECTED_FUNNEL = {
  streamsOfStarts: STREAM_SHARE,
  completionsOfStreams: (ENDED_SHARE * sum((p) => p.plays * surfaces.reduce((t, s) => t + surfaceShare(p, s) * p.completed[s], 0))) / (STREAM_SHARE * sum((p) => p.plays)),
};

/** Traffic over the day: every market follows it, so ratios of traffic counters are constant. */
const wave = (i: number) => 1 + 0.3 * Math.sin((2 * Math.PI * i) / 180);

export function kpiDataset(endMs: number): FixtureDataset {
  const startMs = endMs - (DATASET_SAMPLES - 1) * MINUTE;
  const at = (i: number) => startMs + i * MINUTE;
  const series: FixtureSeries[] = [];
  const sent = (labels: Record<string, string>, i: number) => !(labels.market === GAP_SAMPLES.market && i >= GAP_SAMPLES.from && i < GAP_SAMPLES.to);
  /** A counter whose per-minute increase at sample i is `perMinute(i)`. */
  const counter = (name: string, labels: Record<string, string>, perMinute: (i: number) => number, offsetPerMinute = perMinute(0)) => {
    let value = OFFSET_MINUTES * offsetPerMinute;
    const points: Array<[number, number]> = [];
    for (let i = 0; i < DATASET_SAMPLES; i++) {
      value += perMinute(i);
      if (sent(labels, i)) points.push([at(i), value]);
    }
    series.push({ labels: { __name__: name, ...labels }, points });
  };
  const gauge = (name: string, labels: Record<string, string>, value: number) => {
    const points: Array<[number, number]> = [];
    for (let i = 0; i < DATASET_SAMPLES; i++) if (sent(labels, i)) points.push([at(i), value]);
    series.push({ labels: { __name__: name, ...labels }, points });
  };
  const incident = (i: number) => i >= DATASET_SAMPLES - INCIDENT_SAMPLES;
  const M = STREAMING_METRICS;

  for (const [currency, rate] of Object.entries(REFERENCE_USD_RATES)) gauge(M.exchangeRate.name, { currency }, rate);
  for (const [market, plan] of Object.entries(MARKETS) as Array<[Market, MarketPlan]>) {
    const plays = (i: number) => plan.plays * wave(i);
    for (const surface of surfaces) {
      const recommended = surface === 'recommended' ? 'true' : 'false';
      const started = (i: number) => plays(i) * surfaceShare(plan, surface);
      counter(M.playStarts.name, { market, recommended }, started);
      counter(M.streams.name, { market, recommended }, (i) => STREAM_SHARE * started(i));
      const skipped = (i: number) => plan.skipped[surface] + (market === 'BR' && incident(i) ? INCIDENT_SKIP_LIFT : 0);
      const shares = { skipped, completed: () => plan.completed[surface], other: (i: number) => 1 - skipped(i) - plan.completed[surface] };
      // Offsets in the shares before the incident, so every counter of a surface stays proportional until then.
      for (const [reason, share] of Object.entries(shares)) counter(M.playEnds.name, { market, recommended, reason }, (i) => ENDED_SHARE * started(i) * share(i), ENDED_SHARE * started(0) * share(0));
    }
    counter(M.playTime.name, { market }, () => plan.listening * 60);
    gauge(M.activeUsers.name, { market, tier: 'free' }, plan.users.free);
    gauge(M.activeUsers.name, { market, tier: 'premium' }, plan.users.premium);
    const bounds = [...M.sessionDuration.buckets.map(String), '+Inf'];
    bounds.forEach((le, b) => counter(`${M.sessionDuration.name}_bucket`, { market, le }, () => plan.sessions * SESSION_CUMULATIVE[b]!));
    counter(`${M.sessionDuration.name}_sum`, { market }, () => plan.sessions * SESSION_MEAN_SECONDS);
    counter(`${M.sessionDuration.name}_count`, { market }, () => plan.sessions);
    counter(M.subscriptionRevenue.name, { market, plan: 'premium', currency: plan.currency }, () => plan.subscriptionRevenue * 60);
    counter(M.adRevenue.name, { market, format: 'audio', currency: plan.currency }, () => plan.adRevenue * 60);
    counter(M.subscriptionEvents.name, { market, plan: 'premium', action: 'trial_start' }, () => plan.trials);
    counter(M.subscriptionEvents.name, { market, plan: 'premium', action: 'conversion' }, () => plan.trials * CONVERSION_SHARE);
    counter(M.subscriptionEvents.name, { market, plan: 'premium', action: 'cancellation' }, () => plan.cancellations);
  }
  return { startMs, endMs: at(DATASET_SAMPLES - 1), intervalMs: MINUTE, series };
}

export const KPI_DATASOURCE_UID = 'encore-kpis';

export interface KpiPrometheus {
  prometheus: PrometheusFixture;
  /** epoch ms of the last sample: a whole minute, a minute before the start */
  endMs: number;
  /** the Encore data source that reads it */
  datasource: { uid: string; name: string; url: string; jsonData: { sourceKind: 'prometheus'; scrapeInterval: string } };
  stop(): Promise<void>;
}

/** A real Prometheus holding the dataset (backfilled with promtool), and an Encore data source on it. */
export async function startKpiPrometheus(): Promise<KpiPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'encore-kpi-dataset-'));
  const endMs = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
  const { file } = await writeKpiDataset(dir, endMs);
  const prometheus = await startPrometheus({ data: false, openMetricsFiles: [file] });
  return {
    prometheus,
    endMs,
    datasource: { uid: KPI_DATASOURCE_UID, name: 'Encore (Prometheus)', url: prometheus.url, jsonData: { sourceKind: 'prometheus', scrapeInterval: '1m' } },
    stop: async () => {
      await prometheus.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes the dataset as OpenMetrics for promtool; returns the file. */
export async function writeKpiDataset(dir: string, endMs: number): Promise<{ file: string; dataset: FixtureDataset }> {
  const dataset = kpiDataset(endMs);
  const file = join(dir, 'kpis.om.txt');
  await writeFile(file, toOpenMetrics(dataset));
  return { file, dataset };
}
