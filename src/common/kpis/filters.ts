import { compileLinearRegex, RegexTooComplex, UnsupportedRegex, type Matcher } from './linear-regex';

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

/**
 * Prometheus' regexes are RE2 (linear time). JavaScript's backtrack, so Encore never runs a filter
 * through RegExp against a value: filterMatches uses the linear-time matcher of linear-regex.ts,
 * and patterns stay short and bounded in size.
 */
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
  try {
    anchored(pattern);
  } catch (error) {
    if (error instanceof RegexTooComplex) return `expected a simpler regular expression: ${error.message}`;
    if (error instanceof UnsupportedRegex) return `expected an RE2 regular expression: ${error.message}`;
    throw error;
  }
  return undefined;
}

const compiled = new Map<string, Matcher>();

/** The fully anchored, linear-time matcher of a pattern (compiled once, kept in a bounded map). */
function anchored(pattern: string): Matcher {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = compileLinearRegex(pattern, 'su');
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

/**
 * A string literal in PromQL: double quotes, with backslash and quote escaped and every control
 * character written as an escape (a raw line break ends a PromQL string with an error; the others
 * would be invisible in the query inspector). Prometheus unquotes with Go's rules, so `\n`, `\t`
 * and `\u00XX` read back as the very characters; nothing in the value can end the literal.
 */
export function promqlString(value: string): string {
  return `"${promqlStringBody(value)}"`;
}

/** The inside of a PromQL double-quoted string: what promqlString puts between the quotes. */
export function promqlStringBody(value: string): string {
  return value.replace(PROMQL_STRING_SPECIAL, escapePromqlChar);
}

// eslint-disable-next-line no-control-regex -- finding the control characters is the point
const PROMQL_STRING_SPECIAL = /[\\"\u0000-\u001f\u007f]/g;
const NAMED_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapePromqlChar(c: string): string {
  return NAMED_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** A literal value inside an RE2 alternation: every metacharacter escaped. */
export function regexLiteral(value: string): string {
  return value.replace(/[\\.^$|?*+()[\]{}]/g, '\\$&');
}
