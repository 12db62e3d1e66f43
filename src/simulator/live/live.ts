import type { StreamingEvent } from '../../common/events/schema';
import { Simulation } from '../generate/engine';
import { deliver } from '../generate/telemetry';
import type { Incident, IncidentSet } from '../model/incidents';
import { Sender, type SenderOptions } from './sender';

/**
 * Live mode: the population in real time, posted to a collector. Every `tickMs` the simulation
 * advances to the clock and what happened is sent in batches; a warm-up first replays the last
 * minutes quickly (event times in the past, which the collector accepts), so sessions are in
 * flight from the first scrape and the metrics start in steady state instead of ramping up.
 */

export interface LiveOptions {
  seed: number;
  users: number;
  incidents: IncidentSet;
  sender: SenderOptions;
  warmupMs: number;
  /** stop after this long (undefined: until stopped) */
  durationMs?: number;
  batchSize: number;
  tickMs: number;
  now?: () => number;
  /** when live time begins (default: now); the simulation starts `warmupMs` before it */
  startedMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: LiveProgress) => void;
  /** the warm-up has been delivered and sending keeps up with the clock from `atMs` on */
  onCaughtUp?: (atMs: number, warmupEvents: number) => void;
  /** every this often, onProgress is called */
  progressEveryMs: number;
}

export interface LiveProgress {
  startedMs: number;
  nowMs: number;
  generated: number;
  sent: number;
  accepted: number;
  rejected: number;
  duplicate: number;
  failedBatches: number;
  retries: number;
  sessionsInFlight: number;
  activeIncidents: Incident[];
  /** the first few rejection reasons, to show */
  lastRejections: string[];
  lastError?: string;
}

export async function runLive(options: LiveOptions): Promise<LiveProgress> {
  const now = options.now ?? Date.now;
  const startedMs = options.startedMs ?? now();
  const simulation = new Simulation({ seed: options.seed, users: options.users, startMs: startedMs - options.warmupMs, incidents: options.incidents });
  const sender = new Sender(options.sender);
  const progress: LiveProgress = {
    startedMs,
    nowMs: startedMs,
    generated: 0,
    sent: 0,
    accepted: 0,
    rejected: 0,
    duplicate: 0,
    failedBatches: 0,
    retries: 0,
    sessionsInFlight: 0,
    activeIncidents: [],
    lastRejections: [],
  };
  const pending = new Set<Promise<void>>();
  let queue: StreamingEvent[] = [];

  const ship = (events: StreamingEvent[]) => {
    const sending = sender
      .send(events, (reason) => {
        progress.retries++;
        progress.lastError = reason;
      })
      .then((answer) => {
        progress.sent += events.length;
        progress.accepted += answer.accepted;
        progress.rejected += answer.rejected;
        progress.duplicate += answer.duplicate;
        for (const rejection of answer.rejections.slice(0, 3)) {
          if (progress.lastRejections.length < 5) progress.lastRejections.push(`${rejection.field}: ${rejection.reason}`);
        }
      })
      .catch((error: unknown) => {
        progress.failedBatches++;
        progress.lastError = (error as Error).message;
      })
      .finally(() => pending.delete(sending));
    pending.add(sending);
  };

  const step = async (untilMs: number) => {
    simulation.advance(untilMs, (out) => {
      for (const event of deliver(out, options.incidents)) queue.push(event);
      progress.generated++;
      if (queue.length >= options.batchSize) {
        ship(queue);
        queue = [];
      }
    });
    if (queue.length > 0) {
      ship(queue);
      queue = [];
    }
    // Back-pressure: never let more than a few batches wait behind a slow collector.
    while (pending.size > options.sender.concurrency * 4) await Promise.race(pending);
  };

  let lastProgress = startedMs;
  const report = () => {
    progress.nowMs = now();
    progress.sessionsInFlight = simulation.inFlight;
    progress.activeIncidents = options.incidents.activeBetween(progress.nowMs, progress.nowMs + 1);
    options.onProgress?.(progress);
    progress.lastRejections = [];
  };

  try {
    // The warm-up in 10-second steps, as fast as the collector takes it.
    for (let t = startedMs - options.warmupMs; t < startedMs && !options.signal?.aborted; t += 10_000) await step(Math.min(t + 10_000, startedMs));
    // Then what happened while the warm-up was being sent, until nothing is left behind.
    await step(now());
    await Promise.all(pending);
    await step(now());
    await Promise.all(pending);
    options.onCaughtUp?.(now(), progress.sent);
    while (!options.signal?.aborted) {
      const t = now();
      if (options.durationMs !== undefined && t - startedMs >= options.durationMs) break;
      await step(t);
      if (t - lastProgress >= options.progressEveryMs) {
        report();
        lastProgress = t;
      }
      await sleep(options.tickMs - (now() % options.tickMs), options.signal);
    }
    await step(now());
    await Promise.all(pending);
  } finally {
    sender.close();
  }
  report();
  return progress;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
