import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { EVENT_TYPES, type StreamingEvent } from '../../../src/common/events/schema';
import { STREAMING_METRICS, type StreamingMetricKey } from '../../../src/common/streaming-metrics';
import { ActiveUsers } from '../../../src/collector/aggregation/active-users';
import { aggregateEvent, type Labels, type MetricSink } from '../../../src/collector/aggregation/aggregate';
import { PromSink } from '../../../src/collector/aggregation/prom-sink';
import { makeEvent, sampleValue } from '../../support/collector';

type Call = [op: 'inc' | 'observe', metric: StreamingMetricKey, labels: Labels, value: number];

class RecordingSink implements MetricSink {
  calls: Call[] = [];
  inc(metric: StreamingMetricKey, labels: Labels, value = 1): void {
    this.calls.push(['inc', metric, { ...labels }, value]);
  }
  observe(metric: StreamingMetricKey, labels: Labels, value: number): void {
    this.calls.push(['observe', metric, { ...labels }, value]);
  }
}

function increments(overrides: Record<string, unknown> & { type: StreamingEvent['type'] }): Call[] {
  const sink = new RecordingSink();
  aggregateEvent(makeEvent(overrides.type, overrides) as StreamingEvent, sink);
  return sink.calls;
}

const A = { market: 'SE', platform: 'ios', tier: 'premium' };
const C = { ...A, content_type: 'music', recommended: 'false' };

describe('aggregateEvent: event -> exact metric increments', () => {
  it('session events', () => {
    assert.deepEqual(increments({ type: 'session_start' }), [['inc', 'sessionsStarted', A, 1]]);
    assert.deepEqual(increments({ type: 'session_end', durationMs: 90_000 }), [
      ['inc', 'sessionsEnded', A, 1],
      ['observe', 'sessionDuration', A, 90],
    ]);
  });

  it('play lifecycle', () => {
    assert.deepEqual(increments({ type: 'play_attempt', fromRecommendation: true }), [['inc', 'playAttempts', { ...C, recommended: 'true' }, 1]]);
    assert.deepEqual(increments({ type: 'play_start', startupMs: 420 }), [
      ['inc', 'playStarts', C, 1],
      ['observe', 'startupTime', A, 0.42],
    ]);
    assert.deepEqual(increments({ type: 'play_abandon' }), [['inc', 'playAbandons', A, 1]]);
    assert.deepEqual(increments({ type: 'play_end', msPlayed: 201_000, averageBitrateKbps: 150, reason: 'skipped', contentType: 'podcast' }), [
      ['inc', 'playTime', { ...C, content_type: 'podcast' }, 201],
      ['inc', 'playEnds', { ...C, content_type: 'podcast', reason: 'skipped' }, 1],
      ['inc', 'streams', { ...C, content_type: 'podcast' }, 1],
      ['inc', 'bitrateTime', A, 150 * 201],
      ['observe', 'playBitrate', { market: 'SE', platform: 'ios' }, 150],
    ]);
  });

  it('a play under 30 s is not a stream; 30 s exactly is', () => {
    assert.ok(!increments({ type: 'play_end', msPlayed: 29_999 }).some(([, metric]) => metric === 'streams'));
    assert.ok(increments({ type: 'play_end', msPlayed: 30_000 }).some(([, metric]) => metric === 'streams'));
  });

  it('quality events', () => {
    assert.deepEqual(increments({ type: 'rebuffer', durationMs: 800 }), [
      ['inc', 'rebuffers', A, 1],
      ['inc', 'rebufferTime', A, 0.8],
      ['observe', 'rebufferDuration', { market: 'SE', platform: 'ios' }, 0.8],
    ]);
    assert.deepEqual(increments({ type: 'bitrate_change', fromKbps: 96, toKbps: 160, cause: 'user' }), [
      ['inc', 'bitrateChanges', { ...A, direction: 'up', cause: 'user' }, 1],
    ]);
    assert.deepEqual(increments({ type: 'bitrate_change', fromKbps: 160, toKbps: 96 }), [
      ['inc', 'bitrateChanges', { ...A, direction: 'down', cause: 'network' }, 1],
    ]);
    assert.deepEqual(increments({ type: 'playback_error', fatal: false }), [['inc', 'playbackErrors', { ...A, fatal: 'false' }, 1]]);
  });

  it('money, with markets and currencies outside the labelled lists as "other"', () => {
    assert.deepEqual(increments({ type: 'ad_impression', market: 'NO', currency: 'NOK', revenue: 0.5, tier: 'free' }), [
      ['inc', 'adImpressions', { market: 'other', platform: 'ios', tier: 'free', format: 'audio' }, 1],
      ['inc', 'adRevenue', { market: 'other', format: 'audio', currency: 'other' }, 0.5],
    ]);
    assert.deepEqual(increments({ type: 'subscription', action: 'renewal', amount: 17.99, currency: 'SEK' }), [
      ['inc', 'subscriptionEvents', { market: 'SE', plan: 'family', action: 'renewal' }, 1],
      ['inc', 'subscriptionRevenue', { market: 'SE', plan: 'family', currency: 'SEK' }, 17.99],
    ]);
    assert.deepEqual(increments({ type: 'subscription', action: 'cancellation', amount: undefined, currency: undefined }), [
      ['inc', 'subscriptionEvents', { market: 'SE', plan: 'family', action: 'cancellation' }, 1],
    ]);
  });

  it('subscription revenue counts payments only: conversions and renewals, not an amount on another action', () => {
    const paid = (action: string) => increments({ type: 'subscription', action, plan: 'duo', amount: 9.99, currency: 'EUR' });
    for (const action of ['trial_start', 'cancellation', 'payment_failed']) {
      // Still a subscription event with its action, but no revenue (the schema allows an amount here).
      assert.deepEqual(paid(action), [['inc', 'subscriptionEvents', { market: 'SE', plan: 'duo', action }, 1]], `${action} with an amount`);
    }
    for (const action of ['conversion', 'renewal']) {
      assert.deepEqual(
        paid(action),
        [
          ['inc', 'subscriptionEvents', { market: 'SE', plan: 'duo', action }, 1],
          ['inc', 'subscriptionRevenue', { market: 'SE', plan: 'duo', currency: 'EUR' }, 9.99],
        ],
        action,
      );
    }
  });

  it('subscription revenue in the exposition: only the paying actions add to encore_subscription_revenue_total', async () => {
    const registry = new Registry();
    const sink = new PromSink(registry, noGauges);
    const labels = { market: 'SE', plan: 'duo', currency: 'EUR' };
    const send = (action: string, amount: number) =>
      aggregateEvent(makeEvent('subscription', { action, plan: 'duo', amount, currency: 'EUR' }) as StreamingEvent, sink);
    send('conversion', 10);
    for (const action of ['trial_start', 'cancellation', 'payment_failed']) send(action, 1000);
    send('renewal', 5);
    sink.flush();
    await scrape(registry, sink);
    const text = await registry.metrics();
    assert.equal(sampleValue(text, 'encore_subscription_revenue_total', labels), 15);
    for (const action of ['trial_start', 'cancellation', 'payment_failed', 'conversion', 'renewal']) {
      assert.equal(sampleValue(text, 'encore_subscription_events_total', { market: 'SE', plan: 'duo', action }), 1, action);
    }
  });

  it('every label set it writes matches the metric definition', () => {
    const sink = new RecordingSink();
    for (const type of EVENT_TYPES) aggregateEvent(makeEvent(type) as StreamingEvent, sink);
    for (const [op, metric, labels] of sink.calls) {
      const definition = STREAMING_METRICS[metric];
      assert.deepEqual(Object.keys(labels).sort(), [...definition.labels].sort(), metric);
      assert.equal(op === 'inc' ? 'counter' : 'histogram', definition.type, metric);
    }
  });
});

const noGauges = { activeUsers: () => [], exchangeRate: () => [] };

/** One scrape as the collector serves it: newborn series are read at 0, then get their values. */
async function scrape(registry: Registry, sink: PromSink): Promise<string> {
  const release = sink.beginScrape();
  const text = await registry.metrics();
  release();
  return text;
}

describe('PromSink', () => {
  it('registers exactly STREAMING_METRICS: names, types, help, labels and buckets', async () => {
    const registry = new Registry();
    new PromSink(registry, noGauges);
    const registered = await registry.getMetricsAsJSON();
    assert.deepEqual(registered.map((m) => m.name).sort(), Object.values(STREAMING_METRICS).map((d) => d.name).sort());
    for (const definition of Object.values(STREAMING_METRICS)) {
      const metric = registry.getSingleMetric(definition.name) as unknown as { labelNames: string[]; upperBounds?: number[]; help: string; type: string };
      assert.equal(metric.type, definition.type, definition.name);
      assert.equal(metric.help, definition.help);
      assert.deepEqual(metric.labelNames, [...definition.labels], definition.name);
      if (definition.type === 'histogram') assert.deepEqual(metric.upperBounds, [...definition.buckets], definition.name);
    }
  });

  it('exposes exactly what was aggregated once flushed, newborn series at 0 for their first scrape', async () => {
    const registry = new Registry();
    const sink = new PromSink(registry, noGauges);
    for (let i = 0; i < 3; i++) aggregateEvent(makeEvent('play_end', { msPlayed: 40_000, market: i === 2 ? 'DE' : 'SE' }) as StreamingEvent, sink);
    aggregateEvent(makeEvent('rebuffer', { durationMs: 1500 }) as StreamingEvent, sink);
    assert.equal(sampleValue(await registry.metrics(), 'encore_play_ends_total', { ...C, reason: 'completed' }), 0, 'not before flush');
    sink.flush();
    sink.flush(); // idempotent
    assert.equal(sink.held, 13, 'every series is new: 5 per market of the play ends, 3 of the stall');
    // The first scrape sees every series at 0, so rate() will see the increments that follow.
    const first = await scrape(registry, sink);
    assert.equal(sampleValue(first, 'encore_play_ends_total', { ...C, reason: 'completed' }), 0);
    assert.equal(sampleValue(first, 'encore_rebuffer_duration_seconds_bucket', { market: 'SE', platform: 'ios', le: '2' }), 0);
    assert.equal(sampleValue(first, 'encore_rebuffer_duration_seconds_count', { market: 'SE', platform: 'ios' }), 0);
    assert.equal(sink.held, 0);
    const text = await scrape(registry, sink);
    assert.equal(sampleValue(text, 'encore_play_ends_total', { ...C, reason: 'completed' }), 2);
    assert.equal(sampleValue(text, 'encore_play_ends_total', { ...C, market: 'DE', reason: 'completed' }), 1);
    assert.equal(sampleValue(text, 'encore_play_seconds_total', C), 80);
    assert.equal(sampleValue(text, 'encore_rebuffer_seconds_total', A), 1.5);
    assert.equal(sampleValue(text, 'encore_rebuffer_duration_seconds_bucket', { market: 'SE', platform: 'ios', le: '1' }), 0);
    assert.equal(sampleValue(text, 'encore_rebuffer_duration_seconds_bucket', { market: 'SE', platform: 'ios', le: '2' }), 1);
    assert.equal(sampleValue(text, 'encore_rebuffer_duration_seconds_sum', { market: 'SE', platform: 'ios' }), 1.5);
  });

  it('holds everything a newborn series gets before its first scrape, and nothing of known series', async () => {
    const registry = new Registry();
    const sink = new PromSink(registry, noGauges);
    const end = (msPlayed: number) => aggregateEvent(makeEvent('play_end', { msPlayed }) as StreamingEvent, sink);
    end(40_000);
    sink.flush();
    end(20_000); // a second batch before any scrape: still held
    sink.flush();
    assert.equal(sampleValue(await scrape(registry, sink), 'encore_play_seconds_total', C), 0);
    assert.equal(sampleValue(await registry.metrics(), 'encore_play_seconds_total', C), 60);
    end(10_000); // a known series: counted at once
    sink.flush();
    assert.equal(sampleValue(await registry.metrics(), 'encore_play_seconds_total', C), 70);
    // A series born while a scrape is being served waits for the next scrape.
    const release = sink.beginScrape();
    aggregateEvent(makeEvent('play_end', { msPlayed: 5_000, market: 'NL' }) as StreamingEvent, sink);
    sink.flush();
    release();
    assert.equal(sampleValue(await registry.metrics(), 'encore_play_seconds_total', { ...C, market: 'NL' }), 0);
    await scrape(registry, sink);
    assert.equal(sampleValue(await registry.metrics(), 'encore_play_seconds_total', { ...C, market: 'NL' }), 5);
  });

  it('reports active users from the tracker at scrape time', async () => {
    const registry = new Registry();
    const users = new ActiveUsers(86_400_000);
    let now = Date.UTC(2026, 10, 24);
    new PromSink(registry, { ...noGauges, activeUsers: () => users.counts(now) });
    users.see('a', { market: 'SE', tier: 'free' }, now);
    users.see('b', { market: 'SE', tier: 'free' }, now);
    assert.equal(sampleValue(await registry.metrics(), 'encore_active_users', { market: 'SE', tier: 'free' }), 2);
    now += 2 * 86_400_000;
    const text = await registry.metrics();
    assert.match(text, /^encore_active_users\{market="SE",tier="free"\} 0$/m);
  });

  it('exports the exchange rates it is given', async () => {
    const registry = new Registry();
    new PromSink(registry, { ...noGauges, exchangeRate: () => [{ labels: { currency: 'EUR' }, value: 1.08 }] });
    assert.equal(sampleValue(await registry.metrics(), 'encore_exchange_rate_usd', { currency: 'EUR' }), 1.08);
  });
});
