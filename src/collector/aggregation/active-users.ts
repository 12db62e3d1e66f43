/**
 * Distinct users with an event in a sliding window (24 h for encore_active_users{market,tier}).
 * Pure and clock-free (times are passed in), so the live collector and the simulator's backfill
 * count the same way.
 *
 * Memory: one entry per distinct user in the window plus, per time bucket, the ids of the users
 * whose latest event fell into it. Expiry drops whole buckets (no scan of every user per scrape),
 * which makes the window granular: a user counts from their event until between `windowMs` and
 * `windowMs + bucketMs` later (bucketMs defaults to windowMs / 24, i.e. one hour for 24 h).
 * Counts per label set are kept up to date on every see(), so counts() is O(label sets).
 *
 * A user is counted once, under the labels of their latest event (a user who upgrades from free to
 * premium moves from one series to the other rather than being counted twice).
 */

export interface ActiveUserLabels extends Record<string, string> {
  market: string;
  tier: string;
}

interface Entry {
  /** bucket of the latest event */
  bucket: number;
  /** time of the latest event */
  timeMs: number;
  key: string;
}

export class ActiveUsers {
  private readonly bucketMs: number;
  private readonly users = new Map<string, Entry>();
  /** bucket index -> users whose latest event is in that bucket */
  private readonly buckets = new Map<number, Set<string>>();
  /** label key -> number of users */
  private readonly totals = new Map<string, number>();
  private readonly labelsByKey = new Map<string, ActiveUserLabels>();
  /** buckets below this index have expired; events there are ignored */
  private floor = -Infinity;

  constructor(
    readonly windowMs: number,
    options: { bucketMs?: number } = {},
  ) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs: expected a positive number of milliseconds, got ${windowMs}`);
    this.bucketMs = options.bucketMs ?? windowMs / 24;
    if (!(this.bucketMs > 0)) throw new RangeError(`bucketMs: expected a positive number of milliseconds, got ${this.bucketMs}`);
  }

  /** Distinct users tracked right now (memory gauge). */
  get size(): number {
    return this.users.size;
  }

  /** Records that `userId` had an event at `timeMs`. Older events never overwrite newer labels. */
  see(userId: string, labels: ActiveUserLabels, timeMs: number): void {
    const bucket = Math.floor(timeMs / this.bucketMs);
    if (bucket < this.floor) return;
    const entry = this.users.get(userId);
    if (entry !== undefined && entry.timeMs >= timeMs) return;
    const key = `${labels.market}\u0000${labels.tier}`;
    if (!this.labelsByKey.has(key)) this.labelsByKey.set(key, { market: labels.market, tier: labels.tier });
    if (entry === undefined) {
      this.users.set(userId, { bucket, timeMs, key });
      this.add(key, 1);
    } else {
      if (entry.key !== key) {
        this.add(entry.key, -1);
        this.add(key, 1);
        entry.key = key;
      }
      if (entry.bucket !== bucket) this.buckets.get(entry.bucket)?.delete(userId);
      entry.bucket = bucket;
      entry.timeMs = timeMs;
    }
    let members = this.buckets.get(bucket);
    if (members === undefined) {
      members = new Set();
      this.buckets.set(bucket, members);
    }
    members.add(userId);
  }

  /**
   * Users per label set whose latest event is within the window ending at `nowMs`; label sets seen
   * before and now empty are reported with 0.
   */
  counts(nowMs: number): Array<{ labels: ActiveUserLabels; value: number }> {
    this.expire(nowMs);
    const out: Array<{ labels: ActiveUserLabels; value: number }> = [];
    for (const [key, value] of this.totals) {
      out.push({ labels: { ...this.labelsByKey.get(key)! }, value });
    }
    return out;
  }

  /** Drops the buckets that ended before the window starts. */
  private expire(nowMs: number): void {
    // A bucket [b*size, (b+1)*size) has fully left the window once its end <= now - window.
    const firstKept = Math.floor((nowMs - this.windowMs) / this.bucketMs);
    if (firstKept <= this.floor) return;
    this.floor = firstKept;
    for (const [bucket, members] of this.buckets) {
      if (bucket >= firstKept) continue;
      for (const userId of members) {
        const entry = this.users.get(userId);
        if (entry === undefined || entry.bucket !== bucket) continue;
        this.users.delete(userId);
        this.add(entry.key, -1);
      }
      this.buckets.delete(bucket);
    }
  }

  private add(key: string, delta: number): void {
    // Label sets stay at 0 rather than vanishing, so the gauge series drops to 0 instead of going
    // stale; their number is bounded by the (bounded) label values.
    this.totals.set(key, (this.totals.get(key) ?? 0) + delta);
  }
}
