import type { KpiSeries, QueryAnswer } from './frames';
import { formatChange, type FormatValue } from './format';
import { effectiveSlo, findKpi, type KpiDefinition } from './kpis';
import { overallSeries, reduceSeries, type Reading, type Reducer } from './series';
import { sloState, sloStateText, sloText, type SloState } from './slo';

/** Headline stat tiles: one KPI's value, its SLO state and how it compares with the expected value. */

export interface DisplayOptions {
  reducer: Reducer;
  /** per KPI id, a threshold replacing the catalogue's SLO (empty: the catalogue's) */
  slo?: Record<string, number | null | undefined>;
  /** decimals for every value (empty: the KPI's own) */
  decimals?: number | null;
}

/** Where the value stands against the expected band, in the KPI's good direction. */
export type Verdict = 'better' | 'worse' | 'above' | 'below' | 'as-expected';

export interface Tile {
  kpiId: string;
  title: string;
  description: string;
  unit?: string;
  decimals?: number;
  value?: number;
  /** the formatted value, or a dash */
  text: string;
  state: SloState;
  stateText: string;
  sloText?: string;
  expectedText?: string;
  /** `0.41%–0.90%` */
  bandText?: string;
  /** (value − expected) / |expected| */
  deviation?: number;
  deviationText?: string;
  verdict?: Verdict;
  anomalous: boolean;
  anomalies: number;
  dataIssues: number;
  latestIsDataIssue: boolean;
  /** why there is no value, and what to add */
  hint?: string;
  /** no query answered for the KPI at all (the panel lists these in one line) */
  missing?: boolean;
  /** one sentence for screen readers */
  summary: string;
}

export function decimalsFor(options: Pick<DisplayOptions, 'decimals'>, series: Pick<KpiSeries, 'decimals'> | undefined, kpi: KpiDefinition | undefined): number | undefined {
  const chosen = options.decimals;
  if (chosen !== undefined && chosen !== null && Number.isFinite(chosen)) return chosen;
  return series?.decimals ?? kpi?.decimals;
}

/** `better`/`worse` outside the band for KPIs with a good direction, `above`/`below` for neutral ones. */
export function verdictOf(reading: Pick<Reading, 'value' | 'expected' | 'lower' | 'upper'>, good: KpiDefinition['good'] | undefined): Verdict | undefined {
  const { value, lower, upper, expected } = reading;
  let side: 'above' | 'below' | 'inside' | undefined;
  if (lower !== undefined && upper !== undefined) side = value > upper ? 'above' : value < lower ? 'below' : 'inside';
  else if (expected !== undefined) side = value > expected ? 'above' : value < expected ? 'below' : 'inside';
  if (side === undefined) return undefined;
  if (side === 'inside') return 'as-expected';
  if (good === 'up') return side === 'above' ? 'better' : 'worse';
  if (good === 'down') return side === 'below' ? 'better' : 'worse';
  return side;
}

export function verdictText(verdict: Verdict): string {
  return { better: 'better than expected', worse: 'worse than expected', above: 'above expected', below: 'below expected', 'as-expected': 'as expected' }[verdict];
}

/** A tile's hint: the tile already shows the KPI's name, the hint names the id to query. */
export function missingKpiHint(kpi: KpiDefinition): string {
  return `No data: add an Encore KPI query for ${kpi.id}`;
}

export function headlineTile(answers: readonly QueryAnswer[], kpiId: string, options: DisplayOptions, format: FormatValue): Tile {
  const kpi = findKpi(kpiId);
  const title = kpi?.name ?? kpiId;
  const slo = kpi ? effectiveSlo(kpi, options.slo?.[kpiId]) : undefined;
  const { series, splitBy } = overallSeries(answers, kpiId);
  const unit = series?.unit ?? kpi?.unit;
  const decimals = decimalsFor(options, series, kpi);
  const reading = series ? reduceSeries(series, options.reducer) : undefined;
  const base = {
    kpiId,
    title,
    description: kpi?.description ?? '',
    ...(unit ? { unit } : {}),
    ...(decimals !== undefined ? { decimals } : {}),
    ...(slo ? { sloText: sloText(slo, unit, format) } : {}),
  };
  if (!reading) {
    const hint = splitBy
      ? `Only queried split by ${splitBy.join(', ')}: add a query without Split by for the overall value`
      : series
        ? 'No values in the time range'
        : kpi
          ? missingKpiHint(kpi)
          : `No data for ${kpiId}`;
    const state: SloState = 'no-data';
    return {
      ...base,
      text: '–',
      state,
      stateText: sloStateText(state),
      anomalous: false,
      anomalies: 0,
      dataIssues: 0,
      latestIsDataIssue: false,
      hint,
      ...(!series && !splitBy ? { missing: true } : {}),
      summary: `${title}: ${hint}.`,
    };
  }
  const state = sloState(reading.value, slo);
  const text = format(reading.value, unit, decimals);
  const out: Tile = {
    ...base,
    value: reading.value,
    text,
    state,
    stateText: sloStateText(state),
    anomalous: reading.anomalous,
    anomalies: reading.anomalies,
    dataIssues: reading.dataIssues,
    latestIsDataIssue: reading.latestIsDataIssue,
    summary: '',
  };
  if (reading.expected !== undefined) {
    out.expectedText = format(reading.expected, unit, decimals);
    if (reading.expected !== 0) {
      out.deviation = (reading.value - reading.expected) / Math.abs(reading.expected);
      out.deviationText = formatChange(out.deviation);
    }
  }
  if (reading.lower !== undefined && reading.upper !== undefined) out.bandText = `${format(reading.lower, unit, decimals)}–${format(reading.upper, unit, decimals)}`;
  const verdict = verdictOf(reading, kpi?.good);
  if (verdict) out.verdict = verdict;
  out.summary = [
    `${title} ${options.reducer === 'mean' ? 'mean' : 'now'} ${text}`,
    out.sloText ? `${out.stateText} (${out.sloText})` : undefined,
    out.expectedText ? `expected ${out.expectedText}${out.bandText ? `, band ${out.bandText}` : ''}${verdict ? `, ${verdictText(verdict)}` : ''}` : undefined,
    reading.anomalous ? 'anomalous' : undefined,
    reading.latestIsDataIssue ? 'latest point is a data issue' : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return out;
}

export function headlineTiles(answers: readonly QueryAnswer[], kpiIds: readonly string[], options: DisplayOptions, format: FormatValue): Tile[] {
  return kpiIds.map((id) => headlineTile(answers, id, options, format));
}
