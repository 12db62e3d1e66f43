import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKpi } from '../../../src/common/kpis/catalogue';
import { gauge, rate, ratio, scale, sum, type KpiExpr } from '../../../src/common/kpis/expression';
import type { LabelFilter } from '../../../src/common/kpis/filters';
import { renderPromql, type RenderOptions } from '../../../src/common/kpis/promql';

const formula = (id: string): KpiExpr => {
  const kpi = findKpi(id);
  assert.ok(kpi, `no KPI ${id}`);
  return kpi.formula;
};
const render = (id: string, options: Partial<RenderOptions> = {}) =>
  renderPromql(formula(id), { filters: [], groupBy: [], window: '1m', ...options });

describe('renderPromql: representative KPIs', () => {
  it('quantile: histogram_quantile over bucket rates summed by le (and the group-by labels)', () => {
    assert.equal(render('startup_time_p95'), 'histogram_quantile(0.95, sum by (le) (rate(encore_startup_seconds_bucket[1m])))');
    assert.equal(
      render('startup_time_p50', { groupBy: ['market', 'platform'], filters: [{ label: 'market', op: '=', value: 'BR' }] }),
      'histogram_quantile(0.5, sum by (le, market, platform) (rate(encore_startup_seconds_bucket{market="BR"}[1m])))',
    );
  });

  it('ratio with a fixed matcher: numerator or 0 × denominator, over denominator > 0', () => {
    assert.equal(
      render('skip_rate'),
      '(sum (rate(encore_play_ends_total{reason="skipped"}[1m])) or (0 * sum (rate(encore_play_ends_total[1m])))) / ' +
        '(sum (rate(encore_play_ends_total[1m])) > 0)',
    );
    // Query filters go after the fixed matchers, into every selector; the window into every rate().
    assert.equal(
      render('skip_rate', { filters: [{ label: 'platform', op: '!=', value: 'web' }], groupBy: ['market'], window: '5m' }),
      '(sum by (market) (rate(encore_play_ends_total{reason="skipped", platform!="web"}[5m])) or ' +
        '(0 * sum by (market) (rate(encore_play_ends_total{platform!="web"}[5m])))) / ' +
        '(sum by (market) (rate(encore_play_ends_total{platform!="web"}[5m])) > 0)',
    );
  });

  it('ratio with a sum denominator: each term falls back to 0 on the other, the numerator on either term', () => {
    const play = (w: string) => `sum (rate(encore_play_seconds_total[${w}]))`;
    const stall = (w: string) => `sum (rate(encore_rebuffer_seconds_total[${w}]))`;
    assert.equal(
      render('rebuffering_ratio'),
      `(${stall('1m')} or (0 * (${play('1m')} or ${stall('1m')}))) / ` +
        `(((${play('1m')} or (0 * ${stall('1m')})) + (${stall('1m')} or (0 * ${play('1m')}))) > 0)`,
    );
    assert.equal(
      render('rebuffering_ratio', { groupBy: ['market'], window: '1m15s' }),
      '(sum by (market) (rate(encore_rebuffer_seconds_total[1m15s])) or (0 * (sum by (market) (rate(encore_play_seconds_total[1m15s])) or ' +
        'sum by (market) (rate(encore_rebuffer_seconds_total[1m15s]))))) / ' +
        '(((sum by (market) (rate(encore_play_seconds_total[1m15s])) or (0 * sum by (market) (rate(encore_rebuffer_seconds_total[1m15s])))) + ' +
        '(sum by (market) (rate(encore_rebuffer_seconds_total[1m15s])) or (0 * sum by (market) (rate(encore_play_seconds_total[1m15s]))))) > 0)',
    );
  });

  it('USD conversion: each series times the exchange rate of its currency, then the sum', () => {
    const usd = (series: string) =>
      `rate(${series}[1m]) * on (currency) group_left () max by (currency) (encore_exchange_rate_usd)`;
    assert.equal(render('subscription_revenue'), `86400 * (sum (${usd('encore_subscription_revenue_total')}))`);
    assert.equal(render('ad_revenue', { groupBy: ['market'] }), `86400 * (sum by (market) (${usd('encore_ad_revenue_total')}))`);
    // Filters apply to the revenue series, never to the exchange rates.
    assert.equal(
      render('ad_revenue', { filters: [{ label: 'currency', op: '!=', value: 'USD' }] }),
      '86400 * (sum (rate(encore_ad_revenue_total{currency!="USD"}[1m]) * on (currency) group_left () max by (currency) (encore_exchange_rate_usd)))',
    );
  });

  it('ARPU: a sum of converted revenues over a gauge, each revenue 0 where only the other exists', () => {
    const usd = (series: string, by = 'sum') =>
      `${by} (rate(${series}[1m]) * on (currency) group_left () max by (currency) (encore_exchange_rate_usd))`;
    const sub = usd('encore_subscription_revenue_total');
    const ad = usd('encore_ad_revenue_total');
    assert.equal(
      render('arpu'),
      `2592000 * ((((${sub} or (0 * ${ad})) + (${ad} or (0 * ${sub}))) or (0 * sum (encore_active_users))) / (sum (encore_active_users) > 0))`,
    );
    // A market with ad revenue and no subscription revenue: the subscription term must fall back
    // to 0 over the ad revenue's markets, or the sum (and the market's revenue) disappears there.
    const bySub = usd('encore_subscription_revenue_total', 'sum by (market)');
    const byAd = usd('encore_ad_revenue_total', 'sum by (market)');
    const text = render('arpu', { groupBy: ['market'] });
    assert.ok(text.includes(`(${bySub} or (0 * ${byAd})) + `), `the first term falls back on the second: ${text}`);
    assert.ok(text.includes(` + (${byAd} or (0 * ${bySub}))`), `the second term falls back on the first: ${text}`);
    assert.ok(!text.startsWith(`2592000 * (((${bySub} + `), `no bare first term anchoring the groups: ${text}`);
  });

  it('sum of three terms: each term falls back to 0 on the union of the others', () => {
    const [a, b, c] = ['encore_play_seconds_total', 'encore_rebuffer_seconds_total', 'encore_bitrate_kbps_seconds_total'].map(
      (name) => `sum by (market) (rate(${name}[1m]))`,
    ) as [string, string, string];
    const options: RenderOptions = { filters: [], groupBy: ['market'], window: '1m' };
    assert.equal(
      renderPromql(sum(rate('playTime'), rate('rebufferTime'), rate('bitrateTime')), options),
      `((${a} or (0 * (${b} or ${c}))) + (${b} or (0 * (${a} or ${c}))) + (${c} or (0 * (${a} or ${b}))))`,
    );
  });

  // The language allows a one-term sum (no catalogue KPI has one): with no other term to fall back
  // on it must render as the term alone, not as `(T or (0 * ()))`, which Prometheus refuses.
  it('a one-term sum is its term', () => {
    const options: RenderOptions = { filters: [], groupBy: [], window: '1m' };
    const term = renderPromql(rate('playTime'), options);
    assert.equal(renderPromql(sum(rate('playTime')), options), term);
    assert.equal(renderPromql(ratio(rate('rebuffers'), sum(rate('playTime'))), options), `(${renderPromql(rate('rebuffers'), options)} or (0 * ${term})) / (${term} > 0)`);
  });

  it('ratio: the numerator falls back to 0 over exactly the groups of the denominator, through scale', () => {
    const options: RenderOptions = { filters: [], groupBy: [], window: '1m' };
    const [n, a, b] = ['encore_rebuffers_total', 'encore_play_seconds_total', 'encore_rebuffer_seconds_total'].map(
      (name) => `sum (rate(${name}[1m]))`,
    ) as [string, string, string];
    assert.equal(
      renderPromql(ratio(rate('rebuffers'), scale(60, sum(rate('playTime'), rate('rebufferTime')))), options),
      `(${n} or (0 * (${a} or ${b}))) / (60 * (((${a} or (0 * ${b})) + (${b} or (0 * ${a})))) > 0)`,
    );
    // A gauge denominator: its own groups.
    assert.equal(
      renderPromql(ratio(rate('playTime'), gauge('activeUsers')), options),
      `(${a} or (0 * sum (encore_active_users))) / (sum (encore_active_users) > 0)`,
    );
  });

  it('gauge: summed, no rate and no window', () => {
    assert.equal(render('active_users'), 'sum (encore_active_users)');
    assert.equal(
      render('active_users', { groupBy: ['tier'], filters: [{ label: 'market', op: '=~', value: 'B.|US' }], window: '9m' }),
      'sum by (tier) (encore_active_users{market=~"B.|US"})',
    );
    assert.equal(
      render('churn_rate', { groupBy: ['market'] }),
      '2592000 * ((sum by (market) (rate(encore_subscription_events_total{action="cancellation"}[1m])) or ' +
        '(0 * sum by (market) (encore_active_users{tier="premium"}))) / (sum by (market) (encore_active_users{tier="premium"}) > 0))',
    );
  });

  it('histogram parts: _sum over _count', () => {
    assert.equal(
      render('session_length'),
      '(sum (rate(encore_session_duration_seconds_sum[1m])) or (0 * sum (rate(encore_session_duration_seconds_count[1m])))) / ' +
        '(sum (rate(encore_session_duration_seconds_count[1m])) > 0)',
    );
  });

  it('several fixed values: one regex matcher with the values as an alternation', () => {
    assert.equal(
      render('payment_failure_rate'),
      '(sum (rate(encore_subscription_events_total{action="payment_failed"}[1m])) or ' +
        '(0 * sum (rate(encore_subscription_events_total{action=~"payment_failed|conversion|renewal"}[1m])))) / ' +
        '(sum (rate(encore_subscription_events_total{action=~"payment_failed|conversion|renewal"}[1m])) > 0)',
    );
  });

  it('renders every catalogue KPI with balanced brackets and the window in every range', () => {
    for (const id of ['startup_time_p50', 'rebuffering_ratio', 'rebuffering_frequency', 'streams', 'listening_hours_per_user', 'ecpm', 'arpu', 'trial_conversion']) {
      const text = render(id, { window: '2m30s', groupBy: ['market'] });
      const { skeleton } = scan(text);
      for (const [open, close] of [['(', ')'], ['{', '}'], ['[', ']']] as const) {
        assert.equal(skeleton.split(open).length, skeleton.split(close).length, `${id}: ${open}${close} balanced in ${text}`);
      }
      for (const range of skeleton.matchAll(/\[([^\]]*)\]/g)) assert.equal(range[1], '2m30s', `${id}: ${text}`);
    }
  });
});

/**
 * A small scanner for PromQL double-quoted strings, written for these tests: it returns every
 * string literal decoded (the escapes Go's strconv.Unquote accepts that can occur here) and the
 * text with each literal replaced by `""`. It throws on what Prometheus would refuse: a raw line
 * break inside a string, an unknown escape, an unterminated string.
 */
function scan(text: string): { skeleton: string; literals: string[] } {
  const literals: string[] = [];
  let skeleton = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === "'" || char === '`') throw new Error(`unexpected ${char} at ${i} (the renderer only writes double-quoted strings)`);
    if (char !== '"') {
      skeleton += char;
      i++;
      continue;
    }
    let value = '';
    i++;
    for (;;) {
      if (i >= text.length) throw new Error('unterminated string literal');
      const c = text[i]!;
      if (c === '\n') throw new Error(`raw line break inside a string literal at ${i}`);
      if (c === '"') break;
      if (c === '\\') {
        const escaped = text[i + 1];
        const decoded = escaped === undefined ? undefined : ({ '\\': '\\', '"': '"', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[escaped];
        if (decoded === undefined) throw new Error(`unknown escape \\${escaped ?? ''} at ${i}`);
        value += decoded;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    literals.push(value);
    skeleton += '""';
    i++;
  }
  return { skeleton, literals };
}

describe('the test scanner itself', () => {
  it('decodes escapes and refuses what Prometheus refuses', () => {
    assert.deepEqual(scan('x{a="b\\"c\\\\d\\n"}'), { skeleton: 'x{a=""}', literals: ['b"c\\d\n'] });
    assert.throws(() => scan('x{a="b\nc"}'), /raw line break/);
    assert.throws(() => scan('x{a="b'), /unterminated/);
    assert.throws(() => scan('x{a="\\q"}'), /unknown escape/);
  });
});

describe('renderPromql: filter values stay inside one string literal', () => {
  const VALUES = [
    'plain',
    'with "quotes"',
    'back\\slash',
    'trailing backslash\\',
    'line\nbreak',
    'carriage\rreturn',
    '"} or vector(1) #',
    '\\"} or vector(1) #',
    '\\\\"}) or on() vector(1) or sum(x{a="',
    '{{market}} $__rate_interval [5m] `raw` \'single\'',
    '',
  ];
  /** What the literal for each value must look like in the rendered text. */
  const ESCAPED: Readonly<Record<string, string>> = {
    'with "quotes"': '"with \\"quotes\\""',
    'back\\slash': '"back\\\\slash"',
    'trailing backslash\\': '"trailing backslash\\\\"',
    'line\nbreak': '"line\\nbreak"',
    'carriage\rreturn': '"carriage\\rreturn"',
    '"} or vector(1) #': '"\\"} or vector(1) #"',
    '\\"} or vector(1) #': '"\\\\\\"} or vector(1) #"',
  };

  for (const op of ['=', '!=', '=~', '!~'] as const) {
    it(`keeps the structure of the query whatever the value (${op})`, () => {
      const safe = render('skip_rate', { filters: [{ label: 'market', op, value: 'SAFE' }] });
      const safeScan = scan(safe);
      for (const value of VALUES) {
        const filters: LabelFilter[] = [{ label: 'market', op, value }];
        const text = render('skip_rate', { filters });
        const scanned = scan(text);
        // Same PromQL around the strings: nothing leaked out of a literal.
        assert.equal(scanned.skeleton, safeScan.skeleton, `value ${JSON.stringify(value)} changed the query: ${text}`);
        // The same literals, with the value decoded back exactly where SAFE was.
        assert.deepEqual(
          scanned.literals,
          safeScan.literals.map((literal) => (literal === 'SAFE' ? value : literal)),
          `value ${JSON.stringify(value)}`,
        );
        assert.ok(!text.includes('\n') && !text.includes('\r'), 'no raw line break in the query');
        const expected = ESCAPED[value];
        if (expected) assert.ok(text.includes(`market${op}${expected}`), `expected market${op}${expected} in ${text}`);
      }
    });
  }

  it('escapes values in every selector of a multi-term formula', () => {
    const value = '"} or vector(1) #';
    const text = render('arpu', { filters: [{ label: 'market', op: '=', value }], groupBy: ['market'] });
    const { skeleton, literals } = scan(text);
    // ARPU reads each revenue twice (its term and the other term's fallback), active users twice.
    assert.deepEqual(literals, Array(6).fill(value));
    assert.ok(!skeleton.includes('vector('), skeleton);
    assert.equal(skeleton.match(/market=""/g)?.length, 6);
  });
});

describe('renderPromql: fixed values with regex metacharacters', () => {
  it('escapes each value of a multi-value matcher as a regex literal and as a PromQL string', () => {
    const values = ['a.b', 'c|d', 'e"f', 'g\\h', '(x)+[y]{2}^$?*'];
    const expr = ratio(rate('playEnds', { reason: values }), rate('playEnds'));
    const text = renderPromql(expr, { filters: [], groupBy: [], window: '1m' });
    const { literals } = scan(text);
    const alternation = literals[0];
    assert.ok(alternation !== undefined, text);
    assert.ok(text.startsWith('(sum (rate(encore_play_ends_total{reason=~"'), text);
    assert.equal(alternation, 'a\\.b|c\\|d|e"f|g\\\\h|\\(x\\)\\+\\[y\\]\\{2\\}\\^\\$\\?\\*');
    // As Prometheus anchors it: matches exactly the listed values and nothing else.
    const regex = new RegExp(`^(?:${alternation})$`, 'su');
    for (const value of values) assert.ok(regex.test(value), `matches ${value}`);
    for (const other of ['aXb', 'c', 'd', 'c|d|', 'ef', 'xy', '(x)+[y]{2}^$?', 'a.bc|d']) assert.ok(!regex.test(other), `does not match ${other}`);
  });

  it('writes a single fixed value as an exact match', () => {
    const text = renderPromql(rate('playEnds', { reason: ['a.b'] }), { filters: [], groupBy: [], window: '1m' });
    assert.equal(text, 'sum (rate(encore_play_ends_total{reason="a.b"}[1m]))');
  });
});
