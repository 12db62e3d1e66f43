import { useCallback, useEffect, useState } from 'react';

/** What an async load is doing: the page renders each state (spinner, error, value) explicitly. */
export type Load<T> = { status: 'loading' } | { status: 'done'; value: T } | { status: 'error'; error: Error };

/**
 * Runs `load` when `deps` change or `reload()` is called, and keeps only the newest answer: a
 * slow earlier request that finishes late never overwrites a newer one, and nothing is set after
 * the component unmounts.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): [Load<T>, () => void] {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    load().then(
      (value) => current && setState({ status: 'done', value }),
      (error: unknown) => current && setState({ status: 'error', error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      current = false;
    };
    // `load` is a fresh closure every render; `deps` say when it means something new.
  }, [...deps, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return [state, reload];
}
