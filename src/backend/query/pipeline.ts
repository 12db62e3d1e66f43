import type { PluginContext } from '../grafana/context';
import type { Frame } from '../grafana/frames/frame';
import type { Logger } from '../grafana/logger';
import type { BackendMetrics } from '../metrics';
import type { SourceRegistry } from '../sources/resolve';
import type { Source } from '../sources/source';
import { tailChannelPath } from '../streaming/tail-path';
import { describeFailure, type QueryFailure } from './failure';
import { parseDataQuery, type ParsedQuery, type WireDataQuery } from './parse';
import { seriesToFrames } from './series-frames';
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
    const frames = await fetchFrames(parsed, source, signal);
    if (parsed.query.live && ctx.dataSource?.uid && frames[0]) {
      frames[0].meta = { ...frames[0].meta, channel: `ds/${ctx.dataSource.uid}/${tailChannelPath(parsed.query)}` };
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

async function fetchFrames(
  parsed: ParsedQuery,
  source: Source,
  signal: AbortSignal | undefined,
): Promise<Frame[]> {
  const { query } = parsed;
  const plan = planStep({
    from: parsed.from,
    to: parsed.to,
    intervalMs: parsed.intervalMs,
    maxDataPoints: parsed.maxDataPoints,
    minStep: query.step,
  });
  if (query.instant) {
    const series = await source.queryInstant({ expr: query.expr, time: parsed.to, signal });
    return seriesToFrames(series, {
      refId: parsed.refId,
      legendFormat: query.legendFormat,
      executedQueryString: `Expr: ${query.expr}\nTime: ${new Date(parsed.to).toISOString()} (instant)`,
      stepMs: plan.stepMs,
    });
  }
  const series = await source.queryRange({
    expr: query.expr,
    start: plan.start,
    end: plan.end,
    stepMs: plan.stepMs,
    signal,
  });
  return seriesToFrames(series, {
    refId: parsed.refId,
    legendFormat: query.legendFormat,
    executedQueryString: `Expr: ${query.expr}\nStep: ${plan.stepMs / 1000}s`,
    stepMs: plan.stepMs,
  });
}
