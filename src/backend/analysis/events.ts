import type { GoodDirection } from '../../common/kpis/catalogue';
import type { Detection } from './detect';
import { timeAt, type Grid } from './grid';
import { FLAG_SCORE } from './score';

/**
 * Anomaly events: each run of flagged points as one event, from the point where it first left
 * the band to the last point outside it, with its peak and severity. Runs a few points apart are
 * one event: a metric that dips back into the band for a minute has not recovered.
 */

export type Severity = 'minor' | 'major' | 'critical';
/** For a KPI with a good direction: did the anomaly make things worse or better? */
export type Impact = 'worse' | 'better' | 'unknown';

export interface AnomalyEvent {
  startMs: number;
  /** time of the last point outside the band */
  endMs: number;
  peakMs: number;
  peakValue: number;
  peakExpected: number;
  peakScore: number;
  /** which side of the band the peak was */
  direction: 'up' | 'down';
  severity: Severity;
  impact: Impact;
  /** flagged points in the event */
  points: number;
}

export interface EventOptions {
  good?: GoodDirection;
  /** runs at most this many points apart merge (default 2) */
  mergeGapPoints?: number;
  /** only events that end at or after this index (default 0) */
  fromIndex?: number;
}

/** Peak deviation in band widths: under 1.5 minor, under 3 major, then critical. */
export function severityOf(bandWidths: number): Severity {
  return bandWidths < 1.5 ? 'minor' : bandWidths < 3 ? 'major' : 'critical';
}

export function anomalyEvents(grid: Grid, detection: Detection, options: EventOptions = {}): AnomalyEvent[] {
  const { values } = grid;
  const { anomaly, score, expected, lower, upper } = detection;
  const mergeGap = options.mergeGapPoints ?? 2;
  const events: AnomalyEvent[] = [];
  let open: { start: number; end: number; peak: number; points: number } | undefined;
  const close = () => {
    if (!open) return;
    if (open.end >= (options.fromIndex ?? 0)) events.push(describe(open));
    open = undefined;
  };
  const describe = (run: { start: number; end: number; peak: number; points: number }): AnomalyEvent => {
    const p = run.peak;
    const direction = values[p]! >= expected[p]! ? 'up' : 'down';
    const halfBand = (upper[p]! - lower[p]!) / 2;
    const widths = halfBand > 0 ? Math.abs(values[p]! - expected[p]!) / halfBand : Infinity;
    return {
      startMs: timeAt(grid, run.start),
      endMs: timeAt(grid, run.end),
      peakMs: timeAt(grid, p),
      peakValue: values[p]!,
      peakExpected: expected[p]!,
      peakScore: score[p]!,
      direction,
      severity: severityOf(widths),
      impact: impactOf(direction, options.good),
      points: run.points,
    };
  };
  // Flagged points are visited one run at a time: between runs the (native) search skips the
  // unflagged ones, which are nearly all of them.
  const nextFlagged = (i: number) => (anomaly[i + 1] === 1 ? i + 1 : anomaly.indexOf(1, i + 1));
  for (let i = firstScanned(anomaly, options.fromIndex ?? 0, mergeGap); i >= 0; i = nextFlagged(i)) {
    if (open && i - open.end > mergeGap + 1) close();
    if (!open) {
      // The event starts where the run left the band, before the minimum duration was reached.
      let start = i;
      while (start > 0 && score[start - 1]! >= FLAG_SCORE && (!events.length || timeAt(grid, start - 1) > events.at(-1)!.endMs)) start--;
      // On a tie the earliest point is the peak.
      open = { start, end: i, peak: start, points: 0 };
      for (let j = start; j <= i; j++) if (score[j]! > score[open.peak]!) open.peak = j;
    }
    open.end = i;
    open.points++;
    if (score[i]! > score[open.peak]!) open.peak = i;
  }
  close();
  return events;
}

/**
 * Where the scan can start and find the same events: at the first flagged point of the chain
 * (flagged points at most mergeGap apart) that holds the first flag at or after `fromIndex`.
 * Every chain before it ends before `fromIndex`, so its event is left out anyway, and it leaves
 * nothing the events after it depend on. -1 when nothing is flagged there.
 */
function firstScanned(anomaly: Uint8Array, fromIndex: number, mergeGap: number): number {
  // A NaN gap merges everything into one chain, and a start that is not past 0 skips nothing.
  if (!(fromIndex > 0) || mergeGap !== mergeGap) return anomaly.indexOf(1);
  const first = anomaly.indexOf(1, Math.floor(fromIndex));
  if (first < 0) return -1;
  let start = first;
  for (let j = first - 1; j >= 0 && start - j <= mergeGap + 1; j--) if (anomaly[j] === 1) start = j;
  return start;
}

function impactOf(direction: 'up' | 'down', good: GoodDirection | undefined): Impact {
  if (good === undefined || good === 'neutral') return 'unknown';
  return direction === good ? 'better' : 'worse';
}
