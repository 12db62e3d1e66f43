import type { Grid } from '../../src/backend/analysis/grid';
import { DAY_MS } from './plan';

/**
 * How visible an incident's move is in the data, whatever the detector: an oracle that knows the
 * window and the direction compares the window's points with the same hours of earlier days and
 * asks how many noise deviations the difference is summed over the window (a matched filter for
 * a step of known extent). It is not causal and knows the answer, so it bounds what any detector
 * could see: a move at 1 noise deviation over its whole window is not in the data at this
 * traffic, however the ground truth lists it.
 *
 * With the k latest reference days before the window (up to MAX_REFERENCE_DAYS within a week, each
 * clear of incidents in the series' scope, of the window's kind, weekday or weekend, where two are),
 * d_i = x_i − mean_r x_{i−r·day}; the per-point noise variance σ² is read from the reference days
 * themselves, as half the mean squared difference between two of them at the same hour (local in
 * time of day, so a busy evening's noise counts as such); then
 * z = Σ d_i / √(Σ σ² (1 + 1/k_i)), signed so that positive is the move's direction.
 */

export interface VisibilityWindow {
  /** the window's grid points, inclusive */
  first: number;
  last: number;
}

/** At least this many reference days, so that the noise can be read from two of them. */
const MIN_REFERENCE_DAYS = 2;
/** Reference days used: the latest clear ones. */
export const MAX_REFERENCE_DAYS = 3;
/** How far back reference days are looked for: a week, so that busy scenarios still have some. */
const SEARCH_DAYS = 7;
/**
 * Noise read from fewer pairs of reference points than this (an hour's worth at a 5-minute step)
 * is unknown. A sparse series (the payment failure rate of one market: a value every half hour,
 * mostly 0) leaves a handful of pairs, often all zeros, which would make any move infinitely
 * visible.
 */
const MIN_NOISE_PAIRS = 12;

/**
 * z of the move over the window (see above); NaN when fewer than MIN_REFERENCE_DAYS clear
 * reference days precede it, the window holds no comparable point, or the reference days pair
 * up in fewer than MIN_NOISE_PAIRS points.
 * `clear(firstIndex, lastIndex)` says whether a reference day's window is free of incidents.
 */
export function moveVisibility(grid: Grid, window: VisibilityWindow, direction: 'up' | 'down', clear: (first: number, last: number) => boolean, skip?: Uint8Array): number {
  const perDay = Math.round(DAY_MS / grid.stepMs);
  // Weekends have their own daily shape: a Tuesday is compared with weekdays while two clear ones
  // are within the week, and with whatever days are clear otherwise.
  const weekend = (index: number) => [0, 6].includes(new Date(grid.startMs + index * grid.stepMs).getUTCDay());
  const clearDays: Array<{ offset: number; sameKind: boolean }> = [];
  for (let r = 1; r <= SEARCH_DAYS; r++) {
    const offset = r * perDay;
    if (window.first - offset >= 0 && clear(window.first - offset, window.last - offset)) clearDays.push({ offset, sameKind: weekend(window.first - offset) === weekend(window.first) });
  }
  const sameKind = clearDays.filter((d) => d.sameKind);
  const days = (sameKind.length >= MIN_REFERENCE_DAYS ? sameKind : clearDays).slice(0, MAX_REFERENCE_DAYS).map((d) => d.offset);
  if (days.length < MIN_REFERENCE_DAYS) return NaN;
  const v = grid.values;
  const usable = (i: number) => i >= 0 && Number.isFinite(v[i]!) && !(skip !== undefined && skip[i] === 1);
  let signal = 0;
  let variance = 0;
  let pairSquares = 0;
  let pairs = 0;
  let points = 0;
  for (let i = window.first; i <= window.last; i++) {
    if (!usable(i)) continue;
    let total = 0;
    let k = 0;
    for (const offset of days) {
      if (!usable(i - offset)) continue;
      total += v[i - offset]!;
      k++;
    }
    if (k === 0) continue;
    // The reference days against each other: their noise at this hour.
    for (let a = 0; a < days.length; a++) {
      for (let b = a + 1; b < days.length; b++) {
        const ia = i - days[a]!;
        const ib = i - days[b]!;
        if (!usable(ia) || !usable(ib)) continue;
        const diff = v[ia]! - v[ib]!;
        pairSquares += diff * diff;
        pairs++;
      }
    }
    signal += v[i]! - total / k;
    variance += 1 + 1 / k;
    points++;
  }
  if (points === 0 || pairs < MIN_NOISE_PAIRS) return NaN;
  const sigma2 = pairSquares / pairs / 2;
  if (!(sigma2 > 0)) return signal === 0 ? 0 : (Math.sign(signal) * (direction === 'up' ? 1 : -1)) * Infinity;
  const z = signal / Math.sqrt(sigma2 * variance);
  return direction === 'up' ? z : -z;
}

/** Bands of visibility the report groups recall by. */
export const VISIBILITY_BANDS: ReadonlyArray<{ label: string; from: number; to: number }> = [
  { label: 'z < 3: not in the data at this traffic', from: -Infinity, to: 3 },
  { label: '3 ≤ z < 6: faint', from: 3, to: 6 },
  { label: 'z ≥ 6: clear', from: 6, to: Infinity },
];

/** Moves at least this visible are the ones a detector can be asked to find. */
export const VISIBLE_Z = 3;
