/** A 64-bit fingerprint as two unsigned 32-bit words. */
export interface Fingerprint {
  readonly low: number;
  readonly high: number;
}

/**
 * A set of 64-bit fingerprints in one Uint32Array: open addressing, linear probing, at most half
 * full (it doubles before that). A JavaScript Set would hold a string or a boxed number per
 * entry; at the collector's million fingerprints per generation that is tens of bytes each plus
 * the garbage collector's time tracing them, against 8 to 16 bytes here. No deletion: the
 * collector drops a whole generation at once (recent.ts).
 */
export class FingerprintSet {
  private words: Uint32Array;
  /** log2 of the slot count */
  private bits: number;
  private count = 0;

  /** `expectedSize` only sizes the first table; the set grows past it. */
  constructor(expectedSize = 0) {
    this.bits = Math.max(4, Math.ceil(Math.log2(Math.max(1, 2 * expectedSize))));
    this.words = new Uint32Array(2 << this.bits);
  }

  get size(): number {
    return this.count;
  }

  has(fingerprint: Fingerprint): boolean {
    const low = fingerprint.low >>> 0;
    return this.find(low, storedHigh(low, fingerprint.high >>> 0)) < 0;
  }

  /** Adds the fingerprint; false when it was already there. */
  add(fingerprint: Fingerprint): boolean {
    const low = fingerprint.low >>> 0;
    const high = storedHigh(low, fingerprint.high >>> 0);
    const slot = this.find(low, high);
    if (slot < 0) return false;
    this.words[2 * slot] = low;
    this.words[2 * slot + 1] = high;
    this.count++;
    if (2 * this.count > 1 << this.bits) this.grow();
    return true;
  }

  /** The slot holding the fingerprint as -1 - slot, or the empty slot where it would go. */
  private find(low: number, high: number): number {
    const words = this.words;
    const mask = (1 << this.bits) - 1;
    // Fibonacci hashing: the top bits of a multiplication spread any words evenly over the slots.
    let slot = Math.imul(low ^ high, 0x9e3779b1) >>> (32 - this.bits);
    for (;;) {
      const l = words[2 * slot]!;
      const h = words[2 * slot + 1]!;
      if (l === low && h === high) return -1 - slot;
      if (l === 0 && h === 0) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.words;
    this.bits++;
    this.words = new Uint32Array(2 << this.bits);
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      const low = old[i]!;
      const high = old[i + 1]!;
      if (low === 0 && high === 0) continue;
      const slot = this.find(low, high);
      this.words[2 * slot] = low;
      this.words[2 * slot + 1] = high;
      this.count++;
    }
  }
}

/** (0, 0) marks an empty slot, so that fingerprint is kept as (0, 1), and taken for it: a 2^-64 chance. */
function storedHigh(low: number, high: number): number {
  return low === 0 && high === 0 ? 1 : high;
}
