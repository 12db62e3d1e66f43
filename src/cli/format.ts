import type { QualityCheck } from '../backend/analysis/quality';
import { percent } from '../backend/analysis/quality/shared';
import { formatDuration } from '../common/validation';

/**
 * Terminal output: aligned tables and numbers for people. Machine output is `--format json` or
 * the CSV files of `detect --out`; these strings are not meant to be parsed.
 */

export interface TableOptions {
  /** columns (by index) aligned to the right: numbers */
  right?: readonly number[];
  indent?: string;
}

/** Columns padded to their widest cell; the last column is not padded (it may be a long message). */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, options: TableOptions = {}): string {
  const indent = options.indent ?? '';
  const right = new Set(options.right ?? []);
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => [...(row[c] ?? '')].length)));
  const last = header.length - 1;
  const line = (row: readonly string[]) =>
    indent +
    row
      .map((cell, c) => {
        const pad = ' '.repeat(widths[c]! - [...cell].length);
        if (right.has(c)) return pad + cell;
        return c === last ? cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return all.map(line).join('\n');
}

/** A number for a table: six significant digits, no exponent for everyday sizes, `-` when there is none. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return '-';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e15)) return x.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(6)));
}

/** A share of 1 as a percentage: 0.952 -> `95.2 %`; never rounds 99.96 % up to 100 (as the checks' messages). */
export function formatPercent(share: number): string {
  return Number.isFinite(share) ? percent(share) : formatNumber(share);
}

/** A duration for people: `5m`, `1d`, `1h30m`; sub-second as milliseconds. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms)) return formatNumber(ms);
  if (ms === 0) return '0s';
  return (ms < 0 ? '-' : '') + formatDuration(Math.abs(ms));
}

/** A check's value or threshold in its Grafana unit. */
export function formatWithUnit(value: number, unit: string): string {
  switch (unit) {
    case 'percentunit':
      return formatPercent(value);
    case 's':
      return formatSpan(Math.round(value * 1000));
    case 'short':
    case '':
      return formatNumber(value);
    default:
      return `${formatNumber(value)} ${unit}`;
  }
}

export function statusLabel(status: QualityCheck['status']): string {
  return status.toUpperCase();
}

/** "1 series", "3 points", "2 events". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
