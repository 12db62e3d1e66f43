import { z } from 'zod';
import { describeIssues } from '../common/validation';

export interface GroupedProblems<F extends string> {
  /** per field: the message the backend would give, e.g. `step: expected a duration ...` */
  fields: Partial<Record<F, string>>;
  /** problems not tied to one of the fields */
  other?: string;
}

/**
 * Groups zod issues by the top-level field they concern, each group worded with describeIssues,
 * so editors show the backend's own message under the field it is about. `depth` picks the path
 * segment that names the field: 1 groups the issues of one object field by its own keys.
 */
export function groupIssues<F extends string>(error: z.ZodError, fields: readonly F[], depth = 0): GroupedProblems<F> {
  const byField = new Map<F | '', z.core.$ZodIssue[]>();
  for (const issue of error.issues) {
    const head = issue.path[depth];
    const key = typeof head === 'string' && (fields as readonly string[]).includes(head) ? (head as F) : '';
    byField.set(key, [...(byField.get(key) ?? []), issue]);
  }
  const grouped: GroupedProblems<F> = { fields: {} };
  for (const [key, issues] of byField) {
    const message = describeIssues(new z.ZodError(issues));
    if (key === '') grouped.other = message;
    else grouped.fields[key] = message;
  }
  return grouped;
}
