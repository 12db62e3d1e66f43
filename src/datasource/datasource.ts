import type { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import { findKpi } from '../common/kpis/catalogue';
import { DEFAULT_QUERY } from '../common/query';
import { interpolateFilterValue, interpolatePromqlValue } from './interpolate';
import type { EncoreDataQuery, EncoreJsonData } from './types';

/**
 * Browser side of the Encore data source. Queries, health checks, resources and live streams all
 * go to the backend (DataSourceWithBackend); this class only prepares queries.
 */
export class EncoreDataSource extends DataSourceWithBackend<EncoreDataQuery, EncoreJsonData> {
  constructor(instanceSettings: DataSourceInstanceSettings<EncoreJsonData>) {
    super(instanceSettings);
    // An empty annotations support object makes Grafana offer this data source for annotations
    // with the normal query editor, and send annotation queries to the backend like any other.
    this.annotations = {};
  }

  override getDefaultQuery(_app: CoreApp): Partial<EncoreDataQuery> {
    return { ...DEFAULT_QUERY };
  }

  /** Queries without an expression (or a KPI) would only come back as errors: leave them out. */
  override filterQuery(query: EncoreDataQuery): boolean {
    if (query.hide === true) return false;
    return query.queryType === 'kpi' ? (query.kpi ?? '') !== '' : (query.expr ?? '').trim() !== '';
  }

  /**
   * Dashboard variables in the PromQL and the legend. Alert rules skip this step (Grafana
   * evaluates them server-side), so alerting queries must not rely on variables.
   */
  override applyTemplateVariables(query: EncoreDataQuery, scopedVars: ScopedVars): EncoreDataQuery {
    const templates = getTemplateSrv();
    const legend = query.legendFormat !== undefined ? { legendFormat: templates.replace(query.legendFormat, scopedVars) } : {};
    if (query.queryType === 'kpi') {
      return {
        ...query,
        ...legend,
        filters: (query.filters ?? []).map((filter) => ({
          ...filter,
          value: templates.replace(filter.value, scopedVars, interpolateFilterValue(filter.op === '=~' || filter.op === '!~')),
        })),
      };
    }
    return { ...query, ...legend, expr: templates.replace(query.expr ?? '', scopedVars, interpolatePromqlValue) };
  }

  /** Shown on collapsed query rows and in query history. */
  override getQueryDisplayText(query: EncoreDataQuery): string {
    if (query.queryType !== 'kpi') return query.expr ?? '';
    const name = findKpi(query.kpi ?? '')?.name ?? query.kpi ?? '';
    const filters = (query.filters ?? []).map((f) => `${f.label}${f.op ?? '='}"${f.value}"`);
    const by = query.groupBy?.length ? ` by ${query.groupBy.join(', ')}` : '';
    return `${name}${filters.length > 0 ? ` {${filters.join(', ')}}` : ''}${by}`;
  }
}
