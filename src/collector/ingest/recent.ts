import { FingerprintSet, type Fingerprint } from './fingerprint-set';

/** What one generation holds: a Set, or a typed-array set for fingerprints. */
interface KeySet<K> {
  readonly size: number;
  has(key: K): boolean;
  add(key: K): unknown;
}

/**
 * A set of recently seen keys with a time-to-live and a hard size bound: event ids and content
 * fingerprints for duplicates, the play ids that were started.
 *
 * Two generations: new keys go into `current`; when `current` is older than the TTL (or holds
 * `maxPerGeneration` keys) it becomes `previous` and the old `previous` is dropped whole. So a key
 * is remembered for at least the TTL and at most twice the TTL, expiry costs nothing per key, and
 * memory never exceeds 2 × maxPerGeneration keys. Under a flood the size bound wins over the TTL
 * and the effective window shrinks; `windowMs()` reports what is really covered, for a gauge.
 */
export class RecentKeys<K> {
  private current: KeySet<K>;
  private previous: KeySet<K>;
  private currentSince: number;
  private previousSince: number;

  constructor(
    readonly ttlMs: number,
    readonly maxPerGeneration: number,
    nowMs: number,
    private readonly empty: () => KeySet<K>,
  ) {
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs: expected a positive number, got ${ttlMs}`);
    if (!(maxPerGeneration >= 1)) throw new RangeError(`maxPerGeneration: expected at least 1, got ${maxPerGeneration}`);
    this.current = empty();
    this.previous = empty();
    this.currentSince = nowMs;
    this.previousSince = nowMs;
  }

  has(key: K, nowMs: number): boolean {
    this.rotate(nowMs);
    return this.current.has(key) || this.previous.has(key);
  }

  add(key: K, nowMs: number): void {
    this.rotate(nowMs);
    if (this.current.size >= this.maxPerGeneration) this.shift(nowMs);
    this.current.add(key);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** How far back keys are surely remembered now (the age of the older generation, capped at the TTL). */
  windowMs(nowMs: number): number {
    this.rotate(nowMs);
    return Math.min(this.ttlMs, Math.max(0, nowMs - this.previousSince));
  }

  private rotate(nowMs: number): void {
    if (nowMs - this.currentSince < this.ttlMs) return;
    // Both generations are past the TTL after a long idle spell: forget everything.
    if (nowMs - this.currentSince >= 2 * this.ttlMs) {
      this.current = this.empty();
      this.previous = this.empty();
      this.currentSince = nowMs;
      this.previousSince = nowMs - this.ttlMs;
      return;
    }
    this.shift(nowMs);
  }

  private shift(nowMs: number): void {
    this.previous = this.current;
    this.previousSince = this.currentSince;
    this.current = this.empty();
    this.currentSince = nowMs;
  }
}

export class RecentIds extends RecentKeys<string> {
  constructor(ttlMs: number, maxPerGeneration: number, nowMs: number) {
    super(ttlMs, maxPerGeneration, nowMs, () => new Set<string>());
  }
}

/** Content fingerprints, in typed arrays: millions of them are 16 bytes each and nothing for the GC to trace. */
export class RecentFingerprints extends RecentKeys<Fingerprint> {
  constructor(ttlMs: number, maxPerGeneration: number, nowMs: number) {
    super(ttlMs, maxPerGeneration, nowMs, () => new FingerprintSet(maxPerGeneration));
  }
}
