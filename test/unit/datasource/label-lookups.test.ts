// What the query editor asks the backend when it lists label names and a label's values, and
// which label names it offers for a KPI.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKpi, kpiLabels } from '../../../src/common/kpis/catalogue';
import { LABEL_LOOKUP_LIMIT, LABEL_WITHOUT_DATA, labelNameOptions, labelNamesRequest, labelValuesRequest, loadLabelNameOptions, type LookupSource } from '../../../src/datasource/label-lookups';

describe('labelValuesRequest', () => {
  it('asks for the values of the label among the series of the KPI, narrowed by the other filters', () => {
    const request = labelValuesRequest('rebuffering_ratio', 'platform', [
      { label: 'market', op: '=', value: 'BR' },
      { label: 'platform', op: '=', value: 'ios' },
      { label: 'network', op: '=~', value: 'cellular_.*' },
    ]);
    assert.equal(request.path, 'labels/platform/values');
    assert.deepEqual(request.params, {
      limit: String(LABEL_LOOKUP_LIMIT),
      'match[]': 'encore_rebuffer_seconds_total{market="BR",network=~"cellular_.*"}',
    });
  });

  it('passes the search text, and quotes values the way PromQL needs', () => {
    const request = labelValuesRequest('rebuffering_ratio', 'market', [{ label: 'platform', op: '!=', value: 'we"b' }], 'b');
    assert.equal(request.params.search, 'b');
    assert.equal(request.params['match[]'], 'encore_rebuffer_seconds_total{platform!="we\\"b"}');
  });

  it('leaves the series out for the demo source, whose series have their own names', () => {
    const request = labelValuesRequest('rebuffering_ratio', 'market', [{ label: 'platform', op: '=', value: 'ios' }], 'B', false);
    assert.deepEqual(request.params, { limit: String(LABEL_LOOKUP_LIMIT), search: 'B' });
  });

  it('asks across all series for an unknown KPI, and encodes the label in the path', () => {
    const request = labelValuesRequest('no_such_kpi', 'market', []);
    assert.deepEqual(request, { path: 'labels/market/values', params: { limit: String(LABEL_LOOKUP_LIMIT) } });
  });

  it('ignores a filter still being written: label="" would mean series without the label', () => {
    const request = labelValuesRequest('rebuffering_ratio', 'market', [{ label: 'platform', op: '=', value: '' }]);
    assert.equal(request.params['match[]'], 'encore_rebuffer_seconds_total{}');
  });
});

describe('labelNamesRequest', () => {
  it('asks for the label names of the KPI series, narrowed by every filter and searched', () => {
    const request = labelNamesRequest('rebuffering_ratio', [{ label: 'market', op: '=', value: 'BR' }], 'plat');
    assert.deepEqual(request, { path: 'labels', params: { limit: String(LABEL_LOOKUP_LIMIT), search: 'plat', 'match[]': 'encore_rebuffer_seconds_total{market="BR"}' } });
  });

  it('only searches on the demo source', () => {
    assert.deepEqual(labelNamesRequest('rebuffering_ratio', [{ label: 'market', op: '=', value: 'BR' }], '', false), { path: 'labels', params: { limit: String(LABEL_LOOKUP_LIMIT) } });
  });
});

describe('labelNameOptions', () => {
  const allowed = kpiLabels(findKpi('rebuffering_ratio')!);

  it('offers only the labels the catalogue allows, those with data first, the rest marked', () => {
    const options = labelNameOptions('rebuffering_ratio', ['platform', '__name__', 'instance', 'market']);
    assert.deepEqual(
      options.map((o) => o.value),
      [...allowed.filter((l) => l === 'market' || l === 'platform'), ...allowed.filter((l) => l !== 'market' && l !== 'platform')],
    );
    assert.ok(options.filter((o) => o.value === 'market' || o.value === 'platform').every((o) => o.description === undefined));
    assert.ok(options.filter((o) => o.value !== 'market' && o.value !== 'platform').every((o) => o.description === LABEL_WITHOUT_DATA));
    assert.ok(!options.some((o) => o.value === 'instance' || o.value === '__name__'), 'labels the backend refuses are not offered');
  });

  it('narrows by the search text, offers the catalogue as it is when the lookup failed, and nothing without a KPI', () => {
    assert.deepEqual(labelNameOptions('rebuffering_ratio', ['market', 'platform'], 'PLAT'), [{ value: 'platform', label: 'platform' }]);
    assert.deepEqual(labelNameOptions('rebuffering_ratio', undefined).map((o) => o.value), allowed);
    assert.deepEqual(labelNameOptions(undefined, ['market']), []);
  });

  it('loads the names from the labels resource, and falls back to the catalogue when the call fails', async () => {
    const calls: Array<{ path: string; params?: Record<string, unknown> }> = [];
    const source = (answer: () => Promise<unknown>): LookupSource => ({
      settings: { jsonData: { sourceKind: 'prometheus' }, url: 'http://prometheus:9090' },
      getResource: (path, params) => {
        calls.push({ path, params });
        return answer();
      },
    });
    const found = await loadLabelNameOptions(source(async () => ({ data: ['market', 'instance'] })), 'rebuffering_ratio', [], 'mar');
    assert.deepEqual(found, [{ value: 'market', label: 'market' }]);
    assert.equal(calls[0]!.path, 'labels');
    assert.equal(calls[0]!.params?.search, 'mar');
    const fallback = await loadLabelNameOptions(source(() => Promise.reject(new Error('502'))), 'rebuffering_ratio', [], '');
    assert.deepEqual(fallback.map((o) => o.value), allowed);
  });
});
