import { findKpi, shareEvents, type KpiDefinition } from '../../common/kpis/catalogue';
import { renderPromql } from '../../common/kpis/promql';
import type { KpiQuery } from '../../common/query';
import { formatDuration } from '../../common/validation';
import { demoKpiExpression } from '../sources/demo/kpis';
import type { Source } from '../sources/source';
import { QueryValidationError } from './failure';

/**
 * queryType `kpi` -> the PromQL the source runs. On a Prometheus-compatible store that is the
 * catalogue formula over the collector's metrics; the demo source has metrics of its own and
 * answers the KPIs it models through its own mapping.
 */

export interface CompiledKpi {
  kpi: KpiDefinition;
  expr: string;
  /** the rate() range, when the expression has one */
  window?: string;
  /**
   * Share KPIs on a Prometheus-compatible store: the events each value is a share of, per second
   * and grouped as the value (catalogue shareEvents), for the anomaly detection's `events`
   */
  eventsExpr?: string;
}

/**
 * The rate() range for a step, as Grafana's $__rate_interval: one step plus one scrape, and never
 * under four scrapes, so each window holds enough samples whatever the step.
 */
export function rateWindowMs(stepMs: number, scrapeIntervalMs: number): number {
  return Math.max(stepMs + scrapeIntervalMs, 4 * scrapeIntervalMs);
}

export function compileKpi(query: Pick<KpiQuery, 'kpi' | 'filters' | 'groupBy'>, source: Pick<Source, 'kind'>, stepMs: number, scrapeIntervalMs: number): CompiledKpi {
  const kpi = findKpi(query.kpi);
  // The query schema refuses unknown ids; this guards callers that skip it.
  if (!kpi) throw new QueryValidationError(`kpi: unknown KPI ${JSON.stringify(query.kpi)}`);
  if (source.kind === 'demo') return { kpi, expr: demoKpiExpression(kpi, query.filters, query.groupBy) };
  const window = formatDuration(rateWindowMs(stepMs, scrapeIntervalMs));
  const options = { filters: query.filters, groupBy: query.groupBy, window };
  const events = shareEvents(kpi);
  return { kpi, expr: renderPromql(kpi.formula, options), window, ...(events ? { eventsExpr: renderPromql(events, options) } : {}) };
}
