// Command-line flags of scripts/build.mjs.
import { resolvePlatforms } from './platforms.mjs';

export const USAGE = `usage: node scripts/build.mjs [--backend] [--frontend] [--platforms=LIST] [--entry=FILE]
  --backend        bundle the backend and build the executables
  --frontend       build the browser modules
                   (neither flag: both; manifests, logos and docs are copied every time)
  --platforms=LIST executables to build: comma list of linux-x64, linux-arm64, win-x64,
                   host (this machine) or all (the default; env ENCORE_PLATFORMS too)
  --entry=FILE     backend entry point instead of src/backend/main.ts`;

/**
 * @param {string[]} argv arguments after the script name
 * @param {NodeJS.ProcessEnv} env
 */
export function parseOptions(argv, env) {
  let backend = false;
  let frontend = false;
  let platformsText = env.ENCORE_PLATFORMS;
  let entry = 'src/backend/main.ts';
  for (const arg of argv) {
    const [flag, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--backend' && value === undefined) backend = true;
    else if (flag === '--frontend' && value === undefined) frontend = true;
    else if (flag === '--platforms' && value !== undefined) platformsText = value;
    else if (flag === '--entry' && value !== undefined && value !== '') entry = value;
    else if (flag === '--help' || flag === '-h') return { help: true };
    else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  if (!backend && !frontend) backend = frontend = true;
  return { help: false, backend, frontend, platforms: resolvePlatforms(platformsText), entry };
}
