/**
 * What Grafana's alerting does with a rule's data, as far as the provisioning tests need it:
 * which frames it can turn into alert series (server-side expressions read a time field plus one
 * number field per frame, or a number-only frame, each frame's labels distinct), and the reduce
 * and threshold expressions over them (pkg/expr: reducers with strict/dropNN/replaceNN modes,
 * threshold evaluators), so a test can say which instances a rule would fire for.
 */
import type { Field, Frame } from '../../../src/backend/grafana/frames/frame';
import { expressionInputs, expressionModelSchema, type AlertRule, type ExpressionModel } from './schemas';

export const EXPRESSION_UID = '__expr__';
const NUMERIC = new Set(['float64', 'float32', 'int64', 'int32', 'int16', 'int8', 'uint64', 'uint32', 'uint16', 'uint8']);

export interface AlertSeries {
  labels: Record<string, string>;
  /** the number field's values, in time order (NaN and null kept, as Grafana sees them) */
  values: Array<number | null>;
}

/** The problems that keep Grafana from reading these frames as alert data; [] when alertable. */
export function alertabilityProblems(frames: readonly Frame[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  frames.forEach((frame, index) => {
    const name = `frame ${index} (${frame.name ?? 'unnamed'})`;
    const times = frame.fields.filter((f) => f.type === 'time');
    const numbers = frame.fields.filter((f) => NUMERIC.has(f.type));
    const others = frame.fields.filter((f) => f.type !== 'time' && !NUMERIC.has(f.type));
    if (others.length > 0) problems.push(`${name}: fields that are neither time nor number: ${others.map((f) => `${f.name}:${f.type}`).join(', ')}`);
    if (times.length > 1) problems.push(`${name}: ${times.length} time fields`);
    if (numbers.length !== 1) problems.push(`${name}: ${numbers.length} number fields (${numbers.map((f) => f.name).join(', ')}); alerting needs one per frame`);
    const value = numbers[0];
    if (value && times.length === 0 && value.values.length > 1) problems.push(`${name}: a number-only frame with ${value.values.length} rows`);
    if (value && value.labels === undefined && frames.length > 1) problems.push(`${name}: no labels on ${value.name}, though there are ${frames.length} frames`);
    if (value && (times.length === 1 || value.values.length > 0)) {
      const key = JSON.stringify(Object.entries(value.labels ?? {}).sort());
      if (seen.has(key)) problems.push(`${name}: the same labels ${key} as frame ${seen.get(key)}`);
      seen.set(key, index);
    }
  });
  return problems;
}

/** The alert series of alertable frames; an empty frame (no rows) is no series, as in Grafana. */
export function alertSeries(frames: readonly Frame[]): AlertSeries[] {
  return frames.flatMap((frame) => {
    const value = frame.fields.find((f: Field) => NUMERIC.has(f.type));
    if (!value || value.values.length === 0) return [];
    return [{ labels: { ...(value.labels ?? {}) }, values: value.values.map((v) => (typeof v === 'number' ? v : null)) }];
  });
}

export interface ReducedValue {
  labels: Record<string, string>;
  value: number | null;
}

function reduce(model: Extract<ExpressionModel, { type: 'reduce' }>, series: AlertSeries): number | null {
  const mode = model.settings?.mode ?? '';
  let values = series.values;
  if (mode === 'dropNN') values = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (mode === 'replaceNN') values = values.map((v) => (v === null || !Number.isFinite(v) ? (model.settings?.replaceWithValue ?? 0) : v));
  const nums = values as Array<number | null>;
  if (model.reducer === 'count') return nums.length;
  if (nums.length === 0) return mode === 'dropNN' ? null : NaN;
  if (model.reducer === 'last') return nums[nums.length - 1] ?? null;
  if (nums.some((v) => v === null || Number.isNaN(v))) return NaN;
  const finite = nums as number[];
  switch (model.reducer) {
    case 'mean':
      return finite.reduce((a, b) => a + b, 0) / finite.length;
    case 'sum':
      return finite.reduce((a, b) => a + b, 0);
    case 'min':
      return Math.min(...finite);
    case 'max':
      return Math.max(...finite);
    case 'median': {
      const sorted = [...finite].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    }
  }
  return NaN;
}

function threshold(model: Extract<ExpressionModel, { type: 'threshold' }>, value: number | null): number | null {
  if (value === null || Number.isNaN(value)) return null;
  const { type, params } = model.conditions[0]!.evaluator;
  const [a, b] = params as [number, number | undefined];
  const lo = Math.min(a, b ?? a);
  const hi = Math.max(a, b ?? a);
  const result: Record<string, boolean> = {
    gt: value > a,
    lt: value < a,
    eq: value === a,
    ne: value !== a,
    gte: value >= a,
    lte: value <= a,
    within_range: value > lo && value < hi,
    outside_range: value < lo || value > hi,
    within_range_included: value >= lo && value <= hi,
    outside_range_included: value <= lo || value >= hi,
  };
  return result[type] ? 1 : 0;
}

/** The rule's expressions, parsed, by refId; throws on a model that is not one Grafana runs. */
export function ruleExpressions(rule: AlertRule): Map<string, ExpressionModel> {
  const out = new Map<string, ExpressionModel>();
  for (const q of rule.data) {
    if (q.datasourceUid !== EXPRESSION_UID) continue;
    const parsed = expressionModelSchema.safeParse(q.model);
    if (!parsed.success) throw new Error(`rule ${rule.uid}: expression ${q.refId}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    out.set(q.refId, parsed.data);
  }
  return out;
}

/** Problems with the rule's graph: unknown refIds, cycles, a condition that is not a threshold of something. */
export function ruleGraphProblems(rule: AlertRule): string[] {
  const problems: string[] = [];
  const refIds = rule.data.map((q) => q.refId);
  const duplicate = refIds.filter((r, i) => refIds.indexOf(r) !== i);
  if (duplicate.length > 0) problems.push(`refIds used twice: ${duplicate.join(', ')}`);
  if (!refIds.includes(rule.condition)) problems.push(`condition ${rule.condition} is none of the refIds ${refIds.join(', ')}`);
  let expressions: Map<string, ExpressionModel>;
  try {
    expressions = ruleExpressions(rule);
  } catch (error) {
    return [...problems, (error as Error).message];
  }
  for (const [refId, model] of expressions) {
    if (model.refId !== refId) problems.push(`expression ${refId}: model.refId is ${model.refId}`);
    for (const input of expressionInputs(model)) {
      if (!refIds.includes(input)) problems.push(`expression ${refId} reads ${input}, which is no refId of the rule`);
      if (input === refId) problems.push(`expression ${refId} reads itself`);
    }
  }
  const visiting = new Set<string>();
  const visit = (refId: string, path: string[]): void => {
    if (visiting.has(refId)) {
      problems.push(`a cycle: ${[...path, refId].join(' -> ')}`);
      return;
    }
    const model = expressions.get(refId);
    if (!model) return;
    visiting.add(refId);
    for (const input of expressionInputs(model)) visit(input, [...path, refId]);
    visiting.delete(refId);
  };
  for (const refId of expressions.keys()) visit(refId, []);
  const condition = expressions.get(rule.condition);
  if (condition && condition.type !== 'threshold' && condition.type !== 'math') problems.push(`condition ${rule.condition} is a ${condition.type}, not a threshold`);
  return problems;
}

/**
 * Evaluates the rule's reduce and threshold expressions over the queries' alert series, as
 * Grafana would at that instant: per refId, one value per label set.
 */
export function evaluateRule(rule: AlertRule, series: ReadonlyMap<string, AlertSeries[]>): Map<string, ReducedValue[]> {
  const expressions = ruleExpressions(rule);
  const results = new Map<string, ReducedValue[]>();
  const resolve = (refId: string): ReducedValue[] => {
    const done = results.get(refId);
    if (done) return done;
    const model = expressions.get(refId);
    let out: ReducedValue[];
    if (!model) out = [];
    else if (model.type === 'reduce') out = (series.get(model.expression) ?? []).map((s) => ({ labels: s.labels, value: reduce(model, s) }));
    else if (model.type === 'threshold') out = resolve(model.expression).map((r) => ({ labels: r.labels, value: threshold(model, r.value) }));
    else throw new Error(`rule ${rule.uid}: math expressions are not evaluated here`);
    results.set(refId, out);
    return out;
  };
  for (const refId of expressions.keys()) resolve(refId);
  return results;
}
