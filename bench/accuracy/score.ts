import { detect, type Detection } from '../../src/backend/analysis/detect';
import { eventsPerStep } from '../../src/backend/analysis/detectors/share';
import type { Algorithm } from '../../src/backend/analysis/detectors/types';
import { anomalyEvents, type AnomalyEvent } from '../../src/backend/analysis/events';
import { timeAt, type Grid } from '../../src/backend/analysis/grid';
import { checkResent } from '../../src/backend/analysis/quality';
import { runQualityChecks } from '../../src/backend/query/analysis/quality';
import type { GridSeries } from '../../src/backend/query/history';
import { findKpi, type KpiDefinition } from '../../src/common/kpis/catalogue';
import { movedKpis } from '../../src/simulator/model/incidents';
import { compatible, DAY_MS, HOUR_MS, resentSideIds, shareEventsId, WEEK_MS, type Level, type PlannedIncident, type RunPlan, type SeriesSpec } from './plan';
import { moveVisibility } from './visibility';

/**
 * Scoring one run: the data-quality checks on each query answer (as the pipeline runs them),
 * every detector configuration on every series with the training history, and each anomaly
 * event sorted against the ground truth. Counts are added into tallies that the report pools
 * over seeds and scenarios.
 */

export interface DetectorConfig {
  name: string;
  algorithm: Algorithm;
  sensitivity: number;
}

export const DETECTOR_CONFIGS: readonly DetectorConfig[] = [
  { name: 'rolling', algorithm: 'rolling', sensitivity: 0.5 },
  { name: 'ewma', algorithm: 'ewma', sensitivity: 0.5 },
  { name: 'seasonal', algorithm: 'seasonal', sensitivity: 0.5 },
  { name: 'holt_winters', algorithm: 'holt_winters', sensitivity: 0.5 },
  { name: 'auto', algorithm: 'auto', sensitivity: 0.5 },
  { name: 'auto@0.3', algorithm: 'auto', sensitivity: 0.3 },
  { name: 'auto@0.7', algorithm: 'auto', sensitivity: 0.7 },
];
export const DEFAULT_CONFIGS = DETECTOR_CONFIGS.filter((c) => c.sensitivity === 0.5).map((c) => c.name);
export const SWEEP_CONFIGS = ['auto@0.3', 'auto', 'auto@0.7'];
export const SWEEP_SENSITIVITY: Record<string, number> = { 'auto@0.3': 0.3, auto: 0.5, 'auto@0.7': 0.7 };

/** A false alert that starts this soon after an incident's window is counted as its aftermath. */
export const AFTERMATH_MS = 2 * HOUR_MS;
/** The view around a data-quality incident its checks are judged on (a dashboard around it). */
export const QUALITY_VIEW_MS = 6 * HOUR_MS;

export type FalseKind = 'side' | 'after' | 'noise';

export interface Tally {
  events: number;
  truePositive: number;
  /** events during a data-quality incident in scope (not business anomalies; must not page) */
  dataProblem: number;
  falseAlerts: number;
  falseByKind: Record<FalseKind, number>;
  falseByLevel: Record<Level, number>;
  seriesWeeksByLevel: Record<Level, number>;
  recall: Record<Level, { trials: number; hits: number }>;
  /** the same test in placebo windows (the incident's window a day earlier or later, clear of incidents): detections by chance */
  chance: Record<Level, { trials: number; hits: number }>;
  /** own scope detections: minutes from the incident's start to the first flagged point */
  delaysMin: number[];
  /** per KPI and level: false alerts and series-weeks scored */
  byKpi: Record<string, Record<Level, { falseAlerts: number; seriesWeeks: number }>>;
}

const emptyLevels = (): Record<Level, { falseAlerts: number; seriesWeeks: number }> => ({
  aggregate: { falseAlerts: 0, seriesWeeks: 0 },
  market: { falseAlerts: 0, seriesWeeks: 0 },
  scope: { falseAlerts: 0, seriesWeeks: 0 },
});

export function emptyTally(): Tally {
  return {
    events: 0,
    truePositive: 0,
    dataProblem: 0,
    falseAlerts: 0,
    falseByKind: { side: 0, after: 0, noise: 0 },
    falseByLevel: { aggregate: 0, market: 0, scope: 0 },
    seriesWeeksByLevel: { aggregate: 0, market: 0, scope: 0 },
    recall: { aggregate: { trials: 0, hits: 0 }, market: { trials: 0, hits: 0 }, scope: { trials: 0, hits: 0 } },
    chance: { aggregate: { trials: 0, hits: 0 }, market: { trials: 0, hits: 0 }, scope: { trials: 0, hits: 0 } },
    delaysMin: [],
    byKpi: {},
  };
}

export function addTally(into: Tally, from: Tally): void {
  into.events += from.events;
  into.truePositive += from.truePositive;
  into.dataProblem += from.dataProblem;
  into.falseAlerts += from.falseAlerts;
  for (const k of Object.keys(into.falseByKind) as FalseKind[]) into.falseByKind[k] += from.falseByKind[k];
  for (const l of Object.keys(into.falseByLevel) as Level[]) {
    into.falseByLevel[l] += from.falseByLevel[l];
    into.seriesWeeksByLevel[l] += from.seriesWeeksByLevel[l];
    into.recall[l].trials += from.recall[l].trials;
    into.recall[l].hits += from.recall[l].hits;
    into.chance[l].trials += from.chance[l].trials;
    into.chance[l].hits += from.chance[l].hits;
  }
  into.delaysMin.push(...from.delaysMin);
  for (const [kpi, levels] of Object.entries(from.byKpi)) {
    const target = (into.byKpi[kpi] ??= emptyLevels());
    for (const l of Object.keys(levels) as Level[]) {
      target[l].falseAlerts += levels[l].falseAlerts;
      target[l].seriesWeeks += levels[l].seriesWeeks;
    }
  }
}

/** One (incident, KPI) outcome on the incident's own scope, for the per-incident tables. */
export interface IncidentOutcome {
  scenario: string;
  seed: number;
  config: string;
  incidentId: string;
  type: string;
  kpi: string;
  hit: boolean;
  delayMin?: number;
  marketTrials: number;
  marketHits: number;
  aggregateHit: boolean;
  /** placebo windows (see placebos()) on the market series */
  chance: { marketTrials: number; marketHits: number };
  /** the own-scope placebo windows by start, and whether each was "detected" (the incident table pools them across KPIs) */
  ownPlacebos: Array<{ startMs: number; hit: boolean }>;
  /** how visible the move is in its own-scope data (visibility.ts; the most visible own series); NaN when unknown */
  visibility: number;
  /** the same measure in the placebo windows of the own series, where nothing moved */
  placeboVisibility: number[];
}

export interface QualityOutcome {
  scenario: string;
  seed: number;
  incidentId: string;
  type: string;
  level: Level;
  seriesId: string;
  /** some non-pass check named the series in a view around the incident */
  caught: boolean;
  checks: string[];
  /** share of the window's points the pipeline's masks mark as data issues (what detection sees) */
  maskedShare: number;
  /** per config: anomaly events on this series during the incident's window */
  anomalies: Record<string, number>;
}

export interface RunScore {
  /** per config */
  tallies: Map<string, Tally>;
  incidents: IncidentOutcome[];
  quality: QualityOutcome[];
  seriesByLevel: Record<Level, number>;
  weeks: number;
}

interface SeriesRun {
  spec: SeriesSpec;
  kpi: KpiDefinition;
  grid: Grid;
  mask: Uint8Array;
  /** share KPIs: the events behind each point (detect()'s `events`) */
  events?: Float64Array;
}

interface Analysed {
  detection: Detection;
  events: AnomalyEvent[];
}

/**
 * Whether an event's points summarise data inside [startMs, endMs]: a point at t covers the step
 * (t - step, t], so the first point after an incident starts on the grid is start + step.
 */
const overlaps = (event: AnomalyEvent, startMs: number, endMs: number, stepMs: number) => event.endMs > startMs && event.startMs < endMs + stepMs;

function labelsOf(spec: SeriesSpec): Record<string, string> {
  return Object.fromEntries(spec.filters.map((f) => [f.label, f.value]));
}

/** The quality checks per query answer over the scored range, as runQualityChecks() does for a panel. */
function qualityMasks(plan: RunPlan, specs: readonly SeriesSpec[], grids: Map<string, Grid>, events: Map<string, Float64Array>): Map<string, Uint8Array> {
  const masks = new Map<string, Uint8Array>();
  const answers = new Map<string, SeriesSpec[]>();
  for (const spec of specs) answers.set(spec.answer, [...(answers.get(spec.answer) ?? []), spec]);
  for (const members of answers.values()) {
    const result = runQualityChecks({
      series: members.map((s): GridSeries => ({ labels: labelsOf(s), grid: grids.get(s.id)! })),
      names: members.map((s) => s.id),
      rangeStart: plan.trainingPoints,
      rangeStartMs: timeAt(grids.get(members[0]!.id)!, plan.trainingPoints),
      rangeEndMs: plan.endMs,
      nowMs: plan.endMs,
      kpi: findKpi(members[0]!.kpi),
      events: members.map((s) => events.get(s.id)),
    });
    members.forEach((s, i) => masks.set(s.id, result.masks[i]!));
  }
  return masks;
}

/** Index range of grid points with times in [startMs, endMs]. */
function indexRange(grid: Grid, startMs: number, endMs: number): [number, number] {
  const first = Math.max(0, Math.ceil((startMs - grid.startMs) / grid.stepMs));
  const last = Math.min(grid.values.length - 1, Math.floor((endMs - grid.startMs) / grid.stepMs));
  return [first, last];
}

interface Window {
  startMs: number;
  endMs: number;
}

/** The first flagged point on the move's side in the window, in an event of the move's direction; undefined when none. */
function detectionIn(series: SeriesRun, analysed: Analysed, window: Window, direction: 'up' | 'down'): { atMs: number } | undefined {
  const { grid } = series;
  const { detection } = analysed;
  let best: number | undefined;
  for (const event of analysed.events) {
    if (event.direction !== direction || !overlaps(event, window.startMs, window.endMs, grid.stepMs)) continue;
    // The event's flagged points of the move's side among the window's points.
    const [first, last] = indexRange(grid, Math.max(event.startMs, window.startMs + 1), Math.min(event.endMs, window.endMs + grid.stepMs - 1));
    for (let i = first; i <= last; i++) {
      const side = grid.values[i]! > detection.expected[i]! ? 'up' : 'down';
      if (detection.anomaly[i] === 1 && side === direction) {
        const at = timeAt(grid, i);
        if (best === undefined || at < best) best = at;
        break;
      }
    }
  }
  return best === undefined ? undefined : { atMs: best };
}

const windowOf = (p: PlannedIncident): Window => ({ startMs: p.windowStartMs, endMs: p.windowEndMs });

/** visibility.ts's oracle on one series and window: reference days clear of every incident in the series' scope. */
function visibilityIn(series: SeriesRun, window: Window, direction: 'up' | 'down', plan: RunPlan): number {
  const { grid } = series;
  const [first, last] = indexRange(grid, window.startMs + 1, window.endMs + grid.stepMs - 1);
  if (last < first) return NaN;
  const clear = (a: number, b: number) => {
    const fromMs = timeAt(grid, a) - grid.stepMs;
    const toMs = timeAt(grid, b);
    return !plan.incidents.some((q) => compatible(series.spec.filters, q.incident.scope) && fromMs < q.windowEndMs + AFTERMATH_MS && toMs > q.windowStartMs - AFTERMATH_MS);
  };
  return moveVisibility(grid, { first, last }, direction, clear, series.mask);
}

/**
 * Placebo windows for an incident on a series: its window a day earlier and a day later, where
 * that stays in the scored span and clear (by AFTERMATH_MS) of every incident in the series' scope.
 */
function placebos(p: PlannedIncident, spec: SeriesSpec, plan: RunPlan): Window[] {
  const out: Window[] = [];
  for (const shift of [-DAY_MS, DAY_MS]) {
    const w = { startMs: p.windowStartMs + shift, endMs: p.windowEndMs + shift };
    if (w.startMs < plan.scenarioStartMs || w.endMs > plan.endMs) continue;
    const clash = plan.incidents.some(
      (q) => compatible(spec.filters, q.incident.scope) && w.startMs < q.windowEndMs + AFTERMATH_MS && w.endMs > q.windowStartMs - AFTERMATH_MS,
    );
    if (!clash) out.push(w);
  }
  return out;
}

function classify(event: AnomalyEvent, spec: SeriesSpec, incidents: readonly PlannedIncident[], stepMs: number): 'tp' | 'data' | FalseKind {
  const relevant = incidents.filter((p) => compatible(spec.filters, p.incident.scope));
  const business = relevant.filter((p) => !p.dataQuality);
  const moving = business.filter((p) => movedKpis(p.incident).some((m) => m.kpi === spec.kpi));
  const during = (p: PlannedIncident) => overlaps(event, p.windowStartMs, p.windowEndMs, stepMs);
  if (moving.some(during)) return 'tp';
  const data = relevant.filter((p) => p.dataQuality);
  if (data.some(during)) return 'data';
  if (business.some(during)) return 'side';
  if ([...moving, ...data].some((p) => event.startMs > p.windowEndMs && event.startMs <= p.windowEndMs + AFTERMATH_MS)) return 'after';
  return 'noise';
}

export function scoreRun(plan: RunPlan, values: Map<string, Float64Array>, configs: readonly DetectorConfig[] = DETECTOR_CONFIGS): RunScore {
  const { stepMs } = plan.key;
  const grids = new Map(plan.series.map((s) => [s.id, { startMs: plan.gridStartMs, stepMs, values: values.get(s.id)! } satisfies Grid]));
  // The events behind the shares' points, as the pipeline fetches them beside the KPI.
  const shareEvents = new Map<string, Float64Array>();
  for (const spec of plan.series) {
    const eventsId = shareEventsId(spec);
    if (eventsId) shareEvents.set(spec.id, eventsPerStep(values.get(eventsId)!, stepMs));
  }
  const masks = qualityMasks(plan, plan.series, grids, shareEvents);
  const series: SeriesRun[] = plan.series.map((spec) => {
    const events = shareEvents.get(spec.id);
    return { spec, kpi: findKpi(spec.kpi)!, grid: grids.get(spec.id)!, mask: masks.get(spec.id)!, ...(events ? { events } : {}) };
  });
  const byId = new Map(series.map((s) => [s.spec.id, s]));
  const weeks = (plan.endMs - plan.scenarioStartMs) / WEEK_MS;
  const seriesByLevel: Record<Level, number> = { aggregate: 0, market: 0, scope: 0 };
  for (const s of series) seriesByLevel[s.spec.level]++;

  const tallies = new Map<string, Tally>();
  const incidents: IncidentOutcome[] = [];
  const anomaliesDuring = new Map<string, Record<string, number>>();
  const business = plan.incidents.filter((p) => !p.dataQuality);

  for (const config of configs) {
    const tally = emptyTally();
    tallies.set(config.name, tally);
    const analysed = new Map<string, Analysed>();
    for (const s of series) {
      const detection = detect(s.grid, { algorithm: config.algorithm, sensitivity: config.sensitivity, historyPoints: plan.trainingPoints, dataIssues: s.mask, events: s.events });
      const events = anomalyEvents(s.grid, detection, { fromIndex: plan.trainingPoints, good: s.kpi.good });
      analysed.set(s.spec.id, { detection, events });
      tally.seriesWeeksByLevel[s.spec.level] += weeks;
      const kpiTally = ((tally.byKpi[s.spec.kpi] ??= emptyLevels())[s.spec.level]);
      kpiTally.seriesWeeks += weeks;
      for (const event of events) {
        tally.events++;
        const kind = classify(event, s.spec, plan.incidents, stepMs);
        if (kind === 'tp') tally.truePositive++;
        else if (kind === 'data') tally.dataProblem++;
        else {
          tally.falseAlerts++;
          tally.falseByKind[kind]++;
          tally.falseByLevel[s.spec.level]++;
          kpiTally.falseAlerts++;
        }
      }
    }
    for (const p of business) {
      for (const move of movedKpis(p.incident)) {
        const own = p.own.find((o) => o.kpi === move.kpi)!;
        const found = own.seriesIds
          .map((id) => detectionIn(byId.get(id)!, analysed.get(id)!, windowOf(p), move.direction))
          .filter((d) => d !== undefined);
        const hit = found.length > 0;
        const delayMin = hit ? (Math.min(...found.map((d) => d.atMs)) - p.incident.startMs) / 60_000 : undefined;
        // Chance: the same test where nothing happened; a shift counts when it is clear for every own series.
        const ownPlacebos = placebos(p, byId.get(own.seriesIds[0]!)!.spec, plan).filter((w) =>
          own.seriesIds.every((id) => placebos(p, byId.get(id)!.spec, plan).some((v) => v.startMs === w.startMs)),
        );
        const chance = { marketTrials: 0, marketHits: 0 };
        const placeboOutcomes = ownPlacebos.map((w) => ({
          startMs: w.startMs,
          hit: own.seriesIds.some((id) => detectionIn(byId.get(id)!, analysed.get(id)!, w, move.direction) !== undefined),
        }));
        tally.chance.scope.trials += placeboOutcomes.length;
        tally.chance.scope.hits += placeboOutcomes.filter((w) => w.hit).length;
        tally.recall.scope.trials++;
        if (hit) {
          tally.recall.scope.hits++;
          tally.delaysMin.push(delayMin!);
        }
        let marketTrials = 0;
        let marketHits = 0;
        let aggregateHit = false;
        for (const s of series) {
          if (s.spec.kpi !== move.kpi || s.spec.level === 'scope' || !compatible(s.spec.filters, p.incident.scope)) continue;
          const detected = detectionIn(s, analysed.get(s.spec.id)!, windowOf(p), move.direction) !== undefined;
          if (s.spec.level === 'market') {
            marketTrials++;
            if (detected) marketHits++;
          } else aggregateHit = detected;
          for (const w of placebos(p, s.spec, plan)) {
            const hitByChance = detectionIn(s, analysed.get(s.spec.id)!, w, move.direction) !== undefined;
            tally.chance[s.spec.level].trials++;
            if (hitByChance) tally.chance[s.spec.level].hits++;
            if (s.spec.level === 'market') {
              chance.marketTrials++;
              if (hitByChance) chance.marketHits++;
            }
          }
        }
        tally.recall.market.trials += marketTrials;
        tally.recall.market.hits += marketHits;
        tally.recall.aggregate.trials++;
        if (aggregateHit) tally.recall.aggregate.hits++;
        const visibilities = own.seriesIds.map((id) => visibilityIn(byId.get(id)!, windowOf(p), move.direction, plan)).filter((z) => !Number.isNaN(z));
        const placeboVisibility = ownPlacebos.flatMap((w) => own.seriesIds.map((id) => visibilityIn(byId.get(id)!, w, move.direction, plan))).filter((z) => !Number.isNaN(z));
        incidents.push({
          scenario: plan.key.scenario,
          seed: plan.key.seed,
          config: config.name,
          incidentId: p.incident.id,
          type: p.incident.type,
          kpi: move.kpi,
          hit,
          ...(delayMin !== undefined ? { delayMin } : {}),
          marketTrials,
          marketHits,
          aggregateHit,
          chance,
          ownPlacebos: placeboOutcomes,
          visibility: visibilities.length > 0 ? Math.max(...visibilities) : NaN,
          placeboVisibility,
        });
      }
    }
    // Anomalies during data problems, per series in scope, for the data-quality table.
    for (const p of plan.incidents.filter((q) => q.dataQuality)) {
      for (const s of series) {
        if (s.spec.kpi !== 'streams' || !compatible(s.spec.filters, p.incident.scope)) continue;
        const key = `${p.incident.id}\u0000${s.spec.id}`;
        const record = anomaliesDuring.get(key) ?? {};
        record[config.name] = analysed.get(s.spec.id)!.events.filter((e) => overlaps(e, p.windowStartMs, p.windowEndMs, stepMs)).length;
        anomaliesDuring.set(key, record);
      }
    }
  }

  const quality = qualityOutcomes(plan, series, values, anomaliesDuring);
  return { tallies, incidents, quality, seriesByLevel, weeks };
}

/**
 * Did the quality checks see each data-quality incident? On the volume series in its scope (its
 * own scope, its market, the aggregate): the checks run on a view of the incident's window padded
 * by QUALITY_VIEW_MS each side, with the same query answers, and a non-pass check naming the series
 * counts as caught. The masked share is what the detectors were told (the full-range masks).
 */
function qualityOutcomes(plan: RunPlan, series: readonly SeriesRun[], values: Map<string, Float64Array>, anomaliesDuring: Map<string, Record<string, number>>): QualityOutcome[] {
  const out: QualityOutcome[] = [];
  for (const p of plan.incidents.filter((q) => q.dataQuality)) {
    const inScope = series.filter((s) => s.spec.kpi === 'streams' && compatible(s.spec.filters, p.incident.scope));
    const ownIds = new Set(p.own.flatMap((o) => o.seriesIds));
    for (const s of inScope) {
      const members = series.filter((m) => m.spec.answer === s.spec.answer);
      const [first, last] = indexRange(s.grid, p.windowStartMs - QUALITY_VIEW_MS, p.windowEndMs + QUALITY_VIEW_MS);
      const view = (m: SeriesRun): GridSeries => ({
        labels: labelsOf(m.spec),
        grid: { startMs: timeAt(m.grid, first), stepMs: m.grid.stepMs, values: m.grid.values.subarray(first, last + 1) },
      });
      const rangeStartMs = timeAt(s.grid, first);
      const rangeEndMs = timeAt(s.grid, last);
      // The resent-events check of a quality report, from the collector's counter in each member's scope.
      const sideView = (id: string): Grid => ({ startMs: rangeStartMs, stepMs: s.grid.stepMs, values: values.get(id)!.subarray(first, last + 1) });
      const groups = members.flatMap((m) => {
        const sides = resentSideIds(m.spec);
        return sides ? [{ names: [m.spec.id], resent: sideView(sides.resent), received: sideView(sides.received) }] : [];
      });
      const result = runQualityChecks({
        series: members.map(view),
        names: members.map((m) => m.spec.id),
        rangeStart: 0,
        rangeStartMs,
        rangeEndMs,
        nowMs: rangeEndMs,
        kpi: s.kpi,
        related: groups.length > 0 ? [checkResent(groups, rangeStartMs, rangeEndMs)] : [],
      });
      const flagged = result.report.checks.filter((c) => c.status !== 'pass' && c.series.includes(s.spec.id)).map((c) => c.id);
      const [w0, w1] = indexRange(s.grid, p.windowStartMs + 1, p.windowEndMs + s.grid.stepMs - 1);
      let masked = 0;
      for (let i = w0; i <= w1; i++) masked += s.mask[i]!;
      const level: Level = ownIds.has(s.spec.id) ? 'scope' : s.spec.level;
      out.push({
        scenario: plan.key.scenario,
        seed: plan.key.seed,
        incidentId: p.incident.id,
        type: p.incident.type,
        level,
        seriesId: s.spec.id,
        caught: flagged.length > 0,
        checks: flagged,
        maskedShare: w1 >= w0 ? masked / (w1 - w0 + 1) : 0,
        anomalies: anomaliesDuring.get(`${p.incident.id}\u0000${s.spec.id}`) ?? {},
      });
    }
  }
  return out;
}
