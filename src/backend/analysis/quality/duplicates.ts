import { alignedIndex, displayName, firstFinite, labelsKey, lastFinite, listed, nameList, placeable, plural } from './shared';
import type { CheckOutcome, QualitySeries } from './types';

/**
 * Duplicates and conflicts, three ways a source counts something twice or contradicts itself:
 *
 * (a) two series with the same identity (name and labels: two queries' answers with the same
 *     labels are told apart by name). Where both hold a different value at the same time they
 *     conflict: fail, and those points are issue points. Otherwise they are copies: warn.
 * (b) two series of different identity with exactly the same values at the same times: one
 *     sender exported twice (two collectors without a distinguishing label), so every sum over
 *     them is doubled. Warn. Only non-trivial series count (DUPLICATE_MIN_POINTS finite points,
 *     two distinct values at least): two always-0 error counts are not a duplicated sender. The
 *     points are not marked: each copy is right on its own, it is the sum that is wrong.
 * (c) what `toGrid` mended in files: repeated samples (same time, same value) warn, conflicting
 *     samples (same time, another value; the last one was kept) fail. Where they were is gone.
 *
 * The value is the number of series involved.
 */

export const DUPLICATE_MIN_POINTS = 10;

const TITLE = 'Duplicates and conflicts';

/** A hash of the trimmed values and their times, to find exact copies without comparing all pairs. */
function contentHash(s: QualitySeries, first: number, last: number): number {
  let h = mixHash(0x811c9dc5, s.grid.startMs + first * s.grid.stepMs);
  h = mixHash(h, s.grid.stepMs);
  h = mixHash(h, last - first);
  const values = s.grid.values;
  // The values' bits read in place, two words a value (as Int32: Uint32 words above 2^31 would
  // leave the integer path), the low and the high words hashed in two lanes so that the two
  // chains of multiplications overlap.
  const words = new Int32Array(values.buffer, values.byteOffset, 2 * values.length);
  let low = h;
  let high = 0x811c9dc5;
  for (let i = first; i <= last; i++) {
    const x = values[i]!;
    if (x !== x || x === 0) {
      // Every NaN is the same missing point, and 0 === -0.
      low = Math.imul(low ^ (x === 0 ? 0 : NAN_WORDS[0]!), 0x01000193);
      high = Math.imul(high ^ (x === 0 ? 0 : NAN_WORDS[1]!), 0x01000193);
      continue;
    }
    low = Math.imul(low ^ words[2 * i]!, 0x01000193);
    high = Math.imul(high ^ words[2 * i + 1]!, 0x01000193);
  }
  return Math.imul(low ^ high, 0x01000193) >>> 0;
}

/** The bits of one double, as two 32-bit words, for hashing. */
const HASH_SCRATCH = new Float64Array(1);
const HASH_WORDS = new Uint32Array(HASH_SCRATCH.buffer);
/** The words of NaN as a Float64Array stores it, the one every NaN is hashed as. */
const NAN_WORDS = Int32Array.from(new Int32Array(Float64Array.of(NaN).buffer));

/** FNV-1a over the two words of x (NaN, and 0 for -0, as in contentHash's loop). */
function mixHash(h: number, x: number): number {
  HASH_SCRATCH[0] = x !== x ? NaN : x === 0 ? 0 : x;
  h = Math.imul(h ^ HASH_WORDS[0]!, 0x01000193);
  return Math.imul(h ^ HASH_WORDS[1]!, 0x01000193);
}

function sameContent(a: QualitySeries, b: QualitySeries, trims: Array<[number, number]>, ia: number, ib: number): boolean {
  const [fa, la] = trims[ia]!;
  const [fb, lb] = trims[ib]!;
  if (la - fa !== lb - fb || a.grid.stepMs !== b.grid.stepMs || alignedIndex(a.grid, fa, b.grid) !== fb) return false;
  for (let k = 0; k <= la - fa; k++) {
    const x = a.grid.values[fa + k]!;
    const y = b.grid.values[fb + k]!;
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

/** Non-trivial: enough finite points and not a constant. */
function nonTrivial(values: Float64Array, first: number, last: number): boolean {
  let finite = 0;
  let varies = false;
  const start = values[first]!;
  for (let i = first; i <= last; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    finite++;
    if (v !== start) varies = true;
    // Both known: the rest cannot change the answer.
    if (varies && finite >= DUPLICATE_MIN_POINTS) return true;
  }
  return false;
}

export function checkDuplicates(series: readonly QualitySeries[]): CheckOutcome {
  const issues: Array<Uint8Array | undefined> = series.map(() => undefined);
  const involved = new Set<number>();
  const failed: string[] = [];
  const warned: string[] = [];
  const failNames: string[] = [];
  const warnNames: string[] = [];
  const name = (i: number) => displayName(series[i]!, i);

  // (a) the same identity twice
  const byIdentity = new Map<string, number[]>();
  series.forEach((s, i) => {
    const key = `${String(s.name)}\u0000${labelsKey(s.labels)}`;
    const group = byIdentity.get(key);
    if (group) group.push(i);
    else byIdentity.set(key, [i]);
  });
  let conflictPoints = 0;
  const conflicting: number[] = [];
  const copies: number[] = [];
  for (const group of byIdentity.values()) {
    if (group.length < 2) continue;
    for (const i of group) involved.add(i);
    const first = series[group[0]!]!;
    let conflict = false;
    for (const j of group.slice(1)) {
      const other = series[j]!;
      if (!placeable(first.grid) || !placeable(other.grid)) continue;
      for (let p = 0; p < first.grid.values.length; p++) {
        const q = alignedIndex(first.grid, p, other.grid);
        if (q < 0) continue;
        const x = first.grid.values[p]!;
        const y = other.grid.values[q]!;
        if (Number.isNaN(x) || Number.isNaN(y) || x === y) continue;
        (issues[group[0]!] ??= new Uint8Array(first.grid.values.length))[p] = 1;
        (issues[j] ??= new Uint8Array(other.grid.values.length))[q] = 1;
        conflictPoints++;
        conflict = true;
      }
    }
    (conflict ? conflicting : copies).push(group[0]!);
  }
  if (conflicting.length > 0) {
    const names = conflicting.map(name);
    failed.push(`${plural(conflicting.length, 'series', 'series')} (${nameList(names)}) appear more than once with different values at ${plural(conflictPoints, 'point')}`);
    failNames.push(...names);
  }
  if (copies.length > 0) {
    const names = copies.map(name);
    warned.push(`${plural(copies.length, 'series', 'series')} (${nameList(names)}) appear more than once with the same labels`);
    warnNames.push(...names);
  }

  // (b) different identities, same content; one representative per identity
  const trims: Array<[number, number]> = series.map((s) => [firstFinite(s.grid.values), lastFinite(s.grid.values)]);
  const buckets = new Map<number, number[]>();
  for (const group of byIdentity.values()) {
    const i = group[0]!;
    const s = series[i]!;
    const [first, last] = trims[i]!;
    if (!placeable(s.grid) || first < 0 || !nonTrivial(s.grid.values, first, last)) continue;
    const h = contentHash(s, first, last);
    const bucket = buckets.get(h);
    if (bucket) bucket.push(i);
    else buckets.set(h, [i]);
  }
  const pairs: Array<[number, number]> = [];
  for (const bucket of buckets.values()) {
    const classes: number[][] = [];
    for (const i of bucket) {
      const home = classes.find((c) => sameContent(series[c[0]!]!, series[i]!, trims, c[0]!, i));
      if (home) home.push(i);
      else classes.push([i]);
    }
    for (const c of classes) for (const j of c.slice(1)) pairs.push([c[0]!, j]);
  }
  if (pairs.length > 0) {
    for (const [a, b] of pairs) involved.add(a).add(b);
    const [a, b] = pairs[0]!;
    warned.push(
      `${plural(pairs.length, 'series', 'series')} ${pairs.length === 1 ? 'is an exact copy' : 'are exact copies'} of another (first ${name(b)} of ${name(a)}): one sender is exported twice and sums over them are doubled`,
    );
    warnNames.push(...pairs.flatMap(([x, y]) => [name(y), name(x)]));
  }

  // (c) what grid repair found
  const repaired = (field: 'duplicates' | 'conflicts') =>
    series.map((s, i) => ({ i, n: Number(s.repairs?.[field]) || 0 })).filter((r) => r.n > 0);
  const conflictRepairs = repaired('conflicts');
  const duplicateRepairs = repaired('duplicates');
  const total = (rows: Array<{ n: number }>) => rows.reduce((sum, r) => sum + r.n, 0);
  if (conflictRepairs.length > 0) {
    const names = conflictRepairs.map((r) => name(r.i));
    failed.push(`the input held ${plural(total(conflictRepairs), 'conflicting sample')} (one time, two values; the last was kept) in ${nameList(names)}`);
    failNames.push(...names);
    for (const r of conflictRepairs) involved.add(r.i);
  }
  if (duplicateRepairs.length > 0) {
    const names = duplicateRepairs.map((r) => name(r.i));
    warned.push(`the input repeated ${plural(total(duplicateRepairs), 'sample')} (one time, the same value; dropped) in ${nameList(names)}`);
    warnNames.push(...names);
    for (const r of duplicateRepairs) involved.add(r.i);
  }

  const status = failed.length > 0 ? 'fail' : warned.length > 0 ? 'warn' : 'pass';
  const findings = [...failed, ...warned];
  const message =
    findings.length === 0
      ? `None of the ${plural(series.length, 'series', 'series')} repeats or contradicts another, and the input repeated no sample.`
      : `${capitalise(findings.join('; '))}: give each sender a distinguishing label or fix the export that writes the same series twice.`;
  return {
    check: { id: 'duplicates', title: TITLE, status, value: involved.size, threshold: 0, unit: 'short', message, series: listed([...failNames, ...warnNames]) },
    issues,
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
