/**
 * Bundles the harness page (test/browser/harness) with esbuild: React, Grafana's packages and the
 * Encore components in one browser module, like Grafana's own front end has them loaded. Built
 * once per test process into .cache/browser/.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const HARNESS = join(ROOT, 'test', 'browser', 'harness');
export const BUNDLE_DIR = join(ROOT, '.cache', 'browser');

let built: Promise<string> | undefined;

export function bundleHarness(): Promise<string> {
  built ??= (async () => {
    await mkdir(BUNDLE_DIR, { recursive: true });
    await build({
      entryPoints: { page: join(HARNESS, 'page.tsx') },
      outdir: BUNDLE_DIR,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      jsx: 'automatic',
      sourcemap: 'linked',
      tsconfig: join(ROOT, 'tsconfig.json'),
      // Production React and Grafana code paths, as in a real Grafana.
      define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
      loader: { '.svg': 'text', '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.png': 'file' },
      logLevel: 'error',
    });
    await copyFile(join(HARNESS, 'index.html'), join(BUNDLE_DIR, 'index.html'));
    return BUNDLE_DIR;
  })();
  return built;
}
