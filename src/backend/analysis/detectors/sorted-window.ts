import { madOfRun, nearestRun } from '../robust';

/**
 * The last `capacity` values in sorted order, for rolling medians and MADs.
 *
 * Values are pushed one at a time but sorted in batches: `refresh()` sorts what arrived since
 * the last refresh and merges it in, in one linear pass that also drops the values that left.
 * Each sorted value carries its push number, so a value that left is known by its age, not
 * looked up by its value: no search, no sort of the leavers, and the drop costs no branch.
 * median() and mad() describe the window as of the last refresh.
 *
 * The MAD is read without computing the deviations: the values nearest the median are a run of
 * the sorted ones, found by a search that starts where the previous refresh's run was
 * (nearestRun in robust.ts).
 *
 * Why not keep every point sorted (a binary search and a copyWithin per push, no lag)? Measured
 * on Node 20 with the benchmark's two-hour window of 120 points, a push then costs about twice
 * as much as here: copyWithin is a call into the runtime of some 25 ns whatever it moves, a
 * daily cycle moves most of the window on every push, and two binary searches on noisy values
 * are mispredicted every other step. The merge moves each value once per batch.
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
  /** where the run of values nearest the center started in the last mad() */
  private runHint = 0;
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
    /** from[i], read once */
    let value = from[0]!;
    for (let a = 0; a < count; a++) {
      const next = arrived[a]!;
      while (value <= next) {
        const age = fromAges[i]!;
        out[o] = value;
        outAges[o] = age;
        o += ((age - oldest) >>> 31) ^ 1;
        value = from[++i]!;
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

  /** Median absolute deviation from `center` (normally the median); see nearestRun in robust.ts. */
  mad(center: number): number {
    const n = this.size;
    if (n === 0) return NaN;
    const s = this.sorted;
    // Infinities make deviations infinite or NaN, and NaN has no order: as a sort has them.
    if (!(Number.isFinite(center) && Number.isFinite(s[0]!) && Number.isFinite(s[n - 1]!))) return this.sortedMad(center);
    this.runHint = nearestRun(s, n, center, this.runHint);
    return madOfRun(s, n, center, this.runHint);
  }

  /** Mean absolute deviation from `center`; O(n), for the rare windows whose MAD is 0. */
  meanAbsDeviation(center: number): number {
    let total = 0;
    for (let i = 0; i < this.size; i++) total += Math.abs(this.sorted[i]! - center);
    return this.size === 0 ? NaN : total / this.size;
  }

  /** The MAD as a sort of the deviations gives it (NaN last), for windows with infinities. */
  private sortedMad(center: number): number {
    const n = this.size;
    const deviations = new Float64Array(n);
    for (let i = 0; i < n; i++) deviations[i] = Math.abs(this.sorted[i]! - center);
    deviations.sort();
    const mid = n >> 1;
    return n & 1 ? deviations[mid]! : (deviations[mid - 1]! + deviations[mid]!) / 2;
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
