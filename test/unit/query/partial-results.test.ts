// Partial results: when the secondary queries of an answer fail (here the root-cause hints of an
// anomaly query), the answer still comes, with a warning notice saying what is missing and why.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PluginContext } from '../../../src/backend/grafana/context';
import { createLogger } from '../../../src/backend/grafana/logger';
import { createBackendMetrics } from '../../../src/backend/metrics';
import { runQueries } from '../../../src/backend/query/pipeline';
import { UpstreamError } from '../../../src/backend/sources/errors';
import { SourceRegistry } from '../../../src/backend/sources/resolve';
import type { Source } from '../../../src/backend/sources/source';

const DAY = 86_400_000;
const TO = Date.UTC(2026, 10, 30);
const metrics = createBackendMetrics();
const demo = new SourceRegistry(metrics).forSettings(1, undefined);

/** The demo source, except that queries split by a label (the root-cause hints' queries) fail. */
const flaky: Source = {
  ...demo,
  kind: demo.kind,
  queryRange: (query) =>
    / by \(/.test(query.expr) ? Promise.reject(new UpstreamError('server', 'Prometheus at http://store-b failed (HTTP 503)')) : demo.queryRange(query),
};

const ctx: PluginContext = { orgId: 1, pluginId: 'p', pluginVersion: 't', grafanaConfig: {}, userAgent: '' };

describe('partial results', () => {
  it('answers an anomaly query without its root-cause hints when their queries fail, with a notice', async () => {
    const deps = {
      sources: { forSettings: () => flaky } as unknown as SourceRegistry,
      metrics,
      logger: createLogger({ level: 'error', write: () => {} }),
      now: () => TO + 3_600_000,
    };
    const [answer] = await runQueries(
      ctx,
      [
        {
          refId: 'A',
          maxDataPoints: 600,
          intervalMS: 60_000,
          timeRange: { fromEpochMS: TO - 2 * DAY, toEpochMS: TO },
          json: Buffer.from(JSON.stringify({ queryType: 'anomaly', kpi: 'rebuffering_ratio', format: 'events', detect: { sensitivity: 1 } })),
        },
      ],
      deps,
    );
    assert.equal(answer!.failure, undefined, answer!.failure?.message);
    const [events] = answer!.frames;
    assert.ok((events!.fields[0]?.values.length ?? 0) >= 1, 'the events are there');
    const notices = events!.meta?.notices ?? [];
    assert.ok(
      notices.some((n) => n.severity === 'warning' && /Root-cause hints are missing: .*store-b failed \(HTTP 503\)/.test(n.text)),
      JSON.stringify(notices),
    );
  });
});
