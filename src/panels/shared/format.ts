/**
 * How the view models turn numbers into text. The panels pass Grafana's own value formats
 * (grafana-format.ts: getValueFormat + formattedValueToString from @grafana/data) and the
 * dashboard's time zone; tests pass the same functions from @grafana/data's CommonJS build. The
 * view models stay free of runtime imports from @grafana/data that way.
 */

/** `(0.0123, 'percentunit', 2)` -> `1.23%`; non-finite values read as a dash. */
export type FormatValue = (value: number, unit: string | undefined, decimals?: number) => string;

/** A time in the dashboard's time zone, with a moment-style pattern (`HH:mm`, `MMM D`). */
export type FormatTime = (ms: number, pattern: string) => string;

export interface Formatters {
  value: FormatValue;
  time: FormatTime;
}

export const NO_VALUE = '–';
/** ` %` with a no-break space: `4.2 %` never wraps before its sign. */
const PERCENT = '\u00a0%';

interface FormattedValue {
  text: string;
  prefix?: string;
  suffix?: string;
}

/** Builds a FormatValue from Grafana's getValueFormat and formattedValueToString. */
export function valueFormatter(
  getValueFormat: (id?: string | null) => (value: number, decimals?: number | null) => FormattedValue,
  toText: (value: FormattedValue) => string,
): FormatValue {
  return (value, unit, decimals) => {
    if (!Number.isFinite(value)) return NO_VALUE;
    return toText(getValueFormat(unit ?? 'none')(value, decimals ?? null));
  };
}

/** A signed relative change: `+4.2 %`, `−12 %` (a true minus sign, as screen readers say it; a no-break space before %). */
export function formatChange(ratio: number): string {
  if (!Number.isFinite(ratio)) return NO_VALUE;
  const percent = ratio * 100;
  const digits = Math.abs(percent) >= 10 ? 0 : 1;
  const text = Math.abs(percent).toFixed(digits);
  if (Number(text) === 0) return `±0${PERCENT}`;
  return `${percent > 0 ? '+' : '−'}${text}${PERCENT}`;
}

/** A share of a whole: `74 %`, `4.5 %`, `0.3 %`. */
export function formatShare(share: number): string {
  if (!Number.isFinite(share)) return NO_VALUE;
  const percent = share * 100;
  return `${percent >= 10 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)}${PERCENT}`;
}
