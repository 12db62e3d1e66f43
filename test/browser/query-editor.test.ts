// The query editor in Chromium against the real backend's demo source: what a user sees and does.
// Every interaction is checked in the saved query (what the dashboard stores) and in the answer
// the backend gave to the query the editor ran.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { EncoreDataQuery } from '../../src/datasource/types';
import { startBrowserSession, type BrowserSession, type Theme } from './support/session';

const HOUR = 3_600_000;
const now = Math.floor(Date.now() / 60_000) * 60_000;
const range = { from: now - 6 * HOUR, to: now };

let session: BrowserSession;
before(async () => {
  session = await startBrowserSession();
});
after(async () => {
  await session?.close();
});

async function editor(query: Partial<EncoreDataQuery>, theme: Theme = 'dark') {
  const opened = await session.open({ view: { kind: 'query-editor', query: { refId: 'A', ...query } as EncoreDataQuery, range } }, theme);
  await opened.page.getByRole('radiogroup', { name: 'Query type' }).waitFor();
  return opened;
}

async function savedQuery(page: Page): Promise<Record<string, unknown>> {
  return JSON.parse((await page.getByTestId('query-json').textContent()) ?? '{}') as Record<string, unknown>;
}

/** Waits for the editor's n-th query run to be answered, and returns the frames' attributes. */
async function answered(page: Page, runs: number): Promise<Array<{ refId: string; length: number; fields: string[] }>> {
  await page.locator(`[data-testid="query-json"][data-runs="${runs}"]`).waitFor();
  await page.getByRole('region', { name: 'Query result' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="result-frame"]').length > 0);
  return page.getByTestId('result-frame').evaluateAll((items) =>
    items.map((li) => ({ refId: li.getAttribute('data-refid') ?? '', length: Number(li.getAttribute('data-length')), fields: (li.getAttribute('data-fields') ?? '').split(',') })),
  );
}

function queriesSent(): Array<Record<string, unknown>> {
  return session.api.requests.filter((r) => r.path.startsWith('/api/ds/query')).flatMap((r) => (r.body as { queries: Array<Record<string, unknown>> }).queries);
}

describe('query editor (browser)', () => {
  it('shows a saved KPI query, with the KPI, its description and unit, in both themes', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const { page, errors } = await editor({ queryType: 'kpi', kpi: 'rebuffering_ratio', groupBy: ['market'] }, theme);
      const kpi = page.getByRole('combobox', { name: 'KPI', exact: true });
      assert.equal(await kpi.inputValue(), 'Rebuffering ratio');
      await page.getByText('Share of listening time spent stalled').waitFor();
      await page.getByText('market', { exact: true }).first().waitFor();
      await session.screenshot(page, `query-editor-kpi-${theme}`);
      assert.deepEqual(errors, []);
      await page.close();
    }
  });

  it('picks a KPI from the grouped list and runs it: the demo source answers with its series', async () => {
    const { page, errors } = await editor({ queryType: 'kpi', kpi: 'rebuffering_ratio' });
    const kpi = page.getByRole('combobox', { name: 'KPI', exact: true });
    await kpi.click();
    await kpi.fill('startup time p95');
    const option = page.getByRole('option', { name: /Startup time p95/ });
    // Each option says its unit and what it measures.
    assert.match((await option.textContent()) ?? '', /seconds · /);
    await option.click();
    assert.equal((await savedQuery(page)).kpi, 'startup_time_p95');
    const frames = await answered(page, 1);
    assert.ok(frames.length >= 1, 'at least one series');
    assert.ok(frames.every((f) => f.refId === 'A' && f.length > 100 && f.fields.includes('Time') && f.fields.includes('Value')), JSON.stringify(frames));
    assert.equal(queriesSent().at(-1)?.kpi, 'startup_time_p95');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('adds a filter whose values come from the backend, and the answer holds only that market', async () => {
    const { page, errors } = await editor({ queryType: 'kpi', kpi: 'rebuffering_ratio', groupBy: ['market'] });
    await page.getByRole('button', { name: 'Add filter' }).click();
    assert.equal(await page.getByRole('combobox', { name: 'Label of filter 1' }).inputValue(), 'market');
    const value = page.getByRole('combobox', { name: 'Value of filter 1' });
    await value.click();
    await value.fill('B');
    // The demo source's markets, searched on the server by what was typed.
    await page.getByRole('option', { name: 'BR', exact: true }).click();
    const saved = await savedQuery(page);
    assert.deepEqual(saved.filters, [{ label: 'market', op: '=', value: 'BR' }]);
    const lookups = session.api.requests.filter((r) => r.path.includes('/resources/labels/market/values'));
    assert.ok(lookups.length > 0, 'the values were asked of the backend');
    // Searched on the server by what was typed (the demo source is not narrowed by series name).
    assert.match(decodeURIComponent(lookups.at(-1)!.path), /search=B/);
    const frames = await answered(page, 1);
    assert.equal(frames.length, 1, `one series for market BR, got ${JSON.stringify(frames)}`);
    await session.screenshot(page, 'query-editor-filter-dark');
    // Removing the filter runs the query again over every market.
    await page.getByRole('button', { name: 'Remove filter 1' }).click();
    assert.deepEqual((await savedQuery(page)).filters, []);
    const all = await answered(page, 2);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="result-frame"]').length > 1);
    assert.ok((await page.getByTestId('result-frame').count()) > 1, `every market again, got ${all.length} first`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('changes the sensitivity of an anomaly query with the keyboard, and the backend answers with bands and scores', async () => {
    const { page, errors } = await editor({ queryType: 'anomaly', kpi: 'rebuffering_ratio', detect: { sensitivity: 0.5 } } as Partial<EncoreDataQuery>);
    const slider = page.getByRole('slider', { name: 'Sensitivity' });
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => (JSON.parse(document.querySelector('[data-testid="query-json"]')?.textContent ?? '{}') as { detect?: { sensitivity?: number } }).detect?.sensitivity === 0.6);
    // Sent on release: let go of the key, as the slider runs the query after a change completes.
    if ((await page.getByTestId('query-json').getAttribute('data-runs')) === '0') await slider.blur();
    const frames = await answered(page, Number(await page.getByTestId('query-json').getAttribute('data-runs')) || 1);
    const series = frames.filter((f) => f.fields.includes('Score'));
    assert.ok(series.length >= 1, `analysed series with scores, got ${JSON.stringify(frames)}`);
    for (const name of ['Expected', 'Lower', 'Upper', 'Anomaly']) assert.ok(series[0]!.fields.includes(name), `${name} in ${series[0]!.fields.join(',')}`);
    const sent = queriesSent().at(-1) as { detect?: { sensitivity?: number } } | undefined;
    assert.equal(sent?.detect?.sensitivity, 0.6);
    await session.screenshot(page, 'query-editor-anomaly-dark');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('names the field and what was expected when an option is invalid, before anything is sent', async () => {
    const { page, errors } = await editor({ queryType: 'anomaly', kpi: 'rebuffering_ratio' });
    const minDuration = page.getByRole('textbox', { name: 'Min duration' });
    await minDuration.fill('ten minutes');
    await minDuration.blur();
    await page.getByText(/expected a duration/i).first().waitFor();
    await session.screenshot(page, 'query-editor-invalid-light');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
