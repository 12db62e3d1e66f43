import { AnalysisInputError, timeAt, toGrid, type Grid, type GridRepairs } from '../backend/analysis/grid';
import { checkQuality, type QualityReport, type QualitySeries } from '../backend/analysis/quality';
import { formatSpan } from './format';
import { InputError, type ParsedInput, type SeriesData } from './read-series';

/**
 * What both commands do with a file once it is read: each series onto a regular grid (the step
 * inferred, or --step), then the data-quality checks over all of the file's series together.
 */

export interface GriddedSeries {
  data: SeriesData;
  grid: Grid;
  repairs: GridRepairs;
  /** the events column on the same grid (the grid depends on the timestamps alone) */
  events?: Float64Array;
}

export interface QualityRun {
  report: QualityReport;
  rangeStartMs: number;
  rangeEndMs: number;
  nowMs: number;
}

export interface QualityParams {
  /** default: the file's last timestamp, so an old file is not "stale" */
  nowMs?: number;
  freshnessMs?: number;
  flatlineMs?: number;
  validRange?: readonly [number, number];
  maxSeries?: number;
  counter?: boolean;
}

export function gridSeries(input: ParsedInput, stepMs?: number): GriddedSeries[] {
  return input.series.map((data) => {
    try {
      const { grid, repairs } = toGrid(data.timestamps, data.values, stepMs);
      const events = data.events ? toGrid(data.timestamps, data.events, grid.stepMs).grid.values : undefined;
      return { data, grid, repairs, ...(events ? { events } : {}) };
    } catch (error) {
      if (!(error instanceof AnalysisInputError)) throw error;
      const where = input.hasSeriesColumn ? `series ${JSON.stringify(data.name)} (from line ${data.firstLine}): ` : '';
      const hint = stepMs === undefined ? ' (is the step right? --step sets it)' : ` (with --step ${formatSpan(stepMs)})`;
      throw new InputError(input.source, [`${input.source}: ${where}${error.message}${hint}`]);
    }
  });
}

export function lastTime(grid: Grid): number {
  return timeAt(grid, Math.max(0, grid.values.length - 1));
}

/**
 * The checks over the file's own time span (to `nowMs` when that is later), judged as of `nowMs`
 * (default: the file's last timestamp).
 */
export function runQuality(series: readonly GriddedSeries[], settings: QualityParams = {}): QualityRun {
  const rangeStartMs = Math.min(...series.map((s) => s.grid.startMs));
  const dataEndMs = Math.max(...series.map((s) => lastTime(s.grid)));
  const nowMs = settings.nowMs ?? dataEndMs;
  // A given --now extends the range to it: the data should reach now, so a missing tail is both
  // stale (freshness) and missing (completeness). The backend judges freshness only for ranges
  // that end near now; a range that stopped at the last sample would never be.
  const rangeEndMs = Math.max(dataEndMs, nowMs);
  const input: QualitySeries[] = series.map((s) => ({
    name: s.data.name,
    labels: {},
    grid: s.grid,
    repairs: s.repairs,
    counter: settings.counter === true,
    ...(s.events ? { events: s.events } : {}),
  }));
  const report = checkQuality(input, {
    rangeStartMs,
    rangeEndMs,
    nowMs,
    freshnessLimitMs: settings.freshnessMs,
    flatlineMs: settings.flatlineMs,
    validRange: settings.validRange,
    maxSeries: settings.maxSeries,
  });
  return { report, rangeStartMs, rangeEndMs, nowMs };
}
