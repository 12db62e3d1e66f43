/**
 * The last `capacity` values in sorted order, for rolling medians and MADs.
 *
 * Values are pushed one at a time but sorted in batches: `refresh()` sorts what arrived since
 * the last refresh and merges it in, in one linear pass that also drops the values that left.
 * Each sorted value carries its push number, so a value that left is known by its age, not
 * looked up by its value: no search, no sort of the leavers, and the drop costs no branch.
 * Keeping every point sorted would cost a binary search and a memmove per point; a merge every
 * few points costs a few comparisons per point. median() and mad() describe the window as of
 * the last refresh.
 *
 * The MAD is read without sorting the deviations: left and right of the median they are two
 * sorted runs, and the MAD is the middle of their merge, found by a binary search.
 */
export class SortedWindow {
  /** the sorted view, followed by a NaN that ends every scan of it (no comparison holds with NaN) */
  private sorted: Float64Array;
  /** push number of each value of the sorted view */
  private ages: Int32Array;
  private spare: Float64Array;
  private spareAges: Int32Array;
  /** pushed since the last refresh, with their push numbers; grown on demand */
  private arrived = new Float64Array(16);
  private arrivedAges = new Int32Array(16);
  private arrivedCount = 0;
  private pushed = 0;
  /** values in the sorted view (as of the last refresh) */
  size = 0;

  constructor(readonly capacity: number) {
    this.sorted = new Float64Array(capacity + 1).fill(NaN);
    this.spare = new Float64Array(capacity + 1).fill(NaN);
    this.ages = new Int32Array(capacity + 1);
    this.spareAges = new Int32Array(capacity + 1);
  }

  /** Adds a finite value, evicting the oldest when full; seen by median() after refresh(). */
  push(value: number): void {
    if (this.arrivedCount === this.arrived.length) {
      this.arrived = grown(this.arrived);
      this.arrivedAges = grownAges(this.arrivedAges);
    }
    this.arrived[this.arrivedCount] = value;
    this.arrivedAges[this.arrivedCount++] = this.pushed++;
  }

  /** Values pushed since the last refresh. */
  get pending(): number {
    return this.arrivedCount;
  }

  refresh(): void {
    const count = this.arrivedCount;
    if (count === 0) return;
    const arrived = this.arrived;
    const arrivedAges = this.arrivedAges;
    // Insertion sort of the arrivals, their ages alongside; equal values keep their order.
    for (let t = 1; t < count; t++) {
      const v = arrived[t]!;
      const age = arrivedAges[t]!;
      let j = t - 1;
      while (j >= 0 && arrived[j]! > v) {
        arrived[j + 1] = arrived[j]!;
        arrivedAges[j + 1] = arrivedAges[j]!;
        j--;
      }
      arrived[j + 1] = v;
      arrivedAges[j + 1] = age;
    }
    const from = this.sorted;
    const fromAges = this.ages;
    const out = this.spare;
    const outAges = this.spareAges;
    // Values pushed before this one have left. Push numbers stay far below 2^31 (a grid holds at
    // most MAX_GRID_POINTS), so (age - oldest) >>> 31 is 1 exactly for those.
    const oldest = this.pushed - this.capacity;
    const n = this.size;
    // Each value is written, and the write kept (o advances) only if the value is still in.
    // Between two arrivals the sorted values are copied in a run, one comparison each (the NaN
    // after them ends the run); an arrival goes after the values equal to it.
    let i = 0;
    let o = 0;
    for (let a = 0; a < count; a++) {
      const next = arrived[a]!;
      while (from[i]! <= next) {
        const age = fromAges[i]!;
        out[o] = from[i++]!;
        outAges[o] = age;
        o += ((age - oldest) >>> 31) ^ 1;
      }
      const age = arrivedAges[a]!;
      out[o] = next;
      outAges[o] = age;
      o += ((age - oldest) >>> 31) ^ 1;
    }
    while (i < n) {
      const age = fromAges[i]!;
      out[o] = from[i++]!;
      outAges[o] = age;
      o += ((age - oldest) >>> 31) ^ 1;
    }
    out[o] = NaN;
    this.spare = from;
    this.spareAges = fromAges;
    this.sorted = out;
    this.ages = outAges;
    this.size = o;
    this.arrivedCount = 0;
  }

  median(): number {
    const n = this.size;
    if (n === 0) return NaN;
    const mid = n >> 1;
    return n & 1 ? this.sorted[mid]! : (this.sorted[mid - 1]! + this.sorted[mid]!) / 2;
  }

  /** Median absolute deviation from `center` (normally the median). */
  mad(center: number): number {
    const n = this.size;
    if (n === 0) return NaN;
    const split = this.lowerBound(center);
    const mid = n >> 1;
    if (n & 1) return this.kthDeviation(mid, split, center);
    const lower = this.kthDeviation(mid - 1, split, center);
    // The next deviation after the mid smallest is one step on from where they end, unless a
    // deviation is NaN (a center or values at infinity) and the runs are not in order.
    const ordered = Number.isFinite(center) && Number.isFinite(this.sorted[0]!) && Number.isFinite(this.sorted[n - 1]!);
    const upper = ordered ? this.nextDeviation(mid - 1, split, center) : this.kthDeviation(mid, split, center);
    return (lower + upper) / 2;
  }

  /** Mean absolute deviation from `center`; O(n), for the rare windows whose MAD is 0. */
  meanAbsDeviation(center: number): number {
    let total = 0;
    for (let i = 0; i < this.size; i++) total += Math.abs(this.sorted[i]! - center);
    return this.size === 0 ? NaN : total / this.size;
  }

  /**
   * The k-th smallest (0-based) deviation. Left run: center - sorted[split-1-i], ascending in i;
   * right run: sorted[split+i] - center, ascending in i. Binary search on how many come from the left.
   */
  private kthDeviation(k: number, split: number, center: number): number {
    const s = this.sorted;
    const fromLeft = this.leftShare(k, split, center);
    const fromRight = k + 1 - fromLeft;
    const lastLeft = fromLeft > 0 ? center - s[split - fromLeft]! : -Infinity;
    const lastRight = fromRight > 0 ? s[split + fromRight - 1]! - center : -Infinity;
    return lastLeft > lastRight ? lastLeft : lastRight;
  }

  /** The (k+1)-th smallest deviation: the smaller of the next ones of the runs after the k+1 smallest. */
  private nextDeviation(k: number, split: number, center: number): number {
    const s = this.sorted;
    const fromLeft = this.leftShare(k, split, center);
    const fromRight = k + 1 - fromLeft;
    const nextLeft = fromLeft < split ? center - s[split - 1 - fromLeft]! : Infinity;
    const nextRight = split + fromRight < this.size ? s[split + fromRight]! - center : Infinity;
    return nextLeft < nextRight ? nextLeft : nextRight;
  }

  /** How many of the k+1 smallest deviations come from the left run. */
  private leftShare(k: number, split: number, center: number): number {
    const s = this.sorted;
    const leftLength = split;
    const rightLength = this.size - split;
    let lo = Math.max(0, k + 1 - rightLength);
    let hi = Math.min(k + 1, leftLength);
    while (lo < hi) {
      const fromLeft = (lo + hi) >> 1;
      const fromRight = k + 1 - fromLeft;
      // Too few from the left when the next left deviation is below the last right one taken.
      if (fromRight > 0 && fromLeft < leftLength && center - s[split - 1 - fromLeft]! < s[split + fromRight - 1]! - center) lo = fromLeft + 1;
      else hi = fromLeft;
    }
    return lo;
  }

  /** First index whose value is >= `value` (0 for NaN), searched from the middle: the center is near it. */
  private lowerBound(value: number): number {
    if (value !== value) return 0;
    const s = this.sorted;
    let i = this.size >> 1;
    while (i < this.size && s[i]! < value) i++;
    while (i > 0 && s[i - 1]! >= value) i--;
    return i;
  }
}

function grownAges(ages: Int32Array): Int32Array<ArrayBuffer> {
  const out = new Int32Array(ages.length * 2);
  out.set(ages);
  return out;
}

function grown(values: Float64Array): Float64Array<ArrayBuffer> {
  const out = new Float64Array(values.length * 2);
  out.set(values);
  return out;
}
