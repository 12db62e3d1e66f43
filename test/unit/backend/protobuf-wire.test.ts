import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { fieldKey, readVarint, skipVarint, varintSize, WIRE_BYTES, WIRE_VARINT, writeVarint } from '../../../src/backend/grafana/protobuf-wire';

test('varints are written as protobufjs writes them, read back, sized and skipped', () => {
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(0, 127, 128, 16_383, 16_384, 2 ** 35, 2 ** 48)), (value) => {
      const expected = protobuf.Writer.create().uint64(value).finish();
      const out = new Uint8Array(12);
      const end = writeVarint(out, 1, value);
      assert.deepEqual(Buffer.from(out.subarray(1, end)), Buffer.from(expected));
      assert.equal(varintSize(value), expected.length);
      assert.deepEqual(readVarint(out, 1), { value, next: end });
      assert.equal(skipVarint(out, 1), end);
    }),
  );
});

test('a cut-off varint is undefined to read and -1 to skip; keys are number and wire type', () => {
  assert.equal(readVarint(Uint8Array.from([0x80, 0x80]), 0), undefined);
  assert.equal(skipVarint(Uint8Array.from([0xff]), 0), -1);
  assert.equal(fieldKey(1, WIRE_BYTES), 0x0a);
  assert.equal(fieldKey(4, WIRE_VARINT), 0x20);
  assert.equal(fieldKey(6, WIRE_VARINT), 0x30);
});
