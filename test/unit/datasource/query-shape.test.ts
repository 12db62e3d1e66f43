// Reading a query whatever its type: its type, what it reads, and whether it can run at all
// (the data source's filterQuery).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasTarget, isAnalysisType, queryTypeOf, targetOf } from '../../../src/datasource/query-shape';
import type { EncoreDataQuery } from '../../../src/datasource/types';

function q(fields: Record<string, unknown>): EncoreDataQuery {
  return { refId: 'A', ...fields } as EncoreDataQuery;
}

describe('queryTypeOf and isAnalysisType', () => {
  it('defaults to promql and knows no other types', () => {
    assert.equal(queryTypeOf({}), 'promql');
    assert.equal(queryTypeOf({ queryType: 'forecast' }), 'forecast');
    assert.equal(queryTypeOf({ queryType: 'sql' }), undefined);
  });

  it('counts the four analyses', () => {
    assert.deepEqual(
      ['promql', 'kpi', 'anomaly', 'outliers', 'forecast', 'quality', 'sql', undefined].filter(isAnalysisType),
      ['anomaly', 'outliers', 'forecast', 'quality'],
    );
  });
});

describe('targetOf', () => {
  it('is fixed by the type for KPI and PromQL queries', () => {
    assert.equal(targetOf(q({ queryType: 'kpi' })), 'kpi');
    assert.equal(targetOf(q({ queryType: 'promql' })), 'promql');
    assert.equal(targetOf(q({})), 'promql');
  });

  it('follows the fields of an analysis, KPI while it has neither', () => {
    assert.equal(targetOf(q({ queryType: 'anomaly', kpi: 'streams' })), 'kpi');
    assert.equal(targetOf(q({ queryType: 'anomaly', expr: 'up' })), 'promql');
    assert.equal(targetOf(q({ queryType: 'anomaly', expr: '' })), 'promql', 'an empty expression is the PromQL choice');
    assert.equal(targetOf(q({ queryType: 'quality' })), 'kpi');
  });
});

describe('hasTarget (filterQuery)', () => {
  it('needs an expression for PromQL and a KPI for KPI queries', () => {
    assert.equal(hasTarget(q({ queryType: 'promql', expr: 'up' })), true);
    assert.equal(hasTarget(q({ queryType: 'promql', expr: '  ' })), false);
    assert.equal(hasTarget(q({ queryType: 'kpi', kpi: 'streams' })), true);
    assert.equal(hasTarget(q({ queryType: 'kpi', kpi: '' })), false);
  });

  it('needs a KPI or an expression for the analyses', () => {
    for (const queryType of ['anomaly', 'outliers', 'forecast', 'quality']) {
      assert.equal(hasTarget(q({ queryType, kpi: 'streams' })), true, queryType);
      assert.equal(hasTarget(q({ queryType, expr: 'up' })), true, queryType);
      assert.equal(hasTarget(q({ queryType, expr: ' ' })), false, queryType);
      assert.equal(hasTarget(q({ queryType })), false, queryType);
    }
  });

  it('sends an unknown type with an expression, so the backend can say what is wrong', () => {
    assert.equal(hasTarget(q({ queryType: 'sql', expr: 'up' })), true);
    assert.equal(hasTarget(q({ queryType: 'sql', kpi: 'streams' })), false);
  });
});
