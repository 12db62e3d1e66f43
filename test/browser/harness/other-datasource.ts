// The frames another data source gives for the same series, to show a panel the data of a
// dashboard that queries Prometheus (or any time-series source) directly: per series a `Time` and
// a `Value` field with the series' labels and the legend as display name, as Grafana's
// Prometheus data source answers a range query. Nothing Encore adds is kept: no KPI, unit or
// decimals in the field config, no meta (notices, stats, the KPI of the query), no expected
// value, band or score fields, no anomaly events.
import { FieldType, type DataFrame, type Field } from '@grafana/data';

export function asOtherDataSource(frame: DataFrame): DataFrame {
  const time = frame.fields.find((f) => f.type === FieldType.time);
  const value = frame.fields.find((f) => f.type === FieldType.number && f.name === 'Value') ?? frame.fields.find((f) => f.type === FieldType.number);
  if (!time || !value) return { refId: frame.refId, fields: [], length: 0 };
  const legend = value.config.displayNameFromDS;
  const fields: Field[] = [
    { name: 'Time', type: FieldType.time, values: time.values, config: {} },
    { name: 'Value', type: FieldType.number, values: value.values, config: legend ? { displayNameFromDS: legend } : {}, ...(value.labels ? { labels: value.labels } : {}) },
  ];
  return { refId: frame.refId, fields, length: frame.length, meta: { type: 'timeseries-multi' as never } };
}
