import type { Plan, Platform, Tier } from '../../common/events/vocabulary';
import { DEVICE_RHYTHMS } from '../../common/synthetic/rhythms';
import type { WeeklyRhythm } from '../../common/synthetic/seasonality';

/**
 * Who listens: markets (time zone, currency, prices, devices, networks, ad market), platforms
 * and their app versions, the networks people listen on. Plain data; behaviour.ts turns it into
 * probabilities, the generator into events. Figures are plausible for a mid-size service, not
 * anyone's real numbers.
 */

export type Network = 'wifi' | 'cellular_5g' | 'cellular_4g' | 'cellular_3g';
export const NETWORKS: readonly Network[] = ['wifi', 'cellular_5g', 'cellular_4g', 'cellular_3g'];

export interface MarketProfile {
  code: string;
  /** fixed offset from UTC; the simulator ignores daylight saving */
  utcOffsetMinutes: number;
  currency: string;
  /** share of the population */
  share: number;
  premiumShare: number;
  platformMix: Readonly<Partial<Record<Platform, number>>>;
  /** networks of mobile listening (phones, cars); other devices listen on fixed lines (wifi) */
  mobileNetworks: Readonly<Record<Network, number>>;
  /** monthly individual plan price in the local currency */
  individualPrice: number;
  /** what advertisers pay per thousand audio impressions, in US dollars */
  ecpmUsd: number;
  /** multiplier on start-up and stall rates: CDN reach and last-mile quality */
  deliveryFactor: number;
  /** added to the music skip probability */
  skipOffset: number;
  /** multiplier on the share of plays from recommendation surfaces */
  recommendationFactor: number;
}

const MOBILE_GOOD = { wifi: 0.5, cellular_5g: 0.22, cellular_4g: 0.25, cellular_3g: 0.03 };
const MOBILE_MIXED = { wifi: 0.38, cellular_5g: 0.1, cellular_4g: 0.38, cellular_3g: 0.14 };

export const MARKETS: readonly MarketProfile[] = [
  {
    code: 'US', utcOffsetMinutes: -300, currency: 'USD', share: 0.3, premiumShare: 0.55,
    platformMix: { ios: 0.44, android: 0.28, web: 0.06, desktop: 0.1, smart_speaker: 0.08, car: 0.04 },
    mobileNetworks: MOBILE_GOOD, individualPrice: 11.99, ecpmUsd: 14, deliveryFactor: 1, skipOffset: 0, recommendationFactor: 1,
  },
  {
    code: 'GB', utcOffsetMinutes: 0, currency: 'GBP', share: 0.1, premiumShare: 0.55,
    platformMix: { ios: 0.42, android: 0.3, web: 0.06, desktop: 0.11, smart_speaker: 0.08, car: 0.03 },
    mobileNetworks: MOBILE_GOOD, individualPrice: 11.99, ecpmUsd: 11, deliveryFactor: 0.95, skipOffset: 0.005, recommendationFactor: 1.02,
  },
  {
    code: 'DE', utcOffsetMinutes: 60, currency: 'EUR', share: 0.12, premiumShare: 0.5,
    platformMix: { ios: 0.3, android: 0.38, web: 0.07, desktop: 0.15, smart_speaker: 0.06, car: 0.04 },
    mobileNetworks: { wifi: 0.55, cellular_5g: 0.15, cellular_4g: 0.25, cellular_3g: 0.05 },
    individualPrice: 10.99, ecpmUsd: 10, deliveryFactor: 1, skipOffset: -0.01, recommendationFactor: 0.95,
  },
  {
    code: 'SE', utcOffsetMinutes: 60, currency: 'SEK', share: 0.04, premiumShare: 0.65,
    platformMix: { ios: 0.38, android: 0.3, web: 0.05, desktop: 0.15, smart_speaker: 0.08, car: 0.04 },
    mobileNetworks: { wifi: 0.45, cellular_5g: 0.3, cellular_4g: 0.23, cellular_3g: 0.02 },
    individualPrice: 129, ecpmUsd: 9, deliveryFactor: 0.85, skipOffset: -0.005, recommendationFactor: 1.1,
  },
  {
    code: 'BR', utcOffsetMinutes: -180, currency: 'BRL', share: 0.16, premiumShare: 0.35,
    platformMix: { ios: 0.18, android: 0.62, web: 0.08, desktop: 0.06, smart_speaker: 0.03, car: 0.03 },
    mobileNetworks: MOBILE_MIXED, individualPrice: 21.9, ecpmUsd: 2.5, deliveryFactor: 1.25, skipOffset: 0.015, recommendationFactor: 1.05,
  },
  {
    code: 'IN', utcOffsetMinutes: 330, currency: 'INR', share: 0.14, premiumShare: 0.2,
    platformMix: { ios: 0.1, android: 0.76, web: 0.07, desktop: 0.04, smart_speaker: 0.02, car: 0.01 },
    mobileNetworks: { wifi: 0.3, cellular_5g: 0.15, cellular_4g: 0.4, cellular_3g: 0.15 },
    individualPrice: 119, ecpmUsd: 0.8, deliveryFactor: 1.35, skipOffset: 0.02, recommendationFactor: 1.1,
  },
  {
    code: 'JP', utcOffsetMinutes: 540, currency: 'JPY', share: 0.08, premiumShare: 0.5,
    platformMix: { ios: 0.56, android: 0.22, web: 0.06, desktop: 0.1, smart_speaker: 0.03, car: 0.03 },
    mobileNetworks: { wifi: 0.45, cellular_5g: 0.3, cellular_4g: 0.23, cellular_3g: 0.02 },
    individualPrice: 980, ecpmUsd: 8, deliveryFactor: 0.9, skipOffset: -0.015, recommendationFactor: 0.9,
  },
  {
    code: 'MX', utcOffsetMinutes: -360, currency: 'MXN', share: 0.06, premiumShare: 0.4,
    platformMix: { ios: 0.22, android: 0.6, web: 0.07, desktop: 0.06, smart_speaker: 0.02, car: 0.03 },
    mobileNetworks: MOBILE_MIXED, individualPrice: 129, ecpmUsd: 3, deliveryFactor: 1.15, skipOffset: 0.01, recommendationFactor: 1,
  },
];

export interface PlatformProfile {
  platform: Platform;
  rhythm: WeeklyRhythm;
  /** listens on a fixed line (wifi) rather than the market's mobile network mix */
  fixedLine: boolean;
  /** carried only on cellular networks */
  cellularOnly: boolean;
  /** app versions in the field, newest first, with their share of users */
  versions: ReadonlyArray<readonly [version: string, share: number]>;
  startupFactor: number;
  failureFactor: number;
  /** multiplier on skip probability: lean-back devices skip less */
  skipFactor: number;
  /** mean plays per music session */
  musicPlaysPerSession: number;
  /** sessions per user per day */
  sessionsPerDay: number;
}

export const PLATFORM_PROFILES: readonly PlatformProfile[] = [
  { platform: 'ios', rhythm: DEVICE_RHYTHMS.ios, fixedLine: false, cellularOnly: false, versions: [['9.4.1', 0.62], ['9.3.2', 0.3], ['9.2.0', 0.08]], startupFactor: 1, failureFactor: 1, skipFactor: 1, musicPlaysPerSession: 9, sessionsPerDay: 1.6 },
  { platform: 'android', rhythm: DEVICE_RHYTHMS.android, fixedLine: false, cellularOnly: false, versions: [['9.4.0', 0.5], ['9.3.1', 0.35], ['9.1.4', 0.15]], startupFactor: 1.15, failureFactor: 1.3, skipFactor: 1.05, musicPlaysPerSession: 9, sessionsPerDay: 1.5 },
  { platform: 'web', rhythm: DEVICE_RHYTHMS.web, fixedLine: true, cellularOnly: false, versions: [['2026.11.3', 0.8], ['2026.10.7', 0.2]], startupFactor: 1.3, failureFactor: 1.5, skipFactor: 0.95, musicPlaysPerSession: 12, sessionsPerDay: 0.9 },
  { platform: 'desktop', rhythm: DEVICE_RHYTHMS.desktop, fixedLine: true, cellularOnly: false, versions: [['1.2.51', 0.7], ['1.2.48', 0.3]], startupFactor: 0.9, failureFactor: 0.8, skipFactor: 0.9, musicPlaysPerSession: 14, sessionsPerDay: 1.1 },
  { platform: 'smart_speaker', rhythm: DEVICE_RHYTHMS.smart_speaker, fixedLine: true, cellularOnly: false, versions: [['5.8.0', 1]], startupFactor: 1.4, failureFactor: 1.2, skipFactor: 0.6, musicPlaysPerSession: 10, sessionsPerDay: 1.2 },
  { platform: 'car', rhythm: DEVICE_RHYTHMS.car, fixedLine: false, cellularOnly: true, versions: [['3.1.0', 0.8], ['3.0.2', 0.2]], startupFactor: 1.6, failureFactor: 2, skipFactor: 0.7, musicPlaysPerSession: 8, sessionsPerDay: 1.3 },
];

export const TIER_LIST: readonly Tier[] = ['free', 'premium'];

/** Plan mix of premium users and price relative to the individual plan. */
export const PLAN_MIX: ReadonlyArray<readonly [Plan, share: number, priceFactor: number]> = [
  ['individual', 0.6, 1],
  ['duo', 0.1, 1.35],
  ['family', 0.2, 1.65],
  ['student', 0.1, 0.5],
];

/**
 * A segment: users who share market, platform and tier. Sessions arrive per segment; users are
 * numbered inside their segment, so a user id fixes their market, platform and tier for good.
 */
export interface Segment {
  index: number;
  market: MarketProfile;
  platform: PlatformProfile;
  tier: Tier;
  /** users in the segment */
  users: number;
}

/** The population split into segments for `users` people in all (each segment at least 1). */
export function segments(users: number): Segment[] {
  const out: Segment[] = [];
  for (const market of MARKETS) {
    for (const platform of PLATFORM_PROFILES) {
      const platformShare = market.platformMix[platform.platform] ?? 0;
      if (platformShare <= 0) continue;
      for (const tier of TIER_LIST) {
        const tierShare = tier === 'premium' ? market.premiumShare : 1 - market.premiumShare;
        const count = Math.max(1, Math.round(users * market.share * platformShare * tierShare));
        out.push({ index: out.length, market, platform, tier, users: count });
      }
    }
  }
  return out;
}

/** Networks a segment listens on: fixed lines are wifi, cars cellular, phones the market mix. */
export function networkWeights(segment: Segment): number[] {
  return NETWORKS.map((network) => {
    if (segment.platform.fixedLine) return network === 'wifi' ? 1 : 0;
    if (segment.platform.cellularOnly && network === 'wifi') return 0;
    return segment.market.mobileNetworks[network];
  });
}
