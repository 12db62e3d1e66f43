import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ActiveUsers } from '../../../src/collector/aggregation/active-users';
import { streamingRecorder } from '../../../src/collector/aggregation/aggregate';
import { PromSink } from '../../../src/collector/aggregation/prom-sink';
import { OpenMetricsSink } from '../../../src/simulator/backfill/openmetrics-sink';
import { MINUTE, simulate, T0 } from './helpers';

/** name{labels} -> value from Prometheus text, without the extra labels. */
function parseSamples(text: string, dropLabels: string[] = []): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)/.exec(line);
    if (!match) continue;
    const labels = match[2]!
      .split(',')
      .filter((pair) => pair !== '' && !dropLabels.some((label) => pair.startsWith(`${label}=`)))
      .sort()
      .join(',');
    out.set(`${match[1]}{${labels}}`, Number(match[3]));
  }
  return out;
}

describe('the backfill sink', () => {
  const { events } = simulate({ untilMs: T0 + 30 * MINUTE, users: 10_000 });

  it('exports exactly what the live collector exports for the same events', async () => {
    const registry = new Registry();
    const liveUsers = new ActiveUsers(86_400_000);
    const live = new PromSink(registry, { activeUsers: () => liveUsers.counts(T0 + 30 * MINUTE), exchangeRate: () => [{ labels: { currency: 'EUR' }, value: 1.08 }] });
    const backfillUsers = new ActiveUsers(86_400_000);
    const backfill = new OpenMetricsSink({ job: 'encore', instance: 'backfill' });
    const recorders = [streamingRecorder(live, liveUsers), streamingRecorder(backfill, backfillUsers)];
    for (const [i, event] of events.entries()) {
      const time = Date.parse(event.time);
      for (const recorder of recorders) {
        recorder.accepted(event, time);
        // and some resends, which only the received count sees
        if (i % 97 === 0) recorder.resent(event);
      }
    }
    live.flush();
    // A first scrape reads newborn series at 0; the one after has every count.
    const release = live.beginScrape();
    await registry.metrics();
    release();
    backfill.sample(T0 + 30 * MINUTE, { activeUsers: () => backfillUsers.counts(T0 + 30 * MINUTE), exchangeRate: () => [{ labels: { currency: 'EUR' }, value: 1.08 }] });
    let text = '';
    backfill.writeChunk((piece) => (text += piece));
    const expected = parseSamples(await registry.metrics());
    const actual = parseSamples(text, ['job', 'instance']);
    assert.ok(expected.size > 1000, `${expected.size} series`);
    assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
    for (const [key, value] of expected) {
      const got = actual.get(key)!;
      assert.ok(Math.abs(got - value) <= 1e-9 * Math.max(1, Math.abs(value)), `${key}: live ${value}, backfill ${got}`);
    }
  });

  it('writes OpenMetrics with families and series together, cumulative over samples and chunks', () => {
    const sink = new OpenMetricsSink({ job: 'encore' });
    const users = new ActiveUsers(86_400_000);
    const recorder = streamingRecorder(sink, users);
    const gauges = { activeUsers: () => users.counts(T0), exchangeRate: () => [] };
    const chunks: string[] = [];
    let next = 0;
    for (const [i, at] of [10, 20, 30].map((m, index) => [index, T0 + m * MINUTE] as const)) {
      while (next < events.length && Date.parse(events[next]!.time) < at) {
        recorder.accepted(events[next]!, Date.parse(events[next]!.time));
        next++;
      }
      sink.sample(at, gauges);
      if (i !== 1) {
        let text = '';
        sink.writeChunk((piece) => (text += piece));
        chunks.push(text);
      }
    }
    assert.equal(chunks.length, 2);
    for (const chunk of chunks) {
      assert.ok(chunk.endsWith('# EOF\n'));
      const families: string[] = [];
      const seriesSeen: string[] = [];
      let currentSeries = '';
      for (const line of chunk.split('\n')) {
        const type = /^# TYPE (\S+) (\S+)$/.exec(line);
        if (type) {
          assert.ok(!families.includes(type[1]!), `family ${type[1]} appears twice`);
          families.push(type[1]!);
          continue;
        }
        const sample = /^(\S+) (\S+) (\S+)$/.exec(line);
        if (!sample) continue;
        if (sample[1] !== currentSeries) {
          assert.ok(!seriesSeen.includes(sample[1]!), `series ${sample[1]} is interleaved with others`);
          seriesSeen.push(sample[1]!);
          currentSeries = sample[1]!;
        }
        assert.match(sample[1]!, /job="encore"/);
      }
    }
    // The second chunk carries on from the first: a counter never goes back.
    const last = (text: string, series: string) => Number([...text.matchAll(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)`, 'gm'))].pop()?.[1]);
    const series = /^(encore_play_starts_total\{[^}]*\})/m.exec(chunks[0]!)![1]!;
    assert.ok(last(chunks[1]!, series) >= last(chunks[0]!, series));
    // Histogram buckets are cumulative and +Inf equals the count.
    const inf = /^encore_startup_seconds_bucket\{([^}]*),le="\+Inf"\} (\S+) (\S+)$/m.exec(chunks[0]!)!;
    const count = new RegExp(`^encore_startup_seconds_count\\{${inf[1]!.replace(/[{}"]/g, '\\$&')}\\} (\\S+) ${inf[3]!.replace('.', '\\.')}$`, 'm').exec(chunks[0]!)!;
    assert.equal(inf[2], count[1]);
  });

  it('starts a series that appears after the first sample at 0 one sample earlier, in the same chunk or across chunks', () => {
    const sink = new OpenMetricsSink();
    const gauges = { activeUsers: () => [], exchangeRate: () => [] };
    const labels = { market: 'SE', platform: 'ios', tier: 'free' };
    const text = () => {
      let out = '';
      sink.writeChunk((piece) => (out += piece));
      return out;
    };
    sink.inc('sessionsStarted', labels);
    sink.sample(T0, gauges);
    sink.inc('rebuffers', labels, 2);
    sink.observe('rebufferDuration', { market: 'SE', platform: 'ios' }, 1.5);
    sink.sample(T0 + MINUTE, gauges);
    const first = text();
    const t = (ms: number) => (ms / 1000).toFixed(3);
    assert.match(first, new RegExp(`^encore_sessions_started_total\\{[^}]*\\} 1 ${t(T0)}$`, 'm'));
    assert.doesNotMatch(first, new RegExp(`^encore_sessions_started_total\\{[^}]*\\} 0 `, 'm'), 'a series there from the first sample needs no zero');
    assert.match(first, new RegExp(`^encore_rebuffers_total\\{[^}]*\\} 0 ${t(T0)}\\nencore_rebuffers_total\\{[^}]*\\} 2 ${t(T0 + MINUTE)}$`, 'm'));
    assert.match(first, new RegExp(`^encore_rebuffer_duration_seconds_count\\{[^}]*\\} 0 ${t(T0)}\\nencore_rebuffer_duration_seconds_count\\{[^}]*\\} 1 ${t(T0 + MINUTE)}$`, 'm'));
    // Born after the chunk was written: its zero sits at the last sample of the previous chunk.
    sink.inc('playAbandons', labels);
    sink.sample(T0 + 2 * MINUTE, gauges);
    assert.match(text(), new RegExp(`^encore_play_abandons_total\\{[^}]*\\} 0 ${t(T0 + MINUTE)}\\nencore_play_abandons_total\\{[^}]*\\} 1 ${t(T0 + 2 * MINUTE)}$`, 'm'));
  });
});
