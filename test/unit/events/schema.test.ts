import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventJsonSchema } from '../../../src/common/events/json-schema';
import { EVENT_TYPES, streamingEventSchema, type StreamingEvent } from '../../../src/common/events/schema';
import { currencyLabel, isIsoCurrency, isIsoMarket, marketLabel, OTHER_LABEL } from '../../../src/common/events/vocabulary';
import { describeIssues } from '../../../src/common/validation';
import { EVENT_EXAMPLES, EXAMPLE_ENVELOPE } from '../../support/collector';

const envelope = { ...EXAMPLE_ENVELOPE, id: 'evt-1', time: '2026-11-24T18:30:00.250Z', fromRecommendation: true };

/** One valid example of every event type. */
const examples = EVENT_EXAMPLES;

function parse(event: Record<string, unknown>): { ok: true; event: StreamingEvent } | { ok: false; message: string } {
  const result = streamingEventSchema.safeParse(event);
  return result.success ? { ok: true, event: result.data } : { ok: false, message: describeIssues(result.error) };
}

describe('event schema v1', () => {
  for (const type of EVENT_TYPES) {
    it(`accepts a ${type} event`, () => {
      const result = parse({ ...envelope, type, ...examples[type] });
      assert.ok(result.ok, result.ok ? '' : result.message);
      assert.equal(result.event.type, type);
    });
  }

  it('names the field and what was expected for each broken envelope field', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ schemaVersion: 2 }, /^schemaVersion: expected schemaVersion 1$/],
      [{ id: '' }, /^id: expected a non-empty event id$/],
      [{ id: 'x'.repeat(129) }, /^id: expected at most 128 characters$/],
      [{ time: '24/11/2026 18:30' }, /^time: expected an RFC 3339 timestamp/],
      [{ time: '2026-11-24T18:30:00' }, /^time: expected an RFC 3339 timestamp/], // no offset
      [{ market: 'se' }, /^market: expected an ISO 3166-1 alpha-2 market code/],
      [{ market: 'XX' }, /^market: expected an ISO 3166-1 alpha-2 market code/],
      [{ platform: 'fridge' }, /^platform: expected one of ios, android,/],
      [{ appVersion: 'latest' }, /^appVersion: expected an app version/],
      [{ tier: 'gold' }, /^tier: expected one of free, premium$/],
      [{ contentType: 'video' }, /^contentType: expected one of music,/],
      [{ fromRecommendation: 'yes' }, /^fromRecommendation: expected true or false$/],
      [{ userId: 42 }, /^userId: expected user id \(a string\)$/],
    ];
    for (const [patch, expected] of cases) {
      const result = parse({ ...envelope, type: 'session_start', ...patch });
      assert.ok(!result.ok, `accepted ${JSON.stringify(patch)}`);
      assert.match(result.message, expected, JSON.stringify(patch));
    }
  });

  it('names the event-specific field for bad payloads', () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['play_start', { ...examples.play_start, startupMs: -5 }, /^startupMs: expected a duration of 0 ms or more$/],
      ['play_start', { ...examples.play_start, bitrateKbps: 0 }, /^bitrateKbps: expected a bitrate above 0 kbit\/s$/],
      ['rebuffer', { ...examples.rebuffer, durationMs: Number.NaN }, /^durationMs: expected a duration in milliseconds|finite/],
      ['session_end', { durationMs: 2 * 86_400_000 }, /^durationMs: expected at most 86400000 ms/],
      ['play_end', { ...examples.play_end, reason: 'bored' }, /^reason: expected one of completed, skipped, error, user_stop$/],
      ['playback_error', { code: 'oops', fatal: false }, /^code: expected an error code in UPPER_SNAKE_CASE/],
      ['ad_impression', { ...examples.ad_impression, currency: 'EURO' }, /^currency: expected an ISO 4217 currency code/],
      ['ad_impression', { ...examples.ad_impression, revenue: -1 }, /^revenue: expected an amount of 0 or more/],
      ['subscription', { action: 'trial_start', plan: 'duo', amount: 0 }, /^currency: expected a currency: the event has an amount$/],
      ['subscription', { action: 'conversion', plan: 'duo' }, /^amount: expected an amount: a conversion is a payment$/],
      ['subscription', { action: 'upgrade', plan: 'duo' }, /^action: expected one of trial_start, conversion,/],
    ];
    for (const [type, payload, expected] of cases) {
      const result = parse({ ...envelope, type, ...payload });
      assert.ok(!result.ok, `accepted ${type} ${JSON.stringify(payload)}`);
      assert.match(result.message, expected, `${type} ${JSON.stringify(payload)}`);
    }
  });

  it('refuses an unknown type, listing the known ones', () => {
    const result = parse({ ...envelope, type: 'play_pause' });
    assert.ok(!result.ok);
    assert.match(result.message, /^type: expected one of session_start, .*subscription$/);
  });

  it('keeps a billing event without an amount valid when no money moves', () => {
    assert.ok(parse({ ...envelope, type: 'subscription', action: 'cancellation', plan: 'student' }).ok);
  });
});

describe('vocabulary', () => {
  it('knows ISO codes and folds unlabelled but valid ones into "other"', () => {
    assert.equal(isIsoMarket('SE'), true);
    assert.equal(isIsoMarket('KE'), true);
    assert.equal(isIsoMarket('ZZ'), false);
    assert.equal(isIsoMarket('S1'), false);
    assert.equal(marketLabel('SE'), 'SE');
    assert.equal(marketLabel('KE'), OTHER_LABEL);
    assert.equal(isIsoCurrency('SEK'), true);
    assert.equal(isIsoCurrency('ABC'), false);
    assert.equal(currencyLabel('EUR'), 'EUR');
    assert.equal(currencyLabel('KES'), OTHER_LABEL);
  });
});

describe('JSON Schema export', () => {
  it('is a versioned draft 2020-12 schema with one branch per event type and the envelope required', () => {
    const schema = eventJsonSchema();
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.match(String(schema.$id), /streaming-event\/v1\.json$/);
    const branches = (schema.oneOf ?? schema.anyOf) as Array<{ properties: Record<string, { const?: string }>; required: string[] }>;
    assert.ok(Array.isArray(branches), 'a union of event types');
    assert.deepEqual(branches.map((b) => b.properties.type?.const).sort(), [...EVENT_TYPES].sort());
    for (const branch of branches) {
      for (const field of ['schemaVersion', 'id', 'time', 'userId', 'sessionId', 'market', 'platform', 'tier', 'contentType']) {
        assert.ok(branch.required.includes(field), `${branch.properties.type?.const} requires ${field}`);
      }
    }
  });
});
