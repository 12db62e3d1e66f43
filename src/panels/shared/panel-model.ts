import { breakdown, dimensionName, resolveDimension, availableDimensions, type Breakdown } from './breakdown';
import type { ChartEvent, ChartSeriesInput, ChartThreshold } from './chart-model';
import type { KpiSeries, QueryAnswer } from './frames';
import type { Formatters } from './format';
import { decimalsFor, headlineTiles, type DisplayOptions, type Tile } from './headline';
import { effectiveSlo, findKpi } from './kpis';
import { qualityBadge, type QualityBadgeModel } from './quality';
import { forecastSeries, hasValues, overallSeries, type Reducer } from './series';
import { sloText } from './slo';

/**
 * Everything a KPI panel draws, from the query answers and the panel options: the headline
 * tiles, the chart of one KPI, the breakdown and the quality badge, with the empty and partial
 * states spelled out. The three panels share it and add their own sections (funnel, forecast).
 */

/** Options every Encore panel has (each panel's options.ts adds its own). */
export interface KpiPanelOptions {
  /** the KPIs of the headline tiles and the breakdown, in order */
  kpis: string[];
  /** the KPI charted: `auto` is the first KPI with data */
  chartKpi: string;
  reducer: Reducer;
  /** per KPI id, a threshold replacing the catalogue's SLO */
  slo: Record<string, number | undefined>;
  /** `auto`, `none` or a label name */
  breakdown: string;
  breakdownLimit: number;
  /** decimals for every value; empty: each KPI's own */
  decimals?: number;
  showChart: boolean;
  showBreakdown: boolean;
}

export interface ChartView {
  title: string;
  kpiId?: string;
  series: ChartSeriesInput[];
  events: ChartEvent[];
  threshold?: ChartThreshold;
  unit?: string;
  decimals?: number;
  /** the KPI is split and has no overall series: which groups are drawn */
  note?: string;
}

export interface PanelMessage {
  title: string;
  detail: string;
}

/**
 * Why a panel has nothing to draw: no series at all (no Encore query, or none answered), every
 * query failed, or the queries answered with series that have no value in the time range.
 */
export type EmptyReason = 'no-series' | 'failed' | 'no-values';

export interface KpiPanelModel {
  answers: QueryAnswer[];
  tiles: Tile[];
  /** the KPIs no query answered for, in one line: `No data for …: add Encore KPI queries for …` */
  tilesHint?: string;
  chart?: ChartView;
  chartHint?: string;
  breakdown?: Breakdown;
  breakdownHint?: string;
  dimensions: string[];
  badge: QualityBadgeModel;
  /** query errors Grafana reported */
  errors: string[];
  /** nothing to show at all */
  empty?: PanelMessage;
  emptyReason?: EmptyReason;
}

/** At most this many lines when a KPI is only queried split by a label. */
export const MAX_CHART_LINES = 8;

export function displayOptions(options: Pick<KpiPanelOptions, 'reducer' | 'slo' | 'decimals'>): DisplayOptions {
  return { reducer: options.reducer, slo: options.slo, decimals: options.decimals };
}

function chartSeriesOf(s: KpiSeries): ChartSeriesInput {
  const out: ChartSeriesInput = { name: s.name, times: s.times, values: s.values };
  if (s.kind === 'forecast') {
    // A forecast's expected line is the forecast: it goes in the forecast part.
    if (s.expected) out.forecast = { times: s.times, mean: s.expected, ...(s.lower ? { lower: s.lower } : {}), ...(s.upper ? { upper: s.upper } : {}) };
    return out;
  }
  for (const part of ['expected', 'lower', 'upper', 'anomaly', 'dataIssue', 'score'] as const) {
    const values = s[part];
    if (values) out[part] = values;
  }
  return out;
}

function eventsFor(answers: readonly QueryAnswer[], series: readonly KpiSeries[]): ChartEvent[] {
  const refIds = new Set(series.map((s) => s.refId));
  return answers
    .filter((a) => refIds.has(a.refId))
    .flatMap((a) => a.events)
    .map((e) => ({ startMs: e.startMs, endMs: e.endMs, title: e.title }));
}

/** The chart of one KPI: its overall series with band (and forecast), else its groups' lines. */
export function kpiChart(answers: readonly QueryAnswer[], kpiId: string, options: Pick<KpiPanelOptions, 'slo' | 'decimals'>, format: Formatters): ChartView | undefined {
  const kpi = findKpi(kpiId);
  const title = kpi?.name ?? kpiId;
  const slo = kpi ? effectiveSlo(kpi, options.slo?.[kpiId]) : undefined;
  const { series, splitBy } = overallSeries(answers, kpiId);
  let drawn: KpiSeries[];
  let chartSeries: ChartSeriesInput[];
  let note: string | undefined;
  if (series) {
    drawn = [series];
    const main = chartSeriesOf(series);
    const ahead = series.kind === 'observed' ? forecastSeries(answers, kpiId) : undefined;
    if (ahead?.expected) {
      main.forecast = { times: ahead.times, mean: ahead.expected, ...(ahead.lower ? { lower: ahead.lower } : {}), ...(ahead.upper ? { upper: ahead.upper } : {}) };
      drawn.push(ahead);
    }
    chartSeries = [main];
  } else if (splitBy) {
    const groups = answers.flatMap((a) => a.series).filter((s) => s.kpiId === kpiId && s.kind === 'observed');
    drawn = groups.slice(0, MAX_CHART_LINES);
    chartSeries = drawn.map(chartSeriesOf);
    note = `Split by ${splitBy.map(dimensionName).join(', ')}${groups.length > MAX_CHART_LINES ? `: the first ${MAX_CHART_LINES} of ${groups.length} series` : ''}; add a query without Split by for the overall line and its band`;
  } else {
    return undefined;
  }
  const unit = drawn[0]?.unit ?? kpi?.unit;
  const decimals = decimalsFor(options, drawn[0], kpi);
  const view: ChartView = { title, kpiId, series: chartSeries, events: eventsFor(answers, drawn), ...(unit ? { unit } : {}), ...(decimals !== undefined ? { decimals } : {}) };
  if (slo) view.threshold = { op: slo.op, value: slo.threshold, label: sloText(slo, unit, format.value) };
  if (note) view.note = note;
  return view;
}

/** Series that are no catalogue KPI (frames from other data sources): charted as they are. */
export function plainChart(answers: readonly QueryAnswer[], options: Pick<KpiPanelOptions, 'decimals'>): ChartView | undefined {
  const plain = answers.flatMap((a) => a.series).filter((s) => s.kpiId === undefined && s.labels.le === undefined);
  if (plain.length === 0) return undefined;
  const drawn = plain.slice(0, MAX_CHART_LINES);
  const unit = drawn[0]!.unit;
  const decimals = decimalsFor(options, drawn[0], undefined);
  return {
    title: drawn.length === 1 ? drawn[0]!.name : `${drawn.length} series`,
    series: drawn.map(chartSeriesOf),
    events: eventsFor(answers, drawn),
    ...(unit ? { unit } : {}),
    ...(decimals !== undefined ? { decimals } : {}),
    ...(plain.length > MAX_CHART_LINES ? { note: `The first ${MAX_CHART_LINES} of ${plain.length} series` } : {}),
  };
}

/** `Startup time p95 (startup_time_p95), Rebuffering ratio (rebuffering_ratio)` */
export function kpiList(kpiIds: readonly string[]): string {
  return kpiIds.map((id) => `${findKpi(id)?.name ?? id} (${id})`).join(', ');
}

export function emptyMessage(kpiIds: readonly string[]): PanelMessage {
  return {
    title: `No data: add an Encore KPI query for ${kpiIds.map((id) => findKpi(id)?.name ?? id).join(', ')}`,
    detail:
      `Expected: queries of the Encore data source of type KPI or Anomalies for ${kpiList(kpiIds)}; ` +
      'split one by a label (platform, market...) for the breakdown. Series from other data sources work too: a time field and a number field, named after the KPI (legend or refId), with optional Expected, Lower, Upper, Score and Anomaly fields.',
  };
}

/** What the series of the answers stand for: their KPIs (the panel's first, in its order), else their names. */
function queriedNames(answers: readonly QueryAnswer[], panelKpis: readonly string[]): { kpiIds: string[]; names: string[] } {
  const series = answers.flatMap((a) => a.series);
  const queried = new Set([...answers.map((a) => a.kpiId), ...series.map((s) => s.kpiId)].filter((id): id is string => id !== undefined && findKpi(id) !== undefined));
  const kpiIds = [...panelKpis.filter((id) => queried.has(id)), ...[...queried].filter((id) => !panelKpis.includes(id))];
  if (kpiIds.length > 0) return { kpiIds, names: kpiIds.map((id) => findKpi(id)!.name) };
  // Histogram buckets are parts of a distribution, not what was asked for.
  const plain = [...new Set(series.filter((s) => s.labels.le === undefined).map((s) => s.name))];
  return plain.length > 0 ? { kpiIds: [], names: plain } : { kpiIds: [...panelKpis], names: panelKpis.map((id) => findKpi(id)?.name ?? id) };
}

/**
 * The queries answered, but not with a single value in the time range (a range before the data
 * starts, a market that sent nothing, series that are all null): which KPIs, and what to try.
 */
export function noValuesMessage(answers: readonly QueryAnswer[], panelKpis: readonly string[], options: { notices?: boolean; missingHint?: string } = {}): PanelMessage {
  const { kpiIds, names } = queriedNames(answers, panelKpis);
  const what = kpiIds.length > 0 ? kpiList(kpiIds) : names.join(', ');
  return {
    title: `No data in this time range for ${names.join(', ')}`,
    detail: [
      `The queries for ${what} answered, without a single value in the time range.`,
      'Widen the time range, or move it to when the data was collected; if there should be data, check that the collector or the scrape is running.',
      options.notices ? 'The data-quality badge above lists what the checks found.' : undefined,
      options.missingHint ? `${options.missingHint}.` : undefined,
    ]
      .filter(Boolean)
      .join('\n'),
  };
}

export function kpiPanelModel(
  answers: readonly QueryAnswer[],
  errors: readonly string[],
  options: KpiPanelOptions,
  format: Formatters,
  selectedKpi?: string,
): KpiPanelModel {
  const kpis = options.kpis.filter((id) => findKpi(id) !== undefined);
  const display = displayOptions(options);
  const tiles = headlineTiles(answers, kpis, display, format.value);
  const badge = qualityBadge(answers);
  const dimensions = availableDimensions(answers, kpis);
  const model: KpiPanelModel = { answers: [...answers], tiles, badge, dimensions, errors: [...errors] };
  const missing = tiles.filter((t) => t.missing);
  if (missing.length > 0) {
    model.tilesHint = `No data for ${missing.map((t) => t.title).join(', ')}: add ${missing.length === 1 ? 'an Encore KPI query' : 'Encore KPI queries'} for ${missing.map((t) => t.kpiId).join(', ')}`;
  }
  const hasSeries = answers.some((a) => a.series.length > 0);
  if (!hasSeries) {
    const failed = errors.length > 0;
    model.empty = failed ? { title: 'The queries failed', detail: errors.join('\n') } : emptyMessage(kpis);
    model.emptyReason = failed ? 'failed' : 'no-series';
    return model;
  }
  if (!answers.some((a) => a.series.some(hasValues))) {
    // Empty tiles and an empty chart would only look broken: say so, keeping the notices and errors.
    model.empty = noValuesMessage(answers, kpis, { notices: badge.notices.length > 0, ...(model.tilesHint ? { missingHint: model.tilesHint } : {}) });
    model.emptyReason = 'no-values';
    return model;
  }
  if (options.showChart) {
    const withData = (id: string) => overallSeries(answers, id).series !== undefined || overallSeries(answers, id).splitBy !== undefined;
    // A KPI with values first: one whose query answered empty would draw an empty chart.
    const withValues = (id: string) => answers.some((a) => a.series.some((s) => s.kpiId === id && hasValues(s)));
    const requested = selectedKpi ?? (options.chartKpi && options.chartKpi !== 'auto' ? options.chartKpi : undefined);
    const chartKpi = requested ?? kpis.find(withValues) ?? kpis.find(withData);
    const chart = chartKpi ? kpiChart(answers, chartKpi, options, format) : undefined;
    if (chart) model.chart = chart;
    else if (requested) {
      const kpi = findKpi(requested);
      model.chartHint = kpi ? `No data for ${kpi.name}: add an Encore KPI or Anomalies query for ${kpi.id}` : `No data for ${requested}`;
    } else {
      const plain = plainChart(answers, options);
      if (plain) model.chart = plain;
    }
  }
  if (options.showBreakdown) {
    const dimension = resolveDimension(options.breakdown, answers, kpis);
    const table = dimension ? breakdown(answers, kpis, dimension, { ...display, limit: options.breakdownLimit }, format.value) : undefined;
    if (table) model.breakdown = table;
    else if (options.breakdown !== 'none') {
      model.breakdownHint = dimension
        ? `No breakdown by ${dimensionName(dimension)}: split a query of ${kpiList(kpis.slice(0, 2))} by ${dimension} (Split by in the Encore query editor, or sum by (${dimension}) in PromQL)`
        : 'No breakdown: split a query by platform, market or another label (Split by in the Encore query editor)';
    }
  }
  return model;
}
