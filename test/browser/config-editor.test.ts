// The config editor in Chromium, with Grafana's "Save & test": settings saved through the API,
// then the real backend's health check against the demo source and a real Prometheus that
// requires basic auth.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { FIXTURE_PASSWORD, FIXTURE_USER, startPrometheus, type PrometheusFixture } from '../support/prometheus';
import { DEMO_DATASOURCE, startBrowserSession, type BrowserSession } from './support/session';

let session: BrowserSession;
let prom: PrometheusFixture;
before(async () => {
  [session, prom] = await Promise.all([
    startBrowserSession([{ ...DEMO_DATASOURCE }, { uid: 'encore-new', name: 'Encore (new)', url: '', jsonData: {} }]),
    startPrometheus({ data: false, basicAuth: true }),
  ]);
});
after(async () => {
  await Promise.all([session?.close(), prom?.stop()]);
});

async function configEditor(datasourceUid: string) {
  const opened = await session.open({ view: { kind: 'config-editor', datasourceUid } });
  await opened.page.getByRole('button', { name: 'Save & test' }).waitFor();
  return opened;
}

/** Clicks Save & test and waits for a new health result: its status (OK/ERROR) and text. */
async function saveAndTest(page: Page): Promise<{ status: string; text: string }> {
  const saves = session.api.requests.filter((r) => r.method === 'PUT').length;
  await page.getByRole('button', { name: 'Save & test' }).click();
  await page.waitForFunction(() => document.querySelector('[aria-label="Health check result"]') !== null && !document.body.innerText.includes('Testing...'));
  await page.getByRole('button', { name: 'Save & test' }).waitFor();
  assert.equal(session.api.requests.filter((r) => r.method === 'PUT').length, saves + 1, 'one save');
  const result = page.getByRole('region', { name: 'Health check result' });
  return { status: (await result.getAttribute('data-status')) ?? '', text: (await result.innerText()) ?? '' };
}

/** Picks an option of a radio button group (its visually hidden input, as a click on the label does). */
async function choose(page: Page, group: string, option: string): Promise<void> {
  await page.getByRole('radiogroup', { name: group }).getByRole('radio', { name: option, exact: true }).check({ force: true });
}

function lastSaved(uid: string): { url?: string; basicAuth?: boolean; basicAuthUser?: string; jsonData?: Record<string, unknown>; secureJsonData?: Record<string, string> } {
  const put = session.api.requests.filter((r) => r.method === 'PUT' && r.path === `/api/datasources/uid/${uid}`).at(-1);
  assert.ok(put, `no save of ${uid}`);
  return put.body as never;
}

describe('config editor (browser)', () => {
  it('tests the demo source: the backend says it serves synthetic metrics', async () => {
    const { page, errors } = await configEditor(DEMO_DATASOURCE.uid);
    const { status, text } = await saveAndTest(page);
    assert.equal(status, 'OK');
    assert.match(text, /Demo source: synthetic streaming metrics/);
    await session.screenshot(page, 'config-editor-demo-dark');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('points a new data source at Prometheus: a wrong password fails the test, the right one passes', async () => {
    const { page, errors } = await configEditor('encore-new');
    await choose(page, 'Source', 'Prometheus');
    await page.getByRole('textbox', { name: 'URL' }).fill(prom.url);
    await choose(page, 'Authentication method', 'Basic');
    await page.getByRole('textbox', { name: 'Basic auth user' }).fill(FIXTURE_USER);
    await page.getByLabel('Basic auth password').fill('not-the-password');
    const failed = await saveAndTest(page);
    assert.equal(failed.status, 'ERROR', failed.text);
    assert.match(failed.text, /401|unauthori[sz]ed|credentials|password/i, failed.text);
    await session.screenshot(page, 'config-editor-prometheus-failed-dark');
    // The password went to secureJsonData only, never to jsonData.
    const first = lastSaved('encore-new');
    assert.equal(first.url, prom.url);
    assert.equal(first.jsonData?.sourceKind, 'prometheus');
    assert.equal(first.secureJsonData?.basicAuthPassword, 'not-the-password');
    assert.ok(!JSON.stringify(first.jsonData).includes('not-the-password'));

    // Once saved the password is only "configured": reset it and type the right one.
    await page.getByRole('button', { name: /reset/i }).first().click();
    await page.getByLabel('Basic auth password').fill(FIXTURE_PASSWORD);
    const passed = await saveAndTest(page);
    assert.equal(passed.status, 'OK', passed.text);
    assert.match(passed.text, /Prometheus/i, passed.text);
    assert.equal(lastSaved('encore-new').secureJsonData?.basicAuthPassword, FIXTURE_PASSWORD);
    await session.screenshot(page, 'config-editor-prometheus-ok-dark');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('Limits: flags a bad value under its field before saving, saves good ones into jsonData, and the backend enforces them', async () => {
    const { page, errors } = await configEditor(DEMO_DATASOURCE.uid);
    const limits = page.getByRole('group', { name: 'Limits' }).or(page.locator('fieldset', { hasText: 'Limits' })).first();
    await limits.getByRole('spinbutton', { name: 'Max series' }).fill('0');
    await page.getByText('maxSeries: expected a whole number from 1 to 1000000').first().waitFor();
    await limits.getByRole('spinbutton', { name: 'Max series' }).fill('250');
    await limits.getByRole('textbox', { name: 'Max time range' }).fill('forever');
    await page.getByText('maxQueryRange: expected a duration such as 30d or 1y').first().waitFor();
    await limits.getByRole('textbox', { name: 'Max time range' }).fill('30d');
    await limits.getByRole('spinbutton', { name: 'Per user' }).fill('5');
    assert.equal(await page.getByText(/maxSeries:|maxQueryRange:/).count(), 0, 'no problem left');
    await session.screenshot(page, 'config-editor-limits-dark', 'fieldset:has-text("Limits")');
    const { status, text } = await saveAndTest(page);
    assert.equal(status, 'OK', text);
    const saved = lastSaved(DEMO_DATASOURCE.uid).jsonData ?? {};
    assert.deepEqual({ maxSeries: saved.maxSeries, maxQueryRange: saved.maxQueryRange, rateLimitUserQps: saved.rateLimitUserQps }, { maxSeries: 250, maxQueryRange: '30d', rateLimitUserQps: 5 });
    // The upstream-only settings appear for Prometheus only.
    assert.equal(await limits.getByRole('spinbutton', { name: 'Retries' }).count(), 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('says which field is wrong before saving: a URL without a scheme', async () => {
    const { page, errors } = await configEditor('encore-new');
    await choose(page, 'Source', 'Prometheus');
    await page.getByRole('textbox', { name: 'URL' }).fill('prometheus:9090/');
    await page.getByText(/url.*expected|expected.*http/i).first().waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });
});
