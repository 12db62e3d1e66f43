import { timeAt } from '../grid';
import { displayName, duration, isoTime, listed, nameList, num, placeable, plural, positiveOr } from './shared';
import type { CheckOutcome, QualityOptions, QualitySeries } from './types';

/**
 * Flatline: a run of exactly identical finite values, lasting at least the flatline limit, in a
 * series that otherwise varies. Measured values are never exactly equal for long; a stuck
 * exporter serving a cached value, or a counter that stopped counting, are. A run at exactly 0 in
 * a normally positive series is the same failure seen through a rate: telemetry stopped and
 * rate() fell to 0. A run's length is the time from its first to its last identical sample; a
 * gap ends a run.
 *
 * "Otherwise varies", judged on the points outside the long runs of the run's value:
 * - at least FLATLINE_MIN_CONTEXT_POINTS of them (a series that is all run says nothing else),
 * - at least two distinct values among them (a step from one constant to another is a change of
 *   configuration, not a stuck sender),
 * - the run's value is rare among them (at most FLATLINE_RARE_SHARE): an error count that is 0
 *   most of the time is quiet, not stuck, whatever the length of its zero runs.
 * So a series constant over the whole window (an always-0 error count) is never a flatline.
 *
 * Threshold: warn (a flatline may be real silence); the runs' points are issue points.
 */

export const DEFAULT_FLATLINE_MS = 30 * 60_000;
/** two equal neighbours on a coarse grid happen; three in a row for the whole limit do not */
export const FLATLINE_MIN_POINTS = 3;
export const FLATLINE_MIN_CONTEXT_POINTS = 5;
export const FLATLINE_RARE_SHARE = 0.1;

const TITLE = 'Flatline';

interface Run {
  first: number;
  last: number;
  value: number;
}

/** Maximal runs of one finite value lasting at least `minMs` and FLATLINE_MIN_POINTS points. */
function longRuns(values: Float64Array, stepMs: number, minMs: number): Run[] {
  const runs: Run[] = [];
  const n = values.length;
  let first = 0;
  while (first < n) {
    const value = values[first]!;
    let next = first + 1;
    // A finite value's run goes on while the values equal it (0 and -0 alike); NaN and the
    // infinities start none (x - x is 0 only for finite x).
    if (value - value === 0) while (next < n && values[next] === value) next++;
    const last = next - 1;
    if (last - first + 1 >= FLATLINE_MIN_POINTS && (last - first) * stepMs >= minMs) runs.push({ first, last, value });
    first = next;
  }
  return runs;
}

/** The long runs of `values` that are flatlines by the rules above. */
export function flatlineRuns(values: Float64Array, stepMs: number, minMs: number): Run[] {
  const runs = longRuns(values, stepMs, minMs);
  if (runs.length === 0) return [];
  const inRuns = new Map<number, number>();
  for (const run of runs) inRuns.set(run.value, (inRuns.get(run.value) ?? 0) + run.last - run.first + 1);
  const occurrences = new Map<number, number>([...inRuns.keys()].map((v) => [v, 0]));
  let finite = 0;
  // Only "one, two or more" distinct values matter, so the set stops growing at three.
  const distinct = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    finite++;
    const seen = occurrences.get(v);
    if (seen !== undefined) occurrences.set(v, seen + 1);
    if (distinct.size < 3) distinct.add(v);
  }
  const flat = new Set<number>();
  for (const [value, runPoints] of inRuns) {
    const rest = finite - runPoints;
    const restOfValue = occurrences.get(value)! - runPoints;
    const restDistinct = distinct.size - (restOfValue === 0 ? 1 : 0);
    if (rest >= FLATLINE_MIN_CONTEXT_POINTS && restDistinct >= 2 && restOfValue / rest <= FLATLINE_RARE_SHARE) flat.add(value);
  }
  return runs.filter((run) => flat.has(run.value));
}

export function checkFlatline(series: readonly QualitySeries[], options: QualityOptions): CheckOutcome {
  const limit = positiveOr(options.flatlineMs, DEFAULT_FLATLINE_MS);
  const issues: Array<Uint8Array | undefined> = series.map(() => undefined);
  const affected: Array<{ index: number; run: Run; ms: number }> = [];

  series.forEach((s, index) => {
    if (!placeable(s.grid)) return;
    const runs = flatlineRuns(s.grid.values, s.grid.stepMs, limit);
    if (runs.length === 0) return;
    const mask = new Uint8Array(s.grid.values.length);
    let longest = runs[0]!;
    for (const run of runs) {
      mask.fill(1, run.first, run.last + 1);
      if (run.last - run.first > longest.last - longest.first) longest = run;
    }
    issues[index] = mask;
    affected.push({ index, run: longest, ms: (longest.last - longest.first) * s.grid.stepMs });
  });

  affected.sort((a, b) => b.ms - a.ms);
  const names = affected.map((a) => displayName(series[a.index]!, a.index));
  const worst = affected[0];
  let message: string;
  if (!worst) message = `No series held one exact value for ${duration(limit)} or more while otherwise varying.`;
  else {
    const s = series[worst.index]!;
    const cause = worst.run.value === 0 ? 'telemetry probably stopped and its rate fell to 0' : 'its sender is probably stuck on a cached value';
    message = `${displayName(s, worst.index)} held exactly ${num(worst.run.value)} for ${duration(worst.ms)} from ${isoTime(timeAt(s.grid, worst.run.first))} (flatline limit ${duration(limit)}) though it otherwise varies: ${cause}${affected.length > 1 ? `; ${plural(affected.length, 'series', 'series')} in all (${nameList(names)})` : ''}.`;
  }
  return {
    check: {
      id: 'flatline',
      title: TITLE,
      status: worst ? 'warn' : 'pass',
      value: worst ? Math.min(worst.ms, Number.MAX_VALUE) / 1000 : 0,
      threshold: limit / 1000,
      unit: 's',
      message,
      series: listed(names),
    },
    issues,
  };
}
