import {
  STREAMING_METRICS,
  type CounterKey,
  type GaugeKey,
  type HistogramKey,
  type StreamingMetricKey,
} from '../streaming-metrics';

/**
 * The small language KPI formulas are written in. A formula is data, not PromQL text, so that one
 * definition serves two interpreters: `promql.ts` renders it as PromQL for a Prometheus-compatible
 * store, and `evaluate.ts` computes it from per-second rates (the simulator's model predictions,
 * tests). Both follow the same rules, stated here once:
 *
 * - `rate`: the per-second increase of a counter (or of a histogram's `_sum` / `_count`), summed
 *   over the series that match, by the query's group-by labels. `usd` converts each series from
 *   its `currency` label into US dollars with `encore_exchange_rate_usd` first.
 * - `gauge`: the current value of a gauge, summed the same way.
 * - `quantile`: the q-quantile of a histogram from its bucket rates (Prometheus' histogram_quantile).
 * - `ratio`: numerator / denominator per group. Groups whose denominator is absent or not above 0
 *   have no value (a gap, not a 0 or a NaN); a numerator absent where the denominator exists is 0
 *   (no skips in a group means a skip rate of 0, not a missing one).
 * - `sum`: term by term per group, over the groups of every term; a term absent in a group
 *   counts as 0 there (a market with ad revenue and no subscriptions still has revenue).
 * - `scale`: times a constant (per second to per hour, to percent of a month...).
 */

/** Fixed matchers of a term: one value means `=`, several mean any of them. */
export type Where = Readonly<Record<string, readonly string[]>>;

export type KpiExpr =
  | { kind: 'rate'; metric: CounterKey | HistogramKey; part?: 'sum' | 'count'; where?: Where; usd?: boolean }
  | { kind: 'gauge'; metric: GaugeKey; where?: Where }
  | { kind: 'quantile'; q: number; metric: HistogramKey; where?: Where }
  | { kind: 'ratio'; numerator: KpiExpr; denominator: KpiExpr }
  | { kind: 'sum'; terms: readonly [KpiExpr, ...KpiExpr[]] }
  | { kind: 'scale'; factor: number; arg: KpiExpr };

export const rate = (metric: CounterKey, where?: Where): KpiExpr => ({ kind: 'rate', metric, where });
export const rateUsd = (metric: CounterKey, where?: Where): KpiExpr => ({ kind: 'rate', metric, where, usd: true });
export const histogramRate = (metric: HistogramKey, part: 'sum' | 'count', where?: Where): KpiExpr => ({ kind: 'rate', metric, part, where });
export const gauge = (metric: GaugeKey, where?: Where): KpiExpr => ({ kind: 'gauge', metric, where });
export const quantile = (q: number, metric: HistogramKey, where?: Where): KpiExpr => ({ kind: 'quantile', q, metric, where });
export const ratio = (numerator: KpiExpr, denominator: KpiExpr): KpiExpr => ({ kind: 'ratio', numerator, denominator });
export const sum = (...terms: [KpiExpr, ...KpiExpr[]]): KpiExpr => ({ kind: 'sum', terms });
export const scale = (factor: number, arg: KpiExpr): KpiExpr => ({ kind: 'scale', factor, arg });

/** The metric terms of a formula, depth first. */
export function termsOf(expr: KpiExpr): Array<Extract<KpiExpr, { metric: StreamingMetricKey }>> {
  switch (expr.kind) {
    case 'rate':
    case 'gauge':
    case 'quantile':
      return [expr];
    case 'ratio':
      return [...termsOf(expr.numerator), ...termsOf(expr.denominator)];
    case 'sum':
      return expr.terms.flatMap(termsOf);
    case 'scale':
      return termsOf(expr.arg);
  }
}

/**
 * Labels a query may filter and group this formula by: those every term's metric carries, less
 * those a term fixes itself (the skip rate fixes `reason`; grouping it by reason would be nonsense)
 * and `le`. A filter on any other label would silently apply to only part of the formula.
 */
export function queryableLabels(expr: KpiExpr): string[] {
  const terms = termsOf(expr);
  const fixed = new Set(terms.flatMap((term) => Object.keys(term.where ?? {})));
  const [first, ...rest] = terms.map((term) => new Set<string>(STREAMING_METRICS[term.metric].labels));
  if (!first) return [];
  return [...first].filter((label) => !fixed.has(label) && rest.every((labels) => labels.has(label)));
}

/** The exposition name a term reads: `_bucket`, `_sum`, `_count` for histogram parts. */
export function seriesName(term: Extract<KpiExpr, { metric: StreamingMetricKey }>): string {
  const name = STREAMING_METRICS[term.metric].name;
  if (term.kind === 'quantile') return `${name}_bucket`;
  if (term.kind === 'rate' && term.part) return `${name}_${term.part}`;
  return name;
}
