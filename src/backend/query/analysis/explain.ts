import type { KpiDefinition } from '../../../common/kpis/catalogue';
import { kpiLabels } from '../../../common/kpis/catalogue';
import type { LabelFilter } from '../../../common/kpis/filters';
import { renderPromql } from '../../../common/kpis/promql';
import { formatDuration } from '../../../common/validation';
import { decomposeKpi, explainChange, silentGroups, type ChangeKind, type SegmentChange } from '../../analysis/attribution';
import { demoKpiSplitLabels, demoKpiExpression, demoKpiAggregate } from '../../sources/demo/kpis';
import type { Series, Source } from '../../sources/source';
import { rateWindowMs } from '../kpi';
import type { NamedEvent } from './frames';

/**
 * Root-cause hints for anomalies of an aggregate KPI: the KPI's parts (numerator and
 * denominator, or the KPI itself) are fetched split by the labels it can be split by, averaged
 * over the anomaly and over a baseline window of the same length just before it, and
 * explainChange ranks the label values (and pairs) that account for the move. The hints join the
 * event's annotation text.
 */

/** Only the worst few events of a query get hints: each costs two upstream queries. */
const MAX_EXPLAINED = 3;
/** Splitting by more labels multiplies segments; these are the ones operators act on first. */
const LABEL_PRIORITY = ['market', 'platform', 'appVersion', 'network', 'tier', 'contentType', 'device', 'currency'];
const MAX_LABELS = 4;
const MAX_HINTS = 3;
/** The baseline is never shorter than this, so a one-point blip is compared with something stable. */
const MIN_BASELINE_MS = 30 * 60_000;
/**
 * A hint needs each part's mean over the baseline and over the anomaly, not the panel's
 * resolution: about this many points per window are fetched (a coarser step, with the rate
 * window that step needs): a split-by-label query over an hour cost Prometheus 13 ms instead of
 * 20 ms at a 1-minute panel step (docs/analysis.md).
 */
const POINTS_PER_WINDOW = 12;

export interface ExplainContext {
  kpi: KpiDefinition;
  filters: readonly LabelFilter[];
  source: Source;
  scrapeMs: number;
  stepMs: number;
  signal?: AbortSignal;
  /**
   * How the parts are fetched: the pipeline passes its results cache, so the next refresh of a
   * dashboard asks upstream only for the newest steps of an event, none for an event that ended.
   * Ranges come aligned to their step. Without it, straight from the source.
   */
  fetchRange?: (q: { expr: string; start: number; end: number; stepMs: number }) => Promise<Series[]>;
}

interface Parts {
  kind: ChangeKind;
  factor: number;
  numerator: string;
  denominator?: string;
  labels: string[];
}

export async function explainEvents(events: NamedEvent[], ctx: ExplainContext): Promise<void> {
  const labels = splitLabels(ctx);
  if (labels.length === 0) return;
  const worst = [...events].sort((a, b) => b.peakScore - a.peakScore || b.endMs - a.endMs).slice(0, MAX_EXPLAINED);
  await Promise.all(
    worst.map(async (event) => {
      const currentStart = event.startMs;
      const currentEnd = event.endMs;
      const length = Math.max(currentEnd - currentStart + ctx.stepMs, MIN_BASELINE_MS);
      const stepMs = hintStepMs(length, ctx.stepMs);
      // On the hint step's grid, as the results cache keeps ranges: the baseline starts up to a
      // step early, and the range ends at the grid's last point in the event (an ongoing event's
      // last point is the newest there is: later steps would be rates over a part of their
      // window), or at its first point after the event when none falls inside it.
      const start = Math.floor((currentStart - length) / stepMs) * stepMs;
      const last = start + Math.floor((currentEnd - start) / stepMs) * stepMs;
      const end = last >= currentStart ? last : last + stepMs;
      const parts = partsOf(ctx, labels, stepMs);
      const fetch = ctx.fetchRange ?? ((q) => ctx.source.queryRange({ ...q, signal: ctx.signal }));
      const query = (expr: string) => fetch({ expr, start, end, stepMs });
      const [numerator, denominator] = await Promise.all([query(parts.numerator), parts.denominator ? query(parts.denominator) : Promise.resolve(undefined)]);
      const segments = segmentChanges(numerator, denominator, parts.labels, currentStart);
      const hints = explainChange(segments, { kpiName: ctx.kpi.name, kind: parts.kind, factor: parts.factor, top: MAX_HINTS });
      // A part that went quiet comes first: the shares then describe the mix without it.
      const silent = silentGroups(segments, parts.kind).slice(0, MAX_HINTS);
      event.hints = [...silent.map((g) => g.text), ...hints.map((h) => h.text)];
    }),
  );
}

/** A multiple of the panel's step giving about POINTS_PER_WINDOW points in a window of `windowMs`. */
export function hintStepMs(windowMs: number, panelStepMs: number): number {
  return panelStepMs * Math.max(1, Math.floor(windowMs / (POINTS_PER_WINDOW * panelStepMs)));
}

/** The labels worth explaining with: those the KPI can be split by and no equality filter pins, by priority. */
function splitLabels(ctx: ExplainContext): string[] {
  // A label pinned by an equality filter has one value: nothing to rank.
  const pinned = new Set(ctx.filters.filter((f) => f.op === '=').map((f) => f.label));
  const rank = (label: string) => (LABEL_PRIORITY.indexOf(label) + LABEL_PRIORITY.length + 1) % (LABEL_PRIORITY.length + 1);
  const available = ctx.source.kind === 'demo' ? demoKpiSplitLabels(ctx.kpi) : kpiLabels(ctx.kpi);
  return available
    .filter((l) => !pinned.has(l))
    .sort((a, b) => rank(a) - rank(b))
    .slice(0, MAX_LABELS);
}

/** The PromQL of the KPI's parts split by `labels`, for a query at `stepMs`. */
function partsOf(ctx: ExplainContext, labels: string[], stepMs: number): Parts {
  if (ctx.source.kind === 'demo') {
    // The demo's series are per-segment values already: averages are levels, revenue adds up.
    return { kind: demoKpiAggregate(ctx.kpi) === 'sum' ? 'additive' : 'level', factor: 1, numerator: demoKpiExpression(ctx.kpi, ctx.filters, labels), labels };
  }
  const decomposition = decomposeKpi(ctx.kpi);
  const window = formatDuration(rateWindowMs(stepMs, ctx.scrapeMs));
  const render = (expr: Parameters<typeof renderPromql>[0]) => renderPromql(expr, { filters: [...ctx.filters], groupBy: labels, window });
  return {
    kind: decomposition.kind,
    factor: decomposition.factor,
    numerator: render(decomposition.numerator),
    denominator: decomposition.denominator ? render(decomposition.denominator) : undefined,
    labels,
  };
}

/** Per leaf segment: the mean of each part before `splitMs` (baseline) and from it on (current). */
export function segmentChanges(numerator: Series[], denominator: Series[] | undefined, labels: string[], splitMs: number): SegmentChange[] {
  const key = (l: Record<string, string>) => labels.map((name) => l[name] ?? '').join('\u0000');
  const means = (s: Series) => {
    const sums = [0, 0];
    const counts = [0, 0];
    s.timestamps.forEach((t, i) => {
      const v = s.values[i]!;
      if (!Number.isFinite(v)) return;
      const side = t < splitMs ? 0 : 1;
      sums[side]! += v;
      counts[side]!++;
    });
    return [counts[0] ? sums[0]! / counts[0]! : 0, counts[1] ? sums[1]! / counts[1]! : 0] as const;
  };
  const weights = new Map((denominator ?? []).map((s) => [key(s.labels), means(s)]));
  return numerator.map((s) => {
    const [n0, n1] = means(s);
    const [d0, d1] = denominator ? (weights.get(key(s.labels)) ?? [0, 0]) : [1, 1];
    const segmentLabels = Object.fromEntries(labels.filter((l) => s.labels[l] !== undefined).map((l) => [l, s.labels[l]!]));
    return { labels: segmentLabels, baseline: { numerator: n0, denominator: d0 }, current: { numerator: n1, denominator: d1 } };
  });
}
