import type { QualityCheck } from '../backend/analysis/quality';
import { isoString } from './fields';
import { count, formatNumber, formatSpan, formatWithUnit, renderTable, statusLabel } from './format';
import { describeFsError, EXIT, type Io } from './io';
import type { QualitySettings } from './options';
import { gridSeries, runQuality } from './prepare';
import { Progress } from './progress';
import { InputError, readSeries } from './read-series';

/**
 * `encore quality`: the data-quality checks of the backend over files. The time range is the
 * file's own span; "now" (for freshness) is the file's last timestamp unless --now says
 * otherwise, so an export from last month is judged on its content, not on its age.
 */

export type QualitySummary =
  | {
      file: string;
      ok: true;
      rows: number;
      series: Array<{ name: string; points: number; stepMs: number }>;
      range: { start: string; end: string };
      now: string;
      score: number;
      checks: QualityCheck[];
    }
  | { file: string; ok: false; errors: string[] };

async function qualityFile(path: string, settings: QualitySettings, io: Io, progress: Progress): Promise<QualitySummary> {
  const source = path === '-' ? 'stdin' : path;
  progress.startFile(source);
  try {
    const input = await readSeries(path, { timeUnit: settings.timeUnit, onRows: (n) => progress.addRows(n) }, io.stdin);
    const series = gridSeries(input, settings.stepMs);
    const run = runQuality(series, settings);
    progress.addPoints(series.reduce((n, s) => n + s.grid.values.length, 0));
    return {
      file: source,
      ok: true,
      rows: input.rows,
      series: series.map((s) => ({ name: s.data.name, points: s.grid.values.length, stepMs: s.grid.stepMs })),
      range: { start: isoString(run.rangeStartMs), end: isoString(run.rangeEndMs) },
      now: isoString(run.nowMs),
      score: run.report.score,
      checks: run.report.checks,
    };
  } catch (error) {
    if (error instanceof InputError) return { file: source, ok: false, errors: error.message.split('\n') };
    if ((error as NodeJS.ErrnoException).code !== undefined) return { file: source, ok: false, errors: [`${source}: ${describeFsError(error)}`] };
    throw error;
  }
}

export function renderQualityTable(summary: Extract<QualitySummary, { ok: true }>, nowGiven: boolean): string {
  const points = summary.series.reduce((n, s) => n + s.points, 0);
  const steps = [...new Set(summary.series.map((s) => formatSpan(s.stepMs)))].join('/');
  const head =
    `${summary.file}: ${count(summary.series.length, 'series', 'series')}, ${count(points, 'point')} every ${steps}, ` +
    `${summary.range.start} to ${summary.range.end}, now ${nowGiven ? summary.now : `${summary.now} (the last timestamp)`}`;
  const table = renderTable(
    ['status', 'check', 'value', 'threshold', 'message'],
    summary.checks.map((c) => [statusLabel(c.status), c.title, formatWithUnit(c.value, c.unit), formatWithUnit(c.threshold, c.unit), c.message]),
    { right: [2, 3], indent: '  ' },
  );
  return `${head}\n${table}\n  quality score: ${formatNumber(summary.score)}/100`;
}

export async function qualityCommand(settings: QualitySettings, io: Io): Promise<number> {
  const progress = new Progress({ enabled: Progress.wanted(settings, io.stderrIsTty), write: io.stderr });
  const summaries: QualitySummary[] = [];
  for (const file of settings.files) {
    const summary = await qualityFile(file, settings, io, progress);
    summaries.push(summary);
    if (!summary.ok) io.stderr(`${summary.errors.join('\n')}\n`);
    else if (settings.format === 'table') io.stdout(`${renderQualityTable(summary, settings.nowMs !== undefined)}\n\n`);
  }
  if (settings.format === 'json') io.stdout(`${JSON.stringify({ files: summaries }, null, 2)}\n`);
  const failed = summaries.filter((s) => !s.ok).length;
  if (failed > 0) {
    if (!settings.quiet) io.stderr(`encore quality: ${failed} of ${count(summaries.length, 'file')} failed\n`);
    return EXIT.inputFailed;
  }
  const failing = summaries.some((s) => s.ok && s.checks.some((c) => c.status === 'fail'));
  return settings.failOnQuality && failing ? EXIT.found : EXIT.ok;
}
