import type { BucketConfig } from './options';

/**
 * A token bucket: `burst` tokens at most, refilled continuously at `ratePerSecond`; a query takes
 * one. Time comes from the caller (epoch or monotonic ms), so the bucket is a pure state machine.
 */
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    private config: BucketConfig,
    nowMs: number,
  ) {
    this.tokens = config.burst;
    this.updatedMs = nowMs;
  }

  /** New settings keep the tokens earned so far, clamped to the new size. */
  reconfigure(config: BucketConfig, nowMs: number): void {
    if (config.ratePerSecond === this.config.ratePerSecond && config.burst === this.config.burst) return;
    this.refill(nowMs);
    this.config = config;
    this.tokens = Math.min(this.tokens, config.burst);
  }

  /** Tokens available now (fractional). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  /** Whether `cost` tokens are there; does not take them. */
  canTake(nowMs: number, cost = 1): boolean {
    return this.available(nowMs) >= cost;
  }

  take(nowMs: number, cost = 1): boolean {
    if (!this.canTake(nowMs, cost)) return false;
    this.tokens -= cost;
    return true;
  }

  /** ms until `cost` tokens are there (0 when they are now). */
  waitMs(nowMs: number, cost = 1): number {
    const missing = cost - this.available(nowMs);
    return missing <= 0 ? 0 : Math.ceil((missing / this.config.ratePerSecond) * 1000);
  }

  /** A full bucket behaves like a new one: it can be forgotten. */
  isFull(nowMs: number): boolean {
    return this.available(nowMs) >= this.config.burst;
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.updatedMs);
    this.updatedMs = Math.max(this.updatedMs, nowMs);
    this.tokens = Math.min(this.config.burst, this.tokens + (elapsed / 1000) * this.config.ratePerSecond);
  }
}
