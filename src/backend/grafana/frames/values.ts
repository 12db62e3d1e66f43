/**
 * Checking and converting cell values, shared by the Arrow and JSON codecs so that both reject
 * the same bad input with the same message (which field, which row, what was expected).
 */
import type { Field, Frame } from './frame';
import { shortened } from '../../../common/validation';

const NS_PER_MS = 1_000_000n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Inclusive ranges of the integer types held as JS numbers. */
export const SMALL_INT_RANGE = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  enum: [0, 65535],
} as const;

export type SmallIntType = keyof typeof SMALL_INT_RANGE;

export function isMissing(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

export function fieldError(field: Field, row: number | undefined, message: string): Error {
  const where = row === undefined ? '' : ` row ${row}`;
  return new Error(`frame field "${field.name}" (${field.type})${where}: ${message}`);
}

/** Row count of a frame whose fields must all have the same length. */
export function checkedRowCount(frame: Frame): number {
  const first = frame.fields[0];
  if (!first) return 0;
  const rows = first.values.length;
  for (const field of frame.fields) {
    if (!Array.isArray(field.values)) throw fieldError(field, undefined, 'values must be an array');
    if (field.values.length !== rows) {
      throw fieldError(field, undefined, `has ${field.values.length} values, field "${first.name}" has ${rows}`);
    }
    if (field.nanos !== undefined && field.nanos.length !== rows) {
      throw fieldError(field, undefined, `has ${field.nanos.length} nanos for ${rows} values`);
    }
  }
  return rows;
}

export function toSmallInt(field: Field, row: number, value: unknown, type: SmallIntType): number {
  const [min, max] = SMALL_INT_RANGE[type];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw fieldError(field, row, `expected an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  return value === 0 ? 0 : value; // integer columns have no -0
}

export function toBigInt(field: Field, row: number, value: unknown, signed: boolean): bigint {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value);
  else throw fieldError(field, row, `expected a bigint or an integer number, got ${describe(value)}`);
  const [min, max] = signed ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
  if (big < min || big > max) throw fieldError(field, row, `${big} is outside [${min}, ${max}]`);
  return big;
}

export function toFloat(field: Field, row: number, value: unknown): number {
  if (typeof value !== 'number') throw fieldError(field, row, `expected a number, got ${describe(value)}`);
  return value;
}

export function toStringValue(field: Field, row: number, value: unknown): string {
  if (typeof value !== 'string') throw fieldError(field, row, `expected a string, got ${describe(value)}`);
  return value;
}

export function toBool(field: Field, row: number, value: unknown): boolean {
  if (typeof value !== 'boolean') throw fieldError(field, row, `expected a boolean, got ${describe(value)}`);
  return value;
}

/**
 * Epoch nanoseconds of a time cell. Integer milliseconds go through BigInt so that values such
 * as 1700000000123 ms stay exact (a float multiply by 1e6 is off by tens of ns); a fractional
 * millisecond (e.g. Prometheus seconds * 1000) contributes its rounded sub-ms part.
 */
export function timeToNanos(field: Field, row: number, value: unknown): bigint {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw fieldError(field, row, `expected epoch milliseconds (finite number or Date), got ${describe(value)}`);
  }
  const whole = Math.floor(ms);
  let ns = BigInt(whole) * NS_PER_MS + BigInt(Math.round((ms - whole) * 1e6));
  const extra = field.nanos?.[row] ?? 0;
  if (!Number.isInteger(extra) || extra < 0 || extra > 999_999) {
    throw fieldError(field, row, `nanos must be an integer in [0, 999999], got ${describe(extra)}`);
  }
  ns += BigInt(extra);
  if (ns < INT64_MIN || ns > INT64_MAX) throw fieldError(field, row, `time ${ms} ms is outside the int64 nanosecond range`);
  return ns;
}

/** Splits epoch nanoseconds into floor milliseconds and the non-negative remainder, as Go's UnixMilli does. */
/**
 * Checks a cell of the types every frame path treats alike (integers, strings, booleans, JSON);
 * time and float columns have their own rules in each format.
 */
export function checkedPlainCell(field: Field, row: number, value: unknown): unknown {
  switch (field.type) {
    case 'int64':
      return toBigInt(field, row, value, true);
    case 'uint64':
      return toBigInt(field, row, value, false);
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'enum':
      return toSmallInt(field, row, value, field.type);
    case 'string':
      return toStringValue(field, row, value);
    case 'bool':
      return toBool(field, row, value);
    case 'json':
      return value;
    default:
      throw fieldError(field, undefined, `unknown field type ${JSON.stringify(field.type as string)}`);
  }
}

export function nanosToTime(ns: bigint): { ms: number; nanos: number } {
  let ms = ns / NS_PER_MS;
  let rest = ns % NS_PER_MS;
  if (rest < 0n) {
    ms -= 1n;
    rest += NS_PER_MS;
  }
  return { ms: Number(ms), nanos: Number(rest) };
}

/**
 * The shortest decimal that reads back as the same float32, as Go prints float32 values
 * (3.4028235e38 rather than the float64 expansion 3.4028234663852886e38).
 */
export function shortestFloat32(value: number): number {
  const single = Math.fround(value);
  if (!Number.isFinite(single) || single === 0) return single;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return Number(single.toPrecision(9));
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(shortened(value, 40));
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}
