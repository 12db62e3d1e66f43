/**
 * The closed vocabularies of playback and billing events. Enum values are what clients send; the
 * collector's metric labels use the same values, so a value never has two spellings.
 */

export const PLATFORMS = ['ios', 'android', 'web', 'desktop', 'smart_speaker', 'car', 'tv', 'console'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const TIERS = ['free', 'premium'] as const;
export type Tier = (typeof TIERS)[number];

/** `none`: the event is not about a piece of content (billing events). */
export const CONTENT_TYPES = ['music', 'podcast', 'audiobook', 'radio', 'none'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** Why a play ended. */
export const PLAY_END_REASONS = ['completed', 'skipped', 'error', 'user_stop'] as const;
export type PlayEndReason = (typeof PLAY_END_REASONS)[number];

export const AD_FORMATS = ['audio', 'display', 'video'] as const;
export type AdFormat = (typeof AD_FORMATS)[number];

export const SUBSCRIPTION_ACTIONS = ['trial_start', 'conversion', 'renewal', 'cancellation', 'payment_failed'] as const;
export type SubscriptionAction = (typeof SUBSCRIPTION_ACTIONS)[number];
/** Actions that move money and therefore carry an amount. */
export const PAID_SUBSCRIPTION_ACTIONS: readonly SubscriptionAction[] = ['conversion', 'renewal'];

export const PLANS = ['individual', 'duo', 'family', 'student'] as const;
export type Plan = (typeof PLANS)[number];

/** Where an adaptive-bitrate switch came from. */
export const BITRATE_CHANGE_CAUSES = ['network', 'user', 'device'] as const;
export type BitrateChangeCause = (typeof BITRATE_CHANGE_CAUSES)[number];

/**
 * Markets and currencies that get their own metric label value; any other valid value is counted
 * under `other`, which keeps every metric's label set bounded whatever clients send.
 */
export const LABELLED_MARKETS = ['US', 'GB', 'DE', 'FR', 'SE', 'ES', 'IT', 'NL', 'PL', 'BR', 'MX', 'JP', 'IN', 'AU', 'CA'] as const;
export const LABELLED_CURRENCIES = ['USD', 'EUR', 'GBP', 'SEK', 'PLN', 'BRL', 'MXN', 'JPY', 'INR', 'AUD', 'CAD'] as const;
export const OTHER_LABEL = 'other';

const labelledMarkets = new Set<string>(LABELLED_MARKETS);
const labelledCurrencies = new Set<string>(LABELLED_CURRENCIES);

export function marketLabel(market: string): string {
  return labelledMarkets.has(market) ? market : OTHER_LABEL;
}

export function currencyLabel(currency: string): string {
  return labelledCurrencies.has(currency) ? currency : OTHER_LABEL;
}

/** ISO 4217 codes this runtime knows (Intl), so `XYZ` is refused rather than folded into `other`. */
const ISO_CURRENCIES = new Set<string>(Intl.supportedValuesOf('currency'));

export function isIsoCurrency(code: string): boolean {
  return ISO_CURRENCIES.has(code);
}

/** ISO 3166-1 alpha-2 shape; the region name check keeps out codes no country has. */
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

export function isIsoMarket(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code)) return false;
  const name = regionNames.of(code);
  return name !== undefined && name !== 'Unknown Region';
}
