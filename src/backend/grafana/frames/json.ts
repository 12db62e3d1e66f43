/**
 * DataFrameJSON, Grafana's JSON form of a frame (`/api/ds/query`, Live packets, the JSON
 * response format): `{schema, data}` with the schema first, column-major values, times as epoch
 * milliseconds plus `nanos`, NaN/±Inf as null plus `entities`, and 64-bit integers as exact bare
 * numbers. Output follows the Go SDK's writer (data/frame_json.go) key for key.
 */
import { fieldIsNullable, type Field, type FieldConfig, type FieldDataType, type Frame, type FrameMeta } from './frame';
import { parseJSON, stringifyJSON } from './exact-json';
import { isPlainObject } from './go-shapes';
import { frameMetaForWire, sortedLabels } from './metadata';
import { fieldTypeFromGoName, fieldTypeFromSimpleType, goTypeName, simpleType, type SimpleType } from './types';
import {
  checkedPlainCell,
  checkedRowCount,
  fieldError,
  isMissing,
  nanosToTime,
  shortestFloat32,
  timeToNanos,
  toFloat,
} from './values';

export type FrameJSONInclude = 'all' | 'schema' | 'data';

export interface FieldSchemaJSON {
  name?: string;
  type: SimpleType;
  typeInfo: { frame: string; nullable?: boolean };
  labels?: Record<string, string>;
  config?: FieldConfig;
}

export interface FrameSchemaJSON {
  name?: string;
  refId?: string;
  meta?: FrameMeta;
  fields: FieldSchemaJSON[];
}

export interface FieldEntitiesJSON {
  NaN?: number[];
  Inf?: number[];
  NegInf?: number[];
}

/** int64/uint64 columns hold bigint: write this with stringifyFrameJSON/stringifyJSON, not JSON.stringify. */
export interface FrameDataJSON {
  values: unknown[][];
  entities?: (FieldEntitiesJSON | null)[];
  nanos?: (number[] | null)[];
}

export interface DataFrameJSON {
  schema?: FrameSchemaJSON;
  data?: FrameDataJSON;
}

// ---------------------------------------------------------------------------------------------
// Writing

export function frameToJSON(frame: Frame, include: FrameJSONInclude = 'all'): DataFrameJSON {
  const out: DataFrameJSON = {};
  // Key order matters: Go's streaming reader needs the schema before the data.
  if (include !== 'data') out.schema = schemaToJSON(frame);
  if (include !== 'schema') out.data = dataToJSON(frame);
  return out;
}

/** The JSON text of frameToJSON, with int64/uint64 written exactly. */
export function stringifyFrameJSON(frame: Frame, include: FrameJSONInclude = 'all'): string {
  return stringifyJSON(frameToJSON(frame, include));
}

function schemaToJSON(frame: Frame): FrameSchemaJSON {
  const schema: Partial<FrameSchemaJSON> = {};
  if (frame.name) schema.name = frame.name;
  if (frame.refId) schema.refId = frame.refId;
  if (frame.meta !== undefined) schema.meta = frameMetaForWire(frame.meta);
  schema.fields = frame.fields.map((field) => {
    const out: Partial<FieldSchemaJSON> = {};
    if (field.name) out.name = field.name;
    out.type = simpleType(field.type);
    out.typeInfo = { frame: goTypeName(field.type) };
    if (fieldIsNullable(field)) out.typeInfo.nullable = true;
    if (field.labels !== undefined) out.labels = sortedLabels(field.labels);
    if (field.config !== undefined) out.config = field.config;
    return out as FieldSchemaJSON;
  });
  return schema as FrameSchemaJSON;
}

function dataToJSON(frame: Frame): FrameDataJSON {
  const rows = checkedRowCount(frame);
  const columns = frame.fields.map((field) => columnToJSON(field, rows));
  const data: FrameDataJSON = { values: columns.map((column) => column.values) };
  // Go adds each side table only when some column needs it, with null for the other columns.
  if (columns.some((column) => column.entities)) data.entities = columns.map((column) => column.entities ?? null);
  if (columns.some((column) => column.nanos)) data.nanos = columns.map((column) => column.nanos ?? null);
  return data;
}

interface ColumnJSON {
  values: unknown[];
  entities?: FieldEntitiesJSON;
  nanos?: number[];
}

function columnToJSON(field: Field, rows: number): ColumnJSON {
  const column: ColumnJSON = { values: new Array<unknown>(rows) };
  for (let i = 0; i < rows; i++) {
    const value = field.values[i];
    column.values[i] = isMissing(value) ? null : cellToJSON(field, i, value, column);
  }
  return column;
}

function cellToJSON(field: Field, row: number, value: unknown, column: ColumnJSON): unknown {
  switch (field.type) {
    case 'time': {
      const { ms, nanos } = nanosToTime(timeToNanos(field, row, value));
      if (nanos !== 0) (column.nanos ??= new Array<number>(column.values.length).fill(0))[row] = nanos;
      return ms;
    }
    case 'float32':
    case 'float64': {
      const number = toFloat(field, row, value);
      if (Number.isFinite(number)) return field.type === 'float32' ? shortestFloat32(number) : number;
      const kind = Number.isNaN(number) ? 'NaN' : number > 0 ? 'Inf' : 'NegInf';
      ((column.entities ??= {})[kind] ??= []).push(row);
      return null;
    }
    default:
      return checkedPlainCell(field, row, value);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * Builds a frame from DataFrameJSON (an object as frameToJSON returns or as parsed JSON).
 * A data-only packet (Live appends) takes its schema from `previous`.
 */
export function frameFromJSON(json: unknown, previous?: Frame): Frame {
  if (!isPlainObject(json)) throw new Error('DataFrameJSON must be an object');
  const frame = json.schema !== undefined ? frameFromSchema(json.schema) : schemaOf(previous);
  if (json.data !== undefined) readData(json.data, frame);
  return frame;
}

/** frameFromJSON of JSON text, keeping int64/uint64 beyond 2^53 exact. */
export function parseFrameJSON(text: string, previous?: Frame): Frame {
  return frameFromJSON(parseJSON(text), previous);
}

function schemaOf(previous: Frame | undefined): Frame {
  if (!previous) throw new Error('DataFrameJSON has no schema and no previous frame to take it from');
  const { fields, ...rest } = previous;
  return { ...rest, fields: fields.map(({ values: _values, nanos: _nanos, ...field }) => ({ ...field, values: [] })) };
}

function frameFromSchema(schema: unknown): Frame {
  if (!isPlainObject(schema)) throw new Error('DataFrameJSON schema must be an object');
  const frame: Frame = { fields: [] };
  if (typeof schema.name === 'string' && schema.name) frame.name = schema.name;
  if (typeof schema.refId === 'string' && schema.refId) frame.refId = schema.refId;
  if (isPlainObject(schema.meta)) frame.meta = schema.meta as FrameMeta;
  const fields = schema.fields ?? [];
  if (!Array.isArray(fields)) throw new Error('DataFrameJSON schema.fields must be an array');
  fields.forEach((item: unknown, index) => frame.fields.push(fieldFromSchema(item, index)));
  return frame;
}

function fieldFromSchema(item: unknown, index: number): Field {
  const where = `DataFrameJSON schema.fields[${index}]`;
  if (!isPlainObject(item)) throw new Error(`${where} must be an object`);
  const typeInfo = isPlainObject(item.typeInfo) ? item.typeInfo : {};
  const type: FieldDataType | undefined =
    typeof typeInfo.frame === 'string'
      ? fieldTypeFromGoName(typeInfo.frame)
      : typeof item.type === 'string'
        ? fieldTypeFromSimpleType(item.type)
        : undefined;
  if (!type) {
    const given = `typeInfo.frame ${JSON.stringify(typeInfo.frame)}, type ${JSON.stringify(item.type)}`;
    throw new Error(`${where}: unknown type (${given})`);
  }
  const field: Field = { name: typeof item.name === 'string' ? item.name : '', type, values: [] };
  if (typeInfo.nullable === true) field.nullable = true;
  if (isPlainObject(item.labels)) field.labels = item.labels as Record<string, string>;
  if (isPlainObject(item.config)) field.config = item.config as FieldConfig;
  return field;
}

function readData(data: unknown, frame: Frame): void {
  if (!isPlainObject(data)) throw new Error('DataFrameJSON data must be an object');
  const values = data.values ?? [];
  if (!Array.isArray(values) || values.some((column) => !Array.isArray(column))) {
    throw new Error('DataFrameJSON data.values must be an array of arrays');
  }
  if (values.length !== frame.fields.length) {
    throw new Error(`DataFrameJSON data.values has ${values.length} columns, the schema has ${frame.fields.length} fields`);
  }
  const entities = Array.isArray(data.entities) ? (data.entities as unknown[]) : [];
  const nanos = Array.isArray(data.nanos) ? (data.nanos as unknown[]) : [];
  frame.fields.forEach((field, index) => {
    const column = values[index] as unknown[];
    field.values = column.map((cell, row) => (cell === null ? null : cellFromJSON(field, row, cell)));
    applyEntities(field, entities[index]);
    applyNanos(field, nanos[index]);
    if (field.values.some((value) => value === null)) field.nullable = true;
  });
  checkedRowCount(frame);
}

function cellFromJSON(field: Field, row: number, cell: unknown): unknown {
  switch (field.type) {
    case 'time': {
      const ms = typeof cell === 'bigint' ? Number(cell) : cell;
      if (typeof ms !== 'number' || !Number.isInteger(ms)) {
        throw fieldError(field, row, 'expected integer epoch milliseconds');
      }
      return ms;
    }
    case 'float32':
      return Math.fround(toFloat(field, row, typeof cell === 'bigint' ? Number(cell) : cell));
    case 'float64':
      return toFloat(field, row, typeof cell === 'bigint' ? Number(cell) : cell);
    case 'int64':
    case 'uint64':
      // Go's reader also accepts 64-bit integers written as strings.
      return checkedPlainCell(field, row, typeof cell === 'string' && /^-?\d+$/.test(cell) ? BigInt(cell) : cell);
    default:
      return checkedPlainCell(field, row, cell);
  }
}

const ENTITY_VALUES: Record<string, number> = {
  NaN: Number.NaN,
  Inf: Number.POSITIVE_INFINITY,
  NegInf: Number.NEGATIVE_INFINITY,
};

function applyEntities(field: Field, entities: unknown): void {
  if (!isPlainObject(entities)) return;
  for (const [kind, rows] of Object.entries(entities)) {
    const value = ENTITY_VALUES[kind];
    if (value === undefined || !Array.isArray(rows)) continue;
    for (const row of rows) {
      if (typeof row !== 'number' || row < 0 || row >= field.values.length) {
        throw fieldError(field, undefined, `entities.${kind} index ${String(row)} is out of range`);
      }
      field.values[row] = value;
    }
  }
}

function applyNanos(field: Field, nanos: unknown): void {
  if (field.type !== 'time' || !Array.isArray(nanos)) return;
  if (nanos.length !== field.values.length) {
    throw fieldError(field, undefined, `has ${nanos.length} nanos for ${field.values.length} values`);
  }
  if (nanos.some((n) => n !== 0)) field.nanos = nanos.map((n: unknown) => (typeof n === 'number' ? n : Number(n)));
}
