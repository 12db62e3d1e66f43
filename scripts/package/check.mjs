#!/usr/bin/env node
// Checks a plugin archive the way Grafana's plugin validator (github.com/grafana/plugin-validator)
// does, for the rules that apply to an app with a nested backend data source and panels. The
// validator itself is a Go program whose npm launcher downloads its binary from GitHub releases,
// which this machine cannot reach (docs/packaging.md). Rule names follow the validator's where it
// has one. Run on a zip: node scripts/package/check.mjs build/encore-streaming-app-0.1.0.zip
import { posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readZip } from './zip.mjs';

/** Suffixes Grafana appends to plugin.json's `executable` (GOOS_GOARCH), in the validator's list. */
export const BINARY_SUFFIXES = ['_linux_amd64', '_linux_arm64', '_darwin_amd64', '_darwin_arm64', '_windows_amd64.exe'];
/** plugin.json's id pattern from Grafana's plugin schema: `<org>-<name>-<type>` (name optional). */
export const PLUGIN_ID_PATTERN = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager)$/;
const PLUGIN_TYPES = ['app', 'panel', 'datasource', 'secretsmanager', 'renderer'];
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
/** Files that make Grafana attach to a debugger process instead of starting the executable. */
const DEBUG_FILES = ['standalone.txt', 'pid.txt'];
/** Installed by the plugin's own toolchain, never by Grafana: a sign dist/ was packaged too eagerly. */
const NOT_PLUGIN_FILES = [/(^|\/)node_modules\//, /(^|\/)\.git\//, /(^|\/)\.DS_Store$/, /(^|\/)cli\/encore\.mjs$/];

/**
 * @typedef {{ path: string, directory: boolean, mode?: number, size: number }} ArchiveEntry
 * @typedef {{ entries: ArchiveEntry[], read(path: string): Promise<Buffer> }} Archive
 * @typedef {{ rule: string, severity: 'error' | 'warning', message: string }} Finding
 */

/**
 * @param {Archive} archive
 * @param {{ appId?: string, expectedBinaries?: string[] }} [options] `appId`: the folder the
 *   archive must hold (default: the id in its root plugin.json); `expectedBinaries`: suffixes that
 *   must be present (default: a warning for each of BINARY_SUFFIXES that is not)
 * @returns {Promise<Finding[]>}
 */
export async function checkArchive(archive, options = {}) {
  /** @type {Finding[]} */
  const findings = [];
  const report = (severity, rule, message) => findings.push({ severity, rule, message });
  const error = (rule, message) => report('error', rule, message);
  const warning = (rule, message) => report('warning', rule, message);

  const entries = archive.entries;
  if (entries.length === 0) {
    error('empty-archive', 'the archive is empty');
    return findings;
  }
  for (const entry of entries) {
    if (entry.path.startsWith('/') || entry.path.includes('\\') || entry.path.split('/').includes('..')) {
      error('unsafe-path', `${entry.path}: paths must be relative, with forward slashes and no ".."`);
    }
  }

  // archive: one root folder, named after the plugin id, no legacy dist/ inside it.
  const tops = [...new Set(entries.map((e) => e.path.split('/')[0]))];
  if (tops.length !== 1) {
    error('more-than-one-dir', `the archive must hold exactly one folder, named after the plugin id; found ${tops.length}: ${tops.slice(0, 10).join(', ')}`);
    return findings;
  }
  const root = tops[0];
  const rootIsFile = entries.some((e) => e.path === root && !e.directory);
  if (rootIsFile) {
    error('no-root-dir', `the archive holds a file (${root}) at the top instead of a folder named after the plugin id`);
    return findings;
  }
  const files = new Map(entries.filter((e) => !e.directory && e.path !== root).map((e) => [e.path.slice(root.length + 1), e]));
  if ([...files.keys()].some((p) => p.startsWith('dist/'))) error('dist', `${root}/dist/: dist should be renamed to the plugin id and moved to the root`);

  const has = (rel) => files.has(rel);
  const text = async (rel) => (await archive.read(`${root}/${rel}`)).toString('utf8');

  // nestedmetadata / metadata: every plugin.json parses; the root one exists.
  const manifestPaths = [...files.keys()].filter((p) => posix.basename(p) === 'plugin.json').sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  if (!has('plugin.json')) {
    error('missing-metadata', `${root}/plugin.json is missing: the archive's folder must hold the main plugin.json`);
    return findings;
  }
  /** @type {Map<string, any>} */
  const manifests = new Map();
  for (const rel of manifestPaths) {
    try {
      const manifest = JSON.parse(await text(rel));
      if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new Error('not an object');
      manifests.set(rel, manifest);
    } catch (cause) {
      error('invalid-metadata', `${rel}: not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`);
    }
  }
  const main = manifests.get('plugin.json');
  if (!main) return findings;

  // archivename: the folder is the plugin id (and the id the caller expects).
  const appId = options.appId ?? main.id;
  if (typeof main.id === 'string' && root !== main.id) error('archive-name', `the archive's folder is "${root}", expected the plugin id "${main.id}"`);
  if (options.appId !== undefined && main.id !== options.appId) error('archive-name', `${root}/plugin.json has id "${main.id}", expected "${options.appId}"`);

  for (const [rel, manifest] of manifests) {
    const dir = posix.dirname(rel) === '.' ? '' : `${posix.dirname(rel)}/`;
    const where = rel;
    for (const field of ['id', 'type', 'name']) {
      if (typeof manifest[field] !== 'string' || manifest[field].trim() === '') error('metadata-required', `${where}: "${field}" is required`);
    }
    const { id, type, name } = manifest;
    if (typeof type === 'string' && !PLUGIN_TYPES.includes(type)) error('metadata-type', `${where}: type "${type}" is not one of ${PLUGIN_TYPES.join(', ')}`);
    if (typeof id === 'string') {
      // typesuffix + the schema's id pattern: <org>-<name>-<type>
      if (typeof type === 'string' && id.split('-').at(-1) !== type) error('typesuffix', `${where}: plugin id "${id}" should end with its type "${type}"`);
      if (!PLUGIN_ID_PATTERN.test(id)) error('plugin-id', `${where}: plugin id "${id}" does not follow <org>-<name>-<type> (lower-case letters and digits)`);
      if (typeof name === 'string' && name === id) warning('human-friendly-name', `${where}: name should be human-friendly, not the id`);
    }
    const info = manifest.info;
    if (typeof info !== 'object' || info === null) {
      error('metadata-required', `${where}: "info" is required`);
      continue;
    }
    if (typeof info.version !== 'string' || !SEMVER.test(info.version)) {
      error('version', `${where}: info.version must be a semantic version such as 1.2.3, got ${JSON.stringify(info.version)}`);
    } else if (rel !== 'plugin.json' && main.info?.version !== undefined && info.version !== main.info.version) {
      warning('version', `${where}: info.version ${info.version} differs from the app's ${main.info.version}`);
    }
    if (!Array.isArray(info.keywords) || info.keywords.length === 0) warning('keywords', `${where}: info.keywords should list words the catalog search finds`);
    if (typeof info.author?.name !== 'string' || info.author.name.trim() === '') warning('author', `${where}: info.author.name is empty`);
    if (typeof manifest.dependencies?.grafanaDependency !== 'string' || manifest.dependencies.grafanaDependency.trim() === '') {
      error('grafana-dependency', `${where}: dependencies.grafanaDependency is required (the Grafana versions it runs on, e.g. ">=12.3.0")`);
    }

    // logos + metadatapaths + files exist
    for (const size of ['small', 'large']) {
      const path = info.logos?.[size];
      if (typeof path !== 'string' || path.trim() === '') {
        error('logos', `${where}: invalid empty ${size} logo path`);
        continue;
      }
      if (!checkRelativePath(path, where, error)) continue;
      if (!has(`${dir}${path}`)) error('logos', `${where}: ${size} logo ${path} is not in the archive (${root}/${dir}${path})`);
    }
    const screenshots = Array.isArray(info.screenshots) ? info.screenshots : [];
    if (rel === 'plugin.json' && screenshots.length === 0) warning('screenshots', `${where}: no screenshots: the plugin catalog shows them`);
    for (const shot of screenshots) {
      const path = shot?.path;
      if (typeof path !== 'string' || path.trim() === '') error('screenshots', `${where}: screenshot ${JSON.stringify(shot?.name ?? '')} has an empty path`);
      else if (checkRelativePath(path, where, error) && !has(`${dir}${path}`)) error('screenshots', `${where}: screenshot ${path} is not in the archive`);
    }

    // modulejs + jssourcemap + legacyplatform
    const module = `${dir}module.js`;
    if (!has(module)) error('modulejs', `${where}: ${module} is missing`);
    else {
      if (!has(`${module}.map`)) error('js-map-not-found', `${module}.map is missing: ship the source map of every plugin, nested ones too`);
      const legacy = amdDependencies(await text(module)).filter((dep) => dep === 'angular' || dep === 'app/plugins/sdk' || dep.startsWith('grafana/app/'));
      if (legacy.length > 0) error('legacyplatform', `${module} imports Grafana's removed Angular platform (${legacy.join(', ')})`);
    }

    // backendbinary + binarypermissions
    if (manifest.alerting === true && manifest.backend !== true) error('alerting-found-but-backend-false', `${where}: alerting is true but backend is not`);
    if (typeof manifest.executable === 'string' && manifest.executable !== '' && manifest.backend !== true) {
      error('backend-found-but-not-declared', `${where}: executable is set but backend is not true`);
    }
    if (manifest.backend === true && (typeof manifest.executable !== 'string' || manifest.executable === '')) {
      error('backend-binary-missing', `${where}: backend is true but no executable is named`);
    }
    if (typeof manifest.executable === 'string' && manifest.executable !== '') {
      const base = `${dir}${manifest.executable}`;
      const found = [...files.keys()].filter((p) => posix.dirname(p) === posix.dirname(base) && posix.basename(p).startsWith(`${posix.basename(base)}_`));
      if (found.length === 0) error('backend-binary-missing', `${where}: no executable ${base}_<os>_<arch> for any platform`);
      for (const suffix of BINARY_SUFFIXES.filter((s) => !has(`${base}${s}`))) {
        const message = `${base}${suffix} is missing: Grafana on ${suffix.slice(1).replace('.exe', '').replace('_', '/')} cannot start the backend`;
        if (options.expectedBinaries?.includes(suffix)) error('backend-binary-platforms', message);
        else warning('backend-binary-platforms', message);
      }
      for (const binary of found) {
        const entry = files.get(binary);
        if (binary.endsWith('.exe')) continue;
        if (entry.mode === undefined) error('binary-executable-permissions', `${binary}: the archive records no unix mode, so it unpacks without the execute bit`);
        else if (entry.mode !== 0o755) error('binary-executable-permissions', `${binary}: mode ${entry.mode.toString(8).padStart(4, '0')}, must be exactly 0755`);
        if (entry.size === 0) error('backend-binary-missing', `${binary} is empty`);
      }
    }
  }

  // includesnested: the app declares each nested plugin with its path and type.
  const includes = Array.isArray(main.includes) ? main.includes : [];
  for (const [rel, manifest] of manifests) {
    if (rel === 'plugin.json') continue;
    const include = includes.find((inc) => inc?.path === rel);
    if (!include) {
      const byId = includes.find((inc) => inc?.id !== undefined && inc.id === manifest.id);
      const hint = byId ? ` (it is listed by id; add "path": "${rel}" to that entry)` : ` (add {"type": "${manifest.type}", "name": "${manifest.name}", "path": "${rel}"})`;
      error('nested-plugins-not-declared', `plugin.json includes has no entry with path "${rel}"${hint}`);
    } else if (typeof include.type !== 'string' || include.type === '') {
      error('nested-plugin-missing-type', `plugin.json includes entry for ${rel} has no type`);
    } else if (include.type !== manifest.type) {
      error('nested-plugin-type-missmatch', `plugin.json includes ${rel} as ${include.type}, but ${rel} says ${manifest.type}`);
    }
  }

  // readme, license, changelog
  if (!has('README.md')) error('missing-readme', `${root}/README.md is missing`);
  else if ((await text('README.md')).trim() === '') error('missing-readme', `${root}/README.md is empty`);
  const licenseFile = ['LICENSE', 'LICENSE.md', 'LICENSE.txt'].find(has);
  if (!licenseFile) error('license-not-provided', `${root}/LICENSE is missing`);
  else if (!isAcceptedLicense(await text(licenseFile))) error('license-not-provided', `${licenseFile}: not the text of Apache-2.0 or AGPL-3.0, the licences the catalog accepts`);
  if (!has('CHANGELOG.md')) warning('missing-changelog', `${root}/CHANGELOG.md is missing`);
  else if ((await text('CHANGELOG.md')).trim() === '') warning('missing-changelog', `${root}/CHANGELOG.md is empty`);

  // backenddebug, stray files, unsafe svg
  for (const rel of files.keys()) {
    if (DEBUG_FILES.includes(posix.basename(rel))) error('backend-debug', `${rel}: a debug file makes Grafana attach to a running process instead of starting the backend`);
    if (NOT_PLUGIN_FILES.some((pattern) => pattern.test(rel))) error('not-plugin-file', `${rel} is not part of the plugin`);
    if (rel.endsWith('.svg') && unsafeSvg(await text(rel))) error('unsafe-svg-file', `${rel}: SVG with scripts, event handlers or external references`);
  }
  if ([...files.keys()].some((p) => p === 'cli' || p.startsWith('cli/'))) error('not-plugin-file', `${root}/cli/: the encore command is not part of the plugin`);

  // signature: Grafana refuses unsigned plugins unless told to allow them.
  if (!has('MANIFEST.txt')) {
    warning('unsigned', `no MANIFEST.txt: the plugin is unsigned; Grafana loads it only with allow_loading_unsigned_plugins = ${appId} (or once signed)`);
  }
  return findings;
}

/** The dependency list of an AMD module: `define(["react", ...], function (...) {...})`. */
function amdDependencies(code) {
  const match = /^\s*(?:\/\*[\s\S]*?\*\/\s*)?define\(\s*(?:["'][^"']*["']\s*,\s*)?\[([^\]]*)\]/.exec(code);
  return match ? [...match[1].matchAll(/["']([^"']+)["']/g)].map((m) => m[1]) : [];
}

function depth(path) {
  return path.split('/').length;
}

function checkRelativePath(path, where, error) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
    error('metadatapaths', `${where}: path should be relative to plugin.json: ${path}`);
    return false;
  }
  if (path.startsWith('.') || path.startsWith('/')) {
    error('metadatapaths', `${where}: relative path should not start with '.' or '/': ${path}`);
    return false;
  }
  return true;
}

function isAcceptedLicense(text) {
  const flat = text.replace(/\s+/g, ' ');
  return /Apache License,? Version 2\.0/i.test(flat) || /GNU AFFERO GENERAL PUBLIC LICENSE Version 3/i.test(flat);
}

/** Scripts, inline event handlers, javascript: links, foreignObject and external references. */
function unsafeSvg(svg) {
  return (
    /<script[\s>]/i.test(svg) ||
    /\son[a-z]+\s*=/i.test(svg) ||
    /javascript:/i.test(svg) ||
    /<foreignObject[\s>]/i.test(svg) ||
    /(xlink:)?href\s*=\s*["']\s*(https?:|data:text\/html)/i.test(svg)
  );
}

/** Counts and lines for a terminal. */
export function formatFindings(findings) {
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  const lines = [...errors, ...warnings].map((f) => `  ${f.severity === 'error' ? 'error  ' : 'warning'} ${f.rule}: ${f.message}`);
  return { errors: errors.length, warnings: warnings.length, lines };
}

/** Opens a zip, checks it, closes it. */
export async function checkZip(path, options) {
  const archive = await readZip(path);
  try {
    return await checkArchive(archive, options);
  } finally {
    archive.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const path = process.argv[2];
  if (!path) {
    console.error('usage: node scripts/package/check.mjs <plugin zip>');
    process.exit(2);
  }
  checkZip(path).then(
    (findings) => {
      const { errors, warnings, lines } = formatFindings(findings);
      for (const line of lines) console.log(line);
      console.log(`${path}: ${errors} errors, ${warnings} warnings`);
      process.exit(errors > 0 ? 1 : 0);
    },
    (error) => {
      console.error(`check failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
