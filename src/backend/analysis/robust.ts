/**
 * Robust statistics shared by the detectors and the checks: medians that ignore NaN, and the
 * constants that turn MAD and mean absolute deviation into standard-deviation equivalents.
 */

/** MAD x 1.4826 estimates the standard deviation of normal data. */
export const MAD_TO_SD = 1.4826;
/** Mean absolute deviation x 1.2533 (sqrt(pi/2)) estimates the standard deviation of normal data. */
export const MEAN_ABS_TO_SD = 1.2533;

/** Insertion sort of the first `count` values, in place: for a handful of values it beats sort(). */
export function sortSmall<A extends Float64Array>(values: A, count: number): A {
  for (let i = 1; i < count; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= 0 && values[j]! > v) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
  return values;
}

/** Median of the finite entries of a small scratch array (sorted in place); NaN when none. */
export function medianInPlace(values: Float64Array, count = values.length): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (v === v) values[n++] = v;
  }
  if (n === 0) return NaN;
  sortSmall(values, n);
  const mid = n >> 1;
  return n & 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/**
 * Median of up to four values, NaN meaning absent; NaN when all are. Written out (no array, no
 * sort) because the seasonal baseline takes one per point.
 */
export function medianOfFour(a: number, b: number, c: number, d: number): number {
  // Move the present values to the front.
  if (a !== a) [a, b, c, d] = [b, c, d, NaN];
  if (a !== a) [a, b, c] = [b, c, NaN];
  if (a !== a) [a, b] = [b, NaN];
  if (b !== b) [b, c, d] = [c, d, NaN];
  if (b !== b) [b, c] = [c, NaN];
  if (c !== c) [c, d] = [d, NaN];
  if (b !== b) return a;
  if (c !== c) return (a + b) / 2;
  if (d !== d) return a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b;
  // Of four, the mean of the middle two: drop the smallest and the largest.
  const low = Math.min(Math.max(a, b), Math.max(c, d));
  const high = Math.max(Math.min(a, b), Math.min(c, d));
  return (low + high) / 2;
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

/** Three neighbours each side: spikes of up to three points go, a daily shape stays. */
export const DESPIKE_HALF_WIDTH = 3;

/**
 * A Hampel filter: each value more than `k` robust standard deviations from the median of its
 * neighbours (halfWidth on each side) is replaced by that median. Removes spikes from a smooth
 * shape without touching the shape. Returns a new array.
 */
export function despike(values: Float64Array, halfWidth: number, k = 6): Float64Array {
  const out = Float64Array.from(values);
  const n = values.length;
  const window = new Float64Array(2 * halfWidth + 1);
  const deviations = new Float64Array(2 * halfWidth + 1);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let j = Math.max(0, i - halfWidth); j <= Math.min(n - 1, i + halfWidth); j++) {
      if (values[j] === values[j]) window[count++] = values[j]!;
    }
    if (count < 3) continue;
    const center = sortedMedian(window, count);
    for (let j = 0; j < count; j++) deviations[j] = Math.abs(window[j]! - center);
    const spread = MAD_TO_SD * sortedMedian(deviations, count);
    if (spread > 0 && Math.abs(values[i]! - center) > k * spread) out[i] = center;
  }
  return out;
}

function sortedMedian(values: Float64Array, count: number): number {
  sortSmall(values, count);
  const mid = count >> 1;
  return count & 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}
