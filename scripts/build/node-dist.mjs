// Official Node binaries per platform, fetched once through npm and cached by version.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { detail } from './log.mjs';
import { NODE_VERSION, PLATFORMS } from './platforms.mjs';

const run = promisify(execFile);
// npm and tar are scripts/programs on PATH; on Windows npm is a .cmd, which needs a shell.
const useShell = process.platform === 'win32';

/**
 * Path of the Node binary for `platform`, downloading it on first use into
 * `<cacheDir>/<version>/<platform>/`. The npm packages declare os/cpu, so `npm install` would
 * refuse foreign platforms; `npm pack` just fetches the tarball (integrity-checked by npm).
 * @param {keyof typeof PLATFORMS} platform
 * @param {string} cacheDir
 */
export async function ensureNodeBinary(platform, cacheDir) {
  const target = PLATFORMS[platform];
  const dir = join(cacheDir, NODE_VERSION, platform);
  const binary = join(dir, target.binary.split('/').pop());
  if (existsSync(binary)) return binary;

  const spec = `${target.npmPackage}@${NODE_VERSION}`;
  detail(`fetching ${spec} (first build for this version)`);
  await mkdir(cacheDir, { recursive: true });
  const scratch = await mkdtemp(join(cacheDir, `.fetch-${platform}-`));
  try {
    const { stdout } = await run('npm', ['pack', spec, '--pack-destination', scratch, '--json', '--silent'], {
      shell: useShell,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout);
    if (!packed?.filename) throw new Error(`npm pack ${spec}: unexpected output`);
    await run('tar', ['-xzf', join(scratch, packed.filename), '-C', scratch, `package/${target.binary}`], { shell: useShell });
    await mkdir(dir, { recursive: true });
    // Renamed into place last, so an interrupted fetch never leaves a half-written cache entry.
    await rename(join(scratch, 'package', target.binary), binary);
    await chmod(binary, 0o755);
    detail(`cached ${spec} (${packed.integrity ?? 'no integrity reported'})`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return binary;
}
