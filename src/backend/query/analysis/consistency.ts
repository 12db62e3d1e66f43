import type { LabelFilter } from '../../../common/kpis/filters';
import { renderPromql } from '../../../common/kpis/promql';
import { formatDuration } from '../../../common/validation';
import { checkConsistency, CONSISTENCY_RULES, type ConsistencyRule, type QualityCheck } from '../../analysis/quality';
import type { Source } from '../../sources/source';
import { mergeOnGrid } from '../history';
import { rateWindowMs } from '../kpi';

/**
 * queryType `quality` on a Prometheus store also checks the consistency rules: each side of a
 * rule rendered like a KPI (same filters, no split), fetched on the query's grid, and judged.
 * The demo source has no counters to relate, so it has no such checks (the report then lists
 * none rather than a pass nobody measured).
 */

export interface ConsistencyContext {
  source: Source;
  filters: readonly LabelFilter[];
  start: number;
  end: number;
  stepMs: number;
  scrapeMs: number;
  signal?: AbortSignal;
}

export async function consistencyChecks(ctx: ConsistencyContext, rules: readonly ConsistencyRule[] = CONSISTENCY_RULES): Promise<QualityCheck[]> {
  if (ctx.source.kind !== 'prometheus') return [];
  const window = formatDuration(rateWindowMs(ctx.stepMs, ctx.scrapeMs));
  const fetch = async (expr: Parameters<typeof renderPromql>[0]) => {
    // Only the filters both sides can carry: a label one side's metric lacks would empty it.
    const promql = renderPromql(expr, { filters: [...ctx.filters], groupBy: [], window });
    const series = await ctx.source.queryRange({ expr: promql, start: ctx.start, end: ctx.end, stepMs: ctx.stepMs, signal: ctx.signal });
    const [grid] = mergeOnGrid([series], ctx.start, ctx.end, ctx.stepMs);
    return grid?.grid ?? { startMs: ctx.start, stepMs: ctx.stepMs, values: new Float64Array(Math.floor((ctx.end - ctx.start) / ctx.stepMs) + 1).fill(NaN) };
  };
  return Promise.all(
    rules.map(async (rule) => {
      if (rule.kind === 'at_most') {
        const [left, right] = await Promise.all([fetch(rule.left), fetch(rule.right)]);
        return checkConsistency(rule, { left, right });
      }
      const [total, ...parts] = await Promise.all([fetch(rule.total), ...rule.parts.map(fetch)]);
      return checkConsistency(rule, { parts, total: total! });
    }),
  );
}
