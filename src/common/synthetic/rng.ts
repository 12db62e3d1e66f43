import { mix32 } from './hash';

/**
 * A small seeded generator (sfc32) and the distributions the simulator draws from. Each session
 * gets its own generator seeded from (seed, tick, segment, arrival) hashes, so what a session
 * does never depends on what was generated before it: live mode and backfill produce the same
 * sessions for the same seed, whatever window they cover.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...seeds: number[]) {
    let h = 0x243f6a88;
    for (const seed of seeds) h = mix32(h ^ mix32(seed >>> 0) ^ Math.floor(seed / 4294967296));
    this.a = mix32(h ^ 0x9e3779b9);
    this.b = mix32(this.a ^ 0x85ebca6b);
    this.c = mix32(this.b ^ 0xc2b2ae35);
    this.d = 1;
    // The first outputs of sfc32 still carry the seed's structure; skip them.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box-Muller; one of the pair is dropped to keep the generator stateless). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Log-normal with the given median and log-space standard deviation. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Poisson: inversion for small means, a rounded normal for large ones (error well under 1 %). */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    let k = 0;
    let p = Math.exp(-mean);
    let cumulative = p;
    const u = this.next();
    while (u > cumulative && k < 1000) {
      k++;
      p *= mean / k;
      cumulative += p;
    }
    return k;
  }

  /** Geometric number of trials >= 1 with the given mean (>= 1). */
  geometric(mean: number): number {
    if (mean <= 1) return 1;
    const p = 1 / mean;
    return 1 + Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }

  /** Index drawn from cumulative weights (ascending, last = total). */
  pick(cumulative: ArrayLike<number>): number {
    const total = cumulative[cumulative.length - 1]!;
    const u = this.next() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (cumulative[mid]! > u) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}

/** Cumulative sums of weights, for Rng.pick. */
export function cumulativeWeights(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((weight, i) => {
    total += Math.max(0, weight);
    out[i] = total;
  });
  return out;
}
