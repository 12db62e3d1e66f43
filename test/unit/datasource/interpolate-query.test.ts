// Dashboard variables in every query type (applyTemplateVariables), with a stand-in for
// getTemplateSrv().replace.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpolateQuery, type Replace } from '../../../src/datasource/interpolate';

const VARIABLES: Record<string, string[]> = { market: ['BR'], markets: ['BR', 'eu.west'], window: ['5m'] };
const MULTI = new Set(['markets']);

/** `$name` replaced with the format function, as Grafana's template service does. */
const replace: Replace = (text, format) =>
  text.replace(/\$(\w+)/g, (whole, name: string) => {
    const values = VARIABLES[name];
    if (!values) return whole;
    const value = MULTI.has(name) ? values : values[0];
    return format ? format(value, { multi: MULTI.has(name) }) : String(value);
  });

describe('interpolateQuery', () => {
  it('interpolates expression and legend of analyses of PromQL', () => {
    const query = { refId: 'A', queryType: 'anomaly', expr: 'sum(rate(encore_plays_total{market=~"$markets"}[$window]))', legendFormat: '$market {{cdn}}' };
    const out = interpolateQuery(query, replace);
    assert.equal(out.expr, 'sum(rate(encore_plays_total{market=~"(BR|eu\\\\.west)"}[5m]))');
    assert.equal(out.legendFormat, 'BR {{cdn}}');
    assert.equal(out.queryType, 'anomaly');
    assert.equal(query.expr.includes('$markets'), true, 'the query itself is left alone');
  });

  it('interpolates filter values of analyses of a KPI, regex filters as alternations', () => {
    const query = {
      refId: 'A',
      queryType: 'forecast',
      kpi: 'streams',
      filters: [
        { label: 'market', op: '=', value: '$market' },
        { label: 'region', op: '=~', value: '$markets' },
      ],
      horizon: '1d',
    };
    const out = interpolateQuery(query, replace);
    assert.deepEqual(out.filters, [
      { label: 'market', op: '=', value: 'BR' },
      { label: 'region', op: '=~', value: '(BR|eu\\.west)' },
    ]);
    assert.equal(out.horizon, '1d');
    assert.ok(!('expr' in out) && !('legendFormat' in out), 'absent fields stay absent');
  });

  it('treats KPI and PromQL queries as before', () => {
    assert.equal(interpolateQuery({ refId: 'A', queryType: 'promql', expr: 'up{market="$market"}' }, replace).expr, 'up{market="BR"}');
    assert.deepEqual(interpolateQuery({ refId: 'A', queryType: 'kpi', kpi: 'streams', filters: [{ label: 'market', value: '$markets' }] }, replace).filters, [
      { label: 'market', value: 'BR,eu.west' },
    ]);
  });
});
