// SourceRegistry: one source per (organisation, data source), rebuilt when the settings are saved.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataSourceSettings } from '../../../src/backend/grafana/context';
import { createBackendMetrics } from '../../../src/backend/metrics';
import { IDLE_SOURCE_MS, SourceRegistry } from '../../../src/backend/sources/resolve';

function prometheus(url: string, lastUpdatedMS = 1, uid = 'encore'): DataSourceSettings {
  return { uid, name: 'Encore', url, basicAuthEnabled: false, basicAuthUser: '', jsonData: { sourceKind: 'prometheus' }, secureJsonData: {}, lastUpdatedMS };
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

  it('forgets a data source nobody asked for in an hour (a deleted one), and keeps those in use', () => {
    let now = 0;
    const registry = new SourceRegistry(createBackendMetrics(), () => now);
    const kept = registry.forSettings(1, prometheus('http://kept:9090', 1, 'kept'));
    registry.forSettings(1, prometheus('http://deleted:9090', 1, 'deleted'));
    assert.equal(registry.size, 2);
    now = IDLE_SOURCE_MS / 2;
    assert.equal(registry.forSettings(1, prometheus('http://kept:9090', 1, 'kept')), kept);
    now = IDLE_SOURCE_MS + 1;
    assert.equal(registry.forSettings(1, prometheus('http://kept:9090', 1, 'kept')), kept, 'used half an hour ago: still the same source');
    assert.equal(registry.size, 1);
    assert.deepEqual(registry.breakerStates().map((b) => b.datasource), ['kept'], 'no breaker gauge for the deleted one');
    // Asked for again, it starts afresh.
    registry.forSettings(1, prometheus('http://deleted:9090', 1, 'deleted'));
    assert.equal(registry.size, 2);
  });
});
