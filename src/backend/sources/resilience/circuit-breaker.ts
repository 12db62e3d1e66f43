/**
 * A circuit breaker per upstream: after `failureThreshold` consecutive failed calls it opens and
 * refuses calls at once (no waiting for timeouts against a store that is down, no pile of retries
 * making it worse); after `cooldownMs` one call goes through as a probe (half-open); the probe's
 * success closes the breaker, its failure opens it for another cooldown. A pure state machine:
 * the caller says what happened and supplies the clock.
 */

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerConfig {
  /** 0 turns the breaker off (it never opens) */
  failureThreshold: number;
  cooldownMs: number;
}

export type Permit = { allowed: true; probe: boolean } | { allowed: false; retryInMs: number };

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  failureThreshold: number;
  cooldownMs: number;
  /** when open: ms until a probe may go */
  retryInMs?: number;
  /** the failure that opened it (already free of secrets: upstream error messages) */
  lastFailure?: string;
  /** how often it opened since the process started */
  opened: number;
}

export class CircuitBreaker {
  private stateNow: BreakerState = 'closed';
  private failures = 0;
  private openedAtMs = 0;
  private probing = false;
  private lastFailure: string | undefined;
  private openedCount = 0;

  constructor(
    private readonly config: BreakerConfig,
    private readonly now: () => number = () => performance.now(),
    /**
     * Told of every state change (metrics). Open -> half-open happens with the passing of time and
     * is noticed, and told, the next time the breaker is consulted (a call, a health check, a scrape).
     */
    private readonly onTransition?: (to: BreakerState, from: BreakerState) => void,
  ) {}

  get state(): BreakerState {
    this.advance();
    return this.stateNow;
  }

  /** Before a call. A probe permit must be answered with success(), failure() or release(). */
  acquire(): Permit {
    this.advance();
    if (this.stateNow === 'closed') return { allowed: true, probe: false };
    if (this.stateNow === 'half_open' && !this.probing) {
      this.probing = true;
      return { allowed: true, probe: true };
    }
    return { allowed: false, retryInMs: this.retryInMs() };
  }

  /** The upstream answered. */
  success(): void {
    this.failures = 0;
    this.probing = false;
    this.move('closed');
  }

  /** The upstream failed (transport failure or 5xx). */
  failure(description?: string): void {
    this.lastFailure = description ?? this.lastFailure;
    this.failures++;
    const probeFailed = this.stateNow === 'half_open';
    this.probing = false;
    if (this.config.failureThreshold <= 0) return;
    if (probeFailed || (this.stateNow === 'closed' && this.failures >= this.config.failureThreshold)) this.open();
  }

  /** The call ended without telling anything (cancelled by the caller): a probe slot is freed. */
  release(probe: boolean): void {
    if (probe) this.probing = false;
  }

  snapshot(): BreakerSnapshot {
    this.advance();
    return {
      state: this.stateNow,
      consecutiveFailures: this.failures,
      failureThreshold: this.config.failureThreshold,
      cooldownMs: this.config.cooldownMs,
      ...(this.stateNow === 'open' ? { retryInMs: this.retryInMs() } : {}),
      ...(this.lastFailure !== undefined && this.failures > 0 ? { lastFailure: this.lastFailure } : {}),
      opened: this.openedCount,
    };
  }

  private open(): void {
    this.openedAtMs = this.now();
    this.openedCount++;
    this.move('open');
  }

  private advance(): void {
    if (this.stateNow === 'open' && this.now() - this.openedAtMs >= this.config.cooldownMs) this.move('half_open');
  }

  private move(to: BreakerState): void {
    const from = this.stateNow;
    if (from === to) return;
    this.stateNow = to;
    this.onTransition?.(to, from);
  }

  private retryInMs(): number {
    if (this.stateNow !== 'open') return 0;
    return Math.max(0, Math.ceil(this.openedAtMs + this.config.cooldownMs - this.now()));
  }
}
