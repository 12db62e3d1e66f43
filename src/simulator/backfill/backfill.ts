import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StreamingEvent } from '../../common/events/schema';
import { REFERENCE_USD_RATES } from '../../common/exchange-rates';
import { ActiveUsers } from '../../collector/aggregation/active-users';
import { streamingRecorder } from '../../collector/aggregation/aggregate';
import { DEFAULTS as COLLECTOR_DEFAULTS } from '../../collector/config';
import { Ingest } from '../../collector/ingest/batch';
import { Simulation, type EmittedEvent } from '../generate/engine';
import { deliver } from '../generate/telemetry';
import type { IncidentSet } from '../model/incidents';
import { OpenMetricsSink } from './openmetrics-sink';

/**
 * Backfill: what a collector would have exported over a past window, had the simulator been
 * sending to it live. The events are the live mode's (same generator, same seed, same
 * telemetry incidents), judged by the collector's own Ingest (rules, duplicates, play state)
 * and aggregated by its own code; the series are sampled every `intervalMs` like a scrape and
 * written as OpenMetrics chunk files for `promtool tsdb create-blocks-from openmetrics`.
 */

export interface BackfillOptions {
  seed: number;
  users: number;
  startMs: number;
  endMs: number;
  intervalMs: number;
  /** simulated before startMs so sessions are in flight when sampling begins */
  warmupMs: number;
  incidents: IncidentSet;
  outDir: string;
  /** time covered by one output file */
  chunkMs: number;
  /** labels on every series, standing in for the scrape's job and instance */
  seriesLabels: Readonly<Record<string, string>>;
  /** USD rates exported as encore_exchange_rate_usd, as the collector does */
  exchangeRates?: Readonly<Record<string, number>>;
  onChunk?: (chunk: ChunkWritten) => void | Promise<void>;
  onProgress?: (progress: BackfillProgress) => void;
}

export interface ChunkWritten {
  path: string;
  fromMs: number;
  toMs: number;
  lines: number;
}

export interface BackfillProgress {
  simulatedMs: number;
  totalMs: number;
  events: number;
  accepted: number;
  rejected: number;
  duplicate: number;
}

export interface BackfillResult extends BackfillProgress {
  chunks: ChunkWritten[];
  samples: number;
}

const BATCH = 1000;

export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  if (!(options.endMs > options.startMs)) throw new RangeError('backfill: the end must be after the start');
  if (!(options.intervalMs >= 1000)) throw new RangeError('backfill: the interval must be at least 1 s');
  await mkdir(options.outDir, { recursive: true });
  const simulationStart = options.startMs - options.warmupMs;
  const simulation = new Simulation({ seed: options.seed, users: options.users, startMs: simulationStart, incidents: options.incidents });
  const sink = new OpenMetricsSink(options.seriesLabels);
  const activeUsers = new ActiveUsers(COLLECTOR_DEFAULTS.activeWindowMs);
  const ingest = new Ingest(COLLECTOR_DEFAULTS, streamingRecorder(sink, activeUsers), simulationStart);
  const rates = Object.entries(options.exchangeRates ?? REFERENCE_USD_RATES).map(([currency, value]) => ({ labels: { currency }, value }));

  const totals: BackfillProgress = { simulatedMs: 0, totalMs: options.endMs - simulationStart, events: 0, accepted: 0, rejected: 0, duplicate: 0 };
  const chunks: ChunkWritten[] = [];
  let batch: StreamingEvent[] = [];
  let batchTime = simulationStart;
  const flush = () => {
    if (batch.length === 0) return;
    const result = ingest.process(batch, batchTime);
    totals.accepted += result.accepted;
    totals.rejected += result.rejected;
    totals.duplicate += result.duplicate;
    batch = [];
  };
  const emit = (out: EmittedEvent) => {
    for (const event of deliver(out, options.incidents)) {
      batch.push(event);
      totals.events++;
    }
    batchTime = out.timeMs;
    if (batch.length >= BATCH) flush();
  };

  let samples = 0;
  let chunkStart = options.startMs;
  const writeChunk = async (toMs: number) => {
    if (sink.samples === 0) return;
    const path = join(options.outDir, `encore-${new Date(chunkStart).toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z')}.om`);
    const stream = createWriteStream(path);
    let lines = 0;
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      lines = sink.writeChunk((text) => stream.write(text));
      stream.end(resolve);
    });
    const chunk = { path, fromMs: chunkStart, toMs, lines };
    chunks.push(chunk);
    await options.onChunk?.(chunk);
    chunkStart = toMs;
  };

  // Sample times are whole multiples of the interval, like a scrape schedule.
  for (let t = Math.ceil(options.startMs / options.intervalMs) * options.intervalMs; t <= options.endMs; t += options.intervalMs) {
    simulation.advance(t, emit);
    batchTime = t;
    flush();
    sink.sample(t, { activeUsers: () => activeUsers.counts(t), exchangeRate: () => rates });
    samples++;
    totals.simulatedMs = t - simulationStart;
    options.onProgress?.(totals);
    if (t - chunkStart >= options.chunkMs) await writeChunk(t + options.intervalMs);
  }
  await writeChunk(options.endMs);
  return { ...totals, chunks, samples };
}
