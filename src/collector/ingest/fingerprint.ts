import { mix32 } from '../../common/synthetic/hash';
import { streamingEventSchema, type StreamingEvent } from '../../common/events/schema';
import type { Fingerprint } from './fingerprint-set';

/**
 * The content of an event without its id, as a 64-bit fingerprint: what a client that replays its
 * queue under fresh ids sends again unchanged. Two events of one session with the same type, the
 * same millisecond and the same fields are one event sent twice, whatever their ids say; the id
 * check alone would count them twice.
 *
 * The time enters as its instant (two spellings of one instant are the same content); unknown
 * fields the quick check lets through do not enter, as nothing downstream reads them. Hashed in
 * two independent 32-bit lanes straight from the field values, without building a string, because
 * the collector does this for every event (about 0.5 µs of the 7 to 9 µs an event costs it; see
 * bench/results/collector.md). 64 bits: with the 4 million fingerprints the dedupe memory holds at
 * most, a new event matches one by chance with probability 2e-13, one lost event in about four
 * years at 100,000 events/s. Not a defence against a client crafting collisions: a client holding
 * a token can send wrong numbers more simply.
 */

/** Per event type, every schema field but the id and the type, in the schema's order. */
const CONTENT_FIELDS: ReadonlyMap<string, readonly string[]> = new Map(
  streamingEventSchema.options.map((schema) => [schema.shape.type.value, Object.keys(schema.shape).filter((key) => key !== 'id' && key !== 'type')]),
);

const FIELD_END = 0xffff;
const ABSENT = 0xfffe;
const TRUE = 0xfffd;
const FALSE = 0xfffc;
const NUMBER = 0xfffb;

// Numbers enter as the 64 bits of their double, not as text: formatting a number costs more
// than hashing the rest of the event.
const doubleBits = new Float64Array(1);
const doubleWords = new Uint32Array(doubleBits.buffer);

export function contentFingerprint(event: StreamingEvent, timeMs: number): Fingerprint {
  const fields = CONTENT_FIELDS.get(event.type);
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  const record = event as unknown as Record<string, unknown>;
  // The type first, then each field: values are strings, numbers and booleans (schema.ts).
  for (let f = -1; f < (fields?.length ?? 0); f++) {
    const key = f < 0 ? 'type' : fields![f]!;
    const value = key === 'time' ? timeMs : record[key];
    if (value === undefined) {
      a = Math.imul(a ^ ABSENT, 0x01000193);
      b = Math.imul(b ^ ABSENT, 0x5bd1e995);
      continue;
    }
    if (typeof value === 'number' || typeof value === 'boolean') {
      let low = FALSE;
      let high = FALSE;
      if (value === true) low = high = TRUE;
      else if (typeof value === 'number') {
        doubleBits[0] = value;
        low = doubleWords[0]!;
        high = doubleWords[1]! ^ NUMBER;
      }
      a = Math.imul(Math.imul(a ^ low, 0x01000193) ^ high, 0x01000193);
      b = Math.imul(Math.imul(b ^ low, 0x5bd1e995) ^ high, 0x5bd1e995);
      b ^= b >>> 15;
      continue;
    }
    const text = String(value);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a = Math.imul(a ^ FIELD_END, 0x01000193);
    b = Math.imul(b ^ FIELD_END, 0x5bd1e995);
  }
  return { low: mix32(a), high: mix32(b ^ 0x9e3779b9) };
}
