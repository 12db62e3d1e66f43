/**
 * A QueryData answer read the way Grafana reads it: every frame through the Go SDK reader rules,
 * then one time/value series per frame with its labels and field config. Shared by the tests
 * that check KPI answers.
 */
import assert from 'node:assert/strict';
import { assertGrafanaReadableFrame } from '../harness/go-reader-rules';
import type { DataResponse } from '../harness/wire';

export interface DecodedSeries {
  labels: Record<string, string>;
  times: number[];
  values: number[];
  unit: unknown;
  decimals: unknown;
  description: unknown;
  displayName: unknown;
}
export interface Decoded {
  series: DecodedSeries[];
  meta: { custom?: unknown; executedQueryString?: string } | undefined;
}

export function effectiveStatus(response: DataResponse): number {
  if (response.status !== 0) return response.status;
  return response.error ? 500 : 200;
}

/** Frames read the way Grafana reads them; the empty frame of a query without series gives no series. */
export function decode(answer: DataResponse | undefined, what: string): Decoded {
  assert.ok(answer, `${what}: no answer`);
  assert.equal(answer.error, '', `${what}: unexpected error`);
  assert.equal(effectiveStatus(answer), 200, what);
  const frames = answer.frames.map((bytes) => assertGrafanaReadableFrame(new Uint8Array(bytes)));
  assert.ok(frames.length > 0, `${what}: at least the empty frame`);
  const series = frames.map((frame): DecodedSeries => {
    const time = frame.fields.find((f) => f.type === 'time');
    const value = frame.fields.find((f) => f.type === 'float64');
    assert.ok(time && value, `${what}: time and float64 fields, got ${frame.fields.map((f) => `${f.name}:${f.type}`).join(', ')}`);
    return {
      labels: value.labels ?? {},
      times: time.values as number[],
      values: value.values as number[],
      unit: value.config?.unit,
      decimals: value.config?.decimals,
      description: value.config?.description,
      displayName: value.config?.displayNameFromDS,
    };
  });
  return { series: series.filter((s) => s.times.length > 0), meta: frames[0]!.meta as Decoded['meta'] };
}

