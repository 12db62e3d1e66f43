/**
 * Robust statistics shared by the detectors and the checks: medians that ignore NaN, and the
 * constants that turn MAD and mean absolute deviation into standard-deviation equivalents.
 */

/** MAD x 1.4826 estimates the standard deviation of normal data. */
export const MAD_TO_SD = 1.4826;
/** Mean absolute deviation x 1.2533 (sqrt(pi/2)) estimates the standard deviation of normal data. */
export const MEAN_ABS_TO_SD = 1.2533;

/** Median of the finite entries of a small scratch array (sorted in place); NaN when none. */
export function medianInPlace(values: Float64Array, count = values.length): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (v === v) values[n++] = v;
  }
  if (n === 0) return NaN;
  // Insertion sort: callers pass a handful of values (one per past season).
  for (let i = 1; i < n; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= 0 && values[j]! > v) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
  const mid = n >> 1;
  return n & 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/** Median of the finite values of any array (copied, not changed); NaN when none. */
export function median(values: ArrayLike<number>): number {
  const finite = Float64Array.from(values).filter((v) => Number.isFinite(v)).sort();
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length & 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/** Median absolute deviation from the median, as a standard-deviation equivalent; NaN when empty. */
export function robustScale(values: ArrayLike<number>): number {
  const center = median(values);
  if (Number.isNaN(center)) return NaN;
  const deviations = Array.from(values, (v) => Math.abs(v - center));
  return MAD_TO_SD * median(deviations);
}

export function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}
