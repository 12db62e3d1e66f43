import type { KpiSeries, QueryAnswer } from './frames';
import { formatChange, type FormatValue } from './format';
import { findKpi } from './kpis';
import { forecastSeries, overallSeries } from './series';

/**
 * Actuals against the expected band and the forecast. Two Encore queries feed it: an anomaly
 * query (or a KPI query with detection) gives the expected value and band over the time range,
 * and a forecast query gives the forecast and its prediction interval beyond it (its frames hold
 * the observed past in Value and the forecast in Forecast, Lower and Upper).
 */

export interface ForecastOutlook {
  fromMs: number;
  toMs: number;
  /** mean of the forecast over the horizon */
  mean: number;
  meanText: string;
  end: number;
  endText: string;
  /** prediction interval at the horizon's end */
  rangeText?: string;
  method?: string;
  coverage?: number;
}

export interface ForecastComparison {
  kpiId: string;
  title: string;
  unit?: string;
  /** range totals over the points that have both an actual and an expected value */
  actualSum?: number;
  expectedSum?: number;
  /** (actual − expected) / |expected| over the range */
  deviation?: number;
  deviationText?: string;
  points: number;
  pointsBelow: number;
  pointsAbove: number;
  /** the latest actual against the band */
  position?: 'below' | 'within' | 'above';
  outlook?: ForecastOutlook;
  /** one sentence for people and screen readers */
  sentence: string;
}

function bandStats(s: KpiSeries): Pick<ForecastComparison, 'actualSum' | 'expectedSum' | 'points' | 'pointsBelow' | 'pointsAbove' | 'position'> {
  let actualSum = 0;
  let expectedSum = 0;
  let points = 0;
  let below = 0;
  let above = 0;
  let position: ForecastComparison['position'];
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i]!;
    if (!Number.isFinite(v) || (s.dataIssue?.[i] ?? 0) > 0) continue;
    const e = s.expected?.[i];
    if (e !== undefined && Number.isFinite(e)) {
      actualSum += v;
      expectedSum += e;
      points++;
    }
    const lo = s.lower?.[i];
    const hi = s.upper?.[i];
    if (lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi)) {
      position = v < lo ? 'below' : v > hi ? 'above' : 'within';
      if (position === 'below') below++;
      if (position === 'above') above++;
    }
  }
  return { ...(points > 0 ? { actualSum, expectedSum } : {}), points, pointsBelow: below, pointsAbove: above, ...(position ? { position } : {}) };
}

export function forecastOutlook(s: KpiSeries, format: FormatValue, decimals: number | undefined, meta?: QueryAnswer['forecast']): ForecastOutlook | undefined {
  const expected = s.expected;
  if (!expected) return undefined;
  const idx = expected.map((v, i) => (Number.isFinite(v) ? i : -1)).filter((i) => i >= 0);
  if (idx.length === 0) return undefined;
  const first = idx[0]!;
  const last = idx[idx.length - 1]!;
  const mean = idx.reduce((sum, i) => sum + expected[i]!, 0) / idx.length;
  const out: ForecastOutlook = {
    fromMs: s.times[first]!,
    toMs: s.times[last]!,
    mean,
    meanText: format(mean, s.unit, decimals),
    end: expected[last]!,
    endText: format(expected[last]!, s.unit, decimals),
  };
  const lo = s.lower?.[last];
  const hi = s.upper?.[last];
  if (lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi)) out.rangeText = `${format(lo, s.unit, decimals)}–${format(hi, s.unit, decimals)}`;
  if (meta?.method) out.method = meta.method;
  if (meta?.coverage !== undefined) out.coverage = meta.coverage;
  return out;
}

export function forecastComparison(answers: readonly QueryAnswer[], kpiId: string, format: FormatValue, decimals?: number, formatTime?: (ms: number) => string): ForecastComparison {
  const kpi = findKpi(kpiId);
  const title = kpi?.name ?? kpiId;
  const { series } = overallSeries(answers, kpiId);
  const ahead = forecastSeries(answers, kpiId);
  const analysed = series && series.kind === 'observed' && series.expected ? series : undefined;
  const unit = series?.unit ?? ahead?.unit ?? kpi?.unit;
  const d = decimals ?? series?.decimals ?? kpi?.decimals;
  const out: ForecastComparison = { kpiId, title, ...(unit ? { unit } : {}), points: 0, pointsBelow: 0, pointsAbove: 0, sentence: '' };
  if (analysed) Object.assign(out, bandStats(analysed));
  if (out.actualSum !== undefined && out.expectedSum !== undefined && out.expectedSum !== 0) {
    out.deviation = (out.actualSum - out.expectedSum) / Math.abs(out.expectedSum);
    out.deviationText = formatChange(out.deviation);
  }
  const meta = ahead ? answers.find((a) => a.refId === ahead.refId)?.forecast : undefined;
  const outlook = ahead ? forecastOutlook(ahead, format, d, meta) : undefined;
  if (outlook) out.outlook = outlook;
  const parts: string[] = [];
  if (out.deviationText) {
    const outside = [out.pointsBelow > 0 ? `${out.pointsBelow} point${out.pointsBelow === 1 ? '' : 's'} below the band` : '', out.pointsAbove > 0 ? `${out.pointsAbove} above` : '']
      .filter(Boolean)
      .join(', ');
    parts.push(`${title}: ${out.deviationText} against expected over the range${outside ? ` (${outside})` : ''}`);
    if (out.position) parts.push(`latest ${out.position === 'within' ? 'within' : out.position} the expected band`);
  } else if (!analysed) {
    parts.push(`${title}: no expected band (add an Encore anomaly query for ${kpi?.id ?? kpiId})`);
  }
  if (outlook) {
    const until = formatTime ? ` until ${formatTime(outlook.toMs)}` : '';
    parts.push(`forecast${until}: mean ${outlook.meanText}, ${outlook.endText} at the end${outlook.rangeText ? ` (range ${outlook.rangeText})` : ''}`);
  } else {
    parts.push(`no forecast (add an Encore forecast query for ${kpi?.id ?? kpiId})`);
  }
  out.sentence = `${parts.join('; ')}.`;
  return out;
}

/** Comparisons of the KPIs that have an expected band or a forecast; the others have nothing to compare. */
export function forecastComparisons(answers: readonly QueryAnswer[], kpiIds: readonly string[], format: FormatValue, decimals?: number): ForecastComparison[] {
  return kpiIds.map((id) => forecastComparison(answers, id, format, decimals)).filter((c) => c.points > 0 || c.outlook !== undefined);
}
