import { parseArgs } from 'node:util';
import { ALGORITHMS, type Algorithm } from '../backend/analysis/detectors/types';
import { DIRECTIONS, type Direction } from '../backend/analysis/score';
import { parseDuration } from '../common/validation';
import { epochUnitOf, parseIsoTime, type EpochUnit } from './fields';

/**
 * The flags of `encore detect` and `encore quality`, each checked with a message that names the
 * flag and says what was expected. A UsageError ends the run with exit code 2 before any file is
 * read.
 */

export class UsageError extends Error {
  override name = 'UsageError';
}

export type OutputFormat = 'table' | 'json';

/** Flags every command has. */
export interface CommonSettings {
  files: string[];
  format: OutputFormat;
  quiet: boolean;
  /** progress lines on stderr even when it is not a terminal */
  progress: boolean;
  stepMs?: number;
  timeUnit?: EpochUnit;
}

/** A length in points, or a duration turned into points once the file's step is known. */
export type Length = { points: number } | { ms: number };

export interface DetectSettings extends CommonSettings {
  out?: string;
  algorithm: Algorithm;
  sensitivity?: number;
  direction: Direction;
  minDuration: Length;
  /** 'auto' = detected per series; 'none' = no seasonal model; else the period */
  season: 'auto' | 'none' | { ms: number };
  failOnAnomaly: boolean;
}

export interface QualitySettings extends CommonSettings {
  /** undefined = the file's last timestamp */
  nowMs?: number;
  freshnessMs?: number;
  flatlineMs?: number;
  validRange?: [number, number];
  maxSeries?: number;
  counter: boolean;
  failOnQuality: boolean;
}

type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;
type Values = Record<string, string | boolean | undefined>;

const COMMON_FLAGS: FlagSpec = {
  help: { type: 'boolean', short: 'h' },
  format: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  progress: { type: 'boolean' },
  step: { type: 'string' },
  'time-unit': { type: 'string' },
};

const DETECT_FLAGS: FlagSpec = {
  ...COMMON_FLAGS,
  out: { type: 'string', short: 'o' },
  algorithm: { type: 'string' },
  sensitivity: { type: 'string' },
  direction: { type: 'string' },
  'min-duration': { type: 'string' },
  season: { type: 'string' },
  'fail-on-anomaly': { type: 'boolean' },
};

const QUALITY_FLAGS: FlagSpec = {
  ...COMMON_FLAGS,
  now: { type: 'string' },
  freshness: { type: 'string' },
  flatline: { type: 'string' },
  'valid-range': { type: 'string' },
  'max-series': { type: 'string' },
  counter: { type: 'boolean' },
  'fail-on-quality': { type: 'boolean' },
};

function parse(argv: string[], spec: FlagSpec): { values: Values; files: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: true });
    return { values: values as Values, files: positionals };
  } catch (error) {
    // parseArgs says `Unknown option '--x'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- "--x"`: the first sentence is the news.
    const message = (error as Error).message.split('. ')[0]!;
    throw new UsageError(message.endsWith('.') ? message.slice(0, -1) : message);
  }
}

const str = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

export function durationFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new UsageError(`--${name}: expected a duration such as 30s, 5m, 1h or 1d, got ${JSON.stringify(value)}`);
  return ms;
}

export function numberFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name}: expected a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

export function integerFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** `5` points or a duration such as `10m`. */
export function lengthFlag(name: string, value: string | undefined, fallback: Length): Length {
  if (value === undefined) return fallback;
  if (/^\d+$/.test(value.trim())) {
    const points = Number(value);
    if (points >= 1 && Number.isSafeInteger(points)) return { points };
  }
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new UsageError(`--${name}: expected a number of points (1 or more) or a duration such as 10m, got ${JSON.stringify(value)}`);
  return { ms };
}

/** `now`, an ISO-8601 time, or epoch seconds / milliseconds (by magnitude, as in files). */
export function timeFlag(name: string, value: string | undefined, clock: () => number = Date.now): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === 'now') return clock();
  if (/^[+-]?\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    return epochUnitOf(n) === 'seconds' ? n * 1000 : n;
  }
  const parsed = parseIsoTime(text);
  if (!parsed.ok) throw new UsageError(`--${name}: expected "now", an ISO-8601 time such as 2026-01-05T12:00:00Z or epoch seconds, got ${JSON.stringify(value)}`);
  return parsed.value;
}

/** `MIN:MAX`; either side may be empty for no limit (`0:` = not negative). */
export function rangeFlag(name: string, value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*([^:]*):([^:]*)\s*$/.exec(value);
  const side = (text: string, open: number) => (text.trim() === '' ? open : Number(text));
  const lo = match ? side(match[1]!, -Infinity) : NaN;
  const hi = match ? side(match[2]!, Infinity) : NaN;
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi || (lo === -Infinity && hi === Infinity)) {
    throw new UsageError(`--${name}: expected MIN:MAX such as 0:1 or 0: (no upper limit), got ${JSON.stringify(value)}`);
  }
  return [lo, hi];
}

function common(values: Values, files: string[]): CommonSettings {
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('stdin (-) can be read only once');
  const timeUnit = str(values['time-unit']);
  return {
    files,
    format: oneOf('format', str(values.format), ['table', 'json'] as const, 'table'),
    quiet: values.quiet === true,
    progress: values.progress === true,
    stepMs: durationFlag('step', str(values.step)),
    timeUnit: timeUnit === undefined || timeUnit === 'auto' ? undefined : oneOf('time-unit', timeUnit, ['s', 'ms'] as const, 's') === 's' ? 'seconds' : 'milliseconds',
  };
}

/** undefined: --help was asked for. */
export function parseDetectArgs(argv: string[]): DetectSettings | undefined {
  const { values, files } = parse(argv, DETECT_FLAGS);
  if (values.help) return undefined;
  const settings = common(values, files);
  const algorithm = oneOf('algorithm', str(values.algorithm), ALGORITHMS, 'auto');
  const seasonText = str(values.season) ?? 'auto';
  const season: DetectSettings['season'] = seasonText === 'auto' || seasonText === 'none' ? seasonText : { ms: durationFlag('season', seasonText)! };
  if (season === 'none' && (algorithm === 'seasonal' || algorithm === 'holt_winters')) {
    throw new UsageError(`--season none: the ${algorithm} algorithm needs a season; give a period such as 1d, or auto`);
  }
  if (typeof season === 'object' && (algorithm === 'rolling' || algorithm === 'ewma')) {
    throw new UsageError(`--season: the ${algorithm} algorithm has no season; use --algorithm seasonal, holt_winters or auto`);
  }
  if (settings.files.length === 0) throw new UsageError('expected at least one FILE (or - for stdin)');
  return {
    ...settings,
    out: str(values.out),
    algorithm,
    sensitivity: numberFlag('sensitivity', str(values.sensitivity), 0, 1),
    direction: oneOf('direction', str(values.direction), DIRECTIONS, 'both'),
    minDuration: lengthFlag('min-duration', str(values['min-duration']), { points: 1 }),
    season,
    failOnAnomaly: values['fail-on-anomaly'] === true,
  };
}

export function parseQualityArgs(argv: string[], clock: () => number = Date.now): QualitySettings | undefined {
  const { values, files } = parse(argv, QUALITY_FLAGS);
  if (values.help) return undefined;
  const settings = common(values, files);
  if (settings.files.length === 0) throw new UsageError('expected at least one FILE (or - for stdin)');
  return {
    ...settings,
    nowMs: timeFlag('now', str(values.now), clock),
    freshnessMs: durationFlag('freshness', str(values.freshness)),
    flatlineMs: durationFlag('flatline', str(values.flatline)),
    validRange: rangeFlag('valid-range', str(values['valid-range'])),
    maxSeries: integerFlag('max-series', str(values['max-series']), 1, 1_000_000),
    counter: values.counter === true,
    failOnQuality: values['fail-on-quality'] === true,
  };
}
