// The plugin archive: a small fake dist/ in a temp dir is packaged as `npm run package` does it
// (scripts/package/layout.mjs + zip.mjs), read back with the zip library, and checked with the
// plugin validator's rules (scripts/package/check.mjs), including the mistakes they must catch.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkArchive, checkZip, PLUGIN_ID_PATTERN, type Finding } from '../../../scripts/package/check.mjs';
import { archiveEntries } from '../../../scripts/package/layout.mjs';
import { measureDist, replaceSizesSection, SIZES_MARKERS, sizesMarkdown } from '../../../scripts/package/sizes.mjs';
import { readZip, writeZip, type ZipInputEntry } from '../../../scripts/package/zip.mjs';
import { APP_PLUGIN_ID, DATASOURCE_PLUGIN_ID } from '../../../src/common/plugin-ids';

const APACHE = `
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION
`;
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle cx="4" cy="4" r="3"/></svg>\n';
const AMD = (deps: string[]) => `define([${deps.map((d) => JSON.stringify(d)).join(',')}],(function(e){"use strict";}));\n//# sourceMappingURL=module.js.map\n`;
const EXECUTABLE = 'gpx_encore';

const manifest = (fields: Record<string, unknown>) =>
  JSON.stringify(
    {
      info: { version: '1.2.3', author: { name: 'Encore' }, keywords: ['streaming'], logos: { small: 'img/logo.svg', large: 'img/logo.svg' }, screenshots: [] },
      dependencies: { grafanaDependency: '>=12.3.0', plugins: [] },
      ...fields,
    },
    null,
    2,
  );

/** A dist/ shaped like the real one: the app, the data source with executables, one panel, the CLI. */
function makeDist(dir: string, overrides: Record<string, string | null> = {}): string {
  const files: Record<string, string | null> = {
    'plugin.json': manifest({
      type: 'app',
      id: APP_PLUGIN_ID,
      name: 'Encore',
      includes: [
        { type: 'page', name: 'Overview', path: `/a/${APP_PLUGIN_ID}`, addToNav: true, defaultNav: true },
        { type: 'datasource', name: 'Encore', path: 'datasource/plugin.json' },
        { type: 'panel', name: 'Audio quality', path: 'panels/audio-quality/plugin.json' },
      ],
    }),
    'module.js': AMD(['@grafana/data', 'react/jsx-runtime']),
    'module.js.map': '{"version":3,"sources":[],"mappings":""}',
    'img/logo.svg': LOGO,
    'README.md': '# Encore\n',
    'CHANGELOG.md': '# Changelog\n\n## 1.2.3\n',
    LICENSE: APACHE,
    'datasource/plugin.json': manifest({ type: 'datasource', id: DATASOURCE_PLUGIN_ID, name: 'Encore', backend: true, executable: EXECUTABLE, alerting: true }),
    'datasource/module.js': AMD(['@grafana/runtime']),
    'datasource/module.js.map': '{"version":3}',
    'datasource/img/logo.svg': LOGO,
    [`datasource/${EXECUTABLE}_linux_amd64`]: '\x7fELF linux x64',
    [`datasource/${EXECUTABLE}_linux_arm64`]: '\x7fELF linux arm64',
    [`datasource/${EXECUTABLE}_windows_amd64.exe`]: 'MZ windows',
    'panels/audio-quality/plugin.json': manifest({ type: 'panel', id: 'encore-audioquality-panel', name: 'Audio quality (QoE)' }),
    'panels/audio-quality/module.js': AMD(['@grafana/ui']),
    'panels/audio-quality/module.js.map': '{"version":3}',
    'panels/audio-quality/img/logo.svg': LOGO,
    'cli/encore.mjs': '#!/usr/bin/env node\n',
    ...overrides,
  };
  for (const [rel, content] of Object.entries(files)) {
    if (content === null) continue;
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    chmodSync(path, 0o644);
  }
  // The unix executables are 0755 on disk; the Windows one stays 0644, as a copy from a Windows share would be.
  for (const suffix of ['_linux_amd64', '_linux_arm64']) {
    const path = join(dir, `datasource/${EXECUTABLE}${suffix}`);
    if (files[`datasource/${EXECUTABLE}${suffix}`] !== null) chmodSync(path, 0o755);
  }
  return dir;
}

let root: string;
let counter = 0;
const tempDir = (name: string) => {
  const dir = join(root, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** Packages a dist as `npm run package` does and returns the zip's path. */
async function packageDist(dist: string, options: { topFolder?: string; exclude?: string[] } = {}): Promise<string> {
  const { entries } = await archiveEntries(dist, { topFolder: options.topFolder ?? APP_PLUGIN_ID, ...(options.exclude ? { exclude: options.exclude } : {}) });
  const zip = join(tempDir('zip'), 'plugin.zip');
  await writeZip(zip, entries);
  return zip;
}

const errors = (findings: Finding[]) => findings.filter((f) => f.severity === 'error');
const rules = (findings: Finding[]) => errors(findings).map((f) => f.rule);

before(() => {
  root = mkdtempSync(join(tmpdir(), 'encore-package-test-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('plugin archive', () => {
  it('holds dist under one folder named after the app id, without the CLI, in a stable order', async () => {
    const zip = await packageDist(makeDist(tempDir('dist')));
    const archive = await readZip(zip);
    try {
      const top = APP_PLUGIN_ID;
      assert.deepEqual(
        archive.entries.map((e) => (e.directory ? `${e.path}/` : e.path)),
        [
          `${top}/`,
          `${top}/CHANGELOG.md`,
          `${top}/LICENSE`,
          `${top}/README.md`,
          `${top}/datasource/`,
          `${top}/datasource/${EXECUTABLE}_linux_amd64`,
          `${top}/datasource/${EXECUTABLE}_linux_arm64`,
          `${top}/datasource/${EXECUTABLE}_windows_amd64.exe`,
          `${top}/datasource/img/`,
          `${top}/datasource/img/logo.svg`,
          `${top}/datasource/module.js`,
          `${top}/datasource/module.js.map`,
          `${top}/datasource/plugin.json`,
          `${top}/img/`,
          `${top}/img/logo.svg`,
          `${top}/module.js`,
          `${top}/module.js.map`,
          `${top}/panels/`,
          `${top}/panels/audio-quality/`,
          `${top}/panels/audio-quality/img/`,
          `${top}/panels/audio-quality/img/logo.svg`,
          `${top}/panels/audio-quality/module.js`,
          `${top}/panels/audio-quality/module.js.map`,
          `${top}/panels/audio-quality/plugin.json`,
          `${top}/plugin.json`,
        ],
      );
    } finally {
      archive.close();
    }
  });

  it('records unix modes: executables 0755 (even one that lost its bit), files 0644, folders 0755', async () => {
    const dist = makeDist(tempDir('dist'));
    chmodSync(join(dist, `datasource/${EXECUTABLE}_linux_arm64`), 0o644);
    const { entries, repairedModes, executables } = await archiveEntries(dist, { topFolder: APP_PLUGIN_ID });
    assert.deepEqual(repairedModes, [`datasource/${EXECUTABLE}_linux_arm64`], 'reported, so the build can be fixed');
    assert.equal(executables.length, 3);
    const zip = join(tempDir('zip'), 'plugin.zip');
    await writeZip(zip, entries);
    const archive = await readZip(zip);
    try {
      const mode = (path: string) => archive.entries.find((e) => e.path === `${APP_PLUGIN_ID}/${path}`)?.mode;
      assert.equal(mode(`datasource/${EXECUTABLE}_linux_amd64`), 0o755);
      assert.equal(mode(`datasource/${EXECUTABLE}_linux_arm64`), 0o755);
      assert.equal(mode(`datasource/${EXECUTABLE}_windows_amd64.exe`), 0o755);
      assert.equal(mode('module.js'), 0o644);
      assert.equal(mode('plugin.json'), 0o644);
      assert.equal(mode('datasource'), 0o755);
      assert.deepEqual([archive.entries[0]!.path, archive.entries[0]!.directory, archive.entries[0]!.mode], [APP_PLUGIN_ID, true, 0o755]);
      for (const entry of archive.entries) assert.notEqual(entry.mode, undefined, `${entry.path} has a unix mode`);
    } finally {
      archive.close();
    }
  });

  it('keeps file content byte for byte, compressed', async () => {
    const dist = makeDist(tempDir('dist'), { 'module.js': AMD(['@grafana/data']) + '/*' + 'x'.repeat(50_000) + '*/\n' });
    const zip = await packageDist(dist);
    const archive = await readZip(zip);
    try {
      const module = archive.entries.find((e) => e.path === `${APP_PLUGIN_ID}/module.js`)!;
      assert.ok(module.compressedSize < module.size / 10, 'deflated');
      assert.match((await archive.read(`${APP_PLUGIN_ID}/module.js`)).toString(), /x{50000}/);
      assert.equal((await archive.read(`${APP_PLUGIN_ID}/datasource/${EXECUTABLE}_linux_amd64`)).toString(), '\x7fELF linux x64');
    } finally {
      archive.close();
    }
  });

  it('passes the checks, with warnings for what this build cannot make (macOS executables, signature, screenshots)', async () => {
    const findings = await checkZip(await packageDist(makeDist(tempDir('dist'))), { appId: APP_PLUGIN_ID });
    assert.deepEqual(errors(findings), []);
    const warned = findings.map((f) => `${f.rule}: ${f.message}`);
    assert.ok(warned.some((w) => /backend-binary-platforms: .*_darwin_amd64 is missing/.test(w)));
    assert.ok(warned.some((w) => /backend-binary-platforms: .*_darwin_arm64 is missing/.test(w)));
    assert.ok(warned.some((w) => /^unsigned:/.test(w)));
    assert.ok(warned.some((w) => /^screenshots:/.test(w)));
  });
});

describe('archive checks reject real mistakes', () => {
  const failing = async (overrides: Record<string, string | null>, options: { topFolder?: string; exclude?: string[] } = {}) =>
    checkZip(await packageDist(makeDist(tempDir('dist'), overrides), options), { appId: APP_PLUGIN_ID });

  it('a logo plugin.json names but the archive lacks', async () => {
    const findings = await failing({ 'datasource/img/logo.svg': null });
    assert.deepEqual(rules(findings), ['logos', 'logos']);
    assert.match(errors(findings)[0]!.message, /datasource\/plugin\.json: small logo img\/logo\.svg is not in the archive/);
  });

  it('a top folder that is not the app id', async () => {
    const findings = await failing({}, { topFolder: 'encore-app' });
    assert.ok(rules(findings).includes('archive-name'));
    assert.match(findings.find((f) => f.rule === 'archive-name')!.message, /folder is "encore-app", expected the plugin id "encore-streaming-app"/);
  });

  it('files outside the one top folder', async () => {
    const dist = makeDist(tempDir('dist'));
    const { entries } = await archiveEntries(dist, { topFolder: APP_PLUGIN_ID });
    const zip = join(tempDir('zip'), 'two-tops.zip');
    const stray: ZipInputEntry = { path: 'README.md', data: Buffer.from('# stray\n'), mode: 0o644, mtime: new Date() };
    await writeZip(zip, [...entries, stray]);
    const findings = await checkZip(zip);
    assert.deepEqual(rules(findings), ['more-than-one-dir']);
    assert.match(findings[0]!.message, /found 2: encore-streaming-app, README\.md/);
  });

  it('an executable without 0755', async () => {
    const dist = makeDist(tempDir('dist'));
    const { entries } = await archiveEntries(dist, { topFolder: APP_PLUGIN_ID });
    const zip = join(tempDir('zip'), 'modes.zip');
    await writeZip(zip, entries.map((e) => (e.path.endsWith('_linux_arm64') ? { ...e, mode: 0o644 } : e)));
    const findings = await checkZip(zip);
    assert.deepEqual(rules(findings), ['binary-executable-permissions']);
    assert.match(findings.find((f) => f.severity === 'error')!.message, /gpx_encore_linux_arm64: mode 0644, must be exactly 0755/);
  });

  it('the CLI bundle packaged with the plugin', async () => {
    const findings = await failing({}, { exclude: [] });
    assert.ok(rules(findings).includes('not-plugin-file'));
    assert.ok(errors(findings).some((f) => /cli\/encore\.mjs is not part of the plugin/.test(f.message)));
  });

  it('a nested plugin the app does not include by path', async () => {
    const app = JSON.parse(makeDistManifest());
    app.includes = [{ type: 'datasource', name: 'Encore', id: DATASOURCE_PLUGIN_ID }, { type: 'panel', name: 'Audio quality', path: 'panels/audio-quality/plugin.json' }];
    const findings = await failing({ 'plugin.json': JSON.stringify(app) });
    assert.deepEqual(rules(findings), ['nested-plugins-not-declared']);
    assert.match(errors(findings)[0]!.message, /no entry with path "datasource\/plugin\.json" \(it is listed by id; add "path": "datasource\/plugin\.json"/);
  });

  it('a missing source map, module.js, README or licence', async () => {
    assert.deepEqual(rules(await failing({ 'panels/audio-quality/module.js.map': null })), ['js-map-not-found']);
    assert.deepEqual(rules(await failing({ 'panels/audio-quality/module.js': null, 'panels/audio-quality/module.js.map': null })), ['modulejs']);
    assert.deepEqual(rules(await failing({ 'README.md': null })), ['missing-readme']);
    assert.deepEqual(rules(await failing({ LICENSE: 'All rights reserved.\n' })), ['license-not-provided']);
    const noChangelog = await failing({ 'CHANGELOG.md': null });
    assert.deepEqual(rules(noChangelog), [], 'a missing changelog is a warning, as in the validator');
    assert.ok(noChangelog.some((f) => f.rule === 'missing-changelog' && f.severity === 'warning'));
  });

  it('plugin ids that do not end with their type or break <org>-<name>-<type>', async () => {
    const findings = await failing({ 'panels/audio-quality/plugin.json': manifest({ type: 'panel', id: 'encore-audio-quality-viz', name: 'Audio quality' }) });
    assert.deepEqual(rules(findings), ['typesuffix', 'plugin-id']);
    assert.ok(PLUGIN_ID_PATTERN.test('encore-audioquality-panel'));
    assert.ok(!PLUGIN_ID_PATTERN.test('Encore-streaming-app'));
  });

  it('no executable at all, or a backend without one', async () => {
    const none = await failing({ [`datasource/${EXECUTABLE}_linux_amd64`]: null, [`datasource/${EXECUTABLE}_linux_arm64`]: null, [`datasource/${EXECUTABLE}_windows_amd64.exe`]: null });
    assert.deepEqual(rules(none), ['backend-binary-missing']);
    const undeclared = await failing({ 'datasource/plugin.json': manifest({ type: 'datasource', id: DATASOURCE_PLUGIN_ID, name: 'Encore', alerting: true }) });
    assert.ok(rules(undeclared).includes('alerting-found-but-backend-false'));
  });

  it('a platform the build was asked for but did not produce', async () => {
    const dist = makeDist(tempDir('dist'), { [`datasource/${EXECUTABLE}_linux_arm64`]: null });
    const zip = await packageDist(dist);
    const findings = await checkZip(zip, { appId: APP_PLUGIN_ID, expectedBinaries: ['_linux_amd64', '_linux_arm64'] });
    assert.deepEqual(rules(findings), ['backend-binary-platforms']);
    assert.match(errors(findings)[0]!.message, /gpx_encore_linux_arm64 is missing/);
  });

  it('placeholders left in plugin.json, unsafe SVG, debug files', async () => {
    const findings = await failing({
      'plugin.json': makeDistManifest().replace('"1.2.3"', '"%VERSION%"'),
      'img/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
      'datasource/standalone.txt': 'true',
    });
    assert.deepEqual(rules(findings).sort(), ['backend-debug', 'unsafe-svg-file', 'version']);
  });

  it('an empty archive, or a file where the folder should be', async () => {
    assert.deepEqual(rules(await checkArchive({ entries: [], read: () => Promise.reject(new Error('empty')) })), ['empty-archive']);
    const onlyFile = await checkArchive({ entries: [{ path: 'plugin.json', directory: false, size: 2, mode: 0o644 }], read: async () => Buffer.from('{}') });
    assert.deepEqual(rules(onlyFile), ['no-root-dir']);
  });
});

describe('bundle sizes', () => {
  it('measures module.js raw and gzipped per plugin, and the executables', async () => {
    const dist = makeDist(tempDir('dist'), { 'module.js': AMD(['@grafana/data']) + 'x'.repeat(10_000) });
    const sizes = await measureDist(dist);
    assert.deepEqual(sizes.plugins.map((p) => [p.dir, p.id]), [
      ['', APP_PLUGIN_ID],
      ['datasource', DATASOURCE_PLUGIN_ID],
      ['panels/audio-quality', 'encore-audioquality-panel'],
    ]);
    const app = sizes.plugins[0]!;
    assert.ok(app.moduleBytes > 10_000 && app.moduleGzipBytes < app.moduleBytes / 10);
    assert.deepEqual(sizes.executables.map((e) => e.path), [`datasource/${EXECUTABLE}_linux_amd64`, `datasource/${EXECUTABLE}_linux_arm64`, `datasource/${EXECUTABLE}_windows_amd64.exe`]);
    const body = sizesMarkdown(sizes, { zipBytes: 3 * 1024 * 1024, zipName: 'x.zip', entries: 25, version: '1.2.3', date: '2026-12-01', platforms: ['linux_amd64'] });
    assert.match(body, /\| encore-streaming-app \(dist\/\) \| 9\.\d KiB \| 0\.\d KiB \|/);
    assert.match(body, /Archive `x\.zip`: 3\.0 MiB \(25 entries\)/);
    const doc = `# Packaging\n\n${SIZES_MARKERS.START}\nold\n${SIZES_MARKERS.END}\n\nmore\n`;
    assert.equal(replaceSizesSection(doc, 'new'), `# Packaging\n\n${SIZES_MARKERS.START}\nnew\n${SIZES_MARKERS.END}\n\nmore\n`);
    assert.throws(() => replaceSizesSection('# no markers', 'new'), /expected the markers/);
  });
});

/** The fake app manifest as makeDist writes it (to edit in a test). */
function makeDistManifest(): string {
  return readFileSync(join(makeDist(tempDir('manifest')), 'plugin.json'), 'utf8');
}
