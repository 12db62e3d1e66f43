/**
 * Frames as Grafana's backend protocol carries them: one Arrow IPC *file* per frame, with the
 * Go SDK's schema and field metadata, encoded and decoded with apache-arrow.
 */
import {
  Binary,
  Bool,
  type Data,
  DataType,
  Field as ArrowField,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  makeData,
  makeVector,
  Precision,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  Schema,
  Struct,
  Table,
  TimestampNanosecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
} from 'apache-arrow';
import { fieldIsNullable, type Field, type FieldDataType, type Frame } from './frame';
import { parseJSON, stringifyJSON } from './exact-json';
import { frameMetaForWire, parseFieldConfig, parseFrameMeta, parseLabels, sortedLabels } from './metadata';
import { simpleType } from './types';
import {
  checkedRowCount,
  fieldError,
  isMissing,
  nanosToTime,
  timeToNanos,
  toBigInt,
  toBool,
  toFloat,
  toSmallInt,
  toStringValue,
  type SmallIntType,
} from './values';

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/** True when the bytes start and end with the Arrow IPC file magic (stream-format bytes do not). */
export function hasArrowFileMagic(bytes: Uint8Array): boolean {
  if (bytes.length < 2 * MAGIC.length) return false;
  const tail = bytes.length - MAGIC.length;
  return MAGIC.every((byte, i) => bytes[i] === byte && bytes[tail + i] === byte);
}

// ---------------------------------------------------------------------------------------------
// Encoding

export function encodeFrameArrow(frame: Frame): Uint8Array {
  const rows = checkedRowCount(frame);
  const columns = frame.fields.map((field) => encodeColumn(field, rows));
  const schema = new Schema(
    columns.map((column) => column.field),
    schemaMetadata(frame),
  );
  // Like the Go SDK, a frame without rows is a schema and a footer with no record batch.
  const input =
    rows === 0
      ? new Table(schema)
      : [
          exactRecordBatch(
            schema,
            columns.map((column) => column.data),
            rows,
          ),
        ];
  return RecordBatchFileWriter.writeAll(input).toUint8Array(true);
}

/** Map insertion order is the key order on the wire; Go sorts metadata keys, so do we. */
function schemaMetadata(frame: Frame): Map<string, string> {
  const metadata = new Map<string, string>();
  if (frame.meta !== undefined) metadata.set('meta', stringifyJSON(frameMetaForWire(frame.meta)));
  metadata.set('name', frame.name ?? '');
  metadata.set('refId', frame.refId ?? '');
  return metadata;
}

function fieldMetadata(field: Field): Map<string, string> {
  const metadata = new Map<string, string>();
  if (field.config !== undefined) metadata.set('config', stringifyJSON(field.config));
  if (field.labels !== undefined) metadata.set('labels', stringifyJSON(sortedLabels(field.labels)));
  metadata.set('tstype', simpleType(field.type));
  return metadata;
}

/**
 * apache-arrow 21 rebuilds a batch's schema with Schema.assign, which merges fields that share a
 * name (and their metadata). Grafana frames may repeat field names, so the batch gets back the
 * schema and struct it was built from.
 */
function exactRecordBatch(schema: Schema, children: Data[], rows: number): RecordBatch {
  const data = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children });
  const batch = new RecordBatch(schema, data);
  Object.defineProperty(batch, 'schema', { value: schema, enumerable: true });
  Object.defineProperty(batch, 'data', { value: data, enumerable: true });
  return batch;
}

interface EncodedColumn {
  field: ArrowField;
  data: Data;
}

function encodeColumn(field: Field, rows: number): EncodedColumn {
  const nullable = fieldIsNullable(field);
  const { nullBitmap, nullCount } = validity(field, rows);
  const build = (type: DataType, extra: { data: unknown; valueOffsets?: Int32Array }): EncodedColumn => ({
    field: new ArrowField(field.name, type, nullable, fieldMetadata(field)),
    data: makeData({ type, length: rows, nullCount, nullBitmap, ...extra } as Parameters<typeof makeData>[0]),
  });
  switch (field.type) {
    case 'int8':
      return build(new Int8(), { data: smallInts(field, rows, Int8Array, 'int8') });
    case 'int16':
      return build(new Int16(), { data: smallInts(field, rows, Int16Array, 'int16') });
    case 'int32':
      return build(new Int32(), { data: smallInts(field, rows, Int32Array, 'int32') });
    case 'uint8':
      return build(new Uint8(), { data: smallInts(field, rows, Uint8Array, 'uint8') });
    case 'uint16':
      return build(new Uint16(), { data: smallInts(field, rows, Uint16Array, 'uint16') });
    case 'uint32':
      return build(new Uint32(), { data: smallInts(field, rows, Uint32Array, 'uint32') });
    case 'enum':
      return build(new Uint16(), { data: smallInts(field, rows, Uint16Array, 'enum') });
    case 'int64':
      return build(new Int64(), { data: fill(field, new BigInt64Array(rows), (v, i) => toBigInt(field, i, v, true)) });
    case 'uint64':
      return build(new Uint64(), { data: fill(field, new BigUint64Array(rows), (v, i) => toBigInt(field, i, v, false)) });
    case 'float32':
      return build(new Float32(), { data: fill(field, new Float32Array(rows), (v, i) => toFloat(field, i, v)) });
    case 'float64':
      return build(new Float64(), { data: fill(field, new Float64Array(rows), (v, i) => toFloat(field, i, v)) });
    case 'time':
      return build(new TimestampNanosecond(), {
        data: fill(field, new BigInt64Array(rows), (v, i) => timeToNanos(field, i, v)),
      });
    case 'bool':
      return build(new Bool(), { data: boolBits(field, rows) });
    case 'string':
      return build(new Utf8(), variableWidth(field, (v, i) => toStringValue(field, i, v)));
    case 'json':
      return build(new Binary(), variableWidth(field, (v) => stringifyJSON(v)));
    default:
      throw fieldError(field, undefined, `unknown field type ${JSON.stringify(field.type as string)}`);
  }
}

function validity(field: Field, rows: number): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  const bitmap = new Uint8Array(Math.ceil(rows / 8));
  let nullCount = 0;
  for (let i = 0; i < rows; i++) {
    if (isMissing(field.values[i])) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { nullBitmap: nullCount > 0 ? bitmap : undefined, nullCount };
}

interface Writable<T> {
  length: number;
  [index: number]: T;
}

/** Fills a typed array from the non-null values; null slots keep the zero the Go writer leaves. */
function fill<T, A extends Writable<T>>(field: Field, target: A, convert: (value: unknown, row: number) => T): A {
  for (let i = 0; i < target.length; i++) {
    const value = field.values[i];
    if (!isMissing(value)) target[i] = convert(value, i);
  }
  return target;
}

type SmallIntArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

function smallInts<A extends SmallIntArray>(
  field: Field,
  rows: number,
  ArrayType: new (length: number) => A,
  type: SmallIntType,
): A {
  return fill(field, new ArrayType(rows), (v, i) => toSmallInt(field, i, v, type));
}

function boolBits(field: Field, rows: number): Uint8Array {
  const bits = new Uint8Array(Math.ceil(rows / 8));
  for (let i = 0; i < rows; i++) {
    const value = field.values[i];
    if (!isMissing(value) && toBool(field, i, value)) bits[i >> 3]! |= 1 << (i & 7);
  }
  return bits;
}

const utf8 = new TextEncoder();

function variableWidth(
  field: Field,
  toText: (value: unknown, row: number) => string,
): { data: Uint8Array; valueOffsets: Int32Array } {
  const rows = field.values.length;
  const chunks: Uint8Array[] = [];
  const valueOffsets = new Int32Array(rows + 1);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const value = field.values[i];
    if (!isMissing(value)) {
      const chunk = utf8.encode(toText(value, i));
      chunks.push(chunk);
      total += chunk.length;
      // Utf8 and Binary carry 32-bit offsets; LargeUtf8 would be rejected by Grafana.
      if (total > 0x7fffffff) throw fieldError(field, i, 'column exceeds 2 GiB of text');
    }
    valueOffsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    data.set(chunk, at);
    at += chunk.length;
  }
  return { data, valueOffsets };
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Reads one Arrow IPC file into a frame the way Grafana's Go SDK (data.UnmarshalArrowFrame)
 * does: record batches are appended, the timestamp unit is ignored (values are nanoseconds),
 * Uint16 with tstype "enum" is an enum, Binary holds JSON, and only the field's nullable flag
 * decides whether a slot can be null (non-nullable columns read their raw values).
 */
export function decodeFrameArrow(bytes: Uint8Array): Frame {
  if (!hasArrowFileMagic(bytes)) {
    throw new Error('not an Arrow IPC file: ARROW1 magic missing at the start or end (stream format?)');
  }
  const reader = RecordBatchReader.from(bytes);
  reader.open();
  if (!reader.isFile()) throw new Error('not an Arrow IPC file: apache-arrow read it as a stream');
  const schema = reader.schema;
  const frame = frameShell(schema);
  const kinds = schema.fields.map((arrowField, i) => columnKind(arrowField, frame.fields[i]!));
  for (const batch of reader) {
    if (batch.numRows === 0) continue;
    if (batch.data.children.length !== kinds.length) {
      throw new Error(`record batch has ${batch.data.children.length} columns, schema has ${kinds.length}`);
    }
    kinds.forEach((kind, i) => appendColumn(frame.fields[i]!, kind, batch.data.children[i]!));
  }
  for (const field of frame.fields) {
    if (field.nanos !== undefined && field.nanos.every((n) => n === 0)) delete field.nanos;
  }
  return frame;
}

function frameShell(schema: Schema): Frame {
  const name = schema.metadata.get('name');
  const refId = schema.metadata.get('refId');
  const meta = schema.metadata.get('meta');
  const frame: Frame = { fields: [] };
  if (name) frame.name = name;
  if (refId) frame.refId = refId;
  if (meta !== undefined) frame.meta = parseFrameMeta(meta, 'schema metadata "meta"');
  schema.fields.forEach((arrowField, index) => {
    const where = `field ${index} ("${arrowField.name}") metadata`;
    // apache-arrow reads an empty field name back as null.
    const field: Field = { name: arrowField.name ?? '', type: fieldTypeOf(arrowField, index), values: [] };
    if (arrowField.nullable) field.nullable = true;
    const labels = arrowField.metadata.get('labels');
    if (labels !== undefined) field.labels = parseLabels(labels, `${where} "labels"`);
    const config = arrowField.metadata.get('config');
    if (config !== undefined) field.config = parseFieldConfig(config, `${where} "config"`);
    if (field.type === 'time') field.nanos = [];
    frame.fields.push(field);
  });
  return frame;
}

/** The Grafana field type the Go reader makes of an Arrow field; throws where Go would. */
export function fieldTypeOf(arrowField: ArrowField, index: number): FieldDataType {
  const type = arrowField.type;
  if (DataType.isInt(type)) {
    const name = `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}` as FieldDataType;
    return name === 'uint16' && arrowField.metadata.get('tstype') === 'enum' ? 'enum' : name;
  }
  if (DataType.isFloat(type) && type.precision === Precision.SINGLE) return 'float32';
  if (DataType.isFloat(type) && type.precision === Precision.DOUBLE) return 'float64';
  if (DataType.isUtf8(type) || DataType.isUtf8View(type)) return 'string';
  if (DataType.isBool(type)) return 'bool';
  if (DataType.isTimestamp(type)) return 'time';
  if (DataType.isBinary(type)) return 'json';
  throw new Error(
    `field ${index} ("${arrowField.name}"): Arrow type ${String(type)} is not readable by Grafana's Go SDK`,
  );
}

type ColumnKind = 'fixed' | 'bigint' | 'bool' | 'time' | 'utf8' | 'utf8view' | 'json';

function columnKind(arrowField: ArrowField, field: Field): ColumnKind {
  switch (field.type) {
    case 'int64':
    case 'uint64':
      return 'bigint';
    case 'bool':
      return 'bool';
    case 'time':
      return 'time';
    case 'json':
      return 'json';
    case 'string':
      return DataType.isUtf8View(arrowField.type) ? 'utf8view' : 'utf8';
    default:
      return 'fixed';
  }
}

const textDecoder = new TextDecoder();

function appendColumn(field: Field, kind: ColumnKind, data: Data): void {
  const nullable = field.nullable === true;
  const values = data.values as ArrayLike<number | bigint> & Uint8Array;
  const offsets = data.valueOffsets as Int32Array;
  const bytesAt = (i: number): Uint8Array => data.values.subarray(offsets[i], offsets[i + 1]);
  const view = kind === 'utf8view' ? makeVector(data) : undefined;
  for (let i = 0; i < data.length; i++) {
    if (nullable && !data.getValid(i)) {
      field.values.push(null);
      field.nanos?.push(0);
      continue;
    }
    switch (kind) {
      case 'fixed':
        field.values.push(Number(values[i]));
        break;
      case 'bigint':
        field.values.push(BigInt(values[i]!));
        break;
      case 'bool': {
        const bit = data.offset + i;
        field.values.push((values[bit >> 3]! & (1 << (bit & 7))) !== 0);
        break;
      }
      case 'time': {
        const { ms, nanos } = nanosToTime(BigInt(values[i]!));
        field.values.push(ms);
        field.nanos!.push(nanos);
        break;
      }
      case 'utf8':
        field.values.push(textDecoder.decode(bytesAt(i)));
        break;
      case 'utf8view':
        field.values.push((view!.get(i) as string | null) ?? '');
        break;
      case 'json':
        field.values.push(jsonCell(field, field.values.length, bytesAt(i)));
        break;
    }
  }
}

/** An empty Binary slot is what Go writes for a missing json.RawMessage; Grafana shows it as null. */
function jsonCell(field: Field, row: number, bytes: Uint8Array): unknown {
  if (bytes.length === 0) return null;
  const text = textDecoder.decode(bytes);
  try {
    return parseJSON(text);
  } catch (error) {
    throw fieldError(field, row, `Binary value is not JSON, Grafana would send it on verbatim: ${(error as Error).message}`);
  }
}
