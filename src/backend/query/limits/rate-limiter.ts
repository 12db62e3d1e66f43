import { LimitError } from './errors';
import type { QueryLimits } from './options';
import { TokenBucket } from './token-bucket';

/**
 * Rate limits per organisation and per user of a data source: one token bucket each, a query takes
 * a token from both (or from neither: a refusal by the organisation's bucket does not cost the
 * user a token). Requests without a user (alerting's service identity) count against the
 * organisation only. Buckets live in the backend process, keyed by data source uid, so the limits
 * hold per Grafana server; behind several Grafana replicas each one enforces its own.
 */

export interface Caller {
  /** data source uid ('' for none) */
  dataSource: string;
  orgId: number;
  /** Grafana login; undefined when the request has no user */
  user?: string;
}

/** Bucket entries kept at most; full buckets are dropped first (a full bucket equals a new one). */
const MAX_BUCKETS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Takes one token for the caller, or throws LimitError (status 429) naming the exhausted limit. */
  admit(caller: Caller, limits: Pick<QueryLimits, 'org' | 'user'>): void {
    const nowMs = this.now();
    const org = limits.org ? this.bucket(`o\u0000${caller.dataSource}\u0000${caller.orgId}`, limits.org, nowMs) : undefined;
    const user =
      limits.user && caller.user !== undefined && caller.user !== ''
        ? this.bucket(`u\u0000${caller.dataSource}\u0000${caller.orgId}\u0000${caller.user}`, limits.user, nowMs)
        : undefined;
    if (user && !user.canTake(nowMs)) {
      const { ratePerSecond, burst } = limits.user!;
      throw new LimitError(
        'rateLimitUserQps',
        ratePerSecond,
        `rate limit: user "${caller.user}" sent more than ${ratePerSecond} queries/s (burst ${burst}) to this data source ` +
          `(limit rateLimitUserQps = ${ratePerSecond}, rateLimitUserBurst = ${burst}); retry in ${seconds(user.waitMs(nowMs))}`,
        'rate_limited',
      );
    }
    if (org && !org.canTake(nowMs)) {
      const { ratePerSecond, burst } = limits.org!;
      throw new LimitError(
        'rateLimitOrgQps',
        ratePerSecond,
        `rate limit: organisation ${caller.orgId} sent more than ${ratePerSecond} queries/s (burst ${burst}) to this data source ` +
          `(limit rateLimitOrgQps = ${ratePerSecond}, rateLimitOrgBurst = ${burst}); retry in ${seconds(org.waitMs(nowMs))}`,
        'rate_limited',
      );
    }
    user?.take(nowMs);
    org?.take(nowMs);
  }

  get size(): number {
    return this.buckets.size;
  }

  private bucket(key: string, config: NonNullable<QueryLimits['org']>, nowMs: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.reconfigure(config, nowMs);
      return bucket;
    }
    if (this.buckets.size >= MAX_BUCKETS) this.prune(nowMs);
    bucket = new TokenBucket(config, nowMs);
    this.buckets.set(key, bucket);
    return bucket;
  }

  private prune(nowMs: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull(nowMs)) this.buckets.delete(key);
    // Still too many busy callers: forget the oldest (they restart with a full bucket).
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < MAX_BUCKETS) break;
      this.buckets.delete(key);
    }
  }
}

function seconds(ms: number): string {
  return ms < 1000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}
