import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MARKET_CODES, METRIC_NAMES, PLATFORMS } from '../../../src/backend/sources/demo/model';
import { createDemoSource, DEMO_HEALTH_MESSAGE } from '../../../src/backend/sources/demo/source';
import type { Source } from '../../../src/backend/sources/source';
import { DAY, HOUR, MINUTE, MONDAY, NOW, fixedNow, rejectsWith } from './helpers';

const source = createDemoSource({ now: fixedNow });
const REVENUE = ['encore_demo_ad_revenue_usd_per_hour', 'encore_demo_subscription_revenue_usd_per_hour'];

describe('demo source: metadata', () => {
  it('lists every metric name, sorted', async () => {
    const names = await source.metricNames({});
    assert.equal(names.length, 10);
    assert.deepEqual(names, [...METRIC_NAMES].sort());
  });

  it('honours match[] selectors (a union of them)', async () => {
    const perPlatform = await source.metricNames({ match: ['{market="US", platform="ios"}'] });
    assert.equal(perPlatform.length, 8);
    assert.ok(!perPlatform.some((n) => n.includes('revenue')));
    assert.deepEqual(await source.metricNames({ match: ['{__name__=~".*revenue.*"}'] }), REVENUE);
    assert.deepEqual(
      await source.metricNames({ match: ['encore_demo_skip_rate', 'encore_demo_ad_revenue_usd_per_hour{market="JP"}'] }),
      ['encore_demo_ad_revenue_usd_per_hour', 'encore_demo_skip_rate'],
    );
    assert.deepEqual(await source.metricNames({ match: ['{market="XX"}'] }), []);
  });

  it('filters by a case-insensitive search and cuts at the limit after sorting', async () => {
    assert.deepEqual(await source.metricNames({ search: 'REVENUE' }), REVENUE);
    assert.deepEqual(await source.metricNames({ limit: 2 }), [...METRIC_NAMES].sort().slice(0, 2));
    assert.deepEqual(await source.metricNames({ search: 'Ratio', limit: 1 }), ['encore_demo_playback_failure_ratio']);
    assert.equal((await source.metricNames({ limit: 0 })).length, 10, 'limit 0 means no limit');
  });

  it('lists label names, narrowed by match[]', async () => {
    assert.deepEqual(await source.labelNames({}), ['__name__', 'market', 'platform']);
    assert.deepEqual(await source.labelNames({ match: ['encore_demo_ad_revenue_usd_per_hour'] }), ['__name__', 'market']);
    assert.deepEqual(await source.labelNames({ search: 'PLAT' }), ['platform']);
  });

  it('lists label values, narrowed by match[], search and limit', async () => {
    assert.deepEqual(await source.labelValues('market', {}), [...MARKET_CODES].sort());
    assert.deepEqual(await source.labelValues('platform', {}), [...PLATFORMS].sort());
    assert.deepEqual(await source.labelValues('platform', { match: ['encore_demo_ad_revenue_usd_per_hour'] }), []);
    assert.deepEqual(await source.labelValues('platform', { search: 'O', limit: 2 }), ['android', 'desktop']);
    assert.deepEqual(await source.labelValues('__name__', { match: ['{market="SE"}'], search: 'revenue' }), REVENUE);
    assert.deepEqual(await source.labelValues('no_such_label', {}), []);
  });

  it('has no series in a window that lies entirely in the future', async () => {
    assert.deepEqual(await source.metricNames({ start: NOW + HOUR, end: NOW + 2 * HOUR }), []);
    assert.equal((await source.metricNames({ start: NOW - HOUR, end: NOW })).length, 10);
  });

  it('refuses bad metadata input with a clear message', async () => {
    await rejectsWith(source.metricNames({ match: ['sum(x)'] }), 'bad_query', /match\[\] must be a series selector/);
    await rejectsWith(source.metricNames({ match: ['{market='] }), 'bad_query', /^parse error: unexpected end of input at position 9/);
    await rejectsWith(source.metricNames({ limit: -1 }), 'bad_query', 'limit must be a non-negative integer (0 = no limit), got -1');
    await rejectsWith(source.metricNames({ limit: 1.5 }), 'bad_query', /limit must be a non-negative integer/);
    await rejectsWith(source.labelNames({ start: 10, end: 5 }), 'bad_query', 'end (5) must not be before start (10)');
    await rejectsWith(source.labelValues('', {}), 'bad_query', 'label name must be a non-empty string');
  });
});

describe('demo source: queries', () => {
  it('evaluates start..end inclusive at the step, with the timestamps as given', async () => {
    const start = MONDAY + 7 * MINUTE + 123;
    const [s] = await source.queryRange({ expr: 'encore_demo_skip_rate{market="US",platform="ios"}', start, end: start + 10 * MINUTE, stepMs: 2 * MINUTE });
    assert.deepEqual(s!.timestamps, [0, 2, 4, 6, 8, 10].map((m) => start + m * MINUTE));
    const [short] = await source.queryRange({ expr: 'encore_demo_skip_rate{market="US",platform="ios"}', start, end: start + 3 * MINUTE, stepMs: 2 * MINUTE });
    assert.deepEqual(short!.timestamps, [start, start + 2 * MINUTE], 'the last step not past end');
    const [single] = await source.queryRange({ expr: 'encore_demo_skip_rate{market="US",platform="ios"}', start, end: start, stepMs: MINUTE });
    assert.deepEqual(single!.timestamps, [start]);
  });

  it('answers a week at one-minute steps over every series quickly', async () => {
    const end = MONDAY + 7 * DAY;
    const started = performance.now();
    const series = await source.queryRange({ expr: '{__name__=~"encore_demo_.+"}', start: MONDAY, end, stepMs: MINUTE });
    const elapsed = performance.now() - started;
    assert.equal(series.length, 294);
    const points = series.reduce((acc, s) => acc + s.timestamps.length, 0);
    assert.ok(points > 294 * 10_000 * 0.99, `${points} points`);
    console.log(`# 7 days x 1 min x ${series.length} series = ${points} points in ${elapsed.toFixed(0)} ms`);
    // Generous for a loaded 2-core CI machine; typically 200-400 ms.
    assert.ok(elapsed < 3000, `${elapsed} ms`);
  });

  it('refuses bad ranges the way Prometheus does', async () => {
    const q = { expr: 'encore_demo_skip_rate', start: MONDAY, end: MONDAY + HOUR, stepMs: MINUTE };
    await rejectsWith(source.queryRange({ ...q, stepMs: 0 }), 'bad_query', 'step must be a positive number of milliseconds, got 0');
    await rejectsWith(source.queryRange({ ...q, stepMs: Number.NaN }), 'bad_query', /step must be a positive number/);
    await rejectsWith(source.queryRange({ ...q, end: q.start - 1 }), 'bad_query', /must not be before start/);
    await rejectsWith(source.queryRange({ ...q, start: Number.POSITIVE_INFINITY }), 'bad_query', 'start must be finite epoch milliseconds, got Infinity');
    await rejectsWith(source.queryRange({ ...q, start: -9e15 }), 'bad_query', /outside the representable date range/);
    await rejectsWith(source.queryInstant({ expr: 'x', time: Number.NaN }), 'bad_query', 'time must be finite epoch milliseconds, got NaN');
    await rejectsWith(
      source.queryRange({ ...q, end: q.start + 11_000 * MINUTE }),
      'limit',
      'the query asks for 11001 points per series; the demo source, like Prometheus, allows at most 11000: use a larger step or a shorter range',
    );
    await rejectsWith(source.queryRange({ ...q, expr: 'rate(x[5m])' }), 'bad_query', /A Prometheus source supports full PromQL\.$/);
  });

  it('copes with a huge step without scanning the whole calendar', async () => {
    const series = await source.queryRange({ expr: 'encore_demo_skip_rate{market="US",platform="ios"}', start: -8e15, end: 8e15, stepMs: 1e13 });
    // 1601 steps, of which those up to now (the first 801: up to epoch 0) have samples.
    assert.equal(series[0]!.timestamps.length, 801);
  });

  it('stops before work when the request is already cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const q = { expr: 'encore_demo_skip_rate', start: MONDAY, end: MONDAY + HOUR, stepMs: MINUTE, signal: controller.signal };
    await assert.rejects(source.queryRange(q), { name: 'AbortError' });
    await assert.rejects(source.queryInstant({ expr: 'x', time: MONDAY, signal: controller.signal }), { name: 'AbortError' });
    await assert.rejects(source.metricNames({ signal: controller.signal }), { name: 'AbortError' });
    await assert.rejects(source.health(controller.signal), { name: 'AbortError' });
  });

  it('returns label objects the caller may change without affecting later answers', async () => {
    const [first] = await source.queryInstant({ expr: 'encore_demo_skip_rate{market="US",platform="ios"}', time: MONDAY });
    first!.labels.market = 'changed';
    const [again] = await source.queryInstant({ expr: 'encore_demo_skip_rate{market="US",platform="ios"}', time: MONDAY });
    assert.equal(again!.labels.market, 'US');
  });
});

describe('demo source: health and contract', () => {
  it('is healthy and describes itself', async () => {
    const health = await source.health();
    assert.equal(health.ok, true);
    assert.equal(health.message, DEMO_HEALTH_MESSAGE);
    assert.equal(health.message, 'Demo source: synthetic streaming metrics (no upstream configured)');
    assert.equal(health.details.source, 'demo');
    assert.equal(health.details.series, 294);
    assert.equal(health.details.metrics, 10);
    assert.deepEqual(health.details.markets, MARKET_CODES);
    assert.equal(health.details.seed, 7);
    assert.ok(Array.isArray(health.details.activeIncidents));
  });

  it('names the incidents under way in health details', async () => {
    const incident = source.incidents(MONDAY, MONDAY + 7 * DAY)[0]!;
    const during = createDemoSource({ now: () => incident.start + MINUTE });
    assert.ok(((await during.health()).details.activeIncidents as string[]).includes(incident.title));
  });

  it('implements the Source contract', () => {
    const asSource: Source = source;
    assert.equal(asSource.kind, 'demo');
  });

  it('refuses a clock that is not a function or returns nonsense', async () => {
    assert.throws(() => createDemoSource({ now: 5 as unknown as () => number }), /`now` must be a function/);
    const broken = createDemoSource({ now: () => Number.NaN });
    await assert.rejects(broken.health(), /clock returned NaN/);
  });
});
