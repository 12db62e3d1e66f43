/**
 * hclog-style JSON logging on stderr, the only channel Grafana reads plugin logs from.
 * go-plugin parses `@timestamp` with Go's layout 2006-01-02T15:04:05.000000Z07:00: exactly six
 * fractional digits, or the whole line degrades to an unparsed debug message.
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const LEVEL_RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line. */
  with(fields: LogFields): Logger;
}

/**
 * Wall-clock time with microseconds, formatted for go-plugin. The date and time up to the second
 * are formatted once per second: every query writes an audit line, and a Date and its ISO text
 * for each were a measurable part of a cached answer's time.
 */
export function hclogTimestamp(epochMicros: number): string {
  const micros = Math.floor(epochMicros);
  const second = Math.floor(micros / 1_000_000);
  if (second !== formattedSecond) {
    formattedSecond = second;
    secondPrefix = new Date(second * 1000).toISOString().slice(0, 20); // 2026-01-02T03:04:05.
  }
  return `${secondPrefix}${String(micros - second * 1_000_000).padStart(6, '0')}Z`;
}
let formattedSecond = NaN;
let secondPrefix = '';

function nowMicros(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/** Values that JSON cannot carry as-is (errors, bigints) become readable text. */
function loggable(value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Takes secrets out of a value before it is written (see security/secrets.ts). */
export type Redact = <T>(value: T) => T;

export function formatLogLine(level: LogLevel, message: string, fields: LogFields, epochMicros: number, redact?: Redact): string {
  const line: Record<string, unknown> = {
    '@level': level,
    '@message': redact ? redact(message) : message,
    '@timestamp': hclogTimestamp(epochMicros),
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || key.startsWith('@')) continue;
    // Redacted before JSON encoding, so the line stays valid JSON whatever the secret holds.
    line[key] = redact ? redact(loggable(value)) : loggable(value);
  }
  return JSON.stringify(line);
}

/** Set once stderr is known to be broken: writing more would only raise more errors. */
let silenced = false;

export function silenceLogging(): void {
  silenced = true;
}

/**
 * Lines wait up to LOG_BATCH_MS and go out together. stderr is a pipe to Grafana, and on Linux a
 * write to a pipe is a synchronous system call: written one by one, the audit line of each query
 * took 40 % of the backend's QueryData time in the bench:query profile, and written once per turn
 * of the event loop still 11 % under a closed loop of cached queries (where a turn answers one or
 * two). Error lines are written at once, with whatever waits before them (what precedes a crash
 * must not wait); so is a batch that reaches LOG_BATCH_BYTES; lines still waiting when the
 * process exits are written by its exit handler.
 */
export const LOG_BATCH_MS = 20;
export const LOG_BATCH_BYTES = 64 * 1024;
let pending = '';
let flushTimer: NodeJS.Timeout | undefined;
let exitHookSet = false;

/** Writes the lines waiting, if any. */
export function flushLogs(): void {
  if (flushTimer !== undefined) {
    clearTimeout(flushTimer);
    flushTimer = undefined;
  }
  if (pending === '') return;
  const text = pending;
  pending = '';
  if (silenced || process.stderr.destroyed) return;
  process.stderr.write(text);
}

function writeToStderr(line: string, level: LogLevel): void {
  if (silenced) return;
  pending += line + '\n';
  if (level === 'error' || pending.length >= LOG_BATCH_BYTES) return flushLogs();
  if (!exitHookSet) {
    exitHookSet = true;
    process.on('exit', flushLogs);
  }
  // Unreferenced: waiting lines never keep the process alive; the exit handler writes them.
  if (flushTimer === undefined) flushTimer = setTimeout(flushLogs, LOG_BATCH_MS).unref();
}

export function createLogger(options: {
  level?: LogLevel;
  /** where lines go (default: stderr, batched for up to LOG_BATCH_MS) */
  write?: (line: string, level: LogLevel) => void;
  fields?: LogFields;
  /** applied to the message and every field value of every line */
  redact?: Redact;
}): Logger {
  const minRank = LEVEL_RANK[options.level ?? 'info'];
  const write = options.write ?? writeToStderr;
  const base = options.fields ?? {};
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVEL_RANK[level] < minRank) return;
    write(formatLogLine(level, message, { ...base, ...fields }, nowMicros(), options.redact), level);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    with: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

export function parseLogLevel(text: string | undefined): LogLevel {
  const lower = (text ?? '').toLowerCase();
  return lower in LEVEL_RANK ? (lower as LogLevel) : 'info';
}
