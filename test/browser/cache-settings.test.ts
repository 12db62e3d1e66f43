// The config editor's Cache section in Chromium: switching to Redis asks for an address and an
// encryption key, each problem shows under its field in the backend's wording, secrets go to
// secureJsonData only, and "Save & test" (the real backend's health check against a real
// redis-server) names Redis.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startRedis, type RedisFixture } from '../support/redis';
import { startBrowserSession, type BrowserSession } from './support/session';

const UID = 'encore-cache';
let session: BrowserSession;
let redis: RedisFixture;

before(async () => {
  [session, redis] = await Promise.all([startBrowserSession([{ uid: UID, name: 'Encore (cache)', url: '', jsonData: { sourceKind: 'demo' } }]), startRedis()]);
});
after(async () => {
  await Promise.all([session?.close(), redis?.stop()]);
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
});
