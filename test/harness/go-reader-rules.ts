/**
 * The checks Grafana applies, knowingly or not, when it reads a frame a plugin returned
 * (fact sheet §3, §6 step 6). Grafana decodes every frame with the Go SDK's
 * data.UnmarshalArrowFrame, which needs an IPC *file*, rejects most Arrow types, reads every
 * timestamp as nanoseconds and trusts only the nullable flag; then it converts the frame to
 * DataFrameJSON for the browser. Bytes that pass here are what that path accepts and renders
 * as intended; each failure names the rule it broke.
 */
import {
  type Data,
  DataType,
  type Field as ArrowField,
  Precision,
  type RecordBatch,
  RecordBatchReader,
  type Schema,
  TimeUnit,
} from 'apache-arrow';
import { decodeFrameArrow, fieldTypeOf, hasArrowFileMagic } from '../../src/backend/grafana/frames/arrow';
import { parseJSON } from '../../src/backend/grafana/frames/exact-json';
import type { Frame } from '../../src/backend/grafana/frames/frame';
import { parseFieldConfig, parseFrameMeta, parseLabels } from '../../src/backend/grafana/frames/metadata';
import { simpleType } from '../../src/backend/grafana/frames/types';

export type GoReaderRule =
  | 'arrow-file-magic'
  | 'ipc-file-readable'
  | 'arrow-type-allowed'
  | 'timestamp-unit-ns'
  | 'schema-refid'
  | 'schema-meta-json'
  | 'field-labels-json'
  | 'field-config-json'
  | 'field-tstype'
  | 'batch-shape'
  | 'nullable-flag'
  | 'json-binary-valid'
  | 'go-decode';

export class GoReaderRuleError extends Error {
  constructor(
    readonly rule: GoReaderRule,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`Grafana Go reader rule "${rule}" broken: ${detail}`, options);
    this.name = 'GoReaderRuleError';
  }
}

/** Validates frame bytes with the Go reader's rules and returns the frame Grafana would see. */
export function assertGrafanaReadableFrame(bytes: Uint8Array): Frame {
  checkMagic(bytes);
  const { schema, batches } = readIpcFile(bytes);
  checkSchemaMetadata(schema);
  schema.fields.forEach((field, index) => checkField(field, index));
  for (const [batchIndex, batch] of batches.entries()) checkBatch(schema, batch, batchIndex);
  try {
    return decodeFrameArrow(bytes);
  } catch (error) {
    throw new GoReaderRuleError('go-decode', (error as Error).message, { cause: error });
  }
}

function checkMagic(bytes: Uint8Array): void {
  if (hasArrowFileMagic(bytes)) return;
  const stream = bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
  const start = new TextDecoder().decode(bytes.subarray(0, 6));
  throw new GoReaderRuleError(
    'arrow-file-magic',
    stream
      ? 'bytes are in the Arrow IPC stream format (start ff ff ff ff); Grafana needs the file format (ARROW1 ... ARROW1)'
      : `ARROW1 missing at the ${start === 'ARROW1' ? 'end (truncated file?)' : 'start'} of ${bytes.length} bytes`,
  );
}

function readIpcFile(bytes: Uint8Array): { schema: Schema; batches: RecordBatch[] } {
  try {
    const reader = RecordBatchReader.from(bytes);
    reader.open();
    if (!reader.isFile()) throw new Error('apache-arrow did not recognise the IPC file format');
    const schema = reader.schema;
    return { schema, batches: [...reader] };
  } catch (error) {
    throw new GoReaderRuleError('ipc-file-readable', (error as Error).message, { cause: error });
  }
}

function checkSchemaMetadata(schema: Schema): void {
  if (!schema.metadata.has('refId')) {
    throw new GoReaderRuleError('schema-refid', 'schema metadata has no "refId" key (the Go SDK always writes it)');
  }
  const meta = schema.metadata.get('meta');
  if (meta !== undefined) {
    try {
      parseFrameMeta(meta, 'schema metadata "meta"');
    } catch (error) {
      throw new GoReaderRuleError('schema-meta-json', (error as Error).message, { cause: error });
    }
  }
}

function checkField(field: ArrowField, index: number): void {
  const where = `field ${index} ("${field.name}")`;
  const type = field.type;
  if (!isAllowedType(type)) {
    throw new GoReaderRuleError('arrow-type-allowed', `${where} has Arrow type ${String(type)}; the Go reader rejects it`);
  }
  if (DataType.isTimestamp(type) && type.unit !== TimeUnit.NANOSECOND) {
    throw new GoReaderRuleError(
      'timestamp-unit-ns',
      `${where} is ${String(type)}; Grafana reads every timestamp as nanoseconds, so these dates land near 1970`,
    );
  }
  const labels = field.metadata.get('labels');
  if (labels !== undefined) guard('field-labels-json', () => parseLabels(labels, `${where} metadata "labels"`));
  const config = field.metadata.get('config');
  if (config !== undefined) guard('field-config-json', () => parseFieldConfig(config, `${where} metadata "config"`));
  const tstype = field.metadata.get('tstype');
  if (tstype !== undefined) {
    // The browser takes the field's type from tstype, so a wrong one mislabels the column.
    const expected = simpleType(fieldTypeOf(field, index));
    if (tstype !== expected) {
      const detail = `${where} has tstype "${tstype}" but its Arrow type ${String(type)} means "${expected}"`;
      throw new GoReaderRuleError('field-tstype', detail);
    }
  }
}

function isAllowedType(type: DataType): boolean {
  if (DataType.isInt(type)) return [8, 16, 32, 64].includes(type.bitWidth);
  if (DataType.isFloat(type)) return type.precision === Precision.SINGLE || type.precision === Precision.DOUBLE;
  return (
    DataType.isUtf8(type) ||
    DataType.isUtf8View(type) ||
    DataType.isBool(type) ||
    DataType.isTimestamp(type) ||
    DataType.isBinary(type)
  );
}

function guard(rule: GoReaderRule, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    throw new GoReaderRuleError(rule, (error as Error).message, { cause: error });
  }
}

function checkBatch(schema: Schema, batch: RecordBatch, batchIndex: number): void {
  if (batch.numRows === 0) return;
  const columns = batch.data.children;
  if (columns.length !== schema.fields.length) {
    const detail = `record batch ${batchIndex} has ${columns.length} columns for ${schema.fields.length} fields`;
    throw new GoReaderRuleError('batch-shape', detail);
  }
  schema.fields.forEach((field, index) => {
    const column = columns[index]!;
    const where = `record batch ${batchIndex}, field ${index} ("${field.name}")`;
    if (column.length !== batch.numRows) {
      throw new GoReaderRuleError('batch-shape', `${where} has ${column.length} rows, the batch has ${batch.numRows}`);
    }
    if (!field.nullable && column.nullCount > 0) {
      throw new GoReaderRuleError(
        'nullable-flag',
        `${where} holds ${column.nullCount} null(s) but is not marked nullable; Grafana would show them as zero values`,
      );
    }
    if (DataType.isBinary(field.type)) checkJSONBinary(column, field, where);
  });
}

/** Grafana copies Binary (json.RawMessage) values into its JSON output verbatim. */
function checkJSONBinary(column: Data, field: ArrowField, where: string): void {
  const offsets = column.valueOffsets as Int32Array;
  const decoder = new TextDecoder();
  for (let row = 0; row < column.length; row++) {
    if (field.nullable && !column.getValid(row)) continue;
    const bytes = (column.values as Uint8Array).subarray(offsets[row], offsets[row + 1]);
    if (bytes.length === 0) continue;
    try {
      parseJSON(decoder.decode(bytes));
    } catch (error) {
      const detail = `${where} row ${row} is not JSON: ${(error as Error).message}`;
      throw new GoReaderRuleError('json-binary-valid', detail, { cause: error });
    }
  }
}
