/**
 * Concurrent identical upstream requests become one: the first caller starts the call, callers
 * with the same key that arrive while it runs wait for its answer. Cancellation is per caller:
 * one that gives up (its Grafana request was cancelled) leaves with an abort error, and the
 * upstream call itself is aborted only when every caller waiting for it has left.
 * The answer is shared: callers must not modify it.
 */

interface Call<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
  /** the signal of the caller that started the call */
  leader?: AbortSignal;
}

export class Singleflight<T> {
  private readonly calls = new Map<string, Call<T>>();

  /** @param onShared called whenever a caller joins a call already in flight */
  constructor(private readonly onShared: () => void = () => {}) {}

  get inFlight(): number {
    return this.calls.size;
  }

  run(key: string, call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal, retried = false): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    let current = this.calls.get(key);
    const joining = current !== undefined;
    if (current) this.onShared();
    else {
      const controller = new AbortController();
      const started: Call<T> = { controller, waiters: 0, leader: signal, promise: Promise.resolve() as Promise<T> };
      started.promise = (async () => {
        try {
          return await call(controller.signal);
        } finally {
          if (this.calls.get(key) === started) this.calls.delete(key);
        }
      })();
      // Every waiter may have left by the time it fails: that is not an unhandled rejection.
      started.promise.catch(() => {});
      this.calls.set(key, started);
      current = started;
    }
    const joined = current;
    joined.waiters++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const leave = () => {
        joined.waiters--;
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        if (settled) return;
        settled = true;
        leave();
        if (joined.waiters === 0) {
          if (this.calls.get(key) === joined) this.calls.delete(key);
          joined.controller.abort(abortReason(signal!));
        }
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      joined.promise.then(
        (value) => {
          if (settled) return;
          settled = true;
          leave();
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          leave();
          // The caller that started the call gave up (and the upstream call may have honoured
          // its signal rather than ours): those still waiting try once more on their own.
          if (joining && !retried && joined.leader?.aborted && !signal?.aborted) resolve(this.run(key, call, signal, true));
          else reject(error);
        },
      );
    });
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
