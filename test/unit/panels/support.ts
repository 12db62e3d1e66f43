// Shared by the panel tests: @grafana/data from its CommonJS build (see test/unit/kpis/catalogue.test.ts
// for why the ESM build does not load in Node), Grafana's value formats with times in UTC, and
// frames shaped like the Encore backend's (src/backend/query/analysis/frames.ts).
import { createRequire } from 'node:module';
import type * as GrafanaData from '@grafana/data';
import type { DataFrame, FieldConfig, QueryResultMeta } from '@grafana/data';
import { valueFormatter, type Formatters } from '../../../src/panels/shared/format';

if (!('navigator' in globalThis)) {
  Object.defineProperty(globalThis, 'navigator', { value: { languages: ['en-US'] }, configurable: true });
}
export const grafana = createRequire(import.meta.url)('@grafana/data') as typeof GrafanaData;
export const { createDataFrame, toDataFrame, FieldType } = grafana;

export const formatValue = valueFormatter(grafana.getValueFormat, grafana.formattedValueToString);
export const formatters: Formatters = {
  value: formatValue,
  time: (ms, pattern) => grafana.dateTimeFormat(ms, { format: pattern, timeZone: 'utc' }),
};

export const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
export const MINUTE = 60_000;
export const times = (count: number, stepMs = 5 * MINUTE, start = T0) => Array.from({ length: count }, (_, i) => start + i * stepMs);

export interface SeriesSpec {
  refId?: string;
  name: string;
  labels?: Record<string, string>;
  times?: number[];
  values: Array<number | null>;
  expected?: Array<number | null>;
  lower?: Array<number | null>;
  upper?: Array<number | null>;
  score?: number[];
  anomaly?: number[];
  dataIssue?: number[];
  unit?: string;
  decimals?: number;
  meta?: QueryResultMeta;
  /** name the expected field Forecast, as forecast answers do */
  forecast?: boolean;
}

/** One frame as the Encore backend sends it for an analysed series. */
export function encoreFrame(spec: SeriesSpec): DataFrame {
  const t = spec.times ?? times(spec.values.length);
  const labels = spec.labels ?? {};
  const unitConfig: FieldConfig = { ...(spec.unit ? { unit: spec.unit } : {}), ...(spec.decimals !== undefined ? { decimals: spec.decimals } : {}) };
  const fields: Array<{ name: string; type: GrafanaData.FieldType; values: unknown[]; labels?: Record<string, string>; config?: FieldConfig }> = [
    { name: 'Time', type: FieldType.time, values: t, config: { interval: t[1] !== undefined ? t[1] - t[0]! : 0 } },
    { name: 'Value', type: FieldType.number, values: spec.values, labels, config: { ...unitConfig, displayNameFromDS: spec.name } },
  ];
  const part = (name: string, suffix: string, values: unknown[] | undefined) => {
    if (values) fields.push({ name, type: FieldType.number, values, labels, config: { ...unitConfig, displayNameFromDS: `${spec.name} ${suffix}` } });
  };
  part(spec.forecast ? 'Forecast' : 'Expected', spec.forecast ? 'forecast' : 'expected', spec.expected);
  part('Lower', 'lower', spec.lower);
  part('Upper', 'upper', spec.upper);
  part('Score', 'score', spec.score);
  part('Anomaly', 'anomaly', spec.anomaly);
  part('Data issue', 'data issue', spec.dataIssue);
  return createDataFrame({ refId: spec.refId ?? 'A', name: spec.name, ...(spec.meta ? { meta: spec.meta } : {}), fields });
}

/** The meta the backend puts on the first frame of a KPI query's answer. */
export function kpiMeta(kpi: string, group: string, good: string, extra: Partial<QueryResultMeta> = {}): QueryResultMeta {
  return { type: 'timeseries-multi' as QueryResultMeta['type'], custom: { kpi, group, good }, ...extra };
}
