// Runs a benchmark the way the backend runs in production: bundled by esbuild with the backend's
// settings and executed by the Node binary the backend executable carries (Node 24, fetched once
// into .cache/node-dist as the build does), not by the shell's Node through tsx. The speed of the
// shipped code is the figure that matters; tsx adds a getter per imported binding and the
// development Node is an older V8.
//   node scripts/bench-shipped.mjs bench/analysis.ts [benchmark arguments...]
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BACKEND_COMPILE_OPTIONS } from './build/backend.mjs';
import { ensureNodeBinary } from './build/node-dist.mjs';
import { hostPlatform, NODE_VERSION } from './build/platforms.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/bench-shipped.mjs BENCH_FILE [arguments...]');
  process.exit(2);
}
const host = hostPlatform();
if (!host) {
  console.error(`the backend ships no Node for ${process.platform}-${process.arch}; run the benchmark with node --import tsx ${entry}`);
  process.exit(2);
}

const outDir = join(ROOT, '.cache', 'bench');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, `${basename(entry).replace(/\.[cm]?ts$/, '')}.mjs`);
await build({
  ...BACKEND_COMPILE_OPTIONS,
  entryPoints: [resolve(ROOT, entry)],
  outfile: outFile,
  // ESM for import.meta in the benchmarks; the backend's own format, CommonJS, compiles the same code.
  format: 'esm',
  packages: 'external',
  // Dependencies stay in node_modules (resolved from the bundle's folder up to the repository).
  banner: { js: "import { createRequire as __encoreRequire } from 'node:module'; const require = __encoreRequire(import.meta.url);" },
  logLevel: 'warning',
});
const node = await ensureNodeBinary(host, join(ROOT, '.cache', 'node-dist'));
process.stderr.write(`benchmark ${entry} bundled to ${outFile}, run by Node ${NODE_VERSION} (the backend executable's)\n`);
const child = spawn(node, [outFile, ...args], {
  stdio: 'inherit',
  env: { ...process.env, ENCORE_ROOT: ROOT, ENCORE_BENCH_RUNTIME: `Node ${NODE_VERSION}, the runtime of the backend executable, on an esbuild bundle like the backend's` },
});
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
