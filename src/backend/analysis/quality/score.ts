import type { CheckId, CheckStatus, QualityCheck } from './types';

/**
 * The quality score, one number for a panel corner or an alert rule:
 *
 *   score = clamp(100 x completeness - sum of penalties, 0, 100), rounded to 0.1
 *
 * `completeness` is the overall share of expected points present (all series together), so data
 * that is half there can never score above 50. Each check id then costs the penalty of its worst
 * status, once however many rules of that id are reported (eight broken consistency rules are
 * one problem seen eight ways). The penalties rank the failures by how much they mislead: stale,
 * impossible or contradictory data misleads most; a reset or a crowded panel least.
 */

export const SCORE_PENALTIES: Readonly<Record<CheckId, Readonly<Record<Exclude<CheckStatus, 'pass'>, number>>>> = {
  completeness: { warn: 5, fail: 20 },
  freshness: { warn: 10, fail: 30 },
  validity: { warn: 10, fail: 30 },
  counter_resets: { warn: 5, fail: 10 },
  flatline: { warn: 10, fail: 20 },
  duplicates: { warn: 10, fail: 25 },
  cardinality: { warn: 5, fail: 15 },
  consistency: { warn: 10, fail: 25 },
  // The collector dropped the resends, so the numbers are right: a sign of a broken client, not of wrong data.
  resent: { warn: 5, fail: 10 },
};

const RANK: Readonly<Record<CheckStatus, number>> = { pass: 0, warn: 1, fail: 2 };

export function qualityScore(checks: readonly QualityCheck[], completeness = 1): number {
  const worst = new Map<CheckId, CheckStatus>();
  for (const check of checks ?? []) {
    if (!check || !Object.hasOwn(SCORE_PENALTIES, check.id) || !Object.hasOwn(RANK, check.status)) continue;
    const before = worst.get(check.id);
    if (before === undefined || RANK[check.status] > RANK[before]) worst.set(check.id, check.status);
  }
  let penalty = 0;
  for (const [id, status] of worst) if (status !== 'pass') penalty += SCORE_PENALTIES[id][status];
  // Unknown completeness is not trusted.
  const share = Number.isNaN(completeness) ? 0 : Math.min(1, Math.max(0, completeness));
  const score = Math.min(100, Math.max(0, 100 * share - penalty));
  return Math.round(score * 10) / 10;
}
