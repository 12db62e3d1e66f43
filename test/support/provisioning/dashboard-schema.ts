/**
 * The dashboard JSON model as @grafana/schema 13.2.2 types it (raw/dashboard/x/types.gen.d.ts:
 * Dashboard, Panel, RowPanel, VariableModel, AnnotationQuery, DashboardLink, FieldConfig...),
 * strict where the schema lists the keys, so a misspelled key is an error. Panel `options`,
 * `fieldConfig.defaults.custom` and query targets are the panel's and data source's own: the
 * provisioning tests check those against the Encore panels and query model.
 */
import { z } from 'zod';

/** @grafana/schema 13.2.2 defaultDashboard.schemaVersion: the version Grafana 13 writes. */
export const CURRENT_SCHEMA_VERSION = 42;

export const dataSourceRefSchema = z.strictObject({ type: z.string().optional(), uid: z.string().optional() });
const gridPos = z.strictObject({ x: z.number().int().min(0).max(23), y: z.number().int().min(0), w: z.number().int().min(1).max(24), h: z.number().int().min(1), static: z.boolean().optional() });

const threshold = z.strictObject({ color: z.string(), value: z.number().nullable(), valueExpr: z.string().optional() });
const thresholds = z.strictObject({ mode: z.enum(['absolute', 'percentage']), steps: z.array(threshold).min(1) });
const mappingResult = z.strictObject({ color: z.string().optional(), icon: z.string().optional(), index: z.number().optional(), text: z.string().optional() });
const valueMapping = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('value'), options: z.record(z.string(), mappingResult) }),
  z.strictObject({ type: z.literal('range'), options: z.strictObject({ from: z.number().nullable(), to: z.number().nullable(), result: mappingResult }) }),
  z.strictObject({ type: z.literal('regex'), options: z.strictObject({ pattern: z.string(), result: mappingResult }) }),
  z.strictObject({ type: z.literal('special'), options: z.strictObject({ match: z.enum(['empty', 'false', 'nan', 'null', 'null+nan', 'true']), result: mappingResult }) }),
]);
const fieldConfig = z.strictObject({
  actions: z.array(z.unknown()).optional(),
  color: z.strictObject({ mode: z.string(), fixedColor: z.string().optional(), seriesBy: z.enum(['min', 'max', 'last']).optional() }).optional(),
  custom: z.record(z.string(), z.unknown()).optional(),
  decimals: z.number().int().min(0).optional(),
  description: z.string().optional(),
  displayName: z.string().optional(),
  displayNameFromDS: z.string().optional(),
  filterable: z.boolean().optional(),
  links: z.array(z.unknown()).optional(),
  mappings: z.array(valueMapping).optional(),
  max: z.number().optional(),
  min: z.number().optional(),
  noValue: z.string().optional(),
  path: z.string().optional(),
  thresholds: thresholds.optional(),
  unit: z.string().optional(),
  writeable: z.boolean().optional(),
});
const matcher = z.strictObject({ id: z.string().min(1), options: z.unknown().optional(), scope: z.enum(['series', 'nested', 'annotation', 'exemplar']).optional() });
const fieldConfigSource = z.strictObject({
  defaults: fieldConfig,
  overrides: z.array(z.strictObject({ matcher, properties: z.array(z.strictObject({ id: z.string().min(1), value: z.unknown().optional() })) })),
});
const transformation = z.strictObject({ id: z.string().min(1), options: z.unknown(), disabled: z.boolean().optional(), filter: matcher.optional(), topic: z.enum(['series', 'annotations', 'alertStates']).optional() });

export const dashboardLinkSchema = z.strictObject({
  asDropdown: z.boolean(),
  icon: z.string(),
  includeVars: z.boolean(),
  keepTime: z.boolean(),
  origin: z.strictObject({ type: z.literal('datasource'), group: z.string() }).optional(),
  placement: z.literal('inControlsMenu').optional(),
  tags: z.array(z.string()),
  targetBlank: z.boolean(),
  title: z.string(),
  tooltip: z.string(),
  type: z.enum(['link', 'dashboards']),
  url: z.string().optional(),
});

export const panelSchema = z.strictObject({
  id: z.number().int().min(1),
  type: z.string().min(1).refine((t) => t !== 'row', { error: 'rows are RowPanel' }),
  title: z.string().optional(),
  description: z.string().optional(),
  datasource: dataSourceRefSchema.optional(),
  gridPos,
  targets: z.array(z.record(z.string(), z.unknown()).and(z.object({ refId: z.string().min(1) }))).optional(),
  fieldConfig: fieldConfigSource.optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  transformations: z.array(transformation).optional(),
  interval: z.string().optional(),
  maxDataPoints: z.number().int().positive().optional(),
  timeFrom: z.string().optional(),
  timeShift: z.string().optional(),
  hideTimeOverride: z.boolean().optional(),
  cacheTimeout: z.string().optional(),
  queryCachingTTL: z.number().optional(),
  links: z.array(dashboardLinkSchema).optional(),
  repeat: z.string().optional(),
  repeatDirection: z.enum(['h', 'v']).optional(),
  maxPerRow: z.number().int().optional(),
  transparent: z.boolean().optional(),
  pluginVersion: z.string().optional(),
  libraryPanel: z.strictObject({ name: z.string(), uid: z.string() }).optional(),
});
export type DashboardPanel = z.infer<typeof panelSchema>;

export const rowPanelSchema = z.strictObject({
  id: z.number().int().min(1),
  type: z.literal('row'),
  title: z.string().optional(),
  collapsed: z.boolean(),
  datasource: dataSourceRefSchema.optional(),
  gridPos,
  panels: z.array(panelSchema),
  repeat: z.string().optional(),
});

const variableOption = z.strictObject({ text: z.union([z.string(), z.array(z.string())]), value: z.union([z.string(), z.array(z.string())]), selected: z.boolean().optional(), properties: z.record(z.string(), z.string()).optional() });
export const variableSchema = z.strictObject({
  type: z.enum(['query', 'adhoc', 'groupby', 'constant', 'datasource', 'interval', 'textbox', 'custom', 'system', 'snapshot', 'switch']),
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/),
  label: z.string().optional(),
  description: z.string().optional(),
  allValue: z.string().optional(),
  allowCustomValue: z.boolean().optional(),
  current: variableOption.optional(),
  datasource: dataSourceRefSchema.optional(),
  enableGroupBy: z.boolean().optional(),
  hide: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional(),
  includeAll: z.boolean().optional(),
  multi: z.boolean().optional(),
  options: z.array(variableOption).optional(),
  query: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  refresh: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  regex: z.string().optional(),
  regexApplyTo: z.enum(['value', 'text']).optional(),
  skipUrlSync: z.boolean().optional(),
  sort: z.number().int().min(0).max(8).optional(),
  staticOptions: z.array(variableOption).optional(),
  staticOptionsOrder: z.enum(['before', 'after', 'sorted']).optional(),
  valuesFormat: z.enum(['csv', 'json']).optional(),
});
export type DashboardVariable = z.infer<typeof variableSchema>;

/** An annotation query: the built-in one, or a data source query in `target` (standard annotation support). */
export const annotationSchema = z.strictObject({
  builtIn: z.number().optional(),
  datasource: dataSourceRefSchema,
  enable: z.boolean(),
  filter: z.strictObject({ exclude: z.boolean().optional(), ids: z.array(z.number()) }).optional(),
  hide: z.boolean().optional(),
  iconColor: z.string(),
  name: z.string().min(1),
  placement: z.literal('inControlsMenu').optional(),
  target: z.record(z.string(), z.unknown()).optional(),
  type: z.string().optional(),
});

export const dashboardSchema = z.strictObject({
  id: z.number().nullable().optional(),
  uid: z.string().regex(/^[a-zA-Z0-9\-_]{1,40}$/),
  title: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string()),
  editable: z.boolean().optional(),
  graphTooltip: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  fiscalYearStartMonth: z.number().int().min(0).max(11).optional(),
  liveNow: z.boolean().optional(),
  preload: z.boolean().optional(),
  refresh: z.string().optional(),
  revision: z.number().optional(),
  schemaVersion: z.number().int(),
  version: z.number().int().optional(),
  time: z.strictObject({ from: z.string(), to: z.string() }).optional(),
  timepicker: z.strictObject({ hidden: z.boolean().optional(), nowDelay: z.string().optional(), quick_ranges: z.array(z.unknown()).optional(), refresh_intervals: z.array(z.string()).optional() }).optional(),
  timezone: z.string().optional(),
  weekStart: z.string().optional(),
  links: z.array(dashboardLinkSchema).optional(),
  annotations: z.strictObject({ list: z.array(annotationSchema).optional() }).optional(),
  templating: z.strictObject({ list: z.array(variableSchema).optional() }).optional(),
  panels: z.array(z.union([panelSchema, rowPanelSchema])).optional(),
  gnetId: z.number().nullable().optional(),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

/** Every panel of the dashboard, rows' nested panels included (rows themselves left out). */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return (dashboard.panels ?? []).flatMap((p) => (p.type === 'row' ? (p as z.infer<typeof rowPanelSchema>).panels : [p as DashboardPanel]));
}

/**
 * Panel plugin ids that ship with Grafana 13 (public/app/plugins/panel). A panel of any other
 * type must be one of the plugins Encore provides.
 */
export const GRAFANA_PANEL_IDS = [
  'alertlist', 'annolist', 'barchart', 'bargauge', 'candlestick', 'canvas', 'dashlist', 'datagrid', 'flamegraph', 'gauge', 'geomap', 'gettingstarted',
  'heatmap', 'histogram', 'logs', 'news', 'nodeGraph', 'piechart', 'stat', 'state-timeline', 'status-history', 'table', 'text', 'timeseries', 'traces', 'trend', 'welcome', 'xychart',
] as const;
