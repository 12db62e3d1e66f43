import { findKpi, kpiLabels, type KpiDefinition } from '../../src/common/kpis/catalogue';
import type { LabelFilter } from '../../src/common/kpis/filters';
import { BUILTIN_SCENARIOS } from '../../src/simulator/model/builtin-scenarios';
import { INCIDENT_SPECS, movedKpis, type Incident, type Scope, type ScopeLabel } from '../../src/simulator/model/incidents';
import { MARKETS } from '../../src/simulator/model/population';
import { resolveIncidents, type Scenario } from '../../src/simulator/model/scenario';

/**
 * What one accuracy run is, before anything is simulated: the timeline (warm-up, calm training,
 * the scenario), the incidents at absolute times, and the KPI series to evaluate with the ground
 * truth each one carries. The worker that simulates and the scorer both build it from the same
 * inputs, so the cache holds only numbers.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

/** Training starts on a Monday at midnight UTC; the date itself does not matter. */
export const TRAIN_START_MS = Date.parse('2026-11-02T00:00:00Z');
/** Simulated before training starts, so sessions are in flight from the first point (the backfill default). */
export const WARMUP_MS = 2 * HOUR_MS;
/**
 * The scenario part is simulated from this long before training ends. Randomness is keyed by
 * (seed, tick, segment, arrival), so it makes exactly the sessions of the calm run that start after
 * its own start; only sessions longer than this would be missing at the join.
 */
export const JOIN_WARMUP_MS = 6 * HOUR_MS;
/** The calm run goes on this long past the join, to compare both parts there. */
export const JOIN_CHECK_MS = HOUR_MS;
/** The scored span runs this long after the scenario's last incident ends. */
export const TAIL_MS = 12 * HOUR_MS;
/** An incident's effect may linger in the KPI for a few points after it ends. */
export const GRACE_MS = 15 * 60_000;
export const SCENARIOS = ['obvious', 'mixed', 'subtle'] as const;
export const MARKET_CODES: readonly string[] = MARKETS.map((m) => m.code);

export interface RunKey {
  scenario: string;
  seed: number;
  rate: number;
  stepMs: number;
  trainDays: number;
}

export type Level = 'aggregate' | 'market' | 'scope';

export interface SeriesSpec {
  /** unique within the run: `kpi{label="value",...}` */
  id: string;
  kpi: string;
  level: Level;
  filters: LabelFilter[];
  /** series checked together by the quality checks, as one query answer would be */
  answer: string;
}

/**
 * The collector's received-events counter in a volume series' scope, resent and in all, as the
 * resent-events check of a quality report reads it (src/backend/analysis/quality/resent.ts):
 * evaluated beside the `streams` series and stored under these ids.
 */
export function resentSideIds(spec: SeriesSpec): { resent: string; received: string } | undefined {
  return spec.kpi === 'streams' ? { resent: `resent|${spec.id}`, received: `received|${spec.id}` } : undefined;
}

/**
 * The events a share KPI's series is a share of (catalogue shareEvents: plays for the failure
 * rate), per second, as the pipeline fetches them for detect()'s `events`: stored under this id.
 */
export function shareEventsId(spec: SeriesSpec): string | undefined {
  return findKpi(spec.kpi)?.share ? `events|${spec.id}` : undefined;
}

/** What a simulation stores: the planned series, the received-events sides beside the volume ones, the events beside the shares. */
export function storedIds(series: readonly SeriesSpec[]): string[] {
  return series.flatMap((spec) => {
    const sides = resentSideIds(spec);
    const events = shareEventsId(spec);
    return [spec.id, ...(sides ? [sides.resent, sides.received] : []), ...(events ? [events] : [])];
  });
}

export interface OwnScope {
  kpi: string;
  direction: 'up' | 'down';
  /** the incident's own scope projected on the KPI's labels: one series per combination of values */
  seriesIds: string[];
  /** scope labels the KPI cannot filter on (appVersion, network, ...): the effect is diluted */
  dropped: string[];
}

export interface PlannedIncident {
  incident: Incident;
  dataQuality?: 'gap' | 'duplicates';
  windowStartMs: number;
  windowEndMs: number;
  /** business incidents: the KPIs moved; data-quality incidents: the volume KPI, to see what it does */
  own: OwnScope[];
}

/**
 * One simulation: the calm training run of a seed (shared by every scenario; it evaluates the
 * series of all built-in scenarios) or the scenario part of a run.
 */
export interface SimJob {
  kind: 'calm' | 'scenario';
  key: RunKey;
  simulateFromMs: number;
  /** counter readings; point i is the window (times[i], times[i + 1]], stamped times[i + 1] */
  times: number[];
  series: SeriesSpec[];
  incidents: Incident[];
}

export interface RunPlan {
  key: RunKey;
  /** time of point 0 */
  gridStartMs: number;
  points: number;
  /** points of calm training history before the scenario starts */
  trainingPoints: number;
  scenarioStartMs: number;
  endMs: number;
  incidents: PlannedIncident[];
  series: SeriesSpec[];
}

export function scenarioByName(name: string): Scenario {
  const scenario = BUILTIN_SCENARIOS.get(name);
  if (!scenario) throw new Error(`unknown scenario ${name}; expected one of ${[...BUILTIN_SCENARIOS.keys()].join(', ')}`);
  return scenario;
}

/** The metric label a scope label is exported as (contentType is content_type; appVersion and network are not exported). */
const METRIC_LABEL: Partial<Record<ScopeLabel, string>> = { market: 'market', platform: 'platform', tier: 'tier', contentType: 'content_type' };
const SCOPE_LABEL_OF: Record<string, ScopeLabel> = { market: 'market', platform: 'platform', tier: 'tier', content_type: 'contentType' };

export function seriesId(kpi: string, filters: readonly LabelFilter[]): string {
  const sorted = [...filters].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return `${kpi}{${sorted.map((f) => `${f.label}="${f.value}"`).join(',')}}`;
}

/** Every label the series filters on is either outside the scope or has a scoped value. */
export function compatible(filters: readonly LabelFilter[], scope: Scope): boolean {
  return filters.every((filter) => {
    const label = SCOPE_LABEL_OF[filter.label];
    const wanted = label ? scope[label] : undefined;
    return !wanted || wanted.includes(filter.value);
  });
}

function kpi(id: string): KpiDefinition {
  const found = findKpi(id);
  if (!found) throw new Error(`incident moves KPI ${id}, which the catalogue does not know`);
  return found;
}

/** Filter sets for a scope on a KPI: one per combination of scoped values the KPI can filter on. */
function projectScope(kpiId: string, scope: Scope): { filterSets: LabelFilter[][]; dropped: string[] } {
  const queryable = new Set(kpiLabels(kpi(kpiId)));
  let filterSets: LabelFilter[][] = [[]];
  const dropped: string[] = [];
  for (const [label, values] of Object.entries(scope) as Array<[ScopeLabel, readonly string[]]>) {
    const metricLabel = METRIC_LABEL[label];
    if (!metricLabel || !queryable.has(metricLabel)) {
      dropped.push(label);
      continue;
    }
    filterSets = filterSets.flatMap((set) => values.map((value) => [...set, { label: metricLabel, op: '=' as const, value }]));
  }
  return { filterSets, dropped };
}

export function planRun(key: RunKey): RunPlan {
  const scenario = scenarioByName(key.scenario);
  const { stepMs } = key;
  const scenarioStartMs = TRAIN_START_MS + key.trainDays * DAY_MS;
  const incidents = resolveIncidents(scenario, scenarioStartMs);
  const lastEnd = Math.max(scenarioStartMs, ...incidents.map((i) => i.endMs));
  const endMs = TRAIN_START_MS + Math.ceil((lastEnd + TAIL_MS - TRAIN_START_MS) / stepMs) * stepMs;
  const trainingPoints = Math.round((scenarioStartMs - TRAIN_START_MS) / stepMs);

  const specs = new Map<string, SeriesSpec>();
  const add = (kpiId: string, level: Level, filters: LabelFilter[], answer: string): string => {
    const id = seriesId(kpiId, filters);
    if (!specs.has(id)) specs.set(id, { id, kpi: kpiId, level, filters, answer });
    return id;
  };
  // Aggregate and market series first, so an own scope that equals one of them is that series.
  const kpis = new Set<string>();
  const moves = (incident: Incident) => {
    const moved = movedKpis(incident);
    // A data problem that moves nothing measurable still gets its volume series, to see what fires there.
    if (INCIDENT_SPECS[incident.type].dataQuality && !moved.some((m) => m.kpi === 'streams')) moved.push({ kpi: 'streams', direction: 'up' });
    return moved;
  };
  for (const incident of incidents) for (const move of moves(incident)) kpis.add(move.kpi);
  for (const id of kpis) {
    add(id, 'aggregate', [], `${id}:aggregate`);
    for (const market of MARKET_CODES) add(id, 'market', [{ label: 'market', op: '=', value: market }], `${id}:market`);
  }
  const planned = incidents.map((incident): PlannedIncident => {
    const dataQuality = INCIDENT_SPECS[incident.type].dataQuality;
    const own = moves(incident).map((move): OwnScope => {
      const { filterSets, dropped } = projectScope(move.kpi, incident.scope);
      const seriesIds = filterSets.map((filters) => add(move.kpi, 'scope', filters, seriesId(move.kpi, filters)));
      return { kpi: move.kpi, direction: move.direction, seriesIds, dropped };
    });
    return { incident, ...(dataQuality ? { dataQuality } : {}), windowStartMs: incident.startMs, windowEndMs: incident.endMs + GRACE_MS, own };
  });
  return {
    key,
    gridStartMs: TRAIN_START_MS + stepMs,
    points: Math.round((endMs - TRAIN_START_MS) / stepMs),
    trainingPoints,
    scenarioStartMs,
    endMs,
    incidents: planned,
    series: [...specs.values()],
  };
}

function readings(fromMs: number, toMs: number, stepMs: number): number[] {
  const times: number[] = [];
  for (let t = fromMs; t <= toMs; t += stepMs) times.push(t);
  return times;
}

/** The calm training run of a seed: warm-up, training, and JOIN_CHECK_MS beyond, for every built-in scenario's series. */
export function calmJob(key: RunKey): SimJob {
  const calmKey: RunKey = { ...key, scenario: 'calm' };
  const series = new Map<string, SeriesSpec>();
  for (const scenario of SCENARIOS) for (const spec of planRun({ ...key, scenario }).series) if (!series.has(spec.id)) series.set(spec.id, spec);
  const scenarioStartMs = TRAIN_START_MS + key.trainDays * DAY_MS;
  return {
    kind: 'calm',
    key: calmKey,
    simulateFromMs: TRAIN_START_MS - WARMUP_MS,
    times: readings(TRAIN_START_MS, scenarioStartMs + JOIN_CHECK_MS, key.stepMs),
    series: [...series.values()],
    incidents: [],
  };
}

/** The scenario part of a run: from JOIN_WARMUP_MS before the end of training to the end. */
export function scenarioJob(plan: RunPlan): SimJob {
  return {
    kind: 'scenario',
    key: plan.key,
    simulateFromMs: plan.scenarioStartMs - JOIN_WARMUP_MS,
    times: readings(plan.scenarioStartMs, plan.endMs, plan.key.stepMs),
    series: plan.series,
    incidents: plan.incidents.map((p) => p.incident),
  };
}

export function cacheName(job: Pick<SimJob, 'key'>): string {
  const { key } = job;
  return `${key.scenario}-seed${key.seed}-rate${key.rate}-step${key.stepMs / 1000}s-train${key.trainDays}d.json`;
}
