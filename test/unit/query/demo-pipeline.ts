/**
 * The query pipeline in process on the demo source, as the unit tests of query types use it: a
 * demo data source's PluginContext, fresh dependencies with a fixed clock, and `run`, which sends
 * query bodies (refIds A, B, ...) over one time range.
 */
import type { PluginContext } from '../../../src/backend/grafana/context';
import { createLogger } from '../../../src/backend/grafana/logger';
import { createBackendMetrics } from '../../../src/backend/metrics';
import { HistoryCache } from '../../../src/backend/query/history';
import { runQueries, type QueryAnswer } from '../../../src/backend/query/pipeline';
import { SourceRegistry } from '../../../src/backend/sources/resolve';

export const DEMO_CONTEXT: PluginContext = {
  orgId: 1,
  pluginId: 'encore-streaming-datasource',
  pluginVersion: 'test',
  grafanaConfig: {},
  userAgent: 'test',
  dataSource: { uid: 'demo', name: 'Demo', url: '', basicAuthEnabled: false, basicAuthUser: '', jsonData: {}, secureJsonData: {}, lastUpdatedMS: 1 },
};

export interface DemoPipeline {
  run(...bodies: Array<Record<string, unknown>>): Promise<QueryAnswer[]>;
}

/** Queries over [fromMs, toMs] at a minute, with the pipeline's clock at `nowMs`. */
export function demoPipeline(fromMs: number, toMs: number, nowMs: number): DemoPipeline {
  const metrics = createBackendMetrics();
  const deps = { sources: new SourceRegistry(metrics), metrics, logger: createLogger({ level: 'error', write: () => {} }), history: new HistoryCache(), now: () => nowMs };
  return {
    run: (...bodies) =>
      runQueries(
        DEMO_CONTEXT,
        bodies.map((body, i) => ({ refId: String.fromCharCode(65 + i), maxDataPoints: 600, intervalMS: 60_000, timeRange: { fromEpochMS: fromMs, toEpochMS: toMs }, json: Buffer.from(JSON.stringify(body)) })),
        deps,
      ),
  };
}
