import { timeAt } from '../grid';
import { displayName, duration, isoTime, judgeAbove, lastAnswered, listed, nameList, placeable, plural, positiveOr, rangeValid } from './shared';
import type { CheckOutcome, QualityOptions, QualitySeries } from './types';

/**
 * Freshness: how old the newest sample of the whole answer is. It asks "is data still arriving?",
 * so it looks at the freshest series; one series ending (a label value going out of use) is
 * normal and is already counted by completeness as its missing tail. Those series are listed.
 *
 * Judged only when the range ends within the limit of now: a dashboard on last week is not stale.
 * When not judged the value is 0, so an alert rule on the value cannot fire for a historical view.
 *
 * Thresholds: fail above the limit (default 5 min: several scrape intervals and a rate window's
 * worth of lag), warn above half of it (data is late, not yet missing).
 *
 * The stale tail holds no values, so this check marks no points (completeness marks the tail).
 */

export const DEFAULT_FRESHNESS_LIMIT_MS = 300_000;
export const FRESHNESS_WARN_SHARE = 0.5;

const TITLE = 'Freshness';

/** Seconds for the value; absurd clocks can make an age overflow, and a frame wants a number. */
const seconds = (ms: number) => Math.min(ms, Number.MAX_VALUE) / 1000;

export function checkFreshness(series: readonly QualitySeries[], options: QualityOptions): CheckOutcome {
  const limit = positiveOr(options.freshnessLimitMs, DEFAULT_FRESHNESS_LIMIT_MS);
  const warnAt = limit * FRESHNESS_WARN_SHARE;
  const { nowMs: now, rangeStartMs: start, rangeEndMs: end } = options;
  const issues = series.map(() => undefined);
  const base = { id: 'freshness' as const, title: TITLE, unit: 's', threshold: limit / 1000, series: [] as string[] };

  if (!Number.isFinite(now) || !rangeValid(start, end)) {
    return { check: { ...base, status: 'pass', value: 0, message: 'Freshness was not judged: the current time or the range is not a valid time.' }, issues };
  }
  if (end < now - limit) {
    return {
      check: {
        ...base,
        status: 'pass',
        value: 0,
        message: `Freshness was not judged: the range ends at ${isoTime(end)}, ${duration(now - end)} before now, so older data is expected.`,
      },
      issues,
    };
  }

  const newestTimes = series.map((s) => {
    if (!placeable(s.grid)) return NaN;
    const last = lastAnswered(s);
    return last < 0 ? NaN : timeAt(s.grid, last);
  });
  const newest = newestTimes.reduce((max, t) => (t > max ? t : max), -Infinity);
  const limits = `warn above ${duration(warnAt)}, fail above ${duration(limit)}`;

  if (newest === -Infinity) {
    // No sample at all: the newest data is older than the range, which is all that is known.
    const age = Math.max(0, now - start);
    return {
      check: {
        ...base,
        status: 'fail',
        value: seconds(age),
        message: `No series has a sample since ${isoTime(start)} (at least ${duration(age)} before now, limit ${duration(limit)}): check that the collector is up and that Prometheus scrapes it.`,
        series: listed(series.map(displayName)),
      },
      issues,
    };
  }

  // A sample stamped after now (clock skew) is as fresh as data gets.
  const age = Math.max(0, now - newest);
  const verdict = judgeAbove(age, warnAt, limit);
  const stale = newestTimes
    .map((t, index) => ({ index, age: Number.isNaN(t) ? Infinity : now - t }))
    .filter((s) => s.age > warnAt)
    .sort((a, b) => b.age - a.age);
  const names = stale.map((s) => displayName(series[s.index]!, s.index));
  const staleText =
    stale.length > 0 && verdict.status === 'pass'
      ? `; ${plural(stale.length, 'series', 'series')} stopped earlier (${nameList(names)}), counted as gaps by completeness`
      : '';
  const message =
    verdict.status === 'pass'
      ? `The newest sample is ${duration(age)} old at ${isoTime(now)}, within the freshness limit (${limits})${staleText}.`
      : `The newest sample of any series (${isoTime(newest)}) is ${duration(age)} old at ${isoTime(now)}, ${verdict.status === 'fail' ? 'over the freshness limit' : 'over half the freshness limit'} (${limits}): check that the collector is up and that Prometheus scrapes it.`;
  return {
    check: { ...base, status: verdict.status, value: seconds(age), threshold: verdict.threshold / 1000, message, series: listed(names) },
    issues,
  };
}
