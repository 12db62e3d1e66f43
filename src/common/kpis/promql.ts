import { STREAMING_METRICS } from '../streaming-metrics';
import { seriesName, type KpiExpr, type Where } from './expression';
import { promqlString, regexLiteral, type LabelFilter } from './filters';

/**
 * Renders a KPI formula as PromQL over the collector's metrics, following the rules in
 * expression.ts. The query's label filters go into every selector, its group-by labels into
 * every aggregation, and `window` is the range of every rate() (the caller picks it from the
 * step and the scrape interval, as Grafana's $__rate_interval does).
 */

export interface RenderOptions {
  filters: readonly LabelFilter[];
  groupBy: readonly string[];
  /** a Prometheus duration such as `1m` */
  window: string;
}

const EXCHANGE_RATE = STREAMING_METRICS.exchangeRate.name;

export function renderPromql(expr: KpiExpr, options: RenderOptions): string {
  const by = (extra: string[] = []) => {
    const labels = [...extra, ...options.groupBy];
    return labels.length === 0 ? 'sum' : `sum by (${labels.join(', ')})`;
  };
  const selector = (term: Extract<KpiExpr, { metric: string }>) => {
    const matchers = [...whereMatchers(term.where), ...options.filters.map(filterMatcher)];
    return matchers.length === 0 ? seriesName(term) : `${seriesName(term)}{${matchers.join(', ')}}`;
  };
  const render = (node: KpiExpr): string => {
    switch (node.kind) {
      case 'rate': {
        const perSecond = `rate(${selector(node)}[${options.window}])`;
        if (!node.usd) return `${by()} (${perSecond})`;
        // Each series is converted with the rate of its own currency before the sum; max by
        // (currency) folds the copies that several collectors export into one rate per currency.
        return `${by()} (${perSecond} * on (currency) group_left () max by (currency) (${EXCHANGE_RATE}))`;
      }
      case 'gauge':
        return `${by()} (${selector(node)})`;
      case 'quantile':
        return `histogram_quantile(${node.q}, ${by(['le'])} (rate(${selector(node)}[${options.window}])))`;
      case 'ratio': {
        // The zero fallback needs only the denominator's groups.
        const numerator = render(node.numerator);
        return `(${numerator} or (0 * ${groupsOf(node.denominator)})) / (${render(node.denominator)} > 0)`;
      }
      case 'sum': {
        // A group missing from one term counts as 0 there, whichever term it is missing from:
        // each term falls back to 0 over the groups of the others.
        const terms = node.terms.map(render);
        if (terms.length === 1) return terms[0]!;
        const withZeros = terms.map((term, i) => {
          const others = terms.filter((_, j) => j !== i);
          return `(${term} or (0 * ${others.length === 1 ? others[0] : `(${others.join(' or ')})`}))`;
        });
        return `(${withZeros.join(' + ')})`;
      }
      case 'scale':
        return `${node.factor} * (${render(node.arg)})`;
    }
  };
  /** An expression with exactly the groups `expr` has (its values do not matter). */
  const groupsOf = (node: KpiExpr): string => {
    if (node.kind === 'sum') return node.terms.length === 1 ? groupsOf(node.terms[0]) : `(${node.terms.map(groupsOf).join(' or ')})`;
    if (node.kind === 'scale') return groupsOf(node.arg);
    return render(node);
  };
  return render(expr);
}


function whereMatchers(where: Where | undefined): string[] {
  return Object.entries(where ?? {}).map(([label, values]) =>
    values.length === 1 ? `${label}=${promqlString(values[0]!)}` : `${label}=~${promqlString(values.map(regexLiteral).join('|'))}`,
  );
}

function filterMatcher(filter: LabelFilter): string {
  return `${filter.label}${filter.op}${promqlString(filter.value)}`;
}
