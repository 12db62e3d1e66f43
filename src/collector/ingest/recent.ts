/**
 * A set of recently seen strings with a time-to-live and a hard size bound, used for duplicate
 * event ids and for the play ids that were started.
 *
 * Two generations: new ids go into `current`; when `current` is older than the TTL (or holds
 * `maxPerGeneration` ids) it becomes `previous` and the old `previous` is dropped whole. So an id
 * is remembered for at least the TTL and at most twice the TTL, expiry costs nothing per id, and
 * memory never exceeds 2 × maxPerGeneration ids. Under a flood the size bound wins over the TTL
 * and the effective window shrinks; `windowMs()` reports what is really covered, for a gauge.
 */
export class RecentIds {
  private current = new Set<string>();
  private previous = new Set<string>();
  private currentSince: number;
  private previousSince: number;

  constructor(
    readonly ttlMs: number,
    readonly maxPerGeneration: number,
    nowMs: number,
  ) {
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs: expected a positive number, got ${ttlMs}`);
    if (!(maxPerGeneration >= 1)) throw new RangeError(`maxPerGeneration: expected at least 1, got ${maxPerGeneration}`);
    this.currentSince = nowMs;
    this.previousSince = nowMs;
  }

  has(id: string, nowMs: number): boolean {
    this.rotate(nowMs);
    return this.current.has(id) || this.previous.has(id);
  }

  add(id: string, nowMs: number): void {
    this.rotate(nowMs);
    if (this.current.size >= this.maxPerGeneration) this.shift(nowMs);
    this.current.add(id);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** How far back ids are surely remembered now (the age of the older generation, capped at the TTL). */
  windowMs(nowMs: number): number {
    this.rotate(nowMs);
    return Math.min(this.ttlMs, Math.max(0, nowMs - this.previousSince));
  }

  private rotate(nowMs: number): void {
    if (nowMs - this.currentSince < this.ttlMs) return;
    // Both generations are past the TTL after a long idle spell: forget everything.
    if (nowMs - this.currentSince >= 2 * this.ttlMs) {
      this.current = new Set();
      this.previous = new Set();
      this.currentSince = nowMs;
      this.previousSince = nowMs - this.ttlMs;
      return;
    }
    this.shift(nowMs);
  }

  private shift(nowMs: number): void {
    this.previous = this.current;
    this.previousSince = this.currentSince;
    this.current = new Set();
    this.currentSince = nowMs;
  }
}
