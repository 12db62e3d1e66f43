import { checkConsistency, CONSISTENCY_RULES, type ConsistencyRule, type QualityCheck } from '../../analysis/quality';
import type { KpiExpr } from '../../../common/kpis/expression';
import { fetchRelated, type RelatedContext } from './related';

/**
 * queryType `quality` on a Prometheus store also checks the consistency rules: each side of a
 * rule rendered like a KPI (same filters, no split), fetched on the query's grid, and judged.
 * The demo source has no counters to relate, so it has no such checks (the report then lists
 * none rather than a pass nobody measured).
 */

export type ConsistencyContext = RelatedContext;

export async function consistencyChecks(ctx: ConsistencyContext, rules: readonly ConsistencyRule[] = CONSISTENCY_RULES): Promise<QualityCheck[]> {
  if (ctx.source.kind !== 'prometheus') return [];
  const fetch = async (expr: KpiExpr) => {
    const [grid] = await fetchRelated(ctx, expr);
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
