// Dashboard variables of the Encore data source in Chromium: the values a variable's preview
// lists, from the catalogue and from the real backend's label-values resource; and variables in
// a panel's queries (applyTemplateVariables): a multi-value selection in a regex filter, and a
// value that tries to break out of a PromQL string.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { KPIS } from '../../src/common/kpis/catalogue';
import type { EncoreDataQuery } from '../../src/datasource/types';
import { bundleHarness } from './support/bundle';
import { startKpiPrometheus, type KpiPrometheus } from './support/kpi-dataset';
import { DEMO_DATASOURCE, startBrowserSession, type BrowserSession } from './support/session';

const now = Date.now();
const range = { from: now - 3_600_000, to: now };

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

/** The rebuffering ratio tile's value, once the panel has its data. */
async function tileText(page: Page): Promise<string> {
  const value = page.getByTestId('encore-tile-value-rebuffering_ratio');
  await value.waitFor();
  return (await value.textContent()) ?? '';
}

function sentQueries(): Array<Record<string, unknown>> {
  return session.api.requests.filter((r) => r.path.startsWith('/api/ds/query')).flatMap((r) => (r.body as { queries: Array<Record<string, unknown>> }).queries);
}

async function preview(query: string): Promise<{ values: string[]; texts: string[]; error?: string }> {
  const { page, errors } = await session.open({ view: { kind: 'variable-query', query, range } });
  await page.waitForFunction(() => document.querySelector('[aria-label="Preview of values"]') !== null || document.body.innerText.includes('Variable query failed'));
  const items = page.getByTestId('variable-value');
  const values = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-value') ?? ''));
  const texts = await items.allTextContents();
  const alert = page.getByText('Variable query failed');
  const error = (await alert.count()) > 0 ? await page.locator('main').innerText() : undefined;
  assert.deepEqual(errors, []);
  await page.close();
  return { values, texts, error };
}

describe('template variables (browser)', () => {
  it('kpis(revenue) lists the revenue KPIs of the catalogue', async () => {
    const { values, texts } = await preview('kpis(revenue)');
    assert.deepEqual(values, KPIS.filter((k) => k.group === 'revenue').map((k) => k.id));
    assert.ok(texts.includes('Subscription revenue'));
  });

  it('label_values(rebuffering_ratio, market) lists the markets the backend knows', async () => {
    const { values } = await preview('label_values(rebuffering_ratio, market)');
    assert.ok(values.includes('BR') && values.includes('US'), values.join(','));
    assert.ok(session.api.requests.some((r) => r.path.includes('/resources/labels/market/values')));
  });

  it('a malformed variable query says what was expected', async () => {
    const { error } = await preview('markets');
    assert.match(error ?? '', /expected kpis\(\), kpis\(<group>\), label_values/);
  });

  it('variables in panel queries: a multi-value selection narrows a regex filter; a value cannot break out of its PromQL string', async () => {
    const targets = [{ refId: 'M', queryType: 'kpi', kpi: 'rebuffering_ratio', groupBy: ['market'], filters: [{ label: 'market', op: '=~', value: '$market' }] }] as EncoreDataQuery[];
    const { page, errors } = await session.open({ view: { kind: 'panel', panel: 'audio-quality', targets, range }, variables: { market: ['BR', 'US'] } });
    await page.getByTestId('encore-breakdown').waitFor();
    const rows = await page.getByTestId('encore-breakdown').locator('tbody tr th, tbody tr td:first-child').allTextContents();
    assert.deepEqual(rows.sort(), ['BR', 'US']);
    const sent = sentQueries().at(-1) as { filters?: unknown } | undefined;
    assert.deepEqual(sent?.filters, [{ label: 'market', op: '=~', value: '(BR|US)' }]);

    // A value that would close the string and add `or vector(1)`. Written as it is, the query reads
    // vector(1) from the real Prometheus: the tile shows 100 %. Through the variable it stays inside
    // the string and matches no series: the panel says it has no data, and shows no tile at all.
    const evil = '"} or vector(1) #';
    const breakout = (expr: string) => [{ refId: 'X', queryType: 'promql', expr, legendFormat: 'Rebuffering ratio' }] as EncoreDataQuery[];
    const onStore = (targets: EncoreDataQuery[], variables: Record<string, string[]> = {}) => ({ view: { kind: 'panel' as const, panel: 'audio-quality', targets, range, datasourceUid: store.datasource.uid }, variables });
    await session.render(page, onStore(breakout(`encore_active_users{market="${evil}"}`)));
    assert.match(await tileText(page), /^100(\.0+)?%$/, 'the breakout, typed into the query, does read vector(1)');
    await session.render(page, onStore(breakout('encore_active_users{market="$market"}'), { market: [evil] }));
    await page.getByTestId('encore-panel-message').waitFor();
    assert.equal(await page.getByTestId('encore-tile-value-rebuffering_ratio').count(), 0, 'no tile: no series matched');
    assert.equal(sentQueries().at(-1)?.expr, 'encore_active_users{market="\\"} or vector(1) #"}');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
