import { findKpi, KPI_GROUP_NAMES, KPI_GROUPS, KPIS, kpiLabels, type KpiGroup } from '../common/kpis/catalogue';

/**
 * Dashboard variable queries of the Encore data source, written the way Prometheus users know:
 *   kpis()                      every KPI of the catalogue (text: its name, value: its id)
 *   kpis(revenue)               the KPIs of one group: audio_quality, behaviour, revenue
 *   label_values(market)        values of a label across every series
 *   label_values(kpi, market)   values of a label among the series the KPI reads
 * Parsed here, apart from any I/O, so the editor and the data source agree on the syntax.
 */
export type VariableQuery = { kind: 'kpis'; group?: KpiGroup } | { kind: 'label_values'; label: string; kpi?: string };

export type Parsed = { ok: true; query: VariableQuery } | { ok: false; error: string };

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const VARIABLE_QUERY_HELP = 'expected kpis(), kpis(<group>), label_values(<label>) or label_values(<kpi>, <label>)';

export function parseVariableQuery(text: string): Parsed {
  const match = /^\s*([a-z_]+)\s*\(\s*(.*?)\s*\)\s*$/s.exec(text);
  if (!match) return { ok: false, error: `variable query "${text.trim()}": ${VARIABLE_QUERY_HELP}` };
  const [, name, inside] = match as unknown as [string, string, string];
  const args = inside === '' ? [] : inside.split(',').map((a) => a.trim());
  if (name === 'kpis') {
    if (args.length === 0) return { ok: true, query: { kind: 'kpis' } };
    const group = args[0] as KpiGroup;
    if (args.length > 1 || !KPI_GROUPS.includes(group)) return { ok: false, error: `kpis(): expected one group of ${KPI_GROUPS.join(', ')}, got "${inside}"` };
    return { ok: true, query: { kind: 'kpis', group } };
  }
  if (name === 'label_values') {
    if (args.length === 1 && LABEL.test(args[0]!)) return { ok: true, query: { kind: 'label_values', label: args[0]! } };
    if (args.length === 2) {
      const [kpiId, label] = args as [string, string];
      const kpi = findKpi(kpiId);
      if (!kpi) return { ok: false, error: `label_values(): "${kpiId}" is not a KPI of the catalogue` };
      if (!kpiLabels(kpi).includes(label)) return { ok: false, error: `label_values(): ${kpiId} can be split by ${kpiLabels(kpi).join(', ')}, not "${label}"` };
      return { ok: true, query: { kind: 'label_values', label, kpi: kpiId } };
    }
    return { ok: false, error: `label_values(): expected a label name, or a KPI and a label name, got "${inside}"` };
  }
  return { ok: false, error: `unknown variable function ${name}(): ${VARIABLE_QUERY_HELP}` };
}

/** The options of a kpis() variable: the KPI's name to read, its id to query with. */
export function kpiOptions(group?: KpiGroup): Array<{ text: string; value: string }> {
  return KPIS.filter((kpi) => group === undefined || kpi.group === group).map((kpi) => ({ text: group ? kpi.name : `${kpi.name} (${KPI_GROUP_NAMES[kpi.group]})`, value: kpi.id }));
}
