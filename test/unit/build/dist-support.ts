// Shared by the build tests: where dist/ is, and a build of the host platform when it is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_EXECUTABLE } from '../../../src/common/plugin-ids';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DIST = join(ROOT, 'dist');
export const DIST_DATASOURCE = join(DIST, 'datasource');

/** Grafana's name for this machine's executable: `<executable>_<goos>_<goarch>[.exe]`. */
export function hostExecutableName(): string {
  const goos = process.platform === 'win32' ? 'windows' : process.platform;
  const goarch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[os.arch()] ?? os.arch();
  return `${BACKEND_EXECUTABLE}_${goos}_${goarch}${goos === 'windows' ? '.exe' : ''}`;
}

export const HOST_EXECUTABLE = join(DIST_DATASOURCE, hostExecutableName());

/**
 * `npm test` builds before running tests; a test run on its own builds what it needs (frontend
 * and the host's executable only, which is the fast path) when dist/ lacks it.
 */
export function ensureBuilt(): void {
  const needed = [join(DIST, 'plugin.json'), join(DIST, 'module.js'), join(DIST_DATASOURCE, 'module.js'), HOST_EXECUTABLE];
  const built = () => needed.every((path) => existsSync(path));
  if (built()) return;
  // Test files run in parallel: the first one builds, the others wait for it (a full build
  // empties dist/, so two at once would trip over each other).
  withLock(join(ROOT, '.cache', 'test-build.lock'), () => {
    if (built()) return;
    const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--platforms=host'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (result.status !== 0) throw new Error(`build failed (exit ${result.status})`);
  });
}

/** A directory as a cross-process lock (mkdir is atomic); a lock older than 10 minutes is stale. */
function withLock(dir: string, run: () => void): void {
  mkdirSync(dirname(dir), { recursive: true });
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(dir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statOrUndefined(dir)?.mtimeMs ?? Date.now());
      if (age > 10 * 60_000) rmSync(dir, { recursive: true, force: true });
      else Atomics.wait(sleeper, 0, 0, 250);
    }
  }
  try {
    run();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
