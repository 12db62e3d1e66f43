/**
 * The five provisioned dashboards. Edit here, then run `npm run provisioning:dashboards` to write
 * provisioning/dashboards/encore/*.json (a unit test fails when the files differ from this).
 */
import { findKpi, kpiLabels } from '../../src/common/kpis/catalogue';
import { defaultOptions as audioQualityDefaults } from '../../src/panels/audio-quality/options';
import { defaultOptions as behaviourDefaults } from '../../src/panels/behaviour/options';
import { defaultOptions as revenueDefaults } from '../../src/panels/revenue/options';
import {
  anomalyAnnotation,
  anomalyQuery,
  barGauge,
  dashboard,
  forecastQuery,
  kpiQuery,
  labelVariable,
  outliersQuery,
  panel,
  promqlMatchers,
  promqlQuery,
  qualityQuery,
  row,
  stat,
  stateTimeline,
  table,
  thresholds,
  timeseries,
  type Json,
  type LabelVariable,
} from './builders';

const AUDIENCE: LabelVariable[] = ['market', 'platform', 'tier'];
const MARKET: LabelVariable[] = ['market'];
/** The variables of a dashboard on the audience labels (market, platform, tier). */
const audienceVariables = (kpi: string): Json[] => AUDIENCE.map((v) => labelVariable(v, kpi));

const UP = { direction: 'up' };
const DOWN = { direction: 'down' };
const ANOMALY_RED = 'rgba(242, 73, 92, 1)';
const ANOMALY_ORANGE = 'rgba(255, 152, 48, 1)';

// ---- Audio quality ---------------------------------------------------------------------------

const QOE_KPIS = audioQualityDefaults.kpis;

function audioQuality(): Json {
  return dashboard({
    uid: 'encore-audio-quality',
    title: 'Encore / Audio quality',
    description: 'Playback quality of experience: start-up time, rebuffering, failures and bitrate, against their expected bands and SLOs.',
    tags: ['audio-quality'],
    variables: audienceVariables('rebuffering_ratio'),
    annotations: [
      anomalyAnnotation('Rebuffering anomalies', 'rebuffering_ratio', AUDIENCE, ANOMALY_RED, UP),
      anomalyAnnotation('Playback failure anomalies', 'playback_failure_rate', AUDIENCE, ANOMALY_ORANGE, UP),
    ],
    panels: [
      panel('encore-audioquality-panel', {
        title: 'Quality of experience',
        description: 'Headline KPIs with their SLO state, the selected KPI against its expected band, and the breakdown by platform.',
        gridPos: { x: 0, y: 0, w: 24, h: 16 },
        targets: [
          ...QOE_KPIS.map((kpi) => anomalyQuery(kpi, kpi, AUDIENCE, { detect: kpi === 'average_bitrate' ? DOWN : UP })),
          ...QOE_KPIS.map((kpi) => kpiQuery(`${kpi}_by_platform`, kpi, AUDIENCE, { groupBy: ['platform'] })),
        ],
        options: { ...audioQualityDefaults, breakdown: 'platform' },
      }),
      timeseries({
        title: 'Rebuffering ratio by market',
        description: 'Share of listening time spent stalled, per market. The dashed line is the 1 % SLO.',
        gridPos: { x: 0, y: 16, w: 12, h: 8 },
        targets: [kpiQuery('A', 'rebuffering_ratio', AUDIENCE, { groupBy: ['market'], legendFormat: '{{market}}' })],
        thresholdLine: thresholds(['transparent', null], ['red', 0.01]),
      }),
      timeseries({
        title: 'Startup time p95 by platform',
        description: '95th percentile time from pressing play to first audio, per platform. The dashed line is the 2 s SLO.',
        gridPos: { x: 12, y: 16, w: 12, h: 8 },
        targets: [kpiQuery('A', 'startup_time_p95', AUDIENCE, { groupBy: ['platform'], legendFormat: '{{platform}}' })],
        thresholdLine: thresholds(['transparent', null], ['red', 2]),
      }),
      barGauge({
        title: 'Playback failure rate by platform',
        description: 'Latest share of play attempts ended by a fatal error, per platform (SLO: at most 1 %).',
        gridPos: { x: 0, y: 24, w: 8, h: 8 },
        targets: [kpiQuery('A', 'playback_failure_rate', AUDIENCE, { groupBy: ['platform'], legendFormat: '{{platform}}' })],
        fieldConfig: { defaults: { min: 0, thresholds: thresholds(['green', null], ['orange', 0.009], ['red', 0.01]) } },
      }),
      stat({
        title: 'Average bitrate',
        description: 'Time-weighted average audio bitrate of the plays that ended.',
        gridPos: { x: 8, y: 24, w: 4, h: 4 },
        targets: [kpiQuery('A', 'average_bitrate', AUDIENCE)],
        fieldConfig: { defaults: { thresholds: thresholds(['red', null], ['orange', 96], ['green', 128]) } },
      }),
      stat({
        title: 'Exits before start',
        description: 'Share of play attempts the listener gave up on before audio started: read with the start-up times.',
        gridPos: { x: 8, y: 28, w: 4, h: 4 },
        targets: [kpiQuery('A', 'exits_before_start', AUDIENCE)],
        fieldConfig: { defaults: { thresholds: thresholds(['green', null], ['orange', 0.02], ['red', 0.05]) } },
      }),
      stateTimeline({
        title: 'Rebuffering anomalies by market',
        description: 'Where the rebuffering ratio of a market rose beyond its expected band (anomaly flag of the causal detector).',
        gridPos: { x: 12, y: 24, w: 12, h: 8 },
        targets: [anomalyQuery('A', 'rebuffering_ratio', AUDIENCE, { groupBy: ['market'], detect: UP, output: 'anomaly', legendFormat: '{{market}}' })],
      }),
      timeseries({
        title: 'Rebuffering frequency and bitrate downshifts',
        description: 'Stalls per minute of audio and switches to a lower bitrate per hour of audio (Prometheus only: the demo source does not model them).',
        gridPos: { x: 0, y: 32, w: 24, h: 8 },
        targets: [kpiQuery('A', 'rebuffering_frequency', AUDIENCE, { legendFormat: 'Stalls per minute' }), kpiQuery('B', 'bitrate_downshift_rate', AUDIENCE, { legendFormat: 'Downshifts per hour' })],
        fieldConfig: { overrides: [{ matcher: { id: 'byFrameRefID', options: 'B' }, properties: [{ id: 'custom.axisPlacement', value: 'right' }] }] },
      }),
    ],
  });
}

// ---- Listener behaviour ----------------------------------------------------------------------

const BEHAVIOUR_KPIS = behaviourDefaults.kpis;

function listenerBehaviour(): Json {
  const matchers = promqlMatchers(AUDIENCE);
  return dashboard({
    uid: 'encore-listener-behaviour',
    title: 'Encore / Listener behaviour',
    description: 'How people listen: skips, completions, listening time, sessions, recommendations and the streams funnel.',
    tags: ['listener-behaviour'],
    variables: audienceVariables('skip_rate'),
    annotations: [anomalyAnnotation('Skip rate anomalies', 'skip_rate', AUDIENCE, ANOMALY_RED, UP)],
    panels: [
      panel('encore-behaviour-panel', {
        title: 'Listener behaviour',
        description: 'Headline KPIs against their expected bands, the streams funnel, the session length distribution and the breakdown by platform.',
        gridPos: { x: 0, y: 0, w: 24, h: 18 },
        targets: [
          ...BEHAVIOUR_KPIS.map((kpi) => anomalyQuery(kpi, kpi, AUDIENCE)),
          ...BEHAVIOUR_KPIS.filter((kpi) => splitsBy(kpi, 'platform')).map((kpi) => kpiQuery(`${kpi}_by_platform`, kpi, AUDIENCE, { groupBy: ['platform'] })),
          kpiQuery('Streams', 'streams', AUDIENCE, { legendFormat: 'Streams' }),
          promqlQuery('Starts', `sum(rate(encore_play_starts_total${matchers}[$__rate_interval])) * 3600`, 'Starts'),
          promqlQuery('Completions', `sum(rate(encore_play_ends_total${promqlMatchers(AUDIENCE, ['reason="completed"'])}[$__rate_interval])) * 3600`, 'Completions'),
          promqlQuery('Sessions', `sum by (le) (rate(encore_session_duration_seconds_bucket${matchers}[$__rate_interval]))`, '{{le}}'),
        ],
        options: { ...behaviourDefaults, breakdown: 'platform' },
      }),
      timeseries({
        title: 'Streams per hour by platform',
        description: 'Plays of 30 seconds or more, per hour, by platform.',
        gridPos: { x: 0, y: 18, w: 12, h: 8 },
        targets: [kpiQuery('A', 'streams', AUDIENCE, { groupBy: ['platform'], legendFormat: '{{platform}}' })],
        fieldConfig: { defaults: { custom: { drawStyle: 'line', lineWidth: 1, showPoints: 'never', spanNulls: false, stacking: { mode: 'normal', group: 'A' }, fillOpacity: 20 } } },
      }),
      timeseries({
        title: 'Skip rate against its expected band',
        description: 'The skip rate (solid), what its history expected (dashed) and the band; anomalies are marked as annotations with root-cause hints.',
        gridPos: { x: 12, y: 18, w: 12, h: 8 },
        targets: [anomalyQuery('A', 'skip_rate', AUDIENCE, { detect: UP })],
      }),
      barGauge({
        title: 'Completion rate by content type',
        description: 'Latest share of ended plays that played to the end, per content type.',
        gridPos: { x: 0, y: 26, w: 8, h: 8 },
        targets: [kpiQuery('A', 'completion_rate', AUDIENCE, { groupBy: ['content_type'], legendFormat: '{{content_type}}' })],
        fieldConfig: { defaults: { min: 0, max: 1, thresholds: thresholds(['red', null], ['orange', 0.4], ['green', 0.6]) } },
      }),
      stat({
        title: 'Active users',
        description: 'Distinct users with an event in the last 24 hours (market and tier only: the platform filter does not apply).',
        gridPos: { x: 8, y: 26, w: 4, h: 8 },
        targets: [kpiQuery('A', 'active_users', AUDIENCE)],
        fieldConfig: { defaults: { thresholds: thresholds(['blue', null]) } },
      }),
      timeseries({
        title: 'Recommendations: share of streams and skip rate',
        description: 'Share of streams started from a recommendation, and how often those recommended plays are skipped.',
        gridPos: { x: 12, y: 26, w: 12, h: 8 },
        targets: [kpiQuery('A', 'recommendation_stream_share', AUDIENCE, { legendFormat: 'Recommendation share' }), kpiQuery('B', 'recommendation_skip_rate', AUDIENCE, { legendFormat: 'Recommendation skip rate' })],
      }),
    ],
  });
}

/** Whether a KPI can be split by a label (the catalogue's kpiLabels). */
function splitsBy(kpi: string, label: string): boolean {
  const definition = findKpi(kpi);
  return definition !== undefined && kpiLabels(definition).includes(label);
}

// ---- Revenue ---------------------------------------------------------------------------------

const REVENUE_KPIS = revenueDefaults.kpis;
const FORECAST_KPIS = ['subscription_revenue', 'ad_revenue', 'arpu'];

function revenue(): Json {
  return dashboard({
    uid: 'encore-revenue',
    title: 'Encore / Revenue',
    description: 'Subscription and ad revenue, ARPU, trial conversion and churn against what was expected, with forecasts. Revenue KPIs are split by market only.',
    tags: ['revenue'],
    time: { from: 'now-2d', to: 'now' },
    variables: [labelVariable('market', 'subscription_revenue')],
    annotations: [anomalyAnnotation('Revenue anomalies', 'subscription_revenue', MARKET, ANOMALY_RED, DOWN)],
    panels: [
      panel('encore-revenue-panel', {
        title: 'Revenue',
        description: 'Actuals against the expected band, forecasts ahead, actuals against forecast and the breakdown by market.',
        gridPos: { x: 0, y: 0, w: 24, h: 18 },
        interval: '5m',
        targets: [
          ...REVENUE_KPIS.map((kpi) => anomalyQuery(kpi, kpi, MARKET)),
          ...FORECAST_KPIS.map((kpi) => forecastQuery(`${kpi}_forecast`, kpi, MARKET, { horizon: '1d' })),
          ...REVENUE_KPIS.map((kpi) => kpiQuery(`${kpi}_by_market`, kpi, MARKET, { groupBy: ['market'] })),
        ],
        options: { ...revenueDefaults, breakdown: 'market' },
      }),
      timeseries({
        title: 'Subscription revenue: forecast for the next 7 days',
        description: 'Holt-Winters forecast of subscription revenue (US dollars per day) with its 95 % prediction interval.',
        gridPos: { x: 0, y: 18, w: 16, h: 9 },
        interval: '15m',
        targets: [forecastQuery('A', 'subscription_revenue', MARKET, { horizon: '7d' })],
      }),
      stat({
        title: 'Payment failure rate',
        description: 'Share of payment attempts that failed (SLO: at most 5 %).',
        gridPos: { x: 16, y: 18, w: 8, h: 4 },
        targets: [kpiQuery('A', 'payment_failure_rate', MARKET)],
        fieldConfig: { defaults: { thresholds: thresholds(['green', null], ['orange', 0.04], ['red', 0.05]) } },
      }),
      stat({
        title: 'eCPM',
        description: 'Ad revenue per thousand impressions, in US dollars.',
        gridPos: { x: 16, y: 22, w: 8, h: 5 },
        targets: [kpiQuery('A', 'ecpm', MARKET)],
        fieldConfig: { defaults: { thresholds: thresholds(['blue', null]) } },
      }),
      barGauge({
        title: 'Subscription revenue by market',
        description: 'Latest subscription revenue per market, US dollars per day.',
        gridPos: { x: 0, y: 27, w: 12, h: 9 },
        targets: [kpiQuery('A', 'subscription_revenue', MARKET, { groupBy: ['market'], legendFormat: '{{market}}' })],
        fieldConfig: { defaults: { min: 0, thresholds: thresholds(['blue', null]) } },
      }),
      table({
        title: 'Revenue anomalies and their likely causes',
        description: 'Anomaly events of subscription and ad revenue with the root-cause hints of the backend (which markets explain the change).',
        gridPos: { x: 12, y: 27, w: 12, h: 9 },
        targets: [
          anomalyQuery('A', 'subscription_revenue', MARKET, { detect: DOWN, format: 'events' }),
          anomalyQuery('B', 'ad_revenue', MARKET, { detect: DOWN, format: 'events' }),
        ],
        transformations: [{ id: 'merge', options: {} }, eventColumns()],
      }),
    ],
  });
}

/** The columns of an anomaly-events table worth reading, in order. */
function eventColumns(): Json {
  return {
    id: 'organize',
    options: {
      excludeByName: { tags: true, peak: true, timeEnd: false },
      indexByName: { time: 0, timeEnd: 1, title: 2, severity: 3, impact: 4, text: 5, peakValue: 6, expected: 7, score: 8 },
      renameByName: { time: 'Start', timeEnd: 'End', title: 'Anomaly', text: 'What happened, likely causes', peakValue: 'Peak', expected: 'Expected', score: 'Score' },
    },
  };
}

// ---- Data quality ----------------------------------------------------------------------------

const LEVEL_COLOURS = thresholds(['green', null], ['orange', 1], ['red', 2]);
const SCORE_COLOURS = thresholds(['red', null], ['orange', 80], ['green', 95]);

function dataQuality(): Json {
  return dashboard({
    uid: 'encore-data-quality',
    title: 'Encore / Data quality',
    description: 'Whether the data behind the KPIs can be trusted: completeness, freshness, validity, counter resets, flatlines, duplicates, cardinality and cross-KPI consistency.',
    tags: ['data-quality'],
    variables: audienceVariables('streams'),
    annotations: [],
    panels: [
      ...(['streams', 'rebuffering_ratio', 'subscription_revenue'] as const).map((kpi, i) =>
        stat({
          title: `Quality score: ${kpi.replace(/_/g, ' ')}`,
          description: `The 0-100 data-quality score of ${kpi} over the range: 100 x completeness, less a penalty per warning or failure.`,
          gridPos: { x: 8 * i, y: 0, w: 8, h: 4 },
          targets: [qualityQuery('A', kpi, AUDIENCE, { output: 'score' })],
          fieldConfig: { defaults: { unit: 'none', decimals: 0, min: 0, max: 100, thresholds: SCORE_COLOURS } },
          options: { graphMode: 'none' },
        }),
      ),
      barGauge({
        title: 'Checks of streams',
        description: 'Each check of the streams KPI: pass, warn or fail. Freshness fails when the newest sample is older than 5 minutes.',
        gridPos: { x: 0, y: 4, w: 8, h: 10 },
        targets: [qualityQuery('A', 'streams', AUDIENCE, { output: 'levels' })],
        fieldConfig: { defaults: { min: 0, max: 2, thresholds: LEVEL_COLOURS } },
        options: { displayMode: 'basic', valueMode: 'color' },
      }),
      table({
        title: 'Checks of streams by market',
        description: 'Every check with its status, measured value, limit and message; split by market.',
        gridPos: { x: 8, y: 4, w: 16, h: 10 },
        targets: [qualityQuery('A', 'streams', AUDIENCE, { output: 'table', groupBy: ['market'] })],
        fieldConfig: {
          overrides: [
            {
              matcher: { id: 'byName', options: 'status' },
              properties: [
                { id: 'mappings', value: [{ type: 'value', options: { pass: { color: 'green', index: 0 }, warn: { color: 'orange', index: 1 }, fail: { color: 'red', index: 2 } } }] },
                { id: 'custom.cellOptions', value: { type: 'color-background' } },
              ],
            },
            { matcher: { id: 'byName', options: 'level' }, properties: [{ id: 'custom.hidden', value: true }] },
          ],
        },
      }),
      table({
        title: 'Checks of subscription revenue by market',
        description: 'The revenue checks, including the consistency rules (revenue by plan adds up to the total; Prometheus only).',
        gridPos: { x: 0, y: 14, w: 12, h: 9 },
        targets: [qualityQuery('A', 'subscription_revenue', AUDIENCE, { output: 'table', groupBy: ['market'] })],
      }),
      timeseries({
        title: 'Streams per hour by market',
        description: 'The series the checks above judge. A gap or a stale series shows as a notice on the panel.',
        gridPos: { x: 12, y: 14, w: 12, h: 9 },
        targets: [kpiQuery('A', 'streams', AUDIENCE, { groupBy: ['market'], legendFormat: '{{market}}' })],
      }),
    ],
  });
}

// ---- Anomalies overview ----------------------------------------------------------------------

const OVERVIEW_ANNOTATIONS: Array<[string, string, Json, string]> = [
  ['Rebuffering', 'rebuffering_ratio', UP, ANOMALY_RED],
  ['Startup time', 'startup_time_p95', UP, ANOMALY_ORANGE],
  ['Playback failures', 'playback_failure_rate', UP, 'rgba(184, 119, 217, 1)'],
  ['Skip rate', 'skip_rate', UP, 'rgba(87, 148, 242, 1)'],
  ['Subscription revenue', 'subscription_revenue', DOWN, 'rgba(115, 191, 105, 1)'],
];

function anomaliesOverview(): Json {
  const byMarket = (refId: string, kpi: string, name: string, detect: Json) =>
    anomalyQuery(refId, kpi, AUDIENCE, { groupBy: ['market'], detect, output: 'anomaly', legendFormat: `{{market}} ${name}` });
  return dashboard({
    uid: 'encore-anomalies',
    title: 'Encore / Anomalies overview',
    description: 'Every KPI anomaly in one place: per market, as events with root-cause hints, outliers among markets, and the alerts they raised.',
    tags: ['anomalies'],
    variables: audienceVariables('rebuffering_ratio'),
    annotations: OVERVIEW_ANNOTATIONS.map(([name, kpi, detect, colour]) => anomalyAnnotation(`${name} anomalies`, kpi, AUDIENCE, colour, detect)),
    panels: [
      row('Per market', 0),
      stateTimeline({
        title: 'Audio quality anomalies by market',
        description: 'Rises of rebuffering, start-up time and playback failures beyond their expected bands, per market.',
        gridPos: { x: 0, y: 1, w: 12, h: 10 },
        targets: [byMarket('A', 'rebuffering_ratio', 'rebuffering', UP), byMarket('B', 'startup_time_p95', 'startup p95', UP), byMarket('C', 'playback_failure_rate', 'failures', UP)],
      }),
      stateTimeline({
        title: 'Behaviour and revenue anomalies by market',
        description: 'Rises of the skip rate and drops of subscription revenue beyond their expected bands, per market.',
        gridPos: { x: 12, y: 1, w: 12, h: 10 },
        targets: [byMarket('A', 'skip_rate', 'skips', UP), anomalyQuery('B', 'subscription_revenue', AUDIENCE, { groupBy: ['market'], detect: DOWN, output: 'anomaly', legendFormat: '{{market}} revenue' })],
      }),
      row('Events and causes', 11),
      table({
        title: 'Anomaly events with root-cause hints',
        description: 'Each anomaly of the aggregate KPIs, worst first in its KPI, with the label values that explain most of the change (e.g. market=BR: 90% of the rebuffering ratio increase).',
        gridPos: { x: 0, y: 12, w: 24, h: 10 },
        targets: OVERVIEW_ANNOTATIONS.map(([, kpi, detect], i) => anomalyQuery(String.fromCharCode(65 + i), kpi, AUDIENCE, { detect, format: 'events' })),
        transformations: [{ id: 'merge', options: {} }, eventColumns(), { id: 'sortBy', options: { fields: {}, sort: [{ field: 'Start', desc: true }] } }],
      }),
      barGauge({
        title: 'Rebuffering anomaly score by market',
        description: 'The highest anomaly score of each market over the range: 0.9 is the band edge, what the alert rule fires on.',
        gridPos: { x: 0, y: 22, w: 8, h: 9 },
        targets: [anomalyQuery('A', 'rebuffering_ratio', AUDIENCE, { groupBy: ['market'], detect: UP, output: 'score', legendFormat: '{{market}}' })],
        fieldConfig: { defaults: { min: 0, max: 1, decimals: 2, thresholds: thresholds(['green', null], ['orange', 0.5], ['red', 0.9]) } },
        options: { reduceOptions: { calcs: ['max'], fields: '', values: false } },
      }),
      timeseries({
        title: 'Rebuffering outliers among markets',
        description: 'How far each market departs from its peers (outlier score; above 0.9 it is outside the band the other markets set).',
        gridPos: { x: 8, y: 22, w: 8, h: 9 },
        targets: [outliersQuery('A', 'rebuffering_ratio', AUDIENCE, { groupBy: ['market'], detect: UP, output: 'score', legendFormat: '{{market}}' })],
        thresholdLine: thresholds(['transparent', null], ['red', 0.9]),
        fieldConfig: { defaults: { min: 0, max: 1, custom: { drawStyle: 'line', lineWidth: 1, showPoints: 'never', spanNulls: false, hideFrom: { legend: false, tooltip: false, viz: false }, thresholdsStyle: { mode: 'dashed' } } } },
      }),
      panel('alertlist', {
        title: 'Encore alerts',
        description: 'Firing and pending alert rules of the Encore folder (provisioned from provisioning/alerting).',
        gridPos: { x: 16, y: 22, w: 8, h: 9 },
        targets: [],
        options: {
          viewMode: 'list',
          groupMode: 'default',
          groupBy: [],
          maxItems: 20,
          sortOrder: 1,
          dashboardAlerts: false,
          alertName: '',
          alertInstanceLabelFilter: '{source="encore"}',
          stateFilter: { firing: true, pending: true, noData: true, normal: false, error: true },
        },
      }),
    ],
  });
}

export const DASHBOARDS: ReadonlyArray<{ file: string; build: () => Json }> = [
  { file: 'audio-quality.json', build: audioQuality },
  { file: 'listener-behaviour.json', build: listenerBehaviour },
  { file: 'revenue.json', build: revenue },
  { file: 'data-quality.json', build: dataQuality },
  { file: 'anomalies-overview.json', build: anomaliesOverview },
];
