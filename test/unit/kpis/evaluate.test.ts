import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKpi } from '../../../src/common/kpis/catalogue';
import { evaluateKpi, type EvaluateOptions, type GroupValue, type Labels, type RateData } from '../../../src/common/kpis/evaluate';
import { rate, sum, type KpiExpr } from '../../../src/common/kpis/expression';

type Series = Record<string, Array<[Labels, number]>>;

/** RateData from a literal: exposition name -> [labels, per-second rate (or gauge value)]. */
function data(series: Series): RateData {
  return {
    series: (name) => (series[name] ?? []).map(([labels, value]) => ({ labels, value })),
  };
}

const formula = (id: string): KpiExpr => {
  const kpi = findKpi(id);
  assert.ok(kpi, `no KPI ${id}`);
  return kpi.formula;
};

/** Groups as `{ "BR": value }`, keyed by the group-by values joined with `/` ("" when ungrouped). */
function byGroup(groups: GroupValue[], groupBy: readonly string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const group of groups) {
    assert.deepEqual(Object.keys(group.labels), [...groupBy], 'a group carries exactly the group-by labels');
    const key = groupBy.map((label) => group.labels[label]).join('/');
    assert.ok(!(key in out), `group ${key} appears twice`);
    out[key] = group.value;
  }
  return out;
}

const evaluate = (id: string | KpiExpr, series: Series, options: EvaluateOptions = {}) =>
  byGroup(evaluateKpi(typeof id === 'string' ? formula(id) : id, data(series), options), options.groupBy);

function assertClose(actual: Record<string, number>, expected: Record<string, number>) {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), 'groups');
  for (const [key, value] of Object.entries(expected)) {
    assert.ok(Math.abs(actual[key]! - value) <= 1e-9 * Math.max(1, Math.abs(value)), `${key}: expected ${value}, got ${actual[key]}`);
  }
}

const PLAY_ENDS = 'encore_play_ends_total';

describe('evaluateKpi: ratios', () => {
  it('counts an absent numerator as 0 where the denominator exists', () => {
    const series: Series = {
      [PLAY_ENDS]: [
        [{ market: 'US', reason: 'skipped' }, 1],
        [{ market: 'US', reason: 'completed' }, 3],
        [{ market: 'BR', reason: 'completed' }, 2],
      ],
    };
    assertClose(evaluate('skip_rate', series, { groupBy: ['market'] }), { US: 0.25, BR: 0 });
    assertClose(evaluate('skip_rate', series), { '': 1 / 6 });
  });

  it('drops groups whose denominator is absent or not above 0', () => {
    const series: Series = {
      encore_play_abandons_total: [
        [{ market: 'US' }, 1],
        [{ market: 'BR' }, 1], // no attempts in BR: no value, not Infinity
        [{ market: 'SE' }, 0.5],
      ],
      encore_play_attempts_total: [
        [{ market: 'US' }, 4],
        [{ market: 'SE' }, 0], // attempts went to 0: a gap, not NaN
        [{ market: 'DE' }, 2],
      ],
    };
    assertClose(evaluate('exits_before_start', series, { groupBy: ['market'] }), { US: 0.25, DE: 0 });
  });

  it('has no value at all without a denominator', () => {
    assert.deepEqual(evaluateKpi(formula('skip_rate'), data({})), []);
    assert.deepEqual(evaluateKpi(formula('exits_before_start'), data({ encore_play_abandons_total: [[{}, 3]] })), []);
  });

  it('applies the fixed matchers of each term', () => {
    const series: Series = {
      encore_playback_errors_total: [
        [{ market: 'US', fatal: 'true' }, 1],
        [{ market: 'US', fatal: 'false' }, 9],
      ],
      encore_play_attempts_total: [[{ market: 'US' }, 50]],
    };
    assertClose(evaluate('playback_failure_rate', series), { '': 0.02 });
  });

  it('matches any of several fixed values', () => {
    const series: Series = {
      encore_subscription_events_total: [
        [{ market: 'US', action: 'payment_failed' }, 1],
        [{ market: 'US', action: 'conversion' }, 2],
        [{ market: 'US', action: 'renewal' }, 7],
        [{ market: 'US', action: 'trial_start' }, 100],
        [{ market: 'US', action: 'cancellation' }, 100],
      ],
    };
    assertClose(evaluate('payment_failure_rate', series), { '': 0.1 });
  });

  it('scales the result', () => {
    const series: Series = {
      encore_rebuffers_total: [[{ market: 'US' }, 0.01]],
      encore_play_seconds_total: [[{ market: 'US' }, 30]],
    };
    // 0.01 stalls per second over 30 s of audio per second = 1/3000 stalls per second of audio, 0.02 per minute
    assertClose(evaluate('rebuffering_frequency', series), { '': 0.02 });
  });

  it('divides by a gauge', () => {
    const series: Series = {
      encore_subscription_events_total: [
        [{ market: 'US', plan: 'duo', action: 'cancellation' }, 0.001],
        [{ market: 'US', plan: 'family', action: 'cancellation' }, 0.001],
        [{ market: 'BR', plan: 'duo', action: 'renewal' }, 1],
      ],
      encore_active_users: [
        [{ market: 'US', tier: 'premium' }, 2_592_000],
        [{ market: 'US', tier: 'free' }, 1_000_000_000],
        [{ market: 'BR', tier: 'premium' }, 1000],
      ],
    };
    // US: 0.002 cancellations/s × 30 days / 2 592 000 premium users = 0.002; BR: none
    assertClose(evaluate('churn_rate', series, { groupBy: ['market'] }), { US: 0.002, BR: 0 });
  });
});

describe('evaluateKpi: sums', () => {
  const playAndStall = sum(rate('playTime'), rate('rebufferTime'));

  it('takes the union of the groups of its terms, a term absent in a group counting as 0', () => {
    const series: Series = {
      encore_play_seconds_total: [
        [{ market: 'US' }, 100],
        [{ market: 'BR' }, 50], // no stalls in BR: 50 + 0
      ],
      encore_rebuffer_seconds_total: [
        [{ market: 'US' }, 1],
        [{ market: 'JP' }, 7], // only in the second term: 0 + 7, not left out
      ],
    };
    assertClose(evaluate(playAndStall, series, { groupBy: ['market'] }), { US: 101, BR: 50, JP: 7 });
    assertClose(evaluate(playAndStall, series), { '': 158 });
    // The order of the terms does not matter.
    assertClose(evaluate(sum(rate('rebufferTime'), rate('playTime')), series, { groupBy: ['market'] }), { US: 101, BR: 50, JP: 7 });
  });

  it('keeps a group that only the last of several terms has', () => {
    const series: Series = {
      encore_play_seconds_total: [[{ market: 'US' }, 1]],
      encore_rebuffer_seconds_total: [[{ market: 'BR' }, 2]],
      encore_bitrate_kbps_seconds_total: [
        [{ market: 'BR' }, 4],
        [{ market: 'JP' }, 8],
      ],
    };
    const three = sum(rate('playTime'), rate('rebufferTime'), rate('bitrateTime'));
    assertClose(evaluate(three, series, { groupBy: ['market'] }), { US: 1, BR: 6, JP: 8 });
  });

  it('has no group that no term has', () => {
    assert.deepEqual(evaluate(playAndStall, {}, { groupBy: ['market'] }), {});
    // A term present with a 0 rate still makes the group.
    assertClose(evaluate(playAndStall, { encore_rebuffer_seconds_total: [[{ market: 'SE' }, 0]] }, { groupBy: ['market'] }), { SE: 0 });
  });

  it('applies the union inside the rebuffering ratio: its denominator has every market of either term', () => {
    const series: Series = {
      encore_play_seconds_total: [
        [{ market: 'US' }, 99],
        [{ market: 'BR' }, 50],
      ],
      encore_rebuffer_seconds_total: [
        [{ market: 'US' }, 1],
        [{ market: 'JP' }, 7], // stalls but no play time: all of JP's time was stalled
      ],
    };
    assertClose(evaluate('rebuffering_ratio', series, { groupBy: ['market'] }), { US: 0.01, BR: 0, JP: 1 });
  });
});

describe('evaluateKpi: group-by and filters', () => {
  const series: Series = {
    [PLAY_ENDS]: [
      [{ market: 'BR', platform: 'ios', reason: 'skipped' }, 1],
      [{ market: 'BR', platform: 'ios', reason: 'completed' }, 1],
      [{ market: 'BR', platform: 'web', reason: 'skipped' }, 3],
      [{ market: 'BR', platform: 'web', reason: 'completed' }, 1],
      [{ market: 'B', platform: 'ios', reason: 'completed' }, 4],
      [{ market: 'US', platform: 'ios', reason: 'skipped' }, 2],
      [{ market: 'US', platform: 'ios', reason: 'completed' }, 6],
      [{ platform: 'ios', reason: 'skipped' }, 5], // no market label
    ],
  };

  it('groups by several labels, a missing label grouping as ""', () => {
    assertClose(evaluate('skip_rate', series, { groupBy: ['market', 'platform'] }), {
      'BR/ios': 0.5,
      'BR/web': 0.75,
      'B/ios': 0,
      'US/ios': 0.25,
      '/ios': 1,
    });
  });

  it('filters with = and != (a missing label is "")', () => {
    assertClose(evaluate('skip_rate', series, { filters: [{ label: 'platform', op: '!=', value: 'web' }], groupBy: ['market'] }), {
      BR: 0.5,
      B: 0,
      US: 0.25,
      '': 1,
    });
    assertClose(evaluate('skip_rate', series, { filters: [{ label: 'market', op: '=', value: '' }] }), { '': 1 });
    assertClose(evaluate('skip_rate', series, { filters: [{ label: 'market', op: '=', value: 'B' }] }), { '': 0 });
  });

  it('anchors regex filters at both ends', () => {
    // =~"B" is market = B only, not BR
    assertClose(evaluate('skip_rate', series, { filters: [{ label: 'market', op: '=~', value: 'B' }], groupBy: ['market'] }), { B: 0 });
    assertClose(evaluate('skip_rate', series, { filters: [{ label: 'market', op: '=~', value: 'B.' }], groupBy: ['market'] }), {
      BR: 4 / 6,
    });
    assertClose(evaluate('skip_rate', series, { filters: [{ label: 'market', op: '=~', value: 'B|US' }], groupBy: ['market'] }), {
      B: 0,
      US: 0.25,
    });
    // !~"B.*" keeps US and the series without a market ("" does not match B.*)
    assertClose(evaluate('skip_rate', series, { filters: [{ label: 'market', op: '!~', value: 'B.*' }], groupBy: ['market'] }), {
      US: 0.25,
      '': 1,
    });
  });

  it('combines filters: every one must match', () => {
    const filters = [
      { label: 'market', op: '=~', value: 'BR|US' },
      { label: 'platform', op: '=', value: 'ios' },
    ] as const;
    assertClose(evaluate('skip_rate', series, { filters: [...filters] }), { '': 3 / 10 });
  });
});

describe('evaluateKpi: revenue in US dollars', () => {
  const revenue: Series = {
    encore_ad_revenue_total: [
      [{ market: 'US', format: 'audio', currency: 'USD' }, 0.01],
      [{ market: 'DE', format: 'audio', currency: 'EUR' }, 0.01],
      [{ market: 'DE', format: 'video', currency: 'EUR' }, 0.02],
      [{ market: 'CH', format: 'audio', currency: 'other' }, 5], // no exchange rate: left out
      [{ market: 'SE', format: 'audio', currency: 'SEK' }, 1], // SEK has no exchange-rate series here
    ],
    encore_exchange_rate_usd: [
      [{ currency: 'USD' }, 1],
      [{ currency: 'EUR' }, 1.05], // two collectors disagree: the larger rate is used
      [{ currency: 'EUR' }, 1.1],
    ],
  };

  it('converts each series with the rate of its currency, the max over duplicate rate series', () => {
    // per day: US 0.01 × 86400 = 864; DE (0.01 + 0.02) × 1.1 × 86400 = 2851.2
    assertClose(evaluate('ad_revenue', revenue, { groupBy: ['market'] }), { US: 864, DE: 2851.2 });
    assertClose(evaluate('ad_revenue', revenue), { '': 864 + 2851.2 });
  });

  it('drops series whose currency has no rate, even when a filter selects them', () => {
    assert.deepEqual(evaluate('ad_revenue', revenue, { filters: [{ label: 'currency', op: '=', value: 'other' }] }), {});
    assertClose(evaluate('ad_revenue', revenue, { groupBy: ['currency'] }), { USD: 864, EUR: 2851.2 });
  });

  it('does not filter the exchange rates by the query filters', () => {
    // A market filter must not remove the (market-less) exchange-rate series.
    assertClose(evaluate('ad_revenue', revenue, { filters: [{ label: 'market', op: '=', value: 'DE' }] }), { '': 2851.2 });
  });

  it('converts both revenues of ARPU and divides by active users', () => {
    const series: Series = {
      ...revenue,
      encore_subscription_revenue_total: [
        [{ market: 'US', plan: 'duo', currency: 'USD' }, 0.03],
        [{ market: 'FR', plan: 'duo', currency: 'EUR' }, 0.1],
      ],
      encore_active_users: [
        [{ market: 'US', tier: 'free' }, 200],
        [{ market: 'US', tier: 'premium' }, 100],
        [{ market: 'DE', tier: 'free' }, 1000],
        [{ market: 'FR', tier: 'free' }, 2_592_000],
      ],
    };
    const month = 2_592_000;
    assertClose(evaluate('arpu', series, { groupBy: ['market'] }), {
      // subscription 0.03 + ad 0.01 USD/s, 300 users
      US: (month * 0.04) / 300,
      // no subscription revenue in DE: its ad revenue alone, (0.01 + 0.02) EUR/s × 1.1, 1000 users
      DE: (month * 0.033) / 1000,
      // 0.1 EUR/s × 1.1, no ad revenue in FR
      FR: (month * 0.11) / month,
    });
  });

  it('gives a market with ad revenue and no subscription revenue its ad revenue per user, not 0', () => {
    const series: Series = {
      encore_ad_revenue_total: [[{ market: 'BR', format: 'audio', currency: 'USD' }, 0.02]],
      encore_subscription_revenue_total: [[{ market: 'SE', plan: 'duo', currency: 'USD' }, 0.05]],
      encore_exchange_rate_usd: [[{ currency: 'USD' }, 1]],
      encore_active_users: [
        [{ market: 'BR', tier: 'free' }, 400],
        [{ market: 'SE', tier: 'premium' }, 100],
      ],
    };
    const month = 2_592_000;
    const arpu = evaluate('arpu', series, { groupBy: ['market'] });
    assertClose(arpu, { BR: (month * 0.02) / 400, SE: (month * 0.05) / 100 });
    // The same as ad revenue (per day) × 30 over the users, from the ad revenue KPI itself.
    const adPerDay = evaluate('ad_revenue', series, { groupBy: ['market'] });
    assertClose({ BR: arpu.BR! }, { BR: (30 * adPerDay.BR!) / 400 });
    // And in the total, both markets' revenue over all users.
    assertClose(evaluate('arpu', series), { '': (month * 0.07) / 500 });
    assertClose(evaluate('arpu', series, { filters: [{ label: 'market', op: '=', value: 'BR' }] }), { '': (month * 0.02) / 400 });
  });
});

describe('evaluateKpi: quantiles', () => {
  const bucket = (le: string, count: number, labels: Labels = {}): [Labels, number] => [{ ...labels, le }, count];

  it('computes the quantile from the summed bucket rates of each group', () => {
    const series: Series = {
      encore_startup_seconds_bucket: [
        // US on two platforms: the buckets add up per le before the quantile
        bucket('0.5', 2, { market: 'US', platform: 'ios' }),
        bucket('1', 6, { market: 'US', platform: 'ios' }),
        bucket('+Inf', 8, { market: 'US', platform: 'ios' }),
        bucket('0.5', 2, { market: 'US', platform: 'web' }),
        bucket('1', 2, { market: 'US', platform: 'web' }),
        bucket('+Inf', 2, { market: 'US', platform: 'web' }),
        // BR: every start under half a second
        bucket('0.5', 4, { market: 'BR' }),
        bucket('1', 4, { market: 'BR' }),
        bucket('+Inf', 4, { market: 'BR' }),
      ],
    };
    // US summed: 0.5 -> 4, 1 -> 8, +Inf -> 10. p50: rank 5, in (0.5, 1]: 0.5 + 0.5 × (5 - 4) / 4 = 0.625
    // BR: rank 2 in the first bucket, from 0: 0.5 × 2 / 4 = 0.25
    assertClose(evaluate('startup_time_p50', series, { groupBy: ['market'] }), { US: 0.625, BR: 0.25 });
    // p95 of US: rank 9.5 falls in +Inf: the highest finite bound, 1
    assertClose(evaluate('startup_time_p95', series, { groupBy: ['market'] }), { US: 1, BR: 0.475 });
    // all together: 0.5 -> 8, 1 -> 12, +Inf -> 14; p50 rank 7 in the first bucket: 0.5 × 7 / 8
    assertClose(evaluate('startup_time_p50', series), { '': 0.4375 });
  });

  it('applies filters to the bucket series', () => {
    const series: Series = {
      encore_startup_seconds_bucket: [
        bucket('1', 1, { market: 'US' }),
        bucket('2', 3, { market: 'US' }),
        bucket('+Inf', 4, { market: 'US' }),
        bucket('1', 100, { market: 'BR' }),
        bucket('2', 100, { market: 'BR' }),
        bucket('+Inf', 100, { market: 'BR' }),
      ],
    };
    // US only: rank 2 in (1, 2]: 1 + (2 - 1) / 2 = 1.5
    assertClose(evaluate('startup_time_p50', series, { filters: [{ label: 'market', op: '!=', value: 'BR' }] }), { '': 1.5 });
  });

  it('gives NaN for a group that observed nothing, as Prometheus does', () => {
    const series: Series = {
      encore_startup_seconds_bucket: [bucket('1', 0, { market: 'US' }), bucket('+Inf', 0, { market: 'US' })],
    };
    const result = evaluate('startup_time_p50', series, { groupBy: ['market'] });
    assert.deepEqual(Object.keys(result), ['US']);
    assert.ok(Number.isNaN(result.US));
  });
});

describe('evaluateKpi: other shapes', () => {
  it('reads histogram _sum and _count', () => {
    const series: Series = {
      encore_session_duration_seconds_sum: [[{ market: 'US' }, 1200]],
      encore_session_duration_seconds_count: [[{ market: 'US' }, 2]],
      encore_session_duration_seconds_bucket: [[{ market: 'US', le: '+Inf' }, 999]],
    };
    assertClose(evaluate('session_length', series), { '': 600 });
  });

  it('sums gauges and scales rates', () => {
    const series: Series = {
      encore_active_users: [
        [{ market: 'US', tier: 'free' }, 10],
        [{ market: 'US', tier: 'premium' }, 5],
      ],
      encore_streams_total: [[{ market: 'US', recommended: 'true' }, 0.5]],
    };
    assertClose(evaluate('active_users', series, { groupBy: ['tier'] }), { free: 10, premium: 5 });
    assertClose(evaluate('streams', series), { '': 1800 });
  });
});
