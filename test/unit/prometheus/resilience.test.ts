// Retries with jitter and the circuit breaker (src/backend/sources/resilience), with fake clocks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UpstreamError } from '../../../src/backend/sources/errors';
import { CircuitBreaker } from '../../../src/backend/sources/resilience/circuit-breaker';
import { backoffMs, isRetryable, retryReason, withRetries } from '../../../src/backend/sources/resilience/retry';

const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000 };
const refused = () => new UpstreamError('refused', 'refused', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });

describe('backoffMs', () => {
  it('is full jitter over an exponential step, capped', () => {
    assert.equal(backoffMs(0, policy, () => 0.999), 99);
    assert.equal(backoffMs(2, policy, () => 0.5), 200);
    assert.equal(backoffMs(10, policy, () => 0.999), 999);
    assert.equal(backoffMs(3, policy, () => 0), 0);
  });
});

describe('isRetryable', () => {
  it('retries connection failures and overload answers, nothing that would answer the same again', () => {
    assert.equal(isRetryable(refused()), true);
    for (const status of [429, 500, 502, 503, 504]) assert.equal(isRetryable(new UpstreamError('server', 's', { upstreamStatus: status })), true, String(status));
    for (const status of [400, 401, 404, 422]) assert.equal(isRetryable(new UpstreamError('bad_query', 's', { upstreamStatus: status })), false, String(status));
    assert.equal(isRetryable(new UpstreamError('timeout', 'deadline')), false, 'the deadline is spent');
    assert.equal(isRetryable(new UpstreamError('blocked', 'policy')), false);
    assert.equal(isRetryable(new UpstreamError('dns', 'nx', { cause: Object.assign(new Error(), { code: 'ENOTFOUND' }) })), false);
    assert.equal(isRetryable(new UpstreamError('dns', 'again', { cause: Object.assign(new Error(), { code: 'EAI_AGAIN' }) })), true);
    assert.equal(isRetryable(new Error('bug')), false);
  });
});

describe('retryReason', () => {
  it('names the HTTP status or the connection error code, from a closed set', () => {
    assert.equal(retryReason(new UpstreamError('server', 's', { upstreamStatus: 503 })), '503');
    assert.equal(retryReason(refused()), 'ECONNREFUSED');
    assert.equal(retryReason(new UpstreamError('dns', 'x', { cause: Object.assign(new Error(), { code: 'SOMETHING_ODD' }) })), 'other');
    assert.equal(retryReason(new Error('bug')), 'other');
  });
});

describe('withRetries', () => {
  const noSleep = { sleep: async () => {}, random: () => 0.5 };

  it('retries until success, with growing waits', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async () => {
        if (++calls < 3) throw refused();
        return 'ok';
      },
      policy,
      { ...noSleep, onRetry: (_n, _e, delay) => waits.push(delay) },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 3);
    assert.deepEqual(waits, [50, 100]);
  });

  it('gives up after the retries, with the last failure', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(
        async () => {
          calls++;
          throw refused();
        },
        policy,
        noSleep,
      ),
      /refused/,
    );
    assert.equal(calls, 4);
  });

  it('does not retry what is not worth it, nor after the deadline', async () => {
    let calls = 0;
    await assert.rejects(withRetries(async () => { calls++; throw new UpstreamError('bad_query', 'bad', { upstreamStatus: 400 }); }, policy, noSleep));
    assert.equal(calls, 1);
    const deadline = new AbortController();
    calls = 0;
    await assert.rejects(
      withRetries(
        async () => {
          calls++;
          deadline.abort();
          throw refused();
        },
        policy,
        { ...noSleep, signal: deadline.signal },
      ),
    );
    assert.equal(calls, 1);
  });
});

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, probes once after the cooldown, closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000 }, () => now);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(breaker.acquire(), { allowed: true, probe: false });
      breaker.failure('refused');
    }
    breaker.success();
    assert.equal(breaker.snapshot().consecutiveFailures, 0, 'a success resets the count');
    for (let i = 0; i < 3; i++) breaker.failure('refused');
    assert.equal(breaker.state, 'open');
    assert.deepEqual(breaker.acquire(), { allowed: false, retryInMs: 1000 });
    now = 400;
    assert.deepEqual(breaker.snapshot(), { state: 'open', consecutiveFailures: 3, failureThreshold: 3, cooldownMs: 1000, retryInMs: 600, lastFailure: 'refused', opened: 1 });
    now = 1000;
    assert.equal(breaker.state, 'half_open');
    assert.deepEqual(breaker.acquire(), { allowed: true, probe: true });
    assert.equal(breaker.acquire().allowed, false, 'one probe at a time');
    breaker.success();
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(breaker.acquire(), { allowed: true, probe: false });
  });

  it('opens again for a full cooldown when the probe fails; a cancelled probe frees the slot', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000 }, () => now);
    breaker.failure();
    now = 1000;
    assert.equal(breaker.acquire().allowed, true);
    breaker.release(true);
    assert.deepEqual(breaker.acquire(), { allowed: true, probe: true });
    breaker.failure('still down');
    assert.equal(breaker.state, 'open');
    now = 1999;
    assert.equal(breaker.acquire().allowed, false);
    now = 2000;
    assert.equal(breaker.acquire().allowed, true);
    assert.equal(breaker.snapshot().opened, 2);
  });

  it('never opens with a threshold of 0', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 0, cooldownMs: 1000 }, () => 0);
    for (let i = 0; i < 100; i++) breaker.failure();
    assert.equal(breaker.state, 'closed');
  });

  it('tells every state change once, the end of the cooldown when it is next consulted', () => {
    let now = 0;
    const moves: string[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000 }, () => now, (to, from) => moves.push(`${from}->${to}`));
    breaker.failure();
    breaker.success();
    assert.deepEqual(moves, [], 'closed stays closed');
    breaker.failure();
    breaker.failure();
    breaker.failure();
    assert.deepEqual(moves, ['closed->open']);
    now = 1000;
    assert.deepEqual(moves, ['closed->open'], 'nothing happens by itself');
    assert.equal(breaker.snapshot().state, 'half_open');
    assert.equal(breaker.acquire().allowed, true);
    breaker.failure('probe failed');
    now = 2000;
    assert.equal(breaker.acquire().allowed, true);
    breaker.success();
    assert.deepEqual(moves, ['closed->open', 'open->half_open', 'half_open->open', 'open->half_open', 'half_open->closed']);
  });
});
