import type { Grid } from '../analysis/grid';
import type { Series, Source } from '../sources/source';
import { labelsId } from './cache/entries';
import { EXTENT_POINTS } from './cache/extents';
import { DEFAULT_CACHE_OPTIONS, ResultsCache } from './cache/results';

/**
 * Range queries with training history: detectors need days (or weeks) of points before the range
 * a panel shows. History and range are one request to the results cache (cache/), which splits
 * it into step-aligned extents, answers the settled ones it holds and fetches only the rest, so
 * a refresh or the next alert evaluation fetches little more than the newest steps. Every series
 * ends up on one grid from the history's start to the range end, NaN where it has no sample.
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
  /** extents (history and range) answered from the cache */
  cacheHits: number;
  /** extents that needed an upstream request */
  cacheMisses: number;
}

/** Points per cache extent, the unit history is fetched and kept in. */
export const CHUNK_POINTS = EXTENT_POINTS;

/**
 * A results cache in memory mode with the default TTLs, for callers that bring their own cache
 * (tests); the pipeline otherwise uses the data source's cache from the registry.
 */
export class HistoryCache extends ResultsCache {
  constructor(maxBytes = DEFAULT_CACHE_OPTIONS.maxBytes) {
    super({ ...DEFAULT_CACHE_OPTIONS, maxBytes });
  }
}

export interface FetchContext {
  source: Source;
  cache: ResultsCache;
  /** separates the cache entries of different data sources (cache/keys.ts dataScope) */
  scope: string;
  nowMs: number;
  signal?: AbortSignal;
}

export async function fetchOnGrid(plan: FetchPlan, ctx: FetchContext): Promise<{ series: GridSeries[]; stats: FetchStats }> {
  const { stepMs } = plan;
  const historyStart = plan.start - plan.historyPoints * stepMs;
  const { series, stats } = await ctx.cache.fetchRange(
    { scope: ctx.scope, expr: plan.expr, start: historyStart, end: plan.end, stepMs, nowMs: ctx.nowMs, signal: ctx.signal },
    ctx.source,
  );
  return {
    series: mergeOnGrid([series], historyStart, plan.end, stepMs),
    stats: { upstreamMs: stats.upstreamMs, cacheHits: stats.cacheHits, cacheMisses: stats.cacheMisses },
  };
}

/** Series with the same labels across parts become one, on the grid [start, end]. */
export function mergeOnGrid(parts: Series[][], start: number, end: number, stepMs: number): GridSeries[] {
  const length = Math.floor((end - start) / stepMs) + 1;
  const byLabels = new Map<string, GridSeries>();
  for (const part of parts) {
    for (const s of part) {
      const key = labelsId(s.labels);
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
