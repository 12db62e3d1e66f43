import type { PlayableType } from './catalogue';
import type { Effects } from './incidents';
import { rhythmAt } from '../../common/synthetic/seasonality';
import type { MarketProfile, Network, PlatformProfile, Segment } from './population';

/**
 * The probabilities and distributions of one play, from who plays it (market, platform, tier),
 * where (network), what (content type, recommended or not) and the incidents of the moment.
 * Quality of experience follows the network and the delivery path; behaviour the content and
 * the device. Kept apart from the generator so the numbers can be read (and tuned) in one place.
 */

export interface PlayContext {
  market: MarketProfile;
  platform: PlatformProfile;
  premium: boolean;
  network: Network;
  content: PlayableType;
  recommended: boolean;
  effects: Effects;
}

interface NetworkProfile {
  /** median press-to-audio time in seconds */
  startupMedianS: number;
  /** stalls per minute of audio */
  stallsPerMinute: number;
  /** drops to a lower rung and back per minute of audio */
  dipsPerMinute: number;
  /** chance of starting on each rung of BITRATE_LADDER */
  rungWeights: readonly [number, number, number];
  /** multiplier on the fatal error rate */
  failureFactor: number;
}

/** Audio renditions in kbit/s; free listeners are capped at the middle one. */
export const BITRATE_LADDER = [96, 160, 320] as const;
export const FREE_TIER_MAX_KBPS = 160;

const NETWORKS: Readonly<Record<Network, NetworkProfile>> = {
  wifi: { startupMedianS: 0.26, stallsPerMinute: 0.012, dipsPerMinute: 0.01, rungWeights: [0.04, 0.2, 0.76], failureFactor: 0.8 },
  cellular_5g: { startupMedianS: 0.32, stallsPerMinute: 0.025, dipsPerMinute: 0.025, rungWeights: [0.08, 0.27, 0.65], failureFactor: 0.9 },
  cellular_4g: { startupMedianS: 0.48, stallsPerMinute: 0.06, dipsPerMinute: 0.06, rungWeights: [0.2, 0.45, 0.35], failureFactor: 1.2 },
  cellular_3g: { startupMedianS: 1.15, stallsPerMinute: 0.25, dipsPerMinute: 0.18, rungWeights: [0.62, 0.33, 0.05], failureFactor: 2.2 },
};

export const STARTUP_SIGMA = 0.55;
export const STALL_MEDIAN_S = 1.1;
export const STALL_SIGMA = 0.8;
/** fatal errors before audio starts, per attempt, before factors */
const BASE_START_FAILURE = 0.0035;
/** fatal errors during playback, per minute of audio */
const MID_PLAY_FAILURES_PER_MINUTE = 0.0006;
/** non-fatal errors (recovered by the player), per minute of audio */
const RECOVERED_ERRORS_PER_MINUTE = 0.004;

export function network(context: PlayContext): NetworkProfile {
  return NETWORKS[context.network];
}

export function startupMedianS(context: PlayContext): number {
  return network(context).startupMedianS * context.platform.startupFactor * context.market.deliveryFactor * context.effects.startupFactor;
}

export function startFailureProbability(context: PlayContext): number {
  const p = BASE_START_FAILURE * context.platform.failureFactor * network(context).failureFactor * context.effects.startFailureFactor;
  return Math.min(0.95, p);
}

export function midPlayFailuresPerMinute(context: PlayContext): number {
  return MID_PLAY_FAILURES_PER_MINUTE * context.platform.failureFactor * network(context).failureFactor;
}

export function recoveredErrorsPerMinute(context: PlayContext): number {
  return RECOVERED_ERRORS_PER_MINUTE * network(context).failureFactor;
}

/**
 * Patience before giving up on a start that has not begun: most people wait a couple of seconds,
 * few wait ten. The exit-before-start rate follows from start-up times through this.
 */
export const PATIENCE_MEDIAN_S = 4;
export const PATIENCE_SIGMA = 0.7;

export function stallsPerMinute(context: PlayContext): number {
  return network(context).stallsPerMinute * context.market.deliveryFactor * context.effects.stallFactor;
}

export function dipsPerMinute(context: PlayContext): number {
  return network(context).dipsPerMinute * context.market.deliveryFactor * Math.sqrt(context.effects.stallFactor);
}

/** Rung weights for the play, capped for free listeners and shifted down by a degraded CDN. */
export function rungWeights(context: PlayContext): number[] {
  const weights = [...network(context).rungWeights];
  if (!context.premium) {
    // Free listeners get the capped rung instead of the top one.
    weights[1]! += weights[2]!;
    weights[2] = 0;
  }
  const down = context.effects.bitrateDowngrade;
  if (down > 0) {
    weights[0]! += down * weights[1]!;
    weights[1] = (1 - down) * weights[1]! + down * weights[2]!;
    weights[2]! *= 1 - down;
  }
  return weights;
}

export interface Outcomes {
  /** ended by the listener skipping */
  skip: number;
  /** stopped by the listener part way (pause and leave, switched app) */
  stop: number;
}

const BASE_SKIP: Readonly<Record<PlayableType, { organic: number; recommended: number }>> = {
  music: { organic: 0.22, recommended: 0.3 },
  podcast: { organic: 0.06, recommended: 0.1 },
  audiobook: { organic: 0.03, recommended: 0.05 },
};

export function outcomes(context: PlayContext): Outcomes {
  const base = BASE_SKIP[context.content];
  let skip = (context.recommended ? base.recommended : base.organic) * context.platform.skipFactor;
  if (context.content === 'music') skip += context.market.skipOffset;
  // Free listeners on phones shuffle and skip more.
  if (!context.premium) skip += 0.03;
  if (context.recommended) skip += context.effects.recommendationSkipAdd;
  const stop = context.content === 'music' ? 0.05 : 0.25;
  return { skip: Math.min(0.9, Math.max(0, skip)), stop };
}

/** When a skip happens, in ms from the start of audio: music early, spoken word later. */
export function skipWindowMs(content: PlayableType): readonly [number, number] {
  return content === 'music' ? [2_000, 50_000] : [10_000, 300_000];
}

/** Share of plays that come from recommendation surfaces (autoplay, mixes, radio). */
export function recommendedShare(market: MarketProfile, content: PlayableType, effects: Effects): number {
  const base = content === 'music' ? 0.34 : content === 'podcast' ? 0.14 : 0.08;
  return Math.min(0.95, base * market.recommendationFactor * effects.recommendationShareFactor);
}

/** Content type of a session's plays. */
export function contentWeights(premium: boolean): Readonly<Record<PlayableType, number>> {
  return premium ? { music: 0.78, podcast: 0.15, audiobook: 0.07 } : { music: 0.84, podcast: 0.14, audiobook: 0.02 };
}

export function playsPerSession(platform: PlatformProfile, content: PlayableType): number {
  return content === 'music' ? platform.musicPlaysPerSession : content === 'podcast' ? 1.6 : 1.4;
}

/** Free listening carries an ad break after about this much audio. */
export const AD_BREAK_EVERY_MS = 12 * 60_000;
export const AD_FORMATS_MIX: ReadonlyArray<readonly ['audio' | 'display' | 'video', number, number]> = [
  // format, share, price relative to the audio eCPM
  ['audio', 0.75, 1],
  ['display', 0.2, 0.45],
  ['video', 0.05, 2.2],
];

/** Subscription rates per user per day (before the business-hours rhythm). */
export const BILLING = {
  /** premium users renew monthly */
  renewalsPerPremiumDay: 1 / 30,
  /** share of payment attempts declined on a normal day */
  paymentFailure: 0.025,
  /** monthly churn of about 3.5 % */
  cancellationsPerPremiumDay: 0.035 / 30,
  trialsPerFreeDay: 0.004,
  /** about half the trials convert, a month later; in steady state that is half the trial rate */
  conversionsPerFreeDay: 0.002,
} as const;

/** New music comes out on Fridays: listening is up that (local) day, on top of the weekly rhythm. */
export const RELEASE_DAY = { weekday: 5, lift: 1.08 } as const;

/** 1970-01-01 was a Thursday (0 = Sunday). */
const EPOCH_WEEKDAY = 4;

function localWeekday(utcOffsetMinutes: number, timeMs: number): number {
  const day = Math.floor((timeMs + utcOffsetMinutes * 60_000) / 86_400_000);
  return (((day + EPOCH_WEEKDAY) % 7) + 7) % 7;
}

/**
 * Expected session starts per second in a segment: its users, their sessions a day, the device's
 * rhythm in local time and the release-day lift. Without a time: the weekly average.
 */
export function sessionRate(segment: Segment, timeMs?: number): number {
  const perDay = segment.users * segment.platform.sessionsPerDay;
  if (timeMs === undefined) return (perDay * (1 + (RELEASE_DAY.lift - 1) / 7)) / 86_400;
  const { utcOffsetMinutes } = segment.market;
  const lift = localWeekday(utcOffsetMinutes, timeMs) === RELEASE_DAY.weekday ? RELEASE_DAY.lift : 1;
  return (perDay * rhythmAt(segment.platform.rhythm, utcOffsetMinutes, timeMs) * lift) / 86_400;
}
