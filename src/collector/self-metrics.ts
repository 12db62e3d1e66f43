import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MetricDefinition } from '../common/streaming-metrics';
import type { BatchResult } from './ingest/batch';
import type { RecentKeys } from './ingest/recent';

/**
 * The collector's own metrics (encore_collector_*), defined once like STREAMING_METRICS so that
 * docs/metrics.md can be checked against them. No instance label anywhere: Prometheus adds
 * `instance` per scrape target, and many collectors must sum in PromQL. Every label is bounded:
 * event types (+ unknown), three outcomes, the fixed rejection classes, the status codes the
 * server answers with.
 */
export const SELF_METRICS = {
  events: {
    name: 'encore_collector_events_total',
    type: 'counter',
    help: 'Events received, by event type (unknown when unreadable) and outcome (accepted, rejected, duplicate).',
    labels: ['type', 'outcome'],
  },
  duplicates: {
    name: 'encore_collector_duplicates_total',
    type: 'counter',
    help: 'Duplicate events dropped, by what matched an accepted event: its id, or (under a new id) its content.',
    labels: ['match'],
  },
  rejections: {
    name: 'encore_collector_rejections_total',
    type: 'counter',
    help: 'Rejected events by reason class (schema, time_future, time_too_old, unknown_play, inconsistent).',
    labels: ['reason'],
  },
  batches: {
    name: 'encore_collector_batches_total',
    type: 'counter',
    help: 'Ingest requests by HTTP status code returned.',
    labels: ['code'],
  },
  batchDuration: {
    name: 'encore_collector_batch_duration_seconds',
    type: 'histogram',
    help: 'Time to handle one ingest request, from its first byte read to the answer.',
    labels: [],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  },
  batchEvents: {
    name: 'encore_collector_batch_events',
    type: 'histogram',
    help: 'Events per parsed batch.',
    labels: [],
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
  },
  batchBytes: {
    name: 'encore_collector_batch_bytes',
    type: 'histogram',
    help: 'Decoded body size of parsed batches, in bytes.',
    labels: [],
    buckets: [1024, 16384, 65536, 262144, 524288, 1048576, 4194304, 16777216],
  },
  lastEventTime: {
    name: 'encore_collector_last_event_timestamp_seconds',
    type: 'gauge',
    help: 'Event time of the newest accepted event (Unix seconds); time() minus it is the data freshness.',
    labels: [],
  },
  inFlight: {
    name: 'encore_collector_batches_in_flight',
    type: 'gauge',
    help: 'Ingest requests being handled right now.',
    labels: [],
  },
  trackedIds: {
    name: 'encore_collector_tracked_ids',
    type: 'gauge',
    help: 'Ids held in memory by set (dedupe: event ids; content: fingerprints of accepted events; plays: started play ids; users: active users).',
    labels: ['set'],
  },
  dedupeWindow: {
    name: 'encore_collector_dedupe_window_seconds',
    type: 'gauge',
    help: 'How far back event ids are surely remembered; below the configured TTL after a restart or when the id bound was hit.',
    labels: [],
  },
  draining: {
    name: 'encore_collector_draining',
    type: 'gauge',
    help: '1 after SIGTERM/SIGINT while the collector serves its final scrapes, else 0.',
    labels: [],
  },
} as const satisfies Record<string, MetricDefinition>;

export const DEFAULT_METRICS_PREFIX = 'encore_collector_';

export interface SelfMetricsSources {
  seenIds: RecentKeys<string>;
  seenContent: { readonly size: number };
  startedPlays: RecentKeys<string>;
  activeUsers: { size: number };
  now: () => number;
}

export class SelfMetrics {
  private readonly events: Counter;
  private readonly duplicates: Counter;
  private readonly rejections: Counter;
  private readonly batches: Counter;
  readonly batchDuration: Histogram;
  private readonly batchEvents: Histogram;
  private readonly batchBytes: Histogram;
  private readonly lastEventTime: Gauge;
  readonly inFlight: Gauge;
  readonly draining: Gauge;
  private lastEventMs = 0;

  constructor(registry: Registry, sources: SelfMetricsSources) {
    const def = <K extends keyof typeof SELF_METRICS>(key: K) => {
      const d = SELF_METRICS[key];
      return { name: d.name, help: d.help, labelNames: [...d.labels] as string[], registers: [registry] };
    };
    this.events = new Counter(def('events'));
    this.duplicates = new Counter(def('duplicates'));
    this.rejections = new Counter(def('rejections'));
    this.batches = new Counter(def('batches'));
    this.batchDuration = new Histogram({ ...def('batchDuration'), buckets: [...SELF_METRICS.batchDuration.buckets] });
    this.batchEvents = new Histogram({ ...def('batchEvents'), buckets: [...SELF_METRICS.batchEvents.buckets] });
    this.batchBytes = new Histogram({ ...def('batchBytes'), buckets: [...SELF_METRICS.batchBytes.buckets] });
    this.lastEventTime = new Gauge(def('lastEventTime'));
    this.inFlight = new Gauge(def('inFlight'));
    this.draining = new Gauge(def('draining'));
    new Gauge({
      ...def('trackedIds'),
      collect(this: Gauge) {
        this.set({ set: 'dedupe' }, sources.seenIds.size);
        this.set({ set: 'content' }, sources.seenContent.size);
        this.set({ set: 'plays' }, sources.startedPlays.size);
        this.set({ set: 'users' }, sources.activeUsers.size);
      },
    });
    new Gauge({
      ...def('dedupeWindow'),
      collect(this: Gauge) {
        this.set(sources.seenIds.windowMs(sources.now()) / 1000);
      },
    });
    collectDefaultMetrics({ register: registry, prefix: DEFAULT_METRICS_PREFIX });
  }

  batchParsed(events: number, bytes: number): void {
    this.batchEvents.observe(events);
    this.batchBytes.observe(bytes);
  }

  batchJudged(result: BatchResult): void {
    for (const [type, counts] of result.byType) {
      if (counts.accepted > 0) this.events.inc({ type, outcome: 'accepted' }, counts.accepted);
      if (counts.rejected > 0) this.events.inc({ type, outcome: 'rejected' }, counts.rejected);
      if (counts.duplicate > 0) this.events.inc({ type, outcome: 'duplicate' }, counts.duplicate);
    }
    if (result.duplicate > result.duplicateContent) this.duplicates.inc({ match: 'id' }, result.duplicate - result.duplicateContent);
    if (result.duplicateContent > 0) this.duplicates.inc({ match: 'content' }, result.duplicateContent);
    for (const [reason, count] of result.byReason) this.rejections.inc({ reason }, count);
    if (result.latestAcceptedMs !== undefined && result.latestAcceptedMs > this.lastEventMs) {
      this.lastEventMs = result.latestAcceptedMs;
      this.lastEventTime.set(this.lastEventMs / 1000);
    }
  }

  answered(code: number): void {
    this.batches.inc({ code: String(code) });
  }
}
