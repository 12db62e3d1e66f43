import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REFERENCE_USD_RATES } from '../../../src/common/exchange-rates';
import { conversionFactor, convertCurrency, currencyOfUnit, currencyUnit } from '../../../src/panels/shared/currency';
import { forecastComparison, forecastComparisons } from '../../../src/panels/shared/forecast';
import { readAnswers } from '../../../src/panels/shared/frames';
import { headlineTile } from '../../../src/panels/shared/headline';
import { encoreFrame, formatters, formatValue, kpiMeta, MINUTE, times } from './support';

const HOUR = 60 * MINUTE;

describe('currencies', () => {
  it('maps codes to Grafana units and back, with custom symbols where Grafana has none', () => {
    assert.equal(currencyUnit('EUR'), 'currencyEUR');
    assert.equal(currencyUnit('MXN'), 'currency:MX$');
    assert.equal(currencyOfUnit('currencyUSD'), 'USD');
    assert.equal(currencyOfUnit('currency:A$'), 'AUD');
    assert.equal(currencyOfUnit('currencyCHF'), 'unknown');
    assert.equal(currencyOfUnit('percentunit'), undefined);
    assert.equal(formatValue(1234.5, currencyUnit('CAD'), 1), 'CA$1.2K');
  });

  it('converts with the reference rates the revenue KPIs use', () => {
    assert.equal(conversionFactor('USD', 'EUR'), 1 / REFERENCE_USD_RATES.EUR);
    assert.equal(conversionFactor('EUR', 'USD'), REFERENCE_USD_RATES.EUR);
  });

  const answers = readAnswers([
    encoreFrame({
      refId: 'A',
      name: 'Ad revenue',
      values: [1080, 2160],
      expected: [1000, 2000],
      lower: [900, 1800],
      upper: [1100, 2200],
      unit: 'currencyUSD',
      decimals: 0,
      meta: kpiMeta('ad_revenue', 'revenue', 'up'),
    }),
    encoreFrame({ refId: 'B', name: 'Churn rate', values: [0.02, 0.03], unit: 'percentunit', meta: kpiMeta('churn_rate', 'revenue', 'down') }),
  ]);

  it('shows amounts in another currency, values, expected values and bands alike, and says so', () => {
    const eur = convertCurrency(answers, 'EUR');
    const ad = eur.answers[0]!.series[0]!;
    assert.equal(ad.unit, 'currencyEUR');
    assert.deepEqual(ad.values.map(Math.round), [1000, 2000]);
    assert.deepEqual(ad.upper!.map((v) => Math.round(v)), [1019, 2037]);
    assert.equal(eur.note, 'Amounts in EUR at reference rates (1 EUR = 1.08 USD)');
    // Ratios stay as they are.
    assert.equal(eur.answers[1]!.series[0]!, answers[1]!.series[0]!);
    assert.equal(headlineTile(eur.answers, 'ad_revenue', { reducer: 'last' }, formatValue).text, '€2K');
    assert.equal(headlineTile(eur.answers, 'ad_revenue', { reducer: 'last', decimals: 2 }, formatValue).text, '€2.00K');
  });

  it('leaves amounts alone when asked for their own currency or auto', () => {
    assert.equal(convertCurrency(answers, 'USD').note, undefined);
    assert.equal(convertCurrency(answers, 'auto').answers[0]!.series[0]!.values[1], 2160);
  });

  it('lists series in a currency the rates do not cover', () => {
    const chf = readAnswers([encoreFrame({ refId: 'A', name: 'Ad revenue', values: [1], unit: 'currencyCHF', meta: kpiMeta('ad_revenue', 'revenue', 'up') })]);
    assert.deepEqual(convertCurrency(chf, 'EUR').unconverted, ['Ad revenue']);
  });
});

describe('actuals against the band and the forecast', () => {
  const past = times(4, HOUR);
  const future = times(3, HOUR, past[3]! + HOUR);
  const anomaly = encoreFrame({
    refId: 'A',
    name: 'Subscription revenue',
    times: past,
    values: [100, 90, 70, 95],
    expected: [100, 100, 100, 100],
    lower: [80, 80, 80, 80],
    upper: [120, 120, 120, 120],
    unit: 'currencyUSD',
    decimals: 0,
    meta: kpiMeta('subscription_revenue', 'revenue', 'up'),
  });
  const forecast = encoreFrame({
    refId: 'F',
    name: 'Subscription revenue',
    times: [...past, ...future],
    values: [100, 90, 70, 95, null, null, null],
    expected: [null, null, null, null, 100, 110, 120],
    lower: [null, null, null, null, 80, 85, 90],
    upper: [null, null, null, null, 120, 135, 150],
    forecast: true,
    unit: 'currencyUSD',
    decimals: 0,
    meta: { custom: { kpi: 'subscription_revenue', group: 'revenue', good: 'up', forecast: { method: 'seasonal', coverage: 0.9 } } },
  });

  it('compares the range with the expected values and summarises the forecast ahead', () => {
    const c = forecastComparison(readAnswers([anomaly, forecast]), 'subscription_revenue', formatValue, undefined, (ms) => formatters.time(ms, 'HH:mm'));
    assert.equal(c.actualSum, 355);
    assert.equal(c.expectedSum, 400);
    assert.equal(c.deviation, -0.1125);
    assert.equal(c.deviationText, '−11\u00a0%');
    assert.equal(c.pointsBelow, 1);
    assert.equal(c.pointsAbove, 0);
    assert.equal(c.position, 'within');
    assert.deepEqual(
      c.outlook && { from: c.outlook.fromMs, to: c.outlook.toMs, mean: c.outlook.mean, end: c.outlook.endText, range: c.outlook.rangeText, method: c.outlook.method, coverage: c.outlook.coverage },
      { from: future[0], to: future[2], mean: 110, end: '$120', range: '$90–$150', method: 'seasonal', coverage: 0.9 },
    );
    assert.equal(
      c.sentence,
      'Subscription revenue: −11\u00a0% against expected over the range (1 point below the band); latest within the expected band; forecast until 16:00: mean $110, $120 at the end (range $90–$150).',
    );
  });

  it('says which query is missing', () => {
    const onlyForecast = forecastComparison(readAnswers([forecast]), 'subscription_revenue', formatValue);
    assert.match(onlyForecast.sentence, /no expected band \(add an Encore anomaly query for subscription_revenue\)/);
    const onlyBand = forecastComparison(readAnswers([anomaly]), 'subscription_revenue', formatValue);
    assert.match(onlyBand.sentence, /no forecast \(add an Encore forecast query for subscription_revenue\)\.$/);
  });

  it('keeps only the KPIs with something to compare', () => {
    const list = forecastComparisons(readAnswers([anomaly, forecast]), ['subscription_revenue', 'ad_revenue', 'arpu'], formatValue);
    assert.deepEqual(
      list.map((c) => c.kpiId),
      ['subscription_revenue'],
    );
  });
});
