/**
 * A provisioned alert rule run the way Grafana's scheduler runs it, against the BUILT backend:
 * at an evaluation time `now`, each data source's queries of the rule go in one request (from
 * the service identity, with the FromAlert header), each query's range is its relativeTimeRange
 * ending at `now`, and the reduce/threshold expressions (alert-eval.ts) turn the frames into a
 * condition per instance. Successive evaluations at the group's interval go through Grafana's
 * state machine (Normal -> Pending -> Alerting after `for`), so a test can say which instances
 * would have fired, not only whose condition was true once.
 *
 * `now` may be in the past (time-shifted evaluation over backfilled data): the queries do not
 * know the difference, except the data-quality checks that compare with the real clock, as
 * Grafana's own evaluation would (freshness is not judged for a range that ended long ago).
 */
import assert from 'node:assert/strict';
import type { Frame } from '../../../src/backend/grafana/frames/frame';
import { assertGrafanaReadableFrame } from '../../harness/go-reader-rules';
import type { PluginHost } from '../../harness/grafana-host';
import { dataQuery, queryDataRequest } from '../../harness/plugin-context';
import type { DataResponse } from '../../harness/wire';
import { effectiveStatus } from '../kpi-answers';
import { alertabilityProblems, alertSeries, evaluateRule, EXPRESSION_UID, ruleExpressions, type AlertSeries, type ReducedValue } from './alert-eval';
import type { Env } from './grafana-env';
import { durationMs, expressionInputs, type AlertRule } from './schemas';
import { dataSourceInput } from './stack';

/** Grafana's default relative time range of an alert query without one: the last 10 minutes. */
const DEFAULT_RANGE = { from: 600, to: 0 };

export interface RuleQueryResult {
  /** decoded frames per query refId */
  frames: Map<string, Frame[]>;
  /** alert series per query refId (what the expressions read) */
  series: Map<string, AlertSeries[]>;
}

/** The frames of a successful answer, each read as Grafana's Go SDK reads it; fails (assert) on an error answer. */
export function decodeFrames(answer: DataResponse | undefined, what: string): Frame[] {
  assert.ok(answer, `${what}: no answer`);
  assert.equal(answer.error, '', `${what}: ${answer.error}`);
  assert.equal(effectiveStatus(answer), 200, what);
  return answer.frames.map((bytes) => assertGrafanaReadableFrame(new Uint8Array(bytes)));
}

/** The refIds the rule's condition reads, directly or through other expressions. */
export function conditionInputs(rule: AlertRule): Set<string> {
  const expressions = ruleExpressions(rule);
  const seen = new Set<string>();
  const visit = (refId: string) => {
    if (seen.has(refId)) return;
    seen.add(refId);
    const model = expressions.get(refId);
    if (model) for (const input of expressionInputs(model)) visit(input);
  };
  visit(rule.condition);
  return seen;
}

export interface QueryRuleOptions {
  /**
   * Only the queries the condition reads (not those only the annotations read, e.g. the KPI's
   * current value for the summary): whether an instance fires is the same, at a fraction of
   * the cost. Grafana runs them all.
   */
  conditionOnly?: boolean;
}

/**
 * The rule's data-source queries at evaluation time `nowMs`, one request per data source, as
 * Grafana sends them. Fails (assert) on an error answer or frames alerting cannot read.
 */
export async function queryRule(host: PluginHost, rule: AlertRule, env: Env, nowMs: number, options: QueryRuleOptions = {}): Promise<RuleQueryResult> {
  const needed = options.conditionOnly ? conditionInputs(rule) : undefined;
  const queries = rule.data.filter((q) => q.datasourceUid !== EXPRESSION_UID && (!needed || needed.has(q.refId)));
  const frames = new Map<string, Frame[]>();
  const series = new Map<string, AlertSeries[]>();
  for (const uid of new Set(queries.map((q) => q.datasourceUid))) {
    const mine = queries.filter((q) => q.datasourceUid === uid);
    const request = queryDataRequest({
      context: { datasource: dataSourceInput(uid, env), user: null },
      headers: { FromAlert: 'true' },
      queries: mine.map((q) => {
        const model = q.model as { intervalMs?: number; maxDataPoints?: number };
        const range = q.relativeTimeRange ?? DEFAULT_RANGE;
        return dataQuery({
          refId: q.refId,
          json: model,
          queryType: q.queryType ?? '',
          datasourceUid: uid,
          timeRange: { from: nowMs - range.from * 1000, to: nowMs - range.to * 1000 },
          intervalMS: model.intervalMs ?? 1000,
          maxDataPoints: model.maxDataPoints ?? 43_200,
        });
      }),
    });
    const { responses } = await host.queryData(request);
    for (const q of mine) {
      const what = `${rule.uid} ${q.refId} at ${new Date(nowMs).toISOString()}`;
      const decoded = decodeFrames(responses[q.refId], what);
      assert.deepEqual(alertabilityProblems(decoded), [], `${what}: frames Grafana alerting cannot read`);
      frames.set(q.refId, decoded);
      series.set(q.refId, alertSeries(decoded));
    }
  }
  return { frames, series };
}

export interface RuleEvaluation {
  atMs: number;
  /** the condition's value per instance (1 true, 0 false, null no value) */
  condition: ReducedValue[];
  /** every expression's values by refId (the summary's $values) */
  values: Map<string, ReducedValue[]>;
}

/** One evaluation of the rule at `nowMs`: its queries through the backend, then its expressions. */
export async function evaluateRuleAt(host: PluginHost, rule: AlertRule, env: Env, nowMs: number, options: QueryRuleOptions = {}): Promise<RuleEvaluation> {
  const { series } = await queryRule(host, rule, env, nowMs, options);
  const needed = options.conditionOnly ? conditionInputs(rule) : undefined;
  const values = evaluateRule(needed ? { ...rule, data: rule.data.filter((q) => needed.has(q.refId)) } : rule, series);
  return { atMs: nowMs, condition: values.get(rule.condition) ?? [], values };
}

export const instanceKey = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

export interface Firing {
  labels: Record<string, string>;
  /** the first evaluation of the run of true conditions (Pending from here) */
  activeAtMs: number;
  /** the evaluation at which it had been true for `for`: Alerting (fired) */
  firedAtMs: number;
}

export interface FiringSearch {
  fired: Firing[];
  /** evaluations made, by time */
  evaluations: Map<number, RuleEvaluation>;
}

/** The condition as Grafana's state machine sees it: no instance at all is NoData, and NoData may be Alerting. */
function trueInstances(rule: AlertRule, evaluation: RuleEvaluation): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  if (evaluation.condition.length === 0) {
    if (rule.noDataState === 'Alerting') out.set(instanceKey({}), {});
    return out;
  }
  for (const { labels, value } of evaluation.condition) if (value === 1) out.set(instanceKey(labels), labels);
  return out;
}

/**
 * Which instances of the rule fire at some evaluation in [fromMs, toMs], with Grafana's
 * semantics: evaluations at the multiples of the group interval; an instance fires (Normal ->
 * Pending -> Alerting) at the first evaluation at which its condition has been true at every
 * evaluation for the rule's `for` (at once when `for` is 0). A false or missing condition ends
 * the run (keepFiringFor only delays resolving, not firing).
 *
 * Exact, with fewer evaluations than every interval: a run that lasts `for` covers for/interval+1
 * consecutive evaluations, so it contains one of the evaluations taken every for/interval
 * intervals. Those are made first; from each one where an instance is true, the neighbours are
 * evaluated one interval at a time, back (to `earliestMs`, default fromMs - for) and forward (to
 * toMs, or until the run has lasted `for`), to measure the run. An instance false at every
 * sampled evaluation cannot have fired.
 */
export async function findFirings(
  rule: AlertRule,
  intervalMs: number,
  evaluate: (atMs: number) => Promise<RuleEvaluation>,
  span: { fromMs: number; toMs: number; earliestMs?: number },
): Promise<FiringSearch> {
  const forMs = durationMs(rule.for ?? '0s');
  const stride = Math.max(1, Math.floor(forMs / intervalMs));
  const first = Math.ceil(span.fromMs / intervalMs) * intervalMs;
  const earliest = Math.ceil((span.earliestMs ?? span.fromMs - forMs) / intervalMs) * intervalMs;
  const evaluations = new Map<number, RuleEvaluation>();
  const at = async (t: number) => {
    let found = evaluations.get(t);
    if (!found) evaluations.set(t, (found = await evaluate(t)));
    return trueInstances(rule, found);
  };
  const fired = new Map<string, Firing>();
  /** per instance, the runs already measured: [start, end] */
  const measured = new Map<string, Array<[number, number]>>();
  const forTicks = Math.ceil(forMs / intervalMs);
  for (let s = first; s <= span.toMs; s += stride * intervalMs) {
    for (const [key, labels] of await at(s)) {
      if (fired.has(key) || (measured.get(key) ?? []).some(([a, b]) => a <= s && s <= b)) continue;
      let a = s;
      while (a - intervalMs >= earliest && (await at(a - intervalMs)).has(key)) a -= intervalMs;
      // Forward only as far as it takes to fire: the rest of the run changes nothing.
      const firedAt = a + forTicks * intervalMs;
      let b = s;
      while (b < firedAt && b + intervalMs <= span.toMs && (await at(b + intervalMs)).has(key)) b += intervalMs;
      measured.set(key, [...(measured.get(key) ?? []), [a, b]]);
      if (firedAt <= b) fired.set(key, { labels, activeAtMs: a, firedAtMs: firedAt });
    }
  }
  return { fired: [...fired.values()], evaluations };
}
