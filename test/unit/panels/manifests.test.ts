// The panels' plugin.json files, their place in the app's includes, and the build's manifest check.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkManifests, discoverPlugins, readManifest, type LoadedPlugin } from '../../../scripts/build/plugins.mjs';
import * as ids from '../../../src/common/plugin-ids';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PANELS = [
  { folder: 'audio-quality', id: ids.AUDIO_QUALITY_PANEL_ID },
  { folder: 'behaviour', id: ids.BEHAVIOUR_PANEL_ID },
  { folder: 'revenue', id: ids.REVENUE_PANEL_ID },
];
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('panel plugin.json files', () => {
  const app = readJson(join(ROOT, 'src', 'plugin.json'));
  for (const { folder, id } of PANELS) {
    it(`${folder}: a panel with the id from plugin-ids.ts, the app's Grafana range, a logo and docs`, () => {
      const dir = join(ROOT, 'src', 'panels', folder);
      const manifest = readJson(join(dir, 'plugin.json'));
      assert.equal(manifest.type, 'panel');
      assert.equal(manifest.id, id);
      assert.match(manifest.id, /^[0-9a-z]+-([0-9a-z]+-)?panel$/);
      assert.equal(manifest.info.author.name, 'Encore');
      assert.equal(manifest.info.version, '%VERSION%');
      assert.equal(manifest.info.updated, '%TODAY%');
      // Screenshots from the browser tests, in both themes, shipped with the panel.
      assert.deepEqual(manifest.info.screenshots.map((shot: { path: string }) => shot.path), ['img/screenshot-dark.png', 'img/screenshot-light.png']);
      for (const shot of manifest.info.screenshots as Array<{ path: string }>) assert.ok(existsSync(join(dir, shot.path)), `${shot.path} exists`);
      assert.ok(manifest.info.keywords.length > 0);
      assert.equal(manifest.dependencies.grafanaDependency, app.dependencies.grafanaDependency);
      assert.ok(existsSync(join(dir, manifest.info.logos.small)), 'logo exists');
      assert.match(readFileSync(join(dir, 'img', 'logo.svg'), 'utf8'), /^<svg [^>]*viewBox="0 0 64 64"/);
      assert.ok(existsSync(join(dir, 'module.tsx')));
      assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /## Queries it expects/);
      assert.ok(
        app.includes.some((inc: { type: string; id?: string }) => inc.type === 'panel' && inc.id === id),
        'the app includes it',
      );
    });
  }

  it('plugin-ids.ts lists the three panels', () => {
    assert.deepEqual([...ids.PANEL_PLUGIN_IDS], PANELS.map((p) => p.id));
  });
});

describe('checkManifests', () => {
  async function load(): Promise<LoadedPlugin[]> {
    const plugins = await discoverPlugins(ROOT, join(ROOT, 'dist'));
    return Promise.all(plugins.map(async (plugin) => ({ plugin, manifest: await readManifest(plugin.manifest, { version: '1.2.3', today: '2026-11-24' }) })));
  }

  it('accepts the repository’s manifests and returns the panels', async () => {
    const { panels } = checkManifests(await load(), ids);
    assert.deepEqual(
      panels.map((p) => p.rel),
      ['panels/audio-quality', 'panels/behaviour', 'panels/revenue'],
    );
  });

  it('refuses an unknown panel id, a missing panel and a different Grafana range', async () => {
    const loaded = (await load()).map((l) => ({ ...l, manifest: structuredClone(l.manifest) }));
    const revenue = loaded.find((l) => l.plugin.rel === 'panels/revenue')!;
    revenue.manifest.id = 'encore-money-panel';
    revenue.manifest.dependencies.grafanaDependency = '>=10.0.0';
    assert.throws(
      () => checkManifests(loaded, ids),
      (error: Error) =>
        error.message.includes('src/panels/revenue/plugin.json: id "encore-money-panel" is not one of PANEL_PLUGIN_IDS') &&
        error.message.includes('no nested plugin.json of type "panel" with id encore-revenue-panel') &&
        error.message.includes(`dependencies.grafanaDependency must be the app's ">=12.3.0", got ">=10.0.0"`) &&
        error.message.includes('includes has no {type: "panel", id: "encore-money-panel"}'),
    );
  });
});
