import { LABELLED_CURRENCIES } from '../../common/events/vocabulary';
import { REFERENCE_USD_RATES } from '../../common/exchange-rates';
import type { QueryAnswer } from './frames';

/**
 * Currency-aware formatting for revenue. Revenue KPIs arrive in US dollars (unit currencyUSD,
 * converted in PromQL with the collector's reference rates); a panel may show them in another
 * currency, converted with the same reference rates (src/common/exchange-rates.ts) and saying so.
 * Grafana's units cover most currencies (`currencyEUR`); the rest use its `currency:<symbol>`
 * custom unit, which scales like the others ($1.2K, MX$3.4M).
 */

export type CurrencyCode = (typeof LABELLED_CURRENCIES)[number];
export const CURRENCY_CODES: readonly CurrencyCode[] = LABELLED_CURRENCIES;

/** Grafana has no built-in unit for these: symbols as their central banks write them. */
const CUSTOM_SYMBOLS: Partial<Record<CurrencyCode, string>> = { MXN: 'MX$', AUD: 'A$', CAD: 'CA$' };

export function isCurrencyCode(code: string): code is CurrencyCode {
  return (CURRENCY_CODES as readonly string[]).includes(code);
}

/** The Grafana unit that shows amounts of a currency. */
export function currencyUnit(code: CurrencyCode): string {
  const symbol = CUSTOM_SYMBOLS[code];
  return symbol ? `currency:${symbol}` : `currency${code}`;
}

/** The currency a Grafana unit is in: `currencyEUR` -> EUR, `currency:A$` -> AUD; undefined for other units. */
export function currencyOfUnit(unit: string | undefined): CurrencyCode | 'unknown' | undefined {
  if (!unit) return undefined;
  const builtIn = /^currency([A-Z]{3})$/.exec(unit);
  if (builtIn) return isCurrencyCode(builtIn[1]!) ? builtIn[1] : 'unknown';
  if (unit.startsWith('currency:')) {
    const symbol = unit.slice('currency:'.length);
    const code = (Object.entries(CUSTOM_SYMBOLS) as Array<[CurrencyCode, string]>).find(([, s]) => s === symbol)?.[0];
    return code ?? 'unknown';
  }
  return undefined;
}

/** How many units of `to` one unit of `from` is worth, at the reference rates. */
export function conversionFactor(from: CurrencyCode, to: CurrencyCode): number {
  return REFERENCE_USD_RATES[from] / REFERENCE_USD_RATES[to];
}

export interface CurrencyConversion {
  answers: QueryAnswer[];
  /** what the panel says about it, e.g. `Amounts in EUR at reference rates (1 EUR = 1.08 USD)` */
  note?: string;
  /** series whose currency could not be converted (a unit the rates do not cover) */
  unconverted: string[];
}

/**
 * The answers with every amount shown in `target`: values, expected values and bands scaled,
 * the unit replaced. `auto` keeps each series in the currency it came in. Ratios, counts and
 * scores are left alone.
 */
export function convertCurrency(answers: readonly QueryAnswer[], target: CurrencyCode | 'auto'): CurrencyConversion {
  if (target === 'auto') return { answers: [...answers], unconverted: [] };
  const unconverted: string[] = [];
  const sources = new Set<CurrencyCode>();
  const scale = (values: number[] | undefined, factor: number) => values?.map((v) => v * factor);
  const converted = answers.map((answer) => ({
    ...answer,
    series: answer.series.map((s) => {
      const from = currencyOfUnit(s.unit);
      if (from === undefined || from === target) return s;
      if (from === 'unknown') {
        unconverted.push(s.name);
        return s;
      }
      sources.add(from);
      const factor = conversionFactor(from, target);
      const out = { ...s, unit: currencyUnit(target), values: scale(s.values, factor)! };
      for (const part of ['expected', 'lower', 'upper'] as const) {
        const values = scale(s[part], factor);
        if (values) out[part] = values;
      }
      return out;
    }),
  }));
  const rates = [...sources].map((from) => `1 ${target} = ${formatRate(conversionFactor(target, from))} ${from}`);
  return {
    answers: converted,
    ...(rates.length > 0 ? { note: `Amounts in ${target} at reference rates (${rates.join(', ')})` } : {}),
    unconverted,
  };
}

function formatRate(rate: number): string {
  return rate >= 100 ? rate.toFixed(0) : rate >= 1 ? String(Number(rate.toFixed(2))) : String(Number(rate.toPrecision(3)));
}
