// Bundles the backend into one CommonJS file: the script a Node single executable runs.
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { build } from 'esbuild';

/**
 * Everything but Node's own modules goes into the bundle: a single executable application can
 * only `require` built-ins, and Grafana hosts have no node_modules.
 * target node20: the same bundle also runs under the development machines' Node 20 (tests,
 * debugging), while the executables carry Node 24.
 * @param {{ entry: string, outFile: string }} options
 */
/**
 * How backend code is compiled, shared with scripts/bench-shipped.mjs so that benchmarks run the
 * code as the executable does. The protocol's .proto files are compiled in as strings: the
 * executable reads no files.
 */
export const BACKEND_COMPILE_OPTIONS = { bundle: true, platform: 'node', target: 'node20', loader: { '.proto': 'text' } };

export async function bundleBackend({ entry, outFile }) {
  if (!existsSync(entry)) {
    throw new Error(`backend entry ${entry} does not exist`);
  }
  const result = await build({
    ...BACKEND_COMPILE_OPTIONS,
    entryPoints: [entry],
    outfile: outFile,
    format: 'cjs',
    // msgpackr tries its optional native string extractor in a try/catch and falls back to
    // JavaScript: left out, since a single executable cannot load native addons.
    external: [...builtinModules, ...builtinModules.map((name) => `node:${name}`), 'msgpackr-extract'],
    // A linked map: `node --enable-source-maps .cache/backend/encore-backend.cjs` shows
    // TypeScript positions; the executables carry the readable, unminified bundle without it.
    sourcemap: 'linked',
    minify: false,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    logOverride: {
      // protobufjs probes for optional modules with eval("require"); it falls back cleanly.
      'direct-eval': 'silent',
    },
  });
  return result.metafile;
}

/** The biggest contributors to the bundle's bytes by package, for the build log. */
export function largestPackages(metafile, count = 5) {
  const byPackage = new Map();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match ? match[1] : 'Encore sources';
      byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
}
