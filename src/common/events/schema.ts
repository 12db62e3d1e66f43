import { z } from 'zod';
import {
  AD_FORMATS,
  BITRATE_CHANGE_CAUSES,
  CONTENT_TYPES,
  isIsoCurrency,
  isIsoMarket,
  PAID_SUBSCRIPTION_ACTIONS,
  PLANS,
  PLATFORMS,
  PLAY_END_REASONS,
  SUBSCRIPTION_ACTIONS,
  TIERS,
} from './vocabulary';

/**
 * The events players and the billing system send to the collector, version 1.
 * A breaking change gets a new schemaVersion; the collector accepts the versions it knows.
 * Per-event rules live here (types, ranges, enums, amount needs currency); rules that need other
 * events (duplicates, a play end without its start, timestamps against the collector's clock)
 * live in the collector.
 */

export const EVENT_SCHEMA_VERSION = 1;

/** Longest id, user id, session id or play id accepted. */
export const MAX_ID_LENGTH = 128;
/** One play, session or stall may not claim more than a day. */
const MAX_DURATION_MS = 86_400_000;

const id = (what: string) =>
  z
    .string({ error: `expected ${what} (a string)` })
    .min(1, { error: `expected a non-empty ${what}` })
    .max(MAX_ID_LENGTH, { error: `expected at most ${MAX_ID_LENGTH} characters` });

const durationMs = z
  .number({ error: 'expected a duration in milliseconds (a number)' })
  .finite({ error: 'expected a finite number of milliseconds' })
  .min(0, { error: 'expected a duration of 0 ms or more' })
  .max(MAX_DURATION_MS, { error: `expected at most ${MAX_DURATION_MS} ms (one day)` });

const kbps = z
  .number({ error: 'expected a bitrate in kbit/s (a number)' })
  .positive({ error: 'expected a bitrate above 0 kbit/s' })
  .max(10_000, { error: 'expected at most 10000 kbit/s' });

const money = z
  .number({ error: 'expected an amount (a number in the currency unit)' })
  .finite({ error: 'expected a finite amount' })
  .min(0, { error: 'expected an amount of 0 or more (refunds are not events here)' })
  .max(1_000_000, { error: 'expected at most 1000000' });

const currency = z
  .string({ error: 'expected an ISO 4217 currency code such as "EUR"' })
  .refine(isIsoCurrency, { error: 'expected an ISO 4217 currency code such as "EUR"' });

/** RFC 3339 with an explicit offset or Z, e.g. 2026-11-24T18:30:00.123Z */
const time = z.iso.datetime({ offset: true, error: 'expected an RFC 3339 timestamp such as 2026-11-24T18:30:00Z' });

/** Fields every event carries. */
export const eventEnvelopeSchema = z.object({
  schemaVersion: z.literal(EVENT_SCHEMA_VERSION, { error: `expected schemaVersion ${EVENT_SCHEMA_VERSION}` }),
  id: id('event id'),
  time,
  userId: id('user id'),
  sessionId: id('session id'),
  market: z.string({ error: 'expected an ISO 3166-1 alpha-2 market code such as "SE"' }).refine(isIsoMarket, {
    error: 'expected an ISO 3166-1 alpha-2 market code such as "SE"',
  }),
  platform: z.enum(PLATFORMS, { error: `expected one of ${PLATFORMS.join(', ')}` }),
  appVersion: z
    .string({ error: 'expected an app version such as "8.9.2"' })
    .regex(/^\d{1,5}(\.\d{1,5}){1,3}([-+][0-9A-Za-z.-]{1,40})?$/, { error: 'expected an app version such as "8.9.2"' }),
  tier: z.enum(TIERS, { error: `expected one of ${TIERS.join(', ')}` }),
  contentType: z.enum(CONTENT_TYPES, { error: `expected one of ${CONTENT_TYPES.join(', ')}` }),
  /** the play (or the session's current play) was started from a recommendation surface */
  fromRecommendation: z.boolean({ error: 'expected true or false' }),
});

const playId = id('play id');

export const sessionStartSchema = eventEnvelopeSchema.extend({ type: z.literal('session_start') });
export const sessionEndSchema = eventEnvelopeSchema.extend({ type: z.literal('session_end'), durationMs });

/** The user pressed play (the denominator of failure and exit-before-start rates). */
export const playAttemptSchema = eventEnvelopeSchema.extend({ type: z.literal('play_attempt'), playId, trackId: id('track id') });
/** Audio started: startup time is press-to-first-audio. */
export const playStartSchema = eventEnvelopeSchema.extend({
  type: z.literal('play_start'),
  playId,
  trackId: id('track id'),
  startupMs: durationMs,
  bitrateKbps: kbps,
});
/** The user gave up before audio started (exit before start). */
export const playAbandonSchema = eventEnvelopeSchema.extend({ type: z.literal('play_abandon'), playId, waitedMs: durationMs });
export const rebufferSchema = eventEnvelopeSchema.extend({ type: z.literal('rebuffer'), playId, durationMs });
export const bitrateChangeSchema = eventEnvelopeSchema.extend({
  type: z.literal('bitrate_change'),
  playId,
  fromKbps: kbps,
  toKbps: kbps,
  cause: z.enum(BITRATE_CHANGE_CAUSES, { error: `expected one of ${BITRATE_CHANGE_CAUSES.join(', ')}` }),
});
export const playEndSchema = eventEnvelopeSchema.extend({
  type: z.literal('play_end'),
  playId,
  msPlayed: durationMs,
  reason: z.enum(PLAY_END_REASONS, { error: `expected one of ${PLAY_END_REASONS.join(', ')}` }),
  /** time-weighted over the play, as the player measured it */
  averageBitrateKbps: kbps,
});
export const playbackErrorSchema = eventEnvelopeSchema.extend({
  type: z.literal('playback_error'),
  /** absent when the error happened outside a play (e.g. at login) */
  playId: playId.optional(),
  code: z
    .string({ error: 'expected an error code such as "NETWORK_TIMEOUT"' })
    .regex(/^[A-Z][A-Z0-9_]{0,63}$/, { error: 'expected an error code in UPPER_SNAKE_CASE such as "NETWORK_TIMEOUT"' }),
  fatal: z.boolean({ error: 'expected true or false' }),
});
export const adImpressionSchema = eventEnvelopeSchema.extend({
  type: z.literal('ad_impression'),
  adId: id('ad id'),
  format: z.enum(AD_FORMATS, { error: `expected one of ${AD_FORMATS.join(', ')}` }),
  revenue: money,
  currency,
});
export const subscriptionSchema = eventEnvelopeSchema
  .extend({
    type: z.literal('subscription'),
    action: z.enum(SUBSCRIPTION_ACTIONS, { error: `expected one of ${SUBSCRIPTION_ACTIONS.join(', ')}` }),
    plan: z.enum(PLANS, { error: `expected one of ${PLANS.join(', ')}` }),
    amount: money.optional(),
    currency: currency.optional(),
  })
  .superRefine((event, ctx) => {
    if (event.amount !== undefined && event.currency === undefined) {
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'expected a currency: the event has an amount' });
    }
    if (PAID_SUBSCRIPTION_ACTIONS.includes(event.action) && event.amount === undefined) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `expected an amount: a ${event.action} is a payment` });
    }
  });

export const EVENT_TYPES = [
  'session_start',
  'session_end',
  'play_attempt',
  'play_start',
  'play_abandon',
  'rebuffer',
  'bitrate_change',
  'play_end',
  'playback_error',
  'ad_impression',
  'subscription',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const streamingEventSchema = z.discriminatedUnion(
  'type',
  [
    sessionStartSchema,
    sessionEndSchema,
    playAttemptSchema,
    playStartSchema,
    playAbandonSchema,
    rebufferSchema,
    bitrateChangeSchema,
    playEndSchema,
    playbackErrorSchema,
    adImpressionSchema,
    subscriptionSchema,
  ],
  { error: `expected one of ${EVENT_TYPES.join(', ')}` },
);

export type StreamingEvent = z.infer<typeof streamingEventSchema>;
export type EventOf<T extends EventType> = Extract<StreamingEvent, { type: T }>;
