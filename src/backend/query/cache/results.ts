import type { CacheMetrics } from '../../metrics';
import type { Answer } from './answers';
import type { RangeQuery, Series, Source } from '../../sources/source';
import { CacheCodecError, decodeEntry, encodeEntry, type CacheKeys } from './codec';
import { assembleSeries, cutSeries, entryBytes, fetchedEntry, joinEntries, labelsId, trimEntry, type ExtentEntry } from './entries';
import {
  entryTtlMs,
  fetchRuns,
  isSplittable,
  missingSpans,
  overlapSteps,
  splitRange,
  stepsIn,
  usableSpan,
  type ExtentSlice,
  type Span,
} from './extents';
import { memoryKey, redisKey, seriesKey } from './keys';
import { ByteLru } from './memory';
import type { RedisStore, RedisWrite } from './redis';
import { Singleflight } from './singleflight';

/**
 * The results cache: range queries answered from cached extents where possible, the missing
 * steps fetched upstream (touching gaps in one request, identical concurrent requests once),
 * and what was fetched kept for the next query. Tiers: the in-process LRU first, then Redis when
 * configured (shared by every Grafana server; written in the background, read with one MGET per
 * query). Without Redis, or while it is down or slow, the memory tier carries on alone.
 */

export interface ResultsCacheOptions {
  /** `off` sends every request upstream (still cut below Prometheus' point limit) */
  enabled: boolean;
  settledTtlMs: number;
  recentTtlMs: number;
  maxBytes: number;
  redis?: { store: RedisStore; keys: CacheKeys };
  metrics?: CacheMetrics;
}

export interface RangeFetch {
  /** the data scope (keys.ts dataScope): what separates the entries of different data sources */
  scope: string;
  expr: string;
  start: number;
  end: number;
  stepMs: number;
  /** the pipeline's clock: what is settled and what has expired */
  nowMs: number;
  signal?: AbortSignal;
  /** upstream warnings (e.g. a partial answer of a federated store) */
  onWarning?: (warning: string) => void;
}

export interface RangeFetchStats {
  /** extents answered wholly from the cache */
  cacheHits: number;
  /** extents that needed upstream steps */
  cacheMisses: number;
  /** steps of the range served from the cache / fetched */
  cachedSteps: number;
  fetchedSteps: number;
  upstreamRequests: number;
  upstreamMs: number;
}

interface Fetched {
  series: Series[];
  warnings: string[];
}

export const DEFAULT_CACHE_OPTIONS: ResultsCacheOptions = {
  enabled: true,
  settledTtlMs: 24 * 3_600_000,
  recentTtlMs: 30_000,
  maxBytes: 256 * 1024 * 1024,
};

/** The share of the memory budget for finished answers (answers.ts); the extents get the rest. */
const ANSWER_SHARE = 0.25;

export class ResultsCache {
  readonly memory: ByteLru<ExtentEntry>;
  /** finished answers of range queries; absent with the cache off */
  readonly answers: ByteLru<Answer> | undefined;
  private readonly flights: Singleflight<Fetched>;

  constructor(readonly options: ResultsCacheOptions = DEFAULT_CACHE_OPTIONS) {
    const evicted = () => options.metrics?.evictions.inc();
    this.memory = new ByteLru<ExtentEntry>(Math.round(options.maxBytes * (1 - ANSWER_SHARE)), evicted);
    this.answers = options.enabled ? new ByteLru<Answer>(Math.round(options.maxBytes * ANSWER_SHARE), evicted) : undefined;
    this.flights = new Singleflight<Fetched>(() => options.metrics?.shared.inc());
  }

  get redis(): RedisStore | undefined {
    return this.options.redis?.store;
  }

  async fetchRange(q: RangeFetch, source: Source): Promise<{ series: Series[]; stats: RangeFetchStats }> {
    const stats: RangeFetchStats = { cacheHits: 0, cacheMisses: 0, cachedSteps: 0, fetchedSteps: 0, upstreamRequests: 0, upstreamMs: 0 };
    const { stepMs } = q;
    if (!this.options.enabled || !isSplittable(q.start, q.end, stepMs)) {
      const whole = { lo: q.start, hi: q.end };
      const runs = isSplittable(q.start, q.end, stepMs) ? fetchRuns([whole], stepMs) : [whole];
      const parts = await Promise.all(runs.map((run) => this.upstream(q, run, source, stats)));
      stats.cacheMisses = 1;
      stats.fetchedSteps = stepsIn(whole, stepMs);
      this.options.metrics?.steps.inc({ result: 'miss' }, stats.fetchedSteps);
      parts.flatMap((p) => p.warnings).forEach((w) => q.onWarning?.(w));
      if (parts.length === 1) return { series: parts[0]!.series, stats };
      const pieces = parts.map((p, i) => ({ entry: fetchedEntry(cutSeries(p.series, runs[i]!), runs[i]!, stepMs, q.nowMs, 0), span: runs[i]! }));
      return { series: assembleSeries(pieces), stats };
    }

    const key = seriesKey(q.scope, q.expr, stepMs);
    const slices = splitRange(q.start, q.end, stepMs);
    const entries: Array<ExtentEntry | undefined> = slices.map((s) => this.memory.get(memoryKey(key, s.index), q.nowMs));
    const usable: Array<Span | undefined> = entries.map((e) => (e ? usableSpan(e, q.nowMs) : undefined));
    this.countLookups('memory', slices, usable, stepMs);
    await this.readRedis(key, slices, entries, usable, q.nowMs, stepMs);

    const missing = slices.map((s, i) => missingSpans(s, usable[i], stepMs));
    const runs = fetchRuns(missing.flat(), stepMs);
    const fetched = await Promise.all(runs.map((run) => this.upstream(q, run, source, stats)));
    const ids = fetched.map((f) => f.series.map((s) => labelsId(s.labels)));

    const writes: RedisWrite[] = [];
    const parts = slices.map((slice, i) => {
      const cached = overlapSteps(slice, usable[i], stepMs);
      stats.cachedSteps += cached;
      stats.fetchedSteps += stepsIn(slice, stepMs) - cached;
      if (missing[i]!.length === 0) {
        stats.cacheHits++;
        return { entry: entries[i]!, span: slice as Span };
      }
      stats.cacheMisses++;
      // An answer with warnings (a partial answer of a federated store) is used once, not kept.
      let partial = false;
      const segments: ExtentEntry[] = missing[i]!.map((span) => {
        const r = runs.findIndex((run) => run.lo <= span.lo && run.hi >= span.hi);
        if (fetched[r]!.warnings.length > 0) partial = true;
        return fetchedEntry(cutSeries(fetched[r]!.series, span, ids[r]), span, stepMs, q.nowMs, this.options.recentTtlMs);
      });
      const old = entries[i];
      const kept = usable[i];
      if (old && kept) segments.push(trimEntry(old, { lo: kept.lo, hi: kept.hi }));
      segments.sort((a, b) => a.from - b.from);
      const entry = joinEntries(segments);
      if (!partial) this.store(key, slice, entry, q.nowMs, stepMs, writes);
      return { entry, span: slice as Span };
    });
    if (writes.length > 0) this.redis?.setMany(writes);
    this.options.metrics?.steps.inc({ result: 'hit' }, stats.cachedSteps);
    this.options.metrics?.steps.inc({ result: 'miss' }, stats.fetchedSteps);
    fetched.flatMap((f) => f.warnings).forEach((w) => q.onWarning?.(w));
    return { series: assembleSeries(parts), stats };
  }

  private countLookups(tier: 'memory' | 'redis', slices: ExtentSlice[], usable: Array<Span | undefined>, stepMs: number, only?: number[]): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    for (const i of only ?? slices.map((_, j) => j)) {
      const covered = overlapSteps(slices[i]!, usable[i], stepMs);
      metrics.lookups.inc({ tier, result: covered === stepsIn(slices[i]!, stepMs) ? 'hit' : covered > 0 ? 'partial' : 'miss' });
    }
  }

  /** Slices the memory tier does not cover are looked up in Redis; better entries found there fill the memory tier. */
  private async readRedis(
    key: string,
    slices: ExtentSlice[],
    entries: Array<ExtentEntry | undefined>,
    usable: Array<Span | undefined>,
    nowMs: number,
    stepMs: number,
  ): Promise<void> {
    const redis = this.options.redis;
    if (!redis) return;
    const wanted = slices.map((s, i) => i).filter((i) => overlapSteps(slices[i]!, usable[i], stepMs) < stepsIn(slices[i]!, stepMs));
    if (wanted.length === 0) return;
    const names = wanted.map((i) => redisKey(redis.keys, key, slices[i]!.index));
    const values = await redis.store.getMany(names);
    const metrics = this.options.metrics;
    if (!values) {
      metrics?.errors.inc({ tier: 'redis', operation: 'read' });
      return;
    }
    wanted.forEach((i, n) => {
      const value = values[n];
      if (!value) return;
      metrics?.bytesRead.inc({ tier: 'redis' }, value.length);
      let entry: ExtentEntry;
      try {
        const decoded = decodeEntry(value, redis.keys, names[n]!);
        if (decoded.stepMs !== stepMs) return;
        entry = decoded.entry;
      } catch (error) {
        if (!(error instanceof CacheCodecError)) throw error;
        metrics?.errors.inc({ tier: 'redis', operation: 'decode' });
        return;
      }
      const span = usableSpan(entry, nowMs);
      if (overlapSteps(slices[i]!, span, stepMs) <= overlapSteps(slices[i]!, usable[i], stepMs)) return;
      entries[i] = entry;
      usable[i] = span;
      const ttl = Math.min(entryTtlMs(entry, nowMs, this.options.settledTtlMs), this.options.settledTtlMs);
      if (ttl > 0) this.memory.set(memoryKey(key, slices[i]!.index), entry, entryBytes(entry), nowMs + ttl);
    });
    this.countLookups('redis', slices, usable, stepMs, wanted);
  }

  private store(key: string, slice: ExtentSlice, entry: ExtentEntry, nowMs: number, stepMs: number, writes: RedisWrite[]): void {
    const ttl = entryTtlMs(entry, nowMs, this.options.settledTtlMs);
    if (ttl <= 0) return;
    const bytes = entryBytes(entry);
    this.memory.set(memoryKey(key, slice.index), entry, bytes, nowMs + ttl);
    this.options.metrics?.bytesWritten.inc({ tier: 'memory' }, bytes);
    const redis = this.options.redis;
    if (redis?.store.available) {
      const name = redisKey(redis.keys, key, slice.index);
      const value = encodeEntry(entry, stepMs, redis.keys, name);
      this.options.metrics?.bytesWritten.inc({ tier: 'redis' }, value.length);
      writes.push({ name, value, ttlMs: ttl });
    }
  }

  /** One upstream request; identical ones in flight at the same time are sent once. */
  private async upstream(q: RangeFetch, run: Span, source: Source, stats: RangeFetchStats): Promise<Fetched> {
    const flight = `${q.scope}\u0000${q.stepMs}\u0000${run.lo}\u0000${run.hi}\u0000${q.expr}`;
    const started = performance.now();
    stats.upstreamRequests++;
    try {
      return await this.flights.run(
        flight,
        async (signal) => {
          const warnings: string[] = [];
          const request = { expr: q.expr, start: run.lo, end: run.hi, stepMs: q.stepMs, signal, onWarning: (w: string) => warnings.push(w) } as RangeQuery;
          const series = await source.queryRange(request);
          return { series, warnings };
        },
        q.signal,
      );
    } finally {
      stats.upstreamMs += performance.now() - started;
    }
  }
}
