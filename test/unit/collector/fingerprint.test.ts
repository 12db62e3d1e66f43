import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EVENT_TYPES, type StreamingEvent } from '../../../src/common/events/schema';
import { contentFingerprint } from '../../../src/collector/ingest/fingerprint';
import { FingerprintSet, type Fingerprint } from '../../../src/collector/ingest/fingerprint-set';
import { validateEvent } from '../../../src/collector/ingest/validate';
import { makeEvent } from '../../support/collector';

const NOW = Date.UTC(2026, 10, 24, 18, 30, 0);

const key = ({ low, high }: Fingerprint) => `${low}:${high}`;

function fingerprint(item: Record<string, unknown>): string {
  const validation = validateEvent(item);
  assert.ok(validation.ok, JSON.stringify(item));
  return key(contentFingerprint(validation.event, Date.parse(validation.event.time)));
}

/** The same field holding another value of its kind (still valid for most fields). */
function changed(value: unknown, salt: number): unknown {
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'number') return value + 1 + salt;
  return `${String(value)}-${salt}`;
}

describe('content fingerprint', () => {
  it('is the same for the same content under another id, for every event type', () => {
    for (const type of EVENT_TYPES) {
      const event = makeEvent(type, {}, NOW);
      assert.equal(fingerprint({ ...event, id: 'replayed-1' }), fingerprint(event), type);
    }
  });

  it('reads the time as an instant and ignores fields outside the schema', () => {
    const event = makeEvent('rebuffer', { playId: 'p' }, NOW);
    assert.equal(fingerprint({ ...event, time: '2026-11-24T18:30:00Z' }), fingerprint({ ...event, time: '2026-11-24T18:30:00.000Z' }));
    assert.equal(fingerprint({ ...event, time: '2026-11-24T19:30:00+01:00' }), fingerprint(event));
    assert.equal(fingerprint({ ...event, debugTrace: 'abc' }), fingerprint(event), 'nothing downstream reads unknown fields');
    assert.notEqual(fingerprint({ ...event, time: '2026-11-24T18:30:00.001Z' }), fingerprint(event), 'one millisecond apart');
  });

  it('tells an absent optional field from a present one, and fields from each other', () => {
    const error = makeEvent('playback_error', { playId: 'p' }, NOW);
    assert.notEqual(fingerprint({ ...error, playId: undefined }), fingerprint(error));
    // The same characters split differently between two neighbouring fields.
    const a = makeEvent('play_attempt', { playId: 'ab', trackId: 'c', sessionId: 's' }, NOW);
    const b = makeEvent('play_attempt', { playId: 'a', trackId: 'bc', sessionId: 's' }, NOW);
    assert.notEqual(fingerprint(a), fingerprint(b));
  });

  it('changes when any one field of the content changes (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...EVENT_TYPES), fc.nat(), fc.nat(1000), (type, pick, salt) => {
        const event = makeEvent(type, {}, NOW) as Record<string, unknown>;
        const fields = Object.keys(event).filter((key) => key !== 'id' && key !== 'type' && key !== 'time');
        const field = fields[pick % fields.length]!;
        const other = { ...event, [field]: changed(event[field], salt) };
        const validation = validateEvent(other);
        // A change the schema refuses never reaches the fingerprint.
        fc.pre(validation.ok);
        return fingerprint(other) !== fingerprint(event);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives 200,000 distinct events 200,000 distinct fingerprints', () => {
    const seen = new Set<string>();
    const base = makeEvent('rebuffer', { playId: 'p', sessionId: 's' }, NOW);
    for (let i = 0; i < 200_000; i++) {
      seen.add(key(contentFingerprint({ ...base, durationMs: i } as unknown as StreamingEvent, NOW + (i % 7))));
    }
    assert.equal(seen.size, 200_000);
  });
});

describe('FingerprintSet', () => {
  it('agrees with a Set on any sequence of adds and lookups, through its growth (property)', () => {
    // Few distinct words, so that lookups hit, slots collide and probes wrap around.
    const word = fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x80000000), fc.nat(40), fc.nat({ max: 0xffffffff }));
    const fingerprint = fc.record({ low: word, high: word });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fingerprint), { maxLength: 400 }), fc.nat(64), (operations, expected) => {
        const set = new FingerprintSet(expected);
        const model = new Set<string>();
        for (const [adding, f] of operations) {
          // (0, 0) is stored as (0, 1): the one pair the set cannot tell apart.
          const k = f.low === 0 && f.high === 0 ? '0:1' : key(f);
          if (adding) assert.equal(set.add(f), !model.has(k));
          if (adding) model.add(k);
          assert.equal(set.has(f), model.has(k));
          assert.equal(set.size, model.size);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('holds a million fingerprints and finds each', () => {
    const set = new FingerprintSet();
    for (let i = 0; i < 1_000_000; i++) set.add({ low: i, high: i * 7 });
    assert.equal(set.size, 1_000_000);
    let found = 0;
    for (let i = 0; i < 1_000_000; i++) if (set.has({ low: i, high: i * 7 })) found++;
    assert.equal(found, 1_000_000);
    assert.equal(set.has({ low: 5, high: 36 }), false);
  });
});
