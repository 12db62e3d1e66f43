// The dashboard variable queries the data source understands.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KPIS } from '../../../src/common/kpis/catalogue';
import { kpiOptions, parseVariableQuery } from '../../../src/datasource/variable-query';

describe('parseVariableQuery', () => {
  it('reads kpis() and kpis(<group>)', () => {
    assert.deepEqual(parseVariableQuery('kpis()'), { ok: true, query: { kind: 'kpis' } });
    assert.deepEqual(parseVariableQuery('  kpis( revenue ) '), { ok: true, query: { kind: 'kpis', group: 'revenue' } });
  });

  it('reads label_values(<label>) and label_values(<kpi>, <label>)', () => {
    assert.deepEqual(parseVariableQuery('label_values(market)'), { ok: true, query: { kind: 'label_values', label: 'market' } });
    assert.deepEqual(parseVariableQuery('label_values(rebuffering_ratio, platform)'), { ok: true, query: { kind: 'label_values', label: 'platform', kpi: 'rebuffering_ratio' } });
  });

  it('says what was expected for anything else', () => {
    const error = (text: string) => {
      const parsed = parseVariableQuery(text);
      assert.equal(parsed.ok, false, text);
      return parsed.ok ? '' : parsed.error;
    };
    assert.match(error('market'), /expected kpis\(\), kpis\(<group>\), label_values/);
    assert.match(error('kpis(money)'), /expected one group of audio_quality, behaviour, revenue/);
    assert.match(error('label_values(no_kpi, market)'), /"no_kpi" is not a KPI/);
    assert.match(error('label_values(subscription_revenue, platform)'), /subscription_revenue can be split by .*not "platform"/);
    assert.match(error('label_values(1abc)'), /expected a label name/);
    assert.match(error('series()'), /unknown variable function series\(\)/);
  });
});

describe('kpiOptions', () => {
  it('lists every KPI by name with its id as the value, or one group without the group name', () => {
    assert.equal(kpiOptions().length, KPIS.length);
    assert.deepEqual(kpiOptions().find((o) => o.value === 'rebuffering_ratio'), { text: 'Rebuffering ratio (Audio quality)', value: 'rebuffering_ratio' });
    const revenue = kpiOptions('revenue');
    assert.ok(revenue.length > 0 && revenue.every((o) => KPIS.find((k) => k.id === o.value)?.group === 'revenue'));
    assert.ok(revenue.some((o) => o.text === 'Subscription revenue'));
  });
});
