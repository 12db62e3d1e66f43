// Dashboard variables of the Encore data source in Chromium: the values a variable's preview
// lists, from the catalogue and from the real backend's label-values resource.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KPIS } from '../../src/common/kpis/catalogue';
import { startBrowserSession, type BrowserSession } from './support/session';

const now = Date.now();
const range = { from: now - 3_600_000, to: now };

let session: BrowserSession;
before(async () => {
  session = await startBrowserSession();
});
after(async () => {
  await session?.close();
});

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
});
