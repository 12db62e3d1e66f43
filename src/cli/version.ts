import { readFileSync } from 'node:fs';

/**
 * The package version. The build writes it into the bundle (esbuild `define`); run from the
 * sources (`npm run encore`) it is read from package.json next to src/.
 */
declare const __ENCORE_VERSION__: string | undefined;

export function version(): string {
  if (typeof __ENCORE_VERSION__ === 'string') return __ENCORE_VERSION__;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
