import assert from 'node:assert/strict';
import type { Grid } from '../../../../src/backend/analysis/grid';
import type { CheckStatus, QualityCheck, QualityOptions, QualitySeries } from '../../../../src/backend/analysis/quality';

export const MIN = 60_000;
/** 2026-11-24 12:00 UTC, a Tuesday noon. */
export const T0 = Date.UTC(2026, 10, 24, 12);

export function grid(values: ArrayLike<number>, stepMs = MIN, startMs = T0): Grid {
  return { startMs, stepMs, values: Float64Array.from(values) };
}

export function series(name: string, values: ArrayLike<number>, extra: Partial<QualitySeries> = {}): QualitySeries {
  return { name, labels: { series: name }, grid: grid(values), ...extra };
}

/** `n` values from `f(i)`. */
export function make(n: number, f: (i: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/** A varying positive series: a daily-ish wave with a little jitter, never two equal neighbours. */
export function wave(n: number, base = 100): number[] {
  return make(n, (i) => base + 20 * Math.sin(i / 7) + ((i * 37) % 11) / 10 + i * 1e-6);
}

/** Options whose range is exactly the `n` points from T0, seen right at the last point. */
export function optionsFor(n: number, extra: Partial<QualityOptions> = {}): QualityOptions {
  const end = T0 + (n - 1) * MIN;
  return { rangeStartMs: T0, rangeEndMs: end, nowMs: end, ...extra };
}

/** A mask of `length` with 1 at `indices`. */
export function maskOf(length: number, indices: Iterable<number>): Uint8Array {
  const mask = new Uint8Array(length);
  for (const i of indices) mask[i] = 1;
  return mask;
}

export function range(from: number, to: number): number[] {
  return make(to - from, (i) => from + i);
}

export function assertCheck(check: QualityCheck, status: CheckStatus, value: number, threshold?: number): void {
  assert.equal(check.status, status, `${check.id}: ${check.message}`);
  assert.ok(Math.abs(check.value - value) <= 1e-9 * Math.max(1, Math.abs(value)), `${check.id} value: expected ${value}, got ${check.value} (${check.message})`);
  if (threshold !== undefined) assert.equal(check.threshold, threshold, `${check.id} threshold`);
  assert.ok(check.message.length > 0 && check.message.endsWith('.'), `${check.id} message is a sentence: ${check.message}`);
}
