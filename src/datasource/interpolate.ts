import { promqlStringBody } from '../common/kpis/filters';

/** What Grafana's template service tells a format function about the variable being written. */
interface VariableShape {
  multi?: boolean;
  includeAll?: boolean;
}

/** RE2 metacharacters: Prometheus label matchers `=~`/`!~` are fully anchored RE2 regexes. */
const REGEX_META = /[\\^$.|?*+()[\]{}]/g;

/**
 * How a dashboard variable's value is written into PromQL (a format function for
 * getTemplateSrv().replace).
 *
 * Multi-value and "All" selections can only be used in `=~` matchers, so they become a regex
 * alternative `(a|b)`, each value escaped to match itself only. The result is then escaped for a
 * PromQL string literal: a regex `\.` is typed `\\.` inside "...", or Prometheus rejects the
 * unknown string escape. Grafana passes custom "All" values (such as `.*`) through without
 * calling this function, so they keep their regex meaning.
 *
 * A single-value variable keeps its meaning: it is as often a duration, a metric name or a
 * number as a label value (none of which holds a quote or a backslash) or a regex typed into a
 * text box. Only what a PromQL string literal cannot hold as-is is escaped (backslash, double
 * quote, line breaks and other control characters), as Grafana's own Prometheus data source
 * does: a value such as `"} or vector(1) #` can then never end the string it is written into
 * and add to the query; outside quotes it is a syntax error, not an injection.
 */
export function interpolatePromqlValue(value: unknown, variable?: VariableShape): string {
  const values = Array.isArray(value) ? value.map(String) : [String(value ?? '')];
  const regexContext = Array.isArray(value) || variable?.multi === true || variable?.includeAll === true;
  if (!regexContext) return promqlStringBody(values[0] ?? '');
  const escaped = values.map((v) => promqlStringBody(v.replace(REGEX_META, '\\$&')));
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
}

/**
 * How a dashboard variable's value is written into a KPI label filter. The backend quotes and
 * escapes filter values as PromQL strings itself, so nothing here escapes for the string literal;
 * in a regex filter (`=~`, `!~`) a multi-value or "All" selection becomes an alternation of
 * values escaped to match only themselves. In an equality filter the value is used as it is.
 */
export function interpolateFilterValue(regexFilter: boolean) {
  return (value: unknown, variable?: VariableShape): string => {
    const values = Array.isArray(value) ? value.map(String) : [String(value ?? '')];
    const several = Array.isArray(value) || variable?.multi === true || variable?.includeAll === true;
    if (!regexFilter || !several) return values.join(',');
    const escaped = values.map((v) => v.replace(REGEX_META, '\\$&'));
    return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
  };
}

/** How a variable's value is written (a format function for getTemplateSrv().replace). */
export type ValueFormat = (value: unknown, variable?: VariableShape) => string;
/** getTemplateSrv().replace bound to the query's scoped variables. */
export type Replace = (text: string, format?: ValueFormat) => string;

interface InterpolatedFields {
  expr?: string;
  legendFormat?: string;
  filters?: Array<{ label: string; op?: string; value: string }>;
}

/**
 * Dashboard variables in every field of a query that takes them, whatever its type: the PromQL
 * expression, the KPI's filter values and the legend. Absent fields stay absent.
 */
export function interpolateQuery<Q extends InterpolatedFields>(query: Q, replace: Replace): Q {
  const out: Q = { ...query };
  if (query.legendFormat !== undefined) out.legendFormat = replace(query.legendFormat);
  if (query.expr !== undefined) out.expr = replace(query.expr, interpolatePromqlValue);
  if (query.filters !== undefined) {
    out.filters = query.filters.map((filter) => ({
      ...filter,
      value: replace(filter.value, interpolateFilterValue(filter.op === '=~' || filter.op === '!~')),
    }));
  }
  return out;
}
