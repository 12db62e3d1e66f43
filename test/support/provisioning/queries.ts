/**
 * Encore queries found in provisioning (dashboard targets, annotation targets, alert rule
 * models) checked the way the backend reads them: through its own parse function
 * (src/backend/query/parse.ts parseDataQuery, which applies src/common/query.ts), plus a check
 * the backend cannot make because it accepts Grafana's keys: every key is a field of the query
 * type or one Grafana itself puts on a query, so a misspelled option (`grupBy`) is an error here
 * instead of silently ignored.
 */
import { parseDataQuery, type ParsedQuery } from '../../../src/backend/query/parse';
import type { QueryType } from '../../../src/common/query';
import { QUERY_TYPE_FIELDS } from '../../../src/datasource/query-type-switch';
import { interpolateQuery } from '../../../src/datasource/interpolate';
import type { DashboardVariable } from './dashboard-schema';

/** Keys Grafana stores on a query whatever the data source (DataQuery, alert query models). */
export const GRAFANA_QUERY_KEYS = ['refId', 'queryType', 'datasource', 'hide', 'key', 'intervalMs', 'maxDataPoints'] as const;
const FILTER_KEYS = ['label', 'op', 'value'];

export function unknownQueryKeys(query: Record<string, unknown>): string[] {
  const type = (typeof query.queryType === 'string' && query.queryType !== '' ? query.queryType : 'promql') as QueryType;
  const fields: readonly string[] = QUERY_TYPE_FIELDS[type] ?? [];
  const unknown = Object.keys(query).filter((key) => !(GRAFANA_QUERY_KEYS as readonly string[]).includes(key) && !fields.includes(key));
  const filters = Array.isArray(query.filters) ? (query.filters as Array<Record<string, unknown>>) : [];
  filters.forEach((filter, i) => {
    for (const key of Object.keys(filter ?? {})) if (!FILTER_KEYS.includes(key)) unknown.push(`filters.${i}.${key}`);
  });
  return unknown;
}

/** The query as the backend parses it (throws the backend's own validation message). */
export function parseAsBackend(query: Record<string, unknown>, range: { from: number; to: number } = { from: 0, to: 3_600_000 }): ParsedQuery {
  return parseDataQuery({
    refId: String(query.refId ?? 'A'),
    json: Buffer.from(JSON.stringify(query), 'utf8'),
    queryType: typeof query.queryType === 'string' ? query.queryType : '',
    timeRange: { fromEpochMS: range.from, toEpochMS: range.to },
    intervalMS: 60_000,
    maxDataPoints: 1000,
  });
}

/** Grafana's built-in variables a query may use; the Encore backend replaces the interval ones. */
export const GRAFANA_BUILTIN_VARIABLES = ['__interval', '__interval_ms', '__rate_interval', '__rate_interval_ms', '__range', '__range_s', '__range_ms', '__from', '__to', '__dashboard', '__org', '__user'];

/** `$name`, `${name}`, `${name:format}` and `[[name]]` references in a text. */
export function variableReferences(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)(?::[^\]]*)?\]\]/g)) names.push((m[1] ?? m[2] ?? m[3])!);
  return names;
}

/**
 * The query as Grafana's browser sends it with every variable at its current value: the data
 * source's own applyTemplateVariables (src/datasource/interpolate.ts) with a template service
 * that knows the dashboard's variables. "All" with a custom all value passes through unformatted,
 * as Grafana does; other values go through the format function.
 */
export function interpolateAsDashboard(query: Record<string, unknown>, variables: readonly DashboardVariable[]): Record<string, unknown> {
  const byName = new Map(variables.map((v) => [v.name, v]));
  const replace = (text: string, format?: (value: unknown, variable?: { multi?: boolean; includeAll?: boolean }) => string) =>
    text.replace(/\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)/g, (match, braced: string | undefined, bare: string | undefined) => {
      const variable = byName.get((braced ?? bare)!);
      if (!variable) return match;
      const current = variable.current?.value;
      const values = Array.isArray(current) ? current : [current ?? ''];
      if (values.includes('$__all') && variable.allValue !== undefined) return variable.allValue;
      return format ? format(values.length === 1 && !variable.multi ? values[0] : values, variable) : values.join(',');
    });
  return interpolateQuery(query as { expr?: string; legendFormat?: string; filters?: Array<{ label: string; op?: string; value: string }> }, replace);
}
