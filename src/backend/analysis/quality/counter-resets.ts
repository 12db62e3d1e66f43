import { timeAt } from '../grid';
import { displayName, isoTime, listed, nameList, num, placeable, plural } from './shared';
import type { CheckOutcome, QualitySeries } from './types';

/**
 * Counter resets: a raw counter (`counter: true`) only ever grows, so any decrease from the
 * previous finite value is a restart of whatever exports it. Prometheus' rate() bridges a reset,
 * but the increments between the last scrape and the restart are lost, and a hand-made rate over
 * the raw values would show a huge negative spike. The point after the drop is the issue point.
 *
 * Threshold: warn on any reset (restarts happen; they explain a dip, they are not an outage).
 * Gaps do not hide a reset: the comparison is with the last finite value before the gap.
 */

export const COUNTER_RESETS_WARN_ABOVE = 0;

const TITLE = 'Counter resets';

export function checkCounterResets(series: readonly QualitySeries[]): CheckOutcome {
  const issues: Array<Uint8Array | undefined> = series.map(() => undefined);
  const affected: Array<{ index: number; count: number }> = [];
  let total = 0;
  let counters = 0;
  let example: { index: number; point: number; from: number; to: number } | undefined;

  series.forEach((s, index) => {
    if (s.counter !== true) return;
    counters++;
    const values = s.grid.values;
    let previous = NaN;
    let count = 0;
    let mask: Uint8Array | undefined;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < previous) {
        (mask ??= new Uint8Array(values.length))[i] = 1;
        count++;
        example ??= { index, point: i, from: previous, to: v };
      }
      previous = v;
    }
    issues[index] = mask;
    if (count > 0) affected.push({ index, count });
    total += count;
  });

  affected.sort((a, b) => b.count - a.count);
  const names = affected.map((a) => displayName(series[a.index]!, a.index));
  let message: string;
  if (counters === 0) message = 'No raw counters among these series, so resets were not looked for.';
  else if (total === 0) message = `None of the ${plural(counters, 'counter')} decreased.`;
  else {
    const s = series[example!.index]!;
    const when = placeable(s.grid) ? ` at ${isoTime(timeAt(s.grid, example!.point))}` : '';
    message = `${plural(total, 'counter reset')} in ${plural(affected.length, 'series', 'series')} (${nameList(names)}), first ${displayName(s, example!.index)} falling from ${num(example!.from)} to ${num(example!.to)}${when}: the exporter restarted and increments since its last scrape are lost.`;
  }
  return {
    check: {
      id: 'counter_resets',
      title: TITLE,
      status: total > COUNTER_RESETS_WARN_ABOVE ? 'warn' : 'pass',
      value: total,
      threshold: COUNTER_RESETS_WARN_ABOVE,
      unit: 'short',
      message,
      series: listed(names),
    },
    issues,
  };
}
