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
  // All four present is the usual case, kept small so that it is inlined.
  if (a === a && b === b && c === c && d === d) return middleOfFour(a, b, c, d);
  return medianOfFewer(a, b, c, d);
}

/** Of four, the mean of the middle two: drop the smallest and the largest. */
function middleOfFour(a: number, b: number, c: number, d: number): number {
  const low = Math.min(Math.max(a, b), Math.max(c, d));
  const high = Math.max(Math.min(a, b), Math.min(c, d));
  return (low + high) / 2;
}

function medianOfFewer(a: number, b: number, c: number, d: number): number {
  // The present values (at most three) moved to the front, in order.
  if (a !== a) [a, b, c, d] = [b, c, d, NaN];
  if (a !== a) [a, b, c] = [b, c, NaN];
  if (a !== a) [a, b] = [b, NaN];
  if (b !== b) [b, c, d] = [c, d, NaN];
  if (b !== b) [b, c] = [c, NaN];
  if (c !== c) c = d;
  if (b !== b) return a;
  if (c !== c) return (a + b) / 2;
  return middleOfThree(a, b, c);
}

function middleOfThree(a: number, b: number, c: number): number {
  return a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b;
}

/**
 * The k-th smallest (0-based) of the first `count` values, which it reorders (quickselect): the
 * same value a sort would put at k, in linear time on average. The values must not be NaN.
 */
export function selectInPlace(values: Float64Array, k: number, count = values.length): number {
  let lo = 0;
  let hi = count - 1;
  while (hi > lo) {
    // The median of the first, middle and last values as the pivot: sorted input stays linear.
    const a = values[lo]!;
    const b = values[(lo + hi) >> 1]!;
    const c = values[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k]!;
}

/** Median of the first `count` values, reordered by selection; NaN when empty. The values must not be NaN. */
export function medianBySelection(values: Float64Array, count = values.length): number {
  if (count === 0) return NaN;
  const mid = count >> 1;
  const upper = selectInPlace(values, mid, count);
  if (count & 1) return upper;
  // Below `mid` are the smaller half: the largest of them is the other middle value.
  let lower = values[0]!;
  for (let i = 1; i < mid; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/** Median of the finite values of any array (copied, not changed); NaN when none. */
export function median(values: ArrayLike<number>): number {
  const copy = new Float64Array(values.length);
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) copy[count++] = v;
  }
  if (count === 0) return NaN;
  const middle = medianBySelection(copy, count);
  if (middle !== 0) return middle;
  // A zero: the sort decides its sign (it puts -0 before 0), and so it does here.
  const finite = copy.subarray(0, count).sort();
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
  const width = 2 * halfWidth + 1;
  // The window's values (NaN left out) kept sorted as it slides: one value in and one out per
  // point, instead of a sort of the whole window per point.
  const sorted = new Float64Array(width + 1);
  let size = 0;
  const window = new Float64Array(width);
  const deviations = new Float64Array(width);
  for (let j = 0; j < halfWidth && j < n; j++) if (values[j] === values[j]) size = insertSorted(sorted, size, values[j]!);
  for (let i = 0; i < n; i++) {
    const incoming = i + halfWidth;
    if (incoming < n && values[incoming] === values[incoming]) size = insertSorted(sorted, size, values[incoming]!);
    const outgoing = i - halfWidth - 1;
    if (outgoing >= 0 && values[outgoing] === values[outgoing]) size = removeSorted(sorted, size, values[outgoing]!);
    if (size < 3) continue;
    const mid = size >> 1;
    let center = size & 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    let spread: number;
    if (center !== 0 && Number.isFinite(center) && Number.isFinite(sorted[0]!) && Number.isFinite(sorted[size - 1]!)) {
      spread = MAD_TO_SD * sortedMad(sorted, size, center);
    } else {
      // A zero center (whose sign the order of 0 and -0 decides) or infinities (whose deviations
      // may be NaN, which the sort then places): as a sort of the window in order has them.
      let count = 0;
      const last = i + halfWidth < n ? i + halfWidth : n - 1;
      for (let j = i > halfWidth ? i - halfWidth : 0; j <= last; j++) if (values[j] === values[j]) window[count++] = values[j]!;
      center = sortedMedian(window, count);
      for (let j = 0; j < count; j++) deviations[j] = Math.abs(window[j]! - center);
      spread = MAD_TO_SD * sortedMedian(deviations, count);
    }
    if (spread > 0 && Math.abs(values[i]! - center) > k * spread) out[i] = center;
  }
  return out;
}

/** Inserts a value into the first `size` sorted values; the new size. */
function insertSorted(sorted: Float64Array, size: number, value: number): number {
  let j = size;
  while (j > 0 && sorted[j - 1]! > value) {
    sorted[j] = sorted[j - 1]!;
    j--;
  }
  sorted[j] = value;
  return size + 1;
}

/** Removes one value equal to `value` from the first `size` sorted values; the new size. */
function removeSorted(sorted: Float64Array, size: number, value: number): number {
  let j = 0;
  while (sorted[j] !== value) j++;
  for (; j + 1 < size; j++) sorted[j] = sorted[j + 1]!;
  return size - 1;
}

/**
 * The median distance of sorted finite values from `center`, without sorting the distances:
 * below and above the center they are two ascending runs, merged outwards up to the middle.
 */
function sortedMad(sorted: Float64Array, count: number, center: number): number {
  let above = 0;
  while (above < count && sorted[above]! < center) above++;
  let below = above - 1;
  const mid = count >> 1;
  let previous = 0;
  let current = 0;
  for (let taken = 0; taken <= mid; taken++) {
    previous = current;
    const down = below >= 0 ? center - sorted[below]! : Infinity;
    const up = above < count ? sorted[above]! - center : Infinity;
    if (down < up) {
      current = down;
      below--;
    } else {
      current = up;
      above++;
    }
  }
  return count & 1 ? current : (previous + current) / 2;
}

function sortedMedian(values: Float64Array, count: number): number {
  sortSmall(values, count);
  const mid = count >> 1;
  return count & 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}
