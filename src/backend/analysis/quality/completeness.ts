import { timeAt } from '../grid';
import { DEFAULT_FRESHNESS_LIMIT_MS } from './freshness';
import {
  displayName,
  duration,
  firstFinite,
  isoTime,
  judgeBelow,
  lastAnswered,
  listed,
  num,
  percent,
  placeable,
  plural,
  positiveOr,
  rangeValid,
  spanOf,
} from './shared';
import type { CheckOutcome, QualityOptions, QualitySeries } from './types';

/**
 * Completeness: the share of the range's steps that hold a finite value, per series (or, for a
 * share KPI, that held no events to take a share of). The verdict
 * follows the worst series, because one market going dark is what a sum over markets hides.
 *
 * Thresholds: warn below 99 % (a few lost scrapes per day are normal; more is worth a look),
 * fail below 90 % (a tenth of the picture is missing: rates and forecasts are no longer trusted).
 *
 * A series that starts during the range is judged from its first sample when some other series
 * of the same answer has data earlier: a new label value (a market launched, a platform added)
 * did not exist before, and counting that as a gap would fail every dashboard after a launch.
 * When no series has earlier data, the late start is a hole in the data (retention, an outage of
 * the whole pipeline) and counts. Steps after a series' last sample always count: a series that
 * stops is the failure this check is for.
 *
 * Near now, steps after the newest sample of the whole answer are late, not missing, as long as
 * they are within the freshness limit: the latest scrape has not arrived yet, and whether that
 * is a problem is for freshness to say. Without this a range ending now would warn for the one
 * step that is always still being scraped.
 */

export const COMPLETENESS_WARN_BELOW = 0.99;
export const COMPLETENESS_FAIL_BELOW = 0.9;

const TITLE = 'Completeness';

export interface CompletenessOutcome extends CheckOutcome {
  /** finite points over expected steps, all series together (1 when nothing was expected) */
  overall: number;
}

/** The time after which a missing step is late rather than missing (Infinity: none is). */
function lateAfter(series: readonly QualitySeries[], options: QualityOptions): number {
  if (!Number.isFinite(options.nowMs)) return Infinity;
  const limit = positiveOr(options.freshnessLimitMs, DEFAULT_FRESHNESS_LIMIT_MS);
  let newest = -Infinity;
  for (const s of series) {
    if (!placeable(s.grid)) continue;
    const last = lastAnswered(s);
    if (last >= 0) newest = Math.max(newest, timeAt(s.grid, last));
  }
  return Math.max(newest, options.nowMs - limit);
}

export function checkCompleteness(series: readonly QualitySeries[], options: QualityOptions): CompletenessOutcome {
  const { rangeStartMs: start, rangeEndMs: end } = options;
  const issues: Array<Uint8Array | undefined> = series.map(() => undefined);
  const base = { id: 'completeness' as const, title: TITLE, unit: 'percentunit', series: [] as string[] };
  const limits = `warn below ${percent(COMPLETENESS_WARN_BELOW)}, fail below ${percent(COMPLETENESS_FAIL_BELOW)}`;

  if (!rangeValid(start, end)) {
    return {
      check: { ...base, status: 'pass', value: 1, threshold: COMPLETENESS_WARN_BELOW, message: `Completeness was not judged: the range ${num(start)} to ${num(end)} is empty or not a time range.` },
      issues,
      overall: 1,
    };
  }
  const rangeText = `${isoTime(start)} to ${isoTime(end)}`;
  if (series.length === 0) {
    return {
      check: { ...base, status: 'fail', value: 0, threshold: COMPLETENESS_FAIL_BELOW, message: `The query returned no series for ${rangeText}: check the metric name and label filters, or whether the source holds data for this range.` },
      issues,
      overall: 0,
    };
  }

  // The earliest sample of any series: only a series that starts after it is a newcomer.
  const firstTimes = series.map((s) => {
    if (!placeable(s.grid)) return NaN;
    const first = firstFinite(s.grid.values);
    return first < 0 ? NaN : timeAt(s.grid, first);
  });
  const earliest = firstTimes.reduce((min, t) => (t < min ? t : min), Infinity);
  const judgedEnd = Math.min(end, lateAfter(series, options));

  const results: Array<{ index: number; present: number; expected: number; share: number }> = [];
  let newcomers = 0;
  let unplaceable = 0;
  series.forEach((s, index) => {
    const values = s.grid.values;
    const events = s.events;
    if (!placeable(s.grid)) {
      // Points that cannot be put in time are of no use to any analysis.
      unplaceable++;
      issues[index] = new Uint8Array(values.length).fill(1);
      results.push({ index, present: 0, expected: Math.max(1, values.length), share: 0 });
      return;
    }
    const firstTime = firstTimes[index]!;
    const newcomer = firstTime > earliest && firstTime > start;
    if (newcomer) newcomers++;
    const span = spanOf(s.grid, newcomer ? firstTime : start, judgedEnd);
    let present = 0;
    let mask: Uint8Array | undefined;
    for (let i = span.first; i <= span.last; i++) {
      if (Number.isFinite(values[i]!) || (events !== undefined && events[i] === 0)) present++;
      else (mask ??= new Uint8Array(values.length))[i] = 1;
    }
    issues[index] = mask;
    const share = span.expected > 0 ? Math.min(1, present / span.expected) : 1;
    results.push({ index, present, expected: span.expected, share });
  });

  const present = results.reduce((sum, r) => sum + r.present, 0);
  const expected = results.reduce((sum, r) => sum + r.expected, 0);
  const overall = expected > 0 ? Math.min(1, present / expected) : 1;
  const worst = results.reduce((a, b) => (b.share < a.share ? b : a));
  const verdict = judgeBelow(worst.share, COMPLETENESS_WARN_BELOW, COMPLETENESS_FAIL_BELOW);
  const short = results.filter((r) => r.share < COMPLETENESS_WARN_BELOW).sort((a, b) => a.share - b.share);
  const names = short.map((r) => displayName(series[r.index]!, r.index));
  const notes = [
    newcomers > 0 ? `${plural(newcomers, 'series', 'series')} that started during the range ${newcomers === 1 ? 'is' : 'are'} judged from ${newcomers === 1 ? 'its' : 'their'} first sample` : '',
    unplaceable > 0 ? `${plural(unplaceable, 'series', 'series')} with an unusable time grid (step not a positive number of ms) counted as empty` : '',
  ].filter(Boolean);
  const noteText = notes.length > 0 ? `; ${notes.join('; ')}` : '';
  const stepText = (r: (typeof results)[number]) => {
    const step = series[r.index]!.grid.stepMs;
    return `${num(r.present)} of ${num(r.expected)} expected steps${placeable(series[r.index]!.grid) ? ` of ${duration(step)}` : ''}`;
  };

  const message =
    verdict.status === 'pass'
      ? `All ${plural(series.length, 'series', 'series')} hold a value at ${percent(COMPLETENESS_WARN_BELOW)} or more of the expected steps from ${rangeText} (worst ${percent(worst.share)}, overall ${percent(overall)})${noteText}.`
      : `${short.length} of ${plural(series.length, 'series', 'series')} miss points from ${rangeText}: worst is ${displayName(series[worst.index]!, worst.index)} with ${stepText(worst)} (${percent(worst.share)}), overall ${percent(overall)}; ${limits}${noteText}.`;

  return {
    check: { ...base, status: verdict.status, value: worst.share, threshold: verdict.threshold, message, series: listed(names) },
    issues,
    overall,
  };
}
