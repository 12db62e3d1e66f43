/**
 * The provisioning file formats, as the fields Grafana reads (Go structs with yaml tags in
 * pkg/services/provisioning/{datasources,dashboards,plugins,alerting} and grafana/alerting's
 * receivers). Grafana ignores keys it does not know, so a misspelled key is silently lost there;
 * these schemas are strict, so it is an error here. Values are checked as Grafana parses them:
 * Prometheus durations, enum states, numeric time ranges.
 */
import { z } from 'zod';

/** prometheus/common/model.ParseDuration, as Grafana uses it for intervals, `for` and policy timings. */
const DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;
export const promDuration = z.string().regex(DURATION, { error: 'expected a Prometheus duration such as 30s, 5m or 1h' }).refine((s) => s !== '', { error: 'expected a duration, got an empty string' });

export function durationMs(text: string): number {
  const units: Record<string, number> = { y: 365 * 86_400_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const [, value, unit] of text.matchAll(/([0-9]+)(ms|y|w|d|h|m|s)/g)) total += Number(value) * units[unit!]!;
  return total;
}

const orgId = z.number().int().min(1).optional();
const apiVersion = z.literal(1);

// ---- data sources (provisioning/datasources/*.yaml) ------------------------------------------

export const dataSourceSchema = z.strictObject({
  orgId,
  orgName: z.string().optional(),
  version: z.number().int().optional(),
  name: z.string().min(1),
  type: z.string().min(1),
  access: z.enum(['proxy', 'direct']).optional(),
  url: z.string().optional(),
  user: z.string().optional(),
  database: z.string().optional(),
  basicAuth: z.boolean().optional(),
  basicAuthUser: z.string().optional(),
  withCredentials: z.boolean().optional(),
  isDefault: z.boolean().optional(),
  correlations: z.array(z.record(z.string(), z.unknown())).optional(),
  jsonData: z.record(z.string(), z.unknown()).optional(),
  secureJsonData: z.record(z.string(), z.string()).optional(),
  editable: z.boolean().optional(),
  uid: z.string().regex(/^[a-zA-Z0-9\-_]{1,40}$/, { error: 'expected a uid of at most 40 letters, digits, - and _' }),
});
export type ProvisionedDataSource = z.infer<typeof dataSourceSchema>;

export const dataSourcesFileSchema = z.strictObject({
  apiVersion,
  datasources: z.array(dataSourceSchema).default([]),
  deleteDatasources: z.array(z.strictObject({ name: z.string(), orgId, orgName: z.string().optional() })).optional(),
  prune: z.boolean().optional(),
});

// ---- plugins (provisioning/plugins/*.yaml) -------------------------------------------------

export const pluginsFileSchema = z.strictObject({
  apiVersion,
  apps: z.array(
    z.strictObject({
      type: z.string().min(1),
      org_id: orgId,
      org_name: z.string().optional(),
      disabled: z.boolean().optional(),
      jsonData: z.record(z.string(), z.unknown()).optional(),
      secureJsonData: z.record(z.string(), z.string()).optional(),
    }),
  ),
});

// ---- dashboard providers (provisioning/dashboards/*.yaml) ------------------------------------

export const dashboardProvidersFileSchema = z.strictObject({
  apiVersion,
  providers: z.array(
    z.strictObject({
      name: z.string().min(1),
      type: z.literal('file'),
      orgId,
      folder: z.string().optional(),
      folderUid: z.string().optional(),
      editable: z.boolean().optional(),
      disableDeletion: z.boolean().optional(),
      updateIntervalSeconds: z.number().int().min(10).optional(),
      allowUiUpdates: z.boolean().optional(),
      options: z.strictObject({ path: z.string().min(1), foldersFromFilesStructure: z.boolean().optional() }),
    }),
  ),
});

// ---- alerting (provisioning/alerting/*.yaml) -----------------------------------------------

/** Grafana's server-side expressions (datasourceUid `__expr__`) Encore's rules use, and math. */
const EXPRESSION_DS = z.strictObject({ type: z.literal('__expr__'), uid: z.literal('__expr__') });
const REDUCERS = ['last', 'mean', 'min', 'max', 'sum', 'count', 'median'] as const;
const THRESHOLD_TYPES = ['gt', 'lt', 'eq', 'ne', 'gte', 'lte', 'within_range', 'outside_range', 'within_range_included', 'outside_range_included'] as const;
const evaluator = z.strictObject({ type: z.enum(THRESHOLD_TYPES), params: z.array(z.number()).min(1).max(2) }).superRefine((e, ctx) => {
  const ranged = e.type.includes('range');
  if (e.params.length !== (ranged ? 2 : 1)) ctx.addIssue({ code: 'custom', message: `${e.type} takes ${ranged ? 'two parameters' : 'one parameter'}` });
});
const expressionCommon = { refId: z.string(), datasource: EXPRESSION_DS.optional(), hide: z.boolean().optional(), intervalMs: z.number().optional(), maxDataPoints: z.number().optional() };
export const expressionModelSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...expressionCommon,
    type: z.literal('reduce'),
    expression: z.string().min(1),
    reducer: z.enum(REDUCERS),
    settings: z.strictObject({ mode: z.enum(['', 'dropNN', 'replaceNN']), replaceWithValue: z.number().optional() }).optional(),
  }),
  z.strictObject({
    ...expressionCommon,
    type: z.literal('threshold'),
    expression: z.string().min(1),
    conditions: z.array(z.strictObject({ evaluator, unloadEvaluator: evaluator.optional() })).length(1),
  }),
  z.strictObject({ ...expressionCommon, type: z.literal('math'), expression: z.string().min(1) }),
]);
export type ExpressionModel = z.infer<typeof expressionModelSchema>;

/** Refs an expression reads: `expression` of reduce/threshold, `$A` / `${A}` of math. */
export function expressionInputs(model: ExpressionModel): string[] {
  if (model.type !== 'math') return [model.expression];
  return [...model.expression.matchAll(/\$\{?([A-Za-z0-9_]+)\}?/g)].map((m) => m[1]!);
}

export const alertQuerySchema = z.strictObject({
  refId: z.string().regex(/^[A-Za-z0-9_]+$/, { error: 'expected a refId of letters, digits and _ (templates read $values.<refId>)' }),
  queryType: z.string().optional(),
  relativeTimeRange: z
    .strictObject({ from: z.number().int().min(0), to: z.number().int().min(0) })
    .refine((r) => r.from >= r.to, { error: 'relativeTimeRange: from (seconds before now) must be at least to' })
    .optional(),
  datasourceUid: z.string().min(1),
  model: z.record(z.string(), z.unknown()),
});
export type AlertQuery = z.infer<typeof alertQuerySchema>;

const ruleUid = z.string().regex(/^[a-zA-Z0-9\-_]{1,40}$/, { error: 'expected a uid of at most 40 letters, digits, - and _' });
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labels = z.record(z.string().regex(labelName, { error: 'expected a label name' }), z.string().min(1));

export const alertRuleSchema = z.strictObject({
  uid: ruleUid,
  title: z.string().min(1).max(190),
  condition: z.string().min(1),
  data: z.array(alertQuerySchema).min(1),
  dashboardUid: z.string().optional(),
  panelId: z.number().int().optional(),
  noDataState: z.enum(['NoData', 'Alerting', 'OK', 'KeepLast']).optional(),
  execErrState: z.enum(['Error', 'Alerting', 'OK', 'KeepLast']).optional(),
  for: promDuration.optional(),
  keepFiringFor: promDuration.optional(),
  missing_series_evals_to_resolve: z.number().int().min(0).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  labels: labels.optional(),
  isPaused: z.boolean().optional(),
  notification_settings: z
    .strictObject({
      receiver: z.string().min(1),
      group_by: z.array(z.string()).optional(),
      group_wait: promDuration.optional(),
      group_interval: promDuration.optional(),
      repeat_interval: promDuration.optional(),
      mute_time_intervals: z.array(z.string()).optional(),
      active_time_intervals: z.array(z.string()).optional(),
    })
    .optional(),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

export const alertRuleGroupSchema = z.strictObject({
  orgId,
  name: z.string().min(1),
  folder: z.string().min(1),
  // The scheduler ticks every 10 s: a group interval is a multiple of it.
  interval: promDuration.refine((d) => durationMs(d) > 0 && durationMs(d) % 10_000 === 0, { error: 'expected a multiple of 10s' }),
  rules: z.array(alertRuleSchema).min(1),
});
export type AlertRuleGroup = z.infer<typeof alertRuleGroupSchema>;

/** Settings of the contact point types Encore provisions (grafana/alerting receivers/<type>/v1/config.go). */
const slackSettings = z.strictObject({
  endpointUrl: z.string().optional(),
  url: z.string().optional(),
  token: z.string().optional(),
  recipient: z.string().optional(),
  text: z.string().optional(),
  title: z.string().optional(),
  username: z.string().optional(),
  icon_emoji: z.string().optional(),
  icon_url: z.string().optional(),
  mentionChannel: z.enum(['', 'here', 'channel']).optional(),
  mentionUsers: z.string().optional(),
  mentionGroups: z.string().optional(),
  color: z.string().optional(),
  footer: z.string().optional(),
});
const emailSettings = z.strictObject({
  addresses: z.string().min(1),
  singleEmail: z.boolean().optional(),
  message: z.string().optional(),
  subject: z.string().optional(),
});
const webhookSettings = z.looseObject({ url: z.string().min(1) });
export const receiverSchema = z.discriminatedUnion('type', [
  z.strictObject({ uid: ruleUid, type: z.literal('slack'), settings: slackSettings, disableResolveMessage: z.boolean().optional() }),
  z.strictObject({ uid: ruleUid, type: z.literal('email'), settings: emailSettings, disableResolveMessage: z.boolean().optional() }),
  z.strictObject({ uid: ruleUid, type: z.literal('webhook'), settings: webhookSettings, disableResolveMessage: z.boolean().optional() }),
]);
export type Receiver = z.infer<typeof receiverSchema>;

export const contactPointSchema = z.strictObject({ orgId, name: z.string().min(1), receivers: z.array(receiverSchema).min(1) });

const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;
export interface Route {
  receiver?: string;
  group_by?: string[];
  continue?: boolean;
  object_matchers?: Array<[string, (typeof MATCH_OPS)[number], string]>;
  matchers?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
  routes?: Route[];
}
const routeFields = {
  receiver: z.string().min(1).optional(),
  group_by: z.array(z.string()).optional(),
  continue: z.boolean().optional(),
  object_matchers: z.array(z.tuple([z.string().regex(labelName), z.enum(MATCH_OPS), z.string()])).optional(),
  matchers: z.array(z.string()).optional(),
  group_wait: promDuration.optional(),
  group_interval: promDuration.optional(),
  repeat_interval: promDuration.optional(),
  mute_time_intervals: z.array(z.string()).optional(),
  active_time_intervals: z.array(z.string()).optional(),
  routes: z.array(z.lazy((): z.ZodType<Route> => routeSchema)).optional(),
};
export const routeSchema: z.ZodType<Route> = z.strictObject(routeFields);
/** The root policy of an org: a receiver is required there (routes inherit it). */
export const policySchema = z
  .strictObject({ orgId, ...routeFields })
  .refine((policy) => policy.receiver !== undefined, { path: ['receiver'], error: 'the root policy needs a receiver' });

export const templateSchema = z.strictObject({ orgId, name: z.string().min(1), template: z.string().min(1) });

export const alertingFileSchema = z.strictObject({
  apiVersion,
  groups: z.array(alertRuleGroupSchema).optional(),
  deleteRules: z.array(z.strictObject({ orgId, uid: ruleUid })).optional(),
  contactPoints: z.array(contactPointSchema).optional(),
  deleteContactPoints: z.array(z.strictObject({ orgId, uid: ruleUid })).optional(),
  policies: z.array(policySchema).optional(),
  resetPolicies: z.array(z.number().int()).optional(),
  muteTimes: z.array(z.looseObject({ orgId, name: z.string().min(1) })).optional(),
  deleteMuteTimes: z.array(z.strictObject({ orgId, name: z.string().min(1) })).optional(),
  templates: z.array(templateSchema).optional(),
  deleteTemplates: z.array(z.strictObject({ orgId, name: z.string().min(1) })).optional(),
});
export type AlertingFile = z.infer<typeof alertingFileSchema>;
