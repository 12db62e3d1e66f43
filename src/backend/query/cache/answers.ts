import type { Frame } from '../../grafana/frames/frame';
import { SETTLE_MS } from './extents';

/**
 * The last stage of the results cache: finished answers (frames) of range queries, kept in
 * memory for as long as the data under them may be served. Every viewer of a dashboard, and every
 * refresh that asks for the same step-aligned range, gets the frames already built (and already
 * encoded, see grafana/services/data.ts) instead of running the series assembly, the quality
 * checks, the analysis and the Arrow encoding again. An answer that reaches into the recent edge
 * lives for the recent TTL, like the samples it was built from; one of the settled past for the
 * long TTL. The key holds the whole query as Grafana sent it, so any option change is a new answer.
 */

export interface Answer {
  frames: Frame[];
  /** when it was computed (the pipeline's clock) */
  computedAt: number;
  /** the frames handed out on reuse (reusedFrames), made on the first reuse */
  reused?: Frame[];
}

export interface AnswerPlan {
  start: number;
  end: number;
  stepMs: number;
}

export function answerKey(scope: string, queryIdentity: string, plan: AnswerPlan): string {
  return `${scope}\u0000${plan.stepMs}\u0000${plan.start}\u0000${plan.end}\u0000${queryIdentity}`;
}

/** How long an answer may be reused: 0 when not at all. */
export function answerTtlMs(plan: AnswerPlan, nowMs: number, ttl: { settledTtlMs: number; recentTtlMs: number }): number {
  return plan.end >= nowMs - SETTLE_MS ? ttl.recentTtlMs : ttl.settledTtlMs;
}

/** Bytes the frames take in memory, roughly. */
export function framesBytes(frames: Frame[]): number {
  let bytes = 64;
  for (const frame of frames) {
    bytes += 256 + JSON.stringify(frame.meta ?? {}).length * 2;
    for (const field of frame.fields) {
      bytes += 128 + 8 * field.values.length + (field.type === 'string' ? field.values.reduce<number>((n, v) => n + String(v ?? '').length * 2, 0) : 0);
    }
  }
  return bytes;
}

const STAT_NOW_ZERO = new Set(['Upstream time', 'Analysis time']);

/**
 * The frames of a reused answer. The query inspector's figures describe the work done for this
 * request: the first frame's upstream and analysis times become 0, every history extent counts
 * as read from the cache, and a stat says the answer came from the cache. Built once per answer
 * (so its encoding is reused too); the other frames are shared as they are.
 */
export function reusedFrames(answer: Answer): Frame[] {
  if (answer.reused) return answer.reused;
  const first = answer.frames[0];
  const stats = first?.meta?.stats;
  if (!first || !stats) return (answer.reused = answer.frames);
  const value = (name: string) => stats.find((s) => s.displayName === name)?.value ?? 0;
  // What was fetched then comes from the cache now: [fetched, from cache] stat pairs.
  const moved: Record<string, number> = {
    'History chunks fetched': 0,
    'History chunks from cache': value('History chunks from cache') + value('History chunks fetched'),
    'Steps fetched': 0,
    'Steps from cache': value('Steps from cache') + value('Steps fetched'),
  };
  const restamped = stats.map((s) => {
    if (STAT_NOW_ZERO.has(s.displayName)) return { ...s, value: 0 };
    if (s.displayName in moved) return { ...s, value: moved[s.displayName]! };
    return s;
  });
  restamped.push({ displayName: 'Answer from cache', value: 1, unit: 'none' });
  return (answer.reused = [{ ...first, meta: { ...first.meta, stats: restamped } }, ...answer.frames.slice(1)]);
}
