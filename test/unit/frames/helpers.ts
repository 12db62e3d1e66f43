/**
 * Shared by the frame codec tests: the Go SDK fixtures, a frame with every field type, and the
 * canonical form a frame takes after any round trip (what the decoders return for it).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Data,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  RecordBatchStreamWriter,
  type Schema,
  Struct,
  Table,
} from 'apache-arrow';
import { parseJSON, stringifyJSON } from '../../../src/backend/grafana/frames/exact-json';
import { fieldIsNullable, type Field, type Frame } from '../../../src/backend/grafana/frames/frame';
import { frameMetaForWire } from '../../../src/backend/grafana/frames/metadata';
import { nanosToTime, timeToNanos } from '../../../src/backend/grafana/frames/values';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * A golden file written by Grafana's Go SDK, kept in test/fixtures/grafana-sdk-go (see its README
 * for provenance); a missing fixture fails the suite, never skips it.
 */
export function goFixture(name: string): Buffer {
  const file = path.resolve(repoRoot, 'test', 'fixtures', 'grafana-sdk-go', name);
  if (!existsSync(file)) throw new Error(`Go SDK fixture missing: ${file}`);
  return readFileSync(file);
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

/** One non-nullable and one nullable field per FieldDataType, with extremes, nulls and odd values. */
export function everyTypeFrame(): Frame {
  const both = (field: Field, nullableValues: unknown[]): Field[] => [
    field,
    { ...field, name: `nullable_${field.name}`, nullable: true, values: nullableValues },
  ];
  return {
    name: 'every type',
    refId: 'Q',
    meta: {
      type: 'timeseries-wide',
      typeVersion: [0, 1],
      executedQueryString: 'rate(plays_total[5m])',
      notices: [{ severity: 'warning', text: 'data gap 12:00–12:05' }],
      stats: [{ displayName: 'rows', value: 3 }],
      custom: { big: 2n ** 60n, nested: [1, 'two'] },
    },
    fields: [
      ...both({ name: 'time', type: 'time', values: [0, 1700000000123, -1], nanos: [1, 999999, 0], config: { interval: 1000 } }, [
        1700000000123,
        null,
        -86400000,
      ]),
      ...both({ name: 'float64', type: 'float64', values: [Number.NaN, Number.POSITIVE_INFINITY, -1.5e-300] }, [
        Number.NEGATIVE_INFINITY,
        null,
        Number.MAX_VALUE,
      ]),
      ...both({ name: 'float32', type: 'float32', values: [Math.fround(0.1), Number.NaN, -0] }, [null, Math.fround(3.4e38), 1]),
      ...both({ name: 'int8', type: 'int8', values: [-128, 0, 127] }, [null, -128, 127]),
      ...both({ name: 'int16', type: 'int16', values: [-32768, 1, 32767] }, [-32768, null, 32767]),
      ...both({ name: 'int32', type: 'int32', values: [-2147483648, 2, 2147483647] }, [-2147483648, 2147483647, null]),
      ...both({ name: 'int64', type: 'int64', values: [INT64_MIN, 2n ** 53n + 1n, INT64_MAX] }, [null, -(2n ** 53n) - 1n, 7]),
      ...both({ name: 'uint8', type: 'uint8', values: [0, 1, 255] }, [null, 0, 255]),
      ...both({ name: 'uint16', type: 'uint16', values: [0, 1, 65535] }, [0, null, 65535]),
      ...both({ name: 'uint32', type: 'uint32', values: [0, 1, 4294967295] }, [0, 4294967295, null]),
      ...both({ name: 'uint64', type: 'uint64', values: [0n, 2n ** 53n + 1n, UINT64_MAX] }, [null, UINT64_MAX, 3n]),
      ...both(
        {
          name: 'string',
          type: 'string',
          values: ['', 'Grafana ❤️ 🦥', 'line\nbreak "quoted" \\ ünïcödé 日本語'],
          labels: { service: 'playback', region: 'eu-west' },
          config: { displayName: 'Strings', unit: 'none', decimals: 0 },
        },
        ['x', null, ''],
      ),
      ...both({ name: 'bool', type: 'bool', values: [true, false, true] }, [false, null, true]),
      ...both(
        { name: 'json', type: 'json', values: [{ a: 1, b: [true, null] }, [1, 2, 3], 'text'] },
        [{ deep: { big: 2n ** 64n } }, null, 0],
      ),
      ...both(
        {
          name: 'enum',
          type: 'enum',
          values: [0, 1, 65535],
          config: { type: { enum: { text: ['ok', 'degraded'] } } },
        },
        [1, null, 0],
      ),
    ],
  };
}

/** The frame the decoders (Arrow and JSON text) return for `frame`. */
export function canonicalFrame(frame: Frame): Frame {
  const out: Frame = { fields: frame.fields.map(canonicalField) };
  if (frame.name) out.name = frame.name;
  if (frame.refId) out.refId = frame.refId;
  if (frame.meta !== undefined) out.meta = parseJSON(stringifyJSON(frameMetaForWire(frame.meta))) as Frame['meta'];
  return out;
}

function canonicalField(field: Field): Field {
  const out: Field = { name: field.name, type: field.type, values: [] };
  if (fieldIsNullable(field)) out.nullable = true;
  if (field.labels !== undefined) out.labels = { ...field.labels };
  if (field.config !== undefined) out.config = parseJSON(stringifyJSON(field.config)) as Field['config'];
  const nanos: number[] = [];
  out.values = field.values.map((value, row) => {
    if (value === null || value === undefined) {
      nanos.push(0);
      return null;
    }
    switch (field.type) {
      case 'time': {
        const split = nanosToTime(timeToNanos(field, row, value));
        nanos.push(split.nanos);
        return split.ms;
      }
      case 'int64':
      case 'uint64':
        return BigInt(value as number | bigint);
      case 'float32':
        return Math.fround(value as number);
      case 'json':
        return parseJSON(stringifyJSON(value));
      default:
        return value;
    }
  });
  if (field.type === 'time' && nanos.some((n) => n !== 0)) out.nanos = nanos;
  return out;
}

/**
 * Arrow bytes built directly with apache-arrow, for inputs our encoder would never produce
 * (other timestamp units, dictionaries, several batches...). `batches` holds one Data per field.
 */
export function arrowBytes(schema: Schema, batches: Data[][], format: 'file' | 'stream' = 'file'): Uint8Array {
  const records = batches.map(
    (children) =>
      new RecordBatch(
        schema,
        makeData({ type: new Struct(schema.fields), length: children[0]?.length ?? 0, nullCount: 0, children }),
      ),
  );
  const Writer = format === 'file' ? RecordBatchFileWriter : RecordBatchStreamWriter;
  return Writer.writeAll(records.length > 0 ? records : new Table(schema)).toUint8Array(true);
}

/** The schema and batches apache-arrow reads from bytes, to look at what an encoder wrote. */
export function readArrow(bytes: Uint8Array): {
  schema: Schema;
  batches: RecordBatch[];
  isFile: boolean;
  /** Record batches listed in the file footer (apache-arrow yields a placeholder when there are none). */
  footerBatches: number | undefined;
} {
  const reader = RecordBatchReader.from(bytes);
  reader.open();
  const schema = reader.schema;
  const footerBatches = reader.isFile() ? reader.numRecordBatches : undefined;
  const isFile = reader.isFile();
  const batches = [...reader].filter((batch) => batch.numRows > 0);
  return { schema, batches, isFile, footerBatches };
}
