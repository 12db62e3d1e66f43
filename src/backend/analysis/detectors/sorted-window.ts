import { sortSmall } from '../robust';

/**
 * The last `capacity` values in sorted order, for rolling medians and MADs.
 *
 * Values are pushed one at a time but sorted in batches: `refresh()` merges what arrived since
 * the last refresh and drops what left, in one linear pass. Keeping every point sorted costs a
 * binary search and a memmove per point; a merge every few points costs a few comparisons per
 * point, which is what makes a rolling median run at tens of millions of points a second.
 * median() and mad() describe the window as of the last refresh.
 *
 * The MAD is read in O(log n) without sorting the deviations: left and right of the median
 * they are two sorted runs, and the MAD is the middle of their merge.
 */
export class SortedWindow {
  private sorted: Float64Array;
  private spare: Float64Array;
  /** insertion order, to know which value leaves next */
  private readonly ring: Float64Array;
  private head = 0;
  private count = 0;
  /** pushed and evicted since the last refresh; grown on demand */
  private arrived = new Float64Array(16);
  private arrivedCount = 0;
  private left = new Float64Array(16);
  private leftCount = 0;
  /** values in the sorted view (as of the last refresh) */
  size = 0;

  constructor(readonly capacity: number) {
    this.sorted = new Float64Array(capacity);
    this.spare = new Float64Array(capacity);
    this.ring = new Float64Array(capacity);
  }

  /** Adds a finite value, evicting the oldest when full; seen by median() after refresh(). */
  push(value: number): void {
    if (this.count < this.capacity) {
      this.ring[(this.head + this.count) % this.capacity] = value;
      this.count++;
    } else {
      if (this.leftCount === this.left.length) this.left = grown(this.left);
      this.left[this.leftCount++] = this.ring[this.head]!;
      this.ring[this.head] = value;
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    }
    if (this.arrivedCount === this.arrived.length) this.arrived = grown(this.arrived);
    this.arrived[this.arrivedCount++] = value;
  }

  /** Values pushed since the last refresh. */
  get pending(): number {
    return this.arrivedCount;
  }

  refresh(): void {
    const arrivedCount = this.arrivedCount;
    if (arrivedCount === 0) return;
    if (arrivedCount > this.capacity) {
      // More pushes than the window holds: some arrivals have left again, so no merge can remove
      // them from the sorted view. The ring holds exactly the window; sort it afresh.
      this.sorted.set(this.ring);
      this.sorted.sort();
      this.size = this.count;
      this.arrivedCount = 0;
      this.leftCount = 0;
      return;
    }
    const leftCount = this.leftCount;
    const arrived = sortSmall(this.arrived, arrivedCount);
    const left = sortSmall(this.left, leftCount);
    const from = this.sorted;
    const out = this.spare;
    const n = this.size;
    // One merge: the sorted values minus those that left, plus those that arrived.
    let i = 0;
    let a = 0;
    let l = 0;
    let o = 0;
    while (i < n) {
      const v = from[i]!;
      if (l < leftCount && v === left[l]) {
        l++;
        i++;
      } else if (a < arrivedCount && arrived[a]! < v) {
        out[o++] = arrived[a++]!;
      } else {
        out[o++] = v;
        i++;
      }
    }
    while (a < arrivedCount) out[o++] = arrived[a++]!;
    this.spare = from;
    this.sorted = out;
    this.size = o;
    this.arrivedCount = 0;
    this.leftCount = 0;
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
    return (this.kthDeviation(mid - 1, split, center) + this.kthDeviation(mid, split, center)) / 2;
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
    const fromRight = k + 1 - lo;
    const lastLeft = lo > 0 ? center - s[split - lo]! : -Infinity;
    const lastRight = fromRight > 0 ? s[split + fromRight - 1]! - center : -Infinity;
    return lastLeft > lastRight ? lastLeft : lastRight;
  }

  /** First index whose value is >= `value`. */
  private lowerBound(value: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function grown(values: Float64Array): Float64Array<ArrayBuffer> {
  const out = new Float64Array(values.length * 2);
  out.set(values);
  return out;
}
