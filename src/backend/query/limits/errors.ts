/**
 * A query refused by one of the data source's limits. The message says which limit (its jsonData
 * key, as the config editor's Limits section names it), its value, and what the query asked for;
 * the status tells Grafana what kind of refusal it is.
 */
export type LimitKind = 'limit' | 'rate_limited' | 'query_timeout';

export class LimitError extends Error {
  override name = 'LimitError';

  constructor(
    /** the jsonData key of the limit, e.g. maxSeries */
    readonly limit: string,
    /** the limit's configured value */
    readonly limitValue: number | string,
    message: string,
    readonly kind: LimitKind = 'limit',
    /** HTTP-like status: 400 (range), 413 (size), 429 (rate), 504 (time) */
    readonly status = kind === 'rate_limited' ? 429 : kind === 'query_timeout' ? 504 : 413,
  ) {
    super(message);
  }
}

/** 1234567 -> "1,234,567": limits are easier to compare with thousands separators. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
