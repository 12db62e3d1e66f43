// The three panels in Chromium, fed by queries through the data source to the real backend, in
// both themes: what a user reads on them and what they do when clicked or driven by keyboard.
// Two sources: the demo (incidents, anomalies, forecasts) and a real Prometheus holding the
// collector's metrics with known values (support/kpi-dataset.ts), for the KPIs the demo does not
// model; there every tile is checked against the value the dataset was built to give.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { REFERENCE_USD_RATES } from '../../src/common/exchange-rates';
import { findKpi } from '../../src/common/kpis/catalogue';
import type { EncoreDataQuery } from '../../src/datasource/types';
import { formatShare } from '../../src/panels/shared/format';
import { formatValue } from '../unit/panels/support';
import { bundleHarness } from './support/bundle';
import { EXPECTED, EXPECTED_FUNNEL, SKIP_RATE_BEFORE_INCIDENT, startKpiPrometheus, type KpiPrometheus } from './support/kpi-dataset';
import { DEMO_DATASOURCE, startBrowserSession, type BrowserSession, type Theme } from './support/session';

const HOUR = 3_600_000;
const now = Math.floor(Date.now() / 60_000) * 60_000;
const range = { from: now - 12 * HOUR, to: now };
/** The panel's frame in the harness: screenshots show the panel as a dashboard would. */
const PANEL = '[data-testid="panel-frame"]';

let session: BrowserSession;
let store: KpiPrometheus;
before(async () => {
  [store] = await Promise.all([startKpiPrometheus(), bundleHarness()]);
  session = await startBrowserSession([{ ...DEMO_DATASOURCE }, store.datasource]);
});
after(async () => {
  await session?.close();
  await store?.stop();
});

const anomalies = (kpis: string[]) => kpis.map((kpi, i) => ({ refId: `A${i}`, queryType: 'anomaly', kpi }) as EncoreDataQuery);
const byMarket = (kpi: string) => ({ refId: 'M', queryType: 'kpi', kpi, groupBy: ['market'] }) as EncoreDataQuery;

interface PanelSpec {
  theme?: Theme;
  options?: Record<string, unknown>;
  /** the dataset's Prometheus instead of the demo source, over the dataset's last three hours */
  dataset?: boolean;
  otherDataSource?: boolean;
  height?: number;
  /** another time range than the source's default */
  range?: { from: number; to: number };
}

function panelView(name: string, targets: EncoreDataQuery[], spec: PanelSpec = {}) {
  const { options = {}, dataset = false, otherDataSource = false, height } = spec;
  const at = dataset ? { datasourceUid: store.datasource.uid, range: { from: store.endMs - 3 * HOUR, to: store.endMs } } : { range };
  return { view: { kind: 'panel' as const, panel: name, targets, options, otherDataSource, ...at, ...(spec.range ? { range: spec.range } : {}), ...(height ? { height } : {}) } };
}

async function panel(name: string, targets: EncoreDataQuery[], themeOrSpec: Theme | PanelSpec = 'dark', options: Record<string, unknown> = {}) {
  const spec = typeof themeOrSpec === 'string' ? { theme: themeOrSpec, options } : themeOrSpec;
  const opened = await session.open(panelView(name, targets, spec), spec.theme ?? 'dark');
  await opened.page.locator('[data-testid^="encore-"]').first().waitFor();
  return opened;
}

/** A tile's text as the dataset's value of the KPI reads in the KPI's unit and decimals. */
function expectedTile(kpiId: keyof typeof EXPECTED, scale = 1, unit?: string): string {
  const kpi = findKpi(kpiId)!;
  return formatValue(EXPECTED[kpiId] * scale, unit ?? kpi.unit, kpi.decimals);
}

async function tile(page: Page, kpi: string): Promise<string> {
  const value = page.getByTestId(`encore-tile-value-${kpi}`);
  await value.waitFor();
  return (await value.textContent()) ?? '';
}

async function breakdownRows(page: Page): Promise<string[]> {
  return page.getByTestId('encore-breakdown').locator('tbody tr th, tbody tr td:first-child').allTextContents();
}

describe('audio-quality panel (browser)', () => {
  const kpis = ['startup_time_p95', 'rebuffering_ratio', 'playback_failure_rate', 'average_bitrate'];
  for (const theme of ['dark', 'light'] as const) {
    it(`shows the QoE headline with units and SLO states, the band chart and the market breakdown (${theme})`, async () => {
      const { page, errors } = await panel('audio-quality', [...anomalies(kpis), byMarket('startup_time_p95')], theme);
      assert.match(await tile(page, 'startup_time_p95'), /^\d+(\.\d+)? (s|ms)$/);
      assert.match(await tile(page, 'rebuffering_ratio'), /^\d+(\.\d+)?%$/);
      assert.match(await tile(page, 'playback_failure_rate'), /^\d+(\.\d+)?%$/);
      assert.match(await tile(page, 'average_bitrate'), /kb\/s$/);
      // The catalogue's SLOs, in words beside colour.
      await page.getByText(/Within SLO · SLO ≤ 2 s|SLO breached · SLO ≤ 2 s|Close to SLO · SLO ≤ 2 s/).first().waitFor();
      const chart = page.getByTestId('encore-band-chart');
      assert.match((await chart.getAttribute('aria-label')) ?? '', /Startup time p95/);
      assert.ok((await page.getByTestId('encore-band').count()) >= 1, 'the expected band is drawn');
      const markets = await breakdownRows(page);
      assert.ok(markets.length >= 5 && markets.includes('BR') && markets.includes('US'), markets.join(','));
      await page.getByTestId('encore-quality-badge').first().waitFor();
      await session.screenshot(page, `panel-audio-quality-${theme}`, PANEL);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  it('charts the KPI of the tile a user selects, with the keyboard too', async () => {
    const { page, errors } = await panel('audio-quality', anomalies(kpis));
    const rebuffering = page.getByRole('button', { name: /Rebuffering ratio/ });
    await rebuffering.focus();
    await page.keyboard.press('Enter');
    assert.equal(await rebuffering.getAttribute('aria-pressed'), 'true');
    assert.match((await page.getByTestId('encore-band-chart').getAttribute('aria-label')) ?? '', /Rebuffering ratio/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('says what it needs when it has no data', async () => {
    const { page, errors } = await panel('audio-quality', []);
    const message = page.getByTestId('encore-panel-message');
    assert.match((await message.textContent()) ?? '', /No data/);
    assert.match((await message.textContent()) ?? '', /Encore KPI query/);
    await session.screenshot(page, 'panel-audio-quality-empty-dark', PANEL);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows the error of a query that failed beside the data of those that did not', async () => {
    // The demo source does not model ARPU: that query fails with a message, the others answer.
    const { page, errors } = await panel('audio-quality', [...anomalies(['rebuffering_ratio']), { refId: 'X', queryType: 'kpi', kpi: 'arpu' } as EncoreDataQuery]);
    assert.match(await tile(page, 'rebuffering_ratio'), /%$/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('panel options and other data sources (browser)', () => {
  it('follows the options of the panel editor: KPIs, charted KPI, decimals, SLO threshold, breakdown dimension', async () => {
    const targets = [...anomalies(['rebuffering_ratio', 'startup_time_p95']), byMarket('rebuffering_ratio'), { refId: 'P', queryType: 'kpi', kpi: 'rebuffering_ratio', groupBy: ['platform'] } as EncoreDataQuery];
    const options = { kpis: ['rebuffering_ratio', 'startup_time_p95'], chartKpi: 'startup_time_p95', decimals: 3, slo: { startup_time_p95: 0.1 }, breakdown: 'market' };
    const { page, errors } = await panel('audio-quality', targets, { options });
    const tiles = page.getByRole('list', { name: 'Audio quality KPIs' }).getByRole('listitem');
    assert.equal(await tiles.count(), 2, 'only the KPIs chosen');
    assert.match(await tile(page, 'rebuffering_ratio'), /^\d+\.\d{3}%$/, 'three decimals');
    // A 100 ms objective no demo market meets: breached, in words.
    await tiles.filter({ hasText: 'Startup time p95' }).getByText('SLO breached · SLO ≤ 100 ms').waitFor();
    assert.match((await page.getByTestId('encore-band-chart').getAttribute('aria-label')) ?? '', /Startup time p95/);
    await page.getByRole('region', { name: 'Breakdown by market' }).waitFor();
    assert.ok((await breakdownRows(page)).includes('BR'));

    await session.render(page, panelView('audio-quality', targets, { options: { ...options, breakdown: 'platform' } }));
    await page.getByRole('region', { name: 'Breakdown by platform' }).waitFor();
    assert.deepEqual((await breakdownRows(page)).sort(), ['android', 'desktop', 'ios', 'smart_speaker', 'web']);
    // Network is a dimension of other exporters; without a query split by it the panel says what to add.
    await session.render(page, panelView('audio-quality', targets, { options: { ...options, breakdown: 'network' } }));
    await page.getByText(/No breakdown by Network: split a query of .* by network \(Split by in the Encore query editor, or sum by \(network\) in PromQL\)/).waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('works with plain time-and-value frames of another data source, named after the KPI', async () => {
    // What a dashboard on Prometheus itself gives the panel: no KPI, unit, band or notices in the frames.
    const targets = [
      { refId: 'A', queryType: 'promql', expr: 'avg(encore_demo_rebuffer_ratio)', legendFormat: 'Rebuffering ratio' },
      { refId: 'startup_time_p95', queryType: 'promql', expr: 'avg(encore_demo_startup_time_p95_seconds)' },
      { refId: 'P', queryType: 'promql', expr: 'avg by (platform) (encore_demo_rebuffer_ratio)', legendFormat: 'Rebuffering ratio {{platform}}' },
    ] as EncoreDataQuery[];
    const { page, errors } = await panel('audio-quality', targets, { otherDataSource: true, options: { kpis: ['rebuffering_ratio', 'startup_time_p95'] } });
    // Units and SLOs from the catalogue, since the frames carry none.
    assert.match(await tile(page, 'rebuffering_ratio'), /^\d+(\.\d+)?%$/);
    assert.match(await tile(page, 'startup_time_p95'), /^\d+(\.\d+)? (s|ms)$/);
    await page.getByText(/SLO ≤ 2 s/).first().waitFor();
    assert.deepEqual((await breakdownRows(page)).sort(), ['android', 'desktop', 'ios', 'smart_speaker', 'web']);
    assert.match((await page.getByTestId('encore-band-chart').getAttribute('aria-label')) ?? '', /Rebuffering ratio/);
    assert.equal(await page.getByTestId('encore-band').count(), 0, 'no band without expected values');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('behaviour panel (browser)', () => {
  const BEHAVIOUR_KPIS = ['completion_rate', 'listening_hours_per_user', 'session_length', 'recommendation_stream_share', 'recommendation_skip_rate'] as const;
  // What the panel's README asks for: the KPIs, one split by market, the three funnel steps by
  // refId, and the session-duration histogram by le.
  const targets = [
    { refId: 'A', queryType: 'anomaly', kpi: 'skip_rate' },
    ...BEHAVIOUR_KPIS.map((kpi, i) => ({ refId: `K${i}`, queryType: 'kpi', kpi })),
    byMarket('skip_rate'),
    { refId: 'Starts', queryType: 'promql', expr: 'sum(rate(encore_play_starts_total[$__rate_interval])) * 3600' },
    { refId: 'Streams', queryType: 'kpi', kpi: 'streams' },
    { refId: 'Completions', queryType: 'promql', expr: 'sum(rate(encore_play_ends_total{reason="completed"}[$__rate_interval])) * 3600' },
    { refId: 'Sessions', queryType: 'promql', expr: 'sum by (le) (rate(encore_session_duration_seconds_bucket[$__rate_interval]))', legendFormat: '{{le}}' },
  ] as EncoreDataQuery[];

  for (const theme of ['dark', 'light'] as const) {
    it(`shows every behaviour KPI at its value, the streams funnel, the session lengths and the markets (${theme})`, async () => {
      const { page, errors } = await panel('behaviour', targets, { theme, dataset: true, height: 900 });
      for (const kpi of ['skip_rate', ...BEHAVIOUR_KPIS] as const) assert.equal(await tile(page, kpi), expectedTile(kpi), kpi);
      if (theme === 'dark') {
        // Starts -> 30-second streams -> completions, each share of the step before.
        const funnel = page.getByRole('region', { name: 'Streams funnel' });
        const steps = (await funnel.getByRole('listitem').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
        assert.equal(steps.length, 3, steps.join(' | '));
        assert.match(steps[0]!, /^Starts/);
        assert.ok(steps[1]!.startsWith('30-second streams') && steps[1]!.includes(`${formatShare(EXPECTED_FUNNEL.streamsOfStarts)} of starts`.replace(/\s+/g, ' ')), steps[1]);
        // Completions per stream differ by market, and Germany's gap shifts the mix for 20 of the
        // 180 minutes the shares average over: within a point of the dataset's share.
        const completions = /^Completions.* · (\d+) % of 30-second streams$/.exec(steps[2]!);
        assert.ok(completions && Math.abs(Number(completions[1]) / 100 - EXPECTED_FUNNEL.completionsOfStreams) <= 0.015, steps[2]);
        // The histogram's eleven buckets, the median interpolated in the 10-20 minute one.
        const sessions = page.getByRole('region', { name: 'Session length distribution' });
        await sessions.getByText('Session length · median 15 min').waitFor();
        const bars = (await sessions.getByRole('listitem').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
        assert.equal(bars.length, 11, bars.join(' | '));
        assert.ok(bars.includes(`10 min–20 min${formatShare(0.2)}`.replace(/\s+/g, ' ')), bars.join(' | '));
        // Worst first: Brazil, whose skip incident is on at the end.
        assert.deepEqual(await breakdownRows(page), ['BR', 'US', 'DE']);
        // The data-quality badge opens with the keyboard and lists the notices: Germany's gap.
        const badge = page.getByRole('button', { name: /Data quality/ });
        await badge.focus();
        await page.keyboard.press('Enter');
        assert.equal(await badge.getAttribute('aria-expanded'), 'true');
        const notices = (await page.getByRole('list', { name: 'Data-quality notices' }).innerText()).replace(/\s+/g, ' ');
        assert.match(notices, /DE/, notices);
        await page.keyboard.press('Escape');
        assert.equal(await badge.getAttribute('aria-expanded'), 'false');
        // The chart reads out its points with the arrow keys: the last is the skip rate above.
        const chart = page.getByTestId('encore-band-chart');
        await chart.focus();
        await page.keyboard.press('End');
        const readout = page.locator(`[id="${await chart.getAttribute('aria-describedby')}"]`);
        assert.ok(((await readout.textContent()) ?? '').includes(`: Value ${expectedTile('skip_rate')}`), (await readout.textContent()) ?? '');
        // Home: the first point, before Brazil's incident.
        await page.keyboard.press('Home');
        const first = formatValue(SKIP_RATE_BEFORE_INCIDENT, 'percentunit', findKpi('skip_rate')!.decimals);
        assert.ok(((await readout.textContent()) ?? '').includes(`: Value ${first}`), (await readout.textContent()) ?? '');
        await page.keyboard.press('Escape');
        assert.match((await readout.textContent()) ?? '', /arrow keys/);
      }
      await session.screenshot(page, `panel-behaviour-${theme}`, PANEL);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  it('says there is no data in the time range when the queries answer without values, beside the data-quality failure', async () => {
    // A day before the dataset's four hours: the queries answer, with frames that hold no value.
    const dayBefore = { from: store.endMs - 30 * HOUR, to: store.endMs - 26 * HOUR };
    const { page, errors } = await panel('behaviour', targets.slice(0, 2), { dataset: true, range: dayBefore });
    const message = page.getByRole('region', { name: 'Listener behaviour' }).getByTestId('encore-panel-message');
    await message.getByText('No data in this time range for Skip rate, Completion rate', { exact: true }).waitFor();
    const detail = (await message.innerText()).replace(/\s+/g, ' ');
    assert.match(detail, /The queries for Skip rate \(skip_rate\), Completion rate \(completion_rate\) answered, without a single value in the time range\./, detail);
    assert.match(detail, /Widen the time range/, detail);
    // Neither empty tiles nor an empty chart.
    assert.equal(await page.locator('[data-testid^="encore-tile-value-"]').count(), 0);
    assert.equal(await page.getByTestId('encore-band-chart').count(), 0);
    // The backend's completeness check explains why: its notice stays a keypress away.
    const badge = page.getByRole('button', { name: /Data quality: 1 failure/ });
    await badge.focus();
    await page.keyboard.press('Enter');
    const notices = (await page.getByRole('list', { name: 'Data-quality notices' }).innerText()).replace(/\s+/g, ' ');
    assert.match(notices, /returned no series/, notices);
    await session.screenshot(page, 'panel-behaviour-no-data-dark', PANEL);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('says which data the funnel and the distribution need, and which KPIs have no query', async () => {
    const { page, errors } = await panel('behaviour', [targets[0]!], { dataset: true });
    await page.getByText(/No data for Completion rate, .*: add Encore KPI queries for completion_rate/).waitFor();
    await page.getByText(/No streams funnel: add queries with refId or legend Starts, Streams/).waitFor();
    await page.getByText(/No session length distribution: add a query of sum by \(le\)/).waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('revenue panel (browser)', () => {
  const targets = [
    ...anomalies(['subscription_revenue', 'ad_revenue']),
    { refId: 'F', queryType: 'forecast', kpi: 'subscription_revenue', horizon: '6h' } as EncoreDataQuery,
    byMarket('subscription_revenue'),
  ];
  it('shows revenue in dollars against expected and the forecast (dark and light)', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const { page, errors } = await panel('revenue', targets, theme);
      assert.match(await tile(page, 'subscription_revenue'), /^\$\d/);
      assert.match(await tile(page, 'ad_revenue'), /^\$\d/);
      const forecast = page.getByTestId('encore-forecast');
      const row = (await forecast.locator('tr', { hasText: 'Subscription revenue' }).textContent()) ?? '';
      assert.match(row, /\$\d.*\(\$\d.*–\$\d/, `the forecast's value and interval: ${row}`);
      await session.screenshot(page, `panel-revenue-${theme}`, PANEL);
      assert.deepEqual(errors, []);
      await page.close();
    }
  });

  const REVENUE_KPIS = ['subscription_revenue', 'ad_revenue', 'arpu', 'trial_conversion', 'churn_rate'] as const;
  const revenueTargets = [...REVENUE_KPIS.map((kpi, i) => ({ refId: `K${i}`, queryType: 'kpi', kpi }) as EncoreDataQuery), byMarket('subscription_revenue')];

  it('shows revenue, ARPU, trial conversion and churn at their values, and the markets by revenue', async () => {
    const { page, errors } = await panel('revenue', revenueTargets, { dataset: true });
    for (const kpi of REVENUE_KPIS) assert.equal(await tile(page, kpi), expectedTile(kpi), kpi);
    // Amounts: the largest market first (US 0.45 USD/s, DE 0.12 EUR/s, BR 0.6 BRL/s).
    assert.deepEqual(await breakdownRows(page), ['US', 'DE', 'BR']);
    await session.screenshot(page, 'panel-revenue-kpis-dark', PANEL);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('converts to the currency chosen in the options, and says at which rate', async () => {
    const { page, errors } = await panel('revenue', revenueTargets, { dataset: true, options: { currency: 'EUR' } });
    const eur = 1 / REFERENCE_USD_RATES.EUR;
    assert.equal(await tile(page, 'arpu'), expectedTile('arpu', eur, 'currencyEUR'));
    assert.equal(await tile(page, 'subscription_revenue'), expectedTile('subscription_revenue', eur, 'currencyEUR'));
    // Ratios have no currency.
    assert.equal(await tile(page, 'trial_conversion'), expectedTile('trial_conversion'));
    await page.getByText('Amounts in EUR at reference rates (1 EUR = 1.08 USD)').waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });
});
