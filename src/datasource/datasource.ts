import type { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import { DEFAULT_QUERY } from '../common/query';
import { queryDisplayText } from './display-text';
import { interpolateQuery } from './interpolate';
import { hasTarget } from './query-shape';
import type { EncoreDataQuery, EncoreJsonData } from './types';

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
    // An empty annotations support object makes Grafana offer this data source for annotations
    // with the normal query editor, and send annotation queries to the backend like any other.
    this.annotations = {};
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
}
