import type { z } from 'zod';
import {
  EVENT_SCHEMA_VERSION,
  eventEnvelopeSchema,
  MAX_ID_LENGTH,
  streamingEventSchema,
  type StreamingEvent,
} from '../../common/events/schema';
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
} from '../../common/events/vocabulary';
import { describeIssues } from '../../common/validation';

/**
 * Schema validation of one item. The zod schema (common/events/schema.ts) is the definition and
 * the source of every error message; in front of it sits a hand-written check of the same rules
 * that only ever says "certainly valid" or "ask zod". Valid events (nearly all traffic) then cost
 * about a tenth of a zod parse, which the collector needs for 100k events/s per core; anything
 * the quick check does not accept goes through zod, so messages and the final verdict are zod's.
 * A property test holds the quick check to "accepts only what zod accepts".
 *
 * The accepted event is the item itself (zod would return a copy without unknown keys; nothing
 * downstream reads unknown keys).
 */
export type Validation = { ok: true; event: StreamingEvent } | { ok: false; field: string; reason: string };

export function validateEvent(item: unknown): Validation {
  if (quickCheck(item)) return { ok: true, event: item as StreamingEvent };
  const result = streamingEventSchema.safeParse(item);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, ...describe(result.error) };
}

function describe(error: z.ZodError): { field: string; reason: string } {
  const first = error.issues[0];
  return {
    field: first && first.path.length > 0 ? first.path.map(String).join('.') : '(event)',
    reason: describeIssues(error, '(event)'),
  };
}

// ---------------------------------------------------------------------------------------------
// The quick check. Same bounds as the schema; regular expressions taken from the schema itself.

/** The pattern a zod string format was built with (time, appVersion), so both use the same one. */
function patternOf(schema: unknown): RegExp | undefined {
  const zod = (schema as { _zod?: { def?: { pattern?: unknown; checks?: Array<{ _zod?: { def?: { pattern?: unknown } } }> } } })._zod;
  const direct = zod?.def?.pattern;
  if (direct instanceof RegExp) return direct;
  for (const check of zod?.def?.checks ?? []) {
    if (check._zod?.def?.pattern instanceof RegExp) return check._zod.def.pattern;
  }
  return undefined;
}

const TIME = patternOf(eventEnvelopeSchema.shape.time);
const APP_VERSION = patternOf(eventEnvelopeSchema.shape.appVersion);
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_DURATION_MS = 86_400_000;

const set = (values: readonly string[]) => new Set<string>(values);
const platforms = set(PLATFORMS);
const tiers = set(TIERS);
const contentTypes = set(CONTENT_TYPES);
const endReasons = set(PLAY_END_REASONS);
const causes = set(BITRATE_CHANGE_CAUSES);
const adFormats = set(AD_FORMATS);
const actions = set(SUBSCRIPTION_ACTIONS);
const plans = set(PLANS);
const paid = set(PAID_SUBSCRIPTION_ACTIONS);

/** zod's ISO checks go through Intl each time; the answers are cached (bounded: only valid codes are kept). */
const knownMarkets = new Set<string>();
const knownCurrencies = new Set<string>();

type Item = Record<string, unknown>;

const isId = (v: unknown): boolean => typeof v === 'string' && v.length >= 1 && v.length <= MAX_ID_LENGTH;
const isDuration = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_DURATION_MS;
const isKbps = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 10_000;
const isMoney = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1_000_000;
const isIn = (values: Set<string>, v: unknown): boolean => typeof v === 'string' && values.has(v);

function isMarket(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  if (knownMarkets.has(v)) return true;
  if (!isIsoMarket(v)) return false;
  knownMarkets.add(v);
  return true;
}

function isCurrency(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  if (knownCurrencies.has(v)) return true;
  if (!isIsoCurrency(v)) return false;
  knownCurrencies.add(v);
  return true;
}

function envelopeOk(e: Item): boolean {
  return (
    e.schemaVersion === EVENT_SCHEMA_VERSION &&
    isId(e.id) &&
    typeof e.time === 'string' &&
    TIME !== undefined &&
    TIME.test(e.time) &&
    isId(e.userId) &&
    isId(e.sessionId) &&
    isMarket(e.market) &&
    isIn(platforms, e.platform) &&
    typeof e.appVersion === 'string' &&
    APP_VERSION !== undefined &&
    APP_VERSION.test(e.appVersion) &&
    isIn(tiers, e.tier) &&
    isIn(contentTypes, e.contentType) &&
    typeof e.fromRecommendation === 'boolean'
  );
}

/** true: zod would accept the item. false: not known (zod decides). */
export function quickCheck(item: unknown): boolean {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const e = item as Item;
  if (!envelopeOk(e)) return false;
  switch (e.type) {
    case 'session_start':
      return true;
    case 'session_end':
      return isDuration(e.durationMs);
    case 'play_attempt':
      return isId(e.playId) && isId(e.trackId);
    case 'play_start':
      return isId(e.playId) && isId(e.trackId) && isDuration(e.startupMs) && isKbps(e.bitrateKbps);
    case 'play_abandon':
      return isId(e.playId) && isDuration(e.waitedMs);
    case 'rebuffer':
      return isId(e.playId) && isDuration(e.durationMs);
    case 'bitrate_change':
      return isId(e.playId) && isKbps(e.fromKbps) && isKbps(e.toKbps) && isIn(causes, e.cause);
    case 'play_end':
      return isId(e.playId) && isDuration(e.msPlayed) && isIn(endReasons, e.reason) && isKbps(e.averageBitrateKbps);
    case 'playback_error':
      return (e.playId === undefined || isId(e.playId)) && typeof e.code === 'string' && ERROR_CODE.test(e.code) && typeof e.fatal === 'boolean';
    case 'ad_impression':
      return isId(e.adId) && isIn(adFormats, e.format) && isMoney(e.revenue) && isCurrency(e.currency);
    case 'subscription':
      return (
        isIn(actions, e.action) &&
        isIn(plans, e.plan) &&
        (e.amount === undefined ? !paid.has(e.action as string) : isMoney(e.amount) && e.currency !== undefined) &&
        (e.currency === undefined || isCurrency(e.currency))
      );
    default:
      return false;
  }
}
