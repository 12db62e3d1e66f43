import { UpstreamError } from '../errors';
import type { InstantQuery, MetadataQuery, RangeQuery, Series, Source, SourceHealth } from '../source';
import { evaluate, type EvalEnv, type Value, type VSeries } from './evaluate';
import { seedHash } from '../../../common/synthetic/hash';
import { DEMO_DEFAULT_SEED, INCIDENT_SLOT_MS, incidentsBetween, type DemoIncident } from './incidents';
import { MARKET_CODES, METRIC_NAMES, PLATFORMS, demoCatalogue, type DemoSeries } from './model';
import { matchesSelector, parsePromql, parseSeriesSelector, type Expr } from './promql';
import { renderSeries } from './series';
import { SAMPLE_MS } from '../../../common/synthetic/seasonality';

/**
 * The embedded source Encore serves when no store is configured: synthetic streaming metrics
 * computed on the fly from the model, with the same API behaviour as a Prometheus source
 * (sorted matrices, 400s for bad PromQL, the 11,000-point limit, no samples after now).
 */

export interface DemoSourceOptions {
  /** any safe integer; the same seed always produces the same data and incidents */
  seed?: number;
  /** the clock: samples after now() do not exist yet */
  now?: () => number;
}

export interface DemoSource extends Source {
  readonly kind: 'demo';
  readonly seed: number;
  /** the incidents behind the data, for annotations and for scoring detectors */
  incidents(fromMs: number, toMs: number): DemoIncident[];
}

export const DEMO_HEALTH_MESSAGE = 'Demo source: synthetic streaming metrics (no upstream configured)';
/** Prometheus' limit on points per series of a range query. */
export const MAX_POINTS_PER_SERIES = 11_000;
/** JavaScript dates end here; timestamps beyond cannot be shown anyway. */
const MAX_TIME_MS = 8.64e15;

export function createDemoSource(options: DemoSourceOptions = {}): DemoSource {
  const seed = options.seed ?? DEMO_DEFAULT_SEED;
  const folded = seedHash(seed);
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new TypeError('demo source option `now` must be a function returning epoch milliseconds');
  }
  const clock = options.now ?? Date.now;
  const now = (): number => {
    const t = clock();
    if (!Number.isFinite(t)) throw new TypeError(`demo source clock returned ${String(t)}, expected epoch milliseconds`);
    return t;
  };
  const catalogue = demoCatalogue();

  const run = (expr: string, times: Float64Array, instant: boolean): Series[] => {
    const ast = parsePromql(expr);
    const ctx = {
      seed: folded,
      incidents: incidentsAround(folded, times),
      nowMs: now(),
    };
    const env: EvalEnv = {
      points: times.length,
      select: (selector) => {
        const out: VSeries[] = [];
        for (const series of catalogue) {
          if (!matchesSelector(selector, series.labels)) continue;
          const rendered = renderSeries(series, times, ctx);
          if (rendered.present === null || rendered.present.includes(1)) out.push({ labels: series.labels, ...rendered });
        }
        return out;
      },
    };
    return toSeries(evaluate(ast, env), times, instant ? instantOrder(ast) : undefined);
  };

  const matching = (query: MetadataQuery): readonly DemoSeries[] => {
    checkMetadataQuery(query);
    if (query.start !== undefined && query.start > now()) return [];
    if (!query.match || query.match.length === 0) return catalogue;
    const selectors = query.match.map((text) => parseSeriesSelector(text));
    return catalogue.filter((s) => selectors.some((selector) => matchesSelector(selector, s.labels)));
  };

  return {
    kind: 'demo',
    seed,

    async queryRange(query: RangeQuery): Promise<Series[]> {
      query.signal?.throwIfAborted();
      return run(query.expr, rangeTimes(query), false);
    },

    async queryInstant(query: InstantQuery): Promise<Series[]> {
      query.signal?.throwIfAborted();
      checkTime('time', query.time);
      return run(query.expr, Float64Array.of(query.time), true);
    },

    async metricNames(query: MetadataQuery): Promise<string[]> {
      query.signal?.throwIfAborted();
      return answer(
        matching(query).map((s) => s.metric.name),
        query,
      );
    },

    async labelNames(query: MetadataQuery): Promise<string[]> {
      query.signal?.throwIfAborted();
      return answer(
        matching(query).flatMap((s) => Object.keys(s.labels)),
        query,
      );
    },

    async labelValues(label: string, query: MetadataQuery): Promise<string[]> {
      query.signal?.throwIfAborted();
      if (typeof label !== 'string' || label === '') throw new UpstreamError('bad_query', 'label name must be a non-empty string');
      const values: string[] = [];
      for (const s of matching(query)) {
        const value = s.labels[label];
        if (value !== undefined) values.push(value);
      }
      return answer(values, query);
    },

    async health(signal?: AbortSignal): Promise<SourceHealth> {
      signal?.throwIfAborted();
      const t = now();
      return {
        ok: true,
        message: DEMO_HEALTH_MESSAGE,
        details: {
          source: 'demo',
          series: catalogue.length,
          metrics: METRIC_NAMES.length,
          markets: [...MARKET_CODES],
          platforms: [...PLATFORMS],
          seed,
          sampleIntervalSeconds: SAMPLE_MS / 1000,
          activeIncidents: incidentsBetween(folded, t, t)
            .filter((i) => i.start <= t && t < i.end)
            .map((i) => i.title),
        },
      };
    },

    incidents(fromMs: number, toMs: number): DemoIncident[] {
      return incidentsBetween(folded, fromMs, toMs);
    },
  };
}

/**
 * The incidents that can touch samples read at these timestamps. A timestamp reads the sample at
 * or before it, so each point needs the window (t - SAMPLE_MS, t]; with a huge step the points are
 * far apart and are looked up one by one instead of scanning every slot in between.
 */
function incidentsAround(seed: number, times: Float64Array): DemoIncident[] {
  const first = times[0]!;
  const last = times[times.length - 1]!;
  if ((last - first) / INCIDENT_SLOT_MS <= 4 * times.length + 8) return incidentsBetween(seed, first - SAMPLE_MS, last);
  const byId = new Map<string, DemoIncident>();
  for (const t of times) for (const incident of incidentsBetween(seed, t - SAMPLE_MS, t)) byId.set(incident.id, incident);
  return [...byId.values()];
}

function badQuery(message: string): UpstreamError {
  return new UpstreamError('bad_query', message);
}

function checkTime(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw badQuery(`${name} must be finite epoch milliseconds, got ${String(value)}`);
  }
  if (Math.abs(value) > MAX_TIME_MS) throw badQuery(`${name} ${value} is outside the representable date range`);
}

/** start, start + step, ... up to end inclusive, as a Prometheus range query evaluates. */
function rangeTimes(query: RangeQuery): Float64Array {
  checkTime('start', query.start);
  checkTime('end', query.end);
  const { start, end, stepMs } = query;
  if (typeof stepMs !== 'number' || !Number.isFinite(stepMs) || stepMs <= 0) {
    throw badQuery(`step must be a positive number of milliseconds, got ${String(stepMs)}`);
  }
  if (end < start) throw badQuery(`end (${end}) must not be before start (${start})`);
  const points = Math.floor((end - start) / stepMs) + 1;
  if (points > MAX_POINTS_PER_SERIES) {
    throw new UpstreamError(
      'limit',
      `the query asks for ${points} points per series; the demo source, like Prometheus, allows at most ` +
        `${MAX_POINTS_PER_SERIES}: use a larger step or a shorter range`,
    );
  }
  const times = new Float64Array(points);
  for (let i = 0; i < points; i++) times[i] = start + i * stepMs;
  return times;
}

function checkMetadataQuery(query: MetadataQuery): void {
  if (query.match !== undefined && (!Array.isArray(query.match) || query.match.some((m) => typeof m !== 'string'))) {
    throw badQuery('match[] must be a list of series selectors (strings)');
  }
  if (query.start !== undefined) checkTime('start', query.start);
  if (query.end !== undefined) checkTime('end', query.end);
  if (query.start !== undefined && query.end !== undefined && query.end < query.start) {
    throw badQuery(`end (${query.end}) must not be before start (${query.start})`);
  }
  if (query.search !== undefined && typeof query.search !== 'string') throw badQuery('search must be a string');
  if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 0)) {
    throw badQuery(`limit must be a non-negative integer (0 = no limit), got ${String(query.limit)}`);
  }
}

/** Distinct, sorted, filtered by the case-insensitive search, cut at the limit. */
function answer(values: Iterable<string>, query: MetadataQuery): string[] {
  const needle = query.search?.toLowerCase() ?? '';
  const out = [...new Set(values)].filter((v) => needle === '' || v.toLowerCase().includes(needle)).sort();
  return query.limit ? out.slice(0, query.limit) : out;
}

/** Prometheus returns an instant topk/bottomk in rank order; everything else is sorted by labels. */
function instantOrder(ast: Expr): 'desc' | 'asc' | undefined {
  if (ast.type !== 'aggregate') return undefined;
  return ast.op === 'topk' ? 'desc' : ast.op === 'bottomk' ? 'asc' : undefined;
}

function toSeries(value: Value, times: Float64Array, rank: 'desc' | 'asc' | undefined): Series[] {
  const n = times.length;
  if (value.type === 'scalar') {
    return [{ labels: {}, timestamps: toArray(times, n), values: new Array<number>(n).fill(value.value) }];
  }
  const out: Series[] = [];
  for (const s of value.series) {
    if (s.present === null) {
      out.push({ labels: { ...s.labels }, timestamps: toArray(times, n), values: toArray(s.values, n) });
      continue;
    }
    const ts: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!s.present[i]) continue;
      ts.push(times[i]!);
      vs.push(s.values[i]!);
    }
    if (ts.length > 0) out.push({ labels: { ...s.labels }, timestamps: ts, values: vs });
  }
  if (rank) {
    const sign = rank === 'desc' ? -1 : 1;
    return out.sort((a, b) => rankCompare(a.values[0]!, b.values[0]!, sign) || compareLabels(a.labels, b.labels));
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

/** A plain array copy; a sized array filled in a loop is several times faster than Array.from here. */
function toArray(values: Float64Array, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = values[i]!;
  return out;
}

function rankCompare(a: number, b: number, sign: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  return a === b ? 0 : sign * (a < b ? -1 : 1);
}

/** Prometheus' label-set order: label by label in name order, name then value; a prefix sorts first. */
export function compareLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): number {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const na = ka[i]!;
    const nb = kb[i]!;
    if (na !== nb) return na < nb ? -1 : 1;
    const va = a[na]!;
    const vb = b[nb]!;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return ka.length - kb.length;
}
