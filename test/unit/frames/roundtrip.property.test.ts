// Property: any frame Encore can build survives Arrow (through the Go reader rules) and JSON text
// unchanged up to the canonical form, for every field type and any mix of values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeFrameArrow,
  encodeFrameArrow,
  FIELD_DATA_TYPES,
  parseFrameJSON,
  stringifyFrameJSON,
  type Field,
  type FieldDataType,
  type Frame,
} from '../../../src/backend/grafana/frames';
import { assertGrafanaReadableFrame } from '../../harness/go-reader-rules';
import { canonicalFrame, INT64_MAX, INT64_MIN, UINT64_MAX } from './helpers';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
// Times whose nanoseconds fit int64 (about ±292 years around 1970).
const MAX_MS = 9_000_000_000_000;

function valueArb(type: FieldDataType): fc.Arbitrary<unknown> {
  switch (type) {
    case 'time':
      return fc.integer({ min: -MAX_MS, max: MAX_MS });
    case 'float64':
      return fc.double();
    case 'float32':
      return fc.float();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'int32':
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'int64':
      return fc.oneof(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), fc.maxSafeInteger());
    case 'uint8':
      return fc.integer({ min: 0, max: 255 });
    case 'uint16':
    case 'enum':
      return fc.integer({ min: 0, max: 65535 });
    case 'uint32':
      return fc.integer({ min: 0, max: 4294967295 });
    case 'uint64':
      return fc.bigInt({ min: 0n, max: UINT64_MAX });
    case 'string':
      return text;
    case 'bool':
      return fc.boolean();
    case 'json':
      return fc.jsonValue({ maxDepth: 3 });
  }
}

const labelsArb = fc.dictionary(text, text, { maxKeys: 3, noNullPrototype: true });
const configArb = fc.record(
  {
    displayName: text,
    unit: fc.constantFrom('percent', 'ms', 'short'),
    decimals: fc.integer({ min: 0, max: 6 }),
    min: fc.double({ noNaN: true, noDefaultInfinity: true }),
  },
  { requiredKeys: [] },
);
const metaArb = fc.record(
  {
    type: fc.constantFrom('timeseries-multi', 'timeseries-wide', 'numeric-long'),
    typeVersion: fc.tuple(fc.nat(3), fc.nat(3)),
    executedQueryString: text,
    notices: fc.array(fc.record({ severity: fc.constantFrom('info', 'warning', 'error'), text }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

const nanosArb = (rows: number) => fc.array(fc.integer({ min: 0, max: 999_999 }), { minLength: rows, maxLength: rows });

function fieldArb(rows: number): fc.Arbitrary<Field> {
  return fc
    .record({ type: fc.constantFrom(...FIELD_DATA_TYPES), nullable: fc.boolean() })
    .chain(({ type, nullable }) => {
      const cell = nullable ? fc.option(valueArb(type), { nil: null, freq: 4 }) : valueArb(type);
      return fc.record(
        {
          name: text,
          type: fc.constant(type),
          nullable: fc.constant(nullable),
          values: fc.array(cell, { minLength: rows, maxLength: rows }),
          labels: labelsArb,
          config: configArb,
          nanos: type === 'time' ? nanosArb(rows) : fc.constant(undefined),
        },
        { requiredKeys: ['name', 'type', 'nullable', 'values'] },
      ) as fc.Arbitrary<Field>;
    });
}

const frameArb: fc.Arbitrary<Frame> = fc.nat(8).chain((rows) =>
  fc.record(
    { name: text, refId: fc.constantFrom('A', 'B', 'anomaly'), meta: metaArb, fields: fc.array(fieldArb(rows), { maxLength: 6 }) },
    { requiredKeys: ['fields'] },
  ),
);

describe('frame round trip (property)', () => {
  it('Arrow: decode(encode(frame)) is the canonical frame, and Grafana accepts the bytes', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        const bytes = encodeFrameArrow(frame);
        assert.deepStrictEqual(assertGrafanaReadableFrame(bytes), canonicalFrame(frame));
        assert.deepStrictEqual(decodeFrameArrow(bytes), canonicalFrame(frame));
      }),
      { numRuns: 150 },
    );
  });

  it('JSON: parseFrameJSON(stringifyFrameJSON(frame)) is the canonical frame', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        assert.deepStrictEqual(parseFrameJSON(stringifyFrameJSON(frame)), canonicalFrame(frame));
      }),
      { numRuns: 150 },
    );
  });

  it('Arrow then JSON gives the same text as JSON directly', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        assert.equal(stringifyFrameJSON(decodeFrameArrow(encodeFrameArrow(frame))), stringifyFrameJSON(canonicalFrame(frame)));
      }),
      { numRuns: 100 },
    );
  });
});
