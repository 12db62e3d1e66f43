/**
 * A provisioned dashboard run the way Grafana's browser runs it, against the BUILT backend: one
 * QueryData request per panel (its targets together, as a panel sends them) and one for the
 * dashboard's Encore annotations, every target with the dashboard's variables at their current
 * values (queries.ts), the panel's minimum interval and 1000 data points over the range.
 */
import { DATASOURCE_PLUGIN_ID } from '../../../src/common/plugin-ids';
import { parseDuration } from '../../../src/common/validation';
import type { Frame } from '../../../src/backend/grafana/frames/frame';
import type { PluginHost } from '../../harness/grafana-host';
import { dataQuery, queryDataRequest, type DataSourceInput } from '../../harness/plugin-context';
import type { DataResponse } from '../../harness/wire';
import { allPanels, type Dashboard } from './dashboard-schema';
import { interpolateAsDashboard } from './queries';

type Target = Record<string, unknown> & { refId: string };

export interface DashboardAnswer {
  /** `<dashboard uid> "<panel title>" <refId>`, for messages */
  what: string;
  target: Target;
  /** undefined: the backend sent no answer for the refId */
  answer: DataResponse | undefined;
  /** the query's time range (epoch ms) */
  fromMs: number;
  toMs: number;
}

/** The dashboard's default range (`time.from`, e.g. now-6h) as milliseconds before now. */
export function dashboardRangeMs(dashboard: Dashboard): number {
  return parseDuration(dashboard.time?.from.replace(/^now-/, '') ?? '6h') ?? 6 * 3_600_000;
}

/** Every panel's and annotation's answer, queried through `datasource` over [nowMs - rangeMs, nowMs]. */
export async function queryDashboard(host: PluginHost, dashboard: Dashboard, datasource: DataSourceInput & { uid: string }, nowMs: number, rangeMs = dashboardRangeMs(dashboard)): Promise<DashboardAnswer[]> {
  const variables = dashboard.templating?.list ?? [];
  const from = nowMs - rangeMs;
  const panels: Array<{ title?: string; interval?: string; targets: Target[] }> = allPanels(dashboard).map((p) => ({ title: p.title, interval: p.interval, targets: (p.targets ?? []) as Target[] }));
  panels.push({
    title: 'annotations',
    targets: (dashboard.annotations?.list ?? []).filter((a) => a.datasource.type === DATASOURCE_PLUGIN_ID).map((a, i) => ({ ...a.target, refId: `Anno${i}` })),
  });
  const answers: DashboardAnswer[] = [];
  for (const panel of panels) {
    if (panel.targets.length === 0) continue;
    const maxDataPoints = 1000;
    const minInterval = panel.interval ? (parseDuration(panel.interval) ?? 0) : 0;
    const intervalMS = Math.max(minInterval, Math.ceil((nowMs - from) / maxDataPoints / 1000) * 1000);
    const request = queryDataRequest({
      context: { datasource: datasource },
      queries: panel.targets.map((target) => {
        const json = interpolateAsDashboard({ ...target, datasource: { type: DATASOURCE_PLUGIN_ID, uid: datasource.uid } }, variables);
        return dataQuery({ refId: String(target.refId), json, datasourceUid: datasource.uid, timeRange: { from, to: nowMs }, intervalMS, maxDataPoints });
      }),
    });
    const { responses } = await host.queryData(request);
    for (const target of panel.targets) {
      answers.push({ what: `${dashboard.uid} "${panel.title}" ${target.refId} on ${datasource.uid}`, target, answer: responses[String(target.refId)], fromMs: from, toMs: nowMs });
    }
  }
  return answers;
}

const NUMBER_TYPES = new Set(['float64', 'float32', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);

/** How many finite numbers the frames' number fields hold (what a panel can draw). */
export function finiteNumbers(frames: readonly Frame[]): number {
  let count = 0;
  for (const frame of frames) {
    for (const field of frame.fields) {
      if (!NUMBER_TYPES.has(field.type)) continue;
      for (const v of field.values) if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint') count++;
    }
  }
  return count;
}

export interface ValueCoverage {
  /** finite KPI values from the backfilled history, in the series that has most */
  history: number;
  /** steps of the query's range inside the backfilled history, at that series' step */
  historySteps: number;
  /** finite KPI values from `liveOnlyFromMs` on, all series (from scraped live data only, for rates at fine steps) */
  live: number;
  /** the coarsest step of the series (the time field's config.interval) */
  stepMs: number;
}

/**
 * Where the KPI values of an answer lie in time: the `Value` fields of its time series (the series
 * a panel draws: kpi, promql, forecast and full anomaly frames), against the backfilled history
 * [historyFromMs, historyToMs). Derived outputs (scores, flags, quality levels, tables) have none:
 * undefined.
 */
export function valueCoverage(frames: readonly Frame[], range: { fromMs: number; toMs: number }, history: { historyFromMs: number; historyToMs: number }, liveOnlyFromMs: number): ValueCoverage | undefined {
  let found = false;
  const coverage: ValueCoverage = { history: 0, historySteps: 0, live: 0, stepMs: 0 };
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === 'time');
    const value = frame.fields.find((f) => f.name === 'Value' && NUMBER_TYPES.has(f.type));
    if (!time || !value) continue;
    found = true;
    const stepMs = Number(time.config?.interval ?? 0);
    coverage.stepMs = Math.max(coverage.stepMs, stepMs);
    let fromHistory = 0;
    value.values.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      const t = Number(time.values[i]);
      if (t >= history.historyFromMs && t < history.historyToMs) fromHistory++;
      if (t >= liveOnlyFromMs) coverage.live++;
    });
    if (fromHistory > coverage.history) {
      coverage.history = fromHistory;
      const span = Math.min(history.historyToMs, range.toMs) - Math.max(history.historyFromMs, range.fromMs);
      coverage.historySteps = stepMs > 0 ? Math.max(0, Math.floor(span / stepMs)) : 0;
    }
  }
  return found ? coverage : undefined;
}

/** Each answer's KPI values (`Value` fields, NaN kept) at times up to `untilMs`, by `what` and frame name: to compare two passes (valueDifferences). */
export function settledValues(answers: readonly DashboardAnswer[], decode: (answer: DashboardAnswer) => readonly Frame[], untilMs: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const answer of answers) {
    decode(answer).forEach((frame, i) => {
      const time = frame.fields.find((f) => f.type === 'time');
      const value = frame.fields.find((f) => f.name === 'Value' && NUMBER_TYPES.has(f.type));
      if (!time || !value) return;
      out[`${answer.what.replace(/ on \S+$/, '')} #${i} ${frame.name ?? ''}`] = value.values.filter((_, row) => Number(time.values[row]) <= untilMs).map(Number);
    });
  }
  return out;
}

/**
 * Where two passes' settledValues differ: other series or lengths, NaN on one side only, or numbers
 * further apart than `relative` of their size. (Prometheus adds series up in no fixed order, so
 * two queries of the same sum may differ in the last bits.)
 */
export function valueDifferences(a: Record<string, number[]>, b: Record<string, number[]>, relative = 1e-9): string[] {
  const problems: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key];
    const y = b[key];
    if (!x || !y || x.length !== y.length) {
      problems.push(`${key}: ${x?.length ?? 'no'} values against ${y?.length ?? 'no'}`);
      continue;
    }
    const i = x.findIndex((v, j) => (Number.isNaN(v) || Number.isNaN(y[j]!) ? !Number.isNaN(v) || !Number.isNaN(y[j]!) : Math.abs(v - y[j]!) > relative * Math.max(Math.abs(v), Math.abs(y[j]!))));
    if (i !== -1) problems.push(`${key}: point ${i} is ${x[i]} against ${y[i]}`);
  }
  return problems;
}
