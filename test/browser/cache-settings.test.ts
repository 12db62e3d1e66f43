// The config editor's Cache section in Chromium: switching to Redis asks for an address and an
// encryption key, each problem shows under its field in the backend's wording, secrets go to
// secureJsonData only, and "Save & test" (the real backend's health check against a real
// redis-server) names Redis. Over TLS: the switch opens the certificate fields, a private CA and a
// client certificate reach secureJsonData only, and Save & test passes against a redis-server that
// listens with TLS and requires a client certificate; a Sentinel master name relabels the address.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startRedis, type RedisFixture } from '../support/redis';
import { startBrowserSession, type BrowserSession } from './support/session';

const UID = 'encore-cache';
let session: BrowserSession;
const TLS_UID = 'encore-cache-tls';
let redis: RedisFixture;
let tlsRedis: RedisFixture;

before(async () => {
  [session, redis, tlsRedis] = await Promise.all([
    startBrowserSession([
      { uid: UID, name: 'Encore (cache)', url: '', jsonData: { sourceKind: 'demo' } },
      { uid: TLS_UID, name: 'Encore (cache over TLS)', url: '', jsonData: { sourceKind: 'demo' } },
    ]),
    startRedis(),
    startRedis({ tls: { clientCert: true } }),
  ]);
});
after(async () => {
  await Promise.all([session?.close(), redis?.stop(), tlsRedis?.stop()]);
});

async function saveAndTest(page: Page): Promise<{ status: string; text: string }> {
  await page.getByRole('button', { name: 'Save & test' }).click();
  await page.waitForFunction(() => document.querySelector('[aria-label="Health check result"]') !== null && !document.body.innerText.includes('Testing...'));
  const result = page.getByRole('region', { name: 'Health check result' });
  return { status: (await result.getAttribute('data-status')) ?? '', text: (await result.innerText()) ?? '' };
}

describe('config editor: Cache (browser)', () => {
  it('switches to Redis, flags what is missing, saves the secrets apart and passes Save & test', async () => {
    const opened = await session.open({ view: { kind: 'config-editor', datasourceUid: UID } });
    const { page, errors } = opened;
    await page.getByRole('button', { name: 'Save & test' }).waitFor();
    const cache = page.locator('fieldset', { hasText: 'Results are kept in step-aligned pieces' }).first();
    await cache.getByRole('radiogroup', { name: 'Cache mode' }).getByRole('radio', { name: 'Redis', exact: true }).check({ force: true });
    await page.getByText('cacheRedisAddress: required when cacheMode is "redis"').first().waitFor();
    await page.getByText('secureJsonData.cacheEncryptionKey: required').first().waitFor();
    await cache.getByRole('textbox', { name: 'Redis address' }).fill('redis:port');
    await page.getByText('cacheRedisAddress: expected host:port').first().waitFor();
    await cache.getByRole('textbox', { name: 'Redis address' }).fill(redis.address);
    await cache.getByLabel('Encryption key').fill('short');
    await page.getByText(/cacheEncryptionKey: too short \(5 characters\)/).first().waitFor();
    await cache.getByLabel('Encryption key').fill('browser-test-cache-key-0123456789');
    await cache.getByRole('textbox', { name: 'Recent TTL' }).fill('1 minute');
    await page.getByText('cacheRecentTtl: expected a duration between 0s and 1h such as 30s').first().waitFor();
    await cache.getByRole('textbox', { name: 'Recent TTL' }).fill('15s');
    assert.equal(await page.getByText(/cacheRedisAddress:|cacheEncryptionKey:|cacheRecentTtl:/).count(), 0, 'no problem left');
    await session.screenshot(page, 'config-editor-cache-redis-dark', 'fieldset:has-text("Results are kept in step-aligned pieces")');

    const { status, text } = await saveAndTest(page);
    assert.equal(status, 'OK', text);
    assert.match(text, /Results cache in Redis at 127\.0\.0\.1:\d+/, text);
    const put = session.api.requests.filter((r) => r.method === 'PUT' && r.path === `/api/datasources/uid/${UID}`).at(-1);
    const saved = put?.body as { jsonData?: Record<string, unknown>; secureJsonData?: Record<string, string> } | undefined;
    assert.deepEqual(
      { mode: saved?.jsonData?.cacheMode, address: saved?.jsonData?.cacheRedisAddress, recent: saved?.jsonData?.cacheRecentTtl },
      { mode: 'redis', address: redis.address, recent: '15s' },
    );
    assert.equal(saved?.secureJsonData?.cacheEncryptionKey, 'browser-test-cache-key-0123456789');
    assert.ok(!JSON.stringify(saved?.jsonData).includes('browser-test-cache-key'), 'the key is not in jsonData');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('over TLS: shows the certificate fields, keeps the PEMs in secureJsonData and passes Save & test against a TLS-only Redis', async () => {
    const { page, errors } = await session.open({ view: { kind: 'config-editor', datasourceUid: TLS_UID } });
    await page.getByRole('button', { name: 'Save & test' }).waitFor();
    const cache = page.locator('fieldset', { hasText: 'Results are kept in step-aligned pieces' }).first();
    await cache.getByRole('radiogroup', { name: 'Cache mode' }).getByRole('radio', { name: 'Redis', exact: true }).check({ force: true });
    assert.equal(await cache.getByLabel('Redis CA certificate (PEM)').count(), 0, 'no certificate fields without TLS');

    // A mixed list is refused in the backend's words, under the address.
    await cache.getByRole('textbox', { name: 'Redis address' }).fill(`rediss://${tlsRedis.tls!.address}, redis://other:6379`);
    await page.getByText('cacheRedisAddress: expected the same scheme for every address').first().waitFor();
    await cache.getByRole('textbox', { name: 'Redis address' }).fill(`rediss://${tlsRedis.tls!.address}`);
    assert.equal(await cache.getByRole('switch', { name: 'Redis TLS' }).isChecked(), true, 'rediss:// shows TLS on');
    await cache.getByRole('switch', { name: 'Redis With CA certificate' }).check({ force: true });
    await cache.getByRole('switch', { name: 'Redis With client certificate' }).check({ force: true });
    const certs = tlsRedis.tls!.certs;
    await cache.getByLabel('Redis CA certificate (PEM)').fill(certs.caCert);
    await cache.getByLabel('Redis client certificate (PEM)').fill(certs.clientCert);
    await cache.getByLabel('Redis client key (PEM)').fill(certs.clientKey);
    await cache.getByRole('textbox', { name: 'Redis TLS server name' }).fill('not a name');
    await page.getByText('cacheRedisTlsServerName: expected a host name such as redis.example.com').first().waitFor();
    await cache.getByRole('textbox', { name: 'Redis TLS server name' }).fill('localhost');
    await cache.getByLabel('Encryption key').fill('browser-test-cache-key-0123456789');
    assert.equal(await page.getByText(/cacheRedis[A-Za-z]*:|cacheEncryptionKey:/).count(), 0, 'no problem left');
    await session.screenshot(page, 'config-editor-cache-redis-tls-dark', 'fieldset:has-text("Results are kept in step-aligned pieces")');

    const { status, text } = await saveAndTest(page);
    assert.equal(status, 'OK', text);
    assert.match(text, /Results cache in Redis at 127\.0\.0\.1:\d+ \(TLS, ping/, text);
    const put = session.api.requests.filter((r) => r.method === 'PUT' && r.path === `/api/datasources/uid/${TLS_UID}`).at(-1);
    const saved = put?.body as { jsonData?: Record<string, unknown>; secureJsonData?: Record<string, string> } | undefined;
    assert.deepEqual(
      {
        address: saved?.jsonData?.cacheRedisAddress,
        ca: saved?.jsonData?.cacheRedisTlsWithCACert,
        auth: saved?.jsonData?.cacheRedisTlsAuth,
        name: saved?.jsonData?.cacheRedisTlsServerName,
        skip: saved?.jsonData?.cacheRedisTlsSkipVerify,
      },
      { address: `rediss://${tlsRedis.tls!.address}`, ca: true, auth: true, name: 'localhost', skip: undefined },
    );
    assert.equal(saved?.secureJsonData?.cacheRedisTlsClientKey, certs.clientKey);
    assert.equal(saved?.secureJsonData?.cacheRedisTlsCACert, certs.caCert);
    assert.ok(!JSON.stringify(saved?.jsonData).includes('PRIVATE KEY'), 'the client key is not in jsonData');

    // Sentinel: the address field becomes the Sentinel list; a cluster cannot have one.
    await cache.getByRole('textbox', { name: 'Sentinel master name' }).fill('mymaster');
    await cache.getByText('Sentinel addresses').first().waitFor();
    await cache.getByLabel('Sentinel password').waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });
});
