import { UpstreamError } from '../errors';
import type { Series } from '../source';

/**
 * Converts the `data` of Prometheus query answers into Series. Answers can hold millions of
 * samples, so this checks shapes by hand in single passes instead of through a schema library;
 * anything unexpected (MalformedAnswer) means the upstream is not speaking the Prometheus API.
 */

export function seriesFromQueryData(data: unknown): Series[] {
  if (!isObject(data)) throw malformed('data is not an object');
  const { resultType, result } = data;
  switch (resultType) {
    case 'matrix':
      return arrayOf(result, 'matrix result').map(matrixSeries);
    case 'vector':
      return arrayOf(result, 'vector result').map(vectorSeries);
    case 'scalar': {
      const [timestamp, value] = samplePair(result);
      return [{ labels: {}, timestamps: [timestamp], values: [value] }];
    }
    case 'string':
      throw new UpstreamError('bad_query', 'the query returns a string; Encore needs an expression that returns numbers (a scalar, instant vector or range)');
    default:
      throw malformed(`unknown resultType ${JSON.stringify(resultType)}`);
  }
}

/** Prometheus writes sample values as strings so that NaN and the infinities survive JSON. */
export function parseSampleValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw malformed(`sample value ${JSON.stringify(value)} is not a string`);
  switch (value) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
    case 'inf':
    case '+inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
  }
  const number = value.trim() === '' ? NaN : Number(value);
  if (Number.isNaN(number)) throw malformed(`sample value "${value.slice(0, 40)}" is not a number`);
  return number;
}

/** The string list that the label and label-values endpoints answer with. */
export function stringsFromData(data: unknown, what: string): string[] {
  const list = arrayOf(data, what);
  for (const item of list) if (typeof item !== 'string') throw malformed(`${what} holds a ${typeof item}, expected strings`);
  return list as string[];
}

function matrixSeries(entry: unknown): Series {
  if (!isObject(entry)) throw malformed('matrix entry is not an object');
  const labels = labelSet(entry.metric);
  // Native histogram samples (`histograms`) have no single value; Encore reads float samples only.
  const pairs = entry.values === undefined ? [] : arrayOf(entry.values, 'matrix values');
  const timestamps = new Array<number>(pairs.length);
  const values = new Array<number>(pairs.length);
  for (let i = 0; i < pairs.length; i++) {
    const [timestamp, value] = samplePair(pairs[i]);
    timestamps[i] = timestamp;
    values[i] = value;
  }
  return { labels, timestamps, values };
}

function vectorSeries(entry: unknown): Series {
  if (!isObject(entry)) throw malformed('vector entry is not an object');
  const labels = labelSet(entry.metric);
  if (entry.value === undefined) return { labels, timestamps: [], values: [] };
  const [timestamp, value] = samplePair(entry.value);
  return { labels, timestamps: [timestamp], values: [value] };
}

function samplePair(pair: unknown): [number, number] {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number') {
    throw malformed('sample is not a [timestamp, "value"] pair');
  }
  // Seconds with millisecond decimals; rounding removes float noise such as 1700000000.1229999.
  return [Math.round(pair[0] * 1000), parseSampleValue(pair[1])];
}

function labelSet(metric: unknown): Record<string, string> {
  if (metric === undefined) return {};
  if (!isObject(metric)) throw malformed('series labels are not an object');
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(metric)) {
    if (typeof value !== 'string') throw malformed(`label ${name} is not a string`);
    labels[name] = value;
  }
  return labels;
}

function arrayOf(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw malformed(`${what} is not a list`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Thrown for answers that do not have the Prometheus shape; the source adds which upstream sent it. */
export class MalformedAnswer extends Error {
  override name = 'MalformedAnswer';
}

function malformed(detail: string): MalformedAnswer {
  return new MalformedAnswer(detail);
}
