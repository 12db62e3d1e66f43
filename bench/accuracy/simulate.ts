import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ActiveUsers } from '../../src/collector/aggregation/active-users';
import { streamingRecorder, type Labels } from '../../src/collector/aggregation/aggregate';
import { DEFAULTS as COLLECTOR_DEFAULTS } from '../../src/collector/config';
import { Ingest } from '../../src/collector/ingest/batch';
import type { StreamingEvent } from '../../src/common/events/schema';
import { REFERENCE_USD_RATES } from '../../src/common/exchange-rates';
import { findKpi, shareEvents } from '../../src/common/kpis/catalogue';
import { STREAMING_METRICS } from '../../src/common/streaming-metrics';
import { evaluateKpi, type RateData, type RateSample } from '../../src/common/kpis/evaluate';
import type { KpiExpr } from '../../src/common/kpis/expression';
import { OpenMetricsSink } from '../../src/simulator/backfill/openmetrics-sink';
import { Simulation } from '../../src/simulator/generate/engine';
import { usersForRate } from '../../src/simulator/generate/scale';
import { deliver } from '../../src/simulator/generate/telemetry';
import { IncidentSet } from '../../src/simulator/model/incidents';
import { predictKpi, window, windowRates, type Counters } from '../../src/simulator/predict';
import { RESENT_LABELS, RESENT_SIDES } from '../../src/backend/analysis/quality';
import { HOUR_MS, resentSideIds, shareEventsId, storedIds, type RunKey, type SeriesSpec, type SimJob } from './plan';

/**
 * One simulation job (plan.ts): the simulator in process from its warm-up to its end, the
 * counters read every step, and every planned KPI series evaluated on each window between two
 * readings with the catalogue's own evaluator. This is simulateCounters() of
 * src/simulator/predict.ts (same generator, delivery, collector rules and aggregation) with the
 * readings handed over one at a time: keeping all of them (thousands of readings of ~7,500
 * series) would take gigabytes.
 */

/** 2: with the received-events sides of the volume series (resentSideIds); 3: the collector drops resends under new ids by content; 4: with the events of the share series (shareEventsId) */
const FORMAT = 4;
const VERIFY_EVERY_POINTS = 288;

export interface RunData {
  format: number;
  fingerprint: string;
  kind: SimJob['kind'];
  key: RunKey;
  users: number;
  events: number;
  simulatedHours: number;
  elapsedMs: number;
  /** epoch ms; absent in older cache files (then taken from the file's time) */
  startedAt?: number;
  finishedAt?: number;
  /** user + system CPU time of the simulating process */
  cpuMs?: number;
  /** series id -> values of the grid, base64 of a Float64Array (NaN = no value) */
  series: Record<string, string>;
}

export interface LoadedRun {
  data: RunData;
  values: Map<string, Float64Array>;
}

/** What the cached numbers depend on besides the key: the incidents, the timeline and the series planned. */
export function fingerprint(job: SimJob): string {
  const text = JSON.stringify({ FORMAT, kind: job.kind, incidents: job.incidents, from: job.simulateFromMs, times: [job.times[0], job.times.at(-1)], series: job.series.map((s) => s.id) });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const GAUGE_NAMES = new Set<string>(Object.values(STREAMING_METRICS).filter((m) => m.type === 'gauge').map((m) => m.name));

function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

/**
 * Per-second rates of one window, each metric read once however many KPIs use it: windowRates()
 * of predict.ts (counters: increase over the window, a series new in the window from 0; gauges:
 * the value at the end), without its JSON keys. The sink lists each family's series in the order
 * they appeared, so the window's start lines up with its end by position; the labels are checked,
 * and windowRates() answers when they do not line up.
 */
function windowRatesFast(from: Counters, fromMs: number, to: Counters, toMs: number): RateData {
  const seconds = (toMs - fromMs) / 1000;
  const cache = new Map<string, RateSample[]>();
  let slow: RateData | undefined;
  return {
    series(name: string) {
      const cached = cache.get(name);
      if (cached) return cached;
      const end = to.get(name) ?? [];
      let samples: RateSample[];
      if (GAUGE_NAMES.has(name)) samples = end;
      else {
        const start = from.get(name) ?? [];
        const aligned = start.length <= end.length && start.every((s, i) => sameLabels(s.labels, end[i]!.labels));
        if (aligned) samples = end.map((s, i) => ({ labels: s.labels, value: (s.value - (start[i]?.value ?? 0)) / seconds }));
        else samples = [...(slow ??= windowRates(window(from, fromMs, to, toMs))).series(name)];
      }
      cache.set(name, samples);
      return samples;
    },
  };
}

export interface Progress {
  (line: string): void;
}

export function simulateRun(job: SimJob, progress: Progress): RunData {
  const { key } = job;
  const points = job.times.length - 1;
  const started = performance.now();
  const startedAt = Date.now();
  const cpuBefore = process.cpuUsage();
  const users = usersForRate(key.rate);
  const incidents = new IncidentSet(job.incidents);
  const simulation = new Simulation({ seed: key.seed, users, startMs: job.simulateFromMs, incidents });
  const sink = new OpenMetricsSink();
  const activeUsers = new ActiveUsers(COLLECTOR_DEFAULTS.activeWindowMs);
  const ingest = new Ingest(COLLECTOR_DEFAULTS, streamingRecorder(sink, activeUsers), job.simulateFromMs);
  const rates = Object.entries(REFERENCE_USD_RATES).map(([currency, value]) => ({ labels: { currency }, value }));

  // Evaluation plan: per KPI one aggregate query, one query grouped by market, one per own scope.
  const values = new Map(storedIds(job.series).map((id) => [id, new Float64Array(points).fill(NaN)]));
  const byKpi = new Map<string, typeof job.series>();
  for (const spec of job.series) {
    const list = byKpi.get(spec.kpi) ?? [];
    list.push(spec);
    byKpi.set(spec.kpi, list);
  }
  const evaluateWindow = (point: number, from: Counters, fromMs: number, to: Counters, toMs: number) => {
    const data = windowRatesFast(from, fromMs, to, toMs);
    for (const [kpiId, specs] of byKpi) {
      const kpi = findKpi(kpiId)!;
      const evaluate = (formula: KpiExpr) => {
        const markets = new Map(evaluateKpi(formula, data, { groupBy: ['market'] }).map((g) => [g.labels.market, g.value]));
        return (spec: SeriesSpec) => (spec.level === 'market' ? markets.get(spec.filters[0]!.value) : evaluateKpi(formula, data, { filters: spec.filters })[0]?.value) ?? NaN;
      };
      const valueOf = evaluate(kpi.formula);
      const events = shareEvents(kpi);
      const eventsOf = events ? evaluate(events) : undefined;
      for (const spec of specs) {
        values.get(spec.id)![point] = valueOf(spec);
        const eventsId = shareEventsId(spec);
        if (eventsId && eventsOf) values.get(eventsId)![point] = eventsOf(spec);
        const sides = resentSideIds(spec);
        if (sides) {
          const filters = spec.filters.filter((f) => RESENT_LABELS.includes(f.label));
          values.get(sides.resent)![point] = evaluateKpi(RESENT_SIDES.resent, data, { filters })[0]?.value ?? NaN;
          values.get(sides.received)![point] = evaluateKpi(RESENT_SIDES.received, data, { filters })[0]?.value ?? NaN;
        }
      }
    }
    // Once a simulated day, the same window through predictKpi(), the documented way: they must agree.
    if (point % VERIFY_EVERY_POINTS !== 0) return;
    const counters = window(from, fromMs, to, toMs);
    for (const spec of job.series) {
      const expected = predictKpi(findKpi(spec.kpi)!, counters, { filters: spec.filters })[0]?.value ?? NaN;
      const got = values.get(spec.id)![point]!;
      if (!(Object.is(expected, got) || Math.abs(expected - got) <= 1e-9 * Math.max(1, Math.abs(expected)))) {
        throw new Error(`${spec.id} at ${new Date(toMs).toISOString()}: ${got} here, ${expected} from predictKpi()`);
      }
    }
  };

  let events = 0;
  let previous: { counters: Counters; ms: number } | undefined;
  const endMs = job.times.at(-1)!;
  const totalHours = (endMs - job.simulateFromMs) / HOUR_MS;
  let lastReport = performance.now();
  const label = `${key.scenario} seed ${key.seed}`;
  job.times.forEach((untilMs, index) => {
    let batch: StreamingEvent[] = [];
    simulation.advance(untilMs, (out) => {
      batch.push(...deliver(out, incidents));
      if (batch.length >= 1000) {
        events += batch.length;
        ingest.process(batch, out.timeMs);
        batch = [];
      }
    });
    if (batch.length > 0) {
      events += batch.length;
      ingest.process(batch, untilMs);
    }
    sink.readGauges({ activeUsers: () => activeUsers.counts(untilMs), exchangeRate: () => rates });
    const counters = sink.current();
    if (previous) evaluateWindow(index - 1, previous.counters, previous.ms, counters, untilMs);
    previous = { counters, ms: untilMs };
    const now = performance.now();
    if (now - lastReport > 30_000 || index === job.times.length - 1) {
      lastReport = now;
      const hours = (untilMs - job.simulateFromMs) / HOUR_MS;
      progress(`[${label}] ${hours.toFixed(0)}/${totalHours.toFixed(0)} simulated h, ${(events / 1e6).toFixed(2)} M events, ${((now - started) / 1000).toFixed(0)} s elapsed`);
    }
  });

  const series: Record<string, string> = {};
  for (const [id, array] of values) series[id] = Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
  return {
    format: FORMAT,
    fingerprint: fingerprint(job),
    kind: job.kind,
    key,
    users,
    events,
    simulatedHours: totalHours,
    elapsedMs: performance.now() - started,
    startedAt,
    finishedAt: Date.now(),
    cpuMs: (() => {
      const cpu = process.cpuUsage(cpuBefore);
      return (cpu.user + cpu.system) / 1000;
    })(),
    series,
  };
}

export function saveRun(path: string, data: RunData): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(data));
  renameSync(temporary, path);
}

/** The cached job, or undefined when there is none or it was made for another plan. */
export function loadRun(path: string, job: SimJob): LoadedRun | undefined {
  if (!existsSync(path)) return undefined;
  let data: RunData;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as RunData;
  } catch {
    return undefined;
  }
  if (data.format !== FORMAT || data.fingerprint !== fingerprint(job)) return undefined;
  data.finishedAt ??= statSync(path).mtimeMs;
  data.startedAt ??= data.finishedAt - data.elapsedMs;
  const values = new Map<string, Float64Array>();
  for (const id of storedIds(job.series)) {
    const text = data.series[id];
    if (text === undefined) return undefined;
    const bytes = Buffer.from(text, 'base64');
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    const array = new Float64Array(copy.buffer);
    if (array.length !== job.times.length - 1) return undefined;
    values.set(id, array);
  }
  return { data, values };
}
