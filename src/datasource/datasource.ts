import type { CoreApp, DataSourceInstanceSettings, LegacyMetricFindQueryOptions, MetricFindValue, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import { DEFAULT_QUERY } from '../common/query';
import { ANNOTATION_DEFAULT_QUERY } from './annotations';
import { queryDisplayText } from './display-text';
import { interpolateQuery } from './interpolate';
import { fetchLabelValues } from './label-lookups';
import { hasTarget } from './query-shape';
import type { EncoreDataQuery, EncoreJsonData } from './types';
import { kpiOptions, parseVariableQuery } from './variable-query';

/**
 * Browser side of the Encore data source. Queries, health checks, resources and live streams all
 * go to the backend (DataSourceWithBackend); this class only prepares queries.
 */
export class EncoreDataSource extends DataSourceWithBackend<EncoreDataQuery, EncoreJsonData> {
  /** The saved settings, for editors that depend on them (the source kind, say). */
  readonly settings: DataSourceInstanceSettings<EncoreJsonData>;

  constructor(instanceSettings: DataSourceInstanceSettings<EncoreJsonData>) {
    super(instanceSettings);
    this.settings = instanceSettings;
    // Standard annotation support: Grafana offers this data source for annotations with the
    // normal query editor, starting from ANNOTATION_DEFAULT_QUERY, and sends annotation queries
    // to the backend like any other.
    this.annotations = { getDefaultQuery: () => ({ ...ANNOTATION_DEFAULT_QUERY }) };
  }

  override getDefaultQuery(_app: CoreApp): Partial<EncoreDataQuery> {
    return { ...DEFAULT_QUERY };
  }

  /** Queries without something to read (an expression or a KPI) would only come back as errors: leave them out. */
  override filterQuery(query: EncoreDataQuery): boolean {
    if (query.hide === true) return false;
    return hasTarget(query);
  }

  /**
   * Dashboard variables in the PromQL, the KPI filter values and the legend, for every query
   * type. Alert rules skip this step (Grafana evaluates them server-side), so alerting queries
   * must not rely on variables.
   */
  override applyTemplateVariables(query: EncoreDataQuery, scopedVars: ScopedVars): EncoreDataQuery {
    const templates = getTemplateSrv();
    return interpolateQuery(query, (text, format) => templates.replace(text, scopedVars, format));
  }

  /** Shown on collapsed query rows and in query history. */
  override getQueryDisplayText(query: EncoreDataQuery): string {
    return queryDisplayText(query);
  }

  /**
   * Dashboard variables: `kpis()`, `kpis(<group>)`, `label_values(<label>)` and
   * `label_values(<kpi>, <label>)` (variable-query.ts). Label values come from the backend's
   * label-values resource, as the filter editor's do; a malformed query is an error that says
   * what was expected, shown by Grafana under the variable.
   */
  override async metricFindQuery(query: string, options?: LegacyMetricFindQueryOptions): Promise<MetricFindValue[]> {
    const text = getTemplateSrv().replace(String(query ?? ''), options?.scopedVars);
    const parsed = parseVariableQuery(text);
    if (!parsed.ok) throw new Error(parsed.error);
    const q = parsed.query;
    if (q.kind === 'kpis') return kpiOptions(q.group);
    const range = options?.range ? { from: options.range.from.valueOf(), to: options.range.to.valueOf() } : undefined;
    const values = await fetchLabelValues(this, q.kpi, q.label, [], options?.searchFilter ?? '', range);
    return values.map((value) => ({ text: value, value }));
  }
}
