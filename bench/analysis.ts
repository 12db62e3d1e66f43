// Analysis speed: each detector on one long series, and the query-sized case the issue names
// (7 days at a 1-minute step, 20 series, plus the training history the pipeline fetches),
// through the same pure steps the query pipeline runs: quality checks, detection, events, frames.
// Figures are CPU time of this process (points per CPU second = per core), median of several runs
// after warm-up, so other processes on the machine do not skew them (they still share its caches
// and cores: on a busy machine compare figures taken at the same time).
//   npm run bench:analysis [-- --runs=7 --write]: as it ships (scripts/bench-shipped.mjs: bundled, on the executable's Node)
//   npm run bench:analysis:dev: on the shell's Node through tsx
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detect } from '../src/backend/analysis/detect';
import { ALGORITHMS } from '../src/backend/analysis/detectors';
import { anomalyEvents } from '../src/backend/analysis/events';
import { forecast } from '../src/backend/analysis/forecast';
import { detectOutliers } from '../src/backend/analysis/outliers';
import type { Grid } from '../src/backend/analysis/grid';
import { encodeFrameArrow } from '../src/backend/grafana/frames';
import { analysedFrames } from '../src/backend/query/analysis/frames';
import { planDetection } from '../src/backend/query/analysis/options';
import { runQualityChecks } from '../src/backend/query/analysis/quality';

// Bundled (scripts/bench-shipped.mjs), this file no longer sits in bench/: the launcher says where the repository is.
const ROOT = process.env.ENCORE_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNTIME = process.env.ENCORE_BENCH_RUNTIME ?? `Node ${process.version} of the shell, TypeScript through tsx (development; the backend executable runs Node 24 on a bundle)`;
// Other processes do not count in CPU time but share the cores and caches: the load is noted.
const loadAtStart = os.loadavg()[0]!;
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const RUNS = runsArg ? Number(runsArg.slice('--runs='.length)) : 15;
const MINUTE = 60_000;
const DAY = 1440;

/** Deterministic noise: a daily shape, weekly swing, gaussian noise, a few spikes. */
function series(points: number, seed: number, level = 100): Float64Array {
  let state = seed * 2654435761;
  const uniform = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state + 1) / 2147483649;
  };
  const out = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    const daily = Math.sin((2 * Math.PI * i) / DAY);
    const weekly = 0.1 * Math.sin((2 * Math.PI * i) / (7 * DAY));
    const noise = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    out[i] = level * (1 + 0.4 * daily + weekly) + 3 * noise + (uniform() < 0.0005 ? 40 : 0);
  }
  return out;
}

function cpuMs(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Warm-up: at least WARM_UP_RUNS runs and WARM_UP_MS of CPU. A few milliseconds of work is not
 * enough for V8 to finish optimising it (its compiler threads count as this process's CPU time),
 * and the figures are meant to be the steady state a long-running backend sees. 200 ms was not
 * enough: measured first, the rolling detector read 5.35 ms after it and 4.82 ms after a second.
 */
const WARM_UP_RUNS = 5;
const WARM_UP_MS = 1000;

function measure(run: () => void): number {
  return measureEach([run])[0]!;
}

/**
 * Medians of several pieces of work, each warmed up first, then sampled in turns (one run of
 * each per round) so that every median spans the whole benchmark: the host of a shared virtual
 * machine slows it down for seconds at a time, and runs taken back to back all fell into the same
 * slow patch (one detector then read 30 % slower than in the next process).
 */
function measureEach<const T extends ReadonlyArray<() => void>>(runs: T): { [K in keyof T]: number } {
  for (const run of runs) {
    let warm = 0;
    for (let i = 0; i < WARM_UP_RUNS || warm < WARM_UP_MS; i++) warm += cpuMs(run);
  }
  const samples = runs.map(() => [] as number[]);
  for (let round = 0; round < RUNS; round++) runs.forEach((run, k) => samples[k]!.push(cpuMs(run)));
  return samples.map(median) as { [K in keyof T]: number };
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// A yardstick for the machine: a plain loop summing floats.
const yard = new Float64Array(10_000_000).map((_, i) => i % 7);
let sink = 0;
const sumMs = measure(() => {
  let s = 0;
  for (let i = 0; i < yard.length; i++) s += yard[i]!;
  sink += s;
});

// ---- one detector, one long series -------------------------------------------------------------
const LONG = 28 * DAY; // four weeks at one minute: 40,320 points
const long: Grid = { startMs: 0, stepMs: MINUTE, values: series(LONG, 1) };
const detectorMs = measureEach(
  ALGORITHMS.map((algorithm) => () => {
    detect(long, { algorithm, historyPoints: 4 * DAY, periodPoints: algorithm === 'auto' ? undefined : DAY });
  }),
);
const detectorRows = ALGORITHMS.map((algorithm, k) => [algorithm, fmt(LONG / 1000), fmt(detectorMs[k]!, 2), fmt(LONG / detectorMs[k]! / 1000, 2)]);

// A share of few events (a market's payment failure rate, an event every other minute, 3 % failing),
// which `auto` reads by its counts (detectors/share.ts).
const shareEvents = new Float64Array(LONG);
const shareValues = new Float64Array(LONG);
{
  let state = 7;
  const uniform = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state + 1) / 2147483649;
  };
  for (let i = 0; i < LONG; i++) {
    const n = uniform() < 0.5 ? 1 + Math.floor(uniform() * 2) : 0;
    let k = 0;
    for (let j = 0; j < n; j++) if (uniform() < 0.03) k++;
    shareEvents[i] = n;
    shareValues[i] = n > 0 ? k / n : NaN;
  }
}
const share: Grid = { startMs: 0, stepMs: MINUTE, values: shareValues };
const shareAlgorithm = detect(share, { historyPoints: 4 * DAY, events: shareEvents }).algorithm;
const shareMs = measure(() => {
  detect(share, { historyPoints: 4 * DAY, events: shareEvents });
});
detectorRows.push([`auto on a share of few events (chose ${shareAlgorithm})`, fmt(LONG / 1000), fmt(shareMs, 2), fmt(LONG / shareMs / 1000, 2)]);

// ---- the query-sized case ----------------------------------------------------------------------
const SERIES = 20;
const RANGE = 7 * DAY;
const { historyPoints } = planDetection({ algorithm: 'auto', sensitivity: 0.5, direction: 'both', season: 'auto' }, MINUTE);
const total = historyPoints + RANGE;
const grids = Array.from({ length: SERIES }, (_, k) => ({ labels: { market: `M${k}` }, grid: { startMs: 0, stepMs: MINUTE, values: series(total, k + 2, 50 + 10 * k) } }));
const names = grids.map((g) => g.labels.market);
const times = Array.from({ length: RANGE }, (_, i) => (historyPoints + i) * MINUTE);
const { options } = planDetection({ algorithm: 'auto', sensitivity: 0.5, direction: 'both', season: 'auto' }, MINUTE);

let quality: ReturnType<typeof runQualityChecks> | undefined;
let detections: ReturnType<typeof detect>[] = [];
let frames: ReturnType<typeof analysedFrames> = [];
// In order each round: every step reads what the one before it made.
const [qualityMs, detectMs, eventsMs, framesMs, encodeMs, outliersMs, forecastMs] = measureEach([
  () => {
    quality = runQualityChecks({ series: grids, names, rangeStart: historyPoints, rangeStartMs: historyPoints * MINUTE, rangeEndMs: (total - 1) * MINUTE, nowMs: total * MINUTE });
  },
  () => {
    detections = grids.map((g, i) => detect(g.grid, { ...options, historyPoints, dataIssues: quality!.masks[i] }));
  },
  () => {
    grids.forEach((g, i) => anomalyEvents(g.grid, detections[i]!, { fromIndex: historyPoints }));
  },
  () => {
    frames = analysedFrames(
      grids.map((g, i) => {
        const d = detections[i]!;
        const from = historyPoints;
        return { labels: g.labels, times, value: g.grid.values.subarray(from), expected: d.expected.subarray(from), lower: d.lower.subarray(from), upper: d.upper.subarray(from), score: d.score.subarray(from), anomaly: d.anomaly.subarray(from), dataIssue: quality!.masks[i]!.subarray(from) };
      }),
      { refId: 'A', executedQueryString: '', stepMs: MINUTE },
      'all',
    );
  },
  () => {
    for (const frame of frames) encodeFrameArrow(frame);
  },
  () => {
    detectOutliers(grids.map((g) => g.grid), { historyPoints });
  },
  () => {
    for (const g of grids) forecast(g.grid, { horizonPoints: DAY, periodPoints: DAY });
  },
]);
const analysisMs = qualityMs + detectMs + eventsMs;
const algorithmsChosen = [...new Set(detections.map((d) => d.algorithm))].join(', ');

const loadAtEnd = os.loadavg()[0]!;
const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, ${os.platform()} ${os.arch()}`;
const lines = [
  `# Analysis speed`,
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}.`,
  `Runtime: ${RUNTIME}.`,
  `CPU time of the benchmark process, median of ${RUNS} runs after a warm-up of at least ${WARM_UP_RUNS} runs and ${WARM_UP_MS} ms (\`npm run bench:analysis\`).`,
  `Yardstick: a plain loop summing 10 M floats takes ${fmt(sumMs, 1)} ms here (${fmt((sumMs * 1e6) / yard.length, 2)} ns per element). ` +
    'The shared host runs this machine faster or slower by the hour (the yardstick took from 5.6 to 9.1 ms on 2026-12-02): compare runs by their yardsticks.',
  `Load average (1 min) of the machine: ${fmt(loadAtStart, 2)} at the start, ${fmt(loadAtEnd, 2)} at the end (${os.cpus().length} cores; ` +
    `${Math.max(loadAtStart, loadAtEnd) > 1 ? 'above 1, other work shared them and the figures are pessimistic' : 'nothing else was busy'}).`,
  '',
  '## One detector, one series (28 days at 1 minute, 4 days of history, daily period given)',
  '',
  '| algorithm | points (k) | CPU ms | M points/s per core |',
  '|---|---:|---:|---:|',
  ...detectorRows.map((r) => `| ${r.join(' | ')} |`),
  '',
  `## A 7-day, 1-minute, 20-series anomaly query (auto; ${historyPoints} history points per series, ${fmt((SERIES * total) / 1000, 0)} k points in all)`,
  '',
  '| step | CPU ms |',
  '|---|---:|',
  `| data-quality checks | ${fmt(qualityMs, 2)} |`,
  `| detection (auto chose: ${algorithmsChosen}) | ${fmt(detectMs, 2)} |`,
  `| anomaly events | ${fmt(eventsMs, 2)} |`,
  `| **analysis (quality + detection + events)** | **${fmt(analysisMs, 2)}** |`,
  `| frames (8 fields per series) | ${fmt(framesMs, 2)} |`,
  `| Arrow encoding of the frames | ${fmt(encodeMs, 2)} |`,
  `| outliers across the 20 series (instead of detection) | ${fmt(outliersMs, 2)} |`,
  `| forecast, 1 day ahead, 20 series | ${fmt(forecastMs, 2)} |`,
  '',
];
const text = lines.join('\n');
console.log(text);
if (process.argv.includes('--write')) writeFileSync(join(ROOT, 'bench', 'results', 'analysis.md'), `${text}\n`);
if (sink === -1) console.log(sink);
