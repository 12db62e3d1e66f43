/**
 * Label filters of a KPI query (`market="BR"`, `platform=~"ios|android"`) and the one definition of
 * how they match, as Prometheus does it: `=` and `!=` compare strings, `=~` and `!~` match a regular
 * expression anchored at both ends. The PromQL renderer sends them to Prometheus; the evaluator and
 * the demo source apply them here.
 */

export const FILTER_OPERATORS = ['=', '!=', '=~', '!~'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export interface LabelFilter {
  label: string;
  op: FilterOperator;
  value: string;
}

/** Prometheus' regexes are RE2; JavaScript's backtrack, so patterns stay short. */
export const MAX_FILTER_REGEX_LENGTH = 1000;

/** Why a regex filter is unusable, or undefined when it is fine. */
export function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_FILTER_REGEX_LENGTH) return `expected a regular expression of at most ${MAX_FILTER_REGEX_LENGTH} characters`;
  // RE2 (Prometheus) has no lookaround and no backreferences; refuse them here rather than let
  // Prometheus answer with a parse error, or the evaluator match what Prometheus never would.
  if (/\(\?<?[=!]/.test(pattern)) return 'expected an RE2 regular expression: lookahead and lookbehind are not supported';
  if (/\\(?:[1-9]|k<)/.test(pattern)) return 'expected an RE2 regular expression: backreferences are not supported';
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `expected a valid regular expression: ${(error as Error).message}`;
  }
  return undefined;
}

const compiled = new Map<string, RegExp>();

function anchored(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`, 'su');
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex;
}

/** Whether a series' labels pass one filter; a missing label is the empty string, as in PromQL. */
export function filterMatches(filter: LabelFilter, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[filter.label] ?? '';
  switch (filter.op) {
    case '=':
      return value === filter.value;
    case '!=':
      return value !== filter.value;
    case '=~':
      return anchored(filter.value).test(value);
    case '!~':
      return !anchored(filter.value).test(value);
  }
}

/** A string literal in PromQL: double quotes, with backslash, quote and line breaks escaped. */
export function promqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

/** A literal value inside an RE2 alternation: every metacharacter escaped. */
export function regexLiteral(value: string): string {
  return value.replace(/[\\.^$|?*+()[\]{}]/g, '\\$&');
}
