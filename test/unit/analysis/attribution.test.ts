import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decomposeKpi, explainChange, MIN_SILENT_SHARE, silentGroups, type SegmentChange } from '../../../src/backend/analysis/attribution';
import { findKpi, KPIS } from '../../../src/common/kpis/catalogue';
import { histogramRate, rate, sum } from '../../../src/common/kpis/expression';

const segment = (labels: Record<string, string>, baseline: [number, number], current: [number, number]): SegmentChange => ({
  labels,
  baseline: { numerator: baseline[0], denominator: baseline[1] },
  current: { numerator: current[0], denominator: current[1] },
});

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: expected ${expected}, got ${actual}`);

const kpi = (id: string) => {
  const found = findKpi(id);
  assert.ok(found, `no KPI ${id}`);
  return found;
};

describe('explainChange: ratio KPIs', () => {
  // Rebuffer seconds / listening seconds. Everything at 1 % but android in BR, which goes to 6 %,
  // and iOS in BR, which goes to 1.2 %.
  const segments = [
    segment({ platform: 'android', market: 'BR' }, [10, 1000], [60, 1000]),
    segment({ platform: 'android', market: 'US' }, [20, 2000], [20, 2000]),
    segment({ platform: 'ios', market: 'BR' }, [10, 1000], [12, 1000]),
    segment({ platform: 'ios', market: 'US' }, [40, 4000], [40, 4000]),
  ];

  it('puts the injected segment first with its share of the change', () => {
    const hints = explainChange(segments, { kpiName: 'Rebuffering ratio', kind: 'ratio' });
    // R0 = 80 / 8000 = 1 %, R1 = 132 / 8000 = 1.65 %, change 0.0065.
    // android/BR: weights unchanged, so only the rate effect: 0.125 × (0.06 - 0.01) = 0.00625.
    assert.ok(hints.length >= 1, 'a hint');
    const first = hints[0]!;
    assert.deepEqual(first.labels, { platform: 'android', market: 'BR' });
    close(first.share, 0.00625 / 0.0065, 'share');
    close(first.baselineValue, 0.01, 'baseline rate');
    close(first.currentValue, 0.06, 'current rate');
    assert.equal(first.text, 'platform=android, market=BR: 96% of the rebuffering ratio increase');
    // The pair explains ≥ 80 % of both platform=android (0.9615) and market=BR (1.0): they are not repeated.
    assert.ok(!hints.some((h) => Object.keys(h.labels).length === 1 && (h.labels.platform === 'android' || h.labels.market === 'BR')), JSON.stringify(hints));
    // iOS/BR's 2 / 8000 is 3.8 % of the change: under MIN_SHARE, not a cause.
    assert.equal(hints.length, 1, JSON.stringify(hints));
  });

  it('counts a mix shift against the baseline rate', () => {
    // A at 2 %, B at 1 %, neither changes its rate; A's share of traffic goes from 25 % to 50 %.
    const mix = [segment({ market: 'A' }, [20, 1000], [40, 2000]), segment({ market: 'B' }, [30, 3000], [20, 2000])];
    // R0 = 50 / 4000 = 0.0125, R1 = 60 / 4000 = 0.015, change 0.0025.
    // A: w1·Δr + Δw·(r0 - R0) = 0.5 × 0 + 0.25 × (0.02 - 0.0125) = 0.001875 -> 75 %
    // B: 0.5 × 0 + (-0.25) × (0.01 - 0.0125) = 0.000625 -> 25 % (less of a below-average market)
    const hints = explainChange(mix, { kpiName: 'skip rate', kind: 'ratio' });
    assert.deepEqual(
      hints.map((h) => [h.labels.market, Math.round(h.share * 1e9) / 1e9]),
      [
        ['A', 0.75],
        ['B', 0.25],
      ],
    );
    assert.equal(hints[0]!.text, 'market=A: 75% of the skip rate increase');
  });

  it('prefers the single value when the change is spread over all its pairs', () => {
    // Android is worse in every market alike: the pairs are fragments of platform=android, and the
    // markets' shares are android's too.
    const spread: SegmentChange[] = [];
    for (const market of ['BR', 'US', 'DE']) {
      spread.push(segment({ platform: 'android', market }, [10, 1000], [30, 1000]));
      spread.push(segment({ platform: 'ios', market }, [10, 1000], [10, 1000]));
    }
    const hints = explainChange(spread, { kpiName: 'rebuffering ratio', kind: 'ratio' });
    assert.deepEqual(
      hints.map((h) => h.labels),
      [{ platform: 'android' }],
    );
    close(hints[0]!.share, 1, 'share');
  });

  it('reports two independent causes, largest first, and says decrease when it fell', () => {
    const two = [
      segment({ platform: 'android', market: 'BR' }, [50, 1000], [10, 1000]),
      segment({ platform: 'android', market: 'US' }, [10, 1000], [10, 1000]),
      segment({ platform: 'ios', market: 'BR' }, [10, 1000], [10, 1000]),
      segment({ platform: 'ios', market: 'US' }, [30, 1000], [10, 1000]),
    ];
    // change = (40 - 100) / 4000; android/BR -40/4000 -> 2/3, ios/US -20/4000 -> 1/3
    const hints = explainChange(two, { kpiName: 'rebuffering ratio', kind: 'ratio' });
    assert.deepEqual(
      hints.map((h) => h.labels),
      [
        { platform: 'android', market: 'BR' },
        { platform: 'ios', market: 'US' },
      ],
    );
    close(hints[0]!.share, 2 / 3, 'first share');
    close(hints[1]!.share, 1 / 3, 'second share');
    assert.equal(hints[1]!.text, 'platform=ios, market=US: 33% of the rebuffering ratio decrease');
  });

  it('handles a segment that appears in the current window only', () => {
    const appearing = [segment({ market: 'US' }, [10, 1000], [10, 1000]), segment({ market: 'NEW' }, [0, 0], [50, 1000])];
    // R0 = 1 %, R1 = 60 / 2000 = 3 %; NEW: 50/2000 - 0 - 0.01 × (0.5 - 0) = 0.02 -> 100 %
    const hints = explainChange(appearing, { kpiName: 'rebuffering ratio', kind: 'ratio' });
    assert.deepEqual(hints[0]!.labels, { market: 'NEW' });
    close(hints[0]!.share, 1, 'share');
    assert.ok(Number.isNaN(hints[0]!.baselineValue), 'no baseline rate without baseline traffic');
  });

  it('applies the top limit and the factor', () => {
    const many = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((m, i) => segment({ market: m }, [10, 1000], [10 + i + 1, 1000]));
    assert.equal(explainChange(many, { kpiName: 'x', kind: 'ratio' }).length, 5);
    const two = explainChange(many, { kpiName: 'x', kind: 'ratio', top: 2, factor: 60 });
    assert.equal(two.length, 2);
    assert.deepEqual(two[0]!.labels, { market: 'g' });
    close(two[0]!.baselineValue, 0.6, 'baseline × 60');
    close(two[0]!.currentValue, 1.02, 'current × 60');
  });
});

describe('explainChange: additive and level KPIs', () => {
  it('shares an additive change by each segment change', () => {
    // Revenue: BR -900, DE -200, US +100: total -1000
    const revenue = [
      segment({ market: 'BR' }, [5000, 1], [4100, 1]),
      segment({ market: 'DE' }, [3000, 1], [2800, 1]),
      segment({ market: 'US' }, [9000, 1], [9100, 1]),
    ];
    const hints = explainChange(revenue, { kpiName: 'Subscription revenue', kind: 'additive' });
    assert.deepEqual(
      hints.map((h) => [h.labels.market, h.share]),
      [
        ['BR', 0.9],
        ['DE', 0.2],
      ],
    );
    assert.equal(hints[0]!.baselineValue, 5000);
    assert.equal(hints[0]!.currentValue, 4100);
    assert.equal(hints[0]!.text, 'market=BR: 90% of the subscription revenue decrease');
  });

  it('weighs levels by their traffic', () => {
    // p95 startup per platform, weighted by starts: 2 s -> 2 s on 300 starts, 1 s -> 3 s on 100.
    const levels = [segment({ platform: 'ios' }, [2, 300], [2, 300]), segment({ platform: 'android' }, [1, 100], [3, 100])];
    // aggregate (600 + 100) / 400 = 1.75 -> (600 + 300) / 400 = 2.25; android: 300/400 - 100/400 = 0.5 -> 100 %
    const hints = explainChange(levels, { kpiName: 'Startup time p95', kind: 'level' });
    assert.deepEqual(hints[0]!.labels, { platform: 'android' });
    close(hints[0]!.share, 1, 'share');
    close(hints[0]!.currentValue, 3, 'the level itself');
  });

  it('answers nothing without segments or without a change', () => {
    assert.deepEqual(explainChange([], { kpiName: 'x', kind: 'ratio' }), []);
    const same = [segment({ market: 'A' }, [1, 10], [1, 10]), segment({ market: 'B' }, [2, 10], [2, 10])];
    assert.deepEqual(explainChange(same, { kpiName: 'x', kind: 'ratio' }), []);
    assert.deepEqual(explainChange(same, { kpiName: 'x', kind: 'additive' }), []);
    // A ratio over no traffic has no value to change.
    assert.deepEqual(explainChange([segment({ market: 'A' }, [0, 0], [1, 0])], { kpiName: 'x', kind: 'ratio' }), []);
  });
});

describe('decomposeKpi', () => {
  it('splits ratios and keeps the scale factor', () => {
    const rebuffering = decomposeKpi(kpi('rebuffering_ratio'));
    assert.equal(rebuffering.kind, 'ratio');
    assert.deepEqual(rebuffering.numerator, rate('rebufferTime'));
    assert.deepEqual(rebuffering.denominator, sum(rate('playTime'), rate('rebufferTime')));
    assert.equal(rebuffering.factor, 1);
    const frequency = decomposeKpi(kpi('rebuffering_frequency'));
    assert.equal(frequency.kind, 'ratio');
    assert.equal(frequency.factor, 60);
    assert.deepEqual(frequency.denominator, rate('playTime'));
  });

  it('treats sums of rates and summed gauges as additive', () => {
    const streams = decomposeKpi(kpi('streams'));
    assert.equal(streams.kind, 'additive');
    assert.equal(streams.factor, 3600);
    assert.equal(streams.denominator, undefined);
    assert.equal(decomposeKpi(kpi('ad_revenue')).kind, 'additive');
    assert.equal(decomposeKpi(kpi('active_users')).kind, 'additive');
  });

  it('weighs a quantile by its histogram count rate', () => {
    const p95 = decomposeKpi(kpi('startup_time_p95'));
    assert.equal(p95.kind, 'level');
    assert.deepEqual(p95.numerator, kpi('startup_time_p95').formula);
    assert.deepEqual(p95.denominator, histogramRate('startupTime', 'count'));
  });

  it('decomposes every catalogue KPI', () => {
    for (const definition of KPIS) {
      const parts = decomposeKpi(definition);
      assert.ok(['ratio', 'additive', 'level'].includes(parts.kind), definition.id);
      assert.ok(Number.isFinite(parts.factor) && parts.factor > 0, `${definition.id}: factor ${parts.factor}`);
      if (parts.kind === 'ratio') assert.ok(parts.denominator !== undefined, `${definition.id}: a ratio has a denominator`);
      if (parts.kind === 'additive') assert.equal(parts.denominator, undefined, definition.id);
    }
  });
});

describe('explainChange: properties', () => {
  const number = fc.oneof(
    { weight: 6, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }) },
    { weight: 2, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, 0, -1) },
    { weight: 1, arbitrary: fc.double({ noNaN: false }) },
  );
  const segments = fc.array(
    fc.record({
      labels: fc.dictionary(fc.constantFrom('platform', 'market', 'tier'), fc.constantFrom('a', 'b', 'c'), { maxKeys: 3 }),
      baseline: fc.record({ numerator: number, denominator: number }),
      current: fc.record({ numerator: number, denominator: number }),
    }),
    { maxLength: 12 },
  );

  it('never throws, keeps to top and gives finite shares and a text', () => {
    fc.assert(
      fc.property(segments, fc.constantFrom('ratio' as const, 'additive' as const, 'level' as const), fc.option(fc.integer({ min: -1, max: 8 }), { nil: undefined }), (input, kind, top) => {
        const hints = explainChange(input, { kpiName: 'KPI', kind, top });
        assert.ok(hints.length <= (top === undefined ? 5 : Math.max(0, top)), `${hints.length} hints`);
        for (const hint of hints) {
          assert.ok(Number.isFinite(hint.share) && hint.share > 0, `share ${hint.share}`);
          assert.ok(hint.text.length > 0 && hint.text.includes('% of the KPI'), hint.text);
          assert.ok(Object.keys(hint.labels).length >= 1 && Object.keys(hint.labels).length <= 2, JSON.stringify(hint.labels));
        }
        // Ranked best first.
        for (let i = 1; i < hints.length; i++) assert.ok(hints[i - 1]!.share >= hints[i]!.share, 'sorted');
      }),
      { numRuns: 400 },
    );
  });

  it('single-value shares of one label add up to the whole change', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 })), {
          minLength: 2,
          maxLength: 6,
        }),
        (rows) => {
          const input = rows.map(([d0, d1, n0, n1], i) => segment({ market: `m${i}` }, [n0, d0], [n1, d1]));
          const hints = explainChange(input, { kpiName: 'KPI', kind: 'ratio', top: 100 });
          // Every market above MIN_SHARE is reported; those left out are under it, or offset the change.
          const reported = hints.reduce((total, h) => total + h.share, 0);
          assert.ok(hints.length === 0 || reported >= 1 - 0.05 * rows.length - 1e-9, `shares add to ${reported}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('silentGroups: a part that stopped sending', () => {
  // Skips / streams. DE's telemetry stops: its counters stop increasing (rates of exactly 0), and
  // the aggregate skip rate moves to the level of the markets left.
  const segments = [
    segment({ market: 'BR', platform: 'android' }, [300, 1000], [300, 1000]),
    segment({ market: 'BR', platform: 'ios' }, [200, 1000], [200, 1000]),
    segment({ market: 'DE', platform: 'android' }, [100, 1000], [0, 0]),
    segment({ market: 'DE', platform: 'ios' }, [100, 1000], [0, 0]),
    segment({ market: 'US', platform: 'car' }, [1, 20], [0, 0]),
  ];

  it('names the market with no traffic during the change, with its share of the traffic before', () => {
    const silent = silentGroups(segments, 'ratio');
    assert.deepEqual(silent.map((g) => g.labels), [{ market: 'DE' }]);
    close(silent[0]!.baselineShare, 2000 / 4020, 'share');
    assert.equal(silent[0]!.text, 'market=DE sent no data during the anomaly (50% of the traffic before it): a telemetry gap, or an outage there');
  });

  it('leaves out values too small to matter and values that still send something', () => {
    // US (and car) had 20 of 4020 before: under MIN_SILENT_SHARE.
    assert.ok(20 / 4020 < MIN_SILENT_SHARE);
    const trickle = segments.map((s) => (s.labels.market === 'DE' && s.labels.platform === 'ios' ? segment(s.labels, [100, 1000], [1, 3]) : s));
    // DE still sends a trickle on iOS: DE is not silent, and no platform is either.
    assert.deepEqual(silentGroups(trickle, 'ratio'), []);
  });

  it('reads the numerator for additive KPIs, and never reports the whole aggregate', () => {
    const revenue = [segment({ market: 'BR' }, [500, 1], [480, 1]), segment({ market: 'SE' }, [100, 1], [0, 1])];
    assert.deepEqual(silentGroups(revenue, 'additive').map((g) => g.labels), [{ market: 'SE' }]);
    // One market holding all the traffic is the aggregate itself going quiet: that is for the
    // quality checks (freshness, completeness) of the query, not a part to name.
    assert.deepEqual(silentGroups([segment({ market: 'BR' }, [5, 10], [0, 0])], 'ratio'), []);
  });
});
