import { encoreQuerySchema } from '../common/query';
import { groupIssues, type GroupedProblems } from './problems';

/** The query fields the editor shows; a problem with any other key is shown for the whole query. */
export const QUERY_EDITOR_FIELDS = ['expr', 'kpi', 'filters', 'groupBy', 'legendFormat', 'step', 'instant', 'live'] as const;
export type QueryEditorField = (typeof QUERY_EDITOR_FIELDS)[number];

/**
 * Validates the query with the backend's schema, so the editor shows what running the query
 * would answer. `other` holds problems such as an unknown queryType from an old dashboard.
 */
export function queryProblems(query: unknown): GroupedProblems<QueryEditorField> {
  const parsed = encoreQuerySchema.safeParse(query);
  return parsed.success ? { fields: {} } : groupIssues(parsed.error, QUERY_EDITOR_FIELDS);
}
