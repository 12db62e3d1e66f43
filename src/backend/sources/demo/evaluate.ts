import type { AggregateOp, ArithmeticOp, Expr, Grouping, SelectorExpr } from './promql';
import { executionError } from './promql-errors';

/**
 * Evaluates a parsed expression at every timestamp of a query at once: each series is a column
 * of values over the query's timestamps plus a presence mask, so a 7-day minute query is a few
 * tight loops over typed arrays rather than 10,000 instant evaluations.
 */

export interface VSeries {
  labels: Readonly<Record<string, string>>;
  values: Float64Array;
  /** 1 where the series has a sample; null when it has one at every timestamp */
  present: Uint8Array | null;
}

export type Value = { type: 'scalar'; value: number } | { type: 'vector'; series: VSeries[] };

export interface EvalEnv {
  /** how many timestamps the query evaluates */
  points: number;
  /** the series a selector picks, rendered over the query's timestamps */
  select(selector: SelectorExpr): VSeries[];
}

export function evaluate(expr: Expr, env: EvalEnv): Value {
  switch (expr.type) {
    case 'number':
      return { type: 'scalar', value: expr.value };
    case 'selector':
      return { type: 'vector', series: env.select(expr) };
    case 'negate': {
      const arg = evaluate(expr.arg, env);
      if (arg.type === 'scalar') return { type: 'scalar', value: -arg.value };
      return { type: 'vector', series: unique(arg.series.map((s) => mapValues(s, (v) => -v))) };
    }
    case 'binary':
      return binary(expr.op, evaluate(expr.left, env), evaluate(expr.right, env));
    case 'aggregate': {
      const arg = evaluate(expr.arg, env);
      if (arg.type !== 'vector') throw executionError(`${expr.op}() needs an instant vector`);
      if (expr.op === 'topk' || expr.op === 'bottomk') {
        const param = evaluate(expr.param!, env);
        if (param.type !== 'scalar') throw executionError(`${expr.op}() needs a number as its first argument`);
        return { type: 'vector', series: selectK(expr.op, param.value, expr.grouping, arg.series, env.points) };
      }
      return { type: 'vector', series: aggregate(expr.op, expr.grouping, arg.series, env.points) };
    }
  }
}

function arithmetic(op: ArithmeticOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
  }
}

function binary(op: ArithmeticOp, left: Value, right: Value): Value {
  if (left.type === 'scalar' && right.type === 'scalar') return { type: 'scalar', value: arithmetic(op, left.value, right.value) };
  if (left.type === 'vector' && right.type === 'scalar') {
    return { type: 'vector', series: unique(left.series.map((s) => mapValues(s, (v) => arithmetic(op, v, right.value)))) };
  }
  if (left.type === 'scalar' && right.type === 'vector') {
    return { type: 'vector', series: unique(right.series.map((s) => mapValues(s, (v) => arithmetic(op, left.value, v)))) };
  }
  // The parser refuses vector-vector arithmetic; reaching here is a bug, not bad input.
  throw new Error('vector-vector arithmetic reached the demo evaluator');
}

/** Arithmetic drops the metric name: the result is no longer that metric (Prometheus semantics). */
function mapValues(series: VSeries, f: (v: number) => number): VSeries {
  const values = new Float64Array(series.values.length);
  for (let i = 0; i < values.length; i++) values[i] = f(series.values[i]!);
  return { labels: withoutName(series.labels), values, present: series.present };
}

function withoutName(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { __name__: _name, ...rest } = labels;
  return rest;
}

/** Stable identity of a label set, independent of key order. */
export function labelKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(', ')}}`;
}

/**
 * After dropping metric names, two series of different metrics can end up identical; Prometheus
 * refuses that when both have a sample at the same time, and so does the demo.
 */
function unique(series: VSeries[]): VSeries[] {
  const seen = new Map<string, VSeries>();
  for (const s of series) {
    const key = labelKey(s.labels);
    const other = seen.get(key);
    if (other && overlaps(other, s)) {
      throw executionError(
        `vector cannot contain metrics with the same labelset ${formatLabels(s.labels)}: ` +
          'arithmetic removed the metric name from series of different metrics (select one metric, or aggregate first)',
      );
    }
    seen.set(key, s);
  }
  return series;
}

function overlaps(a: VSeries, b: VSeries): boolean {
  if (!a.present || !b.present) {
    const mask = a.present ?? b.present;
    return mask === null || mask.includes(1);
  }
  for (let i = 0; i < a.present.length; i++) if (a.present[i] && b.present[i]) return true;
  return false;
}

/** The output labels of a group: `by` keeps the listed labels, `without` drops them and the name. */
function groupLabels(labels: Readonly<Record<string, string>>, grouping: Grouping | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!grouping) return out;
  if (grouping.mode === 'by') {
    for (const name of grouping.labels) {
      const value = labels[name];
      if (value !== undefined && value !== '') out[name] = value;
    }
    return out;
  }
  for (const [name, value] of Object.entries(labels)) {
    if (name !== '__name__' && !grouping.labels.includes(name)) out[name] = value;
  }
  return out;
}

function groupSeries(series: VSeries[], grouping: Grouping | null): Array<{ labels: Record<string, string>; members: VSeries[] }> {
  const groups = new Map<string, { labels: Record<string, string>; members: VSeries[] }>();
  for (const s of series) {
    const labels = groupLabels(s.labels, grouping);
    const key = labelKey(labels);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { labels, members: [] }));
    group.members.push(s);
  }
  return [...groups.values()];
}

function aggregate(op: Exclude<AggregateOp, 'topk' | 'bottomk'>, grouping: Grouping | null, series: VSeries[], n: number): VSeries[] {
  return groupSeries(series, grouping).map(({ labels, members }) => {
    const acc = new Float64Array(n);
    const count = new Uint32Array(n);
    for (const member of members) {
      const { values, present } = member;
      for (let i = 0; i < n; i++) {
        if (present && !present[i]) continue;
        const v = values[i]!;
        const c = count[i]!;
        switch (op) {
          case 'sum':
          case 'avg':
            acc[i] = acc[i]! + v;
            break;
          case 'min':
            // NaN only wins when every sample is NaN, as in Prometheus.
            if (c === 0 || acc[i]! > v || Number.isNaN(acc[i]!)) acc[i] = v;
            break;
          case 'max':
            if (c === 0 || acc[i]! < v || Number.isNaN(acc[i]!)) acc[i] = v;
            break;
          case 'count':
            break;
        }
        count[i] = c + 1;
      }
    }
    let present: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const c = count[i]!;
      if (op === 'count') acc[i] = c;
      else if (op === 'avg' && c > 0) acc[i] = acc[i]! / c;
      if (c === 0) (present ??= new Uint8Array(n).fill(1))[i] = 0;
    }
    return { labels, values: acc, present };
  }).filter((s) => s.present === null || s.present.includes(1));
}

/** NaN ranks last for both topk and bottomk. */
function better(op: 'topk' | 'bottomk', a: number, b: number): boolean {
  if (Number.isNaN(b)) return !Number.isNaN(a);
  return op === 'topk' ? a > b : a < b;
}

/**
 * topk/bottomk at every timestamp independently: a series keeps its labels (name included) and
 * only the samples at which it ranked in the top k of its group, as in a Prometheus range query.
 */
function selectK(op: 'topk' | 'bottomk', param: number, grouping: Grouping | null, series: VSeries[], n: number): VSeries[] {
  if (!Number.isFinite(param)) throw executionError(`${op}(): k must be a finite number, got ${param}`);
  const k = Math.trunc(param);
  if (k < 1) return [];
  const out: VSeries[] = [];
  for (const { members } of groupSeries(series, grouping)) {
    const masks = members.map(() => new Uint8Array(n));
    const chosen = new Int32Array(Math.min(k, members.length));
    for (let i = 0; i < n; i++) {
      let size = 0;
      for (let m = 0; m < members.length; m++) {
        const member = members[m]!;
        if (member.present && !member.present[i]) continue;
        const v = member.values[i]!;
        // Insertion into a sorted array of at most k: k is small in practice, members a few hundred.
        let at = size;
        while (at > 0 && better(op, v, members[chosen[at - 1]!]!.values[i]!)) at--;
        if (at >= chosen.length) continue;
        const end = Math.min(size, chosen.length - 1);
        for (let j = end; j > at; j--) chosen[j] = chosen[j - 1]!;
        chosen[at] = m;
        if (size < chosen.length) size++;
      }
      for (let j = 0; j < size; j++) masks[chosen[j]!]![i] = 1;
    }
    members.forEach((member, m) => {
      const mask = masks[m]!;
      if (mask.includes(1)) out.push({ labels: member.labels, values: member.values, present: mask.includes(0) ? mask : null });
    });
  }
  return out;
}
