import { dateTimeFormat, formattedValueToString, getValueFormat, type TimeZone } from '@grafana/data';
import { valueFormatter, type Formatters } from './format';

/** The formatters the panels render with: Grafana's value formats and the dashboard's time zone. */
export const formatValue = valueFormatter(getValueFormat, formattedValueToString);

export function grafanaFormatters(timeZone: TimeZone | undefined): Formatters {
  return {
    value: formatValue,
    time: (ms, pattern) => dateTimeFormat(ms, { format: pattern, timeZone }),
  };
}
