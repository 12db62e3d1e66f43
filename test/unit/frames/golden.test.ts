// The Go SDK's own golden frame: reading it must reproduce the SDK's JSON exactly, and writing it
// back must give Arrow that follows the same conventions field for field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordBatchReader, type Schema } from 'apache-arrow';
import {
  decodeFrameArrow,
  encodeFrameArrow,
  parseFrameJSON,
  parseJSON,
  stringifyFrameJSON,
} from '../../../src/backend/grafana/frames';
import { assertGrafanaReadableFrame } from '../../harness/go-reader-rules';
import { canonicalFrame, goFixture } from './helpers';

const goldenArrow = new Uint8Array(goFixture('all_types.golden.arrow'));
const goldenJSONText = goFixture('all_types.golden.json').toString('utf8');

function schemaOf(bytes: Uint8Array): Schema {
  const reader = RecordBatchReader.from(bytes);
  reader.open();
  return reader.schema;
}

describe('Go SDK golden frame (all_types.golden)', () => {
  it('decodes to exactly the JSON the Go SDK writes', () => {
    const frame = decodeFrameArrow(goldenArrow);
    assert.deepStrictEqual(parseJSON(stringifyFrameJSON(frame)), parseJSON(goldenJSONText));
  });

  it('keeps the 64-bit extremes exact', () => {
    const frame = decodeFrameArrow(goldenArrow);
    const byName = (name: string) => frame.fields.find((field) => field.name === name)!;
    assert.deepStrictEqual(byName('int64_values').values, [-(2n ** 63n), -9007199254740991n, 1n, 9007199254740991n, 2n ** 63n - 1n]);
    assert.deepStrictEqual(byName('uint64_values').values, [0n, 0n, 1n, 9007199254740991n, 2n ** 64n - 1n]);
    const text = stringifyFrameJSON(frame);
    assert.match(text, /\[-9223372036854775808,-9007199254740991,1,9007199254740991,9223372036854775807\]/);
    assert.match(text, /,18446744073709551615\]/);
    const times = byName('nullable_timestamps');
    assert.deepStrictEqual(times.values, [0, 1568039445000, null, 9007199254, 9223372036854]);
    assert.deepStrictEqual(times.nanos, [0, 0, 0, 740991, 775807]);
  });

  it('reads the two fields named "timestamps" separately, each with its own metadata', () => {
    const frame = decodeFrameArrow(goldenArrow);
    const timestamps = frame.fields.filter((field) => field.name === 'timestamps');
    assert.equal(timestamps.length, 2);
    assert.deepStrictEqual(timestamps[0]!.config, { interval: 1000 });
    assert.equal(timestamps[1]!.config, undefined);
  });

  it('passes the Go reader rules', () => {
    assert.doesNotThrow(() => assertGrafanaReadableFrame(goldenArrow));
  });

  it('re-encodes with the same Arrow types, nullability and metadata as the Go SDK', () => {
    const ours = encodeFrameArrow(decodeFrameArrow(goldenArrow));
    const [goSchema, ourSchema] = [schemaOf(goldenArrow), schemaOf(ours)];
    assert.deepStrictEqual(Object.fromEntries(ourSchema.metadata), Object.fromEntries(goSchema.metadata));
    assert.equal(ourSchema.fields.length, goSchema.fields.length);
    goSchema.fields.forEach((goField, i) => {
      const ourField = ourSchema.fields[i]!;
      const label = `field ${i} ${goField.name}`;
      assert.equal(ourField.name, goField.name, label);
      assert.equal(String(ourField.type), String(goField.type), label);
      assert.equal(ourField.nullable, goField.nullable, label);
      const parsed = (field: typeof goField) =>
        Object.fromEntries([...field.metadata].map(([key, value]) => [key, key === 'tstype' ? value : parseJSON(value)]));
      assert.deepStrictEqual(parsed(ourField), parsed(goField), label);
      assert.equal(ourField.metadata.has('name'), false, `${label}: no "name" metadata key`);
    });
  });

  it('re-encodes to bytes that decode to the same frame and the same JSON', () => {
    const frame = decodeFrameArrow(goldenArrow);
    const again = assertGrafanaReadableFrame(encodeFrameArrow(frame));
    assert.deepStrictEqual(again, frame);
    assert.deepStrictEqual(parseJSON(stringifyFrameJSON(again)), parseJSON(goldenJSONText));
  });

  it('reads the golden JSON back into the frame the Arrow file holds', () => {
    const fromJSON = parseFrameJSON(goldenJSONText);
    const fromArrow = decodeFrameArrow(goldenArrow);
    // JSON carries float32 as its shortest decimal (1e-45); the canonical form rounds it back to float32.
    assert.deepStrictEqual(canonicalFrame(fromJSON), canonicalFrame(fromArrow));
  });
});
