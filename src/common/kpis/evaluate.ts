import { STREAMING_METRICS } from '../streaming-metrics';
import { seriesName, type KpiExpr, type Where } from './expression';
import { filterMatches, type LabelFilter } from './filters';
import { histogramQuantile } from './histogram-quantile';

/**
 * Computes a KPI formula from per-second rates instead of from Prometheus: the same rules as the
 * PromQL renderer (expression.ts), applied to numbers. The simulator's model uses it to predict
 * what a KPI query will answer from its expected rates, so a KPI is defined once and both paths
 * can be compared.
 */

export type Labels = Readonly<Record<string, string>>;

export interface RateSample {
  labels: Labels;
  /** per-second rate for counters (and histogram _bucket/_sum/_count series), value for gauges */
  value: number;
}

/** Where the evaluator reads series, by exposition name (`encore_play_ends_total`, `..._bucket`). */
export interface RateData {
  series(name: string): Iterable<RateSample>;
}

export interface EvaluateOptions {
  filters?: readonly LabelFilter[];
  groupBy?: readonly string[];
}

export interface GroupValue {
  /** the group-by labels of this group */
  labels: Record<string, string>;
  value: number;
}

type Groups = Map<string, GroupValue>;

export function evaluateKpi(expr: KpiExpr, data: RateData, options: EvaluateOptions = {}): GroupValue[] {
  const filters = options.filters ?? [];
  const groupBy = options.groupBy ?? [];
  const groupOf = (labels: Labels) => {
    const picked: Record<string, string> = {};
    for (const label of groupBy) picked[label] = labels[label] ?? '';
    return { key: groupBy.map((label) => picked[label]).join('\u0000'), labels: picked };
  };
  const matching = (name: string, where: Where | undefined) =>
    [...data.series(name)].filter(
      (sample) =>
        Object.entries(where ?? {}).every(([label, values]) => values.includes(sample.labels[label] ?? '')) &&
        filters.every((filter) => filterMatches(filter, sample.labels)),
    );
  const addTo = (groups: Groups, labels: Labels, value: number) => {
    const { key, labels: picked } = groupOf(labels);
    const group = groups.get(key);
    if (group) group.value += value;
    else groups.set(key, { labels: picked, value });
  };

  const evaluate = (node: KpiExpr): Groups => {
    switch (node.kind) {
      case 'rate':
      case 'gauge': {
        const groups: Groups = new Map();
        const usdRates = node.kind === 'rate' && node.usd ? exchangeRates(data) : undefined;
        for (const sample of matching(seriesName(node), node.where)) {
          if (!usdRates) {
            addTo(groups, sample.labels, sample.value);
            continue;
          }
          // As the PromQL inner join: a series whose currency has no rate drops out.
          const usd = usdRates.get(sample.labels.currency ?? '');
          if (usd !== undefined) addTo(groups, sample.labels, sample.value * usd);
        }
        return groups;
      }
      case 'quantile': {
        const buckets = new Map<string, { labels: Record<string, string>; byLe: Map<number, number> }>();
        for (const sample of matching(seriesName(node), node.where)) {
          const le = Number(sample.labels.le === '+Inf' ? Infinity : sample.labels.le);
          const { key, labels } = groupOf(sample.labels);
          let group = buckets.get(key);
          if (!group) buckets.set(key, (group = { labels, byLe: new Map() }));
          group.byLe.set(le, (group.byLe.get(le) ?? 0) + sample.value);
        }
        const groups: Groups = new Map();
        for (const [key, group] of buckets) {
          const value = histogramQuantile(node.q, [...group.byLe].map(([le, count]) => ({ le, count })));
          groups.set(key, { labels: group.labels, value });
        }
        return groups;
      }
      case 'ratio': {
        const numerator = evaluate(node.numerator);
        const groups: Groups = new Map();
        for (const [key, denominator] of evaluate(node.denominator)) {
          if (!(denominator.value > 0)) continue;
          groups.set(key, { labels: denominator.labels, value: (numerator.get(key)?.value ?? 0) / denominator.value });
        }
        return groups;
      }
      case 'sum': {
        const groups: Groups = new Map();
        for (const term of node.terms.map(evaluate)) {
          for (const [key, group] of term) {
            const total = groups.get(key);
            if (total) total.value += group.value;
            else groups.set(key, { labels: group.labels, value: group.value });
          }
        }
        return groups;
      }
      case 'scale': {
        const groups: Groups = new Map();
        for (const [key, group] of evaluate(node.arg)) groups.set(key, { labels: group.labels, value: node.factor * group.value });
        return groups;
      }
    }
  };
  return [...evaluate(expr).values()];
}

/** USD per unit by currency, the max over copies as in the PromQL. */
function exchangeRates(data: RateData): Map<string, number> {
  const rates = new Map<string, number>();
  for (const sample of data.series(STREAMING_METRICS.exchangeRate.name)) {
    const currency = sample.labels.currency ?? '';
    rates.set(currency, Math.max(rates.get(currency) ?? -Infinity, sample.value));
  }
  return rates;
}
