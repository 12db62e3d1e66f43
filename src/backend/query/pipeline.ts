import type { KpiQuery } from '../../common/query';
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
import { compileKpi } from './kpi';
import { seriesToFrames, type SeriesFrameOptions } from './series-frames';
import { planStep } from './step';

/**
 * The query pipeline: validate -> plan -> fetch from the source -> frames. Each query is
 * answered on its own: a failure becomes that query's error and never touches its neighbours.
 * (Limits, cache and analysis stages join here in later issues.)
 */

export interface PipelineDeps {
  sources: SourceRegistry;
  metrics: BackendMetrics;
  logger: Logger;
}

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
    const frames = await fetchFrames(parsed, source, scrapeMs, signal);
    if (parsed.query.live && ctx.dataSource?.uid && frames[0]) {
      const expr = parsed.query.queryType === 'kpi' ? kpiTarget(parsed.query, source, planTailStep(parsed.query), scrapeMs).expr : parsed.query.expr;
      const path = tailChannelPath({ expr, legendFormat: parsed.query.legendFormat, step: parsed.query.step });
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

async function fetchFrames(parsed: ParsedQuery, source: Source, scrapeMs: number, signal: AbortSignal | undefined): Promise<Frame[]> {
  const { query } = parsed;
  const isKpi = query.queryType === 'kpi';
  const plan = planStep({
    from: parsed.from,
    to: parsed.to,
    intervalMs: parsed.intervalMs,
    maxDataPoints: parsed.maxDataPoints,
    minStep: query.step,
    // A KPI step finer than the scrape interval only repeats samples.
    floorMs: isKpi && source.kind === 'prometheus' ? scrapeMs : 0,
  });
  const target = isKpi ? kpiTarget(query, source, plan.stepMs, scrapeMs) : { expr: query.expr, header: '', frames: {} };
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
  return seriesToFrames(series, frameOptions(`Step: ${plan.stepMs / 1000}s`));
}

/** A KPI query's PromQL, and how its frames are named and formatted (unit and name from the catalogue). */
function kpiTarget(query: KpiQuery, source: Source, stepMs: number, scrapeMs: number) {
  const compiled = compileKpi(query, source, stepMs, scrapeMs);
  const { kpi } = compiled;
  const frames: Partial<SeriesFrameOptions> = {
    valueConfig: { unit: kpi.unit, decimals: kpi.decimals, description: kpi.description },
    defaultName: (labels) => {
      const parts = query.groupBy.map((label) => labels[label] ?? '');
      return parts.length > 0 ? `${kpi.name} ${parts.join(' / ')}` : kpi.name;
    },
    metaCustom: { kpi: kpi.id, group: kpi.group, good: kpi.good },
  };
  const header = `KPI: ${kpi.id} (${kpi.name})${compiled.window ? `, rate window ${compiled.window}` : ''}\n`;
  return { expr: compiled.expr, header, frames };
}
