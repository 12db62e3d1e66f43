// What the filter editor asks the backend when it lists a label's values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelValuesRequest, LABEL_VALUES_LIMIT } from '../../../src/datasource/label-values';

describe('labelValuesRequest', () => {
  it('asks for the values of the label among the series of the KPI, narrowed by the other filters', () => {
    const request = labelValuesRequest('rebuffering_ratio', 'platform', [
      { label: 'market', op: '=', value: 'BR' },
      { label: 'platform', op: '=', value: 'ios' },
      { label: 'network', op: '=~', value: 'cellular_.*' },
    ]);
    assert.equal(request.path, 'labels/platform/values');
    assert.deepEqual(request.params, {
      limit: String(LABEL_VALUES_LIMIT),
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
    assert.deepEqual(request.params, { limit: String(LABEL_VALUES_LIMIT), search: 'B' });
  });

  it('asks across all series for an unknown KPI, and encodes the label in the path', () => {
    const request = labelValuesRequest('no_such_kpi', 'market', []);
    assert.deepEqual(request, { path: 'labels/market/values', params: { limit: String(LABEL_VALUES_LIMIT) } });
  });
});
