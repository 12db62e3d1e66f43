// The one-line summaries Grafana shows on collapsed query rows and in query history.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KPIS } from '../../../src/common/kpis/catalogue';
import { queryDisplayText, targetText, unitText } from '../../../src/datasource/display-text';
import type { EncoreDataQuery } from '../../../src/datasource/types';

function q(fields: Record<string, unknown>): EncoreDataQuery {
  return { refId: 'A', ...fields } as EncoreDataQuery;
}

describe('queryDisplayText: KPI and PromQL', () => {
  it('shows the PromQL as written', () => {
    assert.equal(queryDisplayText(q({ queryType: 'promql', expr: 'sum(rate(encore_plays_total[5m]))' })), 'sum(rate(encore_plays_total[5m]))');
    assert.equal(queryDisplayText(q({ expr: 'up' })), 'up', 'a missing queryType is PromQL');
  });

  it('names the KPI with its filters and split-by', () => {
    const query = q({
      queryType: 'kpi',
      kpi: 'rebuffering_ratio',
      filters: [
        { label: 'market', value: 'BR' },
        { label: 'cdn', op: '!=', value: 'akamai' },
      ],
      groupBy: ['platform', 'device'],
    });
    assert.equal(queryDisplayText(query), 'Rebuffering ratio {market="BR", cdn!="akamai"} by platform, device');
    assert.equal(queryDisplayText(q({ queryType: 'kpi', kpi: 'no_such_kpi' })), 'no_such_kpi', 'an unknown id is shown as it is');
    assert.equal(queryDisplayText(q({ queryType: 'kpi' })), '');
  });

  it('says when anomaly detection is on', () => {
    assert.equal(queryDisplayText(q({ queryType: 'kpi', kpi: 'streams', detect: {} })), 'Streams, with anomaly detection');
    assert.equal(queryDisplayText(q({ queryType: 'promql', expr: 'up', detect: { sensitivity: 0.9 } })), 'up, with anomaly detection');
    assert.equal(queryDisplayText(q({ queryType: 'promql', expr: '', detect: {} })), '');
  });
});

describe('queryDisplayText: analyses', () => {
  it('describes anomalies and outliers of a KPI or an expression', () => {
    assert.equal(
      queryDisplayText(q({ queryType: 'anomaly', kpi: 'rebuffering_ratio', filters: [{ label: 'market', op: '=', value: 'BR' }] })),
      'Anomalies in Rebuffering ratio {market="BR"}',
    );
    assert.equal(queryDisplayText(q({ queryType: 'outliers', kpi: 'startup_time_p95', groupBy: ['cdn'] })), 'Outliers in Startup time p95 by cdn');
    assert.equal(queryDisplayText(q({ queryType: 'anomaly', expr: ' sum(rate(encore_errors_total[5m])) ' })), 'Anomalies in sum(rate(encore_errors_total[5m]))');
  });

  it('gives the forecast horizon, 1d by default', () => {
    assert.equal(queryDisplayText(q({ queryType: 'forecast', kpi: 'ad_revenue' })), 'Forecast of Ad revenue, 1d');
    assert.equal(queryDisplayText(q({ queryType: 'forecast', kpi: 'ad_revenue', horizon: '6h' })), 'Forecast of Ad revenue, 6h');
    assert.equal(queryDisplayText(q({ queryType: 'forecast', expr: 'up', horizon: '  ' })), 'Forecast of up, 1d');
  });

  it('describes a data-quality check of an expression', () => {
    assert.equal(queryDisplayText(q({ queryType: 'quality', expr: 'encore_active_sessions' })), 'Data quality of encore_active_sessions');
    assert.equal(queryDisplayText(q({ queryType: 'quality', kpi: 'streams', output: 'score' })), 'Data quality of Streams');
  });

  it('leaves out the target while there is none', () => {
    assert.equal(queryDisplayText(q({ queryType: 'anomaly' })), 'Anomalies');
    assert.equal(queryDisplayText(q({ queryType: 'outliers', expr: '' })), 'Outliers');
    assert.equal(queryDisplayText(q({ queryType: 'forecast' })), 'Forecast, 1d');
    assert.equal(queryDisplayText(q({ queryType: 'quality' })), 'Data quality');
  });

  it('shows an unknown type by its expression, as before', () => {
    assert.equal(queryDisplayText(q({ queryType: 'sql', expr: 'select 1' })), 'select 1');
    assert.equal(queryDisplayText(q({ queryType: 'sql' })), '');
  });
});

describe('targetText', () => {
  it('reads the KPI of an analysis with a KPI, the expression otherwise', () => {
    assert.equal(targetText(q({ queryType: 'anomaly', kpi: 'churn_rate' })), 'Churn rate');
    assert.equal(targetText(q({ queryType: 'anomaly', expr: 'up' })), 'up');
    assert.equal(targetText(q({ queryType: 'promql', expr: 'up', kpi: 'churn_rate' })), 'up', 'a PromQL query reads its expression');
  });
});

describe('unitText', () => {
  it('names the catalogue units in words, and keeps unknown ids', () => {
    assert.equal(unitText('percentunit'), 'percent');
    assert.equal(unitText('count:stalls/min'), 'stalls/min');
    assert.equal(unitText('currencyUSD'), 'US dollars');
    assert.equal(unitText('Kbits'), 'kbit/s');
    assert.equal(unitText('lengthm'), 'lengthm');
  });

  it('has words for every unit the KPI catalogue uses', () => {
    for (const kpi of KPIS) assert.notEqual(unitText(kpi.unit), kpi.unit, `${kpi.id}: ${kpi.unit} has no words`);
  });
});
