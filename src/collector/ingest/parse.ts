import { gunzip } from 'node:zlib';

/**
 * From request bytes to a list of raw items: content negotiation, gzip with an output bound,
 * and JSON array or NDJSON parsing. Anything that makes the body as a whole unusable becomes a
 * BodyError with the HTTP status and a reason the sender can act on; a well-formed body whose
 * items are bad events is not an error here (each item is judged on its own later).
 */

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
    /** bounded class for the self-metrics */
    readonly kind: 'content_type' | 'encoding' | 'too_large' | 'too_many_events' | 'bad_gzip' | 'bad_json',
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

export type BodyFormat = 'json' | 'ndjson';

/** The format from Content-Type: application/json (an array) or application/x-ndjson (one event per line). */
export function bodyFormat(contentType: string | undefined): BodyFormat {
  const [mediaType = '', ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  const supported = 'send Content-Type: application/json (a JSON array of events) or application/x-ndjson (one event per line)';
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new BodyError(415, `charset ${charset} is not supported; events are UTF-8`, 'content_type');
  }
  if (mediaType === 'application/json') return 'json';
  if (mediaType === 'application/x-ndjson' || mediaType === 'application/ndjson') return 'ndjson';
  throw new BodyError(415, mediaType === '' ? `no Content-Type; ${supported}` : `Content-Type ${mediaType} is not supported; ${supported}`, 'content_type');
}

/** Whether the body is gzip, from Content-Encoding (identity or absent: plain). */
export function isGzip(contentEncoding: string | undefined): boolean {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return false;
  if (encoding === 'gzip' || encoding === 'x-gzip') return true;
  throw new BodyError(415, `Content-Encoding ${encoding} is not supported; send gzip or no encoding`, 'encoding');
}

/**
 * Decompresses with a hard bound on the output: zlib stops as soon as `maxBytes` would be
 * exceeded, so a gzip bomb costs at most `maxBytes` of memory and the matching CPU.
 */
export function gunzipBounded(body: Buffer, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: maxBytes }, (error, result) => {
      if (!error) return resolve(result);
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        return reject(new BodyError(413, `the decompressed body exceeds the limit of ${maxBytes} bytes (max-decoded-bytes)`, 'too_large'));
      }
      reject(new BodyError(400, `the body is not valid gzip: ${error.message}`, 'bad_gzip'));
    });
  });
}

export interface ParsedBody {
  items: unknown[];
  /** NDJSON: the 1-based line of each item (blank lines are skipped, so lines and indexes differ) */
  lines?: number[];
}

/** Parses the decoded text; throws BodyError 400 (with the place) or 413 (too many events). */
export function parseBody(text: string, format: BodyFormat, maxEvents: number): ParsedBody {
  return format === 'json' ? parseJsonArray(text, maxEvents) : parseNdjson(text, maxEvents);
}

function parseJsonArray(text: string, maxEvents: number): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BodyError(400, `the body is not valid JSON: ${jsonErrorAt(text, error)}`, 'bad_json');
  }
  if (!Array.isArray(value)) {
    throw new BodyError(400, `expected a JSON array of events, got ${describeJsonType(value)} (send one event as [event])`, 'bad_json');
  }
  if (value.length > maxEvents) throw tooManyEvents(value.length, maxEvents);
  return { items: value };
}

function parseNdjson(text: string, maxEvents: number): ParsedBody {
  const items: unknown[] = [];
  const lines: number[] = [];
  let start = 0;
  let lineNo = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    start = end + 1;
    if (line.trim() === '') continue;
    if (items.length === maxEvents) throw tooManyEvents(`more than ${maxEvents}`, maxEvents);
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      throw new BodyError(400, `line ${lineNo} is not valid JSON: ${jsonErrorAt(line, error)}`, 'bad_json');
    }
    lines.push(lineNo);
  }
  return { items, lines };
}

function tooManyEvents(count: number | string, maxEvents: number): BodyError {
  return new BodyError(413, `the batch has ${count} events; the limit is ${maxEvents} events per batch (max-events)`, 'too_many_events');
}

/** V8's message, plus line and column when it gives a position (it does for most errors). */
function jsonErrorAt(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Unexpected end of JSON input/.test(message)) return `unexpected end of input after ${text.length} characters (truncated?)`;
  const position = /at position (\d+)/.exec(message);
  if (!position) return message;
  const at = Number(position[1]);
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
