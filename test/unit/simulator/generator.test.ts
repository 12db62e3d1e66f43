import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULTS as COLLECTOR_DEFAULTS } from '../../../src/collector/config';
import { Ingest } from '../../../src/collector/ingest/batch';
import { validateEvent } from '../../../src/collector/ingest/validate';
import { EVENT_TYPES, type StreamingEvent } from '../../../src/common/events/schema';
import { isoTime } from '../../../src/simulator/generate/iso-time';
import { expectedEventRate, usersForRate } from '../../../src/simulator/generate/scale';
import { deliver } from '../../../src/simulator/generate/telemetry';
import { IncidentSet } from '../../../src/simulator/model/incidents';
import { rhythmAt } from '../../../src/common/synthetic/seasonality';
import { RELEASE_DAY, sessionRate } from '../../../src/simulator/model/behaviour';
import { MARKETS, segments } from '../../../src/simulator/model/population';
import { HOUR, incident, MINUTE, simulate, T0 } from './helpers';

function judge(events: StreamingEvent[]) {
  const ingest = new Ingest(COLLECTOR_DEFAULTS, { accepted: () => {} }, T0);
  const totals = { accepted: 0, rejected: 0, duplicate: 0, duplicateContent: 0, reasons: [] as string[] };
  for (let i = 0; i < events.length; i += 1000) {
    const batch = events.slice(i, i + 1000);
    const result = ingest.process(batch, Date.parse(batch[batch.length - 1]!.time));
    totals.accepted += result.accepted;
    totals.rejected += result.rejected;
    totals.duplicate += result.duplicate;
    totals.duplicateContent += result.duplicateContent;
    totals.reasons.push(...result.rejections.slice(0, 3).map((r) => `${r.field}: ${r.reason}`));
  }
  return totals;
}

describe('the event generator', () => {
  const run = simulate({ untilMs: T0 + 90 * MINUTE });

  it('makes events that pass the collector schema, in time order, every type present', () => {
    assert.ok(run.events.length > 20_000, `only ${run.events.length} events`);
    const types = new Set<string>();
    let previous = -Infinity;
    for (const event of run.events) {
      const validation = validateEvent(event);
      assert.ok(validation.ok, `${JSON.stringify(event)}: ${validation.ok ? '' : validation.reason}`);
      const time = Date.parse(event.time);
      assert.ok(time >= previous, `event ${event.id} at ${event.time} comes after a later one`);
      previous = time;
      types.add(event.type);
    }
    assert.deepEqual([...types].sort(), [...EVENT_TYPES].sort());
  });

  it('is accepted whole by the collector rules: no unknown plays, no duplicate ids or contents', () => {
    const totals = judge(run.events);
    assert.equal(totals.rejected, 0, totals.reasons.join('\n'));
    assert.equal(totals.duplicate, 0);
    assert.equal(totals.duplicateContent, 0, 'no two events of the simulation are the same but for the id');
    assert.equal(totals.accepted, run.events.length);
  });

  it('follows the business: ads only for free listeners, revenue in the market currency, billing outside plays', () => {
    const currency = new Map(MARKETS.map((m) => [m.code, m.currency]));
    for (const event of run.events) {
      if (event.type === 'ad_impression') {
        assert.equal(event.tier, 'free');
        assert.equal(event.currency, currency.get(event.market));
      }
      if (event.type === 'subscription') {
        assert.equal(event.contentType, 'none');
        if (event.amount !== undefined) assert.equal(event.currency, currency.get(event.market));
        assert.equal(event.amount !== undefined, event.action === 'conversion' || event.action === 'renewal');
      }
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const again = simulate({ untilMs: T0 + 20 * MINUTE });
    const same = simulate({ untilMs: T0 + 20 * MINUTE });
    const other = simulate({ seed: 8, untilMs: T0 + 20 * MINUTE });
    assert.deepEqual(same.events, again.events);
    assert.notDeepEqual(other.events.slice(0, 100), again.events.slice(0, 100));
  });

  it('makes the same sessions whatever the run started: a later start sees a subset of an earlier one', () => {
    const early = simulate({ startMs: T0, untilMs: T0 + 40 * MINUTE });
    const late = simulate({ startMs: T0 + 15 * MINUTE, untilMs: T0 + 40 * MINUTE });
    const earlyIds = new Map(early.events.map((e) => [e.id, JSON.stringify(e)]));
    for (const event of late.events) assert.equal(earlyIds.get(event.id), JSON.stringify(event), `event ${event.id} differs`);
    assert.ok(late.events.length > 1000 && late.events.length < early.events.length);
  });

  it('simulates one market exactly as it is inside the whole population', () => {
    const whole = simulate({ untilMs: T0 + 30 * MINUTE });
    const se = simulate({ untilMs: T0 + 30 * MINUTE, markets: ['SE'] });
    assert.deepEqual(
      se.events,
      whole.events.filter((e) => e.market === 'SE'),
    );
  });
});

describe('telemetry incidents', () => {
  it('lose every event in a gap, in scope only', () => {
    const gap = incident({ type: 'telemetry_gap', scope: { market: ['DE'] }, startMs: T0 + 10 * MINUTE, endMs: T0 + 20 * MINUTE });
    const run = simulate({ untilMs: T0 + 30 * MINUTE, incidents: [gap] });
    const inGap = (e: StreamingEvent) => e.market === 'DE' && Date.parse(e.time) >= gap.startMs && Date.parse(e.time) < gap.endMs;
    assert.ok(run.events.some(inGap), 'DE had events in the gap');
    assert.equal(run.delivered.filter(inGap).length, 0);
    assert.deepEqual(run.delivered, run.events.filter((e) => !inGap(e)));
    // The collector then sees play ends of plays whose start was lost: rejected, as in real life.
    assert.ok(judge(run.delivered).rejected > 0);
  });

  it('send a share of events twice: the collector drops the copies, by id and, under new ids, by content', () => {
    const base = { type: 'duplicate_sender' as const, scope: { market: ['BR'] }, magnitude: 0.5 };
    const same = simulate({ untilMs: T0 + 30 * MINUTE, incidents: [incident({ ...base, startMs: T0, endMs: T0 + HOUR })] });
    const inScope = same.events.filter((e) => e.market === 'BR').length;
    const extra = same.delivered.length - same.events.length;
    assert.ok(Math.abs(extra / inScope - 0.5) < 0.05, `${extra} copies of ${inScope} events`);
    const judged = judge(same.delivered);
    assert.equal(judged.duplicate, extra);
    assert.equal(judged.accepted, same.events.length);

    const fresh = simulate({ untilMs: T0 + 30 * MINUTE, incidents: [incident({ ...base, newIds: true, startMs: T0, endMs: T0 + HOUR })] });
    const copies = fresh.delivered.filter((e) => e.id.endsWith('-resent')).length;
    assert.equal(copies, fresh.delivered.length - fresh.events.length, 'every copy has a new id');
    const judgedFresh = judge(fresh.delivered);
    assert.equal(judgedFresh.duplicate, copies);
    assert.equal(judgedFresh.duplicateContent, copies);
    assert.equal(judgedFresh.accepted, fresh.events.length);
  });

  it('pass events through untouched without incidents', () => {
    const run = simulate({ untilMs: T0 + 5 * MINUTE });
    const none = new IncidentSet([]);
    for (const event of run.events.slice(0, 100)) assert.deepEqual(deliver({ event, timeMs: Date.parse(event.time), context: {} }, none), [event]);
  });
});

describe('scale', () => {
  it('turns a rate into users and back', () => {
    const users = usersForRate(250, T0);
    assert.ok(Math.abs(expectedEventRate(users, T0) - 250) < 1);
    assert.ok(usersForRate(500) > usersForRate(250));
    assert.throws(() => usersForRate(0), /rate: expected events per second above 0/);
  });

  it('predicts the rate the generator makes once sessions are in flight (within 10 %)', () => {
    const users = 80_000;
    const run = simulate({ users, startMs: T0 - HOUR, untilMs: T0 + HOUR });
    const measured = run.events.filter((e) => Date.parse(e.time) >= T0).length / 3600;
    const expected = expectedEventRate(users, T0 + 30 * MINUTE);
    assert.ok(Math.abs(measured / expected - 1) < 0.1, `measured ${measured.toFixed(1)}/s, expected ${expected.toFixed(1)}/s`);
  });
});

describe('release days', () => {
  it('lift session starts on the local Friday only', () => {
    const [segment] = segments(10_000).filter((s) => s.market.code === 'JP');
    const rhythmOnly = (t: number) => (segment!.users * segment!.platform.sessionsPerDay * rhythmAt(segment!.platform.rhythm, segment!.market.utcOffsetMinutes, t)) / 86_400;
    // 2026-11-20 is a Friday; 10:00 UTC is Friday 19:00 in Tokyo, 16:00 UTC is already Saturday there.
    const fridayInTokyo = Date.UTC(2026, 10, 20, 10);
    const saturdayInTokyo = Date.UTC(2026, 10, 20, 16);
    assert.ok(Math.abs(sessionRate(segment!, fridayInTokyo) / rhythmOnly(fridayInTokyo) - RELEASE_DAY.lift) < 1e-12);
    assert.equal(sessionRate(segment!, saturdayInTokyo), rhythmOnly(saturdayInTokyo));
  });
});

describe('isoTime', () => {
  it('writes what Date#toISOString writes', () => {
    for (const ms of [0, 1, 999, 59_999, 60_000, T0 + 123, T0 + 59_999, -1, -60_001, 253_402_300_799_999]) {
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    }
  });
});
