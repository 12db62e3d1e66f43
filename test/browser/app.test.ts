// The app's overview page in Chromium: every Encore data source with the real backend's health
// check and a data-quality query, and the getting-started steps; also the page of a fresh
// install that has no Encore data source yet.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_DATASOURCE, startBrowserSession, type BrowserSession } from './support/session';

// A Prometheus URL nothing listens on: port 9 (discard) on loopback refuses connections.
const UNREACHABLE = { uid: 'encore-down', name: 'Encore (unreachable)', url: 'http://127.0.0.1:9', jsonData: { sourceKind: 'prometheus', timeoutSeconds: 2 } };

describe('app overview page (browser)', () => {
  let session: BrowserSession;
  before(async () => {
    session = await startBrowserSession([{ ...DEMO_DATASOURCE }, UNREACHABLE]);
  });
  after(async () => {
    await session?.close();
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`shows each data source's health and the demo's data-quality score (${theme})`, async () => {
      const { page, errors } = await session.open({ view: { kind: 'page', page: 'overview' } }, theme);
      const demo = page.getByRole('article', { name: DEMO_DATASOURCE.name });
      const down = page.getByRole('article', { name: UNREACHABLE.name });
      await demo.getByText(/Demo source: synthetic streaming metrics/).waitFor();
      // The unreachable Prometheus: the backend's message names the URL and what failed.
      await down.getByText(/127\.0\.0\.1:9/).first().waitFor();
      assert.match((await down.innerText()) ?? '', /refused|unreachable|could not|failed|error/i);
      // The demo's quality query answered with a score out of 100.
      const score = demo.getByRole('group', { name: /Quality score of .*: \d+ of 100/ });
      await score.waitFor();
      // The getting-started steps lead to the dashboards and to a first alert rule.
      await page.getByText('Getting started').first().waitFor();
      for (const href of ['/dashboards', '/alerting']) assert.ok((await page.locator(`a[href*="${href}"]`).count()) >= 1, `a link to ${href}`);
      assert.ok(session.api.requests.some((r) => r.path === `/api/datasources/uid/${DEMO_DATASOURCE.uid}/health`));
      const quality = session.api.requests.filter((r) => r.path.startsWith('/api/ds/query')).flatMap((r) => (r.body as { queries: Array<{ queryType?: string }> }).queries);
      assert.ok(quality.some((q) => q.queryType === 'quality'), 'a quality query was sent');
      await session.screenshot(page, `app-overview-${theme}`);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
});

describe('app overview page without a data source (browser)', () => {
  let session: BrowserSession;
  before(async () => {
    session = await startBrowserSession([]);
  });
  after(async () => {
    await session?.close();
  });

  it('invites the user to add an Encore data source', async () => {
    const { page, errors } = await session.open({ view: { kind: 'page', page: 'overview' } });
    await page.getByText(/No Encore data source yet/).first().waitFor();
    const add = page.getByRole('link', { name: /add/i }).first();
    assert.match((await add.getAttribute('href')) ?? '', /connections\/datasources\/new/);
    await session.screenshot(page, 'app-overview-empty-dark');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
