import type { KpiDefinition } from '../../common/kpis/catalogue';
import { histogramRate, type KpiExpr } from '../../common/kpis/expression';

/**
 * Root-cause hints: when a KPI moved between a baseline window and an anomalous one, which label
 * values (platform=android) and pairs of them (platform=android, market=BR) account for the move.
 *
 * The caller evaluates the KPI's decomposition (decomposeKpi) per leaf segment over both
 * windows. Segments are disjoint and together make the aggregate. Every single label value and
 * every pair of them is then a group of segments, and its contribution to the change is:
 *
 * - additive KPIs (sums of rates, summed gauges): its change in numerator, ΔN_g;
 * - ratio KPIs: w1_g·(r1_g - r0_g) + (w1_g - w0_g)·(r0_g - R0), the rate effect at today's
 *   weight plus the mix effect (w = the group's share of the denominator, r its rate, R0 the
 *   baseline aggregate). Measuring the mix effect against R0 means a group whose traffic grew at
 *   an average rate explains nothing. Over any partition the contributions sum to R1 - R0
 *   exactly; with w and r written out it is N1_g/D1 - N0_g/D0 - R0·(D1_g/D1 - D0_g/D0), which
 *   also holds for groups that appear or vanish (D = 0 in one window);
 * - level KPIs (quantiles): as a ratio of level × weight to weight, i.e. the aggregate taken as
 *   the weight-averaged level of the segments. A p95 is not such an average, so these shares are
 *   approximate.
 *
 * share = contribution / aggregate change, so a positive share pushed the KPI the way it moved;
 * it exceeds 1 when other groups pulled the other way. Hints are the groups with a share of at
 * least MIN_SHARE, pairs by the PAIR_SHARE_OF_PARENT rule, best first. Groups that offset the
 * change (share < 0) are not causes of it and are not reported.
 */

export type ChangeKind = 'ratio' | 'additive' | 'level';

export interface KpiDecomposition {
  kind: ChangeKind;
  /** ratio: the numerator; additive: the whole formula; level: the level itself */
  numerator: KpiExpr;
  /** ratio: the denominator; level: its traffic weight, when one fits */
  denominator?: KpiExpr;
  /** constant factor of the formula (scale(k, x)): values × factor are in the KPI's unit */
  factor: number;
}

export interface WindowSums {
  /** ratio/additive: the numerator's sum over the segment; level: the segment's level */
  numerator: number;
  /** ratio: the denominator's sum; level: the traffic weight; additive: ignored (use 1) */
  denominator: number;
}

export interface SegmentChange {
  labels: Record<string, string>;
  baseline: WindowSums;
  current: WindowSums;
}

export interface RootCauseHint {
  labels: Record<string, string>;
  /** fraction of the aggregate change this group accounts for; signed (see above) */
  share: number;
  /** the group's KPI value in each window (its rate, or its sum for additive KPIs), × factor */
  baselineValue: number;
  currentValue: number;
  /** e.g. "platform=android, market=BR: 78% of the rebuffering ratio increase" */
  text: string;
}

export interface ExplainOptions {
  /** as the text should name it, e.g. "rebuffering ratio" */
  kpiName: string;
  kind: ChangeKind;
  /** how many hints at most (default DEFAULT_TOP) */
  top?: number;
  /** the decomposition's factor, so that values are in the KPI's unit (default 1) */
  factor?: number;
}

export const DEFAULT_TOP = 5;
/** A group explaining less than this of the change is noise, not a cause. */
export const MIN_SHARE = 0.05;
/**
 * A pair replaces its parents when it explains at least this much of each parent's share: the
 * change sits in the pair, not across the parent (the android stalls are all in BR). Otherwise
 * the pair is a fragment of a broader cause and is left out. The same test drops a single value
 * whose change sits inside a larger reported one (BR's share is all android's, and android is
 * reported).
 */
export const PAIR_SHARE_OF_PARENT = 0.8;

/** Splits a catalogue formula into what explainChange needs per segment. */
export function decomposeKpi(kpi: KpiDefinition): KpiDecomposition {
  return decompose(kpi.formula, 1);
}

function decompose(expr: KpiExpr, factor: number): KpiDecomposition {
  switch (expr.kind) {
    case 'scale':
      return decompose(expr.arg, factor * expr.factor);
    case 'ratio':
      return { kind: 'ratio', numerator: expr.numerator, denominator: expr.denominator, factor };
    case 'quantile':
      // The histogram's own count rate weighs each segment's level by its observations.
      return { kind: 'level', numerator: expr, denominator: histogramRate(expr.metric, 'count', expr.where), factor };
    case 'rate':
    case 'gauge':
      // Gauges are summed over series like rates (expression.ts), so a segment's change adds up.
      return { kind: 'additive', numerator: expr, factor };
    case 'sum':
      return { kind: expr.terms.every(additive) ? 'additive' : 'level', numerator: expr, factor };
  }
}

function additive(expr: KpiExpr): boolean {
  switch (expr.kind) {
    case 'rate':
    case 'gauge':
      return true;
    case 'scale':
      return additive(expr.arg);
    case 'sum':
      return expr.terms.every(additive);
    default:
      return false;
  }
}

interface Group {
  labels: Record<string, string>;
  segments: number;
  n0: number;
  d0: number;
  n1: number;
  d1: number;
}

/** The groups that account for most of the aggregate change, best first; empty when nothing changed. */
export function explainChange(segments: readonly SegmentChange[], options: ExplainOptions): RootCauseHint[] {
  const top = Number.isFinite(options.top) ? Math.max(0, Math.floor(options.top!)) : DEFAULT_TOP;
  const factor = Number.isFinite(options.factor) ? options.factor! : 1;
  const rows = segments.map((s) => toSums(s, options.kind));
  const usable = rows.filter((row) => row !== undefined);
  if (usable.length === 0 || top === 0) return [];

  const total = { n0: 0, d0: 0, n1: 0, d1: 0 };
  for (const row of usable) {
    total.n0 += row.n0;
    total.d0 += row.d0;
    total.n1 += row.n1;
    total.d1 += row.d1;
  }
  const additiveKind = options.kind === 'additive';
  if (!additiveKind && !(total.d0 > 0 && total.d1 > 0)) return [];
  const r0 = additiveKind ? total.n0 : total.n0 / total.d0;
  const r1 = additiveKind ? total.n1 : total.n1 / total.d1;
  const change = r1 - r0;
  if (!Number.isFinite(change)) return [];
  const contribution = (g: Sums): number =>
    additiveKind ? g.n1 - g.n0 : g.n1 / total.d1 - g.n0 / total.d0 - r0 * (g.d1 / total.d1 - g.d0 / total.d0);
  // A net change that is rounding of segment changes cancelling out is not a change.
  const magnitude = usable.reduce((m, row) => m + Math.abs(contribution(row)), 0);
  if (!(Math.abs(change) > 1e-9 * magnitude)) return [];

  const groups = groupsOf(segments, rows);
  const share = new Map<string, number>();
  for (const [key, g] of groups) {
    // A group holding every segment is the aggregate itself.
    if (g.segments === usable.length) continue;
    const s = contribution(g) / change;
    if (Number.isFinite(s)) share.set(key, s);
  }

  const chosen = choose(groups, share);
  const direction = change > 0 ? 'increase' : 'decrease';
  const name = displayName(options.kpiName);
  const valueOf = (n: number, d: number) => (additiveKind ? n * factor : d > 0 ? (n / d) * factor : NaN);
  return chosen.slice(0, top).map((key) => {
    const g = groups.get(key)!;
    const s = share.get(key)!;
    const labelText = Object.entries(g.labels)
      .map(([label, value]) => `${label}=${value}`)
      .join(', ');
    return {
      labels: { ...g.labels },
      share: s,
      baselineValue: valueOf(g.n0, g.d0),
      currentValue: valueOf(g.n1, g.d1),
      text: `${labelText}: ${Math.round(s * 100)}% of the ${name} ${direction}`,
    };
  });
}

/** A label value that carried traffic before the change and none during it. */
export interface SilentGroup {
  labels: Record<string, string>;
  /** its share of the baseline's traffic (denominator; numerator for additive KPIs) */
  baselineShare: number;
  /** e.g. "market=DE sent no data during the anomaly (12% of the traffic before it): a telemetry gap, or an outage there" */
  text: string;
}

/**
 * Below this share of the traffic before the change a value going quiet is ordinary (a rare
 * platform with no session in the window), not news.
 */
export const MIN_SILENT_SHARE = 0.01;

/**
 * The single label values whose traffic was at least MIN_SILENT_SHARE of the total before the
 * change and exactly nothing during it. When a market's telemetry stops, an aggregate ratio moves
 * by the mix alone (the remaining markets' level): the change is real arithmetic, but its cause
 * is the missing market, which the shares of explainChange do not say. Counters that stop
 * increasing give rates of exactly 0, so "nothing" is 0, not "small". Largest first.
 */
export function silentGroups(segments: readonly SegmentChange[], kind: ChangeKind): SilentGroup[] {
  const traffic = (w: WindowSums) => (kind === 'additive' ? w.numerator : w.denominator);
  const byValue = new Map<string, { labels: Record<string, string>; before: number; during: number }>();
  let total = 0;
  for (const s of segments) {
    const before = traffic(s.baseline);
    const during = traffic(s.current);
    if (!Number.isFinite(before) || !Number.isFinite(during)) continue;
    total += before;
    for (const [label, value] of Object.entries(s.labels)) {
      const key = JSON.stringify([label, value]);
      let g = byValue.get(key);
      if (!g) byValue.set(key, (g = { labels: { [label]: value }, before: 0, during: 0 }));
      g.before += before;
      g.during += during;
    }
  }
  if (!(total > 0)) return [];
  const out: SilentGroup[] = [];
  for (const g of byValue.values()) {
    const share = g.before / total;
    // All of the traffic silent is the aggregate itself, not one of its parts.
    if (!(share >= MIN_SILENT_SHARE) || share >= 1 || g.during !== 0) continue;
    const labelText = Object.entries(g.labels).map(([label, value]) => `${label}=${value}`).join(', ');
    out.push({ labels: g.labels, baselineShare: share, text: `${labelText} sent no data during the anomaly (${Math.round(share * 100)}% of the traffic before it): a telemetry gap, or an outage there` });
  }
  return out.sort((a, b) => b.baselineShare - a.baselineShare);
}

type Sums = { n0: number; d0: number; n1: number; d1: number };

/** Per-segment sums in ratio form (levels weighted); non-finite numbers make a segment unusable. */
function toSums(s: SegmentChange, kind: ChangeKind): Sums | undefined {
  const { baseline: b, current: c } = s;
  let sums: Sums;
  if (kind === 'additive') sums = { n0: b.numerator, d0: 1, n1: c.numerator, d1: 1 };
  else if (kind === 'level') {
    // A segment without traffic in a window has no level there, and no weight.
    const w0 = b.denominator > 0 ? b.denominator : 0;
    const w1 = c.denominator > 0 ? c.denominator : 0;
    sums = { n0: w0 > 0 ? b.numerator * w0 : 0, d0: w0, n1: w1 > 0 ? c.numerator * w1 : 0, d1: w1 };
  } else sums = { n0: b.numerator, d0: b.denominator, n1: c.numerator, d1: c.denominator };
  return Object.values(sums).every(Number.isFinite) ? sums : undefined;
}

/** Every single label value and pair of them, keyed canonically, with the sums of its segments. */
function groupsOf(segments: readonly SegmentChange[], rows: ReadonlyArray<Sums | undefined>): Map<string, Group> {
  // Labels keep the order they first appear in, so the text reads as the caller wrote them.
  const order = new Map<string, number>();
  for (const s of segments) for (const label of Object.keys(s.labels)) if (!order.has(label)) order.set(label, order.size);
  const groups = new Map<string, Group>();
  const add = (labels: Array<[string, string]>, row: Sums) => {
    const key = JSON.stringify(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels: Object.fromEntries(labels), segments: 0, n0: 0, d0: 0, n1: 0, d1: 0 }));
    g.segments++;
    g.n0 += row.n0;
    g.d0 += row.d0;
    g.n1 += row.n1;
    g.d1 += row.d1;
  };
  segments.forEach((s, index) => {
    const row = rows[index];
    if (!row) return;
    const entries = Object.entries(s.labels).sort(([a], [b]) => order.get(a)! - order.get(b)!);
    for (let i = 0; i < entries.length; i++) {
      add([entries[i]!], row);
      for (let j = i + 1; j < entries.length; j++) add([entries[i]!, entries[j]!], row);
    }
  });
  return groups;
}

/** Applies the pair rule (PAIR_SHARE_OF_PARENT) and MIN_SHARE; keys best first. */
function choose(groups: Map<string, Group>, share: Map<string, number>): string[] {
  const singleKey = (label: string, value: string) => JSON.stringify([[label, value]]);
  const shareOf = (key: string) => share.get(key) ?? NaN;
  const pairs: Array<{ key: string; parents: [string, string] }> = [];
  for (const [key, g] of groups) {
    const entries = Object.entries(g.labels);
    if (entries.length === 2 && share.has(key)) {
      pairs.push({ key, parents: [singleKey(...entries[0]!), singleKey(...entries[1]!)] });
    }
  }
  const refines = (pair: string, parent: string) => {
    const p = shareOf(parent);
    // A pair holding all of a parent's segments is that parent under another name.
    if (groups.get(pair)!.segments === groups.get(parent)?.segments) return false;
    return !(p > 0) || shareOf(pair) >= PAIR_SHARE_OF_PARENT * p;
  };
  const reported = new Set<string>();
  const replaced = new Set<string>();
  for (const { key, parents } of pairs) {
    if (!(shareOf(key) >= MIN_SHARE)) continue;
    if (parents.every((parent) => refines(key, parent))) {
      reported.add(key);
      for (const parent of parents) replaced.add(parent);
    }
  }
  const kept = new Set([...share.keys()].filter((key) => Object.keys(groups.get(key)!.labels).length === 1 && !replaced.has(key) && shareOf(key) >= MIN_SHARE));
  // A single value whose change sits inside a larger kept value is that value's fragment.
  const fragments = new Set<string>();
  for (const { key, parents } of pairs) {
    for (const [small, large] of [parents, [parents[1], parents[0]]] as const) {
      if (kept.has(small) && kept.has(large) && shareOf(large) > shareOf(small) && shareOf(key) >= PAIR_SHARE_OF_PARENT * shareOf(small)) {
        fragments.add(small);
      }
    }
  }
  const out = [...reported, ...[...kept].filter((key) => !fragments.has(key))];
  return out.sort((x, y) => shareOf(y) - shareOf(x) || Object.keys(groups.get(x)!.labels).length - Object.keys(groups.get(y)!.labels).length || (x < y ? -1 : 1));
}

/** "Rebuffering ratio" reads "rebuffering ratio" mid-sentence; "ARPU" and "eCPM" stay. */
function displayName(name: string): string {
  return name.length > 1 && name[0] !== name[0]!.toLowerCase() && name[1] === name[1]!.toLowerCase() ? name[0]!.toLowerCase() + name.slice(1) : name;
}
