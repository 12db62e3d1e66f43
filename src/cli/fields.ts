/**
 * One field of an input row: a timestamp or a value. Each parser returns the number or a
 * message saying what was expected and what was found; the reader adds the file and line.
 *
 * Timestamps are ISO-8601 / RFC 3339 text, or epoch seconds or milliseconds. Which epoch unit a
 * file uses is decided from its first timestamp by magnitude (see `epochUnitOf`) and then held for
 * the whole file, so one row in the other unit is reported instead of stretching the grid over
 * decades. ISO times without an offset are UTC (JavaScript's Date.parse would take them as local
 * time, which makes the same file mean different things on different machines).
 */

export type TimeFormat = 'iso' | 'seconds' | 'milliseconds';
export type EpochUnit = 'seconds' | 'milliseconds';

/**
 * Epoch numbers below this are seconds, at or above it milliseconds: 1e11 seconds is the year
 * 5138, 1e11 milliseconds is March 1973, so every plausible timestamp of either kind is on its side.
 */
export const EPOCH_MS_THRESHOLD = 1e11;

/** Date's own limit: ±8.64e15 ms around 1970. */
const MAX_TIME_MS = 8.64e15;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const MISSING = new Set(['', 'nan', 'null', 'none', 'na', 'n/a']);
const POSITIVE_INFINITY = new Set(['inf', '+inf', 'infinity', '+infinity']);
const NEGATIVE_INFINITY = new Set(['-inf', '-infinity']);

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The common forms `123`, `-12.5`, `.5` without Number()'s generality, or NaN for anything else
 * (the caller then takes the general path). Exact: up to 15 digits the integer is exact, and one
 * division by an exact power of ten rounds correctly, as Number() does.
 */
export function simpleDecimal(text: string): number {
  const length = text.length;
  let i = 0;
  let c = text.charCodeAt(0);
  const negative = c === 45;
  if (negative || c === 43) i = 1;
  let n = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < length; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
    } else if (c === 46 && fraction < 0) {
      fraction = digits;
    } else {
      return NaN;
    }
  }
  if (digits === 0 || digits > 15) return NaN;
  const decimals = fraction < 0 ? 0 : digits - fraction;
  const value = decimals === 0 ? n : n / POW10[decimals]!;
  return negative ? -value : value;
}

export type Parsed = { ok: true; value: number } | { ok: false; message: string };

const fail = (message: string): Parsed => ({ ok: false, message });
const ok = (value: number): Parsed => ({ ok: true, value });

/** JSON-ish quoting for messages, shortened so a garbage line does not flood the terminal. */
export function quote(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

export function epochUnitOf(n: number): EpochUnit {
  return Math.abs(n) >= EPOCH_MS_THRESHOLD ? 'milliseconds' : 'seconds';
}

/** Epoch milliseconds of an ISO-8601 time; a message when it is not one or not a real date. */
export function parseIsoTime(text: string): Parsed {
  const m = ISO.exec(text);
  if (!m) return fail(`expected an ISO-8601 time such as 2026-01-05T12:00:00Z, got ${quote(text)}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    return fail(`${quote(text)} is not a valid date and time`);
  }
  const millis = frac === '' ? 0 : Math.round(Number(`0.${frac}`) * 1000);
  let offsetMinutes = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (zh > 23 || zm > 59) return fail(`${quote(text)} has an invalid UTC offset`);
    offsetMinutes = sign * (zh * 60 + zm);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return ok(date.getTime() - offsetMinutes * 60_000);
}

/**
 * Reads timestamps of one file, holding the format of the first one. `unit` forces the epoch
 * unit of numeric timestamps (the --time-unit flag); otherwise it is decided by magnitude.
 */
export class TimestampParser {
  format: TimeFormat | undefined;
  /** line of the timestamp that decided the format, for messages */
  decidedAt = 0;

  constructor(private readonly unit?: EpochUnit) {}

  parse(raw: string | number, line: number): Parsed {
    if (typeof raw === 'number') return this.epoch(raw, String(raw), line);
    const simple = simpleDecimal(raw);
    if (simple === simple) return this.epoch(simple, raw, line);
    const text = raw.trim();
    if (text === '') return fail('timestamp: missing');
    if (NUMBER.test(text)) return this.epoch(Number(text), text, line);
    const parsed = parseIsoTime(text);
    if (!parsed.ok) {
      const hint = this.format === undefined || this.format === 'iso' ? '' : ` (the file's timestamps are epoch ${this.format}, from line ${this.decidedAt})`;
      return fail(`timestamp: expected an ISO-8601 time such as 2026-01-05T12:00:00Z or epoch seconds or milliseconds, got ${quote(text)}${hint}`);
    }
    if (this.format === undefined) this.decide('iso', line);
    else if (this.format !== 'iso') return fail(`timestamp: expected epoch ${this.format} like line ${this.decidedAt}, got the ISO time ${quote(text)}`);
    return this.inRange(parsed.value, text);
  }

  private epoch(n: number, text: string, line: number): Parsed {
    if (!Number.isFinite(n)) return fail(`timestamp: expected a finite number, got ${quote(text)}`);
    const unit = this.unit ?? epochUnitOf(n);
    if (this.format === undefined) this.decide(unit, line);
    else if (this.format === 'iso') return fail(`timestamp: expected an ISO-8601 time like line ${this.decidedAt}, got the number ${quote(text)}`);
    else if (this.unit === undefined && unit !== this.format) {
      return fail(`timestamp: ${quote(text)} looks like epoch ${unit}, but the file's timestamps are epoch ${this.format} (decided at line ${this.decidedAt}; --time-unit sets the unit)`);
    }
    return this.inRange(this.format === 'seconds' ? n * 1000 : n, text);
  }

  private decide(format: TimeFormat, line: number): void {
    this.format = format;
    this.decidedAt = line;
  }

  private inRange(ms: number, text: string): Parsed {
    if (!(Math.abs(ms) <= MAX_TIME_MS)) return fail(`timestamp: ${quote(text)} is outside the dates a computer can represent`);
    return ok(ms);
  }
}

/**
 * A value: a decimal number, or a missing one (empty, NaN, null: the point becomes a gap), or
 * ±Inf as Prometheus writes it (kept as a non-finite value: the quality checks count it).
 */
export function parseValue(raw: unknown): Parsed {
  if (typeof raw === 'number') return ok(raw);
  if (raw === null) return ok(NaN);
  if (typeof raw !== 'string') return fail(`value: expected a number, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`);
  const simple = simpleDecimal(raw);
  if (simple === simple) return ok(simple);
  const text = raw.trim();
  if (NUMBER.test(text)) return ok(Number(text));
  const lower = text.toLowerCase();
  if (MISSING.has(lower)) return ok(NaN);
  if (POSITIVE_INFINITY.has(lower)) return ok(Infinity);
  if (NEGATIVE_INFINITY.has(lower)) return ok(-Infinity);
  return fail(`value: expected a number, got ${quote(text)}`);
}

/**
 * An events field: how many events a share's value is a share of (a count, 0 or more; fractions
 * are accepted, as rates times a step give them). Empty or a missing-value word: unknown.
 */
export function parseEvents(raw: unknown): Parsed {
  const parsed = parseValue(raw);
  const shown = typeof raw === 'string' ? quote(raw.trim()) : JSON.stringify(raw);
  if (!parsed.ok || (parsed.value === parsed.value && !(parsed.value >= 0 && parsed.value < Infinity))) {
    return fail(`events: expected a count of events (a number, 0 or more), got ${shown ?? 'nothing'}`);
  }
  return parsed;
}

/** A time in the file's own format, for output files; ISO without milliseconds when they are 0. */
export function formatTime(ms: number, format: TimeFormat): string {
  if (format === 'milliseconds') return String(ms);
  if (format === 'seconds') return String(ms / 1000);
  return isoString(ms);
}

export function isoString(ms: number): string {
  if (!(Math.abs(ms) <= MAX_TIME_MS)) return String(ms);
  const iso = new Date(ms).toISOString();
  return ms % 1000 === 0 ? `${iso.slice(0, -5)}Z` : iso;
}
