import type { LabelFilter } from '../../../common/kpis/filters';
import { checkResent, RESENT_LABELS, RESENT_SIDES, type QualityCheck, type ResentGroup } from '../../analysis/quality';
import { labelsId } from '../cache/entries';
import type { GridSeries } from '../history';
import { fetchRelated, type RelatedContext } from './related';

/**
 * queryType `quality` on a Prometheus store also reports the share of resent events in the
 * query's scope (analysis/quality/resent.ts), from the collector's received-events counter split
 * like the query, as far as that counter has the query's labels. A store without the counter (not
 * fed by Encore's collector) answers no series, and the report then has no such check rather than
 * a pass nobody measured.
 */

export interface ResentContext extends RelatedContext {
  groupBy: readonly string[];
  /** the query's own series and the names the report gives them */
  series: readonly GridSeries[];
  names: readonly string[];
}

export async function resentCheck(ctx: ResentContext): Promise<QualityCheck | undefined> {
  if (ctx.source.kind !== 'prometheus') return undefined;
  const groupBy = ctx.groupBy.filter((label) => RESENT_LABELS.includes(label));
  const filters: LabelFilter[] = ctx.filters.filter((f) => RESENT_LABELS.includes(f.label));
  const related = { ...ctx, filters };
  const [resent, received] = await Promise.all([fetchRelated(related, RESENT_SIDES.resent, groupBy), fetchRelated(related, RESENT_SIDES.received, groupBy)]);
  if (received.length === 0) return undefined;
  const key = (labels: Record<string, string>) => labelsId(Object.fromEntries(groupBy.map((label) => [label, labels[label] ?? ''])));
  const resentByGroup = new Map(resent.map((s) => [key(s.labels), s.grid]));
  const groups: ResentGroup[] = received.map((s) => {
    const group = key(s.labels);
    const none = { startMs: s.grid.startMs, stepMs: s.grid.stepMs, values: new Float64Array(s.grid.values.length) };
    return {
      names: ctx.names.filter((_, i) => key(ctx.series[i]!.labels) === group),
      resent: resentByGroup.get(group) ?? none,
      received: s.grid,
    };
  });
  return checkResent(groups, ctx.start, ctx.end);
}
