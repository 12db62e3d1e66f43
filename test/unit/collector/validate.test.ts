import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EVENT_TYPES, streamingEventSchema } from '../../../src/common/events/schema';
import { quickCheck, validateEvent } from '../../../src/collector/ingest/validate';
import { makeEvent } from '../../support/collector';

/** Values that break one field in many ways, including near-misses of every bound. */
const nasty = fc.oneof(
  fc.constantFrom(
    undefined, null, '', 'x'.repeat(128), 'x'.repeat(129), -1, 0, 0.5, 1, 2, 10_000, 10_000.5, 86_400_000, 86_400_001, 1_000_000, 1_000_001,
    Number.NaN, Infinity, -Infinity, true, false, [], {}, 'SE', 'se', 'XX', 'EUR', 'XYZ', 'ios', 'fridge', 'premium', 'none',
    '2026-11-24T18:30:00Z', '2026-11-24T18:30:00', '2026-02-30T00:00:00Z', '2026-11-24T18:30:00.123456+01:00', '8.9.2', '8.9', '8', '8.9.2-beta.1',
    'NETWORK_TIMEOUT', 'network_timeout', 'renewal', 'conversion', 'trial_start', 'family', 'network', 'completed', 'audio', 1, '1',
  ),
  fc.string(),
  fc.double(),
  fc.integer(),
);

const fieldNames = [
  'schemaVersion', 'id', 'time', 'userId', 'sessionId', 'market', 'platform', 'appVersion', 'tier', 'contentType', 'fromRecommendation', 'type',
  'durationMs', 'playId', 'trackId', 'startupMs', 'bitrateKbps', 'waitedMs', 'fromKbps', 'toKbps', 'cause', 'msPlayed', 'reason',
  'averageBitrateKbps', 'code', 'fatal', 'adId', 'format', 'revenue', 'currency', 'action', 'plan', 'amount',
];

describe('quick validation', () => {
  it('accepts the valid example of every type (the fast path is taken)', () => {
    for (const type of EVENT_TYPES) assert.equal(quickCheck(makeEvent(type)), true, type);
    for (const action of ['trial_start', 'cancellation', 'payment_failed']) {
      assert.equal(quickCheck(makeEvent('subscription', { action, amount: undefined, currency: undefined })), true, action);
    }
  });

  it('never accepts what zod rejects (random mutations of valid events)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EVENT_TYPES),
        fc.array(fc.tuple(fc.constantFrom(...fieldNames), nasty, fc.boolean()), { minLength: 1, maxLength: 4 }),
        (type, mutations) => {
          const event: Record<string, unknown> = makeEvent(type, {}, Date.UTC(2026, 10, 24));
          for (const [field, value, remove] of mutations) {
            if (remove) delete event[field];
            else event[field] = value;
          }
          if (quickCheck(event)) {
            const zod = streamingEventSchema.safeParse(event);
            assert.ok(zod.success, `quick check accepted what zod rejects: ${JSON.stringify(event)} ${zod.success ? '' : zod.error.message}`);
          }
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('falls back to zod for its messages and verdict', () => {
    const result = validateEvent(makeEvent('play_start', { startupMs: -3, market: 'se' }));
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.field, 'market');
      assert.equal(result.reason, 'market: expected an ISO 3166-1 alpha-2 market code such as "SE"; startupMs: expected a duration of 0 ms or more');
    }
    assert.deepEqual(validateEvent([]), { ok: false, field: '(event)', reason: '(event): expected one of session_start, session_end, play_attempt, play_start, play_abandon, rebuffer, bitrate_change, play_end, playback_error, ad_impression, subscription' });
  });
});
