// The three panels in Chromium, fed by queries through the data source to the real backend's
// demo source, in both themes: what a user reads on them and what they do when clicked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { EncoreDataQuery } from '../../src/datasource/types';
import { startBrowserSession, type BrowserSession, type Theme } from './support/session';

const HOUR = 3_600_000;
const now = Math.floor(Date.now() / 60_000) * 60_000;
const range = { from: now - 12 * HOUR, to: now };
/** The panel's frame in the harness: screenshots show the panel as a dashboard would. */
const PANEL = '[data-testid="panel-frame"]';

let session: BrowserSession;
before(async () => {
  session = await startBrowserSession();
});
after(async () => {
  await session?.close();
});

const anomalies = (kpis: string[]) => kpis.map((kpi, i) => ({ refId: `A${i}`, queryType: 'anomaly', kpi }) as EncoreDataQuery);
const byMarket = (kpi: string) => ({ refId: 'M', queryType: 'kpi', kpi, groupBy: ['market'] }) as EncoreDataQuery;

async function panel(name: string, targets: EncoreDataQuery[], theme: Theme = 'dark', options: Record<string, unknown> = {}) {
  const opened = await session.open({ view: { kind: 'panel', panel: name, targets, range, options } }, theme);
  await opened.page.locator('[data-testid^="encore-"]').first().waitFor();
  return opened;
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

describe('behaviour panel (browser)', () => {
  it('shows skip, completion and recommendation share, and hints at the KPIs without a query (dark and light)', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const { page, errors } = await panel('behaviour', [...anomalies(['skip_rate', 'completion_rate', 'recommendation_stream_share']), byMarket('skip_rate')], theme);
      for (const kpi of ['skip_rate', 'completion_rate', 'recommendation_stream_share']) assert.match(await tile(page, kpi), /^\d+(\.\d+)?%$/, kpi);
      const markets = await breakdownRows(page);
      assert.ok(markets.length >= 5, markets.join(','));
      await page.getByText(/No data for .*add Encore KPI queries for/).first().waitFor();
      await session.screenshot(page, `panel-behaviour-${theme}`, PANEL);
      assert.deepEqual(errors, []);
      await page.close();
    }
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

  it('converts to the currency chosen in the options, and says at which rate', async () => {
    const { page, errors } = await panel('revenue', targets, 'dark', { currency: 'EUR' });
    assert.match(await tile(page, 'subscription_revenue'), /€/);
    await page.getByText(/rate|EUR/i).first().waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });
});
