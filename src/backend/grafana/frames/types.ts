/**
 * The naming tables that tie Encore's FieldDataType to Grafana's two vocabularies: the Go item
 * type (`typeInfo.frame` in DataFrameJSON) and the TypeScript simple type (`type` in JSON and
 * the `tstype` Arrow field metadata).
 */
import type { FieldDataType } from './frame';

/** Grafana's simple field types (`FieldType` in @grafana/data). */
export type SimpleType = 'number' | 'string' | 'boolean' | 'time' | 'enum' | 'other';

/** Every FieldDataType, in a stable order (tests iterate over it). */
export const FIELD_DATA_TYPES: readonly FieldDataType[] = [
  'time',
  'float64',
  'float32',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'string',
  'bool',
  'json',
  'enum',
];

const GO_TYPE: Record<FieldDataType, string> = {
  time: 'time.Time',
  float64: 'float64',
  float32: 'float32',
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  string: 'string',
  bool: 'bool',
  json: 'json.RawMessage',
  enum: 'enum',
};

const FROM_GO_TYPE = new Map<string, FieldDataType>(
  Object.entries(GO_TYPE).map(([ours, go]) => [go, ours as FieldDataType]),
);

/** Go SDK item type name, as written in `typeInfo.frame`. */
export function goTypeName(type: FieldDataType): string {
  return GO_TYPE[type];
}

/** Inverse of goTypeName; undefined for names the Go SDK would not produce. */
export function fieldTypeFromGoName(name: string): FieldDataType | undefined {
  return FROM_GO_TYPE.get(name);
}

export function simpleType(type: FieldDataType): SimpleType {
  switch (type) {
    case 'time':
      return 'time';
    case 'string':
      return 'string';
    case 'bool':
      return 'boolean';
    case 'json':
      return 'other';
    case 'enum':
      return 'enum';
    default:
      return 'number';
  }
}

/**
 * Best guess for JSON frames that carry only the simple type (frames built by browsers or other
 * tools omit typeInfo); `number` becomes float64 because that is what @grafana/data holds.
 */
export function fieldTypeFromSimpleType(type: string): FieldDataType | undefined {
  switch (type) {
    case 'time':
      return 'time';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'other':
      return 'json';
    case 'enum':
      return 'enum';
    case 'number':
      return 'float64';
    default:
      return undefined;
  }
}

export function isFloatType(type: FieldDataType): boolean {
  return type === 'float32' || type === 'float64';
}

/** Types held as bigint in memory because their range exceeds 2^53. */
export function isBigIntType(type: FieldDataType): boolean {
  return type === 'int64' || type === 'uint64';
}
