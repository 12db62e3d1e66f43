#!/usr/bin/env node
// Builds the installable plugin into dist/, in the layout Grafana loads:
//   dist/plugin.json, module.js, img/, README.md, CHANGELOG.md, LICENSE     the app
//   dist/datasource/plugin.json, module.js, img/, gpx_encore_<os>_<arch>     the data source
//   dist/dashboards/*.json                                                    the provisioned dashboards, included by the app
//   dist/cli/encore.mjs                                                      the `encore` command (package.json "bin")
// Steps live in scripts/build/; run with --help for the flags.
import { chmod, readdir, rm, unlink } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { bundleBackend, largestPackages } from './build/backend.mjs';
import { buildPluginModule } from './build/frontend.mjs';
import { detail, formatBytes, formatMs, step, wrote } from './build/log.mjs';
import { ensureNodeBinary } from './build/node-dist.mjs';
import { parseOptions, USAGE } from './build/options.mjs';
import { executableName, hostPlatform, NODE_VERSION, PLATFORMS } from './build/platforms.mjs';
import { checkManifests, copyDashboards, copyDocuments, discoverPlugins, readManifest, writePluginAssets } from './build/plugins.mjs';
import { CACHE, DIST, readPackageJson, readPluginIds, ROOT } from './build/project.mjs';
import { injectSeaBlob, prepareSeaBlob } from './build/sea.mjs';

const DOCUMENTS = ['README.md', 'CHANGELOG.md', 'LICENSE'];

async function main() {
  const options = parseOptions(process.argv.slice(2), process.env);
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const started = performance.now();
  process.chdir(ROOT);

  const pkg = await readPackageJson();
  const ids = await readPluginIds();
  const stamp = { version: pkg.version, today: new Date().toISOString().slice(0, 10) };
  const plugins = await discoverPlugins(ROOT, DIST);
  const loaded = await Promise.all(plugins.map(async (plugin) => ({ plugin, manifest: await readManifest(plugin.manifest, stamp) })));
  const { datasource } = checkManifests(loaded, ids);

  const parts = [options.frontend && 'frontend', options.backend && `backend (${options.platforms.join(', ')})`].filter(Boolean);
  console.log(`Encore ${pkg.version}: building ${parts.join(' + ')}`);

  // A full build starts from an empty dist/; a partial one replaces only what it builds.
  if (options.frontend && options.backend) await rm(DIST, { recursive: true, force: true });

  await step('manifests, logos and documents', async () => {
    for (const { plugin, manifest } of loaded) {
      await writePluginAssets(plugin, manifest);
      detail(`${relative(ROOT, join(plugin.distDir, 'plugin.json'))}: ${manifest.id} ${manifest.info?.version ?? ''}`);
    }
    for (const file of await copyDocuments(ROOT, DIST, DOCUMENTS)) wrote(file);
    // The app ships the provisioned dashboards too (plugin.json includes them), so an install
    // without the stack's provisioning can import them from the app's page.
    for (const file of await copyDashboards(ROOT, DIST)) wrote(file);
  });

  // The CLI is small and quick to bundle: every build refreshes it, full or partial.
  await step('encore command (esbuild, Node 20 ESM)', async () => {
    const output = join(DIST, 'cli', 'encore.mjs');
    await bundleCli({ entry: join(ROOT, 'src', 'cli', 'main.ts'), outFile: output, version: pkg.version });
    wrote(output, '(package.json "bin": npx encore --help)');
  });

  if (options.frontend) {
    await step('browser modules (rollup, AMD)', async () => {
      for (const plugin of plugins) {
        const output = join(plugin.distDir, 'module.js');
        const result = await buildPluginModule({ input: plugin.entry, output, root: ROOT });
        wrote(output, `shares ${result.externals.join(', ') || 'nothing'} with Grafana`);
      }
    });
  }

  if (options.backend) {
    const bundle = join(CACHE, 'backend', 'encore-backend.cjs');
    await step(`backend bundle (esbuild) from ${options.entry}`, async () => {
      const metafile = await bundleBackend({ entry: join(ROOT, options.entry), outFile: bundle });
      wrote(bundle);
      detail(`largest parts: ${largestPackages(metafile).map(([name, bytes]) => `${name} ${formatBytes(bytes)}`).join(', ')}`);
    });

    await step(`single executables (Node ${NODE_VERSION}, postject)`, async () => {
      const nodeCache = join(CACHE, 'node-dist');
      const host = hostPlatform();
      if (!host) throw new Error(`the SEA blob is prepared by running Node ${NODE_VERSION} for this machine, and ${process.platform}-${process.arch} is not a target`);
      const blob = await prepareSeaBlob({ node: await ensureNodeBinary(host, nodeCache), script: bundle, workDir: join(CACHE, 'backend') });
      wrote(blob, `(prepared with node-${host} ${NODE_VERSION})`);
      await removeExecutables(datasource.distDir, ids.BACKEND_EXECUTABLE);
      for (const platform of options.platforms) {
        const output = join(datasource.distDir, executableName(ids.BACKEND_EXECUTABLE, platform));
        const { noteWarnings, unsignedBytes } = await injectSeaBlob({
          node: await ensureNodeBinary(platform, nodeCache),
          blob,
          output,
          format: PLATFORMS[platform].format,
        });
        const notes = [
          unsignedBytes > 0 && `Authenticode signature removed (${formatBytes(unsignedBytes)})`,
          noteWarnings > 0 && `postject: ${noteWarnings} known ELF .note warnings`,
        ].filter(Boolean);
        wrote(output, notes.length > 0 ? `(${notes.join('; ')})` : '');
      }
    });
  }

  console.log(`Built dist/ in ${formatMs(performance.now() - started)}`);
}

/**
 * The `encore` command as one executable ES module: everything but Node's built-ins bundled, so
 * it runs without node_modules; a shebang so that npm's bin link can start it.
 */
async function bundleCli({ entry, outFile, version }) {
  await build({
    entryPoints: [entry],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    define: { __ENCORE_VERSION__: JSON.stringify(version) },
    external: [...builtinModules, ...builtinModules.map((name) => `node:${name}`)],
    sourcemap: false,
    minify: false,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  await chmod(outFile, 0o755);
}

/** Executables from an earlier build for other platforms would otherwise linger in dist/. */
async function removeExecutables(dir, prefix) {
  for (const name of await readdir(dir)) {
    if (name.startsWith(`${prefix}_`)) await unlink(join(dir, name));
  }
}

main().catch((error) => {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
