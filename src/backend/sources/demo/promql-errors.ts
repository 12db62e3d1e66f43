import { UpstreamError } from '../errors';

/**
 * The two ways the demo refuses an expression. Both are 'bad_query' (HTTP 400) like Prometheus'
 * own parse errors, but an unsupported construct also says where full PromQL is available, so
 * a user knows the expression may be fine and only the demo cannot run it.
 */

const SUBSET =
  'series selectors, sum/avg/min/max/count/topk/bottomk with by/without, and arithmetic between an expression and a number';

/** "position 17" on one line; "line 2, column 5" when the expression spans lines. 1-based. */
export function describePosition(expr: string, pos: number): string {
  if (!expr.includes('\n')) return `position ${pos + 1}`;
  const before = expr.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** `parse error: unexpected ')' at position 17; expected an expression` */
export function parseError(expr: string, pos: number, problem: string, expected?: string): UpstreamError {
  const hint = expected ? `; ${expected}` : '';
  return new UpstreamError('bad_query', `parse error: ${problem} at ${describePosition(expr, pos)}${hint}`);
}

export function unsupported(expr: string, pos: number, what: string): UpstreamError {
  return new UpstreamError(
    'bad_query',
    `${what} at ${describePosition(expr, pos)} is not supported by the demo source, which evaluates a PromQL subset ` +
      `(${SUBSET}). ` +
      'A Prometheus source supports full PromQL.',
  );
}

/** A well-formed query that cannot be evaluated, e.g. two series with the same labels after arithmetic. */
export function executionError(message: string): UpstreamError {
  return new UpstreamError('bad_query', `execution error: ${message}`);
}
