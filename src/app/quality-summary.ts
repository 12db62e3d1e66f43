/**
 * The data-quality summary of the overview: what a `quality` query answered, reduced to a score,
 * a verdict and the checks that did not pass. The backend's `table` output carries one row per
 * check (check, title, status, level, value, threshold, unit, message, series) and the score in
 * `meta.custom.qualityScore`; its `score` output is one frame with a "Quality score" field. Both
 * are read here. Pure: frames are plain objects (Grafana's DataFrame, or anything shaped like it).
 */

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** The structural part of a DataFrame this module reads. */
export interface FrameLike {
  name?: string;
  refId?: string;
  meta?: { custom?: Record<string, unknown> | null; notices?: Array<{ severity?: string; text: string }> | null } | null;
  fields: Array<{ name: string; values: ArrayLike<unknown> }>;
}

export interface QualityCheckRow {
  id: string;
  title: string;
  status: CheckStatus;
  /** what was measured, in `unit`; undefined when not a finite number */
  value?: number;
  threshold?: number;
  /** Grafana unit id: percentunit, s, short */
  unit: string;
  message: string;
  series: string[];
}

export type QualityVerdict = 'good' | 'degraded' | 'poor' | 'unknown';

export interface QualitySummary {
  /** 0..100; undefined when the answer had no score */
  score?: number;
  verdict: QualityVerdict;
  checks: QualityCheckRow[];
  /** checks that did not pass, failures first, then warnings, each in the backend's order */
  problems: QualityCheckRow[];
  counts: Record<CheckStatus, number>;
}

/** Score bands: at most one minor warning is good; a failure of the stronger checks is poor. */
export const GOOD_SCORE = 90;
export const DEGRADED_SCORE = 70;

const STATUSES: readonly CheckStatus[] = ['pass', 'warn', 'fail'];

/**
 * Summarises the frames of one quality query. Returns undefined when none of them is a quality
 * answer (no check table and no score), so the caller can say "no quality data" rather than
 * show an empty table as if everything passed.
 */
export function summariseQuality(frames: readonly FrameLike[]): QualitySummary | undefined {
  let score: number | undefined;
  const checks: QualityCheckRow[] = [];
  let found = false;
  for (const frame of frames) {
    const fromMeta = finite(frame.meta?.custom?.qualityScore);
    if (fromMeta !== undefined) {
      score ??= fromMeta;
      found = true;
    }
    const scoreField = frame.fields.find((f) => f.name === 'Quality score');
    if (scoreField && scoreField.values.length > 0) {
      score ??= finite(scoreField.values[scoreField.values.length - 1]);
      found = true;
    }
    const rows = checkRows(frame);
    if (rows) {
      checks.push(...rows);
      found = true;
    }
  }
  if (!found) return undefined;
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0 };
  for (const check of checks) counts[check.status] += 1;
  const problems = [...checks.filter((c) => c.status === 'fail'), ...checks.filter((c) => c.status === 'warn')];
  return { ...(score === undefined ? {} : { score }), verdict: verdictOf(score, counts), checks, problems, counts };
}

function checkRows(frame: FrameLike): QualityCheckRow[] | undefined {
  const column = (name: string) => frame.fields.find((f) => f.name === name)?.values;
  const ids = column('check');
  const statuses = column('status') ?? column('level');
  if (!ids || !statuses) return undefined;
  const titles = column('title');
  const values = column('value');
  const thresholds = column('threshold');
  const units = column('unit');
  const messages = column('message');
  const series = column('series');
  const rows: QualityCheckRow[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = String(ids[i] ?? '');
    const status = statusOf(statuses[i]);
    if (id === '' || status === undefined) continue;
    const value = finite(values?.[i]);
    const threshold = finite(thresholds?.[i]);
    const listed = typeof series?.[i] === 'string' ? (series[i] as string) : '';
    rows.push({
      id,
      title: text(titles?.[i]) || id,
      status,
      ...(value === undefined ? {} : { value }),
      ...(threshold === undefined ? {} : { threshold }),
      unit: text(units?.[i]),
      message: text(messages?.[i]),
      series: listed === '' ? [] : listed.split(', ').filter((s) => s !== ''),
    });
  }
  return rows;
}

/** 'pass' | 'warn' | 'fail', or the numeric level 0 | 1 | 2 the alerting outputs use. */
function statusOf(raw: unknown): CheckStatus | undefined {
  if (typeof raw === 'string') {
    const lower = raw.toLowerCase();
    return (STATUSES as readonly string[]).includes(lower) ? (lower as CheckStatus) : undefined;
  }
  if (typeof raw === 'number' && Number.isInteger(raw)) return STATUSES[raw];
  return undefined;
}

function verdictOf(score: number | undefined, counts: Record<CheckStatus, number>): QualityVerdict {
  if (score === undefined) {
    if (counts.pass + counts.warn + counts.fail === 0) return 'unknown';
    return counts.fail > 0 ? 'poor' : counts.warn > 0 ? 'degraded' : 'good';
  }
  if (score >= GOOD_SCORE) return 'good';
  if (score >= DEGRADED_SCORE) return 'degraded';
  return 'poor';
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export interface VerdictLook {
  text: string;
  color: 'green' | 'orange' | 'red' | 'darkgrey';
}

export function verdictLook(verdict: QualityVerdict): VerdictLook {
  switch (verdict) {
    case 'good':
      return { text: 'Good', color: 'green' };
    case 'degraded':
      return { text: 'Degraded', color: 'orange' };
    case 'poor':
      return { text: 'Poor', color: 'red' };
    default:
      return { text: 'No score', color: 'darkgrey' };
  }
}

export function statusLook(status: CheckStatus): VerdictLook {
  return status === 'fail' ? { text: 'Fail', color: 'red' } : status === 'warn' ? { text: 'Warn', color: 'orange' } : { text: 'Pass', color: 'green' };
}

/** A measured value or limit in its unit, short: 0.25 percentunit → "25%", 330 s → "5.5 min". */
export function formatMeasure(value: number | undefined, unit: string): string {
  if (value === undefined) return '–';
  if (unit === 'percentunit') return `${trim(value * 100)}%`;
  if (unit === 's') {
    if (Math.abs(value) >= 3600) return `${trim(value / 3600)} h`;
    if (Math.abs(value) >= 60) return `${trim(value / 60)} min`;
    return `${trim(value)} s`;
  }
  return trim(value);
}

function trim(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 || Number.isInteger(value) ? 0 : abs >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}

/** The score as text: one decimal at most, "–" without one. */
export function formatScore(score: number | undefined): string {
  return score === undefined ? '–' : String(Math.round(score * 10) / 10);
}
