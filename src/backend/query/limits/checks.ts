import { describeRange } from '../../../common/settings-limits';
import type { Series } from '../../sources/source';
import { formatCount, LimitError } from './errors';
import type { QueryLimits } from './options';

/**
 * The per-query limits on what a query may ask for and read: the time range before anything is
 * fetched, then series and samples as the upstream answers arrive (a query with training
 * history reads several answers; the samples of all of them count).
 */

export function checkRange(range: { from: number; to: number }, limits: Pick<QueryLimits, 'maxRangeMs' | 'maxRangeText'>): void {
  const span = range.to - range.from;
  if (span <= limits.maxRangeMs) return;
  throw new LimitError(
    'maxQueryRange',
    limits.maxRangeText,
    `timeRange: the query covers ${describeRange(span)}, more than this data source allows ` +
      `(limit maxQueryRange = ${limits.maxRangeText}); choose a shorter time range`,
    'limit',
    400,
  );
}

/** Samples one query has read so far, against maxPoints; series per answer against maxSeries. */
export class QueryBudget {
  private read = 0;

  constructor(private readonly limits: Pick<QueryLimits, 'maxSeries' | 'maxPoints'>) {}

  get pointsRead(): number {
    return this.read;
  }

  /**
   * Before a range query goes out: even one series of it must fit in what is left. (How many
   * series it brings is only known from the answer.)
   */
  checkRequest(start: number, end: number, stepMs: number): void {
    const perSeries = Math.floor(Math.max(0, end - start) / stepMs) + 1;
    if (this.read + perSeries <= this.limits.maxPoints) return;
    throw this.pointsError(this.read + perSeries, `${formatCount(perSeries)} samples per series`);
  }

  /** After an answer: its series and samples. */
  charge(series: readonly Series[], upstream: string): void {
    if (series.length > this.limits.maxSeries) {
      throw new LimitError(
        'maxSeries',
        this.limits.maxSeries,
        `maxSeries: ${upstream} answered ${formatCount(series.length)} series, more than this data source allows ` +
          `(limit maxSeries = ${this.limits.maxSeries}); narrow the query with label filters or aggregate it (e.g. sum by (...))`,
      );
    }
    let points = 0;
    for (const s of series) points += s.values.length;
    this.read += points;
    if (this.read > this.limits.maxPoints) throw this.pointsError(this.read, `${formatCount(series.length)} series`);
  }

  private pointsError(total: number, detail: string): LimitError {
    return new LimitError(
      'maxPoints',
      this.limits.maxPoints,
      `maxPoints: the query would read ${formatCount(total)} samples (${detail}), more than this data source allows ` +
        `(limit maxPoints = ${this.limits.maxPoints}); shorten the range, use a larger step or select fewer series`,
    );
  }
}
