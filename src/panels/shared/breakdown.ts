import type { KpiSeries, QueryAnswer } from './frames';
import type { FormatValue } from './format';
import { decimalsFor, type DisplayOptions } from './headline';
import { effectiveSlo, findKpi } from './kpis';
import { reduceSeries } from './series';
import { sloState, sloStateText, sloText, type SloState } from './slo';

/**
 * Breakdowns: the KPIs by one label (platform, market, network, codec...), one row per label
 * value, worst first (amounts: largest first). They come from queries split by that label (Split by in the Encore query
 * editor, `sum by (platform)` in PromQL).
 */

/** The labels `auto` looks for, in this order; any other label can be chosen too. */
export const PREFERRED_DIMENSIONS = ['platform', 'market', 'network', 'codec', 'tier', 'content_type', 'plan', 'format'] as const;

export const DIMENSION_NAMES: Readonly<Record<string, string>> = {
  platform: 'Platform',
  market: 'Market',
  network: 'Network',
  codec: 'Codec',
  tier: 'Tier',
  content_type: 'Content type',
  plan: 'Plan',
  format: 'Ad format',
};

export function dimensionName(label: string): string {
  return DIMENSION_NAMES[label] ?? label;
}

/** Labels that tell the series of the KPIs apart (with more than one value), preferred ones first. */
export function availableDimensions(answers: readonly QueryAnswer[], kpiIds?: readonly string[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const s of answers.flatMap((a) => a.series)) {
    if (kpiIds && (s.kpiId === undefined || !kpiIds.includes(s.kpiId))) continue;
    for (const [k, v] of Object.entries(s.labels)) {
      if (!values.has(k)) values.set(k, new Set());
      values.get(k)!.add(v);
    }
  }
  const varying = [...values.entries()].filter(([, set]) => set.size > 1).map(([k]) => k);
  const rank = (label: string) => {
    const i = (PREFERRED_DIMENSIONS as readonly string[]).indexOf(label);
    return i === -1 ? PREFERRED_DIMENSIONS.length : i;
  };
  return varying.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** `auto`: the first available dimension; `none`: no breakdown; a label: that label if present. */
export function resolveDimension(choice: string | undefined, answers: readonly QueryAnswer[], kpiIds: readonly string[]): string | undefined {
  if (choice === 'none') return undefined;
  if (choice === undefined || choice === '' || choice === 'auto') return availableDimensions(answers, kpiIds)[0];
  return choice;
}

export interface BreakdownCell {
  kpiId: string;
  value?: number;
  text: string;
  state: SloState;
  stateText: string;
  anomalous: boolean;
}

export interface BreakdownRow {
  key: string;
  cells: BreakdownCell[];
}

export interface BreakdownColumn {
  kpiId: string;
  title: string;
  unit?: string;
  sloText?: string;
}

export interface Breakdown {
  dimension: string;
  dimensionName: string;
  columns: BreakdownColumn[];
  rows: BreakdownRow[];
  /** rows before the limit */
  total: number;
  /** the KPI rows are ordered by */
  sortedBy?: string;
  /** rates and times: worst first; amounts (money, counts): largest first */
  order: 'worst-first' | 'largest-first';
}

/** Amounts (money, counts) are compared by size; rates, times and levels by how bad they are. */
export function isAmountUnit(unit: string | undefined): boolean {
  return unit !== undefined && (unit.startsWith('currency') || unit.startsWith('count:') || unit === 'short');
}

export interface BreakdownOptions extends DisplayOptions {
  limit?: number;
}

/** The series of a KPI split by `dimension`, keyed by their label values (the dimension's first). */
function splitSeries(series: readonly KpiSeries[], kpiId: string, dimension: string): Map<string, KpiSeries> {
  const candidates = series.filter((s) => s.kpiId === kpiId && s.kind === 'observed' && s.labels[dimension] !== undefined);
  const out = new Map<string, KpiSeries>();
  if (candidates.length === 0) return out;
  const fewest = Math.min(...candidates.map((s) => Object.keys(s.labels).length));
  for (const s of candidates.filter((c) => Object.keys(c.labels).length === fewest)) {
    const others = Object.keys(s.labels)
      .filter((k) => k !== dimension)
      .sort()
      .map((k) => s.labels[k]);
    const key = [s.labels[dimension]!, ...others].join(' / ');
    // Two queries of the same split: the analysed one (with a band) wins.
    if (!out.has(key) || (s.lower !== undefined && out.get(key)!.lower === undefined)) out.set(key, s);
  }
  return out;
}

export function breakdown(answers: readonly QueryAnswer[], kpiIds: readonly string[], dimension: string, options: BreakdownOptions, format: FormatValue): Breakdown | undefined {
  const series = answers.flatMap((a) => a.series);
  const perKpi = kpiIds.map((kpiId) => ({ kpiId, split: splitSeries(series, kpiId, dimension) })).filter((k) => k.split.size > 0);
  if (perKpi.length === 0) return undefined;
  const keys = [...new Set(perKpi.flatMap((k) => [...k.split.keys()]))];
  const columns: BreakdownColumn[] = perKpi.map(({ kpiId, split }) => {
    const kpi = findKpi(kpiId);
    const unit = [...split.values()][0]?.unit ?? kpi?.unit;
    const slo = kpi ? effectiveSlo(kpi, options.slo?.[kpiId]) : undefined;
    return { kpiId, title: kpi?.name ?? kpiId, ...(unit ? { unit } : {}), ...(slo ? { sloText: sloText(slo, unit, format) } : {}) };
  });
  const rows: BreakdownRow[] = keys.map((key) => ({
    key,
    cells: perKpi.map(({ kpiId, split }, column) => {
      const kpi = findKpi(kpiId);
      const s = split.get(key);
      const reading = s ? reduceSeries(s, options.reducer) : undefined;
      const state = sloState(reading?.value, kpi ? effectiveSlo(kpi, options.slo?.[kpiId]) : undefined);
      const cell: BreakdownCell = {
        kpiId,
        text: reading ? format(reading.value, columns[column]!.unit, decimalsFor(options, s, kpi)) : '–',
        state,
        stateText: sloStateText(state),
        anomalous: reading?.anomalous ?? false,
      };
      if (reading) cell.value = reading.value;
      return cell;
    }),
  }));
  // By the first KPI: worst first (highest for "lower is better", lowest for "higher is better"),
  // except amounts, where the largest market or plan comes first.
  const sortedBy = perKpi[0]!.kpiId;
  const good = findKpi(sortedBy)?.good;
  const order = isAmountUnit(columns[0]!.unit) ? 'largest-first' : 'worst-first';
  const sign = order === 'worst-first' && good === 'up' ? 1 : -1;
  rows.sort((a, b) => {
    const va = a.cells[0]?.value;
    const vb = b.cells[0]?.value;
    if (va === undefined || vb === undefined) return va === undefined ? (vb === undefined ? a.key.localeCompare(b.key) : 1) : -1;
    return sign * (va - vb) || a.key.localeCompare(b.key);
  });
  const limit = options.limit ?? 10;
  return { dimension, dimensionName: dimensionName(dimension), columns, rows: rows.slice(0, Math.max(1, limit)), total: rows.length, sortedBy, order };
}
