/**
 * Hash-based randomness. Every random-looking number in the demo is a pure function of
 * (seed, stream, integer index), so a sample has the same value whatever range, step or source
 * instance asks for it; a stateful RNG would make values depend on what was generated before.
 */

const TWO_POW_32 = 4294967296;

/** A 32-bit finaliser with full avalanche (Chris Wellons' "lowbias32"). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The key of one noise stream: hashing a (seed, stream) pair once lets the per-sample hash
 * below do only the index half of the work.
 */
export function streamKey(a: number, b: number): number {
  return mix32(mix32(a ^ 0x9e3779b9) ^ b);
}

/**
 * Hash of a stream key and an integer index of any safe magnitude (negative indexes are
 * timestamps before 1970 and must not collide with positive ones).
 */
export function hashAt(key: number, index: number): number {
  const lo = index >>> 0;
  const hi = Math.floor(index / TWO_POW_32) | 0;
  return mix32(mix32(key ^ lo) ^ hi ^ 0x632be5ab);
}

/** hashAt(streamKey(a, b), index), for one-off draws. */
export function hash3(a: number, b: number, index: number): number {
  return hashAt(streamKey(a, b), index);
}

/** Uniform in [0, 1). */
export function unit(hash: number): number {
  return hash / TWO_POW_32;
}

/** Uniform in [-1, 1). */
export function signedUnit(hash: number): number {
  return hash / 2147483648 - 1;
}

/**
 * Triangular in [-1, 1] from the two halves of one hash: sums of uniforms look more like
 * measurement noise than a flat distribution does, at the cost of one hash.
 */
export function triangular(hash: number): number {
  return ((hash & 0xffff) + (hash >>> 16)) / 65535 - 1;
}

/** FNV-1a over UTF-16 code units: stable ids for series keys, independent of catalogue order. */
export function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** Folds a seed into 32 bits. Any safe integer is a valid seed, negative ones included. */
export function seedHash(seed: number): number {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`demo source seed must be a safe integer, got ${String(seed)}`);
  }
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) | 0;
  return mix32(mix32(lo ^ 0x85ebca6b) ^ hi);
}
