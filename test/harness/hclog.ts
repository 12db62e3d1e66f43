/**
 * The plugin's stderr, read as go-plugin reads it (fact sheet §1.6) and kept for tests to query.
 *
 * go-plugin parses each line as a JSON object and takes @message, @level and @timestamp; the
 * timestamp must match Go's layout 2006-01-02T15:04:05.000000Z07:00 (exactly six fractional
 * digits) or the whole line falls back to raw text. Text lines get a level from a [LEVEL] prefix,
 * else debug. The entries record both what Grafana would log and what a strict reviewer should
 * complain about, so a test can assert "every line is clean hclog JSON".
 */
import { LineSplitter } from './lines';

export const HCLOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type HclogLevel = (typeof HCLOG_LEVELS)[number];

/** go-plugin reads stderr through a 64 KiB buffer; longer lines arrive in raw pieces. */
export const STDERR_BUFFER_BYTES = 64 * 1024;

export interface LogEntry {
  /** 0-based position in the stderr stream */
  seq: number;
  /** ms since the process was spawned */
  atMs: number;
  raw: string;
  /**
   * json: go-plugin accepted it as a structured entry;
   * text: logged as a raw line (not JSON, not an object, or an unparseable @timestamp);
   * fragment: piece of a line longer than the read buffer.
   */
  kind: 'json' | 'text' | 'fragment';
  /** level Grafana logs it at */
  level: HclogLevel;
  message: string;
  /** @timestamp as written, if any */
  timestamp: string | undefined;
  /** whether @timestamp parses with Go's microsecond layout (undefined: no @timestamp) */
  timestampValid: boolean | undefined;
  /** other top-level keys of a JSON line (go-plugin's key/value pairs) */
  fields: Record<string, unknown>;
  /** the line parsed as a JSON object, even if go-plugin would reject it (for diagnostics) */
  json: Record<string, unknown> | undefined;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})(Z|[+-](\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Would Go's time.Parse("2006-01-02T15:04:05.000000Z07:00", text) succeed?
 * Exactly six fractional digits, 'Z' or ±hh:mm, and calendar ranges Go enforces.
 */
export function isGoMicrosecondTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return false;
  if (day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[9] !== undefined && (Number(m[9]) > 24 || Number(m[10]) > 59)) return false;
  return true;
}

/** Fractional-second digits in an ISO-like timestamp (for error messages): 3 for toISOString(). */
export function fractionDigits(text: string): number {
  const m = /T\d{2}:\d{2}:\d{2}(?:\.(\d*))?/.exec(text);
  return m?.[1]?.length ?? 0;
}

function isLevel(value: unknown): value is HclogLevel {
  return typeof value === 'string' && (HCLOG_LEVELS as readonly string[]).includes(value);
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const PREFIX_LEVELS: [string, HclogLevel][] = [
  ['[TRACE]', 'trace'],
  ['[DEBUG]', 'debug'],
  ['[INFO]', 'info'],
  ['[WARN]', 'warn'],
  ['[ERROR]', 'error'],
];

export interface StrictLogRules {
  /** every line must carry @timestamp (go-plugin tolerates its absence; Encore always writes it) */
  requireTimestamp?: boolean;
}

export interface LogProblem {
  entry: LogEntry;
  problem: string;
}

/** Why a line is not clean hclog JSON, or undefined if it is. */
export function strictProblem(entry: LogEntry, rules: StrictLogRules = {}): string | undefined {
  if (entry.kind === 'fragment') return `line longer than ${STDERR_BUFFER_BYTES} bytes; go-plugin splits it and logs raw pieces`;
  const json = entry.json;
  if (!json) return 'not a JSON object; Grafana logs it as an unstructured debug line';
  for (const key of ['@message', '@level', '@timestamp']) {
    // go-plugin type-asserts these to string: anything else panics the host's log goroutine.
    if (key in json && typeof json[key] !== 'string') return `${key} is ${typeof json[key]}, not a string (go-plugin would panic)`;
  }
  const ts = json['@timestamp'];
  if (typeof ts === 'string' && !isGoMicrosecondTimestamp(ts)) {
    return `@timestamp "${ts}" has ${fractionDigits(ts)} fractional digits or is malformed; Go layout 2006-01-02T15:04:05.000000Z07:00 needs exactly 6, so the line degrades to raw text`;
  }
  if (ts === undefined && (rules.requireTimestamp ?? true)) return 'no @timestamp';
  if (!isLevel(json['@level'])) return `@level ${JSON.stringify(json['@level'])} is not one of ${HCLOG_LEVELS.join('|')}; logged verbatim at debug`;
  if (typeof json['@message'] !== 'string') return 'no @message';
  return undefined;
}

type Waiter = { predicate: (e: LogEntry) => boolean; resolve: (e: LogEntry) => void };

export class StderrLog {
  readonly entries: LogEntry[] = [];
  private readonly splitter: LineSplitter;
  private waiters: Waiter[] = [];
  /** after "panic: " / "fatal error: " go-plugin's host logs untagged lines as errors */
  private panicking = false;
  private closed = false;

  constructor(private readonly startedAt: number) {
    this.splitter = new LineSplitter((piece) => this.add(piece.text, piece.fragment), STDERR_BUFFER_BYTES);
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  end(): void {
    this.splitter.end();
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private add(raw: string, fragment: boolean): void {
    const entry = this.classify(raw, fragment);
    this.entries.push(entry);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(entry)) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(entry);
      }
    }
  }

  private classify(raw: string, fragment: boolean): LogEntry {
    const json = fragment ? undefined : parseObject(raw);
    const ts = json?.['@timestamp'];
    const base = {
      seq: this.entries.length,
      atMs: Date.now() - this.startedAt,
      raw,
      timestamp: typeof ts === 'string' ? ts : undefined,
      timestampValid: ts === undefined ? undefined : typeof ts === 'string' && isGoMicrosecondTimestamp(ts),
      fields: {},
    };
    if (fragment) return { ...base, kind: 'fragment', level: 'debug', message: raw, json: undefined };
    const accepted =
      json !== undefined &&
      (ts === undefined || (typeof ts === 'string' && isGoMicrosecondTimestamp(ts))) &&
      (json['@message'] === undefined || typeof json['@message'] === 'string') &&
      (json['@level'] === undefined || typeof json['@level'] === 'string');
    if (json && accepted) {
      const fields = Object.fromEntries(Object.entries(json).filter(([key]) => !['@message', '@level', '@timestamp'].includes(key)));
      const level = json['@level'];
      // A JSON line without a known level is "unexpected JSON": logged verbatim at debug.
      return isLevel(level)
        ? { ...base, kind: 'json', level, message: String(json['@message'] ?? ''), fields, json }
        : { ...base, kind: 'json', level: 'debug', message: raw, fields, json };
    }
    if (raw.startsWith('panic: ') || raw.startsWith('fatal error: ')) this.panicking = true;
    const prefixed = PREFIX_LEVELS.find(([prefix]) => raw.startsWith(prefix));
    const level: HclogLevel = prefixed ? prefixed[1] : this.panicking ? 'error' : 'debug';
    return { ...base, kind: 'text', level, message: raw, json };
  }

  /** First entry (already seen or still to come) matching predicate; rejects after timeoutMs. */
  waitForLog(predicate: (e: LogEntry) => boolean, timeoutMs = 10_000): Promise<LogEntry> {
    const seen = this.entries.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no stderr line matched within ${timeoutMs} ms; stderr so far:\n${this.text()}`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  find(predicate: (e: LogEntry) => boolean): LogEntry | undefined {
    return this.entries.find(predicate);
  }

  filter(predicate: (e: LogEntry) => boolean): LogEntry[] {
    return this.entries.filter(predicate);
  }

  /** stderr as text, for failure messages */
  text(): string {
    return this.entries.map((e) => e.raw).join('\n');
  }

  problems(rules: StrictLogRules = {}): LogProblem[] {
    return this.entries.flatMap((entry) => {
      const problem = strictProblem(entry, rules);
      return problem === undefined ? [] : [{ entry, problem }];
    });
  }

  /** Throws listing every line that is not clean hclog JSON with a 6-digit @timestamp. */
  assertStrictHclog(rules: StrictLogRules = {}): void {
    const problems = this.problems(rules);
    if (problems.length === 0) return;
    const listed = problems
      .slice(0, 20)
      .map(({ entry, problem }) => `  line ${entry.seq + 1}: ${problem}\n    ${entry.raw.slice(0, 300)}`)
      .join('\n');
    throw new Error(`${problems.length} stderr line(s) are not clean hclog JSON:\n${listed}`);
  }
}
