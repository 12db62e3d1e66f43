import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { labelsId, type ExtentEntry, type StoredSeries } from './entries';

/**
 * Cache entries as they are written to Redis: MessagePack (msgpackr), deflate-compressed when
 * that saves bytes, encrypted and authenticated with AES-256-GCM. The key comes from the data
 * source's secret (secureJsonData.cacheEncryptionKey) through HKDF; a second derived key names
 * the Redis keys (HMAC), so neither names nor values show which queries ran.
 *
 * Layout: version (1 byte) | flags (1) | IV (12) | GCM tag (16) | ciphertext. The version, the
 * flags and the Redis key name are authenticated data: a value copied to another key, or with
 * its flags changed, fails to decrypt instead of answering the wrong query.
 */

const VERSION = 1;
const FLAG_DEFLATE = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 2 + IV_BYTES + TAG_BYTES;
/** Below this the deflate header costs more than it saves. */
const COMPRESS_ABOVE = 256;
/** A value never inflates beyond this (a corrupt or hostile value cannot exhaust memory). */
const MAX_PLAIN_BYTES = 64 * 1024 * 1024;

export interface CacheKeys {
  /** AES-256-GCM key for values */
  encryption: Buffer;
  /** HMAC-SHA256 key for Redis key names */
  naming: Buffer;
}

export class CacheCodecError extends Error {
  override name = 'CacheCodecError';
}

export function deriveCacheKeys(secret: string): CacheKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'encore-results-cache', info, 32));
  return { encryption: derive('values aes-256-gcm v1'), naming: derive('key names hmac-sha256 v1') };
}

/** An opaque, fixed-length name for a logical key: base64url of its HMAC, 128 bits. */
export function hashName(keys: CacheKeys, logical: string): string {
  return createHmac('sha256', keys.naming).update(logical).digest('base64url').slice(0, 22);
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

interface WireEntry {
  v: number;
  f: number;
  t: number;
  s: number;
  u: number;
  /** step in ms: timestamps are written as whole steps after `f` */
  p: number;
  /** per series: labels, step offsets (Uint32 little-endian), values (Float64 little-endian) */
  x: Array<[Record<string, string>, Uint8Array, Uint8Array]>;
}

function bytesOf(array: Uint32Array | Float64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Typed arrays need aligned memory: copy the bytes msgpackr hands back (a view into the value). */
function aligned<T extends Uint32Array | Float64Array>(bytes: Uint8Array, Kind: { new (length: number): T; BYTES_PER_ELEMENT: number }): T {
  if (bytes.byteLength % Kind.BYTES_PER_ELEMENT !== 0) throw new CacheCodecError('cache value: a sample array has a partial element');
  const out = new Kind(bytes.byteLength / Kind.BYTES_PER_ELEMENT);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function encodeEntry(entry: ExtentEntry, stepMs: number, keys: CacheKeys, name: string): Buffer {
  const wire: WireEntry = {
    v: VERSION,
    f: entry.from,
    t: entry.to,
    s: entry.settledTo,
    u: entry.volatileUntil,
    p: stepMs,
    x: entry.series.map((s) => {
      const offsets = new Uint32Array(s.timestamps.length);
      for (let i = 0; i < offsets.length; i++) offsets[i] = (s.timestamps[i]! - entry.from) / stepMs;
      return [s.labels, bytesOf(offsets), bytesOf(s.values)];
    }),
  };
  let plain: Buffer = packr.pack(wire);
  let flags = 0;
  if (plain.length > COMPRESS_ABOVE) {
    const compressed = deflateRawSync(plain, { level: 1 });
    if (compressed.length < plain.length) {
      plain = compressed;
      flags |= FLAG_DEFLATE;
    }
  }
  const header = Buffer.from([VERSION, flags]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([header, Buffer.from(name, 'utf8')]));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

/** Throws CacheCodecError for a value that is not ours, was written under another key or name, or is damaged. */
export function decodeEntry(value: Buffer, keys: CacheKeys, name: string): { entry: ExtentEntry; stepMs: number } {
  if (value.length < HEADER_BYTES || value[0] !== VERSION) throw new CacheCodecError('cache value: unknown format');
  const flags = value[1]!;
  const header = value.subarray(0, 2);
  const iv = value.subarray(2, 2 + IV_BYTES);
  const tag = value.subarray(2 + IV_BYTES, HEADER_BYTES);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.encryption, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([header, Buffer.from(name, 'utf8')]));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(value.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    throw new CacheCodecError('cache value: does not decrypt with this data source\'s cache key');
  }
  try {
    if (flags & FLAG_DEFLATE) plain = inflateRawSync(plain, { maxOutputLength: MAX_PLAIN_BYTES });
    const wire = packr.unpack(plain) as WireEntry;
    if (wire.v !== VERSION || !Array.isArray(wire.x) || !(wire.p > 0)) throw new CacheCodecError('cache value: unexpected content');
    const series: StoredSeries[] = wire.x.map(([labels, offsetBytes, valueBytes]) => {
      const offsets = aligned(offsetBytes, Uint32Array);
      const values = aligned(valueBytes, Float64Array);
      if (offsets.length !== values.length) throw new CacheCodecError('cache value: timestamps and values differ in length');
      const timestamps = new Float64Array(offsets.length);
      for (let i = 0; i < offsets.length; i++) timestamps[i] = wire.f + offsets[i]! * wire.p;
      return { labels, id: labelsId(labels), timestamps, values };
    });
    return { entry: { from: wire.f, to: wire.t, settledTo: wire.s, volatileUntil: wire.u, series }, stepMs: wire.p };
  } catch (error) {
    if (error instanceof CacheCodecError) throw error;
    throw new CacheCodecError(`cache value: cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
}
