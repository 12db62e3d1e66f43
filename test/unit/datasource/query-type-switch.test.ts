// Switching the query type in the editor: which fields carry over, which are dropped, and the
// KPI / PromQL target of the analysis types.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encoreQuerySchema, QUERY_TYPES, type QueryType } from '../../../src/common/query';
import { targetOf } from '../../../src/datasource/query-shape';
import { QUERY_TYPE_FIELDS, withQueryType, withTarget } from '../../../src/datasource/query-type-switch';
import type { EncoreDataQuery } from '../../../src/datasource/types';

const ANALYSES = ['anomaly', 'outliers', 'forecast', 'quality'] as const;
const GRAFANA = { refId: 'B', datasource: { type: 'encore-streaming-datasource', uid: 'enc' }, hide: false, key: 'Q-1' };

function q(fields: Record<string, unknown>): EncoreDataQuery {
  return { ...GRAFANA, ...fields } as EncoreDataQuery;
}

const kpiQuery = q({
  queryType: 'kpi',
  kpi: 'rebuffering_ratio',
  filters: [{ label: 'market', op: '=', value: 'BR' }],
  groupBy: ['platform'],
  legendFormat: '{{platform}}',
  step: '1m',
  instant: true,
  live: true,
  detect: { sensitivity: 0.7 },
  output: 'score',
});
const promqlQuery = q({ queryType: 'promql', expr: 'sum(rate(encore_plays_total[5m]))', legendFormat: 'plays', step: '30s', instant: false, live: true });
const anomalyQuery = q({
  queryType: 'anomaly',
  kpi: 'ad_revenue',
  groupBy: ['market'],
  legendFormat: '{{market}}',
  detect: { algorithm: 'seasonal', sensitivity: 0.8, direction: 'down', minDuration: '10m', season: '1d' },
  explain: false,
  format: 'events',
  output: 'score',
});

describe('QUERY_TYPE_FIELDS (read from the schema)', () => {
  it('gives instant and live to KPI and PromQL queries only', () => {
    for (const type of QUERY_TYPES) {
      const plain = type === 'kpi' || type === 'promql';
      assert.equal(QUERY_TYPE_FIELDS[type].includes('instant'), plain, `${type} instant`);
      assert.equal(QUERY_TYPE_FIELDS[type].includes('live'), plain, `${type} live`);
    }
  });

  it('gives every analysis the target, legend and step', () => {
    for (const type of ANALYSES) {
      for (const field of ['kpi', 'expr', 'filters', 'groupBy', 'legendFormat', 'step'] as const) {
        assert.ok(QUERY_TYPE_FIELDS[type].includes(field), `${type} ${field}`);
      }
    }
  });

  it('lists the options of each type', () => {
    assert.deepEqual([...QUERY_TYPE_FIELDS.forecast].sort(), ['coverage', 'expr', 'filters', 'groupBy', 'horizon', 'kpi', 'legendFormat', 'season', 'step']);
    assert.ok(QUERY_TYPE_FIELDS.anomaly.includes('explain') && QUERY_TYPE_FIELDS.anomaly.includes('format'));
    assert.ok(QUERY_TYPE_FIELDS.quality.includes('freshness') && QUERY_TYPE_FIELDS.quality.includes('maxSeries'));
    assert.ok(!QUERY_TYPE_FIELDS.forecast.includes('output'));
  });
});

describe('withQueryType', () => {
  it('keeps the KPI target, legend and step and drops instant and live for an analysis', () => {
    const next = withQueryType(kpiQuery, 'anomaly') as unknown as Record<string, unknown>;
    assert.equal(next.queryType, 'anomaly');
    assert.equal(next.kpi, 'rebuffering_ratio');
    assert.deepEqual(next.filters, [{ label: 'market', op: '=', value: 'BR' }]);
    assert.deepEqual(next.groupBy, ['platform']);
    assert.equal(next.legendFormat, '{{platform}}');
    assert.equal(next.step, '1m');
    assert.ok(!('instant' in next) && !('live' in next));
    assert.deepEqual(next.detect, { sensitivity: 0.7 }, 'detection options carry over into the analysis');
    assert.equal(next.output, 'score');
    assert.ok(encoreQuerySchema.safeParse(next).success);
  });

  it('never leaves instant or live on an analysis query, from any type', () => {
    for (const from of [kpiQuery, promqlQuery, anomalyQuery]) {
      for (const type of ANALYSES) {
        const next = withQueryType(from, type) as unknown as Record<string, unknown>;
        assert.ok(!('instant' in next) && !('live' in next), `${String(from.queryType)} -> ${type}`);
      }
    }
  });

  it('keeps only fields the new type accepts, and every Grafana key', () => {
    for (const from of [kpiQuery, promqlQuery, anomalyQuery]) {
      for (const type of QUERY_TYPES) {
        const next = withQueryType(from, type) as unknown as Record<string, unknown>;
        for (const key of Object.keys(next)) {
          if (key in GRAFANA || key === 'queryType') continue;
          assert.ok((QUERY_TYPE_FIELDS[type] as readonly string[]).includes(key), `${String(from.queryType)} -> ${type} kept ${key}`);
        }
        assert.deepEqual(
          Object.fromEntries(Object.keys(GRAFANA).map((key) => [key, next[key]])),
          GRAFANA,
          `${String(from.queryType)} -> ${type} keeps refId, datasource, hide, key`,
        );
      }
    }
  });

  it('drops the options of the old type', () => {
    const forecast = withQueryType(anomalyQuery, 'forecast') as unknown as Record<string, unknown>;
    for (const key of ['detect', 'explain', 'format', 'output']) assert.ok(!(key in forecast), key);
    assert.equal(forecast.kpi, 'ad_revenue');
    const quality = withQueryType(q({ queryType: 'forecast', expr: 'up', horizon: '6h', coverage: 0.8, season: 'none' }), 'quality') as unknown as Record<string, unknown>;
    for (const key of ['horizon', 'coverage', 'season']) assert.ok(!(key in quality), key);
    assert.equal(quality.expr, 'up');
  });

  it('keeps an output between the analysed-series types, never across to or from data quality', () => {
    assert.equal((withQueryType(anomalyQuery, 'outliers') as unknown as Record<string, unknown>).output, 'score');
    assert.equal((withQueryType(kpiQuery, 'anomaly') as unknown as Record<string, unknown>).output, 'score');
    // both have a `score`, but a 0-1 anomaly score is not the 0-100 quality score
    assert.ok(!('output' in withQueryType(anomalyQuery, 'quality')));
    assert.ok(!('output' in withQueryType(q({ queryType: 'quality', kpi: 'streams', output: 'score' }), 'anomaly')));
    assert.ok(!('output' in withQueryType(q({ queryType: 'quality', kpi: 'streams', output: 'levels' }), 'kpi')));
    assert.equal((withQueryType(q({ queryType: 'quality', kpi: 'streams', output: 'levels' }), 'quality') as unknown as Record<string, unknown>).output, 'levels');
  });

  it('drops an output the new type does not know', () => {
    assert.ok(!('output' in withQueryType(q({ queryType: 'promql', expr: 'up', output: 'table' }), 'anomaly')));
  });

  it('keeps detection between anomaly and outliers, not from an analysis to a plain query', () => {
    assert.deepEqual((withQueryType(anomalyQuery, 'outliers') as unknown as Record<string, unknown>).detect, (anomalyQuery as unknown as Record<string, unknown>).detect);
    const kpi = withQueryType(anomalyQuery, 'kpi') as unknown as Record<string, unknown>;
    assert.ok(!('detect' in kpi), '"Detect anomalies" stays off');
    assert.ok(!('explain' in kpi) && !('format' in kpi));
    assert.deepEqual((withQueryType(kpiQuery, 'promql') as unknown as Record<string, unknown>).detect, { sensitivity: 0.7 }, 'kpi <-> promql keeps it');
  });

  it('keeps instant and live between KPI and PromQL', () => {
    const promql = withQueryType(kpiQuery, 'promql') as unknown as Record<string, unknown>;
    assert.equal(promql.instant, true);
    assert.equal(promql.live, true);
    assert.ok(!('kpi' in promql) && !('filters' in promql) && !('groupBy' in promql));
    assert.equal(promql.expr, '', 'a PromQL query always has an expression, if an empty one');
    const kpi = withQueryType(promqlQuery, 'kpi') as unknown as Record<string, unknown>;
    assert.equal(kpi.live, true);
    assert.ok(!('expr' in kpi));
  });

  it('carries an expression into the analyses and back', () => {
    const anomaly = withQueryType(promqlQuery, 'anomaly');
    assert.equal(targetOf(anomaly), 'promql');
    assert.equal((anomaly as unknown as Record<string, unknown>).expr, 'sum(rate(encore_plays_total[5m]))');
    assert.ok(encoreQuerySchema.safeParse(anomaly).success);
    const back = withQueryType(anomaly, 'promql') as unknown as Record<string, unknown>;
    assert.equal(back.expr, 'sum(rate(encore_plays_total[5m]))');
    assert.equal(back.legendFormat, 'plays');
    assert.equal(back.step, '30s');
  });

  it('starts an analysis of a new (blank) PromQL query on KPI', () => {
    const blank = q({ queryType: 'promql', expr: '', instant: false });
    const next = withQueryType(blank, 'forecast');
    assert.ok(!('expr' in next));
    assert.equal(targetOf(next), 'kpi');
  });

  it('keeps an empty expression between analyses: it remembers the PromQL target', () => {
    const outliers = q({ queryType: 'outliers', expr: '' });
    assert.equal(targetOf(withQueryType(outliers, 'quality')), 'promql');
  });

  it('treats a missing queryType as promql and returns the same query for the same type', () => {
    const untyped = q({ expr: 'up', instant: true });
    assert.equal(withQueryType(untyped, 'promql'), untyped);
    const anomaly = withQueryType(untyped, 'anomaly') as unknown as Record<string, unknown>;
    assert.equal(anomaly.expr, 'up');
    assert.ok(!('instant' in anomaly));
  });

  it('produces queries the schema accepts for every analysis of a KPI', () => {
    for (const type of [...ANALYSES, 'kpi'] as QueryType[]) {
      const result = encoreQuerySchema.safeParse(withQueryType(kpiQuery, type));
      assert.ok(result.success, `${type}: ${JSON.stringify(result.error?.issues)}`);
    }
  });
});

describe('withTarget', () => {
  it('switches an analysis of a KPI to PromQL: no KPI, filters or split-by, an empty expression', () => {
    const next = withTarget(withQueryType(kpiQuery, 'anomaly'), 'promql') as unknown as Record<string, unknown>;
    assert.ok(!('kpi' in next) && !('filters' in next) && !('groupBy' in next));
    assert.equal(next.expr, '');
    assert.equal(next.legendFormat, '{{platform}}');
    assert.equal(targetOf(next), 'promql');
  });

  it('switches an analysis of PromQL to KPI: no expression', () => {
    const next = withTarget(q({ queryType: 'quality', expr: 'up', freshness: '2m' }), 'kpi') as unknown as Record<string, unknown>;
    assert.ok(!('expr' in next));
    assert.equal(next.freshness, '2m');
    assert.equal(targetOf(next), 'kpi');
  });

  it('leaves the query as it is when the target does not change', () => {
    const anomaly = withQueryType(kpiQuery, 'anomaly');
    assert.deepEqual(withTarget(anomaly, 'kpi'), anomaly);
    const promql = q({ queryType: 'forecast', expr: 'up' });
    assert.deepEqual(withTarget(promql, 'promql'), promql);
  });
});
