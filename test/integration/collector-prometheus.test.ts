/**
 * Two real collectors scraped by a real Prometheus (Debian package): the fleet totals in PromQL
 * equal what was sent, because no metric carries a per-instance label and each collector counts
 * only what it accepted. Events are routed per user (sticky), as docs/events.md asks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeEvent, makePlay, postEvents, startCollector, type CollectorProcess } from '../support/collector';
import { startPrometheus, type PrometheusFixture } from '../support/prometheus';

describe('two collectors behind one Prometheus', () => {
  let collectors: CollectorProcess[] = [];
  let prometheus: PrometheusFixture;
  before(async () => {
    collectors = await Promise.all([startCollector(['--drain-seconds', '0']), startCollector(['--drain-seconds', '0'])]);
    prometheus = await startPrometheus({ data: false, scrapeTargets: collectors.map((c) => `127.0.0.1:${c.port}`) });
  });
  after(async () => {
    await prometheus?.stop();
    await Promise.all(collectors.map((c) => c.stop()));
  });

  async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    assert.equal(body.status, 'success');
    return body.data.result;
  }

  it('sum over collectors in PromQL equals the events sent', async () => {
    // Users 0..29; user u goes to collector u % 2 (sticky routing), 3 plays each, in several batches.
    const USERS = 30;
    const PLAYS = 3;
    let sent = 0;
    for (let round = 0; round < 3; round++) {
      for (const [index, collector] of collectors.entries()) {
        const batch: Array<Record<string, unknown>> = [];
        for (let u = index; u < USERS; u += 2) {
          for (let p = 0; p < PLAYS; p++) batch.push(...makePlay(`r${round}-u${u}-p${p}`, { userId: `user-${u}`, market: u % 3 ? 'SE' : 'BR' }));
          batch.push(makeEvent('session_start', { userId: `user-${u}` }));
        }
        batch.push(batch[0]!); // one duplicate per batch, never counted twice
        const reply = await postEvents(collector, batch);
        assert.equal(reply.status, 200);
        assert.deepEqual((reply.json() as { accepted: number; duplicate: number }).duplicate, 1);
        sent += batch.length - 1;
      }
    }
    const plays = 3 * USERS * PLAYS;
    const expectValue = async (expr: string, value: number) => {
      const deadline = Date.now() + 20_000;
      let last: unknown;
      while (Date.now() < deadline) {
        const result = await query(expr);
        last = result;
        // Both targets scraped after the last batch: the sum has reached the total.
        if (result.length === 1 && Number(result[0]!.value[1]) === value) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.fail(`${expr}: expected ${value}, last ${JSON.stringify(last)}`);
    };
    await expectValue('sum(encore_collector_events_total{outcome="accepted"})', sent);
    await expectValue('sum(encore_play_ends_total)', plays);
    await expectValue('sum(encore_streams_total)', plays);
    await expectValue('sum(encore_play_seconds_total)', plays * 201);
    await expectValue('sum(encore_sessions_started_total)', 3 * USERS);
    await expectValue('sum(encore_collector_events_total{outcome="duplicate"})', 6);
    await expectValue('sum(encore_active_users)', USERS);
    // Prometheus added the instance label; the metrics themselves have none.
    const perInstance = await query('sum by (instance) (encore_play_ends_total)');
    assert.equal(perInstance.length, 2);
    assert.deepEqual(perInstance.map((r) => Number(r.value[1])).sort((a, b) => a - b), [
      3 * 15 * PLAYS,
      3 * 15 * PLAYS,
    ]);
    const markets = await query('sum by (market) (encore_play_starts_total)');
    assert.deepEqual(Object.fromEntries(markets.map((r) => [r.metric.market, Number(r.value[1])])), { SE: 3 * 20 * PLAYS, BR: 3 * 10 * PLAYS });
  });
});
