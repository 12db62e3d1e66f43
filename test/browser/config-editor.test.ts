// The config editor in Chromium, with Grafana's "Save & test": settings saved through the API,
// then the real backend's health check against the demo source and real Prometheus servers: one
// that requires basic auth, one that serves TLS only and requires a client certificate, and one
// behind an auth proxy (a real HTTP server in front of it, as a Mimir gateway would be) that wants
// a bearer token and a tenant header, and records what the backend sent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { json, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { FIXTURE_PASSWORD, FIXTURE_TLS_SERVER_NAME, FIXTURE_USER, startPrometheus, type PrometheusFixture } from '../support/prometheus';
import { DEMO_DATASOURCE, startBrowserSession, type BrowserSession, type Theme } from './support/session';

const TOKEN = 'browser-test-bearer-token';
const TENANT = 'encore-tenant-7';

let session: BrowserSession;
let prom: PrometheusFixture;
let tlsProm: PrometheusFixture;
let plainProm: PrometheusFixture;
let gateway: FakeUpstream;
before(async () => {
  const fresh = (uid: string, name: string) => ({ uid, name, url: '', jsonData: {} });
  [session, prom, tlsProm, plainProm] = await Promise.all([
    startBrowserSession([{ ...DEMO_DATASOURCE }, fresh('encore-new', 'Encore (new)'), fresh('encore-bearer', 'Encore (tenant)'), fresh('encore-tls', 'Encore (TLS)')]),
    startPrometheus({ data: false, basicAuth: true }),
    startPrometheus({ data: false, tls: { clientCert: true } }),
    startPrometheus({ data: false }),
  ]);
  gateway = await startFakeUpstream({ forwardTo: plainProm.url });
  gateway.script = (request) =>
    request.headers.authorization === `Bearer ${TOKEN}` && request.headers['x-scope-orgid'] === TENANT
      ? { kind: 'forward' }
      : json(401, { status: 'error', errorType: 'unauthorized', error: 'gateway: a bearer token and an X-Scope-OrgID tenant are required' });
});
after(async () => {
  await Promise.all([session?.close(), prom?.stop(), tlsProm?.stop(), plainProm?.stop(), gateway?.close()]);
});

async function configEditor(datasourceUid: string, theme: Theme = 'dark') {
  const opened = await session.open({ view: { kind: 'config-editor', datasourceUid } }, theme);
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

  it('bearer token, a tenant header and a timeout: the secrets go to secureJsonData, the backend sends them, the gateway lets it in', async () => {
    const { page, errors } = await configEditor('encore-bearer');
    await choose(page, 'Source', 'Prometheus');
    await page.getByRole('textbox', { name: 'URL' }).fill(gateway.url);
    await page.getByRole('spinbutton', { name: 'Timeout in seconds' }).fill('5');
    await choose(page, 'Authentication method', 'Bearer token');
    await page.getByRole('textbox', { name: 'Bearer token' }).fill(TOKEN);
    // Without the tenant the gateway refuses, and Save & test says so.
    const refused = await saveAndTest(page);
    assert.equal(refused.status, 'ERROR', refused.text);
    assert.match(refused.text, /401|unauthori[sz]ed/i, refused.text);
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByRole('textbox', { name: 'Header 1 name' }).fill('X-Scope-OrgID');
    await page.getByLabel('Header 1 value').fill(TENANT);
    const passed = await saveAndTest(page);
    assert.equal(passed.status, 'OK', passed.text);
    await session.screenshot(page, 'config-editor-bearer-headers-dark');

    const saved = lastSaved('encore-bearer');
    assert.deepEqual(
      { url: saved.url, authType: saved.jsonData?.authType, header: saved.jsonData?.httpHeaderName1, timeout: saved.jsonData?.timeoutSeconds, basicAuth: saved.basicAuth },
      { url: gateway.url, authType: 'bearer', header: 'X-Scope-OrgID', timeout: 5, basicAuth: false },
    );
    // The token went with the first save; the second sends only the new secret and Grafana keeps the stored one.
    const saves = session.api.requests.filter((r) => r.method === 'PUT' && r.path === '/api/datasources/uid/encore-bearer').map((r) => r.body as typeof saved);
    assert.deepEqual(saves.map((b) => b.secureJsonData), [{ bearerToken: TOKEN }, { httpHeaderValue1: TENANT }]);
    assert.ok(saves.every((b) => !JSON.stringify(b.jsonData).includes(TOKEN) && !JSON.stringify(b.jsonData).includes(TENANT)), 'no secret in jsonData');
    // What reached the gateway: the stored token and the new header, from the backend.
    const last = gateway.requests.at(-1)!;
    assert.deepEqual({ auth: last.headers.authorization, tenant: last.headers['x-scope-orgid'] }, { auth: `Bearer ${TOKEN}`, tenant: TENANT });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('TLS (light theme): a private CA, a client certificate and a server name reach the backend, which then passes the TLS-only Prometheus', async () => {
    const certs = tlsProm.tls!;
    const { page, errors } = await configEditor('encore-tls', 'light');
    await choose(page, 'Source', 'Prometheus');
    await page.getByRole('textbox', { name: 'URL' }).fill(tlsProm.url);
    // Its certificate is signed by a CA nobody trusts yet.
    const untrusted = await saveAndTest(page);
    assert.equal(untrusted.status, 'ERROR', untrusted.text);
    assert.match(untrusted.text, /certificate|TLS|self.signed|verify/i, untrusted.text);
    assert.equal(await page.getByLabel('CA certificate (PEM)').count(), 0, 'no certificate fields before the switch');
    await page.getByRole('switch', { name: 'Use a CA certificate' }).check({ force: true });
    await page.getByLabel('CA certificate (PEM)').fill(certs.caCert);
    await page.getByRole('switch', { name: 'Use a client certificate' }).check({ force: true });
    await page.getByLabel('Client certificate (PEM)').fill(certs.clientCert);
    await page.getByLabel('Client key (PEM)').fill(certs.clientKey);
    // The URL says 127.0.0.1; verify the certificate against the name only it carries.
    await page.getByRole('textbox', { name: 'TLS server name' }).fill(FIXTURE_TLS_SERVER_NAME);
    const passed = await saveAndTest(page);
    assert.equal(passed.status, 'OK', passed.text);
    await session.screenshot(page, 'config-editor-tls-light', 'fieldset:has-text("Skip certificate verification")');

    const saved = lastSaved('encore-tls');
    assert.deepEqual(
      { ca: saved.jsonData?.tlsAuthWithCACert, client: saved.jsonData?.tlsAuth, name: saved.jsonData?.serverName, skip: saved.jsonData?.tlsSkipVerify },
      { ca: true, client: true, name: FIXTURE_TLS_SERVER_NAME, skip: undefined },
    );
    assert.deepEqual(
      { ca: saved.secureJsonData?.tlsCACert, cert: saved.secureJsonData?.tlsClientCert, key: saved.secureJsonData?.tlsClientKey },
      { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey },
    );
    assert.ok(!JSON.stringify(saved.jsonData).includes('BEGIN'), 'no PEM in jsonData');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
