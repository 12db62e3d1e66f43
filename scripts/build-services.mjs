#!/usr/bin/env node
// Bundles the stack's Node services for the services image (Dockerfile target "services"):
//   build/services/collector.mjs     src/collector/main.ts
//   build/services/simulator.mjs     src/simulator/cli/main.ts
//   build/services/healthcheck.mjs   src/stack/healthcheck.ts (the containers' health checks)
// Each is one self-contained ES module for Node 20 (dependencies inlined, no node_modules needed).
// Usage: node scripts/build-services.mjs [--outdir DIR]
import { mkdir, rm, stat } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVICES_OUTDIR = join(ROOT, 'build', 'services');
export const SERVICE_ENTRIES = {
  collector: 'src/collector/main.ts',
  simulator: 'src/simulator/cli/main.ts',
  healthcheck: 'src/stack/healthcheck.ts',
};

export async function buildServices(outdir = SERVICES_OUTDIR) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(Object.entries(SERVICE_ENTRIES).map(([name, entry]) => [name, join(ROOT, entry)])),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // prom-client and other CommonJS dependencies call require() for Node's own modules.
    banner: { js: "import { createRequire as __encoreCreateRequire } from 'node:module';\nconst require = __encoreCreateRequire(import.meta.url);" },
    external: [...builtinModules, ...builtinModules.map((name) => `node:${name}`)],
    sourcemap: false,
    minify: false,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  const files = [];
  for (const name of Object.keys(SERVICE_ENTRIES)) {
    const file = join(outdir, `${name}.mjs`);
    files.push({ file, bytes: (await stat(file)).size });
  }
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
  const outdir = values.outdir ? resolve(values.outdir) : SERVICES_OUTDIR;
  const started = performance.now();
  for (const { file, bytes } of await buildServices(outdir)) console.log(`wrote ${relative(process.cwd(), file)} (${(bytes / 1024).toFixed(0)} KiB)`);
  console.log(`services bundled in ${Math.round(performance.now() - started)} ms`);
}
