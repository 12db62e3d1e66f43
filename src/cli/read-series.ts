import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Readable } from 'node:stream';
import { splitCsvRecord } from './csv';
import { parseEvents, parseValue, quote, TimestampParser, type EpochUnit, type Parsed, type TimeFormat } from './fields';

/**
 * Reads the series of one input file, streaming line by line (files may be far larger than any
 * string), with the line number of every problem.
 *
 * CSV: a header names the columns; `timestamp` (or `time`) and `value` are required, `series` (or
 * `name`) is optional and splits the file into several series, `events` is optional and gives,
 * for a share (failed payments among payments), the events each value is a share of; other
 * columns are ignored.
 * NDJSON: one object per line with the same keys. The format is sniffed from the first line that
 * is not blank: `{` starts NDJSON. A UTF-8 byte order mark, CRLF line ends and blank lines are
 * accepted everywhere.
 */

export type InputFormat = 'csv' | 'ndjson';

export interface SeriesData {
  /** the series column's value, or the file's base name when it has none */
  name: string;
  timestamps: Float64Array;
  values: Float64Array;
  /** line of the series' first row */
  firstLine: number;
  /** the events behind each value, when the file has an events column (NaN where a row has none) */
  events?: Float64Array;
}

export interface ParsedInput {
  /** how the file is named in messages: its path as given, `stdin` for `-` */
  source: string;
  format: InputFormat;
  timeFormat: TimeFormat;
  /** whether the file had a series column (the output then has one too) */
  hasSeriesColumn: boolean;
  /** data rows read */
  rows: number;
  series: SeriesData[];
}

/** Problems found in one file; `problems` holds the first MAX_PROBLEMS, `total` counts them all. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly source: string,
    readonly problems: string[],
    readonly total: number = problems.length,
  ) {
    super(problems.join('\n') + (total > problems.length ? `\n${source}: ${total - problems.length} more problem(s) not shown` : ''));
  }
}

/** Problems listed per file: enough to see the pattern, few enough to read. */
export const MAX_PROBLEMS = 5;
/** A quoted field longer than this is an unterminated quote, not data. */
const MAX_RECORD_CHARS = 1 << 20;
/** Rows between progress reports. */
const PROGRESS_EVERY = 65_536;

export interface ReadOptions {
  /** force the epoch unit of numeric timestamps */
  timeUnit?: EpochUnit;
  /** called every PROGRESS_EVERY rows and at the end, with the rows read since the last call */
  onRows?: (rows: number) => void;
}

/** Growable column of numbers: a file's size is not known until it is read. */
class Column {
  private data = new Float64Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
  /** Pads with NaN up to `length` entries. */
  padTo(length: number): void {
    while (this.length < length) this.push(NaN);
  }
}

interface Accumulator {
  name: string;
  timestamps: Column;
  values: Column;
  /** created at the first row that has events */
  events?: Column;
  firstLine: number;
}

/** The name a file's series gets when the file does not name it: `data` for `dir/data.csv`. */
export function defaultSeriesName(source: string): string {
  const base = basename(source);
  const ext = extname(base);
  return ext && ext !== base ? base.slice(0, -ext.length) : base;
}

const TIME_COLUMNS = ['timestamp', 'time'];
const VALUE_COLUMNS = ['value'];
const SERIES_COLUMNS = ['series', 'name'];
const EVENTS_COLUMNS = ['events'];

/**
 * The parser proper, fed one line at a time (without its line break). Synchronous, so tests can
 * feed it lines directly; `readSeries` feeds it a stream.
 */
export class SeriesParser {
  private format: InputFormat | undefined;
  private line = 0;
  private header: { time: number; value: number; series: number; events: number; width: number; need: number } | undefined;
  /** fields of the current plain row, reused */
  private readonly scratch: string[] = [];
  private headerLine = 0;
  /** the header was unusable: the rest of the file cannot be read */
  private headerFailed = false;
  /** a CSV record continued over lines: its text so far and its first line */
  private pending: { text: string; line: number } | undefined;
  private readonly times: TimestampParser;
  private readonly bySeries = new Map<string, Accumulator>();
  private readonly problems: string[] = [];
  private problemCount = 0;
  private hasSeriesColumn = false;
  private unreported = 0;
  private readonly defaultName: string;
  rows = 0;

  constructor(
    readonly source: string,
    private readonly options: ReadOptions = {},
  ) {
    this.times = new TimestampParser(options.timeUnit);
    this.defaultName = defaultSeriesName(source);
  }

  push(rawLine: string): void {
    this.line++;
    let text = rawLine;
    if (this.line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (this.pending) {
      this.pending.text += `\n${text}`;
      if (this.pending.text.length > MAX_RECORD_CHARS) {
        this.problem(this.pending.line, `a quoted field opened here is not closed within ${MAX_RECORD_CHARS} characters`);
        this.pending = undefined;
        return;
      }
      const { text: record, line } = this.pending;
      this.csvRecord(record, line);
      return;
    }
    if (text.trim() === '') return;
    if (this.format === undefined) this.format = text.trimStart().startsWith('{') ? 'ndjson' : 'csv';
    if (this.format === 'ndjson') this.jsonRecord(text, this.line);
    else this.csvRecord(text, this.line);
  }

  finish(): ParsedInput {
    if (this.pending) {
      this.problem(this.pending.line, 'a quoted field opened here is not closed before the end of the file');
      this.pending = undefined;
    }
    this.flushProgress();
    if (this.problemCount === 0) {
      if (this.format === undefined) this.problem(undefined, 'empty file: expected a CSV header such as timestamp,value or NDJSON lines such as {"timestamp":...,"value":...}');
      else if (this.rows === 0) this.problem(undefined, this.format === 'csv' ? `no data rows after the header (line ${this.headerLine})` : 'no data rows');
    }
    if (this.problemCount > 0) throw new InputError(this.source, this.problems, this.problemCount);
    return {
      source: this.source,
      format: this.format!,
      timeFormat: this.times.format!,
      hasSeriesColumn: this.hasSeriesColumn,
      rows: this.rows,
      series: [...this.bySeries.values()].map((a) => {
        a.events?.padTo(a.values.length);
        return { name: a.name, timestamps: a.timestamps.toArray(), values: a.values.toArray(), firstLine: a.firstLine, ...(a.events ? { events: a.events.toArray() } : {}) };
      }),
    };
  }

  private csvRecord(text: string, line: number): void {
    if (this.header && !text.includes('"')) return this.plainRow(text, line);
    const split = splitCsvRecord(text);
    if (split.kind === 'open') {
      this.pending = { text, line };
      return;
    }
    this.pending = undefined;
    if (split.kind === 'error') return this.problem(line, split.message);
    const { fields } = split;
    if (this.headerFailed) return;
    if (!this.header) return this.readHeader(fields, line);
    const { time, value, series, events, need } = this.header;
    if (fields.length < need) return this.shortRow(fields.length, line);
    this.row(line, fields[time]!, fields[value]!, series >= 0 ? fields[series]! : undefined, events >= 0 ? fields[events]! : undefined);
  }

  /** A row without quotes: only the fields up to the last needed column are cut out. */
  private plainRow(text: string, line: number): void {
    const header = this.header!;
    const fields = this.scratch;
    let found = 0;
    let start = 0;
    while (found < header.need) {
      const comma = text.indexOf(',', start);
      fields[found++] = comma < 0 ? text.slice(start) : text.slice(start, comma);
      if (comma < 0) break;
      start = comma + 1;
    }
    if (found < header.need) return this.shortRow(found, line);
    this.row(line, fields[header.time]!, fields[header.value]!, header.series >= 0 ? fields[header.series]! : undefined, header.events >= 0 ? fields[header.events]! : undefined);
  }

  private shortRow(fields: number, line: number): void {
    const { time, value, series, events, width } = this.header!;
    const columns: Array<[number, string]> = [
      [time, 'timestamp'],
      [value, 'value'],
      [series, 'series'],
      [events, 'events'],
    ];
    const missing = columns.filter(([index]) => index >= fields).sort((a, b) => a[0] - b[0])[0]?.[1] ?? 'value';
    this.problem(line, `${missing}: missing (the row has ${fields} field${fields === 1 ? '' : 's'}, the header ${width})`);
  }

  private readHeader(fields: string[], line: number): void {
    this.headerLine = line;
    const names = fields.map((f) => f.trim().toLowerCase());
    const find = (candidates: string[]) => {
      for (const c of candidates) {
        const i = names.indexOf(c);
        if (i >= 0) return i;
      }
      return -1;
    };
    const time = find(TIME_COLUMNS);
    const value = find(VALUE_COLUMNS);
    const series = find(SERIES_COLUMNS);
    const events = find(EVENTS_COLUMNS);
    if (time < 0 || value < 0) {
      this.headerFailed = true;
      // A first line of numbers is data: the header is missing altogether.
      const looksLikeData = fields.length >= 2 && new TimestampParser().parse(fields[0]!, line).ok && parseValue(fields[1]!).ok;
      if (looksLikeData) return this.problem(line, `expected a header line naming the columns (timestamp,value), got the data row ${quote(fields.join(','))}`);
      const lacking = [time < 0 && 'timestamp (or time)', value < 0 && 'value'].filter(Boolean).join(' and ');
      return this.problem(line, `header: no ${lacking} column (the columns are ${fields.map((f) => quote(f.trim(), 30)).join(', ')})`);
    }
    this.header = { time, value, series, events, width: fields.length, need: Math.max(time, value, series, events) + 1 };
    this.hasSeriesColumn = series >= 0;
  }

  private jsonRecord(text: string, line: number): void {
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      return this.problem(line, `not valid JSON: ${(error as Error).message}`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return this.problem(line, `expected a JSON object such as {"timestamp":...,"value":...}, got ${Array.isArray(record) ? 'an array' : quote(text)}`);
    }
    const fields = record as Record<string, unknown>;
    const time = fields.timestamp ?? fields.time;
    if (time === undefined) return this.problem(line, 'timestamp: missing (expected a "timestamp" key)');
    if (typeof time !== 'string' && typeof time !== 'number') return this.problem(line, `timestamp: expected a string or a number, got ${JSON.stringify(time)}`);
    if (!('value' in fields)) return this.problem(line, 'value: missing (expected a "value" key)');
    const name = fields.series ?? fields.name;
    if (name !== undefined && name !== null && typeof name !== 'string' && typeof name !== 'number') {
      return this.problem(line, `series: expected a string, got ${JSON.stringify(name)}`);
    }
    if (name !== undefined && name !== null) this.hasSeriesColumn = true;
    this.row(line, time, fields.value, name === undefined || name === null ? undefined : String(name), fields.events);
  }

  private row(line: number, rawTime: string | number, rawValue: unknown, seriesName: string | undefined, rawEvents?: unknown): void {
    const t = this.times.parse(rawTime, line);
    if (!t.ok) return this.problem(line, t.message);
    const v: Parsed = parseValue(rawValue);
    if (!v.ok) return this.problem(line, v.message);
    const e: Parsed | undefined = rawEvents === undefined ? undefined : parseEvents(rawEvents);
    if (e && !e.ok) return this.problem(line, e.message);
    this.rows++;
    if (++this.unreported >= PROGRESS_EVERY) this.flushProgress();
    if (this.problemCount > 0) return; // the file has failed; go on only to count its problems
    const name = seriesName?.trim() || this.defaultName;
    let acc = this.bySeries.get(name);
    if (!acc) {
      acc = { name, timestamps: new Column(), values: new Column(), firstLine: line };
      this.bySeries.set(name, acc);
    }
    if (e) {
      acc.events ??= new Column();
      acc.events.padTo(acc.values.length);
      acc.events.push(e.value);
    }
    acc.timestamps.push(t.value);
    acc.values.push(v.value);
  }

  private flushProgress(): void {
    if (this.unreported > 0) this.options.onRows?.(this.unreported);
    this.unreported = 0;
  }

  private problem(line: number | undefined, message: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(line === undefined ? `${this.source}: ${message}` : `${this.source}:${line}: ${message}`);
  }
}

/**
 * Lines of a byte stream, in batches (one per chunk read), without their `\n`. UTF-8 is decoded
 * across chunk boundaries; a last line without a line break is a line too.
 */
export async function* streamLines(stream: Readable | AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    const lines = text.split('\n');
    carry = lines.pop()!;
    if (lines.length > 0) yield lines;
  }
  const rest = carry + decoder.decode();
  if (rest !== '') yield [rest];
}

/** Reads one input: a path, or `-` for stdin. Throws InputError for bad content, and file-system errors as they are. */
export async function readSeries(path: string, options: ReadOptions = {}, stdin: Readable = process.stdin): Promise<ParsedInput> {
  const source = path === '-' ? 'stdin' : path;
  const parser = new SeriesParser(source, options);
  const stream = path === '-' ? stdin : createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const batch of streamLines(stream)) {
    for (const line of batch) parser.push(line);
  }
  return parser.finish();
}

/** Parses a whole text at once (tests, small inputs). */
export function parseSeriesText(source: string, text: string, options: ReadOptions = {}): ParsedInput {
  const parser = new SeriesParser(source, options);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) parser.push(line);
  return parser.finish();
}
