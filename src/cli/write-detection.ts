import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Detection } from '../backend/analysis/detect';
import { timeAt, type Grid } from '../backend/analysis/grid';
import { csvField } from './csv';
import { formatTime, type TimeFormat } from './fields';

/**
 * The CSV file `detect --out` writes per input: one row per grid step (gaps included, with an
 * empty value), columns timestamp,value,expected,lower,upper,score,anomaly, and a leading series
 * column when the input had one. Written to a temporary name and renamed, so a file that exists
 * is complete.
 */

const CHUNK_ROWS = 8192;

export const DETECTION_COLUMNS = ['timestamp', 'value', 'expected', 'lower', 'upper', 'score', 'anomaly'] as const;

export interface DetectedSeries {
  name: string;
  grid: Grid;
  detection: Detection;
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * A model output with ten significant digits (the rest is floating-point noise), trailing zeros
 * dropped, empty when there is none: the same text as String(Number(x.toPrecision(10))), about
 * twice as fast, which counts at three numbers per row of a file of millions. The digits are
 * those of an integer (Math.round of x scaled by a power of ten), the point goes in by hand.
 */
export function csvNumber(x: number): string {
  if (!Number.isFinite(x)) return '';
  if (x === 0) return '0';
  const negative = x < 0;
  const abs = negative ? -x : x;
  const decimals = 10 - Math.ceil(Math.log10(abs));
  // Huge and tiny magnitudes (exponent notation) take the slow, general path.
  if (decimals < 0 || decimals > 22 || abs < 1e-6) return String(Number(x.toPrecision(10)));
  const digits = String(Math.round(abs * POW10[decimals]!));
  const whole = digits.length - decimals;
  let end = digits.length;
  while (end > whole && end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  let text: string;
  if (whole > 0) text = end > whole ? `${digits.slice(0, whole)}.${digits.slice(whole, end)}` : digits.slice(0, whole);
  else text = end > 0 ? `0.${'0'.repeat(-whole)}${digits.slice(0, end)}` : '0';
  return negative ? `-${text}` : text;
}

/** A score in [0, 1] with four decimals (toFixed(4), without its cost). */
export function csvScore(score: number): string {
  const n = Math.round(score * 10_000);
  if (!(n >= 0 && n < 10_000)) return score.toFixed(4);
  return `0.${n < 10 ? '000' : n < 100 ? '00' : n < 1000 ? '0' : ''}${n}`;
}

/** Rows of one series, in chunks of `chunkRows` rows (the last one shorter). */
export function* detectionRows(series: DetectedSeries, timeFormat: TimeFormat, withSeries: boolean, chunkRows = CHUNK_ROWS): Generator<{ text: string; rows: number }> {
  const { grid, detection } = series;
  const prefix = withSeries ? `${csvField(series.name)},` : '';
  let chunk = '';
  let rows = 0;
  for (let i = 0; i < grid.values.length; i++) {
    const v = grid.values[i]!;
    chunk +=
      `${prefix}${formatTime(timeAt(grid, i), timeFormat)},${Number.isFinite(v) ? String(v) : ''},` +
      `${csvNumber(detection.expected[i]!)},${csvNumber(detection.lower[i]!)},${csvNumber(detection.upper[i]!)},` +
      `${csvScore(detection.score[i]!)},${detection.anomaly[i]!}\n`;
    if (++rows >= chunkRows) {
      yield { text: chunk, rows };
      chunk = '';
      rows = 0;
    }
  }
  if (rows > 0) yield { text: chunk, rows };
}

export async function writeDetectionCsv(
  path: string,
  series: readonly DetectedSeries[],
  timeFormat: TimeFormat,
  withSeries: boolean,
  onRows?: (rows: number) => void,
): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(temporary);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  // Keep an unhandled rejection from surfacing when nothing goes wrong.
  failed.catch(() => undefined);
  try {
    const write = async (text: string) => {
      if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
    };
    await write(`${withSeries ? 'series,' : ''}${DETECTION_COLUMNS.join(',')}\n`);
    for (const s of series) {
      for (const chunk of detectionRows(s, timeFormat, withSeries)) {
        await write(chunk.text);
        onRows?.(chunk.rows);
      }
    }
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    await rename(temporary, path);
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}
