import { LABELLED_CURRENCIES } from './events/vocabulary';

/**
 * Reference exchange rates: US dollars per one unit of each labelled currency. Revenue arrives in
 * the currency it was paid in; KPIs that add revenue across markets (ARPU, totals) convert it with
 * these. The collector exports them as `encore_exchange_rate_usd{currency}` so the conversion
 * happens in PromQL next to the data, and an operator can replace them (`--exchange-rates`) with
 * their finance team's monthly rates. Revenue in currencies folded into `other` has no rate and is
 * left out of USD totals (docs/kpis.md says so).
 *
 * Approximate mid-market rates, rounded; good enough for trends and demo data, not for accounting.
 */
export const REFERENCE_USD_RATES: Readonly<Record<(typeof LABELLED_CURRENCIES)[number], number>> = {
  USD: 1,
  EUR: 1.08,
  GBP: 1.27,
  SEK: 0.095,
  PLN: 0.25,
  BRL: 0.18,
  MXN: 0.055,
  JPY: 0.0067,
  INR: 0.012,
  AUD: 0.66,
  CAD: 0.73,
};
