import type { PluginContext } from '../grafana/context';
import type { Frame } from '../grafana/frames/frame';
import type { Logger } from '../grafana/logger';
import type { BackendMetrics } from '../metrics';
import type { SourceRegistry } from '../sources/resolve';
import type { Source } from '../sources/source';
import { tailStepMs as planTailStep } from '../streaming/tail';
import { tailChannelPath } from '../streaming/tail-path';
import { writeAudit, type AuditOutcome } from '../security/audit';
import { describeFailure, type QueryFailure } from './failure';
import { LimitError, QueryGuard, scrapeMsFromJsonData, type RateLimiter } from './limits';
import { parseDataQuery, type ParsedQuery, type WireDataQuery } from './parse';
import { needsAnalysis, runAnalysed } from './analysis/run';
import { qualityNotices, runQualityChecks } from './analysis/quality';
import { answerKey, answerTtlMs, framesBytes, reusedFrames } from './cache/answers';
import { CacheRegistry } from './cache/registry';
import { dataScope } from './cache/keys';
import type { ResultsCache } from './cache/results';
import { mergeOnGrid } from './history';
import { seriesNaming, seriesToFrames } from './series-frames';
import { planQueryStep } from './step';
import { resolveTarget } from './target';

/**
 * The query pipeline: validate -> plan -> fetch from the source -> quality checks -> analysis ->
 * frames. Each query is answered on its own: a failure becomes that query's error and never
 * touches its neighbours. Range data goes through the data source's results cache (cache/). Limits (limits/): rate limits before anything else, the time range once
 * parsed, series and samples on every upstream answer, the query's deadline on every call; each
 * refusal is that query's error, naming the limit and its value. Every query leaves an audit line.
 */

export interface PipelineDeps {
  sources: SourceRegistry;
  metrics: BackendMetrics;
  logger: Logger;
  /** the results caches, one per data source (created once per process); absent: a shared default */
  caches?: CacheRegistry;
  /** one fixed results cache for every data source instead of the registry's (tests) */
  history?: ResultsCache;
  /** the clock (tests pin it) */
  now?: () => number;
  /** rate limits per org and user (one per process); absent: none */
  rateLimiter?: RateLimiter;
  /** where the per-query audit line goes (security/audit.ts); absent: nowhere */
  audit?: Logger;
}

/** The registry of callers that bring none (tests), one per metrics registry. */
const defaultCaches = new WeakMap<BackendMetrics, CacheRegistry>();

function cacheFor(ctx: PluginContext, deps: PipelineDeps): CacheUse {
  if (deps.history) return { cache: deps.history, scope: dataScope(ctx.orgId, ctx.dataSource) };
  let caches = deps.caches ?? defaultCaches.get(deps.metrics);
  if (!caches) defaultCaches.set(deps.metrics, (caches = new CacheRegistry({ metrics: deps.metrics.cache, logger: deps.logger })));
  return caches.forDataSource(ctx.orgId, ctx.dataSource);
}

interface CacheUse {
  cache: ResultsCache;
  scope: string;
}

/**
 * Where a range query's finished answer is kept (cache/answers.ts): the same query over the same
 * step-aligned range reuses it. Instant queries have no aligned range and are always answered.
 */
function answerSlot(cached: CacheUse, parsed: ParsedQuery, source: Source, scrapeMs: number, nowMs: number) {
  const { query } = parsed;
  const answers = cached.cache.answers;
  if (!answers || ('instant' in query && query.instant)) return undefined;
  const kpiFloor = 'kpi' in query && query.kpi !== undefined && source.kind === 'prometheus';
  const plan = planQueryStep(parsed, query.step, kpiFloor, scrapeMs);
  const key = answerKey(cached.scope, parsed.identity, plan);
  const found = answers.get(key, nowMs);
  cached.cache.options.metrics?.lookups.inc({ tier: 'answer', result: found ? 'hit' : 'miss' });
  return {
    reused: found ? reusedFrames(found) : undefined,
    keep(frames: Frame[]) {
      const ttl = answerTtlMs(plan, nowMs, cached.cache.options);
      if (ttl > 0) answers.set(key, { frames, computedAt: nowMs }, framesBytes(frames), nowMs + ttl);
    },
  };
}

export interface QueryAnswer {
  refId: string;
  frames: Frame[];
  failure?: QueryFailure;
  /** the frames are a cached answer's, shared with other requests: never modify them */
  shared?: boolean;
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
  let guard: QueryGuard | undefined;
  let range = { from: NaN, to: NaN };
  /** the query's own PromQL (not one Encore generated): a rejection of it is about the field expr */
  let wroteExpr = false;
  let model: object | undefined;
  const audit = (outcome: AuditOutcome, status: number, errorKind?: string) =>
    writeAudit(deps.audit, { ctx, refId, queryType, json: wire.json, model, ...range, durationMs: performance.now() - started, outcome, status, errorKind });
  try {
    guard = QueryGuard.start(ctx, signal, deps.rateLimiter);
    const parsed = parseDataQuery(wire);
    range = { from: parsed.from, to: parsed.to };
    model = parsed.query;
    queryType = parsed.query.queryType;
    wroteExpr = 'expr' in parsed.query && typeof parsed.query.expr === 'string' && parsed.query.expr !== '';
    guard.checkRange(parsed);
    const source = guard.wrap(deps.sources.forSettings(ctx.orgId, ctx.dataSource));
    sourceKind = source.kind;
    const scrapeMs = scrapeMsFromJsonData(ctx.dataSource?.jsonData);
    const nowMs = (deps.now ?? Date.now)();
    const cached = cacheFor(ctx, deps);
    const slot = answerSlot(cached, parsed, source, scrapeMs, nowMs);
    const reused = slot?.reused;
    const frames =
      reused ??
      (needsAnalysis(parsed.query)
        ? await runAnalysed(parsed, { source, scrapeMs, ...cached, nowMs, signal: guard.signal })
        : await fetchFrames(parsed, source, cached, scrapeMs, nowMs, guard.signal));
    const warnings = guard.notices();
    if (warnings.length > 0) {
      if (!frames[0]) frames.push({ refId, fields: [], meta: {} });
      frames[0]!.meta = { ...frames[0]!.meta, notices: [...(frames[0]!.meta?.notices ?? []), ...warnings] };
    }
    const query = parsed.query;
    if (!reused && (query.queryType === 'promql' || query.queryType === 'kpi') && query.live && ctx.dataSource?.uid && frames[0]) {
      const expr = query.queryType === 'kpi' ? resolveTarget(query, source, planTailStep(query), scrapeMs).expr : query.expr;
      const path = tailChannelPath({ expr, legendFormat: query.legendFormat, step: query.step });
      frames[0].meta = { ...frames[0].meta, channel: `ds/${ctx.dataSource.uid}/${path}` };
    }
    // An answer with upstream warnings (a partial answer) is not kept.
    if (!reused && warnings.length === 0) slot?.keep(frames);
    deps.metrics.queryDuration.observe(
      { query_type: queryType, source: sourceKind, outcome: 'ok' },
      (performance.now() - started) / 1000,
    );
    audit('ok', 200);
    return { refId, frames, ...(reused ? { shared: true } : {}) };
  } catch (error) {
    const explained = guard ? guard.explain(error) : error;
    const failure = namingExpr(describeFailure(explained), wroteExpr);
    deps.metrics.queryErrors.inc({ kind: failure.kind });
    if (explained instanceof LimitError) countRefusal(deps.metrics, ctx.dataSource?.uid ?? '', explained);
    deps.metrics.queryDuration.observe(
      { query_type: queryType, source: sourceKind, outcome: 'error' },
      (performance.now() - started) / 1000,
    );
    const log = failure.kind === 'internal' ? deps.logger.error : deps.logger.debug;
    log('query failed', { refId, kind: failure.kind, status: failure.status, error });
    audit(auditOutcome(failure.kind), failure.status, failure.kind);
    return { refId, frames: [], failure };
  } finally {
    guard?.dispose();
  }
}

/** encore_query_rate_limited_total or encore_query_limit_refusals_total, by the limit's jsonData key. */
function countRefusal(metrics: BackendMetrics, datasource: string, error: LimitError): void {
  const counter = error.kind === 'rate_limited' ? metrics.limits.rateLimited : metrics.limits.refused;
  counter.inc({ datasource, limit: error.limit });
}

/** A store's rejection of a PromQL expression the user wrote names the field, like every other bad input. */
function namingExpr(failure: QueryFailure, wroteExpr: boolean): QueryFailure {
  if (!wroteExpr || failure.kind !== 'bad_query' || failure.message.startsWith('expr: ')) return failure;
  return { ...failure, message: `expr: ${failure.message}` };
}

const REFUSALS = new Set(['limit', 'rate_limited', 'query_timeout', 'blocked', 'circuit_open']);

function auditOutcome(kind: string): AuditOutcome {
  if (kind === 'cancelled') return 'cancelled';
  return REFUSALS.has(kind) ? 'refused' : 'error';
}

/** Plain `promql` and `kpi` queries: the series as the source answers them, with quality notices. */
async function fetchFrames(
  parsed: ParsedQuery,
  source: Source,
  cached: CacheUse,
  scrapeMs: number,
  nowMs: number,
  signal: AbortSignal | undefined,
): Promise<Frame[]> {
  const { query } = parsed;
  if (query.queryType !== 'promql' && query.queryType !== 'kpi') throw new Error(`fetchFrames: ${query.queryType} goes through analysis`);
  const isKpi = query.queryType === 'kpi';
  const plan = planQueryStep(parsed, query.step, isKpi && source.kind === 'prometheus', scrapeMs);
  const target = resolveTarget(isKpi ? query : { expr: query.expr, filters: [], groupBy: [] }, source, plan.stepMs, scrapeMs);
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
  const { series, stats } = await cached.cache.fetchRange(
    { scope: cached.scope, expr: target.expr, start: plan.start, end: plan.end, stepMs: plan.stepMs, nowMs, signal },
    source,
  );
  const options = frameOptions(`Step: ${plan.stepMs / 1000}s`);
  const frames = seriesToFrames(series, options);
  // The query inspector shows how much came from the results cache.
  if (frames[0]) {
    frames[0].meta = {
      ...frames[0].meta,
      stats: [
        ...(frames[0].meta?.stats ?? []),
        { displayName: 'Upstream time', value: Math.round(stats.upstreamMs * 100) / 100, unit: 'ms' },
        { displayName: 'Steps from cache', value: stats.cachedSteps, unit: 'none' },
        { displayName: 'Steps fetched', value: stats.fetchedSteps, unit: 'none' },
      ],
    };
  }
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
