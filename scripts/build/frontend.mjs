// Browser modules: one self-contained AMD file per plugin, the format Grafana's loader
// (SystemJS with its AMD extra) expects, following @grafana/create-plugin's conventions.
import { join } from 'node:path';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import esbuild, { minify } from 'rollup-plugin-esbuild';
import { isGrafanaShared } from './grafana-externals.mjs';

// Grafana's supported browsers all run ES2020; going lower only grows the bundle.
const TARGET = 'es2020';

/**
 * @param {{ input: string, output: string, root: string }} plugin
 * @returns {Promise<{ output: string, externals: string[] }>}
 */
export async function buildPluginModule({ input, output, root }) {
  const bundle = await rollup({
    input,
    external: isGrafanaShared,
    plugins: [
      nodeResolve({ browser: true, extensions: ['.mjs', '.js', '.ts', '.tsx', '.json'] }),
      commonjs(),
      // TypeScript and JSX (react-jsx from tsconfig: imports react/jsx-runtime, which Grafana shares).
      esbuild({
        target: TARGET,
        tsconfig: join(root, 'tsconfig.json'),
        define: { 'process.env.NODE_ENV': '"production"' },
      }),
    ],
    onwarn(warning, warn) {
      // A module that imports something it does not use from Grafana is not a problem.
      if (warning.code === 'UNUSED_EXTERNAL_IMPORT') return;
      // Dependencies' own quirks (comment placement, internal import cycles) are theirs to fix
      // and do not change the output; our sources still get every warning.
      const inDependency = (warning.id ?? warning.ids?.[0] ?? '').includes('node_modules');
      if (inDependency && ['INVALID_ANNOTATION', 'CIRCULAR_DEPENDENCY', 'MODULE_LEVEL_DIRECTIVE'].includes(warning.code)) return;
      warn(warning);
    },
  });
  try {
    const { output: chunks } = await bundle.write({
      file: output,
      format: 'amd',
      // Anonymous define(): the loader names the module after its URL.
      amd: {},
      exports: 'named',
      interop: 'auto',
      sourcemap: true,
      // One file per plugin: Grafana loads module.js only.
      inlineDynamicImports: true,
      plugins: [minify({ target: TARGET, sourceMap: true })],
    });
    const chunk = chunks.find((c) => c.type === 'chunk');
    return { output, externals: chunk ? chunk.imports : [] };
  } finally {
    await bundle.close();
  }
}

