import { z } from 'zod';
import { encoreQuerySchema } from '../common/query';
import { groupIssues, type GroupedProblems } from './problems';

/** The query fields the editor shows; a problem with any other key is shown for the whole query. */
export const QUERY_EDITOR_FIELDS = [
  'expr',
  'kpi',
  'filters',
  'groupBy',
  'legendFormat',
  'step',
  'instant',
  'live',
  'detect',
  'output',
  'explain',
  'format',
  'horizon',
  'coverage',
  'season',
  'freshness',
  'maxSeries',
  'checks',
] as const;
export type QueryEditorField = (typeof QUERY_EDITOR_FIELDS)[number];

/** The detection options the editor shows one by one. */
export const DETECTION_FIELDS = ['algorithm', 'sensitivity', 'direction', 'minDuration', 'season'] as const;
export type DetectionField = (typeof DETECTION_FIELDS)[number];

/**
 * Validates the query with the backend's schema, so the editor shows what running the query
 * would answer. `other` holds problems such as an unknown queryType from an old dashboard.
 */
export function queryProblems(query: unknown): GroupedProblems<QueryEditorField> {
  const parsed = encoreQuerySchema.safeParse(query);
  return parsed.success ? { fields: {} } : groupIssues(parsed.error, QUERY_EDITOR_FIELDS);
}

/**
 * The `detect` problems of the query by option (`sensitivity`, `season`, ...), still worded as
 * the backend would (`detect.sensitivity: expected a number from 0 to 1`); `other` holds those
 * about the options as a whole, such as an unknown option.
 */
export function detectionProblems(query: unknown): GroupedProblems<DetectionField> {
  const parsed = encoreQuerySchema.safeParse(query);
  const issues = parsed.success ? [] : parsed.error.issues.filter((issue) => issue.path[0] === 'detect');
  return issues.length === 0 ? { fields: {} } : groupIssues(new z.ZodError(issues), DETECTION_FIELDS, 1);
}
