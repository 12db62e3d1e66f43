#!/usr/bin/env node
// Packages the plugin as Grafana installs it: build/<app id>-<version>.zip holding one folder
// named after the app id with dist/'s content (less dist/cli/, the `encore` command), plus .sha1
// and .md5 files beside it as Grafana's plugin tooling writes them. Rebuilds dist/ first when it
// is missing or older than its sources, then checks the archive (scripts/package/check.mjs) and
// prints the bundle sizes. Run with --help for the flags.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { formatMs } from './build/log.mjs';
import { executableName, resolvePlatforms } from './build/platforms.mjs';
import { discoverPlugins } from './build/plugins.mjs';
import { DIST, readPackageJson, readPluginIds, ROOT } from './build/project.mjs';
import { checkZip, formatFindings } from './package/check.mjs';
import { archiveEntries } from './package/layout.mjs';
import { kib, measureDist, mib, replaceSizesSection, sizesMarkdown } from './package/sizes.mjs';
import { writeZip } from './package/zip.mjs';

const USAGE = `usage: node scripts/package.mjs [--build | --no-build] [--out=DIR] [--docs]
  (neither)   build dist/ first if it is missing or older than its sources
  --build     always run the full build first
  --no-build  package dist/ as it is (fails when it is incomplete)
  --out=DIR   where the zip goes (default build/)
  --docs      write the measured sizes into docs/packaging.md
  Platforms: ENCORE_PLATFORMS as for the build (default linux-x64, linux-arm64, win-x64).`;

function parseArgs(argv) {
  const options = { build: 'auto', out: join(ROOT, 'build'), docs: false, help: false };
  for (const arg of argv) {
    if (arg === '--build') options.build = 'always';
    else if (arg === '--no-build') options.build = 'never';
    else if (arg === '--docs') options.docs = true;
    else if (arg.startsWith('--out=') && arg.length > 6) options.out = join(process.cwd(), arg.slice(6));
    else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const started = performance.now();
  const pkg = await readPackageJson();
  const ids = await readPluginIds();
  const platforms = resolvePlatforms(process.env.ENCORE_PLATFORMS);
  const expectedExecutables = platforms.map((p) => executableName(ids.BACKEND_EXECUTABLE, p));

  // 1. dist/, fresh
  const stale = options.build === 'always' ? { frontend: 'asked to build', backend: 'asked to build' } : await staleness(pkg.version, expectedExecutables);
  if (stale.frontend || stale.backend) {
    const why = [stale.frontend && `frontend: ${stale.frontend}`, stale.backend && `backend: ${stale.backend}`].filter(Boolean).join('; ');
    if (options.build === 'never') throw new Error(`dist/ is not ready (${why}); run npm run build or drop --no-build`);
    const flags = stale.frontend && stale.backend ? [] : stale.frontend ? ['--frontend'] : ['--backend'];
    console.log(`▸ building first (${why})`);
    const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), ...flags], { cwd: ROOT, stdio: 'inherit', env: process.env });
    if (result.status !== 0) throw new Error(`the build failed (exit ${result.status})`);
  } else {
    console.log('▸ dist/ is up to date with its sources: packaging it as it is');
  }

  // 2. the archive
  const zipName = `${ids.APP_PLUGIN_ID}-${pkg.version}.zip`;
  const zipPath = join(options.out, zipName);
  const { entries, executables, repairedModes } = await archiveEntries(DIST, { topFolder: ids.APP_PLUGIN_ID });
  for (const file of repairedModes) console.warn(`  dist/${file} had lost its execute bit: packaged as 0755`);
  const zipStarted = performance.now();
  const partial = `${zipPath}.partial`;
  let zipBytes;
  try {
    zipBytes = await writeZip(partial, entries);
    await rename(partial, zipPath);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const sha1 = await hashFile(zipPath, 'sha1');
  const md5 = await hashFile(zipPath, 'md5');
  // One hex digest and a newline, as `sha1sum x.zip | cut -f1 -d' ' > x.zip.sha1` writes it.
  await writeFile(`${zipPath}.sha1`, `${sha1}\n`);
  await writeFile(`${zipPath}.md5`, `${md5}\n`);
  console.log(`▸ wrote ${relative(process.cwd(), zipPath)} (${mib(zipBytes)}, ${entries.length} entries, ${formatMs(performance.now() - zipStarted)})`);
  console.log(`  sha1 ${sha1}  md5 ${md5}`);
  console.log(`  executables (0755): ${executables.map((e) => basename(e)).join(', ') || 'none'}`);

  // 3. sizes
  const sizes = await measureDist(DIST);
  console.log('▸ bundle sizes');
  const width = Math.max(...sizes.plugins.map((p) => p.id.length));
  for (const p of sizes.plugins) {
    console.log(`  ${p.id.padEnd(width)}  module.js ${kib(p.moduleBytes).padStart(10)}  gzip ${kib(p.moduleGzipBytes).padStart(10)}  map ${kib(p.mapBytes).padStart(10)}`);
  }
  for (const e of sizes.executables) console.log(`  ${e.path.padEnd(width + 12)} ${mib(e.bytes).padStart(10)}`);
  console.log(`  ${zipName.padEnd(width + 12)} ${mib(zipBytes).padStart(10)}`);
  if (options.docs) {
    const docs = join(ROOT, 'docs', 'packaging.md');
    const body = sizesMarkdown(sizes, {
      zipBytes,
      zipName,
      entries: entries.length,
      version: pkg.version,
      date: new Date().toISOString().slice(0, 10),
      platforms: sizes.executables.map((e) => basename(e.path).slice(ids.BACKEND_EXECUTABLE.length + 1)),
    });
    await writeFile(docs, replaceSizesSection(await readFile(docs, 'utf8'), body));
    console.log(`  wrote the sizes into ${relative(process.cwd(), docs)}`);
  }

  // 4. the validator's rules, on the zip as written
  const expectedBinaries = expectedExecutables.map((name) => name.slice(ids.BACKEND_EXECUTABLE.length));
  const findings = await checkZip(zipPath, { appId: ids.APP_PLUGIN_ID, expectedBinaries });
  const { errors, warnings, lines } = formatFindings(findings);
  console.log(`▸ archive checks (the plugin validator's rules): ${errors} errors, ${warnings} warnings`);
  for (const line of lines) console.log(line);
  console.log(`Packaged in ${formatMs(performance.now() - started)}`);
  if (errors > 0) {
    console.error(`${relative(process.cwd(), zipPath)} was written but fails ${errors} check${errors === 1 ? '' : 's'}: fix them before publishing`);
    process.exitCode = 1;
  }
}

/**
 * Why dist/ needs a build, per half (undefined: up to date). The browser half is stale when a
 * plugin's module.js or plugin.json is missing, carries another version, or is older than the
 * sources and documents it is built from; the backend half when an expected executable is
 * missing or older than the backend's sources and the lock file.
 */
async function staleness(version, expectedExecutables) {
  const plugins = await discoverPlugins(ROOT, DIST);
  const frontendOutputs = plugins.flatMap((p) => [join(p.distDir, 'module.js'), join(p.distDir, 'plugin.json')]);
  const datasource = plugins.find((p) => p.rel === 'datasource');
  const backendOutputs = expectedExecutables.map((name) => join(datasource?.distDir ?? join(DIST, 'datasource'), name));
  const src = join(ROOT, 'src');
  const serverOnly = ['backend', 'collector', 'simulator', 'cli'].map((name) => join(src, name));
  const frontendInputs = [src, ...['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'scripts/build.mjs', 'scripts/build'].map((p) => join(ROOT, p))];
  const backendInputs = [join(src, 'backend'), join(src, 'common'), join(ROOT, 'package-lock.json'), join(ROOT, 'scripts', 'build')];

  const frontend = await halfStaleness(frontendOutputs, frontendInputs, serverOnly);
  const backend = await halfStaleness(backendOutputs, backendInputs, []);
  let versionProblem;
  if (!frontend && existsSync(join(DIST, 'plugin.json'))) {
    const built = JSON.parse(await readFile(join(DIST, 'plugin.json'), 'utf8'));
    if (built.info?.version !== version) versionProblem = `dist/plugin.json is version ${built.info?.version}, package.json ${version}`;
  }
  return { frontend: frontend ?? versionProblem, backend };
}

async function halfStaleness(outputs, inputs, skip) {
  let oldest = Infinity;
  for (const output of outputs) {
    const info = await stat(output).catch(() => undefined);
    if (!info) return `${relative(ROOT, output)} is missing`;
    oldest = Math.min(oldest, info.mtimeMs);
  }
  const newest = await newestInput(inputs, new Set(skip));
  if (newest && newest.mtimeMs > oldest) return `${relative(ROOT, newest.path)} changed after the last build`;
  return undefined;
}

async function newestInput(paths, skip) {
  let newest;
  const visit = async (path) => {
    if (skip.has(path)) return;
    const info = await stat(path).catch(() => undefined);
    if (!info) return;
    if (info.isDirectory()) {
      for (const name of await readdir(path)) await visit(join(path, name));
    } else if (!newest || info.mtimeMs > newest.mtimeMs) {
      newest = { path, mtimeMs: info.mtimeMs };
    }
  };
  for (const path of paths) await visit(path);
  return newest;
}

async function hashFile(path, algorithm) {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

main().catch((error) => {
  console.error(`package failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
