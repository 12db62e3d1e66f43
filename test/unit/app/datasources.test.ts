// Encore data sources from Grafana's list, their order, and the URLs the overview links to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exploreQualityUrl, editDataSourceUrl, qualityQuery, sortDataSources, sourceLabel, toDataSource } from '../../../src/app/datasources';
import { DATASOURCE_PLUGIN_ID } from '../../../src/common/plugin-ids';
import { encoreQuerySchema } from '../../../src/common/query';

describe('toDataSource', () => {
  it('keeps Encore data sources only, with their source kind', () => {
    const items = [
      { uid: 'encore-demo', name: 'Encore (demo)', type: DATASOURCE_PLUGIN_ID, isDefault: true, jsonData: { sourceKind: 'demo' } },
      { uid: 'prom', name: 'Prometheus', type: 'prometheus', isDefault: false },
      { uid: '', name: 'broken', type: DATASOURCE_PLUGIN_ID },
      { uid: 'encore-prod', name: '', type: DATASOURCE_PLUGIN_ID, url: 'http://mimir:9009/prometheus', readOnly: true, jsonData: null },
    ];
    assert.deepEqual(items.map(toDataSource).filter(Boolean), [
      { uid: 'encore-demo', name: 'Encore (demo)', type: DATASOURCE_PLUGIN_ID, isDefault: true, sourceKind: 'demo' },
      { uid: 'encore-prod', name: 'encore-prod', type: DATASOURCE_PLUGIN_ID, isDefault: false, url: 'http://mimir:9009/prometheus', readOnly: true },
    ]);
  });
});

describe('sortDataSources', () => {
  it('puts the default first, then sorts by name', () => {
    const ds = (uid: string, name: string, isDefault = false) => ({ uid, name, type: DATASOURCE_PLUGIN_ID, isDefault });
    assert.deepEqual(sortDataSources([ds('c', 'Zulu'), ds('a', 'alpha'), ds('b', 'Mike', true)]).map((d) => d.uid), ['b', 'a', 'c']);
  });
});

describe('sourceLabel', () => {
  it('says which upstream the backend reads, as the backend decides it', () => {
    const base = { uid: 'x', name: 'x', type: DATASOURCE_PLUGIN_ID, isDefault: false };
    assert.equal(sourceLabel(base), 'Demo source (built in)');
    assert.equal(sourceLabel({ ...base, url: 'http://prom:9090' }), 'Prometheus at http://prom:9090');
    assert.equal(sourceLabel({ ...base, url: 'http://prom:9090', sourceKind: 'demo' }), 'Demo source (built in)');
    assert.equal(sourceLabel({ ...base, sourceKind: 'prometheus' }), 'Prometheus');
  });
});

describe('links', () => {
  it('escapes the uid in the settings link', () => {
    assert.equal(editDataSourceUrl('a/b c'), '/connections/datasources/edit/a%2Fb%20c');
  });

  it('the quality query is one the shared query model accepts', () => {
    const query = qualityQuery({ uid: 'encore-demo', type: DATASOURCE_PLUGIN_ID }, 'streams');
    const parsed = encoreQuerySchema.safeParse(query);
    assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
    assert.equal(parsed.data.queryType, 'quality');
  });

  it('opens Explore with the quality query and a relative range', () => {
    const url = exploreQualityUrl({ uid: 'encore-demo', type: DATASOURCE_PLUGIN_ID }, 'rebuffering_ratio');
    const parsed = new URL(url, 'http://grafana.local');
    assert.equal(parsed.pathname, '/explore');
    assert.equal(parsed.searchParams.get('schemaVersion'), '1');
    const panes = JSON.parse(parsed.searchParams.get('panes')!);
    const pane = Object.values(panes)[0] as { datasource: string; queries: Array<{ kpi: string; queryType: string }>; range: { from: string } };
    assert.equal(pane.datasource, 'encore-demo');
    assert.deepEqual([pane.queries[0]!.queryType, pane.queries[0]!.kpi], ['quality', 'rebuffering_ratio']);
    assert.equal(pane.range.from, 'now-1h');
  });
});
