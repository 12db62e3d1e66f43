import type { DataFrame, Field, QueryResultMetaNotice } from '@grafana/data';
import type { GoodDirection } from '../../common/kpis/catalogue';
import { findKpi, matchKpiName } from './kpis';

/**
 * Reading the frames a panel receives into what the Encore panels work with: per query (refId)
 * its KPI, its series with the analysis parts (expected value, band, score, anomaly flag, data
 * issue), its anomaly events and its data-quality notices.
 *
 * The Encore backend (src/backend/query/analysis/frames.ts, series-frames.ts) sends one frame per
 * series: `Time`, `Value` and, when analysed, `Expected` (`Forecast` in forecasts), `Lower`,
 * `Upper`, `Score`, `Anomaly`, `Data issue`; the first frame of a query's answer carries
 * `meta.custom = { kpi, group, good }`, the query's notices and its stats. Frames from other data
 * sources work when they fit: a time field and a number field make a series; helper fields are
 * recognised by name (`Expected`, `Lower`...) or by a display name ending in the part
 * (`Skip rate expected`); a series names its KPI through meta.custom.kpi, its display name, its
 * frame name or its refId (KPI id or KPI name, case and punctuation ignored).
 *
 * Only types are imported from @grafana/data, so this runs in Node tests as it is.
 */

export type SeriesKind = 'observed' | 'forecast';

export interface KpiSeries {
  refId: string;
  /** what the series is called on screen (the field's display name) */
  name: string;
  /** the catalogue KPI, when known */
  kpiId?: string;
  labels: Record<string, string>;
  unit?: string;
  decimals?: number;
  /** ascending epoch milliseconds */
  times: number[];
  /** NaN where there is no value */
  values: number[];
  expected?: number[];
  lower?: number[];
  upper?: number[];
  score?: number[];
  anomaly?: number[];
  dataIssue?: number[];
  /** `forecast` when the expected line is a forecast (a field named Forecast) */
  kind: SeriesKind;
}

export interface AnomalyEvent {
  refId: string;
  startMs: number;
  endMs: number;
  title: string;
  text?: string;
  severity?: string;
  peakMs?: number;
}

export interface QualityNotice {
  refId: string;
  severity: QueryResultMetaNotice['severity'];
  text: string;
}

/** A row of a `quality` query's table (check, title, status, message). */
export interface QualityCheckRow {
  refId: string;
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  message: string;
}

export interface QueryAnswer {
  refId: string;
  /** from meta.custom.kpi of the query's first frame */
  kpiId?: string;
  good?: GoodDirection;
  series: KpiSeries[];
  events: AnomalyEvent[];
  notices: QualityNotice[];
  checks: QualityCheckRow[];
  /** 0-100, from the query's stats (or a quality table's meta) */
  qualityScore?: number;
  /** meta.custom.forecast of forecast answers */
  forecast?: { method?: string; coverage?: number };
}

type Part = 'value' | 'expected' | 'lower' | 'upper' | 'score' | 'anomaly' | 'dataIssue';

const PART_NAMES: ReadonlyArray<{ part: Exclude<Part, 'value'>; name: string; forecast?: boolean }> = [
  { part: 'expected', name: 'expected' },
  { part: 'expected', name: 'forecast', forecast: true },
  { part: 'lower', name: 'lower' },
  { part: 'upper', name: 'upper' },
  { part: 'score', name: 'score' },
  { part: 'anomaly', name: 'anomaly' },
  { part: 'dataIssue', name: 'data issue' },
];

/** Which part of a series a field is, from its name or the end of its display name. */
export function fieldPart(field: Pick<Field, 'name' | 'config'>): { part: Part; forecast: boolean; owner?: string } {
  const name = field.name.trim().toLowerCase();
  const exact = PART_NAMES.find((p) => p.name === name);
  if (exact) return { part: exact.part, forecast: exact.forecast === true };
  const display = (field.config?.displayNameFromDS ?? field.config?.displayName ?? field.name).trim();
  const lower = display.toLowerCase();
  for (const p of PART_NAMES) {
    if (lower.endsWith(` ${p.name}`)) return { part: p.part, forecast: p.forecast === true, owner: display.slice(0, display.length - p.name.length - 1) };
  }
  return { part: 'value', forecast: false };
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined || value === '') return NaN;
  if (typeof value === 'string') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return NaN;
}

function toTime(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (value instanceof Date) return value.getTime();
  if (value && typeof value === 'object' && 'valueOf' in value) return Number(value.valueOf());
  return NaN;
}

function valuesOf(field: Field, convert: (v: unknown) => number): number[] {
  return Array.from(field.values as ArrayLike<unknown>, convert);
}

/** The name a value field is shown under: Grafana's own precedence, without the panel's overrides. */
export function displayNameOf(field: Field, frame: DataFrame): string {
  const fromConfig = field.config?.displayName ?? field.config?.displayNameFromDS;
  if (fromConfig) return fromConfig;
  if (field.name !== 'Value' && field.name !== '') return field.name;
  if (frame.name) return frame.name;
  const labels = Object.entries(field.labels ?? {});
  if (labels.length > 0) return `{${labels.map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
  return frame.refId ?? field.name;
}

function isNumberField(field: Field): boolean {
  return field.type === 'number';
}

/** Series of one frame: every value field with the helper fields that belong to it. */
function frameSeries(frame: DataFrame, refId: string, kpiId: string | undefined): KpiSeries[] {
  const timeField = frame.fields.find((f) => f.type === 'time');
  if (!timeField) return [];
  const times = valuesOf(timeField, toTime);
  const out: KpiSeries[] = [];
  const pending: Array<{ field: Field; part: Part; forecast: boolean; owner?: string }> = [];
  for (const field of frame.fields) {
    if (!isNumberField(field)) continue;
    const role = fieldPart(field);
    if (role.part === 'value') {
      const name = displayNameOf(field, frame);
      // Histogram buckets (an `le` label) are the parts of a distribution, not the KPI itself.
      const bucket = field.labels?.le !== undefined;
      const matched = kpiId ?? (bucket ? undefined : (matchKpiName(name)?.id ?? matchKpiName(frame.name ?? '')?.id ?? matchKpiName(refId)?.id));
      const kpi = matched ? findKpi(matched) : undefined;
      const unit = field.config?.unit ?? kpi?.unit;
      const decimals = field.config?.decimals ?? kpi?.decimals;
      const s: KpiSeries = { refId, name, labels: { ...(field.labels ?? {}) }, times, values: valuesOf(field, toNumber), kind: 'observed' };
      if (matched) s.kpiId = matched;
      if (unit) s.unit = unit;
      if (decimals !== undefined && decimals !== null) s.decimals = decimals;
      out.push(s);
    } else {
      pending.push({ field, ...role });
    }
  }
  for (const helper of pending) {
    // By display name when it names its series; the only series of the frame otherwise.
    const owner = (helper.owner !== undefined ? out.find((s) => s.name === helper.owner) : undefined) ?? (out.length === 1 ? out[0] : undefined);
    if (!owner) continue;
    owner[helper.part as Exclude<Part, 'value'>] = valuesOf(helper.field, toNumber);
    if (helper.forecast) owner.kind = 'forecast';
  }
  return out.map(sortedByTime);
}

/** Frames from some sources come newest first: the panels draw and reduce in time order. */
function sortedByTime(series: KpiSeries): KpiSeries {
  const { times } = series;
  let sorted = true;
  for (let i = 1; i < times.length && sorted; i++) if (!(times[i]! >= times[i - 1]!)) sorted = false;
  if (sorted) return series;
  const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]!);
  const pick = (values: number[] | undefined) => (values ? order.map((i) => values[i] ?? NaN) : undefined);
  const out: KpiSeries = { ...series, times: order.map((i) => times[i]!), values: pick(series.values)! };
  for (const part of ['expected', 'lower', 'upper', 'score', 'anomaly', 'dataIssue'] as const) {
    const picked = pick(series[part]);
    if (picked) out[part] = picked;
  }
  return out;
}

function stringValues(frame: DataFrame, name: string): string[] | undefined {
  const field = frame.fields.find((f) => f.name === name);
  return field ? Array.from(field.values as ArrayLike<unknown>, (v) => (v === null || v === undefined ? '' : String(v))) : undefined;
}

/** An annotation-shaped frame (`time` with `title` or `text`): anomaly events. */
function frameEvents(frame: DataFrame, refId: string): AnomalyEvent[] | undefined {
  const time = frame.fields.find((f) => f.name === 'time' && f.type === 'time');
  const titles = stringValues(frame, 'title');
  const texts = stringValues(frame, 'text');
  if (!time || (!titles && !texts)) return undefined;
  const starts = valuesOf(time, toTime);
  const endField = frame.fields.find((f) => f.name === 'timeEnd');
  const ends = endField ? valuesOf(endField, toTime) : starts;
  const peakField = frame.fields.find((f) => f.name === 'peak');
  const peaks = peakField ? valuesOf(peakField, toTime) : undefined;
  const severities = stringValues(frame, 'severity');
  return starts.map((startMs, i) => ({
    refId,
    startMs,
    endMs: Number.isFinite(ends[i]) ? ends[i]! : startMs,
    title: titles?.[i] || texts?.[i]?.split('\n')[0] || 'Anomaly',
    ...(texts?.[i] ? { text: texts[i] } : {}),
    ...(severities?.[i] ? { severity: severities[i] } : {}),
    ...(peaks && Number.isFinite(peaks[i]) ? { peakMs: peaks[i] } : {}),
  }));
}

/** The table of a `quality` query (check, title, status, message). */
function frameChecks(frame: DataFrame, refId: string): QualityCheckRow[] | undefined {
  const ids = stringValues(frame, 'check');
  const statuses = stringValues(frame, 'status');
  if (!ids || !statuses) return undefined;
  const titles = stringValues(frame, 'title');
  const messages = stringValues(frame, 'message');
  return ids.map((id, i) => {
    const status = statuses[i];
    return {
      refId,
      id,
      title: titles?.[i] || id,
      status: status === 'fail' || status === 'warn' ? status : 'pass',
      message: messages?.[i] ?? '',
    };
  });
}

function qualityScoreOf(frame: DataFrame): number | undefined {
  const fromCustom = frame.meta?.custom?.qualityScore;
  if (typeof fromCustom === 'number') return fromCustom;
  const stat = frame.meta?.stats?.find((s) => s.displayName === 'Quality score');
  return typeof stat?.value === 'number' ? stat.value : undefined;
}

const GOOD: readonly GoodDirection[] = ['up', 'down', 'neutral'];

/**
 * Every query's answer, in the order the queries first appear. `annotations` are the frames
 * Grafana moved out of `series` (data topic annotations): the anomaly events.
 */
export function readAnswers(series: readonly DataFrame[], annotations: readonly DataFrame[] = []): QueryAnswer[] {
  const answers = new Map<string, QueryAnswer>();
  const answerFor = (refId: string): QueryAnswer => {
    let answer = answers.get(refId);
    if (!answer) {
      answer = { refId, series: [], events: [], notices: [], checks: [] };
      answers.set(refId, answer);
    }
    return answer;
  };
  // Meta first: the KPI named on a query's first frame applies to all its frames.
  for (const frame of [...series, ...annotations]) {
    const answer = answerFor(frame.refId ?? '');
    const custom = frame.meta?.custom;
    if (answer.kpiId === undefined && typeof custom?.kpi === 'string' && findKpi(custom.kpi)) answer.kpiId = custom.kpi;
    if (answer.good === undefined && GOOD.includes(custom?.good)) answer.good = custom?.good;
    if (custom?.forecast && typeof custom.forecast === 'object') {
      answer.forecast = {
        ...(typeof custom.forecast.method === 'string' ? { method: custom.forecast.method } : {}),
        ...(typeof custom.forecast.coverage === 'number' ? { coverage: custom.forecast.coverage } : {}),
      };
    }
    const score = qualityScoreOf(frame);
    if (score !== undefined) answer.qualityScore = Math.min(score, answer.qualityScore ?? Infinity);
    for (const notice of frame.meta?.notices ?? []) {
      if (!answer.notices.some((n) => n.text === notice.text)) answer.notices.push({ refId: answer.refId, severity: notice.severity, text: notice.text });
    }
  }
  for (const frame of [...series, ...annotations]) {
    const answer = answerFor(frame.refId ?? '');
    const events = frameEvents(frame, answer.refId);
    if (events) {
      answer.events.push(...events);
      continue;
    }
    const checks = frameChecks(frame, answer.refId);
    if (checks) {
      answer.checks.push(...checks);
      continue;
    }
    answer.series.push(...frameSeries(frame, answer.refId, answer.kpiId));
  }
  for (const answer of answers.values()) {
    if (answer.good === undefined && answer.kpiId) answer.good = findKpi(answer.kpiId)?.good;
  }
  return [...answers.values()];
}

/** All series of the answers, optionally of one KPI. */
export function allSeries(answers: readonly QueryAnswer[], kpiId?: string): KpiSeries[] {
  return answers.flatMap((a) => a.series).filter((s) => kpiId === undefined || s.kpiId === kpiId);
}

/** Values of a series that are numbers, with their index. */
export function lastFiniteIndex(values: readonly number[]): number {
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i])) return i;
  return -1;
}
