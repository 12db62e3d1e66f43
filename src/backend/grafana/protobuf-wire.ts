/**
 * The protobuf wire format's primitives, for the two places the backend reads or writes messages
 * itself rather than through protobufjs: finding the plugin context in a request
 * (context-reuse.ts) and writing QueryData answers (answer-encoding.ts).
 * https://protobuf.dev/programming-guides/encoding/
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** A field's key: its number and wire type, as it precedes the field's value. */
export function fieldKey(field: number, wireType: number): number {
  return field * 8 + wireType;
}

/** A base-128 varint of at most 7 bytes (values below 2^49, exact in a double); undefined when cut off or longer. */
export function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 7; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  return undefined;
}

/** The index after a varint (up to 10 bytes), -1 when it is cut off. */
export function skipVarint(bytes: Uint8Array, at: number): number {
  for (let i = at; i < bytes.length && i < at + 10; i++) if (bytes[i]! < 0x80) return i + 1;
  return -1;
}

/** Bytes of a base-128 varint of a value in 0..2^53. */
export function varintSize(value: number): number {
  let size = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 128)) size++;
  return size;
}

/** Writes a varint of a value in 0..2^53 at `start`; returns the index after it. */
export function writeVarint(out: Uint8Array, start: number, value: number): number {
  let at = start;
  let rest = value;
  while (rest >= 0x80) {
    out[at++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[at++] = rest;
  return at;
}
