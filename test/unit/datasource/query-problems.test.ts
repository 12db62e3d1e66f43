// The editor's validation of the analysis query types: each backend message under its field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectionProblems, queryProblems, QUERY_EDITOR_FIELDS } from '../../../src/datasource/query-problems';

describe('queryProblems on analysis queries', () => {
  it('puts a bad detect.sensitivity under detect', () => {
    const problems = queryProblems({ refId: 'A', queryType: 'anomaly', kpi: 'rebuffering_ratio', detect: { sensitivity: 2 } });
    assert.deepEqual(Object.keys(problems.fields), ['detect']);
    assert.equal(problems.fields.detect, 'detect.sensitivity: expected a number from 0 to 1');
    assert.equal(problems.other, undefined);
  });

  it('routes each option to its own field', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ queryType: 'outliers', detect: { minDuration: 'long' } }, 'detect', /^detect\.minDuration: expected a duration/],
      [{ queryType: 'anomaly', format: 'table' }, 'format', /^format: expected timeseries or events/],
      [{ queryType: 'anomaly', explain: 'yes' }, 'explain', /^explain: expected true or false/],
      [{ queryType: 'anomaly', output: 'levels' }, 'output', /^output: expected one of all, value/],
      [{ queryType: 'forecast', horizon: 'soon' }, 'horizon', /^horizon: expected a duration/],
      [{ queryType: 'forecast', coverage: 1 }, 'coverage', /^coverage: expected a number from 0\.5 to 0\.99/],
      [{ queryType: 'forecast', season: 'yearly' }, 'season', /^season: expected auto, none or a period/],
      [{ queryType: 'quality', freshness: '0s' }, 'freshness', /^freshness: expected a duration above zero/],
      [{ queryType: 'quality', maxSeries: 0.5 }, 'maxSeries', /^maxSeries: /],
      [{ queryType: 'quality', output: 'all' }, 'output', /^output: expected one of table, score, levels/],
    ];
    for (const [fields, field, message] of cases) {
      const problems = queryProblems({ refId: 'A', kpi: 'streams', ...fields });
      assert.deepEqual(Object.keys(problems.fields), [field], JSON.stringify(fields));
      assert.match((problems.fields as Record<string, string>)[field] ?? '', message);
      assert.equal(problems.other, undefined, JSON.stringify(fields));
    }
  });

  it('asks for a target under kpi, and for one target only under expr', () => {
    assert.match(queryProblems({ refId: 'A', queryType: 'forecast' }).fields.kpi ?? '', /^kpi: expected a KPI id or a PromQL expression/);
    assert.match(queryProblems({ refId: 'A', queryType: 'forecast', kpi: 'streams', expr: 'up' }).fields.expr ?? '', /not both/);
  });

  it('finds nothing wrong with valid analysis queries, instant and live included (they are stripped)', () => {
    assert.deepEqual(queryProblems({ refId: 'A', queryType: 'anomaly', kpi: 'streams', detect: { sensitivity: 0.8, season: '1d' }, output: 'score' }), { fields: {} });
    assert.deepEqual(queryProblems({ refId: 'A', queryType: 'quality', expr: 'up', instant: true, live: true }), { fields: {} });
  });

  it('checks detect on KPI and PromQL queries too', () => {
    const problems = queryProblems({ refId: 'A', queryType: 'kpi', kpi: 'streams', detect: { direction: 'sideways' } });
    assert.match(problems.fields.detect ?? '', /^detect\.direction: expected one of both, up, down/);
  });

  it('lists every option of the new types as an editor field', () => {
    for (const field of ['detect', 'horizon', 'coverage', 'season', 'freshness', 'maxSeries', 'output', 'explain', 'format']) {
      assert.ok((QUERY_EDITOR_FIELDS as readonly string[]).includes(field), field);
    }
  });
});

describe('detectionProblems', () => {
  it('splits the detect problems by option, in the backend wording', () => {
    const problems = detectionProblems({
      refId: 'A',
      queryType: 'anomaly',
      expr: 'up',
      detect: { sensitivity: -1, algorithm: 'prophet', season: 'often' },
      horizon: 'x',
    });
    assert.equal(problems.fields.sensitivity, 'detect.sensitivity: expected a number from 0 to 1');
    assert.match(problems.fields.algorithm ?? '', /^detect\.algorithm: expected one of auto, rolling/);
    assert.match(problems.fields.season ?? '', /^detect\.season: expected auto, none or a period/);
    assert.equal(problems.other, undefined);
  });

  it('reports problems with the options as a whole apart', () => {
    const problems = detectionProblems({ refId: 'A', queryType: 'kpi', kpi: 'streams', detect: { sensitivity: 0.5, threshold: 3 } });
    assert.deepEqual(problems.fields, {});
    assert.match(problems.other ?? '', /^detect: .*threshold/);
  });

  it('is empty when detect is fine, whatever else is wrong', () => {
    assert.deepEqual(detectionProblems({ refId: 'A', queryType: 'anomaly', kpi: 'streams', detect: { sensitivity: 1 } }), { fields: {} });
    assert.deepEqual(detectionProblems({ refId: 'A', queryType: 'anomaly', step: 'soon' }), { fields: {} });
  });
});
