/**
 * How the results cache cuts a range query into reusable pieces (pure functions, no I/O).
 *
 * A range [start, end] at step s is split on boundaries that are multiples of EXTENT_POINTS * s
 * (counted from the epoch), so every query at the same step, whatever its window, meets the same
 * extents: a dashboard refresh 10 s later, the alert rule on the same expression, the detector's
 * training history. PromQL evaluates each step on its own, so the answer for a range equals the
 * answers for its pieces put side by side.
 *
 * An entry holds the samples of one extent (or of a contiguous part of it). Samples older than
 * SETTLE_MS when they were fetched are *settled*: late scrapes and rule evaluations have landed,
 * they never change, and they are kept for the long TTL. Younger samples (the recent edge) are
 * served for the short TTL only; after it the entry still serves its settled prefix and just the
 * recent edge is fetched again. Steps the entry does not cover yet (the new points of a moving
 * window) are always fetched, so an answer is never shorter than the range asked for.
 */

/** Steps per extent: 1 h at 15 s, 4 h at 1 m, a day at 6 m. */
export const EXTENT_POINTS = 240;
/** Samples this close to the time they were fetched may still change (late scrapes, rule evaluation). */
export const SETTLE_MS = 5 * 60_000;
/** One upstream request asks for at most this many steps (Prometheus refuses more than 11,000 per series). */
export const MAX_FETCH_POINTS = 10_000;
/** "Never" for volatileUntil: the entry has no recent samples. */
export const NEVER = Number.MAX_SAFE_INTEGER;

/** A closed, step-aligned interval of timestamps: [lo, hi]. */
export interface Span {
  lo: number;
  hi: number;
}

/** The part of a query's range inside one extent. */
export interface ExtentSlice extends Span {
  /** the extent's number: it starts at index * EXTENT_POINTS * step */
  index: number;
}

/** What an entry holds, without its samples. */
export interface Coverage {
  /** covered steps, inclusive */
  from: number;
  to: number;
  /** the last step that was settled when fetched; < from when none was */
  settledTo: number;
  /** epoch ms until which the steps after settledTo may be served */
  volatileUntil: number;
}

export function extentMs(stepMs: number): number {
  return EXTENT_POINTS * stepMs;
}

/** Ranges the cache can split: whole-millisecond, positive steps and step-aligned bounds. */
export function isSplittable(start: number, end: number, stepMs: number): boolean {
  return Number.isInteger(stepMs) && stepMs > 0 && Number.isInteger(start) && start >= 0 && start % stepMs === 0 && end >= start && (end - start) % stepMs === 0;
}

/** The extents [start, end] touches, each with the part of the range inside it, in time order. */
export function splitRange(start: number, end: number, stepMs: number): ExtentSlice[] {
  const length = extentMs(stepMs);
  const slices: ExtentSlice[] = [];
  for (let index = Math.floor(start / length); index * length <= end; index++) {
    const first = index * length;
    slices.push({ index, lo: Math.max(start, first), hi: Math.min(end, first + length - stepMs) });
  }
  return slices;
}

/** Steps in a span. */
export function stepsIn(span: Span, stepMs: number): number {
  return span.hi < span.lo ? 0 : (span.hi - span.lo) / stepMs + 1;
}

/** The steps of an entry that may be served at nowMs: all of them while fresh, then the settled prefix. */
export function usableSpan(entry: Coverage, nowMs: number): Span | undefined {
  if (nowMs < entry.volatileUntil) return { lo: entry.from, hi: entry.to };
  if (entry.settledTo >= entry.from) return { lo: entry.from, hi: entry.settledTo };
  return undefined;
}

/**
 * The spans to fetch so that the usable part of an entry plus them covers `need` without a hole:
 * nothing, the steps before the entry, the steps after it, or both. A gap between `need` and the
 * entry (both lie in one extent) is fetched too, so the entry stays one contiguous span.
 */
export function missingSpans(need: Span, have: Span | undefined, stepMs: number): Span[] {
  if (!have) return [need];
  const out: Span[] = [];
  if (need.lo < have.lo) out.push({ lo: need.lo, hi: have.lo - stepMs });
  if (need.hi > have.hi) out.push({ lo: have.hi + stepMs, hi: need.hi });
  return out;
}

/** Steps of `need` that `have` covers. */
export function overlapSteps(need: Span, have: Span | undefined, stepMs: number): number {
  if (!have) return 0;
  return stepsIn({ lo: Math.max(need.lo, have.lo), hi: Math.min(need.hi, have.hi) }, stepMs);
}

/**
 * Upstream requests for a list of spans in time order: touching spans join (one request for a cold
 * range, not one per extent), and a request longer than maxPoints is cut on extent boundaries.
 */
export function fetchRuns(spans: Span[], stepMs: number, maxPoints = MAX_FETCH_POINTS): Span[] {
  const joined: Span[] = [];
  for (const span of spans) {
    const last = joined[joined.length - 1];
    if (last && span.lo <= last.hi + stepMs) last.hi = Math.max(last.hi, span.hi);
    else joined.push({ ...span });
  }
  const length = extentMs(stepMs);
  const maxExtents = Math.max(1, Math.floor(maxPoints / EXTENT_POINTS));
  const runs: Span[] = [];
  for (const span of joined) {
    let lo = span.lo;
    while (stepsIn({ lo, hi: span.hi }, stepMs) > maxPoints) {
      const cut = (Math.floor(lo / length) + maxExtents) * length - stepMs;
      runs.push({ lo, hi: cut });
      lo = cut + stepMs;
    }
    runs.push({ lo, hi: span.hi });
  }
  return runs;
}

/** The last step of a span that is settled when fetched at nowMs (< span.lo when none is). */
export function settledThrough(span: Span, stepMs: number, nowMs: number): number {
  const boundary = nowMs - SETTLE_MS;
  if (span.hi < boundary) return span.hi;
  // The last aligned step strictly before the boundary.
  const last = Math.max(-1, Math.ceil((boundary - span.lo) / stepMs) - 1);
  return span.lo + Math.min(last, stepsIn(span, stepMs) - 1) * stepMs;
}

/**
 * The coverage of contiguous segments joined in time order (each as fetched: its own settled
 * prefix and freshness). The join is settled up to the first segment that is not wholly settled;
 * its recent steps expire with the earliest-expiring segment that has any.
 */
export function joinCoverage(segments: Coverage[]): Coverage {
  const first = segments[0];
  if (!first) throw new Error('joinCoverage: no segments');
  let settledTo = first.from - 1;
  let broken = false;
  let volatileUntil = NEVER;
  for (const segment of segments) {
    if (!broken) {
      if (segment.settledTo >= segment.to) settledTo = segment.to;
      else {
        if (segment.settledTo >= segment.from) settledTo = segment.settledTo;
        broken = true;
      }
    }
    if (segment.settledTo < segment.to) volatileUntil = Math.min(volatileUntil, segment.volatileUntil);
  }
  return { from: first.from, to: segments[segments.length - 1]!.to, settledTo, volatileUntil };
}

/** How long a store keeps an entry: the long TTL once part of it is settled, else until its recent steps expire. */
export function entryTtlMs(entry: Coverage, nowMs: number, settledTtlMs: number): number {
  if (entry.settledTo >= entry.from) return settledTtlMs;
  return Math.max(0, entry.volatileUntil - nowMs);
}
