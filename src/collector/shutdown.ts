import type { Logger } from './log';
import type { Collector } from './server';

/**
 * Graceful stop on SIGTERM/SIGINT: refuse new batches (503, readyz 503), let the batches in
 * flight finish (their events are counted), keep serving /metrics for `drainSeconds` so
 * Prometheus gets a final scrape with everything that was acknowledged, then close and exit 0.
 * A second signal skips the wait.
 */
export function handleSignals(collector: Collector, drainSeconds: number, log: Logger, exit: (code: number) => void = process.exit): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn('second signal: exiting without waiting for the final scrape', { signal });
      exit(0);
      return;
    }
    stopping = true;
    void drain(signal);
  };
  const drain = async (signal: NodeJS.Signals) => {
    log.info('draining: new batches get 503, /readyz 503', { signal, inFlight: collector.inFlight(), drainSeconds });
    await collector.beginDrain();
    log.info('in-flight batches done; serving /metrics for the final scrape', { drainSeconds });
    await new Promise((resolve) => setTimeout(resolve, drainSeconds * 1000));
    await collector.close();
    log.info('stopped');
    exit(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
