import { UpstreamError } from '../errors';

/**
 * Retries for idempotent upstream reads (every Prometheus API call Encore makes is one: GET, or
 * POST of a query_range/query form, which only reads). Exponential backoff with full jitter
 * (each wait uniformly random between 0 and the capped exponential step), so that many panels
 * failing together do not come back in lockstep; the caller's deadline bounds the whole thing.
 */

export interface RetryPolicy {
  /** extra attempts after the first */
  retries: number;
  /** the first step of the backoff */
  baseDelayMs: number;
  /** no wait is longer than this */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 2, baseDelayMs: 100, maxDelayMs: 2_000 };

/** The wait before retry number `retry` (0 = the first retry). */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * cap);
}

/** Upstream HTTP statuses worth another attempt: overload and gateway trouble, which pass. */
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Connection failures worth another attempt (the request did not get an answer). */
const RETRY_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);

/**
 * Whether a failed call may succeed when repeated. Not: answers that will not change (bad query,
 * auth, not Prometheus, too large), refusals by Encore's own policy, timeouts of the call's own
 * deadline (nothing is left of it).
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false;
  if (error.upstreamStatus !== undefined) return RETRY_STATUSES.has(error.upstreamStatus) && error.kind !== 'bad_query';
  const code = causeCode(error);
  return code !== undefined && RETRY_CODES.has(code);
}

/**
 * What made a retried attempt fail, for the retries counter: the upstream's HTTP status ("503") or
 * the connection error code ("ECONNREFUSED"); a small closed set (RETRY_STATUSES, RETRY_CODES).
 */
export function retryReason(error: unknown): string {
  if (error instanceof UpstreamError && error.upstreamStatus !== undefined) return String(error.upstreamStatus);
  const code = error instanceof Error ? causeCode(error) : undefined;
  return code !== undefined && RETRY_CODES.has(code) ? code : 'other';
}

function causeCode(error: Error): string | undefined {
  const cause = (error as { cause?: unknown }).cause;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export interface RetryHooks {
  signal?: AbortSignal;
  /** waits ms, resolving early when the signal aborts (tests pass a fake) */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** called before each retry */
  onRetry?: (retry: number, error: unknown, delayMs: number) => void;
  retryable?: (error: unknown) => boolean;
}

/** Runs `attempt` until it succeeds, fails in a way not worth retrying, or the retries run out. */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? abortableSleep;
  const retryable = hooks.retryable ?? isRetryable;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.retries || !retryable(error) || hooks.signal?.aborted) throw error;
      const delay = backoffMs(n, policy, hooks.random);
      hooks.onRetry?.(n + 1, error, delay);
      await sleep(delay, hooks.signal);
      // The deadline passed while waiting: the last failure says more than a timeout would.
      if (hooks.signal?.aborted) throw error;
    }
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
