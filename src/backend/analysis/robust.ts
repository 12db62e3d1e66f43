/**
 * Robust statistics shared by the detectors and the checks: medians that ignore NaN, the MAD of
 * values kept sorted (nearestRun, madOfRun), and the constants that turn MAD and mean absolute
 * deviation into standard-deviation equivalents.
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
  // The present values (at most three) in order, counted: no array, as this runs once per
  // point for the first cycles of a seasonal baseline.
  let first = NaN;
  let second = NaN;
  let third = NaN;
  let count = 0;
  if (a === a) {
    first = a;
    count = 1;
  }
  if (b === b) {
    if (count === 0) first = b;
    else second = b;
    count++;
  }
  if (c === c) {
    if (count === 0) first = c;
    else if (count === 1) second = c;
    else third = c;
    count++;
  }
  if (d === d) {
    if (count === 0) first = d;
    else if (count === 1) second = d;
    else third = d;
    count++;
  }
  if (count < 2) return first;
  if (count === 2) return (first + second) / 2;
  return middleOfThree(first, second, third);
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
  const sorted = new Float64Array(width);
  let size = 0;
  const window = new Float64Array(width);
  const deviations = new Float64Array(width);
  /** where the run of values nearest the center started for the last point (see nearestRun) */
  let run = 0;
  for (let j = 0; j < halfWidth && j < n; j++) if (values[j] === values[j]) size = insertSorted(sorted, size, values[j]!);
  for (let i = 0; i < n; i++) {
    const incoming = i + halfWidth < n ? values[i + halfWidth]! : NaN;
    const outgoing = i > halfWidth ? values[i - halfWidth - 1]! : NaN;
    // One value in and one out is one slide between their places; equal values are
    // interchangeable here (a zero's sign matters only to the exact path below, which does not
    // read this order).
    if (incoming === incoming) {
      if (outgoing === outgoing) replaceSorted(sorted, size, outgoing, incoming);
      else size = insertSorted(sorted, size, incoming);
    } else if (outgoing === outgoing) {
      size = removeSorted(sorted, size, outgoing);
    }
    if (size < 3) continue;
    const mid = size >> 1;
    let center = size & 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    let spread: number;
    if (center !== 0 && Number.isFinite(center) && Number.isFinite(sorted[0]!) && Number.isFinite(sorted[size - 1]!)) {
      run = nearestRun(sorted, size, center, run);
      spread = MAD_TO_SD * madOfRun(sorted, size, center, run);
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

/** Replaces one value equal to `leaving` by `value` in the first `size` sorted values. */
function replaceSorted(sorted: Float64Array, size: number, leaving: number, value: number): void {
  let j = 0;
  while (sorted[j] !== leaving) j++;
  // Slide the values between the two places one step towards the gap.
  while (j + 1 < size && sorted[j + 1]! < value) {
    sorted[j] = sorted[j + 1]!;
    j++;
  }
  while (j > 0 && sorted[j - 1]! > value) {
    sorted[j] = sorted[j - 1]!;
    j--;
  }
  sorted[j] = value;
}

/**
 * For the MAD of the first `size` sorted values about `center`, without computing the distances:
 * the values nearest the center are a run of the sorted ones, so the k smallest distances are
 * those of the run of k values that fits closest around it, here the ceil(size / 2) whose
 * farthest is the middle distance (madOfRun). Where that run starts: a run is too far down while
 * the value after it is nearer the center than its first one, which holds for every start below
 * the answer and none from it on. A window that slid or was refreshed has its run near where it
 * was, so the search walks a few steps from `from` (the previous answer) before a binary search
 * over what is left: any `from` gives the same answer, a good one saves the search. The values
 * and the center must be finite.
 */
export function nearestRun(sorted: Float64Array, size: number, center: number, from: number): number {
  const count = (size >> 1) + (size & 1);
  let lo = 0;
  let hi = size - count;
  let guess = from < 0 ? 0 : from < hi ? from : hi;
  for (let step = 0; step < RUN_WALK_STEPS && lo < hi; step++) {
    if (guess < hi && center - sorted[guess]! > sorted[guess + count]! - center) lo = ++guess;
    else if (guess > lo && !(center - sorted[guess - 1]! > sorted[guess - 1 + count]! - center)) hi = --guess;
    else lo = hi = guess;
  }
  while (lo < hi) {
    const first = (lo + hi) >> 1;
    if (center - sorted[first]! > sorted[first + count]! - center) lo = first + 1;
    else hi = first;
  }
  return lo;
}

/** Steps walked from the previous run before the binary search takes over. */
const RUN_WALK_STEPS = 4;

/**
 * The MAD from the run nearestRun found: the farthest of the run is the middle distance; for an
 * even count the next one is just outside the run. Distances are read as differences, c - x
 * below the center and x - c above it: exactly |x - c| (a rounded difference only changes sign
 * with the order of its operands), and never negative where they are used.
 */
export function madOfRun(sorted: Float64Array, size: number, center: number, first: number): number {
  const count = (size >> 1) + (size & 1);
  const last = first + count - 1;
  const low = center - sorted[first]!;
  const high = sorted[last]! - center;
  const kth = low > high ? low : high;
  if (size & 1) return kth;
  const below = first > 0 ? center - sorted[first - 1]! : Infinity;
  const above = last + 1 < size ? sorted[last + 1]! - center : Infinity;
  return (kth + (below < above ? below : above)) / 2;
}

function sortedMedian(values: Float64Array, count: number): number {
  sortSmall(values, count);
  const mid = count >> 1;
  return count & 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}
