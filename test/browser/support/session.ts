/**
 * One browser-test session: the real backend executable (launched as Grafana does), the Grafana
 * API emulation in front of it, the harness bundle, and Debian's Chromium driven by
 * playwright-core. Screenshots go to test-artifacts/browser/.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { launchPlugin, type PluginHost } from '../../harness/grafana-host';
import type { DataSourceInput } from '../../harness/plugin-context';
import type { RenderSpec } from '../harness/page';
import { bundleHarness } from './bundle';
import { startGrafanaApi, type GrafanaApi } from './grafana-api';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');

/** The flags this machine's Chromium needs (no sandbox, no GPU, no calls home). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type Theme = 'dark' | 'light';

export interface BrowserSession {
  api: GrafanaApi;
  host: PluginHost;
  browser: Browser;
  /** a fresh page with the spec rendered; page errors fail the test that reads `errors` */
  open(spec: RenderSpec, theme?: Theme): Promise<{ page: Page; errors: string[] }>;
  /** another spec in a page already open (same theme): cheaper than a new page */
  render(page: Page, spec: RenderSpec): Promise<void>;
  /** the whole page, or only what `selector` matches (a panel, say) */
  screenshot(page: Page, name: string, selector?: string): Promise<string>;
  close(): Promise<void>;
}

export const DEMO_DATASOURCE = { uid: 'encore-demo', name: 'Encore demo', url: '', jsonData: { sourceKind: 'demo' } } as const;

export async function startBrowserSession(datasources: Array<DataSourceInput & { uid: string; name: string }> = [{ ...DEMO_DATASOURCE }]): Promise<BrowserSession> {
  const [staticDir, host, browser] = await Promise.all([
    bundleHarness(),
    launchPlugin(),
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
  ]);
  const api = await startGrafanaApi({ host, datasources, staticDir });
  await mkdir(ARTIFACTS, { recursive: true });
  const render = async (page: Page, spec: RenderSpec) => {
    await page.evaluate((s) => window.encoreHarness.render(s), spec);
  };
  return {
    api,
    host,
    browser,
    async open(spec, theme = 'dark') {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: theme });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        // Failed loads are reported below with their URL, which says more.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
      });
      page.on('response', (response) => {
        // Grafana serves its fonts and icons under /public; the harness does not, and the page
        // falls back to system fonts. Anything else that fails is an error of the code under test
        // unless the test asked for it (API answers are checked by the tests themselves).
        const path = new URL(response.url()).pathname;
        if (response.status() >= 400 && !path.startsWith('/public/') && !path.startsWith('/api/')) errors.push(`${response.status()} ${path}`);
      });
      await page.goto(`${api.url}/?theme=${theme}`);
      await page.waitForFunction(() => window.encoreHarness?.ready === true);
      await render(page, spec);
      return { page, errors };
    },
    render,
    async screenshot(page, name, selector) {
      const path = join(ARTIFACTS, `${name}.png`);
      if (selector) await page.locator(selector).first().screenshot({ path });
      else await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await api.close().catch(() => undefined);
      await host.dispose().catch(() => undefined);
    },
  };
}
