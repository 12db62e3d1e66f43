import type { AnalysisOutput, EncoreQuery, ForecastQuery, OutliersQuery, QualityQuery } from '../../../common/query';
import { parseDuration } from '../../../common/validation';
import { detect, type Detection } from '../../analysis/detect';
import { anomalyEvents } from '../../analysis/events';
import { forecast } from '../../analysis/forecast';
import { detectOutliers } from '../../analysis/outliers';
import { SEASONAL_CYCLES } from '../../analysis/detectors/seasonal';
import { DAY_MS } from '../../analysis/detectors/period';
import type { Frame, FrameMeta, Notice, QueryStat } from '../../grafana/frames/frame';
import type { Source } from '../../sources/source';
import { describeFailure, QueryValidationError } from '../failure';
import { eventsPerStep } from '../../analysis/detectors/share';
import { labelsId } from '../cache/entries';
import { fetchOnGrid, type FetchContext, type GridSeries } from '../history';
import type { ParsedQuery } from '../parse';
import { seriesNaming, type SeriesFrameOptions } from '../series-frames';
import { planQueryStep } from '../step';
import { resolveTarget, type Target } from '../target';
import { consistencyChecks } from './consistency';
import { resentCheck } from './resent';
import { explainEvents } from './explain';
import { analysedFrames, eventsFrame, type AnalysedSeries, type NamedEvent } from './frames';
import { MAX_HISTORY_POINTS, planDetection } from './options';
import { qualityFrame, qualityLevelFrames, qualityNotices, qualityScoreFrame, runQualityChecks, type QualityResult } from './quality';

/**
 * Range queries that go through analysis: anomaly detection (queryType `anomaly`, or `detect` on
 * `kpi` and `promql`), `outliers`, `forecast` and `quality`. Fetch with the training history the
 * analysis needs, run the data-quality checks first, analyse, build frames; timings and counts go
 * in the first frame's meta stats for the query inspector.
 */

export interface AnalysisContext extends Omit<FetchContext, 'source'> {
  source: Source;
  scrapeMs: number;
}

export type AnalysedQuery = Exclude<EncoreQuery, { queryType: 'promql' | 'kpi' }> | Extract<EncoreQuery, { queryType: 'promql' | 'kpi' }>;

export function needsAnalysis(query: EncoreQuery): boolean {
  if (query.queryType === 'promql' || query.queryType === 'kpi') return query.detect !== undefined && !query.instant;
  return true;
}

export async function runAnalysed(parsed: ParsedQuery, ctx: AnalysisContext): Promise<Frame[]> {
  const query = parsed.query;
  const fields = query.queryType === 'promql' ? { expr: query.expr, filters: [], groupBy: [] } : query;
  const isKpi = 'kpi' in fields && fields.kpi !== undefined;
  const plan = planQueryStep(parsed, query.step, isKpi && ctx.source.kind === 'prometheus', ctx.scrapeMs);
  const { stepMs } = plan;
  const target = resolveTarget(fields, ctx.source, stepMs, ctx.scrapeMs);
  const historyPoints = historyFor(query, stepMs);
  const partial: Notice[] = [];
  // A share KPI's quality checks and `auto` detection read the events behind each value (a step
  // without events is no gap; detectors/share.ts), fetched beside the values; without them (the
  // demo source, a failed fetch) they read the values alone.
  const wantsEvents = target.eventsExpr !== undefined;
  const fetchPlan = { start: plan.start, end: plan.end, stepMs, historyPoints };
  const [fetched, eventsFetched] = await Promise.all([
    fetchOnGrid({ expr: target.expr, ...fetchPlan }, { ...ctx, source: ctx.source }),
    wantsEvents
      ? degradeOnFailure(
          () => fetchOnGrid({ expr: target.eventsExpr!, ...fetchPlan }, { ...ctx, source: ctx.source }),
          ctx.signal,
          (reason) => partial.push({ severity: 'warning', text: `The events behind the share could not be fetched, so it is read by its values alone: ${reason}` }),
        )
      : undefined,
  ]);
  const series = fetched.series;
  const events = eventsFetched && eventsOnSeries(eventsFetched.series, series, stepMs);
  if (eventsFetched) {
    fetched.stats.upstreamMs = Math.max(fetched.stats.upstreamMs, eventsFetched.stats.upstreamMs);
    fetched.stats.cacheHits += eventsFetched.stats.cacheHits;
    fetched.stats.cacheMisses += eventsFetched.stats.cacheMisses;
  }
  const frameOptions: SeriesFrameOptions = {
    refId: parsed.refId,
    legendFormat: query.legendFormat,
    executedQueryString: `${target.header}Expr: ${target.expr}\n${wantsEvents ? `Events: ${target.eventsExpr}\n` : ''}Step: ${stepMs / 1000}s, history: ${historyPoints} points`,
    stepMs,
    ...target.frames,
  };
  const names = series.map((s) => seriesNaming(s.labels, frameOptions).display);
  // The consistency rules relate KPIs to each other, and resends are counted by the collector
  // apart from the KPIs' metrics: a full quality report fetches both.
  const relatedStarted = performance.now();
  const fullReport = query.queryType === 'quality' && isKpi;
  const related = { source: ctx.source, filters: fields.filters, start: plan.start, end: plan.end, stepMs, scrapeMs: ctx.scrapeMs, signal: ctx.signal };
  const [consistency, resent] = fullReport
    ? await Promise.all([
        degradeOnFailure(
          () => consistencyChecks(related),
          ctx.signal,
          (reason) => partial.push({ severity: 'warning', text: `The consistency checks could not run and are left out of the report: ${reason}` }),
        ),
        degradeOnFailure(
          () => resentCheck({ ...related, groupBy: fields.groupBy, series, names }),
          ctx.signal,
          (reason) => partial.push({ severity: 'warning', text: `The resent-events check could not run and is left out of the report: ${reason}` }),
        ),
      ])
    : [undefined, undefined];
  fetched.stats.upstreamMs += fullReport ? performance.now() - relatedStarted : 0;
  const analysisStarted = performance.now();
  const quality = runQualityChecks({
    series,
    names,
    rangeStart: historyPoints,
    rangeStartMs: plan.start,
    rangeEndMs: plan.end,
    nowMs: ctx.nowMs,
    kpi: target.kpi,
    related: [...(consistency ?? []), ...(resent ? [resent] : [])],
    events,
    ...(query.queryType === 'quality' ? { freshnessLimitMs: parseDuration(query.freshness), maxSeries: query.maxSeries } : {}),
  });
  const times = Array.from({ length: Math.floor((plan.end - plan.start) / stepMs) + 1 }, (_, i) => plan.start + i * stepMs);
  const analysis: Analysis = { series, names, rangeStart: historyPoints, times, quality, target, frameOptions, stepMs, ...(events ? { events } : {}) };
  let frames: Frame[];
  if (query.queryType === 'quality') frames = qualityFrames(query, analysis, plan.end);
  else if (query.queryType === 'forecast') frames = forecastFrames(query, analysis);
  else if (query.queryType === 'outliers') frames = outlierFrames(query, analysis);
  else frames = await detectionFrames(query, analysis, ctx, partial);
  const analysisMs = performance.now() - analysisStarted;
  const first = frames[0];
  if (first) {
    const stats: QueryStat[] = [
      { displayName: 'Upstream time', value: round(fetched.stats.upstreamMs), unit: 'ms' },
      { displayName: 'Analysis time', value: round(analysisMs), unit: 'ms' },
      { displayName: 'History chunks from cache', value: fetched.stats.cacheHits, unit: 'none' },
      { displayName: 'History chunks fetched', value: fetched.stats.cacheMisses, unit: 'none' },
      { displayName: 'Points analysed', value: series.reduce((n, s) => n + s.grid.values.length, 0), unit: 'none' },
      { displayName: 'Quality score', value: quality.report.score, unit: 'none', decimals: 0 },
    ];
    const notices = [...partial, ...(query.queryType === 'quality' ? [] : qualityNotices(quality.report.checks))];
    first.meta = mergeMeta(first.meta, { stats: [...(first.meta?.stats ?? []), ...stats], ...(notices.length > 0 ? { notices } : {}) });
  }
  return frames;
}

interface Analysis {
  series: GridSeries[];
  names: string[];
  rangeStart: number;
  /** timestamps of the range (the grids' points from rangeStart) */
  times: number[];
  quality: QualityResult;
  target: Target;
  frameOptions: SeriesFrameOptions;
  stepMs: number;
  /** share KPIs: the events behind each series' points, by series (undefined where a series has none) */
  events?: Array<Float64Array | undefined>;
}

/** The events behind each of a share's series, from their per-second rates matched by labels. */
function eventsOnSeries(rates: GridSeries[], series: GridSeries[], stepMs: number): Array<Float64Array | undefined> {
  const byLabels = new Map(rates.map((s) => [labelsId(s.labels), s.grid.values]));
  return series.map((s) => {
    const found = byLabels.get(labelsId(s.labels));
    return found ? eventsPerStep(found, stepMs) : undefined;
  });
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function mergeMeta(meta: FrameMeta | undefined, extra: Partial<FrameMeta>): FrameMeta {
  return { ...meta, ...extra, notices: [...(meta?.notices ?? []), ...(extra.notices ?? [])] };
}

/** Points of history each query type trains on. */
function historyFor(query: EncoreQuery, stepMs: number): number {
  switch (query.queryType) {
    case 'quality':
      return 0;
    case 'forecast': {
      const periodMs = query.season === 'auto' || query.season === 'none' ? DAY_MS : parseDuration(query.season)!;
      return query.season === 'none' ? Math.min(MAX_HISTORY_POINTS, 500) : Math.min(MAX_HISTORY_POINTS, SEASONAL_CYCLES * Math.round(periodMs / stepMs));
    }
    default: {
      const detect = query.detect;
      return detect ? planDetection(detect, stepMs).historyPoints : 0;
    }
  }
}

// ---- anomaly detection ------------------------------------------------------------------------

/**
 * Partial results: a secondary part of an answer (root-cause hints, consistency checks) that
 * fails leaves a notice instead of failing the query. A cancelled query still fails.
 */
async function degradeOnFailure<T>(run: () => Promise<T>, signal: AbortSignal | undefined, notice: (reason: string) => void): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (signal?.aborted) throw error;
    notice(describeFailure(error).message);
    return undefined;
  }
}

async function detectionFrames(
  query: Extract<EncoreQuery, { queryType: 'anomaly' | 'kpi' | 'promql' }>,
  a: Analysis,
  ctx: AnalysisContext,
  partial: Notice[],
): Promise<Frame[]> {
  const detectOptions = query.detect ?? planDefaults();
  const { options } = planDetection(detectOptions, a.stepMs);
  const detections: Detection[] = a.series.map((s, i) => detect(s.grid, { ...options, historyPoints: a.rangeStart, dataIssues: a.quality.masks[i], events: a.events?.[i] }));
  const analysed = a.series.map((s, i) => analysedSeries(a, i, detections[i]!));
  const algorithms = [...new Set(detections.map((d) => d.algorithm))];
  const custom = { ...(a.frameOptions.metaCustom ?? {}), algorithms, periods: [...new Set(detections.map((d) => d.periodPoints).filter((p) => p !== undefined))] };
  const output: AnalysisOutput = query.output;
  const frames = analysedFrames(analysed, { ...a.frameOptions, metaCustom: custom }, output);
  if (query.queryType !== 'anomaly') return frames;
  const events: NamedEvent[] = a.series.flatMap((s, i) =>
    anomalyEvents(s.grid, detections[i]!, { good: a.target.kpi?.good, fromIndex: a.rangeStart }).map((e) => ({ ...e, series: a.names[i]!, labels: seriesNaming(s.labels, a.frameOptions).labels })),
  );
  if (query.explain && a.target.kpi && query.groupBy.length === 0 && events.length > 0) {
    await degradeOnFailure(
      () =>
        explainEvents(events, {
          kpi: a.target.kpi!,
          filters: query.filters,
          source: ctx.source,
          scrapeMs: ctx.scrapeMs,
          stepMs: a.stepMs,
          signal: ctx.signal,
          fetchRange: async (q) => (await ctx.cache.fetchRange({ ...q, scope: ctx.scope, nowMs: ctx.nowMs, signal: ctx.signal }, ctx.source)).series,
        }),
      ctx.signal,
      (reason) => partial.push({ severity: 'warning', text: `Root-cause hints are missing: fetching the KPI's parts failed: ${reason}` }),
    );
  }
  const annotations = eventsFrame(events, query.refId, a.target.kpi?.unit, query.format === 'timeseries');
  if (query.format === 'events') return [annotations];
  // Alert rules want numbers only: an events frame would be a table among the series.
  return output === 'all' ? [...frames, annotations] : frames;
}

function planDefaults() {
  return { algorithm: 'auto', sensitivity: 0.5, direction: 'both', season: 'auto' } as const;
}

function analysedSeries(a: Analysis, i: number, d: { expected: Float64Array; lower: Float64Array; upper: Float64Array; score: Float64Array; anomaly: Uint8Array }): AnalysedSeries {
  const from = a.rangeStart;
  return {
    labels: a.series[i]!.labels,
    times: a.times,
    value: a.series[i]!.grid.values.subarray(from),
    expected: d.expected.subarray(from),
    lower: d.lower.subarray(from),
    upper: d.upper.subarray(from),
    score: d.score.subarray(from),
    anomaly: d.anomaly.subarray(from),
    dataIssue: a.quality.masks[i]!.subarray(from),
  };
}

// ---- outliers ---------------------------------------------------------------------------------

function outlierFrames(query: OutliersQuery, a: Analysis): Frame[] {
  const { options } = planDetection({ ...query.detect, algorithm: 'rolling', season: 'none' }, a.stepMs);
  // Data issues are NaN to the peer comparison: a gap is not a departure from the peers.
  const grids = a.series.map((s, i) => {
    const mask = a.quality.masks[i]!;
    const values = s.grid.values.map((v, j) => (mask[j] ? NaN : v));
    return { ...s.grid, values };
  });
  const results = detectOutliers(grids, { sensitivity: options.sensitivity, direction: options.direction, minDurationPoints: options.minDurationPoints, historyPoints: a.rangeStart });
  const analysed = a.series.map((_, i) => {
    const r = results[i]!;
    return analysedSeries(a, i, { expected: r.expected, lower: r.lower, upper: r.upper, score: r.score, anomaly: r.outlier });
  });
  const custom = { ...(a.frameOptions.metaCustom ?? {}), peers: a.series.length };
  return analysedFrames(analysed, { ...a.frameOptions, metaCustom: custom }, query.output);
}

// ---- forecast ---------------------------------------------------------------------------------

function forecastFrames(query: ForecastQuery, a: Analysis): Frame[] {
  const horizonMs = parseDuration(query.horizon)!;
  const horizonPoints = Math.max(1, Math.round(horizonMs / a.stepMs));
  if (horizonPoints > 10_000) {
    throw new QueryValidationError(`horizon: expected at most 10000 steps ahead (${(10_000 * a.stepMs) / 3_600_000} h at this step), got ${query.horizon}`);
  }
  const periodPoints = query.season === 'auto' || query.season === 'none' ? undefined : Math.round(parseDuration(query.season)! / a.stepMs);
  const past = a.times;
  if (a.series.length === 0) return analysedFrames([], a.frameOptions, 'all');
  return a.series.map((s, i) => {
    const mask = a.quality.masks[i]!;
    const values = s.grid.values.map((v, j) => (mask[j] ? NaN : v));
    const f = forecast({ ...s.grid, values }, { horizonPoints, periodPoints, coverage: query.coverage });
    const future = Array.from({ length: f.mean.length }, (_, k) => f.startMs + k * f.stepMs);
    const nan = (count: number) => new Array<number>(count).fill(NaN);
    const observed = Array.from(s.grid.values.subarray(a.rangeStart));
    const frame = analysedFrames(
      [
        {
          labels: s.labels,
          times: [...past, ...future],
          value: [...observed, ...nan(future.length)],
          expected: [...nan(past.length), ...f.mean],
          lower: [...nan(past.length), ...f.lower],
          upper: [...nan(past.length), ...f.upper],
        },
      ],
      { ...a.frameOptions, metaCustom: { ...(a.frameOptions.metaCustom ?? {}), forecast: { method: f.method, periodPoints: f.periodPoints, coverage: query.coverage } } },
      'all',
    )[0]!;
    // In a forecast the "expected" line is the forecast and the band its prediction interval.
    for (const field of frame.fields) {
      if (field.name === 'Expected') field.name = 'Forecast';
      if (field.config?.displayNameFromDS?.endsWith(' expected')) field.config.displayNameFromDS = field.config.displayNameFromDS.replace(/ expected$/, ' forecast');
    }
    if (i > 0) frame.meta = { type: frame.meta?.type, typeVersion: frame.meta?.typeVersion };
    return frame;
  });
}

// ---- quality ----------------------------------------------------------------------------------

function qualityFrames(query: QualityQuery, a: Analysis, endMs: number): Frame[] {
  const full = a.quality.report;
  if (query.output === 'score') return [qualityScoreFrame(full, query.refId, endMs)];
  // `checks` narrows the table and the levels to the checks asked for; the score counts them all.
  const wanted: ReadonlySet<string> = new Set(query.checks);
  const report = wanted.size === 0 ? full : { ...full, checks: full.checks.filter((c) => wanted.has(c.id)) };
  if (query.output === 'levels') return qualityLevelFrames(report, query.refId, endMs);
  return [qualityFrame(report, query.refId, a.frameOptions.executedQueryString)];
}
