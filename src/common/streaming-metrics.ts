/**
 * The Prometheus metrics the collector exports from accepted events: names, types, labels and
 * buckets, defined once. The collector registers exactly these with prom-client, the simulator's
 * backfill writes exactly these, and the KPI catalogue's PromQL reads exactly these.
 * Every label has a bounded set of values (see events/vocabulary.ts), so the series count is
 * bounded whatever clients send. docs/metrics.md documents each one.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
  /** histogram upper bounds, chosen for the quantity measured */
  buckets?: readonly number[];
}

const AUDIENCE = ['market', 'platform', 'tier'] as const;
/** `recommended` is "true" or "false": the play came from a recommendation surface. */
const CONTENT = [...AUDIENCE, 'content_type', 'recommended'] as const;

function define<const D extends MetricDefinition>(definition: D): D {
  return definition;
}

export const STREAMING_METRICS = {
  sessionsStarted: define({
    name: 'encore_sessions_started_total',
    type: 'counter',
    help: 'Listening sessions started.',
    labels: AUDIENCE,
  }),
  sessionsEnded: define({
    name: 'encore_sessions_ended_total',
    type: 'counter',
    help: 'Listening sessions ended.',
    labels: AUDIENCE,
  }),
  sessionDuration: define({
    name: 'encore_session_duration_seconds',
    type: 'histogram',
    help: 'Length of ended sessions.',
    labels: AUDIENCE,
    buckets: [60, 300, 600, 1200, 1800, 2700, 3600, 5400, 7200, 14400],
  }),
  playAttempts: define({
    name: 'encore_play_attempts_total',
    type: 'counter',
    help: 'Plays requested (the user pressed play).',
    labels: CONTENT,
  }),
  playStarts: define({
    name: 'encore_play_starts_total',
    type: 'counter',
    help: 'Plays whose audio started.',
    labels: CONTENT,
  }),
  startupTime: define({
    name: 'encore_startup_seconds',
    type: 'histogram',
    help: 'Time from pressing play to first audio.',
    labels: AUDIENCE,
    buckets: [0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 15],
  }),
  playAbandons: define({
    name: 'encore_play_abandons_total',
    type: 'counter',
    help: 'Plays the user gave up on before audio started (exits before start).',
    labels: AUDIENCE,
  }),
  playbackErrors: define({
    name: 'encore_playback_errors_total',
    type: 'counter',
    help: 'Playback errors reported by players; fatal="true" ended the play.',
    labels: [...AUDIENCE, 'fatal'],
  }),
  rebuffers: define({
    name: 'encore_rebuffers_total',
    type: 'counter',
    help: 'Playback stalls (rebuffering events).',
    labels: AUDIENCE,
  }),
  rebufferTime: define({
    name: 'encore_rebuffer_seconds_total',
    type: 'counter',
    help: 'Time spent stalled, waiting for data.',
    labels: AUDIENCE,
  }),
  rebufferDuration: define({
    name: 'encore_rebuffer_duration_seconds',
    type: 'histogram',
    help: 'Length of single stalls.',
    labels: ['market', 'platform'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30],
  }),
  playTime: define({
    name: 'encore_play_seconds_total',
    type: 'counter',
    help: 'Time audio played, counted when the play ends.',
    labels: CONTENT,
  }),
  playEnds: define({
    name: 'encore_play_ends_total',
    type: 'counter',
    help: 'Plays ended, by reason (completed, skipped, error, user_stop).',
    labels: [...CONTENT, 'reason'],
  }),
  streams: define({
    name: 'encore_streams_total',
    type: 'counter',
    help: 'Plays that lasted 30 seconds or more (the industry "stream").',
    labels: CONTENT,
  }),
  bitrateTime: define({
    name: 'encore_bitrate_kbps_seconds_total',
    type: 'counter',
    help: 'Average bitrate times seconds played, summed over ended plays (divide by encore_play_seconds_total for the time-weighted bitrate).',
    labels: AUDIENCE,
  }),
  playBitrate: define({
    name: 'encore_play_bitrate_kbps',
    type: 'histogram',
    help: 'Time-weighted average bitrate of ended plays.',
    labels: ['market', 'platform'],
    buckets: [32, 64, 96, 128, 160, 192, 256, 320, 512],
  }),
  bitrateChanges: define({
    name: 'encore_bitrate_changes_total',
    type: 'counter',
    help: 'Bitrate switches during plays, by direction (up, down) and cause.',
    labels: [...AUDIENCE, 'direction', 'cause'],
  }),
  adImpressions: define({
    name: 'encore_ad_impressions_total',
    type: 'counter',
    help: 'Ads served.',
    labels: [...AUDIENCE, 'format'],
  }),
  adRevenue: define({
    name: 'encore_ad_revenue_total',
    type: 'counter',
    help: 'Ad revenue, in units of the currency label.',
    labels: ['market', 'format', 'currency'],
  }),
  subscriptionEvents: define({
    name: 'encore_subscription_events_total',
    type: 'counter',
    help: 'Subscription lifecycle events (trial_start, conversion, renewal, cancellation, payment_failed).',
    labels: ['market', 'plan', 'action'],
  }),
  subscriptionRevenue: define({
    name: 'encore_subscription_revenue_total',
    type: 'counter',
    help: 'Subscription payments (conversions and renewals), in units of the currency label.',
    labels: ['market', 'plan', 'currency'],
  }),
  eventsReceived: define({
    name: 'encore_events_received_total',
    type: 'counter',
    help: 'Valid events received, by outcome: accepted, or resent (an id already accepted; dropped, so counted once).',
    labels: [...AUDIENCE, 'outcome'],
  }),
  activeUsers: define({
    name: 'encore_active_users',
    type: 'gauge',
    help: 'Distinct users with an event in the last 24 hours.',
    labels: ['market', 'tier'],
  }),
  exchangeRate: define({
    name: 'encore_exchange_rate_usd',
    type: 'gauge',
    help: 'US dollars per unit of the currency: the reference rate revenue KPIs convert with.',
    labels: ['currency'],
  }),
} as const satisfies Record<string, MetricDefinition>;

export type StreamingMetricKey = keyof typeof STREAMING_METRICS;
type KeysOfType<T extends MetricType> = {
  [K in StreamingMetricKey]: (typeof STREAMING_METRICS)[K]['type'] extends T ? K : never;
}[StreamingMetricKey];
export type CounterKey = KeysOfType<'counter'>;
export type HistogramKey = KeysOfType<'histogram'>;
export type GaugeKey = KeysOfType<'gauge'>;

/** A play of at least this long counts as a stream. */
export const STREAM_THRESHOLD_MS = 30_000;
