import { findKpi } from '../common/kpis/catalogue';
import { fieldsOf, queryTypeOf, targetOf, type QueryFields } from './query-shape';
import type { EncoreDataQuery } from './types';

/** `Rebuffering ratio {market="BR"} by platform`: the KPI by name, its filters and split-by. */
function kpiText(fields: QueryFields): string {
  const name = findKpi(fields.kpi ?? '')?.name ?? fields.kpi ?? '';
  const filters = (fields.filters ?? []).map((f) => `${f.label}${f.op ?? '='}"${f.value}"`);
  const by = fields.groupBy?.length ? ` by ${fields.groupBy.join(', ')}` : '';
  return `${name}${filters.length > 0 ? ` {${filters.join(', ')}}` : ''}${by}`;
}

/** What the query reads, as a person would name it: the KPI, or the PromQL as written. */
export function targetText(query: EncoreDataQuery | QueryFields): string {
  const fields = fieldsOf(query);
  return targetOf(fields) === 'kpi' ? kpiText(fields) : (fields.expr ?? '').trim();
}

/**
 * The one-line summary Grafana shows on collapsed query rows and in query history, e.g.
 * `Anomalies in Rebuffering ratio {market="BR"}` or `Forecast of Ad revenue, 1d`.
 */
export function queryDisplayText(query: EncoreDataQuery | QueryFields): string {
  const fields = fieldsOf(query);
  const target = targetText(fields);
  // `Anomalies in <target>`, or just `Anomalies` while the query has no target yet.
  const of = (title: string, joiner: string) => (target === '' ? title : `${title} ${joiner} ${target}`);
  switch (queryTypeOf(fields)) {
    case 'kpi':
    case 'promql':
      return fields.detect !== undefined && target !== '' ? `${target}, with anomaly detection` : target;
    case 'anomaly':
      return of('Anomalies', 'in');
    case 'outliers':
      return of('Outliers', 'in');
    case 'forecast':
      return `${of('Forecast', 'of')}, ${fields.horizon?.trim() || '1d'}`;
    case 'quality':
      return of('Data quality', 'of');
    default:
      return fields.expr ?? '';
  }
}

/** Plain words for the Grafana unit ids the KPI catalogue uses. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  percentunit: 'percent',
  s: 'seconds',
  ms: 'milliseconds',
  h: 'hours',
  Kbits: 'kbit/s',
  currencyUSD: 'US dollars',
  short: 'number',
};

/** A KPI's unit in words: `percentunit` → "percent", `count:plays/h` → "plays/h"; others as they are. */
export function unitText(unit: string): string {
  if (unit.startsWith('count:')) return unit.slice('count:'.length);
  return UNIT_WORDS[unit] ?? unit;
}
