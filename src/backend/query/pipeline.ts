import { dataSourceOptionsSchema, scrapeIntervalMs } from '../../common/settings';
import type { PluginContext } from '../grafana/context';
import type { Frame } from '../grafana/frames/frame';
import type { Logger } from '../grafana/logger';
import type { BackendMetrics } from '../metrics';
import type { SourceRegistry } from '../sources/resolve';
import type { Source } from '../sources/source';
import { tailStepMs as planTailStep } from '../streaming/tail';
import { tailChannelPath } from '../streaming/tail-path';
import { describeFailure, type QueryFailure } from './failure';
import { parseDataQuery, type ParsedQuery, type WireDataQuery } from './parse';
import { needsAnalysis, runAnalysed } from './analysis/run';
import { qualityNotices, runQualityChecks } from './analysis/quality';
import { HistoryCache, mergeOnGrid } from './history';
import { seriesNaming, seriesToFrames } from './series-frames';
import { planQueryStep } from './step';
import { resolveTarget } from './target';

/**
 * The query pipeline: validate -> plan -> fetch from the source -> quality checks -> analysis ->
 * frames. Each query is answered on its own: a failure becomes that query's error and never
 * touches its neighbours. (Limits and the response cache join here in a later issue.)
 */

export interface PipelineDeps {
  sources: SourceRegistry;
  metrics: BackendMetrics;
  logger: Logger;
  /** training history reused across queries (created once per process) */
  history?: HistoryCache;
  /** the clock (tests pin it) */
  now?: () => number;
}

const sharedHistory = new HistoryCache();

export interface QueryAnswer {
  refId: string;
  frames: Frame[];
  failure?: QueryFailure;
}

/** Grafana's default for GF_CONCURRENT_QUERY_COUNT. */
const DEFAULT_CONCURRENCY = 10;

export async function runQueries(
  ctx: PluginContext,
  queries: WireDataQuery[],
  deps: PipelineDeps,
  signal?: AbortSignal,
): Promise<QueryAnswer[]> {
  const configured = Number(ctx.grafanaConfig.GF_CONCURRENT_QUERY_COUNT);
  const concurrency = Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_CONCURRENCY;
  const answers: QueryAnswer[] = new Array(queries.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queries.length) {
      const index = next++;
      answers[index] = await runQuery(ctx, queries[index]!, deps, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queries.length) }, worker));
  return answers;
}

export async function runQuery(
  ctx: PluginContext,
  wire: WireDataQuery,
  deps: PipelineDeps,
  signal?: AbortSignal,
): Promise<QueryAnswer> {
  const refId = wire.refId || 'A';
  const started = performance.now();
  let queryType = wire.queryType || 'promql';
  let sourceKind = 'unknown';
  try {
    const parsed = parseDataQuery(wire);
    queryType = parsed.query.queryType;
    const source = deps.sources.forSettings(ctx.dataSource);
    sourceKind = source.kind;
    const options = dataSourceOptionsSchema.safeParse(ctx.dataSource?.jsonData ?? {});
    const scrapeMs = scrapeIntervalMs(options.success ? options.data : {});
    const nowMs = (deps.now ?? Date.now)();
    const frames = needsAnalysis(parsed.query)
      ? await runAnalysed(parsed, {
          source,
          scrapeMs,
          cache: deps.history ?? sharedHistory,
          scope: `${ctx.orgId}/${ctx.dataSource?.uid ?? ''}/${ctx.dataSource?.lastUpdatedMS ?? 0}`,
          nowMs,
          signal,
        })
      : await fetchFrames(parsed, source, scrapeMs, nowMs, signal);
    const query = parsed.query;
    if ((query.queryType === 'promql' || query.queryType === 'kpi') && query.live && ctx.dataSource?.uid && frames[0]) {
      const expr = query.queryType === 'kpi' ? resolveTarget(query, source, planTailStep(query), scrapeMs).expr : query.expr;
      const path = tailChannelPath({ expr, legendFormat: query.legendFormat, step: query.step });
      frames[0].meta = { ...frames[0].meta, channel: `ds/${ctx.dataSource.uid}/${path}` };
    }
    deps.metrics.queryDuration.observe(
      { query_type: queryType, source: sourceKind, outcome: 'ok' },
      (performance.now() - started) / 1000,
    );
    return { refId, frames };
  } catch (error) {
    const failure = describeFailure(error);
    deps.metrics.queryErrors.inc({ kind: failure.kind });
    deps.metrics.queryDuration.observe(
      { query_type: queryType, source: sourceKind, outcome: 'error' },
      (performance.now() - started) / 1000,
    );
    const log = failure.kind === 'internal' ? deps.logger.error : deps.logger.debug;
    log('query failed', { refId, kind: failure.kind, status: failure.status, error });
    return { refId, frames: [], failure };
  }
}

/** Plain `promql` and `kpi` queries: the series as the source answers them, with quality notices. */
async function fetchFrames(parsed: ParsedQuery, source: Source, scrapeMs: number, nowMs: number, signal: AbortSignal | undefined): Promise<Frame[]> {
  const { query } = parsed;
  if (query.queryType !== 'promql' && query.queryType !== 'kpi') throw new Error(`fetchFrames: ${query.queryType} goes through analysis`);
  const isKpi = query.queryType === 'kpi';
  const plan = planQueryStep(parsed, query.step, isKpi && source.kind === 'prometheus', scrapeMs);
  const target = isKpi ? resolveTarget(query, source, plan.stepMs, scrapeMs) : { expr: query.expr, header: '', frames: {} };
  const frameOptions = (executed: string) => ({
    refId: parsed.refId,
    legendFormat: query.legendFormat,
    executedQueryString: `${target.header}Expr: ${target.expr}\n${executed}`,
    stepMs: plan.stepMs,
    ...target.frames,
  });
  if (query.instant) {
    const series = await source.queryInstant({ expr: target.expr, time: parsed.to, signal });
    return seriesToFrames(series, frameOptions(`Time: ${new Date(parsed.to).toISOString()} (instant)`));
  }
  const series = await source.queryRange({ expr: target.expr, start: plan.start, end: plan.end, stepMs: plan.stepMs, signal });
  const options = frameOptions(`Step: ${plan.stepMs / 1000}s`);
  const frames = seriesToFrames(series, options);
  // The cheap checks every query carries: a gap or a stale series shows on the panel.
  const grids = mergeOnGrid([series], plan.start, plan.end, plan.stepMs);
  const quality = runQualityChecks({
    series: grids,
    names: grids.map((g) => seriesNaming(g.labels, options).display),
    rangeStart: 0,
    rangeStartMs: plan.start,
    rangeEndMs: plan.end,
    nowMs,
    kpi: 'kpi' in target ? target.kpi : undefined,
  });
  const notices = qualityNotices(quality.report.checks);
  if (notices.length > 0 && frames[0]) frames[0].meta = { ...frames[0].meta, notices: [...(frames[0].meta?.notices ?? []), ...notices] };
  return frames;
}
