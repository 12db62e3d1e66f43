/**
 * Small builders for the provisioned dashboards (provisioning/dashboards/encore/*.json): every
 * Encore query gets its label filters from the dashboard's variables, but only for the labels its
 * KPI can be filtered by (the catalogue's kpiLabels), so no query asks for a split the backend
 * refuses. The JSON follows Grafana 13's dashboard schema (schemaVersion 42, @grafana/schema).
 */
import { findKpi, kpiLabels } from '../../src/common/kpis/catalogue';
import type { EncoreQueryInput } from '../../src/common/query';
import { APP_PLUGIN_ID, DATASOURCE_PLUGIN_ID } from '../../src/common/plugin-ids';

/** `@grafana/schema` 13.2.2 `defaultDashboard.schemaVersion`: what Grafana 13 writes. */
export const SCHEMA_VERSION = 42;
/** The data source variable every dashboard has; panels, queries and variables refer to it. */
export const DATASOURCE_VARIABLE = 'datasource';
export const DEFAULT_DATASOURCE_UID = 'encore-prometheus';
export const DS = { type: DATASOURCE_PLUGIN_ID, uid: `\${${DATASOURCE_VARIABLE}}` } as const;

/** The label variables and the KPI each reads its values from (one carrying the label). */
export type LabelVariable = 'market' | 'platform' | 'tier';
const VARIABLE_LABELS: Record<LabelVariable, string> = { market: 'Market', platform: 'Platform', tier: 'Tier' };

export type Json = Record<string, unknown>;
type Target = Json & { refId: string };

// ---- queries ---------------------------------------------------------------------------------

/** `{label, op: '=~', value: '$label'}` for each dashboard variable the KPI can be filtered by. */
export function filtersFor(kpi: string, variables: readonly LabelVariable[]): Array<{ label: string; op: '=~'; value: string }> {
  const definition = findKpi(kpi);
  if (!definition) throw new Error(`dashboards: unknown KPI ${kpi}`);
  const allowed = kpiLabels(definition);
  return variables.filter((v) => allowed.includes(v)).map((v) => ({ label: v, op: '=~', value: `$${v}` }));
}

/** PromQL label matchers for the same variables, for raw-metric queries (funnel, histogram). */
export function promqlMatchers(variables: readonly LabelVariable[], extra: string[] = []): string {
  return `{${[...extra, ...variables.map((v) => `${v}=~"$${v}"`)].join(', ')}}`;
}

type QueryFields = Omit<EncoreQueryInput, 'refId' | 'queryType'> & Json;

function target(refId: string, queryType: EncoreQueryInput['queryType'], fields: QueryFields): Target {
  return { refId, datasource: DS, queryType, ...fields };
}

export interface KpiQueryOptions {
  groupBy?: string[];
  legendFormat?: string;
  step?: string;
  instant?: boolean;
}

export function kpiQuery(refId: string, kpi: string, variables: readonly LabelVariable[], options: KpiQueryOptions = {}): Target {
  return target(refId, 'kpi', { kpi, filters: filtersFor(kpi, variables), groupBy: options.groupBy ?? [], ...rest(options, ['groupBy']) });
}

export interface AnomalyQueryOptions extends KpiQueryOptions {
  detect?: Json;
  output?: 'all' | 'value' | 'score' | 'anomaly';
  format?: 'timeseries' | 'events';
  explain?: boolean;
}

export function anomalyQuery(refId: string, kpi: string, variables: readonly LabelVariable[], options: AnomalyQueryOptions = {}): Target {
  return target(refId, 'anomaly', { kpi, filters: filtersFor(kpi, variables), groupBy: options.groupBy ?? [], detect: options.detect ?? {}, ...rest(options, ['groupBy', 'detect']) });
}

export function outliersQuery(refId: string, kpi: string, variables: readonly LabelVariable[], options: AnomalyQueryOptions): Target {
  return target(refId, 'outliers', { kpi, filters: filtersFor(kpi, variables), groupBy: options.groupBy ?? [], detect: options.detect ?? {}, ...rest(options, ['groupBy', 'detect']) });
}

export function forecastQuery(refId: string, kpi: string, variables: readonly LabelVariable[], options: { horizon: string; legendFormat?: string; groupBy?: string[] }): Target {
  return target(refId, 'forecast', { kpi, filters: filtersFor(kpi, variables), groupBy: options.groupBy ?? [], ...rest(options, ['groupBy']) });
}

export function qualityQuery(refId: string, kpi: string, variables: readonly LabelVariable[], options: { output: 'table' | 'score' | 'levels'; groupBy?: string[]; checks?: string[] }): Target {
  return target(refId, 'quality', { kpi, filters: filtersFor(kpi, variables), groupBy: options.groupBy ?? [], ...rest(options, ['groupBy']) });
}

export function promqlQuery(refId: string, expr: string, legendFormat: string): Target {
  return target(refId, 'promql', { expr, legendFormat });
}

function rest<T extends object>(options: T, omit: Array<keyof T>): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([key, value]) => value !== undefined && !omit.includes(key as keyof T))) as Partial<T>;
}

// ---- panels ----------------------------------------------------------------------------------

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PanelInput {
  title: string;
  description: string;
  gridPos: GridPos;
  targets: Target[];
  fieldConfig?: { defaults?: Json; overrides?: Json[] };
  options?: Json;
  transformations?: Json[];
  interval?: string;
}

export type PanelJson = Json & { id: number; type: string };

export function panel(type: string, input: PanelInput): Omit<PanelJson, 'id'> {
  const refIds = input.targets.map((t) => t.refId);
  if (new Set(refIds).size !== refIds.length) throw new Error(`dashboards: panel "${input.title}" repeats a refId (${refIds.join(', ')})`);
  return {
    type,
    title: input.title,
    description: input.description,
    // A panel without queries (an alert list) reads no data source.
    ...(input.targets.length > 0 ? { datasource: DS } : {}),
    gridPos: input.gridPos,
    ...(input.interval ? { interval: input.interval } : {}),
    targets: input.targets,
    fieldConfig: { defaults: input.fieldConfig?.defaults ?? {}, overrides: input.fieldConfig?.overrides ?? [] },
    options: input.options ?? {},
    ...(input.transformations ? { transformations: input.transformations } : {}),
  };
}

const LEGEND = { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] };
const REDUCE_LAST = { calcs: ['lastNotNull'], fields: '', values: false };

export function thresholds(...steps: Array<[string, number | null]>): Json {
  return { mode: 'absolute', steps: steps.map(([color, value]) => ({ color, value })) };
}

export function timeseries(input: PanelInput & { thresholdLine?: Json }): Omit<PanelJson, 'id'> {
  const custom: Json = { drawStyle: 'line', lineWidth: 1, showPoints: 'never', spanNulls: false };
  if (input.thresholdLine) custom.thresholdsStyle = { mode: 'dashed' };
  return panel('timeseries', {
    ...input,
    fieldConfig: {
      defaults: { custom, color: { mode: 'palette-classic' }, ...(input.thresholdLine ? { thresholds: input.thresholdLine } : {}), ...input.fieldConfig?.defaults },
      overrides: input.fieldConfig?.overrides ?? [],
    },
    options: { legend: LEGEND, tooltip: { mode: 'multi', sort: 'desc' }, ...input.options },
  });
}

export function stat(input: PanelInput): Omit<PanelJson, 'id'> {
  return panel('stat', {
    ...input,
    fieldConfig: { defaults: { color: { mode: 'thresholds' }, ...input.fieldConfig?.defaults }, overrides: input.fieldConfig?.overrides ?? [] },
    options: { reduceOptions: REDUCE_LAST, colorMode: 'value', graphMode: 'area', justifyMode: 'auto', orientation: 'auto', textMode: 'auto', wideLayout: true, showPercentChange: false, ...input.options },
  });
}

export function barGauge(input: PanelInput): Omit<PanelJson, 'id'> {
  return panel('bargauge', {
    ...input,
    fieldConfig: { defaults: { color: { mode: 'thresholds' }, ...input.fieldConfig?.defaults }, overrides: input.fieldConfig?.overrides ?? [] },
    options: { reduceOptions: REDUCE_LAST, orientation: 'horizontal', displayMode: 'gradient', valueMode: 'color', showUnfilled: true, namePlacement: 'auto', sizing: 'auto', minVizHeight: 16, minVizWidth: 8, maxVizHeight: 300, ...input.options },
  });
}

export function table(input: PanelInput): Omit<PanelJson, 'id'> {
  return panel('table', {
    ...input,
    fieldConfig: { defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' }, inspect: false }, ...input.fieldConfig?.defaults }, overrides: input.fieldConfig?.overrides ?? [] },
    options: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], countRows: false, fields: '' }, ...input.options },
  });
}

/** 0 = normal, 1 = anomalous: the `Anomaly` field of anomaly queries with `output: anomaly`. */
export const ANOMALY_STATES = [{ type: 'value', options: { '0': { text: 'normal', color: 'green', index: 0 }, '1': { text: 'anomalous', color: 'red', index: 1 } } }];

export function stateTimeline(input: PanelInput): Omit<PanelJson, 'id'> {
  return panel('state-timeline', {
    ...input,
    fieldConfig: {
      defaults: { custom: { lineWidth: 0, fillOpacity: 70, hideFrom: { legend: false, tooltip: false, viz: false } }, color: { mode: 'thresholds' }, mappings: ANOMALY_STATES, thresholds: thresholds(['green', null], ['red', 1]), ...input.fieldConfig?.defaults },
      overrides: input.fieldConfig?.overrides ?? [],
    },
    options: { mergeValues: true, showValue: 'never', alignValue: 'left', rowHeight: 0.8, legend: { ...LEGEND, showLegend: false }, tooltip: { mode: 'single', sort: 'none' }, ...input.options },
  });
}

export function row(title: string, y: number): Omit<PanelJson, 'id'> {
  return { type: 'row', title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] };
}

// ---- dashboard -------------------------------------------------------------------------------

/** A query variable of the Encore data source: label_values(<kpi>, <label>), multi, All = `.*`. */
export function labelVariable(name: LabelVariable, kpi: string): Json {
  const definition = findKpi(kpi);
  if (!definition || !kpiLabels(definition).includes(name)) throw new Error(`dashboards: ${kpi} carries no ${name} label`);
  return {
    type: 'query',
    name,
    label: VARIABLE_LABELS[name],
    description: `${VARIABLE_LABELS[name]} values of the series ${kpi} reads. Queries whose KPI has no ${name} label ignore it.`,
    datasource: DS,
    query: `label_values(${kpi}, ${name})`,
    refresh: 2,
    regex: '',
    sort: 1,
    multi: true,
    includeAll: true,
    // A custom All value goes into the =~ filter as it is; Grafana's default All would list every value.
    allValue: '.*',
    current: { text: ['All'], value: ['$__all'] },
    options: [],
    hide: 0,
    skipUrlSync: false,
  };
}

function datasourceVariable(): Json {
  return {
    type: 'datasource',
    name: DATASOURCE_VARIABLE,
    label: 'Data source',
    description: 'The Encore data source: Prometheus (the stack) or the built-in demo source',
    query: DATASOURCE_PLUGIN_ID,
    regex: '',
    refresh: 1,
    multi: false,
    includeAll: false,
    current: { text: 'Encore (Prometheus)', value: DEFAULT_DATASOURCE_UID },
    options: [],
    hide: 0,
    skipUrlSync: false,
  };
}

/** An annotation query of the Encore data source: one KPI's anomaly events with root-cause hints. */
export function anomalyAnnotation(name: string, kpi: string, variables: readonly LabelVariable[], iconColor: string, detect: Json = {}): Json {
  return {
    name,
    datasource: DS,
    enable: true,
    hide: false,
    iconColor,
    target: { refId: 'Anno', queryType: 'anomaly', kpi, filters: filtersFor(kpi, variables), groupBy: [], detect, explain: true, format: 'events' },
  };
}

const BUILT_IN_ANNOTATION = {
  builtIn: 1,
  datasource: { type: 'grafana', uid: '-- Grafana --' },
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  name: 'Annotations & Alerts',
  type: 'dashboard',
};

export interface DashboardInput {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: Json[];
  annotations: Json[];
  panels: Array<Omit<PanelJson, 'id'>>;
  time?: { from: string; to: string };
}

export function dashboard(input: DashboardInput): Json {
  return {
    uid: input.uid,
    title: input.title,
    description: input.description,
    tags: ['encore', ...input.tags],
    editable: true,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    refresh: '1m',
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    time: input.time ?? { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    weekStart: '',
    links: [
      { title: 'Encore dashboards', type: 'dashboards', tags: ['encore'], asDropdown: true, includeVars: true, keepTime: true, icon: 'external link', targetBlank: false, tooltip: '', url: '' },
      { title: 'Encore app', type: 'link', tags: [], asDropdown: false, includeVars: false, keepTime: false, icon: 'dashboard', targetBlank: false, tooltip: 'Data sources, health and data quality', url: `/a/${APP_PLUGIN_ID}` },
    ],
    annotations: { list: [BUILT_IN_ANNOTATION, ...input.annotations] },
    templating: { list: [datasourceVariable(), ...input.variables] },
    panels: input.panels.map((p, index) => ({ id: index + 1, ...p })),
  };
}
