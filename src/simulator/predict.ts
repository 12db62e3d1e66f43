import { ActiveUsers } from '../collector/aggregation/active-users';
import { streamingRecorder, type Labels } from '../collector/aggregation/aggregate';
import { DEFAULTS as COLLECTOR_DEFAULTS } from '../collector/config';
import { Ingest } from '../collector/ingest/batch';
import type { StreamingEvent } from '../common/events/schema';
import { REFERENCE_USD_RATES } from '../common/exchange-rates';
import type { KpiDefinition } from '../common/kpis/catalogue';
import { evaluateKpi, type EvaluateOptions, type GroupValue, type RateData } from '../common/kpis/evaluate';
import { STREAMING_METRICS } from '../common/streaming-metrics';
import { OpenMetricsSink } from './backfill/openmetrics-sink';
import { Simulation } from './generate/engine';
import { deliver } from './generate/telemetry';
import type { IncidentSet } from './model/incidents';

/**
 * What the model says a KPI query over a window should answer: the simulation run in process
 * (same generator, same collector rules and aggregation as live and backfill, no I/O), the
 * counters read at both ends of the window, and the KPI formula evaluated on the per-second
 * increase with the catalogue's own evaluator. Run it with other seeds than the one under test
 * and the spread of the answers says how far chance alone moves the KPI at that traffic.
 */

export interface WindowRun {
  seed: number;
  users: number;
  incidents: IncidentSet;
  /** the window the KPI covers */
  fromMs: number;
  toMs: number;
  /** simulated before `fromMs`, so the window sees sessions in flight (as the run under test did) */
  simulateFromMs: number;
  markets?: readonly string[];
}

export interface WindowCounters {
  fromMs: number;
  toMs: number;
  from: Counters;
  to: Counters;
}

export function simulateWindow(run: WindowRun): WindowCounters {
  const [from, to] = simulateCounters(run, [run.fromMs, run.toMs]);
  return { fromMs: run.fromMs, toMs: run.toMs, from: from!, to: to! };
}

export type Counters = Map<string, Array<{ labels: Labels; value: number }>>;

/** Every series' value at each of `times` (ascending), from one run. */
export function simulateCounters(run: Omit<WindowRun, 'fromMs' | 'toMs'>, times: readonly number[]): Counters[] {
  const simulation = new Simulation({ seed: run.seed, users: run.users, startMs: run.simulateFromMs, incidents: run.incidents, markets: run.markets });
  const sink = new OpenMetricsSink();
  const activeUsers = new ActiveUsers(COLLECTOR_DEFAULTS.activeWindowMs);
  const ingest = new Ingest(COLLECTOR_DEFAULTS, streamingRecorder(sink, activeUsers), run.simulateFromMs);
  const rates = Object.entries(REFERENCE_USD_RATES).map(([currency, value]) => ({ labels: { currency }, value }));
  return times.map((untilMs) => {
    let batch: StreamingEvent[] = [];
    simulation.advance(untilMs, (out) => {
      batch.push(...deliver(out, run.incidents));
      if (batch.length >= 1000) {
        ingest.process(batch, out.timeMs);
        batch = [];
      }
    });
    if (batch.length > 0) ingest.process(batch, untilMs);
    sink.readGauges({ activeUsers: () => activeUsers.counts(untilMs), exchangeRate: () => rates });
    return sink.current();
  });
}

/** The window between two snapshots of simulateCounters. */
export function window(from: Counters, fromMs: number, to: Counters, toMs: number): WindowCounters {
  return { fromMs, toMs, from, to };
}

const GAUGE_NAMES = new Set<string>(Object.values(STREAMING_METRICS).filter((m) => m.type === 'gauge').map((m) => m.name));

/** Per-second rates over the window (gauges: their value at the end), as RateData. */
export function windowRates(counters: WindowCounters): RateData {
  const seconds = (counters.toMs - counters.fromMs) / 1000;
  return {
    series(name: string) {
      const end = counters.to.get(name) ?? [];
      if (GAUGE_NAMES.has(name)) return end;
      const start = new Map((counters.from.get(name) ?? []).map((s) => [JSON.stringify(s.labels), s.value]));
      return end.map((s) => ({ labels: s.labels, value: (s.value - (start.get(JSON.stringify(s.labels)) ?? 0)) / seconds }));
    },
  };
}

export function predictKpi(kpi: KpiDefinition, counters: WindowCounters, options: EvaluateOptions = {}): GroupValue[] {
  return evaluateKpi(kpi.formula, windowRates(counters), options);
}
