import type { Grid } from '../grid';
import type { CheckStatus, QualitySeries } from './types';

/** A check names at most this many series: enough to act on, small enough for a frame notice. */
export const MAX_LISTED_SERIES = 20;

/**
 * Tolerance, in steps, when a range edge is compared with grid times: edges computed in floating
 * point land a hair off the grid, and that must not drop a whole step.
 */
const EDGE_EPSILON_STEPS = 1e-9;

/** How far off a step two grids' times may be and still be the same instant. */
const ALIGN_EPSILON_STEPS = 1e-6;

/** A grid whose points can be placed in time; any other is unusable as a whole. */
export function placeable(grid: Grid): boolean {
  return Number.isFinite(grid.startMs) && Number.isFinite(grid.stepMs) && grid.stepMs > 0;
}

export function rangeValid(startMs: number, endMs: number): boolean {
  return Number.isFinite(startMs) && Number.isFinite(endMs) && endMs >= startMs;
}

export interface Span {
  /** first and last grid index inside the range (first > last: none) */
  first: number;
  last: number;
  /** grid steps that fall in the range, inside the grid or not; may be Infinity for absurd steps */
  expected: number;
}

/**
 * Where a range meets a grid's step lattice, both ends included (Prometheus range queries include
 * both). The lattice extends beyond the grid: steps the grid does not reach are still expected.
 */
export function spanOf(grid: Grid, startMs: number, endMs: number): Span {
  const none: Span = { first: 0, last: -1, expected: 0 };
  if (!placeable(grid) || !rangeValid(startMs, endMs)) return none;
  const lo = Math.ceil((startMs - grid.startMs) / grid.stepMs - EDGE_EPSILON_STEPS);
  const hi = Math.floor((endMs - grid.startMs) / grid.stepMs + EDGE_EPSILON_STEPS);
  if (Number.isNaN(lo) || Number.isNaN(hi)) return none;
  const expected = Number.isFinite(lo) && Number.isFinite(hi) ? Math.max(0, hi - lo + 1) : Infinity;
  const first = Math.max(0, lo);
  const last = Math.min(grid.values.length - 1, hi);
  return { first, last, expected };
}

/**
 * The index of `to`'s point at the time of `from`'s point `index`, or -1 when `to` has no point
 * there (outside it, or between its steps).
 */
export function alignedIndex(from: Grid, index: number, to: Grid): number {
  // Offsets in steps rather than absolute times: a fine step on a large epoch loses its
  // digits in an absolute time, and grids with the same lattice must map point to point.
  const offset = (from.startMs - to.startMs) / to.stepMs + index * (from.stepMs / to.stepMs);
  const j = Math.round(offset);
  return Math.abs(offset - j) <= ALIGN_EPSILON_STEPS && j >= 0 && j < to.values.length ? j : -1;
}

/** The index of the first / last finite value, -1 when there is none. */
export function firstFinite(values: Float64Array, from = 0, to = values.length - 1): number {
  for (let i = Math.max(0, from); i <= to && i < values.length; i++) if (Number.isFinite(values[i]!)) return i;
  return -1;
}

export function lastFinite(values: Float64Array, from = 0, to = values.length - 1): number {
  for (let i = Math.min(values.length - 1, to); i >= from && i >= 0; i--) if (Number.isFinite(values[i]!)) return i;
  return -1;
}

/**
 * The newest step a series answered: its last finite value, or for a share KPI its last step
 * with an events count (a step without events holds no share, yet the series did answer).
 */
export function lastAnswered(series: QualitySeries): number {
  return lastFinite(series.events ?? series.grid.values);
}

/** How a series is named in messages: its name, else its labels, else its position. */
export function displayName(series: QualitySeries, index: number): string {
  if (typeof series.name === 'string' && series.name !== '') return series.name;
  const labels = Object.entries(series.labels ?? {});
  if (labels.length > 0) return `{${labels.map(([k, v]) => `${k}="${String(v)}"`).join(', ')}}`;
  return `series ${index + 1}`;
}

/** Canonical identity of a label set, independent of key order. */
export function labelsKey(labels: Record<string, string> | undefined): string {
  return JSON.stringify(
    Object.entries(labels ?? {})
      .map(([k, v]) => [k, String(v)])
      .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)),
  );
}

export function listed(names: readonly string[]): string[] {
  return [...new Set(names)].slice(0, MAX_LISTED_SERIES);
}

/** "a, b and 3 more" for a message; `names` already in the order to show. */
export function nameList(names: readonly string[], show = 3): string {
  const unique = [...new Set(names)];
  const head = unique.slice(0, show).join(', ');
  return unique.length > show ? `${head} and ${unique.length - show} more` : head;
}

export interface Verdict {
  status: CheckStatus;
  threshold: number;
}

/** Lower is worse (completeness): fail below `failBelow`, warn below `warnBelow`. NaN fails. */
export function judgeBelow(value: number, warnBelow: number, failBelow: number): Verdict {
  if (!(value >= failBelow)) return { status: 'fail', threshold: failBelow };
  if (value < warnBelow) return { status: 'warn', threshold: warnBelow };
  return { status: 'pass', threshold: warnBelow };
}

/** Higher is worse (age, count): fail above `failAbove`, warn above `warnAbove`. NaN fails. */
export function judgeAbove(value: number, warnAbove: number, failAbove: number): Verdict {
  if (!(value <= failAbove)) return { status: 'fail', threshold: failAbove };
  if (value > warnAbove) return { status: 'warn', threshold: warnAbove };
  return { status: 'pass', threshold: warnAbove };
}

/** A positive finite option, or the default when it is absent or nonsense. */
export function positiveOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

// ---- message formatting --------------------------------------------------------------------

/** A share as a percentage that never rounds across a limit: 99.96 % is ">99.9 %", not "100.0 %". */
export function percent(share: number): string {
  if (!Number.isFinite(share)) return String(share);
  if (share > 0 && share < 0.001) return '<0.1 %';
  if (share < 1 && share > 0.999) return '>99.9 %';
  return `${(share * 100).toFixed(1)} %`;
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return ms > 0 ? 'forever' : String(ms);
  const abs = Math.abs(ms);
  const round = (x: number) => Number(x.toFixed(1)).toString();
  if (abs < 1000) return `${round(ms)} ms`;
  if (abs < 60_000) return `${round(ms / 1000)} s`;
  if (abs < 7_200_000) return `${round(ms / 60_000)} min`;
  if (abs < 172_800_000) return `${round(ms / 3_600_000)} h`;
  return `${round(ms / 86_400_000)} d`;
}

/** ISO time for messages; Date cannot show times beyond ±8.64e15 ms, so those stay numbers. */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${num(ms)} ms`;
}

export function num(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
