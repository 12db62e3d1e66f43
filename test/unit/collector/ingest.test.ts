import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamingEvent } from '../../../src/common/events/schema';
import { DEFAULTS } from '../../../src/collector/config';
import { Ingest, type IngestOptions } from '../../../src/collector/ingest/batch';
import { RecentIds } from '../../../src/collector/ingest/recent';
import { makeEvent } from '../../support/collector';

const NOW = Date.UTC(2026, 10, 24, 18, 30, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const OPTIONS: IngestOptions = {
  maxFutureMs: DEFAULTS.maxFutureMs,
  maxAgeMs: DEFAULTS.maxAgeMs,
  dedupeTtlMs: DEFAULTS.dedupeTtlMs,
  dedupeMaxIds: 1000,
  playTtlMs: DEFAULTS.playTtlMs,
  playMaxIds: 1000,
};

function ingest(options: Partial<IngestOptions> = {}) {
  const accepted: StreamingEvent[] = [];
  const resent: StreamingEvent[] = [];
  const pipeline = new Ingest({ ...OPTIONS, ...options }, { accepted: (event) => accepted.push(event), resent: (event) => resent.push(event) }, NOW);
  return { pipeline, accepted, resent };
}

const at = (offsetMs: number) => NOW + offsetMs;

describe('batch judgement', () => {
  it('accepts valid events of every kind and reports counts', () => {
    const { pipeline, accepted } = ingest();
    const events = [
      makeEvent('session_start', {}, NOW),
      makeEvent('play_attempt', { playId: 'p1' }, NOW),
      makeEvent('play_start', { playId: 'p1' }, NOW),
      makeEvent('play_end', { playId: 'p1' }, NOW),
      makeEvent('ad_impression', {}, NOW),
    ];
    const result = pipeline.process(events, NOW);
    assert.deepEqual([result.accepted, result.rejected, result.duplicate, result.rejections], [5, 0, 0, []]);
    assert.equal(accepted.length, 5);
    assert.equal(result.latestAcceptedMs, NOW);
  });

  it('names the field path and every schema problem, with the id when readable; neighbours pass', () => {
    const { pipeline } = ingest();
    const good = makeEvent('session_start', {}, NOW);
    const bad = makeEvent('session_end', { durationMs: -5, platform: 'fridge' }, NOW);
    const result = pipeline.process([good, bad, 'just a string', { id: 'x'.repeat(200), type: 'rebuffer' }], NOW);
    assert.equal(result.accepted, 1);
    assert.equal(result.rejected, 3);
    const [r1, r2, r3] = result.rejections;
    assert.deepEqual({ index: r1!.index, id: r1!.id, field: r1!.field }, { index: 1, id: bad.id, field: 'platform' });
    assert.match(r1!.reason, /platform: expected one of ios, android/);
    assert.match(r1!.reason, /durationMs: expected a duration of 0 ms or more/, 'negative duration');
    assert.deepEqual({ index: r2!.index, field: r2!.field, id: r2!.id }, { index: 2, field: '(event)', id: undefined });
    assert.equal(r3!.id, undefined, 'an unreadable (over-long) id is not echoed');
    assert.deepEqual(result.byReason.get('schema'), 3);
    assert.deepEqual(result.byType.get('unknown'), { accepted: 0, rejected: 1, duplicate: 0 });
    assert.deepEqual(result.byType.get('rebuffer'), { accepted: 0, rejected: 1, duplicate: 0 });
  });

  it('rejects unknown enum values and an amount without currency (schema)', () => {
    const { pipeline } = ingest();
    const result = pipeline.process(
      [makeEvent('play_end', { playId: 'p', reason: 'bored' }, NOW), makeEvent('subscription', { currency: undefined }, NOW), makeEvent('teleport' as 'session_start', {}, NOW)],
      NOW,
    );
    assert.deepEqual(
      result.rejections.map((r) => [r.field, r.reason]),
      [
        ['reason', 'reason: expected one of completed, skipped, error, user_stop'],
        ['currency', 'currency: expected a currency: the event has an amount'],
        ['type', 'type: expected one of session_start, session_end, play_attempt, play_start, play_abandon, rebuffer, bitrate_change, play_end, playback_error, ad_impression, subscription'],
      ],
    );
  });

  it('rejects events more than 5 minutes in the future, accepts up to 5 minutes', () => {
    const { pipeline } = ingest();
    const ok = makeEvent('session_start', {}, at(5 * MINUTE));
    const late = makeEvent('session_start', {}, at(5 * MINUTE + 1000));
    const result = pipeline.process([ok, late], NOW);
    assert.equal(result.accepted, 1);
    assert.equal(result.rejections[0]!.field, 'time');
    assert.match(result.rejections[0]!.reason, /^time: expected at most 5 min ahead of the collector clock \(2026-11-24T18:30:00.000Z\), got 2026-11-24T18:35:01.000Z, 5 min ahead/);
    assert.equal(result.byReason.get('time_future'), 1);
  });

  it('rejects events older than 24 hours', () => {
    const { pipeline } = ingest();
    const result = pipeline.process([makeEvent('session_start', {}, at(-24 * HOUR + 1000)), makeEvent('session_start', {}, at(-25 * HOUR))], NOW);
    assert.equal(result.accepted, 1);
    assert.match(result.rejections[0]!.reason, /^time: expected within the last 24 h of the collector clock .* 25 h old \(load older history with a backfill\)$/);
    assert.equal(result.byReason.get('time_too_old'), 1);
  });

  it('understands offsets in time', () => {
    const { pipeline } = ingest();
    // 20:30+02:00 is 18:30Z: now, not two hours ahead
    const result = pipeline.process([{ ...makeEvent('session_start'), time: '2026-11-24T20:30:00+02:00' }], NOW);
    assert.equal(result.accepted, 1);
  });

  it('rejects a bitrate change that does not change the bitrate', () => {
    const { pipeline } = ingest();
    const result = pipeline.process(
      [makeEvent('play_start', { playId: 'p' }, NOW), makeEvent('bitrate_change', { playId: 'p', fromKbps: 160, toKbps: 160 }, NOW)],
      NOW,
    );
    assert.deepEqual(result.rejections.map((r) => [r.index, r.field]), [[1, 'toKbps']]);
    assert.equal(result.byReason.get('inconsistent'), 1);
  });

  it('rejects play events whose play was never started; accepts them within the batch in any order or later', () => {
    const { pipeline } = ingest();
    const orphanTypes = ['play_end', 'rebuffer', 'bitrate_change', 'play_abandon'] as const;
    const orphans = orphanTypes.map((type) => makeEvent(type, { playId: 'never' }, NOW));
    const first = pipeline.process([...orphans, makeEvent('play_end', { playId: 'p1' }, NOW), makeEvent('play_attempt', { playId: 'p1' }, NOW)], NOW);
    assert.deepEqual(first.rejections.map((r) => [r.index, r.field]), [[0, 'playId'], [1, 'playId'], [2, 'playId'], [3, 'playId']]);
    assert.match(first.rejections[0]!.reason, /^playId: expected the id of a play_attempt or play_start from this batch or the last 12 h, got "never" \(a play_end needs its play to have been started\)$/);
    assert.equal(first.accepted, 2, 'play_end before its attempt in the same batch is fine');
    assert.equal(first.byReason.get('unknown_play'), 4);

    // A later batch: the play started earlier is remembered.
    const second = pipeline.process([makeEvent('rebuffer', { playId: 'p1' }, NOW + MINUTE)], NOW + MINUTE);
    assert.equal(second.accepted, 1);
    // ... until the play memory expires (at least 12 h, at most 24 h).
    const third = pipeline.process([makeEvent('rebuffer', { playId: 'p1' }, NOW + 25 * HOUR)], NOW + 25 * HOUR);
    assert.equal(third.rejected, 1);
  });

  it('a playback error needs no started play (it may happen outside one)', () => {
    const { pipeline } = ingest();
    assert.equal(pipeline.process([makeEvent('playback_error', { playId: 'unknown' }, NOW), makeEvent('playback_error', { playId: undefined }, NOW)], NOW).accepted, 2);
  });
});

describe('duplicates', () => {
  it('drops repeated ids within a batch and across batches, counts them per type and reports each resend', () => {
    const { pipeline, accepted, resent } = ingest();
    const a = makeEvent('session_start', {}, NOW);
    const b = makeEvent('play_attempt', { playId: 'p' }, NOW);
    const first = pipeline.process([a, b, a], NOW);
    assert.deepEqual([first.accepted, first.duplicate], [2, 1]);
    const second = pipeline.process([b, a, makeEvent('session_start', {}, NOW)], NOW + MINUTE);
    assert.deepEqual([second.accepted, second.duplicate], [1, 2]);
    assert.deepEqual(second.byType.get('session_start'), { accepted: 1, rejected: 0, duplicate: 1 });
    assert.equal(accepted.length, 3);
    assert.deepEqual(resent, [a, b, a]);
  });

  it('does not let a rejected event take its id: the corrected resend is accepted', () => {
    const { pipeline } = ingest();
    const bad = makeEvent('session_end', { durationMs: -1 }, NOW);
    assert.equal(pipeline.process([bad], NOW).rejected, 1);
    const result = pipeline.process([{ ...bad, durationMs: 1000 }], NOW);
    assert.deepEqual([result.accepted, result.duplicate], [1, 0]);
  });

  it('a duplicate of a rejected event in the same batch is judged on its own', () => {
    const { pipeline, resent } = ingest();
    const event = makeEvent('rebuffer', { playId: 'later' }, NOW);
    const result = pipeline.process([event, makeEvent('session_start', { id: event.id }, NOW)], NOW);
    assert.deepEqual([result.accepted, result.rejected, result.duplicate], [1, 1, 0]);
    assert.deepEqual(resent, [], 'not a resend of anything accepted');
  });

  it('drops a new id on the content of an accepted event (a replayed queue), within a batch and across batches', () => {
    const { pipeline, accepted, resent } = ingest();
    const start = makeEvent('play_attempt', { playId: 'p' }, NOW);
    const rebuffer = makeEvent('rebuffer', { playId: 'p' }, NOW);
    const first = pipeline.process([start, rebuffer, { ...rebuffer, id: 'replay-1' }], NOW);
    assert.deepEqual([first.accepted, first.duplicate, first.duplicateContent], [2, 1, 1]);
    const second = pipeline.process([{ ...start, id: 'replay-2' }, start, { ...rebuffer, id: 'edited', durationMs: 1 }], NOW + MINUTE);
    assert.deepEqual([second.accepted, second.duplicate, second.duplicateContent], [1, 2, 1], 'a changed field is a new event');
    assert.deepEqual(second.byType.get('play_attempt'), { accepted: 0, rejected: 0, duplicate: 2 });
    assert.equal(accepted.length, 3);
    assert.deepEqual(
      resent.map((e) => e.id),
      ['replay-1', 'replay-2', start.id],
    );
  });

  it('does not let a rejected event take its content: the same content is accepted once its play started', () => {
    const { pipeline } = ingest();
    const orphan = makeEvent('rebuffer', { playId: 'late' }, NOW);
    assert.equal(pipeline.process([orphan], NOW).rejected, 1);
    const result = pipeline.process([makeEvent('play_attempt', { playId: 'late' }, NOW), { ...orphan, id: 'sent-again' }], NOW);
    assert.deepEqual([result.accepted, result.duplicate], [2, 0]);
  });

  it('remembers ids for the dedupe TTL (24 h 5 min by default), so a still-acceptable resend is always caught', () => {
    const { pipeline } = ingest();
    const event = makeEvent('session_start', {}, NOW + 5 * MINUTE); // as far ahead as allowed
    assert.equal(pipeline.process([event], NOW).accepted, 1);
    // The latest moment the event is still young enough: NOW + 5 min + 24 h.
    const last = NOW + 5 * MINUTE + 24 * HOUR;
    assert.equal(pipeline.process([event], last).duplicate, 1);
    assert.equal(pipeline.process([{ ...event, id: 'replayed' }], last).duplicateContent, 1, 'and contents as long');
    assert.equal(pipeline.process([event], last + 1000).rejections[0]?.field, 'time', 'after that it is too old anyway');
  });
});

describe('RecentIds', () => {
  it('remembers for at least the TTL and at most twice, then forgets', () => {
    const ids = new RecentIds(1000, 100, 0);
    ids.add('a', 0);
    assert.equal(ids.has('a', 999), true);
    ids.add('b', 1000); // rotation: a moves to the previous generation
    assert.equal(ids.has('a', 1999), true);
    assert.equal(ids.has('a', 2000), false, 'dropped with its generation');
    assert.equal(ids.has('b', 2000), true);
    assert.equal(ids.has('b', 5000), false, 'long idle: everything forgotten');
    assert.equal(ids.size, 0);
  });

  it('never holds more than two generations of maxPerGeneration ids; the window shrinks instead', () => {
    const ids = new RecentIds(3_600_000, 10, 0);
    for (let i = 0; i < 1000; i++) ids.add(`id-${i}`, i);
    assert.ok(ids.size <= 20, `size ${ids.size}`);
    assert.equal(ids.has('id-999', 1000), true);
    assert.equal(ids.has('id-0', 1000), false);
    assert.ok(ids.windowMs(1000) < 100, `window ${ids.windowMs(1000)} ms`);
  });

  it('reports the TTL as its window once it has run that long', () => {
    const ids = new RecentIds(1000, 100, 0);
    assert.equal(ids.windowMs(500), 500);
    ids.add('x', 1500);
    assert.equal(ids.windowMs(1600), 1000);
  });
});
