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
 * alternative `(a|b)`, each value escaped to match itself only. The escape is written for a
 * PromQL string literal: a regex `\.` is typed `\\.` inside "...", or Prometheus rejects the
 * unknown string escape. Grafana passes custom "All" values (such as `.*`) through without
 * calling this function, so they keep their regex meaning.
 *
 * A single-value variable is written verbatim: it is as often a duration, a metric name or a
 * number as a label value, and escaping would break those.
 */
export function interpolatePromqlValue(value: unknown, variable?: VariableShape): string {
  const values = Array.isArray(value) ? value.map(String) : [String(value ?? '')];
  const regexContext = Array.isArray(value) || variable?.multi === true || variable?.includeAll === true;
  if (!regexContext) return values[0] ?? '';
  const escaped = values.map((v) => v.replace(REGEX_META, '\\$&').replaceAll('\\', '\\\\'));
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
