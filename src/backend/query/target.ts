import type { KpiDefinition } from '../../common/kpis/catalogue';
import type { KpiQuery } from '../../common/query';
import type { Source } from '../sources/source';
import { compileKpi } from './kpi';
import { expandIntervalMacros } from './macros';
import type { SeriesFrameOptions } from './series-frames';

/**
 * What a query reads: the PromQL the source runs, how the query inspector describes it, and how
 * its frames are named and formatted. A KPI brings unit, decimals and name from the catalogue;
 * a PromQL expression is taken as written, with Grafana's interval macros replaced (macros.ts).
 */
export interface Target {
  expr: string;
  /** first lines of executedQueryString */
  header: string;
  frames: Partial<SeriesFrameOptions>;
  kpi?: KpiDefinition;
  /** share KPIs on a Prometheus-compatible store: the PromQL of the events behind each value (kpi.ts) */
  eventsExpr?: string;
}

export interface TargetFields {
  kpi?: string;
  expr?: string;
  filters: KpiQuery['filters'];
  groupBy: string[];
}

export function resolveTarget(query: TargetFields, source: Pick<Source, 'kind'>, stepMs: number, scrapeMs: number): Target {
  if (query.kpi === undefined) return { expr: expandIntervalMacros(query.expr ?? '', stepMs, scrapeMs), header: '', frames: {} };
  const compiled = compileKpi({ kpi: query.kpi, filters: query.filters, groupBy: query.groupBy }, source, stepMs, scrapeMs);
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
  return { expr: compiled.expr, header, frames, kpi, ...(compiled.eventsExpr ? { eventsExpr: compiled.eventsExpr } : {}) };
}
