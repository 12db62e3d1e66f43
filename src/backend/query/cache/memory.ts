/**
 * The in-process cache: least recently used entries go first once the byte budget is spent, and
 * every entry has its own expiry. A Map keeps insertion order, so re-inserting an entry on use
 * makes the first key the least recently used one.
 */

interface Slot<V> {
  value: V;
  bytes: number;
  expiresAt: number;
}

export interface LruStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  evictions: number;
}

export class ByteLru<V> {
  private readonly slots = new Map<string, Slot<V>>();
  private used = 0;
  private evicted = 0;

  constructor(
    readonly maxBytes: number,
    private readonly onEvict: () => void = () => {},
  ) {}

  /** The value, unless absent or expired at nowMs (an expired entry is dropped). */
  get(key: string, nowMs: number): V | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    this.slots.delete(key);
    if (slot.expiresAt <= nowMs) {
      this.used -= slot.bytes;
      return undefined;
    }
    this.slots.set(key, slot);
    return slot.value;
  }

  /** Stores a value of `bytes` until expiresAt; one larger than the whole budget is not kept. */
  set(key: string, value: V, bytes: number, expiresAt: number): void {
    this.delete(key);
    if (bytes > this.maxBytes) return;
    this.slots.set(key, { value, bytes, expiresAt });
    this.used += bytes;
    if (this.used <= this.maxBytes) return;
    for (const [oldest, slot] of this.slots) {
      if (this.used <= this.maxBytes) break;
      this.slots.delete(oldest);
      this.used -= slot.bytes;
      this.evicted++;
      this.onEvict();
    }
  }

  delete(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    this.slots.delete(key);
    this.used -= slot.bytes;
  }

  clear(): void {
    this.slots.clear();
    this.used = 0;
  }

  get size(): number {
    return this.slots.size;
  }

  stats(): LruStats {
    return { entries: this.slots.size, bytes: this.used, maxBytes: this.maxBytes, evictions: this.evicted };
  }
}
