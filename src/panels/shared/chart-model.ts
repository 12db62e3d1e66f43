import type { Formatters } from './format';

/**
 * The band chart as geometry: scales, ticks with Grafana-formatted labels, SVG paths for the
 * value lines, the expected line, the band and the forecast, anomaly markers, data-issue spans,
 * anomaly events and the SLO threshold, plus the hover read-out and a one-paragraph summary for
 * screen readers. BandChart.tsx only draws what this returns, so the maths is tested in Node.
 */

export interface ChartForecast {
  times: number[];
  mean: number[];
  lower?: number[];
  upper?: number[];
}

export interface ChartSeriesInput {
  name: string;
  times: number[];
  values: number[];
  expected?: number[];
  lower?: number[];
  upper?: number[];
  anomaly?: number[];
  dataIssue?: number[];
  score?: number[];
  forecast?: ChartForecast;
}

export interface ChartEvent {
  startMs: number;
  endMs: number;
  title: string;
}

export interface ChartThreshold {
  op: '<=' | '>=';
  value: number;
  label: string;
}

export interface ChartInput {
  series: ChartSeriesInput[];
  events?: ChartEvent[];
  threshold?: ChartThreshold;
  width: number;
  height: number;
  unit?: string;
  decimals?: number;
  /** the dashboard's range; the chart covers it (and any forecast beyond it) */
  range?: { from: number; to: number };
  format: Formatters;
}

export interface Tick<T> {
  value: T;
  /** position in px along its axis */
  at: number;
  label: string;
}

export interface ChartMarker {
  x: number;
  y: number;
  ms: number;
  value: number;
}

export interface ChartSeriesPaths {
  name: string;
  line: string;
  expected?: string;
  band?: string;
  forecastLine?: string;
  forecastBand?: string;
  anomalies: ChartMarker[];
}

export interface ChartSpan {
  x: number;
  width: number;
  fromMs: number;
  toMs: number;
  title?: string;
}

export interface ChartModel {
  width: number;
  height: number;
  plot: { left: number; top: number; width: number; height: number };
  xDomain: [number, number];
  yDomain: [number, number];
  xTicks: Array<Tick<number>>;
  yTicks: Array<Tick<number>>;
  series: ChartSeriesPaths[];
  /** stretches inside a data-quality failure */
  issues: ChartSpan[];
  events: ChartSpan[];
  threshold?: { y: number; label: string; offscale?: 'above' | 'below' };
  /** x of the first forecast point */
  forecastX?: number;
  /** every time the hover cursor can stop at, ascending */
  stops: number[];
  empty: boolean;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  1000, 5000, 15_000, 30_000, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY,
  2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 90 * DAY, 365 * DAY,
];

/** A 1, 2 or 5 times a power of ten step giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !(count > 0)) return 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
}

/** Tick values from the first multiple of the step at or above `min` up to `max`. */
export function niceTicks(min: number, max: number, step: number): number[] {
  const out: number[] = [];
  const first = Math.ceil(min / step - 1e-9) * step;
  for (let v = first; v <= max + step * 1e-9 && out.length < 100; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** The y domain: every value, expected value and band edge, widened to whole steps. */
export function valueDomain(values: readonly number[], targetTicks: number): { min: number; max: number; step: number } {
  let [min, max] = extent(values);
  if (min === Infinity) return { min: 0, max: 1, step: niceStep(1, targetTicks) };
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
    // A constant non-negative series (a ratio at 0) keeps 0 as its floor.
    if (min < 0 && values.every((v) => !Number.isFinite(v) || v >= 0)) min = 0;
  }
  const step = niceStep(max - min, targetTicks);
  const clean = (v: number) => Number(v.toPrecision(12));
  return { min: clean(Math.floor(min / step + 1e-9) * step), max: clean(Math.ceil(max / step - 1e-9) * step), step };
}

/** Labels that tell the ticks apart, with as few decimals as that takes. */
function tickLabels(values: number[], unit: string | undefined, format: Formatters['value']): string[] {
  for (const decimals of [0, 1, 2, 3, 4]) {
    const labels = values.map((v) => format(v, unit, decimals));
    if (new Set(labels).size === labels.length) return labels;
  }
  return values.map((v) => format(v, unit));
}

export function timeStep(spanMs: number, maxTicks: number): number {
  return TIME_STEPS.find((step) => spanMs / step <= maxTicks) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
}

/** Time ticks: `HH:mm` within a day (`MMM D` on midnight), `MMM D` for day steps, seconds when that fine. */
export function timeTicks(from: number, to: number, widthPx: number, format: Formatters['time']): Array<{ ms: number; label: string }> {
  if (!(to > from)) return [];
  const step = timeStep(to - from, Math.max(2, Math.floor(widthPx / 80)));
  const out: Array<{ ms: number; label: string }> = [];
  for (let ms = Math.ceil(from / step) * step; ms <= to && out.length < 50; ms += step) {
    let label: string;
    if (step >= DAY) label = format(ms, 'MMM D');
    else if (step < MINUTE) label = format(ms, 'HH:mm:ss');
    else {
      label = format(ms, 'HH:mm');
      if (label === '00:00' && to - from > DAY) label = format(ms, 'MMM D');
    }
    out.push({ ms, label });
  }
  return out;
}

const round = (v: number) => Math.round(v * 10) / 10;

/** Smallest and largest finite value, without spreading long arrays into Math.min. */
export function extent(values: Iterable<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

function linePath(times: readonly number[], values: readonly number[], x: (ms: number) => number, y: (v: number) => number): string {
  let d = '';
  let open = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const t = times[i]!;
    if (!Number.isFinite(v) || !Number.isFinite(t)) {
      open = false;
      continue;
    }
    d += `${open ? 'L' : 'M'}${round(x(t))},${round(y(v))}`;
    // A lone point between gaps would be invisible as a path: a zero-length segment shows as a dot.
    const nextMissing = i + 1 >= values.length || !Number.isFinite(values[i + 1]!);
    if (!open && nextMissing) d += 'l0,0';
    open = true;
  }
  return d;
}

function bandPath(times: readonly number[], lower: readonly number[], upper: readonly number[], x: (ms: number) => number, y: (v: number) => number): string {
  let d = '';
  let run: number[] = [];
  const flush = () => {
    if (run.length > 0) {
      const top = run.map((i, k) => `${k === 0 ? 'M' : 'L'}${round(x(times[i]!))},${round(y(upper[i]!))}`).join('');
      const bottom = [...run]
        .reverse()
        .map((i) => `L${round(x(times[i]!))},${round(y(lower[i]!))}`)
        .join('');
      d += `${top}${bottom}Z`;
    }
    run = [];
  };
  for (let i = 0; i < times.length; i++) {
    if (Number.isFinite(lower[i]) && Number.isFinite(upper[i]) && Number.isFinite(times[i])) run.push(i);
    else flush();
  }
  flush();
  return d;
}

/** The typical spacing of the points (the median step), for spans around single points. */
export function typicalStep(times: readonly number[]): number {
  const steps: number[] = [];
  for (let i = 1; i < times.length; i++) if (times[i]! > times[i - 1]!) steps.push(times[i]! - times[i - 1]!);
  if (steps.length === 0) return 0;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)]!;
}

/** Contiguous runs of points flagged in `mask`, as [first, last] indexes. */
export function flaggedRuns(mask: readonly number[] | undefined): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  if (!mask) return runs;
  let start = -1;
  for (let i = 0; i <= mask.length; i++) {
    const on = i < mask.length && mask[i]! > 0;
    if (on && start === -1) start = i;
    if (!on && start !== -1) {
      runs.push([start, i - 1]);
      start = -1;
    }
  }
  return runs;
}

/** Estimated width of a tick label in px at the axis font (12px). */
const labelWidth = (text: string) => text.length * 6.6;

export function chartModel(input: ChartInput): ChartModel {
  const { series, width, height, unit, format } = input;
  const allTimes = series.flatMap((s) => [...s.times, ...(s.forecast?.times ?? [])]).filter(Number.isFinite);
  // Points inside a data-quality failure (a counter reset, an impossible value) do not set the
  // scale: they are drawn, clipped to the plot, inside their marked span.
  const yValues = series.flatMap((s) => [
    ...s.values.map((v, i) => ((s.dataIssue?.[i] ?? 0) > 0 ? NaN : v)),
    ...(s.expected ?? []),
    ...(s.lower ?? []),
    ...(s.upper ?? []),
    ...(s.forecast?.mean ?? []),
    ...(s.forecast?.lower ?? []),
    ...(s.forecast?.upper ?? []),
  ]);
  const hasValues = yValues.some(Number.isFinite);
  const [dataMin, dataMax] = extent(allTimes);
  const forecastEnd = extent(series.flatMap((s) => s.forecast?.times ?? []))[1];
  let from = input.range?.from ?? dataMin;
  let to = Math.max(input.range?.to ?? dataMax, forecastEnd);
  if (!Number.isFinite(from) || !Number.isFinite(to)) {
    from = 0;
    to = 1;
  }
  if (to <= from) to = from + MINUTE;

  // The threshold joins the domain when it is near the data; far off, the chart says where it is.
  const top = 8;
  const bottom = 22;
  const plotHeight = Math.max(20, height - top - bottom);
  const targetTicks = Math.max(2, Math.min(8, Math.floor(plotHeight / 40)));
  const dataDomain = valueDomain(yValues, targetTicks);
  let offscale: 'above' | 'below' | undefined;
  const threshold = input.threshold;
  let domainValues = yValues;
  if (threshold && hasValues) {
    const span = dataDomain.max - dataDomain.min;
    if (threshold.value > dataDomain.max + span) offscale = 'above';
    else if (threshold.value < dataDomain.min - span) offscale = 'below';
    else domainValues = [...yValues, threshold.value];
  }
  const domain = domainValues === yValues ? dataDomain : valueDomain(domainValues, targetTicks);
  const yTickValues = niceTicks(domain.min, domain.max, domain.step);
  const yLabels = tickLabels(yTickValues, unit, format.value);
  const left = Math.ceil(Math.max(24, ...yLabels.map(labelWidth)) + 10);
  const right = 12;
  const plotWidth = Math.max(20, width - left - right);
  const x = (ms: number) => left + ((ms - from) / (to - from)) * plotWidth;
  const y = (v: number) => top + (1 - (v - domain.min) / (domain.max - domain.min)) * plotHeight;

  const paths: ChartSeriesPaths[] = series.map((s) => {
    const p: ChartSeriesPaths = { name: s.name, line: linePath(s.times, s.values, x, y), anomalies: [] };
    if (s.expected) p.expected = linePath(s.times, s.expected, x, y);
    if (s.lower && s.upper) p.band = bandPath(s.times, s.lower, s.upper, x, y);
    if (s.forecast) {
      p.forecastLine = linePath(s.forecast.times, s.forecast.mean, x, y);
      if (s.forecast.lower && s.forecast.upper) p.forecastBand = bandPath(s.forecast.times, s.forecast.lower, s.forecast.upper, x, y);
    }
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      if ((s.anomaly?.[i] ?? 0) > 0 && !((s.dataIssue?.[i] ?? 0) > 0) && Number.isFinite(v)) p.anomalies.push({ x: round(x(s.times[i]!)), y: round(y(v)), ms: s.times[i]!, value: v });
    }
    return p;
  });

  const issues: ChartSpan[] = series.flatMap((s) => {
    const half = typicalStep(s.times) / 2;
    return flaggedRuns(s.dataIssue).map(([a, b]) => {
      const fromMs = s.times[a]! - half;
      const toMs = s.times[b]! + half;
      const x0 = Math.max(left, x(fromMs));
      const x1 = Math.min(left + plotWidth, x(toMs));
      return { x: round(x0), width: round(Math.max(1, x1 - x0)), fromMs: s.times[a]!, toMs: s.times[b]! };
    });
  });
  const events: ChartSpan[] = (input.events ?? [])
    .filter((e) => e.endMs >= from && e.startMs <= to)
    .map((e) => {
      const x0 = Math.max(left, x(e.startMs));
      const x1 = Math.min(left + plotWidth, x(e.endMs));
      return { x: round(x0), width: round(Math.max(2, x1 - x0)), fromMs: e.startMs, toMs: e.endMs, title: e.title };
    });

  const forecastStarts = series.map((s) => s.forecast?.times.find((t, i) => Number.isFinite(s.forecast!.mean[i]))).filter((t): t is number => t !== undefined);
  const model: ChartModel = {
    width,
    height,
    plot: { left, top, width: plotWidth, height: plotHeight },
    xDomain: [from, to],
    yDomain: [domain.min, domain.max],
    xTicks: timeTicks(from, to, plotWidth, format.time).map((t) => ({ value: t.ms, at: round(x(t.ms)), label: t.label })),
    yTicks: yTickValues.map((v, i) => ({ value: v, at: round(y(v)), label: yLabels[i]! })),
    series: paths,
    issues,
    events,
    stops: [...new Set(allTimes)].sort((a, b) => a - b),
    empty: !hasValues,
  };
  if (threshold && hasValues) {
    model.threshold = offscale
      ? { y: offscale === 'above' ? top : top + plotHeight, label: `${threshold.label} (${offscale === 'above' ? 'above' : 'below'} the chart)`, offscale }
      : { y: round(y(threshold.value)), label: threshold.label };
  }
  if (forecastStarts.length > 0) model.forecastX = round(x(Math.min(...forecastStarts)));
  return model;
}

/** Index of the time nearest to `ms` in ascending `times` (-1 when empty). */
export function nearestIndex(times: readonly number[], ms: number): number {
  if (times.length === 0) return -1;
  let lo = 0;
  let hi = times.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= ms) lo = mid;
    else hi = mid;
  }
  return Math.abs(times[hi]! - ms) < Math.abs(times[lo]! - ms) ? hi : lo;
}

/** The time under an x position. */
export function timeAt(model: Pick<ChartModel, 'plot' | 'xDomain'>, px: number): number {
  const [from, to] = model.xDomain;
  return from + ((px - model.plot.left) / model.plot.width) * (to - from);
}

export function xOf(model: Pick<ChartModel, 'plot' | 'xDomain'>, ms: number): number {
  const [from, to] = model.xDomain;
  return model.plot.left + ((ms - from) / (to - from)) * model.plot.width;
}

export function yOf(model: Pick<ChartModel, 'plot' | 'yDomain'>, value: number): number {
  const [min, max] = model.yDomain;
  return model.plot.top + (1 - (value - min) / (max - min)) * model.plot.height;
}

/** Where each series is at a time (its value, else its forecast): the dots under the hover cursor. */
export function pointsAt(series: readonly ChartSeriesInput[], model: Pick<ChartModel, 'plot' | 'yDomain' | 'xDomain'>, ms: number): Array<{ series: number; x: number; y: number }> {
  const out: Array<{ series: number; x: number; y: number }> = [];
  series.forEach((s, index) => {
    const found = valueAt(s.times, s.values, ms) ?? (s.forecast ? valueAt(s.forecast.times, s.forecast.mean, ms) : undefined);
    if (found) out.push({ series: index, x: round(xOf(model, ms)), y: round(yOf(model, found.value)) });
  });
  return out;
}

export interface ReadoutRow {
  label: string;
  text: string;
  /** a marker that is not a number: anomaly, data issue, event */
  flag?: 'anomaly' | 'data-issue' | 'event';
}

export interface Readout {
  ms: number;
  timeText: string;
  rows: ReadoutRow[];
  /** what a screen reader says at this point */
  sentence: string;
}

function valueAt(times: readonly number[], values: readonly number[] | undefined, ms: number): { index: number; value: number } | undefined {
  if (!values) return undefined;
  const i = nearestIndex(times, ms);
  if (i < 0 || times[i] !== ms) return undefined;
  const value = values[i]!;
  return Number.isFinite(value) ? { index: i, value } : undefined;
}

/** What the tooltip (and the keyboard read-out) shows at one time. */
export function readoutAt(input: Pick<ChartInput, 'series' | 'events' | 'unit' | 'decimals' | 'format'>, ms: number): Readout {
  const { unit, decimals, format } = input;
  const f = (v: number) => format.value(v, unit, decimals);
  const several = input.series.length > 1;
  const rows: ReadoutRow[] = [];
  for (const s of input.series) {
    const label = (part: string) => (several ? `${s.name} ${part}` : part.charAt(0).toUpperCase() + part.slice(1));
    const value = valueAt(s.times, s.values, ms);
    if (value) rows.push({ label: several ? s.name : 'Value', text: f(value.value) });
    const expected = valueAt(s.times, s.expected, ms);
    if (expected) rows.push({ label: label('expected'), text: f(expected.value) });
    const lower = valueAt(s.times, s.lower, ms);
    const upper = valueAt(s.times, s.upper, ms);
    if (lower && upper) rows.push({ label: label('band'), text: `${f(lower.value)}–${f(upper.value)}` });
    const score = valueAt(s.times, s.score, ms);
    if (score) rows.push({ label: label('anomaly score'), text: score.value.toFixed(2) });
    if (value && (s.dataIssue?.[value.index] ?? 0) > 0) rows.push({ label: label('data issue'), text: 'inside a data-quality failure', flag: 'data-issue' });
    else if (value && (s.anomaly?.[value.index] ?? 0) > 0) rows.push({ label: label('anomaly'), text: 'flagged', flag: 'anomaly' });
    if (s.forecast) {
      const mean = valueAt(s.forecast.times, s.forecast.mean, ms);
      if (mean) rows.push({ label: label('forecast'), text: f(mean.value) });
      const fl = valueAt(s.forecast.times, s.forecast.lower, ms);
      const fu = valueAt(s.forecast.times, s.forecast.upper, ms);
      if (fl && fu) rows.push({ label: label('forecast range'), text: `${f(fl.value)}–${f(fu.value)}` });
    }
  }
  for (const e of input.events ?? []) if (ms >= e.startMs && ms <= e.endMs) rows.push({ label: 'Event', text: e.title, flag: 'event' });
  const timeText = format.time(ms, 'YYYY-MM-DD HH:mm:ss');
  const sentence = `${timeText}: ${rows.length > 0 ? rows.map((r) => `${r.label} ${r.text}`).join(', ') : 'no value'}`;
  return { ms, timeText, rows, sentence };
}

function describeRange(times: readonly number[], format: Formatters['time']): string {
  const [a, b] = extent(times);
  if (a === Infinity) return '';
  const pattern = b - a > DAY ? 'MMM D HH:mm' : 'HH:mm';
  return `${format(a, pattern)} to ${format(b, pattern)}`;
}

/** One paragraph for the chart's aria-label: what it shows, the latest reading, the extremes, anomalies. */
export function chartSummary(input: Pick<ChartInput, 'series' | 'events' | 'unit' | 'decimals' | 'format' | 'threshold'>, title: string): string {
  const { unit, decimals, format } = input;
  const f = (v: number) => format.value(v, unit, decimals);
  const withValues = input.series.filter((s) => s.values.some(Number.isFinite));
  if (withValues.length === 0) return `${title}: no values to chart.`;
  const parts: string[] = [];
  const times = withValues.flatMap((s) => s.times);
  parts.push(`${title}, ${describeRange(times, format.time)}`);
  for (const s of withValues.slice(0, 8)) {
    let last = -1;
    for (let i = s.values.length - 1; i >= 0; i--) {
      if (Number.isFinite(s.values[i])) {
        last = i;
        break;
      }
    }
    const [lowest, highest] = extent(s.values);
    const bits = [`${withValues.length > 1 ? `${s.name} ` : ''}latest ${f(s.values[last]!)}`];
    const expected = s.expected?.[last];
    if (expected !== undefined && Number.isFinite(expected)) bits.push(`expected ${f(expected)}`);
    const lo = s.lower?.[last];
    const hi = s.upper?.[last];
    if (lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi)) bits.push(`band ${f(lo)} to ${f(hi)}`);
    bits.push(`lowest ${f(lowest)}, highest ${f(highest)}`);
    const anomalies = s.values.filter((v, i) => Number.isFinite(v) && (s.anomaly?.[i] ?? 0) > 0 && !((s.dataIssue?.[i] ?? 0) > 0));
    if (s.anomaly) {
      const first = s.times[s.values.findIndex((v, i) => Number.isFinite(v) && (s.anomaly?.[i] ?? 0) > 0 && !((s.dataIssue?.[i] ?? 0) > 0))];
      bits.push(anomalies.length === 0 ? 'no anomalies' : `${anomalies.length} anomalous point${anomalies.length === 1 ? '' : 's'}, first at ${format.time(first!, 'HH:mm')}`);
    }
    const issues = flaggedRuns(s.dataIssue).length;
    if (issues > 0) bits.push(`${issues} stretch${issues === 1 ? '' : 'es'} of data issues`);
    if (s.forecast) {
      const k = s.forecast.mean.length - 1;
      const end = s.forecast.times[k];
      if (end !== undefined && Number.isFinite(s.forecast.mean[k])) bits.push(`forecast ${f(s.forecast.mean[k]!)} by ${format.time(end, 'MMM D HH:mm')}`);
    }
    parts.push(bits.join(', '));
  }
  if (withValues.length > 8) parts.push(`and ${withValues.length - 8} more series`);
  if (input.threshold) parts.push(input.threshold.label);
  const events = input.events?.length ?? 0;
  if (events > 0) parts.push(`${events} anomaly event${events === 1 ? '' : 's'}`);
  return `${parts.join('. ')}.`;
}
