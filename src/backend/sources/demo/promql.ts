import { compileLinearRegex, RegexTooComplex, UnsupportedRegex, type Matcher } from '../../../common/kpis/linear-regex';
import { UpstreamError } from '../errors';
import { describePosition, parseError, unsupported } from './promql-errors';
import { Lexer, describeToken, type Token } from './promql-lexer';
import { shortened } from '../../../common/validation';

/**
 * The PromQL subset the demo evaluates, parsed by recursive descent:
 *
 *   expr       := additive
 *   additive   := multiplicative (('+' | '-') multiplicative)*
 *   multiplicative := unary (('*' | '/') unary)*
 *   unary      := ('+' | '-') unary | primary
 *   primary    := number | selector | aggregation | '(' expr ')'
 *   selector   := metric_name ['{' matchers '}'] | '{' matchers '}'
 *   aggregation := op [grouping] '(' [param ','] expr ')' [grouping]
 *   grouping   := ('by' | 'without') '(' [label (',' label)* [',']] ')'
 *
 * Arithmetic needs a number on at least one side. Everything else PromQL has is recognised just
 * far enough to be named in a clear "not supported" error.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
  /** compiled, fully anchored, linear-time (never a backtracking RegExp), for =~ and !~ */
  regex?: Matcher;
}

export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'topk' | 'bottomk';
export type ArithmeticOp = '+' | '-' | '*' | '/';

export interface Grouping {
  mode: 'by' | 'without';
  labels: string[];
}

export type Expr =
  | { type: 'number'; value: number; pos: number }
  | { type: 'selector'; matchers: LabelMatcher[]; pos: number }
  | { type: 'aggregate'; op: AggregateOp; grouping: Grouping | null; param: Expr | null; arg: Expr; pos: number }
  | { type: 'binary'; op: ArithmeticOp; left: Expr; right: Expr; pos: number }
  | { type: 'negate'; arg: Expr; pos: number };

export type SelectorExpr = Extract<Expr, { type: 'selector' }>;
export type ValueType = 'scalar' | 'vector';

export const MAX_EXPRESSION_LENGTH = 20_000;
/** Prometheus regexes are RE2 (linear time); Encore matches with a linear-time NFA (linear-regex.ts) and keeps them short. */
export const MAX_REGEX_LENGTH = 1_000;
const MAX_DEPTH = 100;

const AGGREGATIONS: ReadonlySet<string> = new Set<AggregateOp>(['sum', 'avg', 'min', 'max', 'count', 'topk', 'bottomk']);
const UNSUPPORTED_AGGREGATIONS: ReadonlySet<string> = new Set([
  'stddev', 'stdvar', 'group', 'count_values', 'quantile', 'limitk', 'limit_ratio',
]);
const UNSUPPORTED_OPERATORS: ReadonlySet<string> = new Set(['%', '^', '==', '!=', '<', '<=', '>', '>=']);
const SET_OPERATORS: ReadonlySet<string> = new Set(['and', 'or', 'unless', 'atan2']);
const VECTOR_MATCHING: ReadonlySet<string> = new Set(['on', 'ignoring', 'group_left', 'group_right']);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function typeOf(expr: Expr): ValueType {
  switch (expr.type) {
    case 'number':
      return 'scalar';
    case 'selector':
    case 'aggregate':
      return 'vector';
    case 'negate':
      return typeOf(expr.arg);
    case 'binary':
      return typeOf(expr.left) === 'vector' || typeOf(expr.right) === 'vector' ? 'vector' : 'scalar';
  }
}

/** Parses a whole expression; throws UpstreamError('bad_query') with a position on any problem. */
export function parsePromql(expr: string): Expr {
  if (typeof expr !== 'string') throw new UpstreamError('bad_query', 'expected a PromQL expression (a string)');
  if (expr.length > MAX_EXPRESSION_LENGTH) {
    throw new UpstreamError('bad_query', `expression is ${expr.length} characters long; the demo source accepts at most ${MAX_EXPRESSION_LENGTH}`);
  }
  const parser = new Parser(expr);
  if (parser.lexer.peek().kind === 'eof') throw new UpstreamError('bad_query', 'parse error: the expression is empty');
  return parser.parseAll();
}

/** A `match[]` selector of a metadata call: a bare series selector, as Prometheus requires. */
export function parseSeriesSelector(text: string): SelectorExpr {
  const parsed = parsePromql(text);
  if (parsed.type !== 'selector') {
    throw new UpstreamError('bad_query', `match[] must be a series selector such as metric{label="value"}, got '${text}'`);
  }
  return parsed;
}

export function matchesSelector(selector: SelectorExpr, labels: Readonly<Record<string, string>>): boolean {
  for (const m of selector.matchers) if (!matches(m, labels[m.label] ?? '')) return false;
  return true;
}

/** A missing label matches as the empty string, as in Prometheus. */
function matches(m: LabelMatcher, value: string): boolean {
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return m.regex!.test(value);
    case '!~':
      return !m.regex!.test(value);
  }
}

class Parser {
  readonly lexer: Lexer;
  private depth = 0;

  constructor(private readonly expr: string) {
    this.lexer = new Lexer(expr);
  }

  parseAll(): Expr {
    const result = this.parseExpr();
    const rest = this.lexer.peek();
    if (rest.kind === 'punct' && rest.text === ')') throw this.unexpected(rest, "no '(' is open");
    if (rest.kind !== 'eof') throw this.unexpected(rest, 'expected an operator or the end of the expression');
    return result;
  }

  private parseExpr(): Expr {
    if (++this.depth > MAX_DEPTH) {
      throw parseError(this.expr, this.lexer.peek().pos, `expression nests deeper than ${MAX_DEPTH} levels`);
    }
    let left = this.parseMultiplicative();
    for (;;) {
      const op = this.lexer.peek();
      if (op.kind !== 'punct' || (op.text !== '+' && op.text !== '-')) break;
      this.lexer.next();
      this.rejectVectorMatching();
      left = this.binary(op, left, this.parseMultiplicative());
    }
    this.depth--;
    return left;
  }

  private parseMultiplicative(): Expr {
    let left = this.parseUnary();
    for (;;) {
      const op = this.lexer.peek();
      if (op.kind === 'punct' && (op.text === '*' || op.text === '/')) {
        this.lexer.next();
        this.rejectVectorMatching();
        left = this.binary(op, left, this.parseUnary());
        continue;
      }
      this.rejectUnsupportedOperator(op);
      return left;
    }
  }

  private parseUnary(): Expr {
    const token = this.lexer.peek();
    if (token.kind === 'punct' && (token.text === '-' || token.text === '+')) {
      this.lexer.next();
      if (++this.depth > MAX_DEPTH) {
        throw parseError(this.expr, token.pos, `expression nests deeper than ${MAX_DEPTH} levels`);
      }
      const arg = this.parseUnary();
      this.depth--;
      if (token.text === '+') return arg;
      return arg.type === 'number' ? { ...arg, value: -arg.value, pos: token.pos } : { type: 'negate', arg, pos: token.pos };
    }
    const primary = this.parsePrimary();
    this.rejectModifiers(primary);
    return primary;
  }

  private parsePrimary(): Expr {
    const token = this.lexer.next();
    switch (token.kind) {
      case 'number':
        return { type: 'number', value: token.value, pos: token.pos };
      case 'string':
        throw unsupported(this.expr, token.pos, 'a string literal as an expression');
      case 'punct':
        if (token.text === '(') {
          const inner = this.parseExpr();
          this.expect(')', `to close the '(' at ${describePosition(this.expr, token.pos)}`);
          return inner;
        }
        if (token.text === '{') return this.parseSelector(token.pos, undefined);
        throw this.unexpected(token, 'expected an expression');
      case 'ident':
        return this.parseIdentifier(token);
      default:
        throw this.unexpected(token, 'expected an expression');
    }
  }

  private parseIdentifier(token: Extract<Token, { kind: 'ident' }>): Expr {
    const lower = token.text.toLowerCase();
    const following = this.lexer.peek();
    const opensParen = following.kind === 'punct' && following.text === '(';
    const startsGrouping = following.kind === 'ident' && /^(by|without)$/i.test(following.text);
    if (AGGREGATIONS.has(lower) && (opensParen || startsGrouping)) return this.parseAggregation(token.pos, lower as AggregateOp);
    if (UNSUPPORTED_AGGREGATIONS.has(lower) && (opensParen || startsGrouping)) {
      throw unsupported(this.expr, token.pos, `the aggregation ${lower}()`);
    }
    if (opensParen) throw unsupported(this.expr, token.pos, `the function ${token.text}()`);
    // Prometheus lexes Inf and NaN (any case) as numbers.
    if (lower === 'inf') return { type: 'number', value: Infinity, pos: token.pos };
    if (lower === 'nan') return { type: 'number', value: NaN, pos: token.pos };
    if (!METRIC_NAME.test(token.text)) throw parseError(this.expr, token.pos, `invalid metric name '${token.text}'`);
    return this.parseSelector(token.pos, token.text);
  }

  /** `name{...}`, `name` or `{...}`; the opening brace is already consumed when name is undefined. */
  private parseSelector(pos: number, name: string | undefined): Expr {
    const matchers: LabelMatcher[] = [];
    let braced = name === undefined;
    if (name !== undefined) {
      matchers.push({ label: '__name__', op: '=', value: name });
      const brace = this.lexer.peek();
      if (brace.kind === 'punct' && brace.text === '{') {
        this.lexer.next();
        braced = true;
      }
    }
    let bareName: string | undefined;
    while (braced) {
      const token = this.lexer.next();
      if (token.kind === 'punct' && token.text === '}') break;
      const after = this.lexer.peek();
      if (token.kind === 'string' && after.kind === 'punct' && (after.text === ',' || after.text === '}')) {
        // Prometheus 3: a quoted metric name inside the braces, {"my.metric", label="x"}.
        if (name !== undefined || bareName !== undefined) {
          throw parseError(this.expr, token.pos, 'the metric name is given twice');
        }
        bareName = token.value;
        matchers.push({ label: '__name__', op: '=', value: token.value });
      } else {
        matchers.push(this.parseMatcher(token));
      }
      const separator = this.lexer.next();
      if (separator.kind === 'punct' && separator.text === '}') break;
      if (separator.kind !== 'punct' || separator.text !== ',') {
        throw this.unexpected(separator, "expected ',' or '}' in the label matchers");
      }
    }
    const names = matchers.filter((m) => m.label === '__name__' && m.op === '=');
    if (names.length > 1) {
      throw parseError(this.expr, pos, `metric name must not be set twice: '${names[0]!.value}' or '${names[1]!.value}'`);
    }
    if (!matchers.some((m) => !matches(m, ''))) {
      throw parseError(this.expr, pos, 'vector selector must contain at least one non-empty matcher');
    }
    return { type: 'selector', matchers, pos };
  }

  private parseMatcher(labelToken: Token): LabelMatcher {
    let label: string;
    if (labelToken.kind === 'ident') {
      if (!LABEL_NAME.test(labelToken.text)) throw parseError(this.expr, labelToken.pos, `invalid label name '${labelToken.text}'`);
      label = labelToken.text;
    } else if (labelToken.kind === 'string') {
      label = labelToken.value;
      if (label === '') throw parseError(this.expr, labelToken.pos, 'empty label name');
    } else {
      throw this.unexpected(labelToken, 'expected a label name');
    }
    const op = this.lexer.next();
    if (op.kind !== 'punct' || (op.text !== '=' && op.text !== '!=' && op.text !== '=~' && op.text !== '!~')) {
      throw this.unexpected(op, "expected one of '=', '!=', '=~', '!~' after the label name");
    }
    const value = this.lexer.next();
    if (value.kind !== 'string') throw this.unexpected(value, 'expected a quoted label value');
    const matcher: LabelMatcher = { label, op: op.text, value: value.value };
    if (op.text === '=~' || op.text === '!~') matcher.regex = compileRegex(this.expr, value.pos, value.value);
    return matcher;
  }

  private parseAggregation(pos: number, op: AggregateOp): Expr {
    let grouping = this.parseGrouping();
    const open = this.lexer.next();
    if (open.kind !== 'punct' || open.text !== '(') throw this.unexpected(open, `expected '(' after ${op}`);
    const args: Expr[] = [];
    const first = this.lexer.peek();
    if (!(first.kind === 'punct' && first.text === ')')) {
      for (;;) {
        args.push(this.parseExpr());
        const separator = this.lexer.next();
        if (separator.kind === 'punct' && separator.text === ')') break;
        if (separator.kind !== 'punct' || separator.text !== ',') {
          throw this.unexpected(separator, `expected ',' or ')' in the arguments of ${op}`);
        }
      }
    } else {
      this.lexer.next();
    }
    const trailing = this.parseGrouping();
    if (trailing) {
      if (grouping) throw parseError(this.expr, pos, `${op}() must only contain one grouping clause (by or without)`);
      grouping = trailing;
    }
    const wanted = op === 'topk' || op === 'bottomk' ? 2 : 1;
    if (args.length !== wanted) {
      throw parseError(this.expr, pos, `wrong number of arguments for ${op}(): expected ${wanted}, got ${args.length}`);
    }
    const param = wanted === 2 ? args[0]! : null;
    const arg = args[wanted - 1]!;
    if (param && typeOf(param) !== 'scalar') {
      throw parseError(this.expr, pos, `expected a number as the first argument of ${op}(), got an instant vector`);
    }
    if (typeOf(arg) !== 'vector') {
      throw parseError(this.expr, pos, `expected an instant vector in ${op}(), got a scalar`);
    }
    return { type: 'aggregate', op, grouping, param, arg, pos };
  }

  private parseGrouping(): Grouping | null {
    const keyword = this.lexer.peek();
    if (keyword.kind !== 'ident' || !/^(by|without)$/i.test(keyword.text)) return null;
    this.lexer.next();
    const mode = keyword.text.toLowerCase() as Grouping['mode'];
    const open = this.lexer.next();
    if (open.kind !== 'punct' || open.text !== '(') throw this.unexpected(open, `expected '(' after ${mode}`);
    const labels: string[] = [];
    for (;;) {
      const token = this.lexer.next();
      if (token.kind === 'punct' && token.text === ')') break;
      if (token.kind === 'ident' && LABEL_NAME.test(token.text)) labels.push(token.text);
      else if (token.kind === 'string' && token.value !== '') labels.push(token.value);
      else throw this.unexpected(token, `expected a label name in ${mode}(...)`);
      const separator = this.lexer.next();
      if (separator.kind === 'punct' && separator.text === ')') break;
      if (separator.kind !== 'punct' || separator.text !== ',') {
        throw this.unexpected(separator, `expected ',' or ')' in ${mode}(...)`);
      }
    }
    return { mode, labels };
  }

  private binary(op: Token, left: Expr, right: Expr): Expr {
    if (typeOf(left) === 'vector' && typeOf(right) === 'vector') {
      throw unsupported(this.expr, op.pos, `the operator '${op.text}' between two instant vectors`);
    }
    return { type: 'binary', op: op.text as ArithmeticOp, left, right, pos: op.pos };
  }

  /** After a primary: range selectors, subqueries, offset and @ are PromQL the demo cannot run. */
  private rejectModifiers(primary: Expr): void {
    const token = this.lexer.peek();
    if (token.kind === 'punct' && token.text === '[') {
      throw unsupported(
        this.expr,
        token.pos,
        primary.type === 'selector' ? 'a range selector [...] (range vectors, as used by rate())' : 'a subquery [...:...]',
      );
    }
    if (token.kind === 'punct' && token.text === '@') throw unsupported(this.expr, token.pos, 'the @ modifier');
    if (token.kind === 'ident' && token.text.toLowerCase() === 'offset') {
      throw unsupported(this.expr, token.pos, 'the offset modifier');
    }
  }

  private rejectUnsupportedOperator(token: Token): void {
    if (token.kind === 'punct' && UNSUPPORTED_OPERATORS.has(token.text)) {
      throw unsupported(this.expr, token.pos, `the operator '${token.text}'`);
    }
    if (token.kind === 'ident' && SET_OPERATORS.has(token.text.toLowerCase())) {
      throw unsupported(this.expr, token.pos, `the operator '${token.text.toLowerCase()}'`);
    }
  }

  /** Right after an arithmetic operator: `bool`, `on(...)`, `group_left(...)`. */
  private rejectVectorMatching(): void {
    const token = this.lexer.peek();
    if (token.kind !== 'ident') return;
    const lower = token.text.toLowerCase();
    const next = this.lexer.peek(1);
    if (lower === 'bool') throw unsupported(this.expr, token.pos, 'the bool modifier');
    if (VECTOR_MATCHING.has(lower) && next.kind === 'punct' && next.text === '(') {
      throw unsupported(this.expr, token.pos, `vector matching with ${lower}(...)`);
    }
  }

  private expect(text: string, why: string): void {
    const token = this.lexer.next();
    if (token.kind !== 'punct' || token.text !== text) throw this.unexpected(token, `expected '${text}' ${why}`);
  }

  private unexpected(token: Token, expected: string): UpstreamError {
    return parseError(this.expr, token.pos, `unexpected ${describeToken(token)}`, expected);
  }
}

/**
 * Compiles a label regex the way Prometheus anchors it, `^(?s:re)$`. JavaScript is not RE2, so
 * constructs RE2 rejects (lookaround, backreferences) are rejected here too instead of silently
 * meaning something Prometheus would refuse; RE2's `(?P<name>` and a leading `(?i)` are translated.
 */
export function compileRegex(expr: string, pos: number, source: string): Matcher {
  if (source.length > MAX_REGEX_LENGTH) {
    throw parseError(expr, pos, `regular expression is ${source.length} characters long (at most ${MAX_REGEX_LENGTH})`);
  }
  let body = source;
  let flags = 's';
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (leading) {
    for (const flag of leading[1]!) {
      if (flag === 'i') flags += 'i';
      else if (flag !== 's') {
        throw unsupported(expr, pos, `the regular expression flag (?${flag})`);
      }
    }
    body = body.slice(leading[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const e = body[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(e)) throw badRegex(expr, pos, source, 'backreferences are not valid in RE2');
      if (!inClass && e === 'k' && body[i + 2] === '<') throw badRegex(expr, pos, source, 'backreferences are not valid in RE2');
      out += c + e;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal, not the end of the class.
      if (body[i + 1] === '^') out += body[++i];
      if (body[i + 1] === ']') out += body[++i];
      continue;
    }
    if (c === '(' && body[i + 1] === '?') {
      const rest = body.slice(i + 2);
      if (/^(=|!|<=|<!)/.test(rest)) throw badRegex(expr, pos, source, 'lookaround assertions are not valid in RE2');
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (!rest.startsWith(':') && !rest.startsWith('<')) {
        const group = /^[^:)]*[:)]?/.exec(rest)![0];
        throw unsupported(expr, pos, `the inline flag group '(?${group}' in a regular expression (a leading (?i) works)`);
      }
    }
    out += c;
  }
  try {
    // Syntax check only: the RegExp never runs against a value (it would backtrack).
    new RegExp(`^(?:${out})$`, flags);
  } catch (error) {
    // V8 says "Invalid regular expression: /^(?:re)$/s: reason"; the wrapper is ours, not the user's.
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(error);
    throw badRegex(expr, pos, source, reason);
  }
  try {
    return compileLinearRegex(out, flags);
  } catch (error) {
    if (error instanceof RegexTooComplex || error instanceof UnsupportedRegex) throw badRegex(expr, pos, source, error.message);
    throw error;
  }
}

function badRegex(expr: string, pos: number, source: string, reason: string): UpstreamError {
  const shown = shortened(source, 60);
  return parseError(expr, pos, `invalid regular expression "${shown}": ${reason}`);
}
