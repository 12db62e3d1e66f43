/**
 * Encore's in-memory data frame: the shape every producer (sources, analysis, the pipeline)
 * builds and every encoder (Arrow IPC file, DataFrameJSON) consumes.
 *
 * It mirrors Grafana's data.Frame closely enough to round-trip the Go SDK's golden file,
 * while staying plain data so that pure code can build frames without touching Arrow.
 */

/** Go SDK field types; they fix both the Arrow type and the JSON `typeInfo.frame`. */
export type FieldDataType =
  | 'time'
  | 'float64'
  | 'float32'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'string'
  | 'bool'
  | 'json'
  | 'enum';

/**
 * Column values by data type.
 * - time: epoch milliseconds (number); sub-millisecond remainders go in `Field.nanos`.
 * - float*: number (NaN, Infinity allowed).
 * - int8..int32, uint8..uint32, enum: number.
 * - int64, uint64: bigint (exact) — number is accepted on input and converted.
 * - string: string. bool: boolean. json: any JSON value (serialised as raw JSON bytes).
 * Any entry may be null when the field is nullable.
 */
export type FieldValue = number | bigint | string | boolean | null | unknown;

export interface FieldConfig {
  displayName?: string;
  displayNameFromDS?: string;
  description?: string;
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  interval?: number;
  noValue?: string;
  custom?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Field {
  name: string;
  type: FieldDataType;
  values: FieldValue[];
  /** Must be true when any value is null; encoders set the Arrow nullable flag from it. */
  nullable?: boolean;
  labels?: Record<string, string>;
  config?: FieldConfig;
  /** time fields only: nanoseconds beyond the millisecond, per row (0..999999). */
  nanos?: number[];
}

export interface Notice {
  severity: 'info' | 'warning' | 'error';
  text: string;
  link?: string;
  inspect?: 'meta' | 'error' | 'data' | 'stats';
}

export interface QueryStat {
  displayName: string;
  value: number;
  unit?: string;
  decimals?: number;
  [key: string]: unknown;
}

export interface FrameMeta {
  type?: string;
  typeVersion?: [number, number];
  path?: string;
  pathSeparator?: string;
  custom?: unknown;
  stats?: QueryStat[];
  notices?: Notice[];
  channel?: string;
  preferredVisualisationType?: string;
  preferredVisualisationPluginId?: string;
  executedQueryString?: string;
  dataTopic?: string;
  uniqueRowIdFields?: number[];
}

export interface Frame {
  name?: string;
  refId?: string;
  meta?: FrameMeta;
  fields: Field[];
}

/** Number of rows; all fields of a frame must have the same length. */
export function frameLength(frame: Frame): number {
  return frame.fields.length === 0 ? 0 : frame.fields[0]!.values.length;
}

/**
 * Whether encoders mark the field nullable: when it says so or when it holds a null anyway.
 * Grafana's Go reader trusts only the Arrow nullable flag and reads nulls in a non-nullable
 * column as zero values, so a stray null must widen the flag rather than turn into 0.
 */
export function fieldIsNullable(field: Field): boolean {
  return field.nullable === true || field.values.some((value) => value === null || value === undefined);
}
