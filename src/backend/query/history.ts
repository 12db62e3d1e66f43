import type { Grid } from '../analysis/grid';
import type { Series, Source } from '../sources/source';

/**
 * Range queries with training history: detectors need days (or weeks) of points before the range
 * a panel shows. The history is fetched in chunks aligned to multiples of the chunk length, so
 * the next refresh asks for the same chunks, and chunks that lie wholly in the settled past are
 * kept in an LRU cache and reused. Every series ends up on one grid from the history's start to
 * the range end, NaN where it has no sample.
 */

export interface GridSeries {
  labels: Record<string, string>;
  grid: Grid;
}

export interface FetchPlan {
  expr: string;
  /** aligned to stepMs */
  start: number;
  end: number;
  stepMs: number;
  /** points before `start` to fetch as well */
  historyPoints: number;
}

export interface FetchStats {
  upstreamMs: number;
  cacheHits: number;
  cacheMisses: number;
}

/** Points per history chunk: small enough that most of a long history lies in settled, cached chunks. */
export const CHUNK_POINTS = 1000;
/** Samples this close to now may still change (late scrapes, rule evaluation): not cached. */
const SETTLE_MS = 5 * 60_000;

export class HistoryCache {
  private readonly entries = new Map<string, { series: Series[]; points: number }>();
  private points = 0;

  constructor(private readonly maxPoints = 4_000_000) {}

  get(key: string): Series[] | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Map order is recency order: re-insert on use.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.series;
  }

  set(key: string, series: Series[]): void {
    const points = series.reduce((total, s) => total + s.values.length, 0);
    if (points > this.maxPoints) return;
    const existing = this.entries.get(key);
    if (existing) {
      this.points -= existing.points;
      this.entries.delete(key);
    }
    this.entries.set(key, { series, points });
    this.points += points;
    for (const [oldest, entry] of this.entries) {
      if (this.points <= this.maxPoints) break;
      this.entries.delete(oldest);
      this.points -= entry.points;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface FetchContext {
  source: Source;
  cache: HistoryCache;
  /** separates the cache entries of different data sources */
  scope: string;
  nowMs: number;
  signal?: AbortSignal;
}

export async function fetchOnGrid(plan: FetchPlan, ctx: FetchContext): Promise<{ series: GridSeries[]; stats: FetchStats }> {
  const { stepMs } = plan;
  const stats: FetchStats = { upstreamMs: 0, cacheHits: 0, cacheMisses: 0 };
  const historyStart = plan.start - plan.historyPoints * stepMs;
  const timed = async (query: () => Promise<Series[]>) => {
    const started = performance.now();
    try {
      return await query();
    } finally {
      stats.upstreamMs += performance.now() - started;
    }
  };
  const parts: Series[][] = [];
  if (plan.historyPoints > 0) {
    const chunkMs = CHUNK_POINTS * stepMs;
    for (let chunk = Math.floor(historyStart / chunkMs); chunk * chunkMs < plan.start; chunk++) {
      const chunkStart = chunk * chunkMs;
      const chunkEnd = chunkStart + chunkMs - stepMs;
      const settled = chunkEnd < ctx.nowMs - SETTLE_MS;
      const key = `${ctx.scope}\u0000${plan.expr}\u0000${stepMs}\u0000${chunk}`;
      const cached = settled ? ctx.cache.get(key) : undefined;
      if (cached) {
        stats.cacheHits++;
        parts.push(cached);
        continue;
      }
      stats.cacheMisses++;
      const series = await timed(() => ctx.source.queryRange({ expr: plan.expr, start: chunkStart, end: chunkEnd, stepMs, signal: ctx.signal }));
      if (settled) ctx.cache.set(key, series);
      parts.push(series);
    }
  }
  // The range itself last, so that its samples win where a history chunk overlaps it.
  parts.push(await timed(() => ctx.source.queryRange({ expr: plan.expr, start: plan.start, end: plan.end, stepMs, signal: ctx.signal })));
  return { series: mergeOnGrid(parts, historyStart, plan.end, stepMs), stats };
}

/** Series with the same labels across parts become one, on the grid [start, end]. */
export function mergeOnGrid(parts: Series[][], start: number, end: number, stepMs: number): GridSeries[] {
  const length = Math.floor((end - start) / stepMs) + 1;
  const byLabels = new Map<string, GridSeries>();
  for (const part of parts) {
    for (const s of part) {
      const key = labelKey(s.labels);
      let target = byLabels.get(key);
      if (!target) {
        target = { labels: s.labels, grid: { startMs: start, stepMs, values: new Float64Array(length).fill(NaN) } };
        byLabels.set(key, target);
      }
      const values = target.grid.values;
      for (let i = 0; i < s.timestamps.length; i++) {
        const slot = Math.round((s.timestamps[i]! - start) / stepMs);
        if (slot >= 0 && slot < length) values[slot] = s.values[i]!;
      }
    }
  }
  return [...byLabels.values()];
}

function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}
