// A share KPI's anomaly detection reads the events behind each value: the pipeline asks the store
// for them beside the KPI, on the same grid and labels, and detection reads a sparse share by its
// counts. When that second query fails, the answer still comes, read by the values, with a
// warning notice. The store here is scripted: a market's payments, a few an hour.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PluginContext } from '../../../src/backend/grafana/context';
import { createLogger } from '../../../src/backend/grafana/logger';
import { createBackendMetrics } from '../../../src/backend/metrics';
import { runQueries } from '../../../src/backend/query/pipeline';
import { UpstreamError } from '../../../src/backend/sources/errors';
import type { SourceRegistry } from '../../../src/backend/sources/resolve';
import type { RangeQuery, Series, Source } from '../../../src/backend/sources/source';
import { random } from '../analysis/random';

const HOUR = 3_600_000;
const TO = Date.UTC(2026, 10, 30);
const metrics = createBackendMetrics();
const ctx: PluginContext = { orgId: 1, pluginId: 'p', pluginVersion: 't', grafanaConfig: {}, userAgent: '' };

/** Per step: payment attempts (mostly 0 or 1) and the failed ones, 3 % of them. */
function payments(query: RangeQuery): { attempts: number[]; failed: number[]; timestamps: number[] } {
  const next = random(7);
  const timestamps: number[] = [];
  const attempts: number[] = [];
  const failed: number[] = [];
  for (let t = query.start; t <= query.end; t += query.stepMs) {
    const n = next() < 0.4 ? 1 + Math.floor(next() * 2) : 0;
    let k = 0;
    for (let j = 0; j < n; j++) if (next() < 0.03) k++;
    timestamps.push(t);
    attempts.push(n);
    failed.push(k);
  }
  return { attempts, failed, timestamps };
}

/** Answers the KPI (a ratio: its PromQL divides) and its events (a plain rate), per second. */
function store(options: { eventsFail: boolean; queries: string[] }): Source {
  const answer = async (query: RangeQuery): Promise<Series[]> => {
    options.queries.push(query.expr);
    const { attempts, failed, timestamps } = payments(query);
    const seconds = query.stepMs / 1000;
    if (query.expr.includes(' / ')) {
      const at = timestamps.map((_, i) => i).filter((i) => attempts[i]! > 0);
      return [{ labels: {}, timestamps: at.map((i) => timestamps[i]!), values: at.map((i) => failed[i]! / attempts[i]!) }];
    }
    if (options.eventsFail) throw new UpstreamError('server', 'Prometheus at http://store-b failed (HTTP 503)');
    return [{ labels: {}, timestamps, values: attempts.map((n) => n / seconds) }];
  };
  return {
    kind: 'prometheus',
    queryRange: answer,
    queryInstant: () => Promise.resolve([]),
    labelNames: () => Promise.resolve([]),
    labelValues: () => Promise.resolve([]),
    health: () => Promise.resolve({ ok: true, message: 'ok', details: {} }),
  } as unknown as Source;
}

async function ask(source: Source, to: number) {
  const deps = {
    sources: { forSettings: () => source } as unknown as SourceRegistry,
    metrics,
    logger: createLogger({ level: 'error', write: () => {} }),
    now: () => to + HOUR,
  };
  const [answer] = await runQueries(
    ctx,
    [
      {
        refId: 'A',
        maxDataPoints: 600,
        intervalMS: 300_000,
        timeRange: { fromEpochMS: to - 24 * HOUR, toEpochMS: to },
        json: Buffer.from(JSON.stringify({ queryType: 'anomaly', kpi: 'payment_failure_rate', format: 'timeseries', explain: false })),
      },
    ],
    deps,
  );
  assert.ok(answer);
  assert.equal(answer.failure, undefined, answer.failure?.message);
  const series = answer.frames[0]!;
  return { series, custom: series.meta?.custom as { algorithms?: string[] } | undefined, notices: series.meta?.notices ?? [] };
}

describe('share KPIs and their events', () => {
  it('fetches the events beside the share and reads a sparse share by its counts', async () => {
    const queries: string[] = [];
    const { series, custom, notices } = await ask(store({ eventsFail: false, queries }), TO);
    assert.equal(queries.length >= 2, true, queries.join('\n'));
    assert.ok(queries.some((q) => !q.includes(' / ') && q.includes('encore_subscription_events_total')), 'the events were asked for');
    assert.deepEqual(custom?.algorithms, ['binomial']);
    assert.match(series.meta?.executedQueryString ?? '', /\nEvents: sum \(rate\(encore_subscription_events_total/);
    // Steps without payments hold no failure rate, and are no gap: no completeness notice.
    assert.deepEqual(notices, []);
  });

  it('reads the share by its values, with a warning, when the events cannot be fetched', async () => {
    // Another day: the first test's answers are in the results cache.
    const { custom, notices } = await ask(store({ eventsFail: true, queries: [] }), TO - 7 * 24 * HOUR);
    assert.ok(custom?.algorithms?.length === 1 && custom.algorithms[0] !== 'binomial', JSON.stringify(custom));
    assert.ok(
      notices.some((n) => n.severity === 'warning' && /events behind the share could not be fetched.*store-b failed \(HTTP 503\)/.test(n.text)),
      JSON.stringify(notices),
    );
    // Without the events the steps without payments look like gaps again.
    assert.ok(notices.some((n) => /Completeness/.test(n.text)), JSON.stringify(notices));
  });
});
