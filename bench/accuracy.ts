// How accurate the anomaly detectors are against the simulator's ground truth: precision, recall,
// F1 and detection delay per detector (rolling, ewma, seasonal, holt_winters, auto) with default
// settings, over seeds and the built-in scenarios, plus a sensitivity sweep for auto and what the
// data-quality checks make of telemetry problems.
//
//   npm run bench:accuracy [-- --seeds 3 --rate 20 --step 5m --train-days 3 --jobs 2 --fresh]
//
// Each (scenario, seed, rate, step) run is simulated once and its KPI series cached under
// .cache/accuracy/; later runs only re-score (--fresh simulates again). Simulations run in
// --jobs child processes; progress goes to stderr, the tables to stdout and to
// bench/results/accuracy.md (--out).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MIN_DURATION_POINTS, minDecisionPoints } from '../src/backend/analysis/detect';
import { DEFAULT_SENSITIVITY } from '../src/backend/analysis/score';
import { planDetection } from '../src/backend/query/analysis/options';
import { parseDuration } from '../src/common/validation';
import { usersForRate } from '../src/simulator/generate/scale';
import { cacheName, calmJob, DAY_MS, GRACE_MS, JOIN_CHECK_MS, JOIN_WARMUP_MS, planRun, scenarioJob, SCENARIOS, storedIds, TAIL_MS, TRAIN_START_MS, WARMUP_MS, type RunKey, type RunPlan, type SimJob } from './accuracy/plan';
import {
  detectorTable,
  falseByKpiTable,
  falseKindTable,
  incidentAlertTable,
  incidentTable,
  incidentTypeTable,
  qualityTable,
  sweepTable,
  table,
  targetTable,
  visibilityTable,
  type ScoredRun,
} from './accuracy/report';
import { MAX_REFERENCE_DAYS, VISIBLE_Z } from './accuracy/visibility';
import { AFTERMATH_MS, DETECTOR_CONFIGS, QUALITY_VIEW_MS, scoreRun } from './accuracy/score';
import { loadRun, saveRun, simulateRun, type LoadedRun } from './accuracy/simulate';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = fileURLToPath(import.meta.url);
const CACHE_DIR = join(ROOT, '.cache', 'accuracy');
const OBSERVATIONS = /<!-- observations -->[\s\S]*?<!-- \/observations -->/;

const USAGE = `Usage: npm run bench:accuracy -- [options]
  --seeds N          seeds 1..N per scenario (default 3)
  --rate R           simulated events per second (default 20)
  --step D           KPI step, a duration such as 5m (default 5m)
  --train-days N     days of calm training history before each scenario (default 3)
  --scenarios LIST   comma-separated built-in scenarios (default obvious,mixed,subtle)
  --jobs N           simulations at once, in child processes (default: cores, at most 2)
  --fresh            ignore the cache and simulate again
  --out FILE         results file (default bench/results/accuracy.md; "-" for none)`;

function fail(message: string): never {
  console.error(`bench:accuracy: ${message}\n${USAGE}`);
  process.exit(2);
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`${flag}: expected a whole number above 0, got ${text}`);
  return n;
}

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '20' },
    step: { type: 'string', default: '5m' },
    'train-days': { type: 'string', default: '3' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    jobs: { type: 'string', default: String(Math.max(1, Math.min(2, os.cpus().length))) },
    fresh: { type: 'boolean', default: false },
    out: { type: 'string', default: join('bench', 'results', 'accuracy.md') },
    worker: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

// ---- worker: simulate one run into the cache -------------------------------------------------

if (args.worker !== undefined) {
  const { kind, key } = JSON.parse(args.worker) as { kind?: SimJob['kind']; key: RunKey };
  if (kind !== 'calm' && kind !== 'scenario') fail(`--worker: expected {"kind":"calm"|"scenario","key":{...}}, got ${args.worker}`);
  const job = kind === 'calm' ? calmJob(key) : scenarioJob(planRun(key));
  const data = simulateRun(job, (line) => console.error(line));
  saveRun(join(CACHE_DIR, cacheName(job)), data);
  process.exit(0);
}

// ---- main ------------------------------------------------------------------------------------

const wallStarted = performance.now();
// Taken now: the modules were loaded from these files, and they may change while the run goes on.
const analysisDigest = codeDigest(join(ROOT, 'src', 'backend', 'analysis'));
const head = git('rev-parse', '--short', 'HEAD') || 'unknown';
const changedSrc = git('status', '--porcelain', '--', 'src').split('\n').map((line) => line.slice(3).trim()).filter(Boolean);
const seeds = Array.from({ length: positiveInteger(args.seeds!, '--seeds') }, (_, i) => i + 1);
const rate = Number(args.rate);
if (!(rate > 0)) fail(`--rate: expected events per second above 0, got ${args.rate}`);
const stepMs = parseDuration(args.step!);
if (stepMs === undefined || stepMs < 60_000 || DAY_MS % stepMs !== 0) fail(`--step: expected a duration of at least 1m that divides a day, such as 5m, got ${args.step}`);
const trainDays = positiveInteger(args['train-days']!, '--train-days');
const jobs = positiveInteger(args.jobs!, '--jobs');
const scenarios = args.scenarios!.split(',').map((s) => s.trim()).filter(Boolean);
for (const s of scenarios) if (!(SCENARIOS as readonly string[]).includes(s)) fail(`--scenarios: expected some of ${SCENARIOS.join(', ')}, got ${s}`);

interface JobEntry {
  job: SimJob;
  path: string;
  cached: boolean;
  loaded?: LoadedRun;
}

function jobEntry(job: SimJob): JobEntry {
  const path = join(CACHE_DIR, cacheName(job));
  const loaded = args.fresh ? undefined : loadRun(path, job);
  return { job, path, cached: loaded !== undefined, ...(loaded ? { loaded } : {}) };
}

interface RunEntry {
  key: RunKey;
  plan: RunPlan;
  calm: JobEntry;
  part: JobEntry;
}

const calmBySeed = new Map(seeds.map((seed) => [seed, jobEntry(calmJob({ scenario: 'calm', seed, rate, stepMs, trainDays }))]));
const entries: RunEntry[] = scenarios.flatMap((scenario) =>
  seeds.map((seed) => {
    const key: RunKey = { scenario, seed, rate, stepMs, trainDays };
    const plan = planRun(key);
    return { key, plan, calm: calmBySeed.get(seed)!, part: jobEntry(scenarioJob(plan)) };
  }),
);
const allJobs = [...calmBySeed.values(), ...entries.map((e) => e.part)];
const jobHours = (e: JobEntry) => e.job.times.at(-1)! - e.job.simulateFromMs;
const missing = allJobs.filter((e) => !e.cached).sort((a, b) => jobHours(b) - jobHours(a));
console.error(
  `bench:accuracy: ${entries.length} runs (${scenarios.join(', ')} × seeds ${seeds.join(', ')}), rate ${rate} events/s (${usersForRate(rate)} users), step ${args.step}, ` +
    `${trainDays} d training; ${allJobs.length} simulations (a calm training run per seed, a scenario part per run): ${allJobs.length - missing.length} cached, ${missing.length} to simulate with ${jobs} job(s)`,
);

function simulateInChild(entry: JobEntry): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // The child needs the same loader (tsx) as this process; a larger young generation saves GC time.
    const child = spawn(process.execPath, ['--max-semi-space-size=32', ...process.execArgv, SCRIPT, '--worker', JSON.stringify({ kind: entry.job.kind, key: entry.job.key })], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`simulation of ${entry.job.key.scenario} seed ${entry.job.key.seed} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

const simulationStarted = performance.now();
const queue = [...missing];
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      await simulateInChild(entry);
      const loaded = loadRun(entry.path, entry.job);
      if (!loaded) throw new Error(`${relative(ROOT, entry.path)}: the simulation wrote no usable run`);
      entry.loaded = loaded;
      console.error(`bench:accuracy: simulated ${entry.job.key.scenario} seed ${entry.job.key.seed}, ${((performance.now() - wallStarted) / 1000).toFixed(0)} s since start`);
    }
  }),
);
const simulationWallMs = missing.length > 0 ? performance.now() - simulationStarted : 0;

/**
 * A run's series: the calm run's points up to the end of training, the scenario part's after.
 * Where both have the hour after the join, they are compared: the parts must agree there.
 */
interface JoinCheck {
  compared: number;
  /** equal, or within JOIN_TOLERANCE relative: the counters start from 0 at different times, so sums round differently */
  equal: number;
  maxRelative: number;
}
const JOIN_TOLERANCE = 1e-9;
const joinCheck: JoinCheck = { compared: 0, equal: 0, maxRelative: 0 };

function joined(entry: RunEntry): Map<string, Float64Array> {
  const { plan } = entry;
  const calm = entry.calm.loaded!.values;
  const part = entry.part.loaded!.values;
  const out = new Map<string, Float64Array>();
  const checkPoints = Math.round(JOIN_CHECK_MS / plan.key.stepMs);
  for (const id of storedIds(plan.series)) {
    const before = calm.get(id)!;
    const after = part.get(id)!;
    const values = new Float64Array(plan.points);
    values.set(before.subarray(0, plan.trainingPoints));
    values.set(after, plan.trainingPoints);
    out.set(id, values);
    for (let k = 0; k < checkPoints; k++) {
      const a = before[plan.trainingPoints + k]!;
      const b = after[k]!;
      joinCheck.compared++;
      const relative = Object.is(a, b) ? 0 : Number.isNaN(a) || Number.isNaN(b) ? Infinity : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
      if (relative <= JOIN_TOLERANCE) joinCheck.equal++;
      joinCheck.maxRelative = Math.max(joinCheck.maxRelative, relative);
    }
  }
  return out;
}

const scoringStarted = performance.now();
const scored: ScoredRun[] = entries.map((entry) => {
  const started = performance.now();
  const score = scoreRun(entry.plan, joined(entry));
  console.error(`bench:accuracy: scored ${entry.key.scenario} seed ${entry.key.seed} (${entry.plan.series.length} series × ${DETECTOR_CONFIGS.length} detector settings) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { plan: entry.plan, score };
});
const scoringMs = performance.now() - scoringStarted;
const wallMs = performance.now() - wallStarted;

// ---- report ----------------------------------------------------------------------------------

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

function git(...command: string[]): string {
  try {
    // Only the end is trimmed: porcelain status lines start with a status column that may be a space.
    return execFileSync('git', command, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
  } catch {
    return '';
  }
}

/** A digest of the detector and quality code measured (it changes while the detectors are worked on). */
function codeDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) hash.update(relative(ROOT, path)).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 12);
}

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
const command = `npm run bench:accuracy${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const users = usersForRate(rate);
const simulatedMs = allJobs.reduce((n, e) => n + (e.loaded?.data.elapsedMs ?? 0), 0);
const seriesPerRun = entries.map((e) => e.plan.series.length);
const scoredWeeks = scored.reduce((n, r) => n + r.score.weeks, 0);
const quality = qualityTable(scored);
const visibility = visibilityTable(scored);
const hours = (ms: number) => `${ms / 3_600_000} h`;
const joinText = `${joinCheck.equal} of ${joinCheck.compared} values equal within ${JOIN_TOLERANCE} relative (largest difference ${joinCheck.maxRelative.toPrecision(2)}: floating-point rounding, as the counters start from 0 at different times)`;
const madeJobs = allJobs.filter((e) => e.loaded?.data.startedAt !== undefined);
const madeFrom = Math.min(...madeJobs.map((e) => e.loaded!.data.startedAt!));
const madeTo = Math.max(...madeJobs.map((e) => e.loaded!.data.finishedAt!));
const cpuKnown = allJobs.every((e) => e.loaded?.data.cpuMs !== undefined);
const cpuMs = allJobs.reduce((n, e) => n + (e.loaded?.data.cpuMs ?? 0), 0);
const eventsTotal = allJobs.reduce((n, e) => n + (e.loaded?.data.events ?? 0), 0);
const clock = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

const runRows = allJobs.map((e) => [
  e.job.kind === 'calm' ? 'calm training' : e.job.key.scenario,
  String(e.job.key.seed),
  String(e.loaded?.data.users ?? users),
  `${((e.loaded?.data.events ?? 0) / 1e6).toFixed(2)} M`,
  String(Math.round(e.loaded?.data.simulatedHours ?? 0)),
  String(e.job.series.length),
  `${((e.loaded?.data.elapsedMs ?? 0) / 1000).toFixed(0)} s`,
  e.cached ? 'cache' : 'simulated now',
]);

const report = `# Anomaly detection accuracy

\`${command}\` (bench/accuracy.ts): the detectors scored against the simulator's ground truth.

Run on ${new Date().toISOString().slice(0, 10)}, ${os.type()} ${os.release()} ${os.arch()}, ${os.cpus().length} × ${cpuModel()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.
Code: ${head}${changedSrc.length > 0 ? ` with uncommitted changes in ${changedSrc.length <= 5 ? changedSrc.join(', ') : `${changedSrc.length} files under src/`}` : ''}; src/backend/analysis digest ${analysisDigest} (the detector code measured, taken at start).
Seeds ${seeds.join(', ')}; scenarios ${scenarios.join(', ')}; ${rate} events/s (${users} simulated users); step ${args.step}; ${trainDays} days of training.
This invocation: ${minutes(wallMs)} wall, of which simulation ${minutes(simulationWallMs)} (${missing.length} of ${allJobs.length} simulations run now, ${jobs} at a time; ${allJobs.length - missing.length} from the cache) and scoring ${minutes(scoringMs)}.
The simulations behind these numbers: ${(eventsTotal / 1e6).toFixed(1)} M events, made between ${clock(madeFrom)} and ${clock(madeTo)} UTC (${minutes(madeTo - madeFrom)} wall), ${minutes(simulatedMs)} of job time in all${cpuKnown ? `, ${minutes(cpuMs)} of CPU` : ''}.

## Protocol

- **Runs.** For each scenario and seed: ${trainDays} days of calm training history (no incidents) from Monday ${new Date(TRAIN_START_MS).toISOString().slice(0, 16)}Z after ${hours(WARMUP_MS)} of warm-up, then the scenario: its incidents resolved relative to the end of training, scored up to its last incident's end + ${hours(TAIL_MS)}. The simulator runs in process (generator, telemetry delivery, the collector's ingest rules and aggregation, as \`simulateCounters()\` in src/simulator/predict.ts). The calm training is the same for every scenario of a seed, so it is simulated once per seed, and each scenario part from ${hours(JOIN_WARMUP_MS)} before the end of training: the simulator keys every random draw by (seed, tick, segment, arrival), so the part makes exactly the sessions of a continuous run that start after its own start (docs/simulator.md), and only sessions longer than ${hours(JOIN_WARMUP_MS)} could differ at the join. Join check, the hour after the join in both: ${joinText}. The counters are read every ${args.step}, so each point is the KPI over the ${args.step} ending at its timestamp (per-second increase of the counters, evaluated with the catalogue's evaluator as \`predictKpi()\` does; a daily cross-check against \`predictKpi()\` is built in). A ratio whose denominator is 0 in a step has no value (NaN), as in PromQL.
- **Rate.** At ${rate} events/s the whole service has ${users} users; SE and MX are a few per cent of that, so per-market KPIs over ${args.step} rest on a handful of plays, payments or trials: **small markets are noisy at this rate**, and sparse KPIs (payment failures, trial conversion, subscription revenue per market) are mostly empty or lumpy. A real service of a million users has 25 times the counts and far less noise per step.
- **Series.** For every KPI an incident of the scenario moves (\`INCIDENT_SPECS[type].moves\`, plus \`streams\` for duplicate_sender): the aggregate, each of the 8 markets, and the incident's own scope: its scope labels as filters, one series per combination of values when a label lists several. Scope labels a KPI cannot be filtered on are left out (appVersion and network are not metric labels; subscription metrics have no platform), so such an incident is diluted in its own-scope series; the per-incident table says where. Identical series are kept once (an own scope of one market is that market's series). ${Math.min(...seriesPerRun)}–${Math.max(...seriesPerRun)} series per run.
- **Quality, then detection.** As the pipeline does (\`runQualityChecks()\` of src/backend/query/analysis/quality.ts, which calls \`checkQuality\`): the checks run per query answer (the aggregate alone; the 8 market series together, as one grouped-by-market query; each other own scope alone) over the scored range, and their issue masks go to \`detect(grid, { algorithm, historyPoints: training points, dataIssues })\`; events are \`anomalyEvents(grid, detection, { fromIndex: training points })\`. Default settings are detect()'s own: sensitivity ${DEFAULT_SENSITIVITY}, direction both, a flag after ${DEFAULT_MIN_DURATION_POINTS} consecutive points beyond the band, season detected on the history. The history is the ${trainDays} days of training (${trainDays * DAY_MS / stepMs!} points; detect() decides the algorithm, season and scales on at least ${minDecisionPoints(stepMs!)} points). The query pipeline fetches more for auto, seasonal and holt_winters (planDetection(): ${planDetection({ algorithm: 'auto', sensitivity: DEFAULT_SENSITIVITY, direction: 'both', season: 'auto' }, stepMs!).historyPoints} points at this step), so auto there may settle on a weekly season; \`--train-days\` measures that, at the cost of simulating the longer history.
- **Truth.** An incident affects a series when the KPI is one it moves and the series' filters are compatible with its scope (every label the series filters on is outside the scope or has a scoped value). Its window is [start, end + ${GRACE_MS / 60_000} min]; a point stamped t summarises (t − step, t], so the window's points are those whose step overlaps it (for an incident on the grid: start + step to end + ${GRACE_MS / 60_000} min), and an event overlaps the window when one of its points does.
- **Scoring.** An event is a true positive when it overlaps an affecting incident's window; an event that overlaps no such window but the window of a data-quality incident (telemetry_gap, duplicate_sender) in scope is an *anomaly during a data problem* (such events must not page; counted apart); every other event is a false alert. Precision = true-positive events / all events (data-problem events included in all). Recall per (business incident, KPI) on its own scope: detected when an event on one of its own-scope series overlaps the window with the direction of the move; recall on the market series counts each (incident, KPI, market in scope) and on the aggregate each (incident, KPI). *Chance* is the same test on the same series in placebo windows, the incident's window a day earlier and a day later where that stays in the scored span and clear of every incident in the series' scope by ${hours(AFTERMATH_MS)}: how often noise alone passes for a detection (high on noisy series, whose recall it inflates). F1 from precision and own-scope recall. Delay = time of the first flagged point of the move's direction in the window − incident start, own scope (a point summarises the step before its timestamp and a flag needs ${DEFAULT_MIN_DURATION_POINTS} points in a row, so a detection that starts with the incident takes at least ${DEFAULT_MIN_DURATION_POINTS} × ${args.step}; a run of flags already under way when the incident starts counts from its first flagged point in the window, which can be sooner). False alerts per series-week = false alerts / (series × weeks scored); false alerts are further split into calm time, during a scope-compatible incident that does not move that KPI (a side effect the ground truth does not list) and within ${hours(AFTERMATH_MS)} after an incident window (the baseline catching up).
- **Data-quality incidents.** Quality caught = some non-pass check names the incident's \`streams\` series when the checks run on a view of the window ± ${hours(QUALITY_VIEW_MS)} (the same query answers); "window masked" is the share of the window's points the full-range masks marked as data issues (what the detectors were told).
- **Pooling.** All seeds and scenarios are pooled: ${scored.length} runs, ${scoredWeeks.toFixed(1)} run-weeks scored.

## Per detector and scenario (default settings)

${detectorTable(scored, scenarios)}

## Against the target (recall ≥ 0.9 with at most one false alert per series per week)

${targetTable(scored)}

Per incident, as a pager sees it: an incident counts as alerted on when an event on its own scope flags any one of the KPIs it moves, in the move's direction, within its window (the recall above counts each (incident, KPI) apart). Chance is the same test in the placebo windows, any KPI of the incident; "with a visible move" keeps the incidents where some KPI moved by z ≥ ${VISIBLE_Z} (next section).

${incidentAlertTable(scored)}

## Recall by how visible the move is in the data

The ground truth lists every KPI an incident's mechanism moves; at this traffic some of those moves are smaller than the noise of their own series. An oracle that knows the window and the direction (bench/accuracy/visibility.ts) compares the window's points with the same hours of up to ${MAX_REFERENCE_DAYS} clear earlier days and gives the move's size summed over the window, in noise deviations (z, read from the reference days themselves). It is not causal and knows the answer, so a move at z < ${VISIBLE_Z} is not a miss any detector could make good at this traffic; recall on the visible moves is what the detectors lose by themselves.

${visibility.table}

${visibility.placebo}

## False alerts

${falseKindTable(scored)}

False alerts per series-week by KPI, auto:

${falseByKpiTable(scored)}

## Recall per incident type (auto, default settings)

${incidentTypeTable(scored)}

## Per incident (auto, default settings)

${incidentTable(scored, scenarios)}

## Sensitivity sweep (auto)

${sweepTable(scored, scenarios)}

## Data-quality incidents

${quality.summary}

${quality.table}

## Runs

${table(['Simulation', 'Seed', 'Users', 'Events', 'Simulated h', 'Series', 'Time', 'Source'], runRows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'])}
`;

console.log(report);
console.log(`Wall time: ${minutes(wallMs)} (simulation ${minutes(simulationWallMs)}, scoring ${minutes(scoringMs)})`);

if (args.out !== '-') {
  const out = resolve(ROOT, args.out!);
  const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const observations = previous.match(OBSERVATIONS)?.[0];
  writeFileSync(out, observations ? `${report}\n## Observations\n\n${observations}\n` : report);
  console.error(`bench:accuracy: wrote ${relative(ROOT, out)}`);
}
