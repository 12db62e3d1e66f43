import assert from 'node:assert/strict';
import { UpstreamError, type UpstreamErrorKind } from '../../../src/backend/sources/errors';
import type { Series } from '../../../src/backend/sources/source';

/** A fixed "now" well after every range the tests query, so no sample is cut off by the clock. */
export const NOW = Date.UTC(2027, 0, 1);
export const fixedNow = (): number => NOW;

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Monday 2026-11-16 00:00 UTC. */
export const MONDAY = Date.UTC(2026, 10, 16);

export function seriesKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** labels key -> (timestamp -> value) */
export function byKeyAndTime(series: Series[]): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const s of series) {
    assert.equal(s.timestamps.length, s.values.length, 'timestamps and values have the same length');
    out.set(seriesKey(s.labels), new Map(s.timestamps.map((t, i) => [t, s.values[i]!])));
  }
  return out;
}

export async function rejectsWith(
  promise: Promise<unknown> | (() => unknown),
  kind: UpstreamErrorKind,
  message: RegExp | string,
): Promise<void> {
  await assert.rejects(
    async () => (typeof promise === 'function' ? promise() : promise),
    (error: unknown) => {
      assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
      assert.equal(error.kind, kind);
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    },
  );
}
