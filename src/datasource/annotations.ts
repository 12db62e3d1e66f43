import type { EncoreDataQuery } from './types';

/**
 * What a new annotation query of an Encore data source starts as: the anomaly events of the
 * headline QoE KPI, one annotation per anomaly with its root-cause hint. The events frame's time,
 * timeEnd, title, text and tags are the names Grafana's standard annotation support maps by.
 */
export const ANNOTATION_DEFAULT_QUERY: Readonly<Partial<EncoreDataQuery>> = { queryType: 'anomaly', kpi: 'rebuffering_ratio', format: 'events' };
