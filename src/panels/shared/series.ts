import type { KpiSeries, QueryAnswer } from './frames';

/**
 * One number per series (headline tiles, breakdown cells, funnel steps) and which series stands
 * for a KPI as a whole. Points inside a data-quality failure are data problems, not the KPI's
 * value, so reductions skip them and say so.
 */

export type Reducer = 'last' | 'mean';

export const REDUCERS: ReadonlyArray<{ value: Reducer; label: string; description: string }> = [
  { value: 'last', label: 'Last', description: 'The latest value (skipping points marked as data issues)' },
  { value: 'mean', label: 'Mean', description: 'The mean over the time range (skipping points marked as data issues)' },
];

export interface Reading {
  value: number;
  /** the time of the point read (`last`), or of the range's last point (`mean`) */
  timeMs: number;
  expected?: number;
  lower?: number;
  upper?: number;
  /** the point read is flagged anomalous (`last`), or any point was (`mean`) */
  anomalous: boolean;
  /** anomalous points in the range */
  anomalies: number;
  /** points inside a data-quality failure in the range */
  dataIssues: number;
  /** the latest point is a data issue, so an older one was read */
  latestIsDataIssue: boolean;
}

const isIssue = (s: KpiSeries, i: number) => (s.dataIssue?.[i] ?? 0) > 0;
const isAnomaly = (s: KpiSeries, i: number) => (s.anomaly?.[i] ?? 0) > 0 && !isIssue(s, i);

function mean(values: number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

export function reduceSeries(s: KpiSeries, reducer: Reducer): Reading | undefined {
  const usable: number[] = [];
  let anomalies = 0;
  let dataIssues = 0;
  for (let i = 0; i < s.values.length; i++) {
    if (isIssue(s, i)) dataIssues++;
    else if (Number.isFinite(s.values[i])) usable.push(i);
    if (isAnomaly(s, i)) anomalies++;
  }
  if (usable.length === 0) return undefined;
  const lastIndex = usable[usable.length - 1]!;
  let latest = s.values.length - 1;
  while (latest > lastIndex && !Number.isFinite(s.values[latest]) && !isIssue(s, latest)) latest--;
  const base = { anomalies, dataIssues, latestIsDataIssue: latest > lastIndex && isIssue(s, latest) };
  if (reducer === 'last') {
    const i = lastIndex;
    const out: Reading = { value: s.values[i]!, timeMs: s.times[i]!, anomalous: isAnomaly(s, i), ...base };
    for (const part of ['expected', 'lower', 'upper'] as const) {
      const v = finite(s[part]?.[i]);
      if (v !== undefined) out[part] = v;
    }
    return out;
  }
  const out: Reading = { value: mean(usable.map((i) => s.values[i]!))!, timeMs: s.times[lastIndex]!, anomalous: anomalies > 0, ...base };
  for (const part of ['expected', 'lower', 'upper'] as const) {
    const values = s[part];
    if (!values) continue;
    // Only where both exist, so the comparison is like for like.
    const v = mean(usable.map((i) => values[i]!).filter(Number.isFinite));
    if (v !== undefined) out[part] = v;
  }
  return out;
}

/** A series has something to show: at least one finite value (empty frames and all-null series have none). */
export function hasValues(s: Pick<KpiSeries, 'values'>): boolean {
  return s.values.some(Number.isFinite);
}

export interface OverallSeries {
  series?: KpiSeries;
  /** when every series of the KPI is one group of a split: the labels it is split by */
  splitBy?: string[];
}

const hasBand = (s: KpiSeries) => s.lower !== undefined && s.upper !== undefined;

/**
 * The series that stands for a KPI as a whole: the observed one with the fewest labels, an
 * analysed one (with a band) before a plain one. When the fewest labels still leave several
 * series, the KPI is only queried split by something: ratios and percentiles of groups cannot be
 * added up, so there is no overall value.
 */
export function overallSeries(answers: readonly QueryAnswer[], kpiId: string): OverallSeries {
  const ofKpi = answers.flatMap((a) => a.series).filter((s) => s.kpiId === kpiId);
  // A forecast's Value field holds the observed past: it serves when nothing else was queried.
  const observed = ofKpi.filter((s) => s.kind === 'observed');
  const candidates = observed.length > 0 ? observed : ofKpi;
  if (candidates.length === 0) return {};
  const fewest = Math.min(...candidates.map((s) => Object.keys(s.labels).length));
  const least = candidates.filter((s) => Object.keys(s.labels).length === fewest);
  if (fewest > 0) {
    const keys = [...new Set(least.flatMap((s) => Object.keys(s.labels)))];
    const distinct = new Set(least.map((s) => keys.map((k) => s.labels[k] ?? '').join('\u0000')));
    if (distinct.size > 1) return { splitBy: keys.filter((k) => new Set(least.map((s) => s.labels[k])).size > 1) };
  }
  return { series: least.find(hasBand) ?? least[0]! };
}

/** The forecast series of a KPI (queryType forecast), if one was queried. */
export function forecastSeries(answers: readonly QueryAnswer[], kpiId: string): KpiSeries | undefined {
  const candidates = answers.flatMap((a) => a.series).filter((s) => s.kpiId === kpiId && s.kind === 'forecast');
  if (candidates.length === 0) return undefined;
  const fewest = Math.min(...candidates.map((s) => Object.keys(s.labels).length));
  return candidates.find((s) => Object.keys(s.labels).length === fewest);
}
