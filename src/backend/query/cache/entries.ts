import type { Series } from '../../sources/source';
import { joinCoverage, NEVER, settledThrough, type Coverage, type Span } from './extents';

/**
 * The samples of one cache entry and the operations on them: cut a fetched answer into extents,
 * join an entry with newly fetched steps, and put the pieces of several extents back together
 * into the series a query answers with. Samples are typed arrays: compact in the LRU, cheap to
 * slice without copying, and written to Redis as raw bytes.
 */

export interface StoredSeries {
  labels: Record<string, string>;
  /** the labels as one string, the series' identity across extents */
  id: string;
  /** epoch ms, ascending, inside the entry's coverage */
  timestamps: Float64Array;
  values: Float64Array;
}

export interface ExtentEntry extends Coverage {
  series: StoredSeries[];
}

/** A series' identity: its labels, sorted by name. */
export function labelsId(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

/** First index whose timestamp is >= t. */
function lowerBound(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The samples of fetched series that fall in `span`; series without any there are left out. */
export function cutSeries(series: Series[], span: Span, ids: string[] = series.map((s) => labelsId(s.labels))): StoredSeries[] {
  const out: StoredSeries[] = [];
  series.forEach((s, i) => {
    const from = lowerBound(s.timestamps, span.lo);
    const to = lowerBound(s.timestamps, span.hi + 1);
    if (to <= from) return;
    out.push({
      labels: s.labels,
      id: ids[i]!,
      timestamps: Float64Array.from(s.timestamps.slice(from, to)),
      values: Float64Array.from(s.values.slice(from, to)),
    });
  });
  return out;
}

/** An entry for steps fetched at nowMs: settled up to SETTLE_MS before now, the rest fresh for recentTtlMs. */
export function fetchedEntry(series: StoredSeries[], span: Span, stepMs: number, nowMs: number, recentTtlMs: number): ExtentEntry {
  const settledTo = settledThrough(span, stepMs, nowMs);
  return { from: span.lo, to: span.hi, settledTo, volatileUntil: settledTo >= span.hi ? NEVER : nowMs + recentTtlMs, series };
}

/** The part of an entry inside `span` (which lies within the entry's coverage). */
export function trimEntry(entry: ExtentEntry, span: Span): ExtentEntry {
  if (span.lo === entry.from && span.hi === entry.to) return entry;
  const series: StoredSeries[] = [];
  for (const s of entry.series) {
    const from = lowerBound(s.timestamps, span.lo);
    const to = lowerBound(s.timestamps, span.hi + 1);
    if (to > from) series.push({ ...s, timestamps: s.timestamps.slice(from, to), values: s.values.slice(from, to) });
  }
  const settledTo = Math.min(entry.settledTo, span.hi);
  return { from: span.lo, to: span.hi, settledTo: settledTo >= span.lo ? settledTo : span.lo - 1, volatileUntil: entry.volatileUntil, series };
}

function concat(parts: Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Contiguous entries, in time order, as one. */
export function joinEntries(entries: ExtentEntry[]): ExtentEntry {
  if (entries.length === 1) return entries[0]!;
  const byId = new Map<string, { labels: Record<string, string>; times: Float64Array[]; values: Float64Array[] }>();
  for (const entry of entries) {
    for (const s of entry.series) {
      let joined = byId.get(s.id);
      if (!joined) byId.set(s.id, (joined = { labels: s.labels, times: [], values: [] }));
      joined.times.push(s.timestamps);
      joined.values.push(s.values);
    }
  }
  const series = [...byId].map(([id, s]) => ({ labels: s.labels, id, timestamps: concat(s.times), values: concat(s.values) }));
  return { ...joinCoverage(entries), series };
}

/**
 * The series of a range from the entries of its extents, in time order, each cut to its span:
 * one Series per label set, in the order the series first appear.
 */
export function assembleSeries(parts: Array<{ entry: ExtentEntry; span: Span }>): Series[] {
  const byId = new Map<string, Series>();
  for (const { entry, span } of parts) {
    const whole = span.lo <= entry.from && span.hi >= entry.to;
    for (const s of entry.series) {
      let from = 0;
      let to = s.timestamps.length;
      if (!whole) {
        from = lowerBound(s.timestamps, span.lo);
        to = lowerBound(s.timestamps, span.hi + 1);
        if (to <= from) continue;
      }
      let out = byId.get(s.id);
      if (!out) byId.set(s.id, (out = { labels: s.labels, timestamps: [], values: [] }));
      for (let i = from; i < to; i++) {
        out.timestamps.push(s.timestamps[i]!);
        out.values.push(s.values[i]!);
      }
    }
  }
  return [...byId.values()];
}

/** Bytes an entry takes in memory, roughly: the samples, the label strings, the objects around them. */
export function entryBytes(entry: ExtentEntry): number {
  let bytes = 96;
  for (const s of entry.series) {
    bytes += 160 + 16 * s.timestamps.length + 2 * s.id.length * 2;
  }
  return bytes;
}
