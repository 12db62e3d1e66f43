import { timeAt } from '../grid';
import { displayName, isoTime, listed, nameList, num, placeable, plural } from './shared';
import type { CheckOutcome, QualityOptions, QualitySeries } from './types';

/**
 * Validity: values that cannot be true. With a valid range (the KPI catalogue's `validRange`) a
 * value outside it is impossible (a ratio above 1, a negative rate), so one such point fails the
 * check: it is a broken source or formula, never a business event. ±Infinity is invalid with or
 * without a range (a division by zero upstream); NaN is a missing point, completeness's business.
 *
 * Every point of the grid is checked, history before the range too: detectors learn from it.
 */

/** Any invalid point fails. */
export const VALIDITY_MAX_INVALID_POINTS = 0;

const TITLE = 'Validity';

function usableRange(range: QualityOptions['validRange']): readonly [number, number] | undefined {
  if (!Array.isArray(range) || range.length !== 2) return undefined;
  const [lo, hi] = range;
  return typeof lo === 'number' && typeof hi === 'number' && lo <= hi ? [lo, hi] : undefined;
}

export function checkValidity(series: readonly QualitySeries[], options: QualityOptions): CheckOutcome {
  const range = usableRange(options.validRange);
  const lo = range ? range[0] : -Infinity;
  const hi = range ? range[1] : Infinity;
  const issues: Array<Uint8Array | undefined> = series.map(() => undefined);
  const affected: Array<{ index: number; count: number }> = [];
  let total = 0;
  let example: { index: number; point: number; value: number } | undefined;

  // Infinities are invalid within any range: the finite part of it. A valid value passes two
  // comparisons; NaN fails them too, and is then told apart (missing, not invalid).
  const finiteLo = lo > -Number.MAX_VALUE ? lo : -Number.MAX_VALUE;
  const finiteHi = hi < Number.MAX_VALUE ? hi : Number.MAX_VALUE;
  for (let index = 0; index < series.length; index++) {
    const values = series[index]!.grid.values;
    let count = 0;
    let mask: Uint8Array | undefined;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(v >= finiteLo && v <= finiteHi) && v === v) {
        (mask ??= new Uint8Array(values.length))[i] = 1;
        count++;
        example ??= { index, point: i, value: v };
      }
    }
    issues[index] = mask;
    if (count > 0) affected.push({ index, count });
    total += count;
  }

  affected.sort((a, b) => b.count - a.count);
  const names = affected.map((a) => displayName(series[a.index]!, a.index));
  const rangeText = range ? `the valid range [${num(lo)}, ${num(hi)}]` : 'finite values';
  const given = options.validRange !== undefined;
  const rangeNote = range ? '' : given ? ' (the valid range given is not a range of two numbers, so only infinities were looked for)' : ' (no valid range given, so only infinities were looked for)';
  let message: string;
  if (total === 0) {
    message = range
      ? `All values of ${plural(series.length, 'series', 'series')} are within ${rangeText}.`
      : `No value of ${plural(series.length, 'series', 'series')} is infinite${rangeNote}.`;
  } else {
    const s = series[example!.index]!;
    const when = placeable(s.grid) ? ` at ${isoTime(timeAt(s.grid, example!.point))}` : '';
    message = `${plural(total, 'point')} in ${plural(affected.length, 'series', 'series')} (${nameList(names)}) lie outside ${rangeText}, first ${num(example!.value)} in ${displayName(s, example!.index)}${when}${rangeNote}: the source or the formula is wrong there, and those points are left out of the analysis.`;
  }
  return {
    check: {
      id: 'validity',
      title: TITLE,
      status: total > VALIDITY_MAX_INVALID_POINTS ? 'fail' : 'pass',
      value: total,
      threshold: VALIDITY_MAX_INVALID_POINTS,
      unit: 'short',
      message,
      series: listed(names),
    },
    issues,
  };
}
