import type { KpiDefinition } from '../../../common/kpis/catalogue';
import { checkQuality, type QualityCheck, type QualityReport } from '../../analysis/quality';
import type { Frame, Notice } from '../../grafana/frames/frame';
import type { GridSeries } from '../history';

/**
 * The data-quality checks every query carries: run on the range a panel shows, their warnings
 * and failures become frame notices (Grafana shows them on the panel), and their issue masks tell
 * the detectors which points are data problems rather than anomalies.
 */

export interface QualityInput {
  series: GridSeries[];
  names: string[];
  /** index of the range's first point in every grid */
  rangeStart: number;
  rangeStartMs: number;
  rangeEndMs: number;
  nowMs: number;
  kpi?: KpiDefinition;
  freshnessLimitMs?: number;
  maxSeries?: number;
  /** raw counters (PromQL on *_total without rate): resets are checked */
  counter?: boolean;
  /** checks evaluated by the caller on related series: the consistency rules (consistency.ts), resent events (resent.ts) */
  related?: QualityCheck[];
  /** share KPIs: the events behind each series' points, over the whole grid (QualitySeries.events) */
  events?: ReadonlyArray<Float64Array | undefined>;
}

export interface QualityResult {
  report: QualityReport;
  /** per series, over the whole grid (history included): 1 = data issue */
  masks: Uint8Array[];
}

export function runQualityChecks(input: QualityInput): QualityResult {
  const { rangeStart } = input;
  const report = checkQuality(
    input.series.map((s, i) => ({
      name: input.names[i]!,
      labels: s.labels,
      grid: { startMs: s.grid.startMs + rangeStart * s.grid.stepMs, stepMs: s.grid.stepMs, values: s.grid.values.subarray(rangeStart) },
      counter: input.counter,
      ...(input.events?.[i] ? { events: input.events[i]!.subarray(rangeStart) } : {}),
    })),
    {
      rangeStartMs: input.rangeStartMs,
      rangeEndMs: input.rangeEndMs,
      nowMs: input.nowMs,
      validRange: input.kpi?.validRange,
      freshnessLimitMs: input.freshnessLimitMs,
      maxSeries: input.maxSeries,
      related: input.related,
    },
  );
  const masks = input.series.map((s, i) => {
    const mask = new Uint8Array(s.grid.values.length);
    const inRange = report.issues[i];
    if (inRange) mask.set(inRange, rangeStart);
    // History is learned from too: impossible values there must not train the baseline.
    const range = input.kpi?.validRange;
    if (range) {
      for (let j = 0; j < rangeStart; j++) {
        const v = s.grid.values[j]!;
        if (v < range[0] || v > range[1]) mask[j] = 1;
      }
    }
    return mask;
  });
  return { report, masks };
}

/** Warnings and failures as notices, worst first; a passing report adds none. */
export function qualityNotices(checks: readonly QualityCheck[]): Notice[] {
  return checks
    .filter((c) => c.status !== 'pass')
    .sort((a, b) => (a.status === b.status ? 0 : a.status === 'fail' ? -1 : 1))
    .map((c) => ({ severity: c.status === 'fail' ? 'error' : 'warning', text: `Data quality: ${c.title}: ${c.message}`, inspect: 'data' }));
}

/** queryType `quality`: the checks as a table, plus the score in the frame meta. */
export function qualityFrame(report: QualityReport, refId: string, executedQueryString: string): Frame {
  const checks = report.checks;
  return {
    name: 'Data quality',
    refId,
    meta: {
      typeVersion: [0, 0],
      executedQueryString,
      preferredVisualisationType: 'table',
      custom: { qualityScore: report.score },
      stats: [{ displayName: 'Quality score', value: report.score, unit: 'none', decimals: 0 }],
      notices: qualityNotices(checks),
    },
    fields: [
      { name: 'check', type: 'string', values: checks.map((c) => c.id) },
      { name: 'title', type: 'string', values: checks.map((c) => c.title) },
      { name: 'status', type: 'string', values: checks.map((c) => c.status) },
      // Numeric status for alert rules: 0 pass, 1 warn, 2 fail.
      { name: 'level', type: 'float64', values: checks.map(levelOf) },
      { name: 'value', type: 'float64', values: checks.map((c) => c.value) },
      { name: 'threshold', type: 'float64', values: checks.map((c) => c.threshold) },
      { name: 'unit', type: 'string', values: checks.map((c) => c.unit) },
      { name: 'message', type: 'string', values: checks.map((c) => c.message) },
      { name: 'series', type: 'string', values: checks.map((c) => c.series.join(', ')) },
    ],
  };
}

/** The score as its own one-row frame, so an alert rule can say "quality score below 80". */
export function qualityScoreFrame(report: QualityReport, refId: string, endMs: number): Frame {
  return {
    name: 'Quality score',
    refId,
    meta: { type: 'numeric-multi', typeVersion: [0, 1] },
    fields: [
      { name: 'Time', type: 'time', values: [endMs] },
      { name: 'Quality score', type: 'float64', values: [report.score], labels: {}, config: { min: 0, max: 100, decimals: 0 } },
    ],
  };
}

/** Per check a number labelled check=<id> (0 pass, 1 warn, 2 fail): "freshness failing" is level >= 2. */
export function qualityLevelFrames(report: QualityReport, refId: string, endMs: number): Frame[] {
  return report.checks.map((c, index) => ({
    name: c.title,
    refId,
    meta: { type: 'numeric-multi', typeVersion: [0, 1], ...(index === 0 ? { custom: { qualityScore: report.score } } : {}) },
    fields: [
      { name: 'Time', type: 'time', values: [endMs] },
      {
        name: 'Level',
        type: 'float64',
        values: [levelOf(c)],
        labels: { check: c.id },
        config: { displayNameFromDS: c.title, min: 0, max: 2, decimals: 0, mappings: LEVEL_MAPPINGS },
      },
    ],
  }));
}

const LEVEL_MAPPINGS = [{ type: 'value', options: { '0': { text: 'pass', color: 'green' }, '1': { text: 'warn', color: 'orange' }, '2': { text: 'fail', color: 'red' } } }];

function levelOf(check: QualityCheck): number {
  return check.status === 'pass' ? 0 : check.status === 'warn' ? 1 : 2;
}
