import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { detect, type Detection } from '../backend/analysis/detect';
import { anomalyEvents, type AnomalyEvent } from '../backend/analysis/events';
import type { QualityCheck } from '../backend/analysis/quality';
import type { Algorithm } from '../backend/analysis/detectors/types';
import { isoString, type TimeFormat } from './fields';
import { count, formatNumber, formatSpan, renderTable } from './format';
import { describeFsError, EXIT, type Io } from './io';
import { UsageError, type DetectSettings, type Length } from './options';
import { gridSeries, lastTime, runQuality, type GriddedSeries } from './prepare';
import { Progress } from './progress';
import { defaultSeriesName, InputError, readSeries } from './read-series';
import { writeDetectionCsv } from './write-detection';

/**
 * `encore detect`: per file, quality first, then anomalies. The quality checks' issue mask goes
 * to the detector as `dataIssues`, so a gap or a flatline is reported as a data problem and never
 * as an anomaly. Detection is causal (see detect.ts): the score of a row uses rows up to it only.
 */

export interface SeriesSummary {
  name: string;
  points: number;
  stepMs: number;
  start: string;
  end: string;
  algorithm: Detection['algorithm'];
  periodPoints?: number;
  /** band half-width in scales */
  bandZ: number;
  anomalies: number;
  events: EventSummary[];
}

export interface EventSummary {
  series: string;
  start: string;
  end: string;
  peak: string;
  peakValue: number;
  peakExpected: number;
  peakScore: number;
  direction: AnomalyEvent['direction'];
  severity: AnomalyEvent['severity'];
  points: number;
}

export type FileSummary =
  | { file: string; ok: true; rows: number; timeFormat: TimeFormat; output?: string; quality: { score: number; checks: QualityCheck[] }; series: SeriesSummary[] }
  | { file: string; ok: false; errors: string[] };

/** Points for a --min-duration, or the number of points a period spans at this step. */
export function pointsOf(length: Length, stepMs: number): number {
  return 'points' in length ? length.points : Math.max(1, Math.ceil(length.ms / stepMs - 1e-9));
}

function analyseSeries(s: GriddedSeries, issues: Uint8Array, settings: DetectSettings, source: string): { detection: Detection; events: AnomalyEvent[] } {
  const { grid } = s;
  let periodPoints: number | undefined;
  if (typeof settings.season === 'object') {
    periodPoints = Math.round(settings.season.ms / grid.stepMs);
    if (periodPoints < 2) {
      throw new InputError(source, [`${source}: --season ${formatSpan(settings.season.ms)} is shorter than two steps of ${formatSpan(grid.stepMs)}`]);
    }
  }
  const algorithm: Algorithm = settings.season === 'none' && settings.algorithm === 'auto' ? 'rolling' : settings.algorithm;
  const detection = detect(grid, {
    algorithm,
    sensitivity: settings.sensitivity,
    direction: settings.direction,
    minDurationPoints: pointsOf(settings.minDuration, grid.stepMs),
    periodPoints,
    dataIssues: issues,
    events: s.events,
  });
  return { detection, events: anomalyEvents(grid, detection) };
}

function summarise(s: GriddedSeries, detection: Detection, events: AnomalyEvent[]): SeriesSummary {
  let anomalies = 0;
  for (let i = 0; i < detection.anomaly.length; i++) anomalies += detection.anomaly[i]!;
  return {
    name: s.data.name,
    points: s.grid.values.length,
    stepMs: s.grid.stepMs,
    start: isoString(s.grid.startMs),
    end: isoString(lastTime(s.grid)),
    algorithm: detection.algorithm,
    periodPoints: detection.periodPoints,
    bandZ: detection.bandZ,
    anomalies,
    events: events.map((e) => ({
      series: s.data.name,
      start: isoString(e.startMs),
      end: isoString(e.endMs),
      peak: isoString(e.peakMs),
      peakValue: e.peakValue,
      peakExpected: e.peakExpected,
      peakScore: Number(e.peakScore.toFixed(4)),
      direction: e.direction,
      severity: e.severity,
      points: e.points,
    })),
  };
}

/** Where --out puts a file's result, and a refusal when that would clobber an input or another result. */
function outputPath(outDir: string, source: string, inputs: ReadonlySet<string>, taken: Map<string, string>): string {
  const target = join(outDir, `${defaultSeriesName(source)}.csv`);
  const absolute = resolve(target);
  if (inputs.has(absolute)) throw new InputError(source, [`${source}: --out would write ${target}, which is an input file; choose another --out directory`]);
  const other = taken.get(absolute);
  if (other !== undefined) throw new InputError(source, [`${source}: --out would write ${target} again (already written for ${other}); inputs need distinct base names`]);
  taken.set(absolute, source);
  return target;
}

async function detectFile(path: string, settings: DetectSettings, io: Io, progress: Progress, inputs: Set<string>, taken: Map<string, string>): Promise<FileSummary> {
  const source = path === '-' ? 'stdin' : path;
  progress.startFile(source);
  try {
    const input = await readSeries(path, { timeUnit: settings.timeUnit, onRows: (n) => progress.addRows(n) }, io.stdin);
    const series = gridSeries(input, settings.stepMs);
    const quality = runQuality(series);
    const analysed = series.map((s, index) => {
      const result = analyseSeries(s, quality.report.issues[index]!, settings, source);
      progress.addPoints(s.grid.values.length);
      return { s, ...result };
    });
    let output: string | undefined;
    if (settings.out !== undefined) {
      output = outputPath(settings.out, source, inputs, taken);
      const detected = analysed.map(({ s, detection }) => ({ name: s.data.name, grid: s.grid, detection }));
      await writeDetectionCsv(output, detected, input.timeFormat, input.hasSeriesColumn, (n) => progress.addWritten(n));
    }
    return {
      file: source,
      ok: true,
      rows: input.rows,
      timeFormat: input.timeFormat,
      output,
      quality: { score: quality.report.score, checks: quality.report.checks },
      series: analysed.map(({ s, detection, events }) => summarise(s, detection, events)),
    };
  } catch (error) {
    if (error instanceof InputError) return { file: source, ok: false, errors: error.message.split('\n') };
    if (error instanceof UsageError) throw error;
    if ((error as NodeJS.ErrnoException).code !== undefined) return { file: source, ok: false, errors: [`${source}: ${describeFsError(error)}`] };
    throw error;
  }
}

export function renderDetectTable(summary: Extract<FileSummary, { ok: true }>): string {
  const lines: string[] = [];
  const points = summary.series.reduce((sum, s) => sum + s.points, 0);
  const steps = [...new Set(summary.series.map((s) => formatSpan(s.stepMs)))].join('/');
  lines.push(`${summary.file}: ${count(summary.series.length, 'series', 'series')}, ${count(points, 'point')} every ${steps}, quality ${formatNumber(summary.quality.score)}/100`);
  lines.push(
    renderTable(
      ['series', 'points', 'from', 'to', 'algorithm', 'period', 'band', 'anomalies', 'events'],
      summary.series.map((s) => [
        s.name,
        String(s.points),
        s.start,
        s.end,
        s.algorithm,
        s.periodPoints ? formatSpan(s.periodPoints * s.stepMs) : '-',
        `±${Number(s.bandZ.toPrecision(3))}σ`,
        String(s.anomalies),
        String(s.events.length),
      ]),
      { right: [1, 7, 8], indent: '  ' },
    ),
  );
  const events = summary.series.flatMap((s) => s.events);
  if (events.length > 0) {
    lines.push('  anomaly events:');
    lines.push(
      renderTable(
        ['series', 'start', 'end', 'peak', 'value', 'expected', 'score', 'severity', 'direction', 'points'],
        events.map((e) => [e.series, e.start, e.end, e.peak, formatNumber(e.peakValue), formatNumber(e.peakExpected), e.peakScore.toFixed(4), e.severity, e.direction, String(e.points)]),
        { right: [4, 5, 6, 9], indent: '    ' },
      ),
    );
  } else {
    lines.push('  no anomaly events');
  }
  for (const check of summary.quality.checks.filter((c) => c.status !== 'pass')) {
    lines.push(`  data quality ${check.status}: ${check.title}: ${check.message}`);
  }
  return lines.join('\n');
}

export async function detectCommand(settings: DetectSettings, io: Io): Promise<number> {
  if (settings.out !== undefined) {
    try {
      mkdirSync(settings.out, { recursive: true });
    } catch (error) {
      throw new UsageError(`--out: cannot create the directory ${settings.out}: ${describeFsError(error)}`);
    }
  }
  const progress = new Progress({ enabled: Progress.wanted(settings, io.stderrIsTty), write: io.stderr });
  const inputs = new Set(settings.files.filter((f) => f !== '-').map((f) => resolve(f)));
  const taken = new Map<string, string>();
  const summaries: FileSummary[] = [];
  for (const file of settings.files) {
    const summary = await detectFile(file, settings, io, progress, inputs, taken);
    summaries.push(summary);
    if (!summary.ok) {
      io.stderr(`${summary.errors.join('\n')}\n`);
      continue;
    }
    if (settings.format === 'table' && settings.out === undefined) io.stdout(`${renderDetectTable(summary)}\n\n`);
    else if (summary.output !== undefined && !settings.quiet) {
      const anomalies = summary.series.reduce((sum, s) => sum + s.anomalies, 0);
      const events = summary.series.reduce((sum, s) => sum + s.events.length, 0);
      io.stderr(`${summary.file}: wrote ${summary.output} (${count(summary.series.reduce((n, s) => n + s.points, 0), 'point')}, ${count(anomalies, 'anomalous point')} in ${count(events, 'event')}, quality ${formatNumber(summary.quality.score)}/100)\n`);
    }
  }
  if (settings.format === 'json') io.stdout(`${JSON.stringify({ files: summaries }, null, 2)}\n`);
  const failed = summaries.filter((s) => !s.ok).length;
  if (failed > 0) {
    if (!settings.quiet) io.stderr(`encore detect: ${failed} of ${count(summaries.length, 'file')} failed\n`);
    return EXIT.inputFailed;
  }
  const found = summaries.some((s) => s.ok && s.series.some((x) => x.anomalies > 0));
  return settings.failOnAnomaly && found ? EXIT.found : EXIT.ok;
}
