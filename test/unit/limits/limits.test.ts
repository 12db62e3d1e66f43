// The per-query limits and rate limits (src/backend/query/limits): pure parts with a fake clock,
// then through the pipeline on the demo source, where a refused query leaves its neighbours alone.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { dataSourceOptionsSchema, DEFAULT_SCRAPE_INTERVAL_MS } from '../../../src/common/settings';
import { LIMIT_DEFAULTS } from '../../../src/common/settings-limits';
import type { PluginContext } from '../../../src/backend/grafana/context';
import { createLogger } from '../../../src/backend/grafana/logger';
import { createBackendMetrics } from '../../../src/backend/metrics';
import { describeFailure } from '../../../src/backend/query/failure';
import {
  checkRange,
  DEFAULT_LIMITS,
  fitAnswers,
  limitedSource,
  LimitError,
  limitsFromJsonData,
  parseDataSourceOptions,
  QueryBudget,
  queryLimits,
  RateLimiter,
  scrapeMsFromJsonData,
  TokenBucket,
} from '../../../src/backend/query/limits';
import { HistoryCache } from '../../../src/backend/query/history';
import { runQueries } from '../../../src/backend/query/pipeline';
import { SourceRegistry } from '../../../src/backend/sources/resolve';
import type { Series, Source } from '../../../src/backend/sources/source';

const DAY = 86_400_000;

describe('settings: limits have defaults and are validated by the schema', () => {
  it('fills every limit when jsonData has none', () => {
    const options = dataSourceOptionsSchema.parse({});
    for (const [key, value] of Object.entries(LIMIT_DEFAULTS)) assert.equal(options[key as keyof typeof options], value, key);
    assert.equal(options.allowLinkLocal, false);
    assert.deepEqual(DEFAULT_LIMITS, {
      maxRangeMs: 366 * DAY,
      maxRangeText: '366d',
      maxSeries: 2000,
      maxPoints: 5_000_000,
      maxResponseBytes: 64 * 1024 * 1024,
      queryTimeoutMs: 60_000,
      org: { ratePerSecond: 100, burst: 1000 },
      user: { ratePerSecond: 20, burst: 200 },
    });
  });

  it('names the field of a bad value', () => {
    const bad = dataSourceOptionsSchema.safeParse({ maxSeries: 1.5, maxQueryRange: 'forever', rateLimitUserQps: -1, retries: 9 });
    assert.equal(bad.success, false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    assert.deepEqual(new Set(paths), new Set(['maxSeries', 'maxQueryRange', 'rateLimitUserQps', 'retries']));
  });

  it('parses each settings content once: equal jsonData gives the same limits, a changed value new ones', () => {
    const a = limitsFromJsonData({ maxSeries: 7, rateLimitUserQps: 3 });
    assert.equal(limitsFromJsonData({ maxSeries: 7, rateLimitUserQps: 3 }), a, 'memoised by content, not by object');
    const b = limitsFromJsonData({ maxSeries: 8, rateLimitUserQps: 3 });
    assert.notEqual(b, a);
    assert.equal(b.maxSeries, 8);
    assert.equal(limitsFromJsonData({ maxSeries: 7, rateLimitUserQps: 3 }).maxSeries, 7);
    assert.equal(limitsFromJsonData({ maxSeries: 'many' }), DEFAULT_LIMITS, 'settings that do not parse: the defaults');
    assert.ok(!parseDataSourceOptions({ maxSeries: 'many' }).success, 'and the parse result says why');
  });

  it('reads the scrape interval once per settings content, the default when it is missing or the settings do not parse', () => {
    assert.equal(scrapeMsFromJsonData({ scrapeInterval: '1m' }), 60_000);
    assert.equal(scrapeMsFromJsonData({ scrapeInterval: '1m' }), 60_000, 'again, from the memo');
    assert.equal(scrapeMsFromJsonData(Object.freeze({ scrapeInterval: '30s' })), 30_000);
    assert.equal(scrapeMsFromJsonData({ scrapeInterval: '1m30s', maxSeries: 'many' }), DEFAULT_SCRAPE_INTERVAL_MS);
    assert.equal(scrapeMsFromJsonData({}), DEFAULT_SCRAPE_INTERVAL_MS);
    assert.equal(scrapeMsFromJsonData(undefined), DEFAULT_SCRAPE_INTERVAL_MS);
  });

  it('turns a rate limit off with 0, and uses the defaults for settings that do not parse', () => {
    assert.equal(queryLimits(dataSourceOptionsSchema.parse({ rateLimitOrgQps: 0 })).org, undefined);
    assert.deepEqual(limitsFromJsonData({ maxSeries: 'many' }), DEFAULT_LIMITS);
  });
});

describe('TokenBucket', () => {
  it('starts full, empties, refills at the rate, never above the burst', () => {
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 3 }, 0);
    assert.ok(bucket.take(0) && bucket.take(0) && bucket.take(0));
    assert.equal(bucket.take(0), false);
    assert.equal(bucket.waitMs(0), 500);
    assert.equal(bucket.take(499), false);
    assert.equal(bucket.take(500), true);
    assert.equal(bucket.available(100_000), 3);
    assert.equal(bucket.isFull(100_000), true);
  });

  it('keeps earned tokens when reconfigured, clamped to the new size', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 10 }, 0);
    bucket.reconfigure({ ratePerSecond: 1, burst: 2 }, 0);
    assert.equal(bucket.available(0), 2);
  });
});

describe('RateLimiter', () => {
  const limits = { org: { ratePerSecond: 1, burst: 3 }, user: { ratePerSecond: 1, burst: 2 } };

  it('refuses a user over their bucket with a 429 that names the limit, its value and when to retry', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const alice = { dataSource: 'ds', orgId: 1, user: 'alice' };
    limiter.admit(alice, limits);
    limiter.admit(alice, limits);
    const refusal = captureLimit(() => limiter.admit(alice, limits));
    assert.equal(refusal.limit, 'rateLimitUserQps');
    assert.equal(refusal.status, 429);
    assert.match(refusal.message, /user "alice" sent more than 1 queries\/s \(burst 2\).*rateLimitUserQps = 1, rateLimitUserBurst = 2.*retry in 1\.0 s/);
    now = 1000;
    limiter.admit(alice, limits);
  });

  it('counts users of one org together against the org bucket, without costing a refused user a token', () => {
    const now = 0;
    const limiter = new RateLimiter(() => now);
    limiter.admit({ dataSource: 'ds', orgId: 1, user: 'a' }, limits);
    limiter.admit({ dataSource: 'ds', orgId: 1, user: 'b' }, limits);
    limiter.admit({ dataSource: 'ds', orgId: 1, user: 'c' }, limits);
    const refusal = captureLimit(() => limiter.admit({ dataSource: 'ds', orgId: 1, user: 'd' }, limits));
    assert.equal(refusal.limit, 'rateLimitOrgQps');
    assert.match(refusal.message, /organisation 1 sent more than 1 queries\/s \(burst 3\)/);
    // Another org and another data source have their own buckets.
    limiter.admit({ dataSource: 'ds', orgId: 2, user: 'd' }, limits);
    limiter.admit({ dataSource: 'other', orgId: 1, user: 'd' }, limits);
  });

  it('counts requests without a user (alerting) against the org only', () => {
    const limiter = new RateLimiter(() => 0);
    for (let i = 0; i < 3; i++) limiter.admit({ dataSource: 'ds', orgId: 1 }, limits);
    assert.equal(captureLimit(() => limiter.admit({ dataSource: 'ds', orgId: 1 }, limits)).limit, 'rateLimitOrgQps');
  });

  it('stays bounded: full buckets are forgotten first', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    for (let i = 0; i < 10_050; i++) limiter.admit({ dataSource: 'ds', orgId: i }, { org: limits.org });
    assert.ok(limiter.size <= 10_000);
    now = 10_000;
    limiter.admit({ dataSource: 'ds', orgId: -1 }, { org: limits.org });
    assert.ok(limiter.size <= 10_000);
  });
});

function captureLimit(run: () => void): LimitError {
  try {
    run();
  } catch (error) {
    if (error instanceof LimitError) return error;
    throw error;
  }
  throw new Error('expected a LimitError');
}

describe('checkRange and QueryBudget', () => {
  it('refuses a range over maxQueryRange with status 400, naming limit and value', () => {
    checkRange({ from: 0, to: 30 * DAY }, { maxRangeMs: 30 * DAY, maxRangeText: '30d' });
    const refusal = captureLimit(() => checkRange({ from: 0, to: 31 * DAY }, { maxRangeMs: 30 * DAY, maxRangeText: '30d' }));
    assert.equal(refusal.status, 400);
    assert.equal(refusal.message, 'timeRange: the query covers 31d, more than this data source allows (limit maxQueryRange = 30d); choose a shorter time range');
    assert.deepEqual(describeFailure(refusal), { status: 400, errorSource: 'plugin', message: refusal.message, kind: 'limit' });
  });

  const series = (n: number, points: number): Series[] =>
    Array.from({ length: n }, (_, i) => ({ labels: { i: String(i) }, timestamps: new Array<number>(points).fill(0), values: new Array<number>(points).fill(1) }));

  it('refuses an answer with more series than maxSeries', () => {
    const budget = new QueryBudget({ maxSeries: 3, maxPoints: 1000 });
    budget.charge(series(3, 10), 'the upstream');
    const refusal = captureLimit(() => budget.charge(series(4, 1), 'the upstream'));
    assert.equal(refusal.limit, 'maxSeries');
    assert.equal(refusal.status, 413);
    assert.match(refusal.message, /^maxSeries: the upstream answered 4 series, more than this data source allows \(limit maxSeries = 3\)/);
  });

  it('adds up the samples of every answer of a query against maxPoints, and refuses a request one series of which cannot fit', () => {
    const budget = new QueryBudget({ maxSeries: 100, maxPoints: 1000 });
    budget.charge(series(5, 100), 'the upstream');
    assert.equal(budget.pointsRead, 500);
    const refusal = captureLimit(() => budget.charge(series(6, 100), 'the upstream'));
    assert.match(refusal.message, /^maxPoints: the query would read 1,100 samples \(6 series\), more than this data source allows \(limit maxPoints = 1000\)/);
    const fresh = new QueryBudget({ maxSeries: 100, maxPoints: 1000 });
    fresh.checkRequest(0, 999_000, 1000);
    assert.match(captureLimit(() => fresh.checkRequest(0, 1_000_000, 1000)).message, /1,001 samples per series/);
  });

  it('checks every range and instant answer through the source a query gets', async () => {
    const answer = series(3, 2);
    const inner: Source = {
      kind: 'demo',
      queryRange: async (q) => {
        q.onWarning?.('partial: store B was down');
        return answer;
      },
      queryInstant: async () => answer,
      metricNames: async () => [],
      labelNames: async () => [],
      labelValues: async () => [],
      health: async () => ({ ok: true, message: '', details: {} }),
    };
    const warnings: string[] = [];
    const source = limitedSource(inner, { budget: new QueryBudget({ maxSeries: 2, maxPoints: 100 }), onWarning: (w) => warnings.push(w) });
    await assert.rejects(source.queryRange({ expr: 'x', start: 0, end: 1000, stepMs: 1000 }), /maxSeries/);
    assert.deepEqual(warnings, ['partial: store B was down']);
    await assert.rejects(source.queryInstant({ expr: 'x', time: 0 }), /maxSeries/);
  });
});

describe('fitAnswers', () => {
  it('refuses answers over the per-query size, then the largest ones until the rest fits one message', () => {
    const MB = 1024 * 1024;
    assert.deepEqual(fitAnswers([{ bytes: 1 * MB }, { bytes: 2 * MB }], 10 * MB, 64 * MB), []);
    assert.deepEqual(fitAnswers([{ bytes: 1 * MB }, { bytes: 11 * MB }], 10 * MB, 64 * MB), [{ index: 1, reason: 'query' }]);
    assert.deepEqual(fitAnswers([{ bytes: 30 * MB }, { bytes: 40 * MB }, { bytes: 5 * MB }], 64 * MB, 64 * MB), [{ index: 1, reason: 'message' }]);
  });
});

// ---- through the pipeline ----------------------------------------------------------------------

const TO = Date.UTC(2026, 10, 30);
const metrics = createBackendMetrics();

function pipelineDeps(rateLimiter?: RateLimiter) {
  const audit: string[] = [];
  return {
    audit,
    deps: {
      sources: new SourceRegistry(metrics),
      metrics,
      logger: createLogger({ level: 'error', write: () => {} }),
      history: new HistoryCache(),
      now: () => TO,
      rateLimiter,
      audit: createLogger({ level: 'info', write: (line) => audit.push(line) }),
    },
  };
}

function demoContext(jsonData: Record<string, unknown>, user = 'alice'): PluginContext {
  return {
    orgId: 1,
    pluginId: 'encore-streaming-datasource',
    pluginVersion: 'test',
    grafanaConfig: {},
    userAgent: 'test',
    user: { login: user, name: user, email: '', role: 'Viewer' },
    dataSource: { uid: 'demo', name: 'Demo', url: '', basicAuthEnabled: false, basicAuthUser: '', jsonData: { sourceKind: 'demo', ...jsonData }, secureJsonData: {}, lastUpdatedMS: 1 },
  };
}

const wire = (refId: string, body: Record<string, unknown>, rangeMs = 6 * 3_600_000) => ({
  refId,
  maxDataPoints: 300,
  intervalMS: 60_000,
  timeRange: { fromEpochMS: TO - rangeMs, toEpochMS: TO },
  json: Buffer.from(JSON.stringify(body)),
});

describe('limits in the pipeline', () => {
  it('refuses only the query over a limit; its neighbours answer', async () => {
    const { deps } = pipelineDeps();
    const ctx = demoContext({ maxQueryRange: '7d', maxSeries: 3 });
    const [wide, split, fine] = await runQueries(
      ctx,
      [
        wire('A', { queryType: 'kpi', kpi: 'rebuffering_ratio' }, 8 * DAY),
        wire('B', { queryType: 'kpi', kpi: 'rebuffering_ratio', groupBy: ['market'] }),
        wire('C', { queryType: 'kpi', kpi: 'rebuffering_ratio' }),
      ],
      deps,
    );
    assert.equal(wide!.failure?.status, 400);
    assert.match(wide!.failure!.message, /limit maxQueryRange = 7d/);
    assert.equal(split!.failure?.status, 413);
    assert.match(split!.failure!.message, /limit maxSeries = 3/);
    assert.equal(fine!.failure, undefined);
    assert.ok(fine!.frames.length > 0);
  });

  it('refuses queries over the user rate limit one by one, with 429s', async () => {
    const { deps } = pipelineDeps(new RateLimiter(() => 0));
    const ctx = demoContext({ rateLimitUserQps: 1, rateLimitUserBurst: 2 });
    const answers = await runQueries(ctx, ['A', 'B', 'C', 'D'].map((refId) => wire(refId, { queryType: 'kpi', kpi: 'rebuffering_ratio', instant: true })), deps);
    assert.deepEqual(
      answers.map((a) => a.failure?.status ?? 200),
      [200, 200, 429, 429],
    );
    assert.match(answers[2]!.failure!.message, /rateLimitUserQps = 1/);
  });

  it('counts each refusal by data source and limit: encore_query_limit_refusals_total and encore_query_rate_limited_total', async () => {
    const own = createBackendMetrics();
    const { deps } = pipelineDeps(new RateLimiter(() => 0));
    const counted = { ...deps, metrics: own, sources: new SourceRegistry(own) };
    const ctx = demoContext({ maxQueryRange: '7d', maxSeries: 3, rateLimitUserQps: 1, rateLimitUserBurst: 3 });
    await runQueries(
      ctx,
      [
        wire('A', { queryType: 'kpi', kpi: 'rebuffering_ratio' }, 8 * DAY),
        wire('B', { queryType: 'kpi', kpi: 'rebuffering_ratio', groupBy: ['market'] }),
        wire('C', { queryType: 'kpi', kpi: 'rebuffering_ratio' }),
        wire('D', { queryType: 'kpi', kpi: 'rebuffering_ratio' }),
      ],
      { ...counted, history: new HistoryCache() },
    );
    const value = async (name: string, labels: Record<string, string>) =>
      (await own.registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
    assert.equal(await value('encore_query_limit_refusals_total', { datasource: 'demo', limit: 'maxQueryRange' }), 1);
    assert.equal(await value('encore_query_limit_refusals_total', { datasource: 'demo', limit: 'maxSeries' }), 1);
    assert.equal(await value('encore_query_rate_limited_total', { datasource: 'demo', limit: 'rateLimitUserQps' }), 1);
    assert.equal(await value('encore_query_limit_refusals_total', { datasource: 'demo', limit: 'rateLimitUserQps' }), 0, 'rate limits are counted apart');
  });

  it('stops a query at queryTimeoutSeconds with an error naming the limit', async () => {
    const { deps } = pipelineDeps();
    const slow: Source = {
      kind: 'prometheus',
      queryRange: (q) =>
        new Promise((_, reject) => q.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true })),
      queryInstant: async () => [],
      metricNames: async () => [],
      labelNames: async () => [],
      labelValues: async () => [],
      health: async () => ({ ok: true, message: '', details: {} }),
    };
    const registry = { forSettings: () => slow } as unknown as SourceRegistry;
    const started = performance.now();
    const [answer] = await runQueries(demoContext({ queryTimeoutSeconds: 0.2 }), [wire('A', { expr: 'up' })], { ...deps, sources: registry });
    assert.equal(answer!.failure?.status, 504);
    assert.equal(answer!.failure?.kind, 'query_timeout');
    assert.match(answer!.failure!.message, /^queryTimeoutSeconds: the query did not finish within 0.2 s/);
    assert.ok(performance.now() - started < 2000);
  });

  it('writes one audit line per query: user, org, data source, query hash, duration, outcome', async () => {
    const { deps, audit } = pipelineDeps();
    const ctx = demoContext({ maxSeries: 3 });
    await runQueries(ctx, [wire('A', { queryType: 'kpi', kpi: 'rebuffering_ratio' }), wire('B', { queryType: 'kpi', kpi: 'rebuffering_ratio', groupBy: ['market'] }), wire('C', { expr: '' })], deps);
    assert.equal(audit.length, 3);
    // In the order the queries finish: sorted here by refId.
    const lines = audit.map((line) => JSON.parse(line) as Record<string, unknown>).sort((a, b) => String(a.refId).localeCompare(String(b.refId)));
    for (const line of lines) {
      assert.equal(line['@message'], 'query audit');
      assert.equal(line['@level'], 'info');
      assert.match(String(line['@timestamp']), /\.\d{6}Z$/);
      assert.equal(line.user, 'alice');
      assert.equal(line.orgId, 1);
      assert.equal(line.datasourceUid, 'demo');
      assert.match(String(line.queryHash), /^[0-9a-f]{16}$/);
      assert.equal(typeof line.durationMs, 'number');
    }
    assert.deepEqual(
      lines.map((l) => [l.refId, l.outcome, l.status, l.errorKind]),
      [
        ['A', 'ok', 200, undefined],
        ['B', 'refused', 413, 'limit'],
        ['C', 'error', 400, 'validation'],
      ],
    );
    assert.ok(!audit.join('\n').includes('rebuffering'), 'the query itself is not in the audit line');
    // The hash is sha256 of the query JSON as received, the same on every refresh (where the
    // parser's memoized model carries it) and for a query that did not parse.
    const queries = [wire('A', { queryType: 'kpi', kpi: 'rebuffering_ratio' }), wire('C', { expr: '' }), wire('D', { queryType: 'kpi', kpi: 'skip_rate' })];
    const sha = (json: Uint8Array) => createHash('sha256').update(json).digest('hex').slice(0, 16);
    for (let refresh = 0; refresh < 2; refresh++) {
      audit.length = 0;
      await runQueries(ctx, queries, deps);
      const hashes = Object.fromEntries(audit.map((line) => JSON.parse(line) as Record<string, string>).map((line) => [line.refId, line.queryHash]));
      assert.deepEqual(hashes, { A: sha(queries[0]!.json), C: sha(queries[1]!.json), D: sha(queries[2]!.json) });
      assert.equal(hashes.A, lines[0]!.queryHash);
    }
  });
});
