// Facts about the project the build needs: paths, package version, plugin ids.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist');
export const CACHE = join(ROOT, '.cache');

export async function readPackageJson() {
  return JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
}

/**
 * The ids and executable prefix, read from src/common/plugin-ids.ts (the one definition the
 * code uses) so that the build cannot drift from it. The file is plain constants: transpile and
 * evaluate it.
 * @returns {Promise<{ APP_PLUGIN_ID: string, DATASOURCE_PLUGIN_ID: string, BACKEND_EXECUTABLE: string, PANEL_PLUGIN_IDS: readonly string[] }>}
 */
export async function readPluginIds() {
  const source = await readFile(join(ROOT, 'src', 'common', 'plugin-ids.ts'), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm' });
  return import(`data:text/javascript,${encodeURIComponent(code)}`);
}
