import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Binary,
  Field as ArrowField,
  Int32,
  LargeUtf8,
  makeData,
  Schema,
  TimestampMillisecond,
  TimestampNanosecond,
  Uint16,
  Utf8,
  Utf8View,
  vectorFromArray,
} from 'apache-arrow';
import {
  decodeFrameArrow,
  encodeFrameArrow,
  FIELD_DATA_TYPES,
  type Field,
  type Frame,
} from '../../../src/backend/grafana/frames';
import { arrowBytes, canonicalFrame, everyTypeFrame, INT64_MAX, INT64_MIN, readArrow, UINT64_MAX } from './helpers';

const ascii = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

function oneField(field: Field, extra: Partial<Frame> = {}): Frame {
  return { refId: 'A', ...extra, fields: [field] };
}

function rawColumn(frame: Frame, index = 0) {
  const { batches } = readArrow(encodeFrameArrow(frame));
  assert.equal(batches.length, 1);
  return batches[0]!.data.children[index]!;
}

describe('encodeFrameArrow', () => {
  it('writes one Arrow IPC file with ARROW1 at both ends', () => {
    const bytes = encodeFrameArrow(everyTypeFrame());
    assert.equal(ascii(bytes.subarray(0, 6)), 'ARROW1');
    assert.equal(ascii(bytes.subarray(bytes.length - 6)), 'ARROW1');
    assert.equal(readArrow(bytes).isFile, true);
  });

  it('covers every FieldDataType in the round-trip fixture', () => {
    const types = new Set(everyTypeFrame().fields.map((field) => field.type));
    assert.deepStrictEqual([...types].sort(), [...FIELD_DATA_TYPES].sort());
  });

  it('round-trips every field type, with nulls, NaN/±Inf, 64-bit extremes, sub-ms times and unicode', () => {
    const frame = everyTypeFrame();
    assert.deepStrictEqual(decodeFrameArrow(encodeFrameArrow(frame)), canonicalFrame(frame));
  });

  it('uses the Go SDK Arrow type and tstype for each field type', () => {
    const { schema } = readArrow(encodeFrameArrow(everyTypeFrame()));
    const seen = Object.fromEntries(
      schema.fields
        .filter((f) => !f.name.startsWith('nullable_'))
        .map((f) => [f.name, `${String(f.type)} ${f.metadata.get('tstype')}`]),
    );
    assert.deepStrictEqual(seen, {
      time: 'Timestamp<NANOSECOND> time',
      float64: 'Float64 number',
      float32: 'Float32 number',
      int8: 'Int8 number',
      int16: 'Int16 number',
      int32: 'Int32 number',
      int64: 'Int64 number',
      uint8: 'Uint8 number',
      uint16: 'Uint16 number',
      uint32: 'Uint32 number',
      uint64: 'Uint64 number',
      string: 'Utf8 string',
      bool: 'Bool boolean',
      json: 'Binary other',
      enum: 'Uint16 enum',
    });
    const time = schema.fields.find((f) => f.name === 'time')!.type as TimestampNanosecond;
    assert.equal(time.timezone ?? null, null, 'no timezone');
  });

  it('writes epoch nanoseconds exactly, never through a float multiply', () => {
    const values = [1700000000123, 1700000000123, -1, 1.5, new Date(86400000)];
    const column = rawColumn(oneField({ name: 't', type: 'time', values, nanos: [0, 999999, 1, 0, 7] }));
    assert.deepStrictEqual(
      [...(column.values as BigInt64Array)],
      [1700000000123000000n, 1700000000123999999n, -999999n, 1500000n, 86400000000007n],
    );
    assert.notEqual(BigInt(1700000000123 * 1e6), 1700000000123000000n, 'the float path really is wrong');
  });

  it('writes int64/uint64 beyond 2^53 exactly and accepts safe integers as numbers', () => {
    const int64 = rawColumn(oneField({ name: 'i', type: 'int64', values: [INT64_MIN, 2n ** 53n + 1n, INT64_MAX, -5] }));
    assert.deepStrictEqual([...(int64.values as BigInt64Array)], [INT64_MIN, 2n ** 53n + 1n, INT64_MAX, -5n]);
    const uint64 = rawColumn(oneField({ name: 'u', type: 'uint64', values: [UINT64_MAX, 0n, 42] }));
    assert.deepStrictEqual([...(uint64.values as BigUint64Array)], [UINT64_MAX, 0n, 42n]);
  });

  it('marks a field nullable with a validity bitmap when it holds nulls, even if it did not say so', () => {
    const bytes = encodeFrameArrow({
      fields: [
        { name: 'declared', type: 'float64', nullable: true, values: [1, 2, 3] },
        { name: 'undeclared', type: 'int32', values: [1, null, 3] },
        { name: 'plain', type: 'string', values: ['a', 'b', 'c'] },
      ],
    });
    const { schema, batches } = readArrow(bytes);
    assert.deepStrictEqual(
      schema.fields.map((f) => f.nullable),
      [true, true, false],
    );
    const undeclared = batches[0]!.data.children[1]!;
    assert.equal(undeclared.nullCount, 1);
    assert.deepStrictEqual([0, 1, 2].map((i) => undeclared.getValid(i)), [true, false, true]);
    assert.deepStrictEqual(decodeFrameArrow(bytes).fields[1]!.values, [1, null, 3]);
  });

  it('writes the Go SDK schema and field metadata, with no "name" key on fields', () => {
    const bytes = encodeFrameArrow({
      name: 'plays',
      refId: 'B',
      meta: { executedQueryString: 'up' },
      fields: [
        { name: 'v', type: 'float64', values: [1], labels: { z: '1', a: '2' }, config: { unit: 'percent', decimals: 1 } },
        { name: 'w', type: 'float64', values: [2] },
      ],
    });
    const { schema } = readArrow(bytes);
    assert.deepStrictEqual([...schema.metadata], [
      ['meta', '{"typeVersion":[0,0],"executedQueryString":"up"}'],
      ['name', 'plays'],
      ['refId', 'B'],
    ]);
    assert.deepStrictEqual([...schema.fields[0]!.metadata], [
      ['config', '{"unit":"percent","decimals":1}'],
      ['labels', '{"a":"2","z":"1"}'],
      ['tstype', 'number'],
    ]);
    assert.deepStrictEqual([...schema.fields[1]!.metadata], [['tstype', 'number']]);
  });

  it('writes empty name and refId, and no meta, for a bare frame', () => {
    const { schema } = readArrow(encodeFrameArrow({ fields: [] }));
    assert.deepStrictEqual([...schema.metadata], [
      ['name', ''],
      ['refId', ''],
    ]);
  });

  it('handles a frame with no fields and no rows', () => {
    const bytes = encodeFrameArrow({ refId: 'A', fields: [] });
    assert.equal(ascii(bytes.subarray(bytes.length - 6)), 'ARROW1');
    assert.deepStrictEqual(decodeFrameArrow(bytes), { refId: 'A', fields: [] });
  });

  it('writes a frame with fields but no rows as schema and footer only, like the Go SDK', () => {
    const frame: Frame = {
      refId: 'A',
      fields: [
        { name: 'time', type: 'time', values: [] },
        { name: 'value', type: 'float64', nullable: true, values: [] },
      ],
    };
    const bytes = encodeFrameArrow(frame);
    assert.equal(readArrow(bytes).footerBatches, 0);
    assert.deepStrictEqual(decodeFrameArrow(bytes), canonicalFrame(frame));
  });

  it('keeps duplicate field names apart, each with its own type, nullability and metadata', () => {
    const frame: Frame = {
      fields: [
        { name: 'x', type: 'time', values: [1], config: { interval: 1000 } },
        { name: 'x', type: 'float64', nullable: true, values: [null], labels: { a: 'b' } },
      ],
    };
    const bytes = encodeFrameArrow(frame);
    const { schema } = readArrow(bytes);
    assert.deepStrictEqual(
      schema.fields.map((f) => [f.name, String(f.type), f.nullable, f.metadata.size]),
      [
        ['x', 'Timestamp<NANOSECOND>', false, 2],
        ['x', 'Float64', true, 2],
      ],
    );
    assert.deepStrictEqual(decodeFrameArrow(bytes), canonicalFrame(frame));
  });

  it('keeps an empty field name empty (apache-arrow reads it back as null)', () => {
    const frame: Frame = { fields: [{ name: '', type: 'bool', values: [true] }] };
    assert.deepStrictEqual(decodeFrameArrow(encodeFrameArrow(frame)), frame);
  });

  it('rejects bad values, naming the field, the row and what was expected', () => {
    const bad: [Field, RegExp][] = [
      [{ name: 'a', type: 'int8', values: [1, 200] }, /field "a" \(int8\) row 1: expected an integer in \[-128, 127\], got number 200/],
      [{ name: 'b', type: 'int32', values: ['7'] }, /field "b" \(int32\) row 0: expected an integer/],
      [{ name: 'c', type: 'uint64', values: [-1n] }, /field "c" \(uint64\) row 0: -1 is outside/],
      [{ name: 'd', type: 'int64', values: [2n ** 63n] }, /field "d" \(int64\) row 0: 9223372036854775808 is outside/],
      [{ name: 'e', type: 'int64', values: [1.5] }, /expected a bigint or an integer number/],
      [{ name: 'f', type: 'float32', values: ['x'] }, /field "f" \(float32\) row 0: expected a number/],
      [{ name: 'g', type: 'time', values: [Number.NaN] }, /field "g" \(time\) row 0: expected epoch milliseconds/],
      [{ name: 'h', type: 'time', values: [0], nanos: [1_000_000] }, /nanos must be an integer in \[0, 999999\]/],
      [{ name: 'i', type: 'time', values: [1e16] }, /outside the int64 nanosecond range/],
      [{ name: 'j', type: 'string', values: [3] }, /expected a string, got number 3/],
      [{ name: 'k', type: 'bool', values: [1] }, /expected a boolean/],
      [{ name: 'l', type: 'enum', values: [65536] }, /\(enum\) row 0: expected an integer in \[0, 65535\]/],
      [{ name: 'm', type: 'nope' as Field['type'], values: [] }, /unknown field type "nope"/],
    ];
    for (const [field, message] of bad) {
      assert.throws(() => encodeFrameArrow(oneField(field)), message, field.name);
    }
    assert.throws(
      () =>
        encodeFrameArrow({
          fields: [
            { name: 'a', type: 'float64', values: [1, 2] },
            { name: 'b', type: 'float64', values: [1] },
          ],
        }),
      /field "b" \(float64\): has 1 values, field "a" has 2/,
    );
  });
});

describe('decodeFrameArrow reads like the Go SDK', () => {
  const withRefId = (fields: ArrowField[]) => new Schema(fields, new Map([['refId', 'A']]));

  it('ignores the timestamp unit: millisecond values are taken as nanoseconds', () => {
    const type = new TimestampMillisecond();
    const bytes = arrowBytes(withRefId([new ArrowField('t', type, false)]), [
      [makeData({ type, length: 1, nullCount: 0, data: new BigInt64Array([1700000000123n]) })],
    ]);
    const field = decodeFrameArrow(bytes).fields[0]!;
    assert.equal(field.type, 'time');
    assert.deepStrictEqual(field.values, [1700000]);
    assert.deepStrictEqual(field.nanos, [123]);
  });

  it('reads nulls in a non-nullable column as the raw (zero) values, as only the nullable flag counts', () => {
    const type = new Int32();
    const column = makeData({ type, length: 2, nullCount: 1, nullBitmap: new Uint8Array([0b01]), data: new Int32Array([7, 0]) });
    const strict = arrowBytes(withRefId([new ArrowField('v', type, false)]), [[column]]);
    assert.deepStrictEqual(decodeFrameArrow(strict).fields[0]!.values, [7, 0]);
    const nullable = arrowBytes(withRefId([new ArrowField('v', type, true)]), [[column]]);
    assert.deepStrictEqual(decodeFrameArrow(nullable).fields[0]!.values, [7, null]);
  });

  it('tells enum from uint16 by tstype alone', () => {
    const type = new Uint16();
    const data = makeData({ type, length: 1, nullCount: 0, data: new Uint16Array([3]) });
    const bytes = arrowBytes(
      withRefId([
        new ArrowField('plain', type, false),
        new ArrowField('enum', type, false, new Map([['tstype', 'enum']])),
        new ArrowField('number', type, false, new Map([['tstype', 'number']])),
      ]),
      [[data, data, data]],
    );
    assert.deepStrictEqual(
      decodeFrameArrow(bytes).fields.map((f) => [f.type, f.values]),
      [
        ['uint16', [3]],
        ['enum', [3]],
        ['uint16', [3]],
      ],
    );
  });

  it('appends the rows of every record batch', () => {
    const type = new Int32();
    const part = (values: number[]) => makeData({ type, length: values.length, nullCount: 0, data: new Int32Array(values) });
    const bytes = arrowBytes(withRefId([new ArrowField('v', type, false)]), [[part([1, 2])], [part([3])]]);
    assert.deepStrictEqual(decodeFrameArrow(bytes).fields[0]!.values, [1, 2, 3]);
  });

  it('reads Utf8View strings, which the Go reader accepts', () => {
    const vector = vectorFromArray(['short', 'a string longer than twelve bytes'], new Utf8View());
    const bytes = arrowBytes(withRefId([new ArrowField('s', new Utf8View(), false)]), [[vector.data[0]!]]);
    assert.deepStrictEqual(decodeFrameArrow(bytes).fields[0], {
      name: 's',
      type: 'string',
      values: ['short', 'a string longer than twelve bytes'],
    });
  });

  it('reads an empty non-nullable Binary value as null, as Grafana writes it', () => {
    const type = new Binary();
    const text = new TextEncoder().encode('{"a":1}');
    const data = makeData({ type, length: 2, nullCount: 0, valueOffsets: new Int32Array([0, 7, 7]), data: text });
    const bytes = arrowBytes(withRefId([new ArrowField('j', type, false)]), [[data]]);
    assert.deepStrictEqual(decodeFrameArrow(bytes).fields[0]!.values, [{ a: 1 }, null]);
  });

  it('rejects what the Go reader rejects', () => {
    const streamBytes = arrowBytes(
      withRefId([new ArrowField('v', new Int32(), false)]),
      [[makeData({ type: new Int32(), length: 1, nullCount: 0, data: new Int32Array([1]) })]],
      'stream',
    );
    assert.throws(() => decodeFrameArrow(streamBytes), /ARROW1 magic missing/);

    const large = vectorFromArray(['x'], new LargeUtf8());
    const largeBytes = arrowBytes(withRefId([new ArrowField('s', new LargeUtf8(), false)]), [[large.data[0]!]]);
    assert.throws(() => decodeFrameArrow(largeBytes), /field 0 \("s"\): Arrow type LargeUtf8 is not readable/);

    const dictionary = vectorFromArray(['a', 'b']);
    const dictBytes = arrowBytes(withRefId([new ArrowField('d', dictionary.type, false)]), [[dictionary.data[0]!]]);
    assert.throws(() => decodeFrameArrow(dictBytes), /Dictionary<Int32, Utf8> is not readable/);

    const notJSON = makeData({
      type: new Binary(),
      length: 1,
      nullCount: 0,
      valueOffsets: new Int32Array([0, 3]),
      data: new TextEncoder().encode('{x}'),
    });
    const binBytes = arrowBytes(withRefId([new ArrowField('j', new Binary(), false)]), [[notJSON]]);
    assert.throws(() => decodeFrameArrow(binBytes), /field "j" \(json\) row 0: Binary value is not JSON/);

    const badLabels = arrowBytes(withRefId([new ArrowField('s', new Utf8(), false, new Map([['labels', '{"a":1}']]))]), []);
    assert.throws(() => decodeFrameArrow(badLabels), /label "a" must be a string/);
  });
});
