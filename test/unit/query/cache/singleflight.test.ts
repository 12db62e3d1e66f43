import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Singleflight } from '../../../../src/backend/query/cache/singleflight';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('Singleflight', () => {
  it('runs concurrent calls with the same key once, and a later call again', async () => {
    let shared = 0;
    const flights = new Singleflight<number>(() => shared++);
    let calls = 0;
    const gate = deferred<number>();
    const call = () => (calls++, gate.promise);
    const answers = Promise.all([flights.run('k', call), flights.run('k', call), flights.run('k', call)]);
    assert.equal(flights.inFlight, 1);
    gate.resolve(42);
    assert.deepEqual(await answers, [42, 42, 42]);
    assert.deepEqual([calls, shared], [1, 2]);
    assert.equal(flights.inFlight, 0);
    assert.equal(await flights.run('k', async () => (calls++, 7)), 7);
    assert.equal(calls, 2);
  });

  it('keeps different keys apart and passes a failure to every waiter', async () => {
    const flights = new Singleflight<number>();
    const gate = deferred<number>();
    const a = flights.run('a', () => gate.promise);
    const b = flights.run('b', async () => 2);
    const a2 = flights.run('a', () => gate.promise);
    gate.reject(new Error('upstream down'));
    await assert.rejects(a, /upstream down/);
    await assert.rejects(a2, /upstream down/);
    assert.equal(await b, 2);
  });

  it('lets one waiter give up without cancelling the call for the others; the last one out cancels it', async () => {
    const flights = new Singleflight<string>();
    const gate = deferred<string>();
    let upstream: AbortSignal | undefined;
    const call = (signal: AbortSignal) => ((upstream = signal), gate.promise);
    const first = new AbortController();
    const second = new AbortController();
    const p1 = flights.run('k', call, first.signal);
    const p2 = flights.run('k', call, second.signal);
    first.abort(new Error('first cancelled'));
    await assert.rejects(p1, /first cancelled/);
    assert.equal(upstream?.aborted, false, 'still needed by the second');
    gate.resolve('answer');
    assert.equal(await p2, 'answer');

    const gate2 = deferred<string>();
    const only = new AbortController();
    const p3 = flights.run('k2', (signal) => ((upstream = signal), gate2.promise), only.signal);
    only.abort();
    await assert.rejects(p3);
    assert.equal(upstream?.aborted, true, 'nobody waits any more: the upstream call is cancelled');
    assert.equal(flights.inFlight, 0);
  });

  it('retries for a waiter when the caller that started the call gave up and the call failed with it', async () => {
    const flights = new Singleflight<string>();
    let calls = 0;
    const leader = new AbortController();
    // An upstream that honours the starter's signal rather than the group's (as a per-query wrapper may).
    const call = () => {
      calls++;
      if (calls === 1) return new Promise<string>((_, reject) => leader.signal.addEventListener('abort', () => reject(new Error('cancelled'))));
      return Promise.resolve('second try');
    };
    const p1 = flights.run('k', call, leader.signal);
    const p2 = flights.run('k', call);
    leader.abort(new Error('leader cancelled'));
    await assert.rejects(p1, /leader cancelled/);
    assert.equal(await p2, 'second try');
    assert.equal(calls, 2);
  });
});
