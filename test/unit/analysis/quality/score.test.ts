import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHECK_IDS, qualityScore, SCORE_PENALTIES, type CheckId, type CheckStatus, type QualityCheck } from '../../../../src/backend/analysis/quality';

const check = (id: CheckId, status: CheckStatus): QualityCheck => ({ id, title: id, status, value: 0, threshold: 0, unit: 'short', message: '.', series: [] });
const allPass = CHECK_IDS.map((id) => check(id, 'pass'));

describe('quality score', () => {
  it('is 100 for complete data that passes everything', () => {
    assert.equal(qualityScore(allPass, 1), 100);
    assert.equal(qualityScore([]), 100);
  });

  it('subtracts the penalty of each warning and failure', () => {
    assert.equal(qualityScore([check('flatline', 'warn')]), 100 - SCORE_PENALTIES.flatline.warn);
    assert.equal(qualityScore([check('freshness', 'fail'), check('counter_resets', 'warn')]), 100 - 30 - 5);
  });

  it('charges each check id once, at its worst status', () => {
    const rules = [check('consistency', 'warn'), check('consistency', 'fail'), check('consistency', 'fail'), check('consistency', 'pass')];
    assert.equal(qualityScore(rules), 100 - SCORE_PENALTIES.consistency.fail);
  });

  it('scales with the overall completeness', () => {
    assert.equal(qualityScore(allPass, 0.5), 50);
    assert.equal(qualityScore([check('completeness', 'fail')], 0.85), 85 - 20);
  });

  it('stays within 0..100', () => {
    assert.equal(qualityScore(CHECK_IDS.map((id) => check(id, 'fail')), 1), 0);
    assert.equal(qualityScore(allPass, 7), 100);
    assert.equal(qualityScore(allPass, -1), 0);
    assert.equal(qualityScore(allPass, NaN), 0);
  });

  it('ignores checks it does not know', () => {
    const odd = [{ ...check('flatline', 'warn'), id: 'other' as CheckId }, { ...check('validity', 'pass'), status: 'broken' as CheckStatus }, null as unknown as QualityCheck];
    assert.equal(qualityScore(odd), 100);
  });

  it('penalises failures more than warnings for every check', () => {
    for (const id of CHECK_IDS) assert.ok(SCORE_PENALTIES[id].fail > SCORE_PENALTIES[id].warn && SCORE_PENALTIES[id].warn > 0, id);
  });
});
