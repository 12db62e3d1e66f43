// The installable plugin in dist/: Grafana's layout, manifests that agree with the code, and
// browser modules that share Grafana's React and @grafana packages instead of bundling them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { APP_PLUGIN_ID, BACKEND_EXECUTABLE, DATASOURCE_PLUGIN_ID, PANEL_PLUGIN_IDS } from '../../../src/common/plugin-ids';
import { GRAFANA_SHARED_MODULES } from '../../../scripts/build/grafana-externals.mjs';
import { DIST, DIST_DATASOURCE, ensureBuilt, hostExecutableName, ROOT } from './dist-support';

interface Manifest {
  type: string;
  id: string;
  name: string;
  info: { version: string; updated: string; keywords: string[]; logos: { small: string; large: string } };
  dependencies: { grafanaDependency: string };
  includes?: Array<{ type: string; id?: string; name?: string; path?: string; addToNav?: boolean; defaultNav?: boolean }>;
  [key: string]: unknown;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
/** The panels' folders in dist/, as the app's includes name them. */
const PANEL_DIRS = ['audio-quality', 'behaviour', 'revenue'].map((name) => join(DIST, 'panels', name));
/** plugin.json's id pattern from Grafana's schema. */
const PLUGIN_ID = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager|transformer)$/;

before(() => ensureBuilt());

describe('dist layout', () => {
  it('has the app at the top and the data source nested in datasource/', () => {
    const expected = [
      'plugin.json',
      'module.js',
      'module.js.map',
      'img/logo.svg',
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
      'datasource/plugin.json',
      'datasource/module.js',
      'datasource/module.js.map',
      'datasource/img/logo.svg',
      'datasource/README.md',
      `datasource/${hostExecutableName()}`,
      ...['audio-quality', 'behaviour', 'revenue'].flatMap((panel) => ['plugin.json', 'module.js', 'module.js.map', 'img/logo.svg', 'README.md'].map((f) => `panels/${panel}/${f}`)),
    ];
    for (const file of expected) assert.ok(existsSync(join(DIST, file)), `dist/${file} is missing`);
  });

  it('ships the Apache-2.0 licence text', () => {
    const text = readFileSync(join(DIST, 'LICENSE'), 'utf8');
    assert.match(text, /Apache License\s+Version 2\.0, January 2004/);
    assert.match(text, /END OF TERMS AND CONDITIONS/);
  });

  it('names every executable as Grafana looks for it', () => {
    const executables = readdirSync(DIST_DATASOURCE).filter((name) => name.startsWith(`${BACKEND_EXECUTABLE}_`));
    assert.ok(executables.length > 0);
    for (const name of executables) {
      assert.match(name, /^gpx_encore_(linux|windows|darwin)_(amd64|arm64)(\.exe)?$/);
      assert.equal(name.endsWith('.exe'), name.includes('_windows_'), `${name}: .exe exactly for windows`);
    }
  });
});

describe('plugin.json', () => {
  const version = readJson<{ version: string }>(join(ROOT, 'package.json')).version;

  it('describes the app, which includes the data source and a root page', () => {
    const app = readJson<Manifest>(join(DIST, 'plugin.json'));
    assert.equal(app.type, 'app');
    assert.equal(app.id, APP_PLUGIN_ID);
    assert.match(app.id, PLUGIN_ID);
    assert.ok(app.includes?.some((inc) => inc.type === 'datasource' && inc.id === DATASOURCE_PLUGIN_ID), 'includes the data source');
    // Every nested plugin is declared with the path of its plugin.json, and that file has its id.
    for (const inc of app.includes?.filter((i) => i.type === 'datasource' || i.type === 'panel') ?? []) {
      assert.ok(inc.path, `${inc.id} is included with a path`);
      assert.equal(readJson<Manifest>(join(DIST, inc.path)).id, inc.id, `${inc.path} holds ${inc.id}`);
    }
    assert.deepEqual(app.includes?.filter((i) => i.type === 'panel').map((i) => i.id).sort(), [...PANEL_PLUGIN_IDS].sort());
    // The provisioned dashboards ship with the app, each included by a path that exists.
    const dashboards = app.includes?.filter((i) => i.type === 'dashboard') ?? [];
    const provisioned = readdirSync(join(ROOT, 'provisioning', 'dashboards', 'encore')).filter((f) => f.endsWith('.json'));
    assert.deepEqual(dashboards.map((i) => i.path).sort(), provisioned.map((f) => `dashboards/${f}`).sort());
    for (const inc of dashboards) assert.ok(readJson<{ uid?: string }>(join(DIST, inc.path!)).uid, `${inc.path} is a dashboard with a uid`);
    const page = app.includes?.find((inc) => inc.type === 'page');
    assert.equal(page?.path, `/a/${APP_PLUGIN_ID}`, 'the root page lives at /a/<app id>');
    assert.equal(page?.addToNav, true);
  });

  it('describes a backend data source usable in alerting, streaming and annotations', () => {
    const ds = readJson<Manifest>(join(DIST_DATASOURCE, 'plugin.json'));
    assert.equal(ds.type, 'datasource');
    assert.equal(ds.id, DATASOURCE_PLUGIN_ID);
    assert.match(ds.id, PLUGIN_ID);
    assert.equal(ds.backend, true);
    assert.equal(ds.executable, BACKEND_EXECUTABLE);
    assert.equal(ds.alerting, true);
    assert.equal(ds.streaming, true);
    assert.equal(ds.metrics, true);
    assert.equal(ds.annotations, true);
    assert.deepEqual(ds.queryOptions, { maxDataPoints: true, minInterval: true });
  });

  for (const [label, dir] of [
    ['app', DIST],
    ['data source', DIST_DATASOURCE],
    ...PANEL_DIRS.map((d) => [`panel ${d.split('/').at(-1)}`, d] as const),
  ] as const) {
    it(`${label}: version and date are filled in, logos exist, Grafana range is stated`, () => {
      const manifest = readJson<Manifest>(join(dir, 'plugin.json'));
      assert.equal(manifest.info.version, version);
      assert.match(manifest.info.updated, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(manifest.info.keywords.length > 0);
      for (const logo of [manifest.info.logos.small, manifest.info.logos.large]) {
        assert.ok(existsSync(join(dir, logo)), `${logo} is missing`);
        assert.match(readFileSync(join(dir, logo), 'utf8'), /^<svg[\s>]/);
      }
      const screenshots = (manifest.info as { screenshots?: Array<{ path: string }> }).screenshots ?? [];
      for (const shot of screenshots) assert.ok(existsSync(join(dir, shot.path)), `screenshot ${shot.path} is missing`);
      // react/jsx-runtime is shared by Grafana's loader from 12.3 on; the modules import it.
      assert.equal(manifest.dependencies.grafanaDependency, '>=12.3.0');
    });
  }
});

describe('module.js', () => {
  const modules = [join(DIST, 'module.js'), join(DIST_DATASOURCE, 'module.js'), ...PANEL_DIRS.map((d) => join(d, 'module.js'))];
  /** Packages Grafana provides at runtime: a copy of them in a plugin breaks singletons. */
  const mustNotBundle = /node_modules\/(react|react-dom|scheduler|@grafana\/(data|ui|runtime)|@emotion\/[^/]+|rxjs|lodash)\//;

  for (const file of modules) {
    const name = file.slice(DIST.length + 1);

    it(`${name} is an anonymous AMD module importing only what Grafana shares`, () => {
      const text = readFileSync(file, 'utf8');
      const match = /^define\(\[([^\]]*)\],/.exec(text);
      assert.ok(match, 'starts with define([...],');
      const deps = [...match[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
      // 'exports' is AMD's own: the factory fills it with the module's exports.
      const foreign = deps.filter((dep) => dep !== 'exports' && !GRAFANA_SHARED_MODULES.includes(dep));
      assert.deepEqual(foreign, [], 'every dependency is one Grafana provides');
      assert.ok(deps.includes('@grafana/data'));
      assert.ok(deps.includes('react/jsx-runtime'), 'JSX uses the host React');
      assert.match(text, /\/\/# sourceMappingURL=module\.js\.map\s*$/);
    });

    it(`${name} bundles no React, @grafana or other shared code`, () => {
      const map = readJson<{ sources: string[] }>(`${file}.map`);
      const bundled = map.sources.filter((source) => mustNotBundle.test(source));
      assert.deepEqual(bundled, []);
      assert.ok(map.sources.some((source) => /src\//.test(source)), 'the map points at our sources');
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /react\.transitional\.element|__SECRET_INTERNALS|__CLIENT_INTERNALS/);
    });

    it(`${name} runs under an AMD loader and exports plugin`, () => {
      const exported = loadAmd(readFileSync(file, 'utf8'));
      assert.ok(exported.plugin, 'exports.plugin is set');
    });
  }
});

/**
 * Evaluates an AMD module the way Grafana's SystemJS AMD extra does, with every shared module
 * replaced by a stand-in whose members are constructible, callable and chainable. It proves the
 * factory runs and fills `exports`; the real behaviour is for the browser tests.
 */
function loadAmd(source: string): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  const define = (deps: string[], factory: (...args: unknown[]) => unknown) => {
    const result = factory(...deps.map((dep) => (dep === 'exports' ? exports : standIn(dep))));
    if (result !== undefined) Object.assign(exports, result);
  };
  new Function('define', source)(define);
  return exports;
}

function standIn(name: string): unknown {
  const target = function () {} as unknown as object;
  return new Proxy(target, {
    get: (_t, key) => (key === Symbol.toPrimitive ? () => name : key === 'then' ? undefined : standIn(`${name}.${String(key)}`)),
    apply: () => standIn(`${name}()`),
    construct: () => standIn(`new ${name}`) as object,
  });
}
