// SourceRegistry: one source per (organisation, data source), rebuilt when the settings are saved.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataSourceSettings } from '../../../src/backend/grafana/context';
import { createBackendMetrics } from '../../../src/backend/metrics';
import { SourceRegistry } from '../../../src/backend/sources/resolve';

function prometheus(url: string, lastUpdatedMS = 1): DataSourceSettings {
  return { uid: 'encore', name: 'Encore', url, basicAuthEnabled: false, basicAuthUser: '', jsonData: { sourceKind: 'prometheus' }, secureJsonData: {}, lastUpdatedMS };
}

describe('SourceRegistry', () => {
  it('keeps the same uid in two organisations apart, each reused', () => {
    const registry = new SourceRegistry(createBackendMetrics());
    const one = registry.forSettings(1, prometheus('http://prometheus-a:9090'));
    const two = registry.forSettings(2, prometheus('http://prometheus-b:9090'));
    assert.notEqual(one, two);
    // Alternating queries of the two organisations find their own source each time.
    assert.equal(registry.forSettings(1, prometheus('http://prometheus-a:9090')), one);
    assert.equal(registry.forSettings(2, prometheus('http://prometheus-b:9090')), two);
    const upstreams = registry.breakerStates().map((b) => b.upstream).sort();
    assert.deepEqual(upstreams, ['http://prometheus-a:9090', 'http://prometheus-b:9090']);
  });

  it('replaces a data source saved again, and forgets its old version', () => {
    const registry = new SourceRegistry(createBackendMetrics());
    const before = registry.forSettings(1, prometheus('http://old:9090', 1));
    const after = registry.forSettings(1, prometheus('http://new:9090', 2));
    assert.notEqual(after, before);
    assert.deepEqual(registry.breakerStates().map((b) => b.upstream), ['http://new:9090']);
  });
});
