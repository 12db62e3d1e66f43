import type { KpiExpr } from '../../../common/kpis/expression';
import type { LabelFilter } from '../../../common/kpis/filters';
import { renderPromql } from '../../../common/kpis/promql';
import { formatDuration } from '../../../common/validation';
import type { Source } from '../../sources/source';
import { mergeOnGrid, type GridSeries } from '../history';
import { rateWindowMs } from '../kpi';

/**
 * Series related to a query rather than its own (the sides of a consistency rule, the collector's
 * received-events counter), rendered like a KPI with the query's filters and fetched on its grid,
 * for the quality checks that judge one against another.
 */

export interface RelatedContext {
  source: Source;
  filters: readonly LabelFilter[];
  start: number;
  end: number;
  stepMs: number;
  scrapeMs: number;
  signal?: AbortSignal;
}

export async function fetchRelated(ctx: RelatedContext, expr: KpiExpr, groupBy: readonly string[] = []): Promise<GridSeries[]> {
  const window = formatDuration(rateWindowMs(ctx.stepMs, ctx.scrapeMs));
  const promql = renderPromql(expr, { filters: [...ctx.filters], groupBy: [...groupBy], window });
  const series = await ctx.source.queryRange({ expr: promql, start: ctx.start, end: ctx.end, stepMs: ctx.stepMs, signal: ctx.signal });
  return mergeOnGrid([series], ctx.start, ctx.end, ctx.stepMs);
}
