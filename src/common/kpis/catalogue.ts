import {
  gauge,
  histogramRate,
  quantile,
  queryableLabels,
  rate,
  rateUsd,
  ratio,
  scale,
  sum,
  type KpiExpr,
} from './expression';

/**
 * The KPI catalogue: every streaming KPI Encore knows, defined once. The query layer compiles
 * `formula` to PromQL (queryType `kpi`), the panels take name, unit and SLO from here, and the
 * dashboards and alert rules name KPIs by id. docs/kpis.md explains each formula and where it
 * comes from; a test keeps that page in step with this list.
 */

export const KPI_GROUPS = ['audio_quality', 'behaviour', 'revenue'] as const;
export type KpiGroup = (typeof KPI_GROUPS)[number];

export const KPI_GROUP_NAMES: Readonly<Record<KpiGroup, string>> = {
  audio_quality: 'Audio quality',
  behaviour: 'Listener behaviour',
  revenue: 'Revenue',
};

/** Which way is better: alerting and colouring use it; `neutral` KPIs are watched both ways. */
export type GoodDirection = 'up' | 'down' | 'neutral';

export interface Slo {
  /** the KPI is within its objective while `value <op> threshold` */
  op: '<=' | '>=';
  threshold: number;
  /** where the default comes from */
  basis: string;
}

export interface KpiDefinition {
  id: string;
  name: string;
  group: KpiGroup;
  description: string;
  /** Grafana unit id (`s`, `percentunit`, `Kbits`, `currencyUSD`, `count:<what>`) */
  unit: string;
  /** decimals panels show by default */
  decimals: number;
  formula: KpiExpr;
  /** values outside are impossible: a data problem, not a business anomaly */
  validRange: readonly [number, number];
  good: GoodDirection;
  slo?: Slo;
  /**
   * The value is the share of the denominator's events that the numerator's events make up (each
   * numerator event is one of the denominator's: failed plays among plays). Its noise is then
   * binomial and the denominator's count in a step says how far one point can be trusted; the
   * anomaly detection reads that count beside the value (shareEvents).
   */
  share?: true;
}

const HOUR = 3600;
const DAY = 86_400;
const MONTH = 30 * DAY;
const RATIO: readonly [number, number] = [0, 1];

const define = (kpi: KpiDefinition): KpiDefinition => kpi;

export const KPIS: readonly KpiDefinition[] = [
  // ---- Audio quality (QoE) ---------------------------------------------------------------
  define({
    id: 'startup_time_p50',
    name: 'Startup time p50',
    group: 'audio_quality',
    description: 'Median time from pressing play to first audio, over the plays that started.',
    unit: 's',
    decimals: 2,
    formula: quantile(0.5, 'startupTime'),
    validRange: [0, 60],
    good: 'down',
  }),
  define({
    id: 'startup_time_p95',
    name: 'Startup time p95',
    group: 'audio_quality',
    description: '95th percentile time from pressing play to first audio: the slow starts users remember.',
    unit: 's',
    decimals: 2,
    formula: quantile(0.95, 'startupTime'),
    validRange: [0, 60],
    good: 'down',
    slo: { op: '<=', threshold: 2, basis: 'the common 2-second start-up objective of streaming QoE programmes' },
  }),
  define({
    id: 'rebuffering_ratio',
    name: 'Rebuffering ratio',
    group: 'audio_quality',
    description: 'Share of listening time spent stalled: rebuffer time / (play time + rebuffer time).',
    unit: 'percentunit',
    decimals: 2,
    formula: ratio(rate('rebufferTime'), sum(rate('playTime'), rate('rebufferTime'))),
    validRange: RATIO,
    good: 'down',
    slo: { op: '<=', threshold: 0.01, basis: 'under 1 % of time stalled, the usual "good" band of QoE benchmarks' },
  }),
  define({
    id: 'rebuffering_frequency',
    name: 'Rebuffering frequency',
    group: 'audio_quality',
    description: 'Stalls per minute of audio played.',
    unit: 'count:stalls/min',
    decimals: 3,
    formula: scale(60, ratio(rate('rebuffers'), rate('playTime'))),
    validRange: [0, 60],
    good: 'down',
  }),
  define({
    id: 'playback_failure_rate',
    name: 'Playback failure rate',
    group: 'audio_quality',
    description: 'Share of play attempts ended by a fatal error, before or during playback.',
    unit: 'percentunit',
    decimals: 2,
    formula: ratio(rate('playbackErrors', { fatal: ['true'] }), rate('playAttempts')),
    validRange: RATIO,
    good: 'down',
    slo: { op: '<=', threshold: 0.01, basis: 'fewer than 1 in 100 attempts failing' },
    share: true,
  }),
  define({
    id: 'exits_before_start',
    name: 'Exits before start',
    group: 'audio_quality',
    description: 'Share of play attempts the listener gave up on before audio started.',
    unit: 'percentunit',
    decimals: 2,
    formula: ratio(rate('playAbandons'), rate('playAttempts')),
    validRange: RATIO,
    good: 'down',
    share: true,
  }),
  define({
    id: 'average_bitrate',
    name: 'Average bitrate',
    group: 'audio_quality',
    description: 'Time-weighted average audio bitrate of the plays that ended.',
    unit: 'Kbits',
    decimals: 0,
    formula: ratio(rate('bitrateTime'), rate('playTime')),
    validRange: [0, 10_000],
    good: 'up',
  }),
  define({
    id: 'bitrate_downshift_rate',
    name: 'Bitrate downshifts',
    group: 'audio_quality',
    description: 'Switches to a lower bitrate per hour of audio played.',
    unit: 'count:downshifts/h',
    decimals: 2,
    formula: scale(HOUR, ratio(rate('bitrateChanges', { direction: ['down'] }), rate('playTime'))),
    validRange: [0, 3600],
    good: 'down',
  }),
  // ---- Listener behaviour ----------------------------------------------------------------
  define({
    id: 'streams',
    name: 'Streams',
    group: 'behaviour',
    description: 'Plays of 30 seconds or more (the industry "stream"), per hour.',
    unit: 'count:streams/h',
    decimals: 0,
    formula: scale(HOUR, rate('streams')),
    validRange: [0, Number.MAX_SAFE_INTEGER],
    good: 'up',
  }),
  define({
    id: 'skip_rate',
    name: 'Skip rate',
    group: 'behaviour',
    description: 'Share of ended plays that the listener skipped.',
    unit: 'percentunit',
    decimals: 1,
    formula: ratio(rate('playEnds', { reason: ['skipped'] }), rate('playEnds')),
    validRange: RATIO,
    good: 'down',
    share: true,
  }),
  define({
    id: 'completion_rate',
    name: 'Completion rate',
    group: 'behaviour',
    description: 'Share of ended plays that played to the end.',
    unit: 'percentunit',
    decimals: 1,
    formula: ratio(rate('playEnds', { reason: ['completed'] }), rate('playEnds')),
    validRange: RATIO,
    good: 'up',
    share: true,
  }),
  define({
    id: 'listening_hours_per_user',
    name: 'Listening time per user',
    group: 'behaviour',
    description: 'Hours of audio per day per active user (distinct users of the last 24 hours).',
    unit: 'h',
    decimals: 2,
    formula: scale(DAY / HOUR, ratio(rate('playTime'), gauge('activeUsers'))),
    validRange: [0, 24],
    good: 'up',
  }),
  define({
    id: 'session_length',
    name: 'Session length',
    group: 'behaviour',
    description: 'Average length of the listening sessions that ended.',
    unit: 's',
    decimals: 0,
    formula: ratio(histogramRate('sessionDuration', 'sum'), histogramRate('sessionDuration', 'count')),
    validRange: [0, DAY],
    good: 'up',
  }),
  define({
    id: 'recommendation_stream_share',
    name: 'Recommendation share',
    group: 'behaviour',
    description: 'Share of streams started from a recommendation surface.',
    unit: 'percentunit',
    decimals: 1,
    formula: ratio(rate('streams', { recommended: ['true'] }), rate('streams')),
    validRange: RATIO,
    good: 'up',
    share: true,
  }),
  define({
    id: 'recommendation_skip_rate',
    name: 'Recommendation skip rate',
    group: 'behaviour',
    description: 'Share of ended plays from recommendations that the listener skipped.',
    unit: 'percentunit',
    decimals: 1,
    formula: ratio(rate('playEnds', { reason: ['skipped'], recommended: ['true'] }), rate('playEnds', { recommended: ['true'] })),
    validRange: RATIO,
    good: 'down',
    share: true,
  }),
  define({
    id: 'active_users',
    name: 'Active users',
    group: 'behaviour',
    description: 'Distinct users with an event in the last 24 hours.',
    unit: 'short',
    decimals: 0,
    formula: gauge('activeUsers'),
    validRange: [0, Number.MAX_SAFE_INTEGER],
    good: 'up',
  }),
  // ---- Revenue ---------------------------------------------------------------------------
  define({
    id: 'subscription_revenue',
    name: 'Subscription revenue',
    group: 'revenue',
    description: 'Subscription payments (conversions and renewals), in US dollars per day.',
    unit: 'currencyUSD',
    decimals: 0,
    formula: scale(DAY, rateUsd('subscriptionRevenue')),
    validRange: [0, Number.MAX_SAFE_INTEGER],
    good: 'up',
  }),
  define({
    id: 'ad_revenue',
    name: 'Ad revenue',
    group: 'revenue',
    description: 'Advertising revenue, in US dollars per day.',
    unit: 'currencyUSD',
    decimals: 0,
    formula: scale(DAY, rateUsd('adRevenue')),
    validRange: [0, Number.MAX_SAFE_INTEGER],
    good: 'up',
  }),
  define({
    id: 'ecpm',
    name: 'eCPM',
    group: 'revenue',
    description: 'Ad revenue per thousand impressions, in US dollars.',
    unit: 'currencyUSD',
    decimals: 2,
    formula: scale(1000, ratio(rateUsd('adRevenue'), rate('adImpressions'))),
    validRange: [0, 1000],
    good: 'up',
  }),
  define({
    id: 'arpu',
    name: 'ARPU',
    group: 'revenue',
    description: 'Subscription and ad revenue per active user, in US dollars per 30 days at the current rate.',
    unit: 'currencyUSD',
    decimals: 2,
    formula: scale(MONTH, ratio(sum(rateUsd('subscriptionRevenue'), rateUsd('adRevenue')), gauge('activeUsers'))),
    validRange: [0, 1000],
    good: 'up',
  }),
  define({
    id: 'trial_conversion',
    name: 'Trial conversion',
    group: 'revenue',
    description: 'Conversions to paid per trial started, over the same window.',
    unit: 'percentunit',
    decimals: 1,
    formula: ratio(rate('subscriptionEvents', { action: ['conversion'] }), rate('subscriptionEvents', { action: ['trial_start'] })),
    validRange: [0, 10],
    good: 'up',
  }),
  define({
    id: 'churn_rate',
    name: 'Churn rate',
    group: 'revenue',
    description: 'Cancellations per 30 days as a share of active premium users.',
    unit: 'percentunit',
    decimals: 2,
    formula: scale(MONTH, ratio(rate('subscriptionEvents', { action: ['cancellation'] }), gauge('activeUsers', { tier: ['premium'] }))),
    validRange: RATIO,
    good: 'down',
  }),
  define({
    id: 'payment_failure_rate',
    name: 'Payment failure rate',
    group: 'revenue',
    description: 'Share of payment attempts (conversions, renewals, failures) that failed.',
    unit: 'percentunit',
    decimals: 2,
    formula: ratio(
      rate('subscriptionEvents', { action: ['payment_failed'] }),
      rate('subscriptionEvents', { action: ['payment_failed', 'conversion', 'renewal'] }),
    ),
    validRange: RATIO,
    good: 'down',
    slo: { op: '<=', threshold: 0.05, basis: 'card payment decline rates are usually a few percent' },
    share: true,
  }),
];

export type KpiId = string;

/** The events a share KPI is a share of (its ratio's denominator); undefined for other KPIs. */
export function shareEvents(kpi: KpiDefinition): KpiExpr | undefined {
  return kpi.share && kpi.formula.kind === 'ratio' ? kpi.formula.denominator : undefined;
}

const byId = new Map(KPIS.map((kpi) => [kpi.id, kpi]));

export function findKpi(id: string): KpiDefinition | undefined {
  return byId.get(id);
}

export const KPI_IDS: readonly string[] = KPIS.map((kpi) => kpi.id);

/** Labels a query on this KPI may filter and group by (see queryableLabels). */
export function kpiLabels(kpi: KpiDefinition): string[] {
  return queryableLabels(kpi.formula);
}
