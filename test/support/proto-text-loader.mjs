// Node module hook so tests running TypeScript sources through tsx can `import x from './a.proto'`
// exactly as the esbuild bundle does (text loader).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function load(url, context, nextLoad) {
  if (url.endsWith('.proto')) {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL(url), 'utf8');
    return { format: 'module', source: 'export default ' + JSON.stringify(text) + ';', shortCircuit: true };
  }
  return nextLoad(url, context);
}`),
);

// tsx may compile a file to CommonJS (e.g. outside a "type": "module" scope): cover require() too.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
require('node:module').Module._extensions['.proto'] = (module, filename) => {
  module.exports = { __esModule: true, default: readFileSync(filename, 'utf8') };
};
