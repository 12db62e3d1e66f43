import { fieldKey, varintSize, WIRE_BYTES, WIRE_VARINT, writeVarint } from './protobuf-wire';

/**
 * Encoding QueryData answers (pluginv2.QueryDataResponse) straight into one buffer. The frames of
 * an answer are already encoded (Arrow or JSON bytes, those of cached answers reused), so all the
 * message adds is a few keys and lengths around them; protobufjs' general path built message
 * objects and a writer's list of operations for it on every call. The bytes are those protobufjs
 * writes for the same value (a test compares them), except that text is always valid UTF-8; a
 * value of any other shape goes to protobufjs.
 */

/** DataResponse as the data service builds it (services/data.ts). */
interface AnswerValue {
  frames: Uint8Array[];
  error?: string;
  jsonMeta?: Uint8Array;
  status?: number;
  errorSource?: string;
  format?: number;
}

const ANSWER_FIELDS = new Set(['frames', 'error', 'jsonMeta', 'status', 'errorSource', 'format']);
const MAX_INT32 = 2 ** 31 - 1;

// Keys of the fields written: QueryDataResponse.responses = 1 (a map: entries of key = 1,
// value = 2) and DataResponse's six fields.
const RESPONSES_ENTRY = fieldKey(1, WIRE_BYTES);
const ENTRY_KEY = fieldKey(1, WIRE_BYTES);
const ENTRY_VALUE = fieldKey(2, WIRE_BYTES);
const FRAMES = fieldKey(1, WIRE_BYTES);
const ERROR = fieldKey(2, WIRE_BYTES);
const JSON_META = fieldKey(3, WIRE_BYTES);
const STATUS = fieldKey(4, WIRE_VARINT);
const ERROR_SOURCE = fieldKey(5, WIRE_BYTES);
const FORMAT = fieldKey(6, WIRE_VARINT);

/** The serializer for QueryDataResponse: this encoding, or `general` for values of another shape. */
export function answerSerializer(general: (value: unknown) => Buffer): (value: unknown) => Buffer {
  return (value) => encodeAnswers(value) ?? general(value);
}

/** The encoded QueryDataResponse; undefined when the value is not of the shape the data service sends. */
export function encodeAnswers(value: unknown): Buffer | undefined {
  const responses = (value as { responses?: unknown } | null)?.responses;
  if (typeof responses !== 'object' || responses === null || Object.keys(value as object).length !== 1) return undefined;
  const entries: Array<{ key: string; keyBytes: number; answer: AnswerValue; answerBytes: number; entryBytes: number }> = [];
  let total = 0;
  for (const key of Object.keys(responses)) {
    const answer = (responses as Record<string, unknown>)[key];
    if (!isAnswer(answer)) return undefined;
    const keyBytes = Buffer.byteLength(key);
    const answerBytes = answerSize(answer);
    const entryBytes = 1 + varintSize(keyBytes) + keyBytes + 1 + varintSize(answerBytes) + answerBytes;
    entries.push({ key, keyBytes, answer, answerBytes, entryBytes });
    total += 1 + varintSize(entryBytes) + entryBytes;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const entry of entries) {
    out[at++] = RESPONSES_ENTRY;
    at = writeVarint(out, at, entry.entryBytes);
    out[at++] = ENTRY_KEY;
    at = writeVarint(out, at, entry.keyBytes);
    at += out.write(entry.key, at, 'utf8');
    out[at++] = ENTRY_VALUE;
    at = writeVarint(out, at, entry.answerBytes);
    at = writeAnswer(out, at, entry.answer);
  }
  return out;
}

function isAnswer(value: unknown): value is AnswerValue {
  if (typeof value !== 'object' || value === null) return false;
  for (const key of Object.keys(value)) if (!ANSWER_FIELDS.has(key)) return false;
  const answer = value as Record<string, unknown>;
  const frames = answer.frames;
  if (!Array.isArray(frames) || !frames.every((frame) => frame instanceof Uint8Array)) return false;
  const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
  const isInt32 = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_INT32;
  return (
    optional(answer.error, (v) => typeof v === 'string') &&
    optional(answer.errorSource, (v) => typeof v === 'string') &&
    optional(answer.jsonMeta, (v) => v instanceof Uint8Array) &&
    optional(answer.status, isInt32) &&
    optional(answer.format, isInt32)
  );
}

function answerSize(answer: AnswerValue): number {
  let size = 0;
  for (const frame of answer.frames) size += 1 + varintSize(frame.length) + frame.length;
  if (answer.error !== undefined) size += stringFieldSize(answer.error);
  if (answer.jsonMeta !== undefined) size += 1 + varintSize(answer.jsonMeta.length) + answer.jsonMeta.length;
  if (answer.status !== undefined) size += 1 + varintSize(answer.status);
  if (answer.errorSource !== undefined) size += stringFieldSize(answer.errorSource);
  if (answer.format !== undefined) size += 1 + varintSize(answer.format);
  return size;
}

function writeAnswer(out: Buffer, start: number, answer: AnswerValue): number {
  let at = start;
  for (const frame of answer.frames) at = writeBytesField(out, at, FRAMES, frame);
  if (answer.error !== undefined) at = writeStringField(out, at, ERROR, answer.error);
  if (answer.jsonMeta !== undefined) at = writeBytesField(out, at, JSON_META, answer.jsonMeta);
  if (answer.status !== undefined) {
    out[at++] = STATUS;
    at = writeVarint(out, at, answer.status);
  }
  if (answer.errorSource !== undefined) at = writeStringField(out, at, ERROR_SOURCE, answer.errorSource);
  if (answer.format !== undefined) {
    out[at++] = FORMAT;
    at = writeVarint(out, at, answer.format);
  }
  return at;
}

function stringFieldSize(text: string): number {
  const bytes = Buffer.byteLength(text);
  return 1 + varintSize(bytes) + bytes;
}

function writeStringField(out: Buffer, start: number, key: number, text: string): number {
  out[start] = key;
  const at = writeVarint(out, start + 1, Buffer.byteLength(text));
  return at + out.write(text, at, 'utf8');
}

function writeBytesField(out: Buffer, start: number, key: number, bytes: Uint8Array): number {
  out[start] = key;
  const at = writeVarint(out, start + 1, bytes.length);
  out.set(bytes, at);
  return at + bytes.length;
}
