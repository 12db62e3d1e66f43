/**
 * Frame and field metadata as Grafana writes it: FrameMeta with typeVersion always present,
 * labels with sorted keys (Go marshals maps sorted, so output is deterministic), and the
 * checks the Go reader effectively applies when it unmarshals them.
 */
import type { FieldConfig, FrameMeta } from './frame';
import { parseJSON } from './exact-json';
import { fieldConfigProblem, frameMetaProblem, isPlainObject } from './go-shapes';

/** FrameMeta as Go marshals it: `typeVersion` is never omitted ([0,0] when unset), undefined keys dropped. */
// Objects are rebuilt with Object.fromEntries, which defines keys: an assignment would turn a
// "__proto__" key (a legal label name) into a prototype change and drop it.

export function frameMetaForWire(meta: FrameMeta): FrameMeta {
  const { type, typeVersion, ...rest } = meta;
  const entries: [string, unknown][] = [];
  if (type !== undefined) entries.push(['type', type]);
  entries.push(['typeVersion', typeVersion ?? [0, 0]]);
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) entries.push([key, value]);
  }
  return Object.fromEntries(entries) as FrameMeta;
}

export function sortedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Parses a metadata JSON string that must hold an object; `what` names it in the error. */
export function parseJSONObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJSON(text);
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isPlainObject(value)) throw new Error(`${what} must be a JSON object, got ${text.slice(0, 60)}`);
  return value;
}

export function parseLabels(text: string, what: string): Record<string, string> {
  const value = parseJSONObject(text, what);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new Error(`${what}: label "${key}" must be a string`);
  }
  return value as Record<string, string>;
}

/** Parses field config and rejects what Go's json.Unmarshal into data.FieldConfig would reject. */
export function parseFieldConfig(text: string, what: string): FieldConfig {
  const config = parseJSONObject(text, what);
  const problem = fieldConfigProblem(config);
  if (problem) throw new Error(`${what}: ${problem}`);
  return config as FieldConfig;
}

/** Parses frame meta and rejects what Go's json.Unmarshal into data.FrameMeta would reject. */
export function parseFrameMeta(text: string, what: string): FrameMeta {
  const meta = parseJSONObject(text, what);
  const problem = frameMetaProblem(meta);
  if (problem) throw new Error(`${what}: ${problem}`);
  return meta as FrameMeta;
}
