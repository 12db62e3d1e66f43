// The harness's Grafana-side frame check must accept what Grafana accepts and name the rule for
// each kind of bytes Grafana would reject or misread. Bad inputs are built with apache-arrow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Binary,
  type Data,
  type DataType,
  Field as ArrowField,
  Float16,
  Float64,
  Int32,
  LargeUtf8,
  makeData,
  Schema,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  vectorFromArray,
} from 'apache-arrow';
import { encodeFrameArrow } from '../../../src/backend/grafana/frames';
import { assertGrafanaReadableFrame, GoReaderRuleError, type GoReaderRule } from '../../harness/go-reader-rules';
import { arrowBytes, canonicalFrame, everyTypeFrame, goFixture } from './helpers';

function rejects(bytes: Uint8Array, rule: GoReaderRule, message?: RegExp): void {
  assert.throws(
    () => assertGrafanaReadableFrame(bytes),
    (error: unknown) => {
      assert.ok(error instanceof GoReaderRuleError, `expected GoReaderRuleError, got ${String(error)}`);
      assert.equal(error.rule, rule, error.message);
      assert.ok(error.message.includes(`"${rule}"`), 'the message names the rule');
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

const REF = new Map([['refId', 'A']]);

/** A one-column frame file; metadata and nullability as given, everything else well-formed. */
function oneColumn(
  type: DataType,
  data: Data,
  options: { nullable?: boolean; field?: Map<string, string>; schema?: Map<string, string>; format?: 'file' | 'stream' } = {},
): Uint8Array {
  const field = new ArrowField('v', type, options.nullable ?? false, options.field ?? new Map());
  return arrowBytes(new Schema([field], options.schema ?? REF), [[data]], options.format);
}

const int32 = (values: number[]) => makeData({ type: new Int32(), length: values.length, nullCount: 0, data: new Int32Array(values) });
const timestamps = (type: TimestampMillisecond | TimestampMicrosecond | TimestampNanosecond) =>
  makeData({ type, length: 1, nullCount: 0, data: new BigInt64Array([1700000000000n]) });

describe('assertGrafanaReadableFrame', () => {
  it('accepts the Go SDK golden file', () => {
    const frame = assertGrafanaReadableFrame(new Uint8Array(goFixture('all_types.golden.arrow')));
    assert.equal(frame.fields.length, 35);
  });

  it('accepts our encoding of every field type and returns the frame Grafana would see', () => {
    const source = everyTypeFrame();
    assert.deepStrictEqual(assertGrafanaReadableFrame(encodeFrameArrow(source)), canonicalFrame(source));
  });

  it('accepts empty frames', () => {
    assert.deepStrictEqual(assertGrafanaReadableFrame(encodeFrameArrow({ refId: 'A', fields: [] })), { refId: 'A', fields: [] });
    assert.doesNotThrow(() => assertGrafanaReadableFrame(encodeFrameArrow({ fields: [{ name: 'v', type: 'string', values: [] }] })));
  });

  it('rejects the IPC stream format', () => {
    rejects(oneColumn(new Int32(), int32([1]), { format: 'stream' }), 'arrow-file-magic', /stream format/);
  });

  it('rejects a truncated file', () => {
    const bytes = encodeFrameArrow({ refId: 'A', fields: [{ name: 'v', type: 'float64', values: [1] }] });
    rejects(bytes.subarray(0, bytes.length - 8), 'arrow-file-magic', /missing at the end/);
  });

  it('rejects bytes that carry the magic but no readable file', () => {
    const magic = new TextEncoder().encode('ARROW1');
    const bytes = new Uint8Array(64);
    bytes.set(magic, 0);
    bytes.set(magic, 58);
    rejects(bytes, 'ipc-file-readable');
  });

  it('rejects millisecond and microsecond timestamps, which Grafana would place near 1970', () => {
    const ms = new TimestampMillisecond();
    rejects(oneColumn(ms, timestamps(ms)), 'timestamp-unit-ns', /Timestamp<MILLISECOND>/);
    const us = new TimestampMicrosecond();
    rejects(oneColumn(us, timestamps(us)), 'timestamp-unit-ns');
    const ns = new TimestampNanosecond();
    assert.doesNotThrow(() => assertGrafanaReadableFrame(oneColumn(ns, timestamps(ns))));
  });

  it('rejects dictionary-encoded strings, as apache-arrow infers them', () => {
    const vector = vectorFromArray(['a', 'b', 'a']);
    rejects(oneColumn(vector.type, vector.data[0]!), 'arrow-type-allowed', /Dictionary<Int32, Utf8>/);
  });

  it('rejects the other types the Go reader does not know', () => {
    const large = vectorFromArray(['x'], new LargeUtf8());
    rejects(oneColumn(large.type, large.data[0]!), 'arrow-type-allowed', /LargeUtf8/);
    const half = makeData({ type: new Float16(), length: 1, nullCount: 0, data: new Uint16Array([0x3c00]) });
    rejects(oneColumn(new Float16(), half), 'arrow-type-allowed', /Float16/);
  });

  it('rejects a schema without refId metadata', () => {
    rejects(oneColumn(new Int32(), int32([1]), { schema: new Map([['name', 'x']]) }), 'schema-refid');
  });

  it('rejects nulls in a field not marked nullable', () => {
    const type = new Float64();
    const data = makeData({ type, length: 2, nullCount: 1, nullBitmap: new Uint8Array([0b10]), data: new Float64Array([0, 2]) });
    rejects(oneColumn(new Float64(), data), 'nullable-flag', /1 null\(s\)/);
    assert.doesNotThrow(() => assertGrafanaReadableFrame(oneColumn(new Float64(), data, { nullable: true })));
  });

  it('rejects labels, config and meta that Go cannot unmarshal', () => {
    const column = int32([1]);
    rejects(oneColumn(new Int32(), column, { field: new Map([['labels', 'region=eu']]) }), 'field-labels-json', /not valid JSON/);
    rejects(oneColumn(new Int32(), column, { field: new Map([['labels', '{"n":1}']]) }), 'field-labels-json', /must be a string/);
    rejects(oneColumn(new Int32(), column, { field: new Map([['config', '[]']]) }), 'field-config-json', /must be a JSON object/);
    rejects(oneColumn(new Int32(), column, { field: new Map([['config', '{"decimals":"2"}']]) }), 'field-config-json', /decimals/);
    const meta = (json: string) => new Map([['refId', 'A'], ['meta', json]]);
    rejects(oneColumn(new Int32(), column, { schema: meta('{"typeVersion":[0,0],') }), 'schema-meta-json', /not valid JSON/);
    rejects(
      oneColumn(new Int32(), column, { schema: meta('{"notices":[{"severity":"fatal","text":"x"}]}') }),
      'schema-meta-json',
      /notices: \[0\] severity/,
    );
    assert.doesNotThrow(() =>
      assertGrafanaReadableFrame(
        oneColumn(new Int32(), column, {
          schema: meta('{"typeVersion":[0,1],"notices":[{"severity":"info","text":"x"}],"custom":{"any":[1]}}'),
          field: new Map([['config', '{"decimals":2,"min":null,"unknownKey":{}}']]),
        }),
      ),
    );
  });

  it('rejects a tstype that contradicts the Arrow type', () => {
    rejects(oneColumn(new Int32(), int32([1]), { field: new Map([['tstype', 'string']]) }), 'field-tstype', /means "number"/);
    rejects(oneColumn(new Int32(), int32([1]), { field: new Map([['tstype', 'enum']]) }), 'field-tstype');
  });

  it('rejects Binary values that are not JSON, which Grafana would forward verbatim', () => {
    const text = new TextEncoder().encode('{"ok":1}not json');
    const data = makeData({ type: new Binary(), length: 2, nullCount: 0, valueOffsets: new Int32Array([0, 8, 16]), data: text });
    rejects(oneColumn(new Binary(), data), 'json-binary-valid', /row 1/);
  });
});
