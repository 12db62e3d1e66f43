import type { QualityNotice, QueryAnswer } from './frames';

/**
 * The data-quality badge: the notices the Encore backend attaches to its frames (gaps, stale
 * series, counter resets, impossible values...), the checks of `quality` queries, and the lowest
 * quality score. Quality comes before anomalies: a panel says when what it shows is a data
 * problem rather than a change in the business.
 */

export type QualityLevel = 'ok' | 'warning' | 'error' | 'unchecked';

export interface QualityBadgeModel {
  level: QualityLevel;
  /** the lowest 0-100 score of the queries, when they report one */
  score?: number;
  notices: QualityNotice[];
  /** points marked as data issues, over every series */
  issuePoints: number;
  /** `Data quality: 1 failure, 2 warnings` */
  label: string;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function qualityBadge(answers: readonly QueryAnswer[]): QualityBadgeModel {
  const notices: QualityNotice[] = [];
  const add = (notice: QualityNotice) => {
    if (!notices.some((n) => n.text === notice.text)) notices.push(notice);
  };
  for (const answer of answers) {
    answer.notices.forEach(add);
    for (const check of answer.checks) {
      if (check.status !== 'pass') add({ refId: check.refId, severity: check.status === 'fail' ? 'error' : 'warning', text: `Data quality: ${check.title}: ${check.message}` });
    }
  }
  // Worst first, then in the order the queries gave them.
  const rank = { error: 0, warning: 1, info: 2 } as const;
  notices.sort((a, b) => rank[a.severity] - rank[b.severity]);
  const scores = answers.map((a) => a.qualityScore).filter((s): s is number => s !== undefined);
  const score = scores.length > 0 ? Math.min(...scores) : undefined;
  const issuePoints = answers.flatMap((a) => a.series).reduce((n, s) => n + (s.dataIssue?.filter((v) => v > 0).length ?? 0), 0);
  // Encore answers carry a score or a data-issue field; other sources' frames are not checked.
  const checked = score !== undefined || answers.some((a) => a.checks.length > 0 || a.series.some((s) => s.dataIssue !== undefined));
  const errors = notices.filter((n) => n.severity === 'error').length;
  const warnings = notices.filter((n) => n.severity === 'warning').length;
  const level: QualityLevel = errors > 0 ? 'error' : warnings > 0 ? 'warning' : checked ? 'ok' : 'unchecked';
  const counts = [errors > 0 ? plural(errors, 'failure') : undefined, warnings > 0 ? plural(warnings, 'warning') : undefined].filter(Boolean).join(', ');
  const scoreText = score !== undefined ? `score ${Math.round(score)}` : undefined;
  const label =
    level === 'unchecked'
      ? 'Data quality not checked'
      : level === 'ok'
        ? `Data quality OK${scoreText ? ` (${scoreText})` : ''}`
        : `Data quality: ${counts}${scoreText ? ` (${scoreText})` : ''}`;
  return { level, ...(score !== undefined ? { score } : {}), notices, issuePoints, label };
}
