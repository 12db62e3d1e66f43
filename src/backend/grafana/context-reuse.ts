import type protobuf from 'protobufjs';
import { deepFreeze } from '../../common/freeze';
import { readVarint, skipVarint, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT } from './protobuf-wire';

/**
 * Decoding requests that carry a plugin context (field 1 of every pluginv2 request) without
 * decoding the same context again and again. Grafana sends the whole context with every call:
 * the user, the data source's settings and decrypted secrets, and the request-scoped Grafana
 * config, a few KiB that are byte for byte the same for every panel of a dashboard and every
 * refresh. Decoding it took a third of the protobuf time of a cached QueryData (bench:query
 * profile). A request whose context bytes equal a recently seen one's gets that decoded context
 * object, frozen so that no handler can change what other requests share; everything else is
 * decoded as usual. The result is what the plain deserializer gives (a test compares the two).
 */

/** protobufjs' conversion options, as @grpc/proto-loader passes them (PROTO_LOADER_OPTIONS). */
export type ConversionOptions = protobuf.IConversionOptions;

/** Recent distinct contexts kept: the data sources and users active at once on one Grafana. */
export const REUSED_CONTEXTS = 64;

const CONTEXT_FIELD = 1;

interface Kept {
  bytes: Buffer;
  decoded: object;
}

/** The decoded contexts of recent requests, shared by every method that reuses them. */
export class DecodedContexts {
  /** most recently used first; a linear scan compares lengths before bytes, so it stays cheap */
  private readonly kept: Kept[] = [];

  constructor(
    private readonly contextType: protobuf.Type,
    private readonly options: ConversionOptions,
  ) {}

  get size(): number {
    return this.kept.length;
  }

  /** The decoded, frozen context for these bytes: a recent request's when they are equal. */
  of(bytes: Buffer): object {
    const kept = this.kept;
    for (let i = 0; i < kept.length; i++) {
      const entry = kept[i]!;
      if (entry.bytes.length === bytes.length && entry.bytes.equals(bytes)) {
        if (i > 0) kept.unshift(...kept.splice(i, 1));
        return entry.decoded;
      }
    }
    const decoded = deepFreeze(this.contextType.toObject(this.contextType.decode(bytes), this.options));
    // A copy: the bytes given are a view into the request's buffer.
    kept.unshift({ bytes: Buffer.from(bytes), decoded });
    if (kept.length > REUSED_CONTEXTS) kept.pop();
    return decoded;
  }
}

/** The deserializer of a request type whose field 1 is the plugin context. */
export function reusingContextDeserializer(type: protobuf.Type, options: ConversionOptions, contexts: DecodedContexts): (bytes: Buffer) => object {
  const contextField = type.fieldsById[CONTEXT_FIELD];
  if (!contextField || contextField.name !== 'pluginContext' || contextField.type !== 'PluginContext') {
    throw new Error(`${type.fullName} has no pluginContext message in field ${CONTEXT_FIELD}`);
  }
  const plain = (bytes: Buffer) => type.toObject(type.decode(bytes), options);
  return (bytes: Buffer) => {
    const span = contextSpan(bytes);
    // No context, a repeated one (protobuf merges them) or bytes this walk cannot follow: the
    // plain decoder gives the answer, or the error.
    if (span === undefined) return plain(bytes);
    const rest = Buffer.concat([bytes.subarray(0, span.fieldStart), bytes.subarray(span.end)]);
    const request = plain(rest) as Record<string, unknown>;
    request[contextField.name] = contexts.of(bytes.subarray(span.start, span.end));
    return request;
  };
}

/**
 * Where the one context field lies: its first byte (the key), and its payload. Undefined when
 * there is none, more than one, or the message is malformed.
 */
function contextSpan(bytes: Uint8Array): { fieldStart: number; start: number; end: number } | undefined {
  let found: { fieldStart: number; start: number; end: number } | undefined;
  let i = 0;
  while (i < bytes.length) {
    const fieldStart = i;
    const key = readVarint(bytes, i);
    if (key === undefined) return undefined;
    i = key.next;
    const number = Math.floor(key.value / 8);
    const wireType = key.value % 8;
    if (wireType === WIRE_VARINT) {
      i = skipVarint(bytes, i);
      if (i < 0) return undefined;
    } else if (wireType === WIRE_FIXED64) i += 8;
    else if (wireType === WIRE_FIXED32) i += 4;
    else if (wireType === WIRE_BYTES) {
      const length = readVarint(bytes, i);
      if (length === undefined || length.next + length.value > bytes.length) return undefined;
      if (number === CONTEXT_FIELD) {
        if (found) return undefined;
        found = { fieldStart, start: length.next, end: length.next + length.value };
      }
      i = length.next + length.value;
    } else return undefined;
    if (i > bytes.length) return undefined;
  }
  return found;
}
