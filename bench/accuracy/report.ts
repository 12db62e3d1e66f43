import { INCIDENT_TYPES } from '../../src/simulator/model/incidents';
import { describeIncident } from '../../src/simulator/model/scenario';
import type { Level, RunPlan } from './plan';
import { VISIBILITY_BANDS, VISIBLE_Z } from './visibility';
import { addTally, DEFAULT_CONFIGS, emptyTally, SWEEP_CONFIGS, SWEEP_SENSITIVITY, type IncidentOutcome, type QualityOutcome, type RunScore, type Tally } from './score';

/** Markdown tables of the pooled scores. */

export interface ScoredRun {
  plan: RunPlan;
  score: RunScore;
}

export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align?: readonly ('l' | 'r')[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (align?.[i] === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align?.[i] === 'r' ? `${'-'.repeat(Math.max(1, w - 1))}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const ratio = (hits: number, trials: number) => (trials > 0 ? hits / trials : NaN);
const sum = <T>(list: readonly T[], of: (x: T) => number) => list.reduce((n, x) => n + of(x), 0);
const fixed = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const frac = (hits: number, trials: number) => (trials > 0 ? `${fixed(hits / trials)} (${hits}/${trials})` : '–');

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

export function precision(t: Tally): number {
  return ratio(t.truePositive, t.events);
}

export function f1(t: Tally): number {
  const p = precision(t);
  const r = ratio(t.recall.scope.hits, t.recall.scope.trials);
  return p + r > 0 ? (2 * p * r) / (p + r) : 0;
}

export function falsePerSeriesWeek(t: Tally, level?: Level): number {
  if (level) return ratio(t.falseByLevel[level], t.seriesWeeksByLevel[level]);
  const weeks = t.seriesWeeksByLevel.aggregate + t.seriesWeeksByLevel.market + t.seriesWeeksByLevel.scope;
  return ratio(t.falseAlerts, weeks);
}

export function pooled(runs: readonly ScoredRun[], config: string, scenario?: string): Tally {
  const total = emptyTally();
  for (const run of runs) {
    if (scenario && run.plan.key.scenario !== scenario) continue;
    const t = run.score.tallies.get(config);
    if (t) addTally(total, t);
  }
  return total;
}

function scoreRow(label: readonly string[], t: Tally): string[] {
  return [
    ...label,
    String(t.events),
    fixed(precision(t)),
    frac(t.recall.scope.hits, t.recall.scope.trials),
    frac(t.recall.market.hits, t.recall.market.trials),
    frac(t.recall.aggregate.hits, t.recall.aggregate.trials),
    chanceCell(t),
    fixed(f1(t)),
    `${fixed(quantile(t.delaysMin, 0.5), 0)} / ${fixed(quantile(t.delaysMin, 0.9), 0)}`,
    fixed(falsePerSeriesWeek(t), 1),
    String(t.dataProblem),
  ];
}

const SCORE_HEADER = ['Events', 'Precision', 'Recall (own scope)', 'Recall (markets)', 'Recall (aggregate)', 'Chance own / markets / aggregate', 'F1', 'Delay min p50 / p90', 'False / series-week', 'During data problems'];
const SCORE_ALIGN = ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] as const;

/** How often the same test passes in placebo windows: the part of recall noise alone would give. */
function chanceCell(t: Tally): string {
  return (['scope', 'market', 'aggregate'] as Level[]).map((l) => fixed(ratio(t.chance[l].hits, t.chance[l].trials))).join(' / ');
}

export function detectorTable(runs: readonly ScoredRun[], scenarios: readonly string[]): string {
  const rows: string[][] = [];
  for (const config of DEFAULT_CONFIGS) {
    for (const scenario of scenarios) rows.push(scoreRow([config, scenario], pooled(runs, config, scenario)));
    rows.push(scoreRow([config, '**all**'], pooled(runs, config)));
  }
  return table(['Detector', 'Scenario', ...SCORE_HEADER], rows, ['l', 'l', ...SCORE_ALIGN]);
}

/** The issue's target: recall of at least 0.9 with at most one false alert per series-week. */
function meetsTarget(recall: number, falsePerWeek: number): boolean {
  return recall >= 0.9 && falsePerWeek <= 1;
}

export function targetTable(runs: readonly ScoredRun[]): string {
  const rows = DEFAULT_CONFIGS.map((config) => {
    const t = pooled(runs, config);
    const recall = ratio(t.recall.scope.hits, t.recall.scope.trials);
    const falseRate = falsePerSeriesWeek(t);
    const met = meetsTarget(recall, falseRate);
    return [config, fixed(recall), fixed(ratio(t.chance.scope.hits, t.chance.scope.trials)), fixed(ratio(t.recall.market.hits, t.recall.market.trials)), fixed(falseRate, 1), fixed(falsePerSeriesWeek(t, 'aggregate'), 1), fixed(falsePerSeriesWeek(t, 'market'), 1), met ? 'met' : 'not met'];
  });
  return table(['Detector', 'Recall (own scope)', '… by chance', 'Recall (markets)', 'False / series-week (all series)', '… aggregate series', '… market series', 'Target (recall ≥ 0.9, ≤ 1 false / series-week)'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l']);
}

/** Per incident, as a pager sees it (incidentAlerts). */
export interface IncidentAlerts {
  incidents: number;
  alerted: number;
  /** incidents where some KPI moved visibly (z ≥ VISIBLE_Z), and how many of them were alerted on */
  visible: number;
  visibleAlerted: number;
  /** placebo windows pooled across each incident's KPIs, and how many any KPI "detected" */
  placeboTrials: number;
  placeboHits: number;
  /** minutes from each alerted incident's start to its first alert */
  delaysMin: number[];
}

/**
 * What a pager sees: an incident (one per scenario, seed and id) is alerted on when an event on
 * its own scope flags one of the KPIs it moves, in the move's direction, within its window; its
 * delay is the first such flag's. Chance is the same test in the placebo windows, pooled across
 * the incident's KPIs window by window (a window counts once, "detected" when any KPI was).
 */
export function incidentAlerts(runs: readonly ScoredRun[], config: string): IncidentAlerts {
  const outcomes = runs.flatMap((r) => r.score.incidents.filter((o) => o.config === config));
  const incidents = [...incidentRows(outcomes, (o) => `${o.scenario}\u0000${o.seed}\u0000${o.incidentId}`).values()];
  const alerted = incidents.filter((list) => list.some((o) => o.hit));
  const visible = incidents.filter((list) => list.some((o) => o.visibility >= VISIBLE_Z));
  let placeboTrials = 0;
  let placeboHits = 0;
  for (const list of incidents) {
    const byStart = new Map<number, boolean>();
    for (const o of list) for (const w of o.ownPlacebos) byStart.set(w.startMs, byStart.get(w.startMs) === true || w.hit);
    placeboTrials += byStart.size;
    for (const hit of byStart.values()) if (hit) placeboHits++;
  }
  return {
    incidents: incidents.length,
    alerted: alerted.length,
    visible: visible.length,
    visibleAlerted: visible.filter((list) => list.some((o) => o.hit)).length,
    placeboTrials,
    placeboHits,
    delaysMin: alerted.map((list) => Math.min(...list.filter((o) => o.hit).map((o) => o.delayMin!))),
  };
}

export function incidentAlertTable(runs: readonly ScoredRun[]): string {
  const rows = DEFAULT_CONFIGS.map((config) => {
    const a = incidentAlerts(runs, config);
    const recall = ratio(a.alerted, a.incidents);
    const falseRate = falsePerSeriesWeek(pooled(runs, config));
    return [
      config,
      frac(a.alerted, a.incidents),
      fixed(ratio(a.placeboHits, a.placeboTrials)),
      frac(a.visibleAlerted, a.visible),
      `${fixed(quantile(a.delaysMin, 0.5), 0)} / ${fixed(quantile(a.delaysMin, 0.9), 0)}`,
      fixed(falseRate, 1),
      meetsTarget(recall, falseRate) ? 'met' : 'not met',
    ];
  });
  return table(
    ['Detector', 'Incidents alerted on (own scope)', '… by chance', `… with a visible move (z ≥ ${VISIBLE_Z})`, 'First alert, min after start, p50 / p90', 'False / series-week', 'Target on incidents (≥ 0.9, ≤ 1 false / series-week)'],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
  );
}

export function falseKindTable(runs: readonly ScoredRun[]): string {
  const rows = DEFAULT_CONFIGS.map((config) => {
    const t = pooled(runs, config);
    const share = (n: number) => (t.falseAlerts > 0 ? `${Math.round((100 * n) / t.falseAlerts)} %` : '–');
    return [
      config,
      String(t.falseAlerts),
      fixed(falsePerSeriesWeek(t, 'aggregate'), 1),
      fixed(falsePerSeriesWeek(t, 'market'), 1),
      fixed(falsePerSeriesWeek(t, 'scope'), 1),
      share(t.falseByKind.noise),
      share(t.falseByKind.side),
      share(t.falseByKind.after),
    ];
  });
  return table(
    ['Detector', 'False alerts', 'Per series-week: aggregate', 'markets', 'other scopes', 'Calm time', 'During an incident that does not move the KPI', 'Within 2 h after an incident'],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

export function falseByKpiTable(runs: readonly ScoredRun[], config = 'auto'): string {
  const t = pooled(runs, config);
  const cell = (x: { falseAlerts: number; seriesWeeks: number }) => (x.seriesWeeks > 0 ? fixed(x.falseAlerts / x.seriesWeeks, 1) : '–');
  const rows = Object.entries(t.byKpi)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([kpi, byLevel]) => [kpi, cell(byLevel.aggregate), cell(byLevel.market), cell(byLevel.scope)]);
  return table(['KPI', 'Aggregate', 'Markets', 'Other scopes'], rows, ['l', 'r', 'r', 'r']);
}

function incidentRows(outcomes: readonly IncidentOutcome[], keyOf: (o: IncidentOutcome) => string) {
  const groups = new Map<string, IncidentOutcome[]>();
  for (const o of outcomes) groups.set(keyOf(o), [...(groups.get(keyOf(o)) ?? []), o]);
  return groups;
}

export function incidentTypeTable(runs: readonly ScoredRun[], config = 'auto'): string {
  const outcomes = runs.flatMap((r) => r.score.incidents.filter((o) => o.config === config));
  const groups = incidentRows(outcomes, (o) => o.type);
  const rows = INCIDENT_TYPES.filter((type) => groups.has(type)).map((type) => {
    const list = groups.get(type)!;
    const hits = list.filter((o) => o.hit);
    const delays = hits.map((o) => o.delayMin!);
    return [
      type,
      frac(hits.length, list.length),
      frac(list.reduce((n, o) => n + o.marketHits, 0), list.reduce((n, o) => n + o.marketTrials, 0)),
      frac(list.filter((o) => o.aggregateHit).length, list.length),
      `${fixed(ratio(sum(list, (o) => o.ownPlacebos.filter((w) => w.hit).length), sum(list, (o) => o.ownPlacebos.length)))} / ${fixed(ratio(sum(list, (o) => o.chance.marketHits), sum(list, (o) => o.chance.marketTrials)))}`,
      `${fixed(quantile(delays, 0.5), 0)} / ${fixed(quantile(delays, 0.9), 0)}`,
    ];
  });
  return table(['Incident type', 'Recall (own scope)', 'Recall (markets)', 'Recall (aggregate)', 'Chance own / markets', 'Delay min p50 / p90'], rows, ['l', 'r', 'r', 'r', 'r', 'r']);
}

export function incidentTable(runs: readonly ScoredRun[], scenarios: readonly string[], config = 'auto'): string {
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const run = runs.find((r) => r.plan.key.scenario === scenario);
    if (!run) continue;
    const outcomes = runs.filter((r) => r.plan.key.scenario === scenario).flatMap((r) => r.score.incidents.filter((o) => o.config === config));
    for (const planned of run.plan.incidents.filter((p) => !p.dataQuality)) {
      const mine = outcomes.filter((o) => o.incidentId === planned.incident.id);
      const kpis = [...new Set(mine.map((o) => o.kpi))];
      const perKpi = kpis.map((kpi) => {
        const list = mine.filter((o) => o.kpi === kpi);
        return `${kpi} ${list.filter((o) => o.hit).length}/${list.length} (z ${fixed(quantile(list.map((o) => o.visibility).filter((z) => !Number.isNaN(z)), 0.5), 1)})`;
      });
      const dropped = [...new Set(planned.own.flatMap((o) => o.dropped))];
      const markets = `${mine.reduce((n, o) => n + o.marketHits, 0)}/${mine.reduce((n, o) => n + o.marketTrials, 0)}`;
      rows.push([
        scenario,
        describeIncident(planned.incident),
        dropped.length > 0 ? `not filterable: ${dropped.join(', ')}` : '',
        perKpi.join(', '),
        markets,
        `${mine.filter((o) => o.aggregateHit).length}/${mine.length}`,
      ]);
    }
  }
  return table(['Scenario', 'Incident', 'Own scope as queried', 'Own scope: detected / seeds per KPI (median visibility z)', 'Markets', 'Aggregate'], rows);
}

/** Own-scope outcomes whose move is visible in the data (visibility.ts). */
export function visibleOutcomes(runs: readonly ScoredRun[], config: string): IncidentOutcome[] {
  return runs.flatMap((r) => r.score.incidents.filter((o) => o.config === config && o.visibility >= VISIBLE_Z));
}

/**
 * Recall by how visible each move is in its own data: which misses a detector could have made
 * good, and which no detector could (the move is within the noise at this traffic).
 */
export function visibilityTable(runs: readonly ScoredRun[]): { table: string; placebo: string } {
  const rows: string[][] = [];
  for (const config of DEFAULT_CONFIGS) {
    const outcomes = runs.flatMap((r) => r.score.incidents.filter((o) => o.config === config));
    const cells = VISIBILITY_BANDS.map((band) => {
      const list = outcomes.filter((o) => o.visibility >= band.from && (o.visibility < band.to || band.to === Infinity));
      return frac(list.filter((o) => o.hit).length, list.length);
    });
    const unknown = outcomes.filter((o) => Number.isNaN(o.visibility));
    const visible = outcomes.filter((o) => o.visibility >= VISIBLE_Z);
    rows.push([config, ...cells, frac(unknown.filter((o) => o.hit).length, unknown.length), frac(visible.filter((o) => o.hit).length, visible.length), fixed(falsePerSeriesWeek(pooled(runs, config)), 1)]);
  }
  const placebos = runs.flatMap((r) => r.score.incidents.filter((o) => o.config === 'auto').flatMap((o) => o.placeboVisibility));
  const beyond = placebos.filter((z) => z >= VISIBLE_Z).length;
  const placebo =
    `Placebo check of the oracle: in the placebo windows (same series, a day earlier or later, nothing moved) it gave z ≥ ${VISIBLE_Z} in ${beyond} of ${placebos.length} windows` +
    ` (${fixed(ratio(100 * beyond, placebos.length), 1)} %; median z ${fixed(quantile(placebos, 0.5), 2)}, 95th percentile ${fixed(quantile(placebos, 0.95), 2)}).`;
  return {
    table: table(['Detector', ...VISIBILITY_BANDS.map((b) => b.label), 'No reference days', `**Recall on visible moves (z ≥ ${VISIBLE_Z})**`, 'False / series-week'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r']),
    placebo,
  };
}

export function sweepTable(runs: readonly ScoredRun[], scenarios: readonly string[]): string {
  const rows: string[][] = [];
  for (const config of SWEEP_CONFIGS) {
    for (const scenario of scenarios) rows.push(scoreRow([fixed(SWEEP_SENSITIVITY[config]!, 1), scenario], pooled(runs, config, scenario)));
    rows.push(scoreRow([fixed(SWEEP_SENSITIVITY[config]!, 1), '**all**'], pooled(runs, config)));
  }
  return table(['Sensitivity', 'Scenario', ...SCORE_HEADER], rows, ['r', 'l', ...SCORE_ALIGN]);
}

export function qualityTable(runs: readonly ScoredRun[]): { table: string; summary: string } {
  const outcomes: QualityOutcome[] = runs.flatMap((r) => r.score.quality);
  const groups = new Map<string, QualityOutcome[]>();
  for (const o of outcomes) {
    const key = `${o.scenario}\u0000${o.incidentId}\u0000${o.level}\u0000${o.seriesId}`;
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  const levelOrder: Record<Level, number> = { scope: 0, market: 1, aggregate: 2 };
  const firstSeen = new Map<string, number>();
  for (const o of outcomes) if (!firstSeen.has(`${o.scenario}\u0000${o.incidentId}`)) firstSeen.set(`${o.scenario}\u0000${o.incidentId}`, firstSeen.size);
  const order = (o: QualityOutcome) => firstSeen.get(`${o.scenario}\u0000${o.incidentId}`)! * 10 + levelOrder[o.level];
  const rows = [...groups.values()]
    .sort((a, b) => order(a[0]!) - order(b[0]!))
    .map((list) => {
      const first = list[0]!;
      const checks = [...new Set(list.flatMap((o) => o.checks))];
      const anomalies = DEFAULT_CONFIGS.map((c) => `${c} ${list.reduce((n, o) => n + (o.anomalies[c] ?? 0), 0)}`).join(', ');
      const masked = list.reduce((n, o) => n + o.maskedShare, 0) / list.length;
      return [
        first.scenario,
        first.incidentId,
        first.type,
        first.level === 'scope' ? 'own scope' : first.level,
        first.seriesId,
        `${list.filter((o) => o.caught).length}/${list.length}${checks.length > 0 ? ` (${checks.join(', ')})` : ''}`,
        `${Math.round(100 * masked)} %`,
        anomalies,
      ];
    });
  const caughtBy = (level: Level) => {
    const list = outcomes.filter((o) => o.level === level);
    return `${list.filter((o) => o.caught).length} of ${list.length}`;
  };
  const gaps = outcomes.filter((o) => o.level === 'scope' && o.type === 'telemetry_gap');
  const dupes = outcomes.filter((o) => o.level === 'scope' && o.type === 'duplicate_sender');
  const summary =
    `Quality caught ${caughtBy('scope')} data-quality incidents on their own-scope series (telemetry gaps ${gaps.filter((o) => o.caught).length} of ${gaps.length}, ` +
    `duplicate senders ${dupes.filter((o) => o.caught).length} of ${dupes.length}), ${caughtBy('market')} on their market series, ${caughtBy('aggregate')} on the aggregate (incident × seed).`;
  return {
    table: table(['Scenario', 'Incident', 'Type', 'Series', 'Id', 'Quality caught (seeds)', 'Window masked', 'Anomaly events during it (sum over seeds)'], rows),
    summary,
  };
}
