// The plugins in this repository: every folder under src/ holding a plugin.json. The app sits at
// src/ itself; nested plugins (the data source, later the panels) keep their folder in dist/,
// which is how Grafana finds plugins nested in an app.
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/**
 * @typedef {{ dir: string, rel: string, manifest: string, entry: string, distDir: string }} PluginSource
 */

/** @returns {Promise<PluginSource[]>} the app first, then nested plugins by path */
export async function discoverPlugins(root, dist) {
  const src = join(root, 'src');
  const found = [];
  async function walk(dir) {
    const entries = await readdir(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === 'plugin.json')) found.push(dir);
    for (const e of entries) {
      // backend/ and common/ are not plugins; node_modules never lives under src.
      if (e.isDirectory() && !(dir === src && (e.name === 'backend' || e.name === 'common'))) await walk(join(dir, e.name));
    }
  }
  await walk(src);
  return found.sort((a, b) => (a === src ? -1 : b === src ? 1 : a.localeCompare(b))).map((dir) => {
    const rel = relative(src, dir);
    const entry = ['module.tsx', 'module.ts'].map((name) => join(dir, name)).find((path) => existsSync(path));
    if (!entry) throw new Error(`${relative(root, dir)}/plugin.json has no module.ts or module.tsx beside it`);
    return { dir, rel, manifest: join(dir, 'plugin.json'), entry, distDir: join(dist, rel) };
  });
}

/**
 * Reads a plugin.json, filling the placeholders create-plugin projects use (%VERSION%, %TODAY%),
 * and checks it is JSON afterwards.
 */
export async function readManifest(path, { version, today }) {
  const text = (await readFile(path, 'utf8')).replaceAll('%VERSION%', version).replaceAll('%TODAY%', today);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON after filling placeholders: ${error.message}`, { cause: error });
  }
}

/** Writes the filled manifest and copies the plugin's img/ folder (and a nested plugin's README) into its dist folder. */
export async function writePluginAssets(plugin, manifest) {
  await mkdir(plugin.distDir, { recursive: true });
  await writeFile(join(plugin.distDir, 'plugin.json'), JSON.stringify(manifest, null, 2) + '\n');
  const img = join(plugin.dir, 'img');
  if (existsSync(img)) await cp(img, join(plugin.distDir, 'img'), { recursive: true });
  // A nested plugin's own README is what Grafana shows on its page (the app's is the repository's).
  const readme = join(plugin.dir, 'README.md');
  if (plugin.rel !== '' && existsSync(readme)) await cp(readme, join(plugin.distDir, 'README.md'));
}

/** Repository documents shipped with the app (Grafana's catalog shows README and CHANGELOG). */
export async function copyDocuments(root, dist, names) {
  const copied = [];
  for (const name of names) {
    const from = join(root, name);
    if (!existsSync(from)) throw new Error(`${name} is missing: the plugin package ships it`);
    await mkdir(dirname(join(dist, name)), { recursive: true });
    await cp(from, join(dist, name));
    copied.push(join(dist, name));
  }
  return copied;
}

/**
 * The manifests must agree with src/common/plugin-ids.ts, and the app must list every nested
 * plugin in `includes` (Grafana shows and enables nested plugins through them).
 * @param {Array<{ plugin: PluginSource, manifest: any }>} loaded app first
 */
export function checkManifests(loaded, ids) {
  const problems = [];
  const [app, ...nested] = loaded;
  if (!app || app.plugin.rel !== '') problems.push('src/plugin.json (the app) is missing');
  else {
    if (app.manifest.type !== 'app') problems.push(`src/plugin.json: type must be "app", got ${app.manifest.type}`);
    if (app.manifest.id !== ids.APP_PLUGIN_ID) problems.push(`src/plugin.json: id must be ${ids.APP_PLUGIN_ID}`);
    const included = new Set((app.manifest.includes ?? []).map((inc) => `${inc.type}:${inc.id ?? ''}`));
    for (const { plugin, manifest } of nested) {
      if (!included.has(`${manifest.type}:${manifest.id}`)) {
        problems.push(`src/plugin.json: includes has no {type: "${manifest.type}", id: "${manifest.id}"} for src/${plugin.rel}`);
      }
    }
  }
  const datasource = nested.find(({ manifest }) => manifest.type === 'datasource');
  if (!datasource) problems.push('no nested plugin.json of type "datasource"');
  else {
    const { manifest, plugin } = datasource;
    const where = `src/${plugin.rel}/plugin.json`;
    if (manifest.id !== ids.DATASOURCE_PLUGIN_ID) problems.push(`${where}: id must be ${ids.DATASOURCE_PLUGIN_ID}`);
    if (manifest.backend !== true) problems.push(`${where}: backend must be true`);
    if (manifest.executable !== ids.BACKEND_EXECUTABLE) problems.push(`${where}: executable must be ${ids.BACKEND_EXECUTABLE}`);
  }
  problems.push(...panelProblems(nested, ids));
  // Nested plugins load into the same Grafana as the app: one supported range for all of them.
  const range = app?.manifest.dependencies?.grafanaDependency;
  for (const { plugin, manifest } of nested) {
    const own = manifest.dependencies?.grafanaDependency;
    if (range !== undefined && own !== range) problems.push(`src/${plugin.rel}/plugin.json: dependencies.grafanaDependency must be the app's "${range}", got ${JSON.stringify(own)}`);
  }
  if (problems.length > 0) throw new Error(`plugin manifests:\n  ${problems.join('\n  ')}`);
  return { datasource: datasource.plugin, panels: nested.filter(({ manifest }) => manifest.type === 'panel').map(({ plugin }) => plugin) };
}

/**
 * Panels: exactly the ids src/common/plugin-ids.ts lists (PANEL_PLUGIN_IDS), once each, each with
 * the fields Grafana's catalog shows (name, description, logos).
 * @param {Array<{ plugin: PluginSource, manifest: any }>} nested
 * @param {{ PANEL_PLUGIN_IDS?: readonly string[] }} ids
 */
function panelProblems(nested, ids) {
  const problems = [];
  const expected = ids.PANEL_PLUGIN_IDS ?? [];
  const panels = nested.filter(({ manifest }) => manifest.type === 'panel');
  const seen = new Map();
  for (const { plugin, manifest } of panels) {
    const where = `src/${plugin.rel}/plugin.json`;
    if (!expected.includes(manifest.id)) problems.push(`${where}: id ${JSON.stringify(manifest.id)} is not one of PANEL_PLUGIN_IDS in src/common/plugin-ids.ts (${expected.join(', ') || 'none'})`);
    if (seen.has(manifest.id)) problems.push(`${where}: id ${manifest.id} is also used by src/${seen.get(manifest.id)}`);
    seen.set(manifest.id, plugin.rel);
    if (typeof manifest.name !== 'string' || manifest.name.trim() === '') problems.push(`${where}: name is missing`);
    if (typeof manifest.info?.description !== 'string' || manifest.info.description.trim() === '') problems.push(`${where}: info.description is missing`);
    if (!manifest.info?.logos?.small || !manifest.info?.logos?.large) problems.push(`${where}: info.logos needs small and large`);
  }
  for (const id of expected) {
    if (!seen.has(id)) problems.push(`no nested plugin.json of type "panel" with id ${id} (listed in src/common/plugin-ids.ts)`);
  }
  return problems;
}

/** The stack's dashboards (provisioning/dashboards/encore/), copied into dist/dashboards/. */
export async function copyDashboards(root, dist) {
  const from = join(root, 'provisioning', 'dashboards', 'encore');
  const names = (await readdir(from)).filter((name) => name.endsWith('.json')).sort();
  await mkdir(join(dist, 'dashboards'), { recursive: true });
  const copied = [];
  for (const name of names) {
    await cp(join(from, name), join(dist, 'dashboards', name));
    copied.push(join(dist, 'dashboards', name));
  }
  return copied;
}
