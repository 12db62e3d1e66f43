import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type * as GrafanaData from '@grafana/data';
import { findKpi, KPI_GROUP_NAMES, KPI_GROUPS, KPI_IDS, KPIS, kpiLabels } from '../../../src/common/kpis/catalogue';
import { queryableLabels, termsOf } from '../../../src/common/kpis/expression';
import { AD_FORMATS, PLANS, PLAY_END_REASONS, SUBSCRIPTION_ACTIONS, TIERS } from '../../../src/common/events/vocabulary';
import { STREAMING_METRICS, type MetricDefinition } from '../../../src/common/streaming-metrics';

/*
 * @grafana/data in a Node test: `import { getValueFormat } from '@grafana/data'` does not work
 * here. Node picks the package's ESM build, which does `import { tz } from 'moment-timezone'`, and
 * moment-timezone is CommonJS without that named export, so loading fails with a SyntaxError. The
 * package's CommonJS build (its `require` export) loads fine through createRequire, and it is the
 * same code. Building the unit index also reads `navigator.languages` (the browser's locale), which
 * Node 20 does not define (Node 21+ does), so a minimal stand-in is installed when it is missing.
 */
if (!('navigator' in globalThis)) {
  Object.defineProperty(globalThis, 'navigator', { value: { languages: ['en-US'] }, configurable: true });
}
const loadCommonJs = createRequire(import.meta.url);
const grafana = loadCommonJs('@grafana/data') as typeof GrafanaData;

const ID = /^[a-z][a-z0-9_]*$/;

describe('KPI catalogue: identity', () => {
  it('has unique ids in snake_case', () => {
    const seen = new Set<string>();
    for (const kpi of KPIS) {
      assert.match(kpi.id, ID, kpi.id);
      assert.ok(!seen.has(kpi.id), `${kpi.id} is defined twice`);
      seen.add(kpi.id);
    }
    assert.deepEqual([...KPI_IDS], KPIS.map((kpi) => kpi.id));
  });

  it('finds every KPI by id and nothing else', () => {
    for (const kpi of KPIS) assert.equal(findKpi(kpi.id), kpi);
    assert.equal(findKpi('no_such_kpi'), undefined);
    assert.equal(findKpi('REBUFFERING_RATIO'), undefined);
    assert.equal(findKpi('toString'), undefined);
  });

  it('puts every KPI in a known group, and every group has a name and at least one KPI', () => {
    for (const kpi of KPIS) assert.ok((KPI_GROUPS as readonly string[]).includes(kpi.group), `${kpi.id}: group ${kpi.group}`);
    for (const group of KPI_GROUPS) {
      assert.ok(KPI_GROUP_NAMES[group]?.trim(), `group ${group} has no display name`);
      assert.ok(KPIS.some((kpi) => kpi.group === group), `group ${group} has no KPI`);
    }
  });

  it('gives every KPI a name and a description', () => {
    for (const kpi of KPIS) {
      assert.ok(kpi.name.trim().length > 0, `${kpi.id}: name`);
      assert.ok(kpi.description.trim().length > 0, `${kpi.id}: description`);
    }
    assert.equal(new Set(KPIS.map((kpi) => kpi.name)).size, KPIS.length, 'KPI names are unique');
  });
});

/** The values each fixed (`where`) label can take: the collector's closed vocabularies. */
const LABEL_VALUES: Readonly<Record<string, readonly string[]>> = {
  reason: PLAY_END_REASONS,
  action: SUBSCRIPTION_ACTIONS,
  tier: TIERS,
  format: AD_FORMATS,
  plan: PLANS,
  // booleans and the bitrate-change direction are spelled by the collector (docs/metrics.md)
  direction: ['up', 'down'],
  fatal: ['true', 'false'],
  recommended: ['true', 'false'],
};

describe('KPI catalogue: formulas', () => {
  const metric = (key: string): MetricDefinition => {
    const definition = (STREAMING_METRICS as Record<string, MetricDefinition>)[key];
    assert.ok(definition, `metric ${key} is not in STREAMING_METRICS`);
    return definition;
  };

  it('reads only metrics that exist, each with the operation its type allows', () => {
    for (const kpi of KPIS) {
      const terms = termsOf(kpi.formula);
      assert.ok(terms.length > 0, `${kpi.id} reads no metric`);
      for (const term of terms) {
        const definition = metric(term.metric);
        const where = `${kpi.id}: ${term.kind}(${definition.name})`;
        switch (term.kind) {
          case 'rate':
            // rate() needs a counter, or the _sum/_count counter of a histogram.
            if (term.part) assert.equal(definition.type, 'histogram', `${where}: a ${term.part} part needs a histogram`);
            else assert.equal(definition.type, 'counter', `${where}: rate needs a counter`);
            if (term.usd) assert.ok(definition.labels.includes('currency'), `${where}: a USD conversion needs a currency label`);
            break;
          case 'quantile':
            assert.equal(definition.type, 'histogram', `${where}: a quantile needs a histogram`);
            assert.ok(definition.buckets && definition.buckets.length > 0, `${where}: the histogram has buckets`);
            assert.ok(term.q > 0 && term.q < 1, `${where}: q=${term.q} should be inside (0, 1)`);
            break;
          case 'gauge':
            assert.equal(definition.type, 'gauge', `${where}: a gauge term needs a gauge`);
            break;
        }
      }
    }
  });

  it('fixes only labels the metric carries, to values the collector can emit', () => {
    for (const kpi of KPIS) {
      for (const term of termsOf(kpi.formula)) {
        const definition = metric(term.metric);
        for (const [label, values] of Object.entries(term.where ?? {})) {
          const where = `${kpi.id}: ${definition.name}{${label}}`;
          assert.ok(definition.labels.includes(label), `${where}: the metric has no label ${label}`);
          assert.ok(values.length > 0, `${where}: no value`);
          assert.equal(new Set(values).size, values.length, `${where}: a value is listed twice`);
          const allowed = LABEL_VALUES[label];
          assert.ok(allowed, `${where}: add the vocabulary of ${label} to this test`);
          for (const value of values) assert.ok(allowed.includes(value), `${where}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
        }
      }
    }
  });

  it('has valid ranges that are ordered and finite', () => {
    for (const kpi of KPIS) {
      const [low, high] = kpi.validRange;
      assert.ok(Number.isFinite(low) && Number.isFinite(high), `${kpi.id}: finite range`);
      assert.ok(low < high, `${kpi.id}: ${low} < ${high}`);
      // Every KPI is a rate, share, time or amount: none can go below 0.
      assert.ok(low >= 0, `${kpi.id}: range starts at ${low}`);
    }
  });

  it('keeps shares of a whole inside [0, 1]', () => {
    // A ratio whose numerator is a subset of its denominator (skips of ended plays, failed payments
    // of payment attempts) cannot exceed 1. Trial conversion divides two different flows and can.
    const flowRatios = new Set(['trial_conversion']);
    for (const kpi of KPIS.filter((k) => k.unit === 'percentunit' && !flowRatios.has(k.id))) {
      assert.deepEqual([...kpi.validRange], [0, 1], `${kpi.id}: valid range`);
    }
  });

  it('shows a sensible number of decimals', () => {
    for (const kpi of KPIS) assert.ok(Number.isInteger(kpi.decimals) && kpi.decimals >= 0 && kpi.decimals <= 4, `${kpi.id}: decimals ${kpi.decimals}`);
  });

  it('sets SLOs in the good direction and inside the valid range', () => {
    for (const kpi of KPIS) {
      if (!kpi.slo) continue;
      assert.notEqual(kpi.good, 'neutral', `${kpi.id}: a neutral KPI has no one-sided objective`);
      assert.equal(kpi.slo.op, kpi.good === 'down' ? '<=' : '>=', `${kpi.id}: objective direction`);
      const [low, high] = kpi.validRange;
      assert.ok(kpi.slo.threshold > low && kpi.slo.threshold < high, `${kpi.id}: threshold ${kpi.slo.threshold} inside (${low}, ${high})`);
      assert.ok(kpi.slo.basis.trim().length > 0, `${kpi.id}: SLO basis`);
    }
  });
});

describe('KPI catalogue: labels', () => {
  // KPIs that are meant to be one number for the whole service (none today). Anything else with no
  // label to split by would mean the formula mixes metrics with no label in common.
  const UNSPLITTABLE_BY_DESIGN = new Set<string>();

  it('lets every KPI be split by at least one label', () => {
    for (const kpi of KPIS) {
      if (UNSPLITTABLE_BY_DESIGN.has(kpi.id)) continue;
      assert.ok(kpiLabels(kpi).length > 0, `${kpi.id} cannot be split by any label`);
    }
  });

  it('offers only labels every metric of the formula carries, minus fixed labels and le', () => {
    for (const kpi of KPIS) {
      const terms = termsOf(kpi.formula);
      const fixed = new Set(terms.flatMap((term) => Object.keys(term.where ?? {})));
      for (const label of kpiLabels(kpi)) {
        assert.notEqual(label, 'le', `${kpi.id}: le is not a query label`);
        assert.ok(!fixed.has(label), `${kpi.id}: ${label} is fixed by the formula`);
        for (const term of terms) assert.ok(STREAMING_METRICS[term.metric].labels.includes(label as never), `${kpi.id}: ${term.metric} has no ${label}`);
      }
      // ...and every label that qualifies is offered.
      const [first, ...rest] = terms.map((term) => new Set<string>(STREAMING_METRICS[term.metric].labels));
      const expected = [...first!].filter((label) => !fixed.has(label) && rest.every((labels) => labels.has(label)));
      assert.deepEqual(kpiLabels(kpi), expected, kpi.id);
    }
  });

  it('gives the expected labels for representative KPIs', () => {
    const labels = (id: string) => kpiLabels(findKpi(id)!);
    assert.deepEqual(labels('rebuffering_ratio'), ['market', 'platform', 'tier']);
    assert.deepEqual(labels('skip_rate'), ['market', 'platform', 'tier', 'content_type', 'recommended']);
    // the numerator fixes recommended="true": splitting by it would be meaningless
    assert.deepEqual(labels('recommendation_skip_rate'), ['market', 'platform', 'tier', 'content_type']);
    assert.deepEqual(labels('arpu'), ['market']);
    // the denominator fixes tier="premium"
    assert.deepEqual(labels('churn_rate'), ['market']);
    assert.deepEqual(labels('ecpm'), ['market', 'format']);
    assert.deepEqual(queryableLabels(findKpi('active_users')!.formula), ['market', 'tier']);
  });
});

describe('KPI catalogue: Grafana units', () => {
  const index = grafana.getValueFormatterIndex();
  /** What Grafana shows for a typical value of each unit the catalogue uses. */
  const SAMPLES: Readonly<Record<string, { value: number; decimals: number; text: string }>> = {
    percentunit: { value: 0.0123, decimals: 2, text: '1.23%' },
    s: { value: 1.5, decimals: 2, text: '1.50 s' },
    h: { value: 2.5, decimals: 2, text: '2.50 hour' },
    Kbits: { value: 160, decimals: 0, text: '160 kb/s' },
    currencyUSD: { value: 12.34, decimals: 2, text: '$12.34' },
    short: { value: 12_345, decimals: 0, text: '12 K' },
    'count:stalls/min': { value: 0.5, decimals: 3, text: '0.500 stalls/min' },
    'count:downshifts/h': { value: 2.5, decimals: 2, text: '2.50 downshifts/h' },
    'count:streams/h': { value: 12_000, decimals: 0, text: '12K streams/h' },
  };
  const format = (unit: string, value: number, decimals: number) =>
    grafana.formattedValueToString(grafana.getValueFormat(unit)(value, decimals));

  it('uses unit ids Grafana knows', () => {
    // getValueFormat never fails: an unknown id is shown as a literal suffix ("1.5 percentUnit"),
    // so check the id against Grafana's index, or Grafana's custom `count:<suffix>` form.
    for (const kpi of KPIS) {
      const known = Object.hasOwn(index, kpi.unit) || /^count:\S+$/.test(kpi.unit);
      assert.ok(known, `${kpi.id}: ${kpi.unit} is not a Grafana unit id`);
    }
    assert.ok(!Object.hasOwn(index, 'percentUnit'), 'the index is case-sensitive, so a typo would be caught');
  });

  it('formats a typical value of every unit sensibly', () => {
    for (const kpi of KPIS) assert.ok(SAMPLES[kpi.unit], `${kpi.id}: add a formatting sample for ${kpi.unit} to this test`);
    for (const [unit, sample] of Object.entries(SAMPLES)) {
      assert.equal(format(unit, sample.value, sample.decimals), sample.text, unit);
    }
  });

  it('formats ratios as percentages and custom counts with their suffix', () => {
    assert.equal(format('percentunit', 0.0123, 1), '1.2%');
    assert.equal(format('percentunit', 1, 0), '100%');
    assert.match(format('count:stalls/min', 3, 0), /^3 stalls\/min$/);
  });

  it('formats each KPI with its own decimals', () => {
    const rebuffering = findKpi('rebuffering_ratio')!;
    assert.equal(format(rebuffering.unit, 0.0123, rebuffering.decimals), '1.23%');
    const skip = findKpi('skip_rate')!;
    assert.equal(format(skip.unit, 0.254, skip.decimals), '25.4%');
    const p95 = findKpi('startup_time_p95')!;
    assert.equal(format(p95.unit, 1.8, p95.decimals), '1.80 s');
  });
});
