import { hashAt, signedUnit, streamKey, stringHash, triangular } from '../../../common/synthetic/hash';
import {
  SAMPLE_MS,
  SAMPLES_PER_DAY,
  SAMPLES_PER_HOUR,
  SAMPLES_PER_WEEK,
  buildDailyTable,
  buildWeekendTable,
  buildWeeklyTable,
  type WeeklyRhythm,
} from '../../../common/synthetic/seasonality';
import { BILLING_DAY, DEVICE_RHYTHMS } from '../../../common/synthetic/rhythms';

/**
 * The demo population: markets, platforms and the metrics a streaming service watches, with the
 * base signal of every series (level x rhythm x trend x noise) before incidents.
 */

export const PLATFORMS = ['ios', 'android', 'web', 'desktop', 'smart_speaker'] as const;
export type Platform = (typeof PLATFORMS)[number];

type PerPlatform = Readonly<Record<Platform, number>>;

export interface Market {
  /** ISO 3166 code, the `market` label value */
  code: string;
  name: string;
  /** fixed standard offset; the demo ignores daylight saving so its calendar stays simple */
  utcOffsetMinutes: number;
  /** weekly mean of concurrent listeners over all platforms on the reference date */
  concurrentListeners: number;
  /** yearly growth of the audience and revenue, e.g. 0.12 = +12 % a year */
  yearlyGrowth: number;
  /** share of the market's listeners on each platform; sums to 1 */
  platformShare: PerPlatform;
  payingSubscribers: number;
  monthlyArpuUsd: number;
  /** share of listening on the free, ad-supported tier */
  freeShare: number;
  adUsdPerFreeListenerHour: number;
  /** multipliers on the platform baselines: network and device conditions of the market */
  startupFactor: number;
  rebufferFactor: number;
  failureFactor: number;
  bitrateFactor: number;
  /** absolute offsets on the platform baselines: listening habits of the market */
  skipOffset: number;
  recommendationOffset: number;
}

export const MARKETS: readonly Market[] = [
  {
    code: 'US', name: 'United States', utcOffsetMinutes: -5 * 60, concurrentListeners: 120_000, yearlyGrowth: 0.12,
    platformShare: { ios: 0.42, android: 0.25, web: 0.08, desktop: 0.12, smart_speaker: 0.13 },
    payingSubscribers: 1_600_000, monthlyArpuUsd: 10.99, freeShare: 0.42, adUsdPerFreeListenerHour: 0.032,
    startupFactor: 1.0, rebufferFactor: 1.0, failureFactor: 1.0, bitrateFactor: 1.0, skipOffset: 0, recommendationOffset: 0,
  },
  {
    code: 'GB', name: 'United Kingdom', utcOffsetMinutes: 0, concurrentListeners: 42_000, yearlyGrowth: 0.1,
    platformShare: { ios: 0.4, android: 0.28, web: 0.08, desktop: 0.13, smart_speaker: 0.11 },
    payingSubscribers: 600_000, monthlyArpuUsd: 11.5, freeShare: 0.4, adUsdPerFreeListenerHour: 0.026,
    startupFactor: 0.96, rebufferFactor: 0.92, failureFactor: 0.95, bitrateFactor: 1.0, skipOffset: 0.005, recommendationOffset: 0.005,
  },
  {
    code: 'DE', name: 'Germany', utcOffsetMinutes: 60, concurrentListeners: 48_000, yearlyGrowth: 0.09,
    platformShare: { ios: 0.3, android: 0.38, web: 0.08, desktop: 0.16, smart_speaker: 0.08 },
    payingSubscribers: 650_000, monthlyArpuUsd: 10.8, freeShare: 0.45, adUsdPerFreeListenerHour: 0.024,
    startupFactor: 0.98, rebufferFactor: 0.95, failureFactor: 0.95, bitrateFactor: 1.02, skipOffset: -0.01, recommendationOffset: -0.01,
  },
  {
    code: 'SE', name: 'Sweden', utcOffsetMinutes: 60, concurrentListeners: 14_000, yearlyGrowth: 0.04,
    platformShare: { ios: 0.38, android: 0.3, web: 0.07, desktop: 0.15, smart_speaker: 0.1 },
    payingSubscribers: 260_000, monthlyArpuUsd: 11.2, freeShare: 0.3, adUsdPerFreeListenerHour: 0.022,
    startupFactor: 0.9, rebufferFactor: 0.8, failureFactor: 0.9, bitrateFactor: 1.08, skipOffset: -0.005, recommendationOffset: 0.015,
  },
  {
    code: 'BR', name: 'Brazil', utcOffsetMinutes: -3 * 60, concurrentListeners: 65_000, yearlyGrowth: 0.22,
    platformShare: { ios: 0.18, android: 0.62, web: 0.09, desktop: 0.07, smart_speaker: 0.04 },
    payingSubscribers: 700_000, monthlyArpuUsd: 4.1, freeShare: 0.62, adUsdPerFreeListenerHour: 0.007,
    startupFactor: 1.12, rebufferFactor: 1.25, failureFactor: 1.1, bitrateFactor: 0.88, skipOffset: 0.015, recommendationOffset: 0.01,
  },
  {
    code: 'IN', name: 'India', utcOffsetMinutes: 5 * 60 + 30, concurrentListeners: 90_000, yearlyGrowth: 0.35,
    platformShare: { ios: 0.1, android: 0.74, web: 0.08, desktop: 0.05, smart_speaker: 0.03 },
    payingSubscribers: 800_000, monthlyArpuUsd: 1.4, freeShare: 0.78, adUsdPerFreeListenerHour: 0.0032,
    startupFactor: 1.18, rebufferFactor: 1.35, failureFactor: 1.15, bitrateFactor: 0.8, skipOffset: 0.02, recommendationOffset: 0.02,
  },
  {
    code: 'JP', name: 'Japan', utcOffsetMinutes: 9 * 60, concurrentListeners: 38_000, yearlyGrowth: 0.06,
    platformShare: { ios: 0.55, android: 0.22, web: 0.08, desktop: 0.1, smart_speaker: 0.05 },
    payingSubscribers: 520_000, monthlyArpuUsd: 7.2, freeShare: 0.5, adUsdPerFreeListenerHour: 0.021,
    startupFactor: 0.92, rebufferFactor: 0.85, failureFactor: 0.9, bitrateFactor: 1.03, skipOffset: -0.015, recommendationOffset: -0.02,
  },
];

export const MARKET_CODES: readonly string[] = MARKETS.map((m) => m.code);

const PLATFORM_RHYTHMS: Readonly<Record<Platform, WeeklyRhythm>> = DEVICE_RHYTHMS;

export type MetricLabels = 'market' | 'market_platform';

export interface MetricDef {
  name: string;
  help: string;
  unit: string;
  labels: MetricLabels;
  /** valid range; values are clamped into it after incidents */
  min: number;
  max: number;
  /** decimals kept, for quantities that are naturally whole (listeners) or in cents */
  decimals?: number;
}

const metric = (def: MetricDef): MetricDef => def;

export const DEMO_METRICS = {
  activeListeners: metric({
    name: 'encore_demo_active_listeners',
    help: 'Concurrent listeners with a stream playing.',
    unit: 'listeners', labels: 'market_platform', min: 0, max: Number.MAX_SAFE_INTEGER, decimals: 0,
  }),
  startupTime: metric({
    name: 'encore_demo_startup_time_p95_seconds',
    help: '95th percentile time from pressing play to first audio.',
    unit: 'seconds', labels: 'market_platform', min: 0.05, max: 60,
  }),
  rebufferRatio: metric({
    name: 'encore_demo_rebuffer_ratio',
    help: 'Share of playback time spent stalled waiting for data.',
    unit: 'ratio', labels: 'market_platform', min: 0, max: 1,
  }),
  failureRatio: metric({
    name: 'encore_demo_playback_failure_ratio',
    help: 'Share of playback attempts that ended in an error.',
    unit: 'ratio', labels: 'market_platform', min: 0, max: 1,
  }),
  bitrate: metric({
    name: 'encore_demo_average_bitrate_kbps',
    help: 'Average delivered audio bitrate.',
    unit: 'kbps', labels: 'market_platform', min: 64, max: 320,
  }),
  skipRate: metric({
    name: 'encore_demo_skip_rate',
    help: 'Share of started tracks skipped before 30 seconds.',
    unit: 'ratio', labels: 'market_platform', min: 0, max: 1,
  }),
  completionRate: metric({
    name: 'encore_demo_completion_rate',
    help: 'Share of started tracks played to the end.',
    unit: 'ratio', labels: 'market_platform', min: 0, max: 1,
  }),
  recommendationShare: metric({
    name: 'encore_demo_recommendation_share',
    help: 'Share of listening time that came from recommendations.',
    unit: 'ratio', labels: 'market_platform', min: 0, max: 1,
  }),
  subscriptionRevenue: metric({
    name: 'encore_demo_subscription_revenue_usd_per_hour',
    help: 'Subscription payments collected, in US dollars per hour.',
    unit: 'USD/h', labels: 'market', min: 0, max: Number.MAX_SAFE_INTEGER, decimals: 2,
  }),
  adRevenue: metric({
    name: 'encore_demo_ad_revenue_usd_per_hour',
    help: 'Advertising revenue from the free tier, in US dollars per hour.',
    unit: 'USD/h', labels: 'market', min: 0, max: Number.MAX_SAFE_INTEGER, decimals: 2,
  }),
} as const;

export type DemoMetricKey = keyof typeof DEMO_METRICS;
export const METRIC_LIST: readonly MetricDef[] = Object.values(DEMO_METRICS);
export const METRIC_NAMES: readonly string[] = METRIC_LIST.map((m) => m.name);

/** Platform baselines of the playback-quality and behaviour metrics (US network = 1). */
const STARTUP_P95_S: PerPlatform = { ios: 1.05, android: 1.3, web: 1.4, desktop: 1.15, smart_speaker: 1.45 };
const REBUFFER: PerPlatform = { ios: 0.0042, android: 0.0055, web: 0.005, desktop: 0.0036, smart_speaker: 0.0046 };
const FAILURE: PerPlatform = { ios: 0.0026, android: 0.0036, web: 0.0032, desktop: 0.0023, smart_speaker: 0.004 };
const BITRATE_KBPS: PerPlatform = { ios: 215, android: 180, web: 195, desktop: 262, smart_speaker: 245 };
const SKIP: PerPlatform = { ios: 0.31, android: 0.33, web: 0.29, desktop: 0.27, smart_speaker: 0.25 };
const RECOMMENDATION: PerPlatform = { ios: 0.37, android: 0.355, web: 0.32, desktop: 0.31, smart_speaker: 0.375 };

/** Skips push completions down: completion ~ COMPLETION_AT_NO_SKIPS - COMPLETION_PER_SKIP * skip. */
const COMPLETION_AT_NO_SKIPS = 0.84;
const COMPLETION_PER_SKIP = 0.9;
/** People skip a little more in busy hours and less on relaxed weekends. */
const SKIP_LOAD_COUPLING = 0.012;
const SKIP_WEEKEND_LIFT = -0.01;

/** Growth is anchored here and held beyond +-10 years so far-off ranges still look like a live service. */
const TREND_REFERENCE_MS = Date.UTC(2025, 0, 1);
const YEAR_MS = 365.25 * 86_400_000;
const TREND_MAX_YEARS = 10;
const HOURS_PER_MONTH = (365.25 * 24) / 12;

/**
 * How one series is computed before incidents, at the sample containing t:
 *   mul: level * (1 + coupling * (rhythm - 1)) * trend * (1 + slowNoise * slow + fastNoise * fast)
 *   add: level + coupling * (rhythm - 1) + weekendLift * weekend + slowNoise * slow + fastNoise * fast
 * `rhythm` is a weekly table (mean 1) read at the market's local time; slow noise wanders over
 * half-hours, fast noise changes every sample.
 */
export interface SignalPlan {
  form: 'mul' | 'add';
  level: number;
  rhythm: Float64Array;
  coupling: number;
  weekendLift: number;
  /** log of the yearly growth factor; 0 = no trend */
  logGrowth: number;
  slowNoise: number;
  fastNoise: number;
  offsetSamples: number;
}

export interface DemoSeries {
  /** `metric|market|platform`: stable identity, hashed for the noise streams */
  key: string;
  hash: number;
  metric: MetricDef;
  market: Market;
  platform?: Platform;
  /** includes __name__, as Prometheus returns them */
  labels: Readonly<Record<string, string>>;
  plan: SignalPlan;
}

interface Tables {
  platform: Readonly<Record<Platform, Float64Array>>;
  /** per market: the listener-weighted rhythm of all its platforms (its "load") */
  marketLoad: ReadonlyMap<string, Float64Array>;
  billing: Float64Array;
}

function buildTables(): Tables {
  const platform = Object.fromEntries(
    PLATFORMS.map((p) => [p, buildWeeklyTable(PLATFORM_RHYTHMS[p])]),
  ) as Record<Platform, Float64Array>;
  const marketLoad = new Map<string, Float64Array>();
  for (const market of MARKETS) {
    const load = new Float64Array(SAMPLES_PER_WEEK);
    for (const p of PLATFORMS) {
      const share = market.platformShare[p];
      const table = platform[p];
      for (let i = 0; i < SAMPLES_PER_WEEK; i++) load[i] = load[i]! + share * table[i]!;
    }
    marketLoad.set(market.code, load);
  }
  // The billing rhythm has no weekly pattern; repeating it over a week keeps one index scheme.
  const day = buildDailyTable(BILLING_DAY);
  const billing = new Float64Array(SAMPLES_PER_WEEK);
  for (let i = 0; i < SAMPLES_PER_WEEK; i++) billing[i] = day[i % SAMPLES_PER_DAY]!;
  return { platform, marketLoad, billing };
}

function planFor(metricDef: MetricDef, market: Market, platform: Platform | undefined, tables: Tables): SignalPlan {
  const offsetSamples = (market.utcOffsetMinutes * 60_000) / SAMPLE_MS;
  const load = tables.marketLoad.get(market.code)!;
  const logGrowth = Math.log(1 + market.yearlyGrowth);
  const base = { weekendLift: 0, offsetSamples };
  const mul = (level: number, rhythm: Float64Array, coupling: number, growth: number, slow: number, fast: number): SignalPlan => ({
    ...base, form: 'mul', level, rhythm, coupling, logGrowth: growth, slowNoise: slow, fastNoise: fast,
  });
  const add = (level: number, coupling: number, weekendLift: number, slow: number, fast: number): SignalPlan => ({
    ...base, form: 'add', level, rhythm: load, coupling, weekendLift, logGrowth: 0, slowNoise: slow, fastNoise: fast,
  });

  if (metricDef.labels === 'market') {
    if (metricDef === DEMO_METRICS.subscriptionRevenue) {
      const level = (market.payingSubscribers * market.monthlyArpuUsd) / HOURS_PER_MONTH;
      return mul(level, tables.billing, 1, logGrowth, 0.05, 0.05);
    }
    const level = market.concurrentListeners * market.freeShare * market.adUsdPerFreeListenerHour;
    return mul(level, load, 1, logGrowth, 0.04, 0.03);
  }

  const p = platform!;
  switch (metricDef) {
    case DEMO_METRICS.activeListeners:
      return mul(market.concurrentListeners * market.platformShare[p], tables.platform[p], 1, logGrowth, 0.03, 0.008);
    case DEMO_METRICS.startupTime:
      return mul(STARTUP_P95_S[p] * market.startupFactor, load, 0.08, 0, 0.04, 0.025);
    case DEMO_METRICS.rebufferRatio:
      return mul(REBUFFER[p] * market.rebufferFactor, load, 0.25, 0, 0.1, 0.08);
    case DEMO_METRICS.failureRatio:
      return mul(FAILURE[p] * market.failureFactor, load, 0.06, 0, 0.1, 0.1);
    case DEMO_METRICS.bitrate:
      // Adaptive streaming steps down a little when networks are busiest.
      return mul(BITRATE_KBPS[p] * market.bitrateFactor, load, -0.04, 0, 0.015, 0.01);
    case DEMO_METRICS.skipRate:
      return add(SKIP[p] + market.skipOffset, SKIP_LOAD_COUPLING, SKIP_WEEKEND_LIFT, 0.008, 0.005);
    case DEMO_METRICS.completionRate:
      return add(
        COMPLETION_AT_NO_SKIPS - COMPLETION_PER_SKIP * (SKIP[p] + market.skipOffset),
        -COMPLETION_PER_SKIP * SKIP_LOAD_COUPLING,
        -COMPLETION_PER_SKIP * SKIP_WEEKEND_LIFT,
        0.008,
        0.005,
      );
    case DEMO_METRICS.recommendationShare:
      // Lean-back evening and weekend listening leans on recommendations.
      return add(RECOMMENDATION[p] + market.recommendationOffset, 0.008, 0.02, 0.008, 0.005);
    default:
      throw new Error(`no signal plan for ${metricDef.name}`);
  }
}

let catalogue: readonly DemoSeries[] | undefined;

/** Every demo series, built once (the rhythm tables take a few milliseconds). */
export function demoCatalogue(): readonly DemoSeries[] {
  if (catalogue) return catalogue;
  const tables = buildTables();
  const out: DemoSeries[] = [];
  for (const metricDef of METRIC_LIST) {
    for (const market of MARKETS) {
      const platforms: ReadonlyArray<Platform | undefined> = metricDef.labels === 'market' ? [undefined] : PLATFORMS;
      for (const platform of platforms) {
        const key = `${metricDef.name}|${market.code}|${platform ?? ''}`;
        const labels: Record<string, string> = { __name__: metricDef.name, market: market.code };
        if (platform) labels.platform = platform;
        out.push({
          key,
          hash: stringHash(key),
          metric: metricDef,
          market,
          platform,
          labels: Object.freeze(labels),
          plan: planFor(metricDef, market, platform, tables),
        });
      }
    }
  }
  catalogue = out;
  return out;
}

/** Half an hour between the knots of the slow noise. */
const SLOW_KNOT_SAMPLES = SAMPLES_PER_HOUR / 2;
const SLOW_STREAM = 0x51ed27a3;
const FAST_STREAM = 0x2545f491;
let weekendTable: Float64Array | undefined;

/** The sample a timestamp reads: values hold for SAMPLE_MS, like scraped data. */
export function sampleIndex(t: number): number {
  return Math.floor(t / SAMPLE_MS);
}

/**
 * Writes the base value (no incidents, no clamping) of `series` at each timestamp into `out`.
 * Pure in (seed, series, sample): consecutive points only reuse what was computed at the
 * surrounding half-hour knots (slow noise and trend are interpolated between knots).
 */
export function fillBase(series: DemoSeries, times: ArrayLike<number>, seed: number, out: Float64Array): void {
  const plan = series.plan;
  const { level, rhythm: table, coupling, slowNoise, fastNoise, offsetSamples, logGrowth } = plan;
  const weekend = plan.form === 'add' ? (weekendTable ??= buildWeekendTable()) : undefined;
  const slowKey = streamKey(seed, series.hash ^ SLOW_STREAM);
  const fastKey = streamKey(seed, series.hash ^ FAST_STREAM);
  const knotTrend = (k: number): number =>
    logGrowth === 0 ? 1 : Math.exp(logGrowth * trendYears(k * SLOW_KNOT_SAMPLES * SAMPLE_MS));
  let knot = Number.NaN;
  let noise0 = 0;
  let noise1 = 0;
  let trend0 = 1;
  let trend1 = 1;
  for (let i = 0; i < times.length; i++) {
    const sample = Math.floor(times[i]! / SAMPLE_MS);
    const k = Math.floor(sample / SLOW_KNOT_SAMPLES);
    if (k !== knot) {
      if (k === knot + 1) {
        noise0 = noise1;
        trend0 = trend1;
      } else {
        noise0 = signedUnit(hashAt(slowKey, k));
        trend0 = knotTrend(k);
      }
      noise1 = signedUnit(hashAt(slowKey, k + 1));
      trend1 = knotTrend(k + 1);
      knot = k;
    }
    const f = (sample - k * SLOW_KNOT_SAMPLES) / SLOW_KNOT_SAMPLES;
    const slow = noise0 + (noise1 - noise0) * f * f * (3 - 2 * f);
    const fast = triangular(hashAt(fastKey, sample));
    let slot = (sample + offsetSamples) % SAMPLES_PER_WEEK;
    if (slot < 0) slot += SAMPLES_PER_WEEK;
    const rhythm = coupling * (table[slot]! - 1);
    if (weekend === undefined) {
      const trend = trend0 + (trend1 - trend0) * f;
      out[i] = level * (1 + rhythm) * trend * (1 + slowNoise * slow + fastNoise * fast);
    } else {
      out[i] = level + rhythm + plan.weekendLift * weekend[slot]! + slowNoise * slow + fastNoise * fast;
    }
  }
}

function trendYears(t: number): number {
  const years = (t - TREND_REFERENCE_MS) / YEAR_MS;
  return years > TREND_MAX_YEARS ? TREND_MAX_YEARS : years < -TREND_MAX_YEARS ? -TREND_MAX_YEARS : years;
}

const DECIMAL_SCALE = [1, 10, 100, 1000];

/** Clamps into the metric's valid range and rounds whole quantities. */
export function finalizeValue(metricDef: MetricDef, value: number): number {
  const clamped = value < metricDef.min ? metricDef.min : value > metricDef.max ? metricDef.max : value;
  if (metricDef.decimals === undefined) return clamped;
  const scale = DECIMAL_SCALE[metricDef.decimals] ?? 10 ** metricDef.decimals;
  return Math.round(clamped * scale) / scale;
}
