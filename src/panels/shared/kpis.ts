import { findKpi, KPIS, type KpiDefinition, type KpiGroup, type Slo } from '../../common/kpis/catalogue';

/**
 * The panels' lookups in the KPI catalogue (src/common/kpis/catalogue.ts): names, units, SLOs
 * and good directions come from there, never from copies.
 */

export { findKpi };
export type { KpiDefinition, KpiGroup, Slo };

export function kpisInGroup(group: KpiGroup): KpiDefinition[] {
  return KPIS.filter((kpi) => kpi.group === group);
}

/** `Rebuffering ratio`, `rebuffering_ratio` and `Rebuffering-Ratio` all read the same. */
function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const NAMES = KPIS.flatMap((kpi) => [
  { key: normalise(kpi.id), kpi },
  { key: normalise(kpi.name), kpi },
]).sort((a, b) => b.key.length - a.key.length);

/**
 * The KPI a series name, frame name or refId stands for: the KPI's id or name, alone or followed
 * by more words (`Skip rate ios / US` is the skip rate of one group). The longest name wins, so
 * `Recommendation skip rate` is not read as `Skip rate`.
 */
export function matchKpiName(text: string): KpiDefinition | undefined {
  const key = normalise(text);
  if (key === '') return undefined;
  return NAMES.find((n) => key === n.key || key.startsWith(`${n.key} `))?.kpi;
}

/**
 * The objective a panel holds a KPI to: the panel's threshold when set (with the catalogue's
 * operator, or one from the KPI's good direction), else the catalogue's SLO.
 */
export function effectiveSlo(kpi: KpiDefinition, threshold?: number | null): Slo | undefined {
  if (threshold === undefined || threshold === null || !Number.isFinite(threshold)) return kpi.slo;
  if (kpi.slo) return { ...kpi.slo, threshold, basis: 'set in the panel options' };
  if (kpi.good === 'neutral') return undefined;
  return { op: kpi.good === 'down' ? '<=' : '>=', threshold, basis: 'set in the panel options' };
}

/** The editor's choices of KPIs of a group. */
export function kpiSelectOptions(group: KpiGroup): Array<{ value: string; label: string; description: string }> {
  return kpisInGroup(group).map((kpi) => ({ value: kpi.id, label: kpi.name, description: kpi.description }));
}
