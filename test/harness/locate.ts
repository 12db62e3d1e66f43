/**
 * Finds the backend executable Grafana would start on this host: `<executable>_<goos>_<goarch>`
 * in the data source's dist folder (fact sheet §1.1). Node names platforms differently from Go,
 * so translate (x64 → amd64, win32 → windows).
 *
 * ENCORE_BACKEND_EXECUTABLE overrides the path; the value `dev` runs src/backend/main.ts through
 * tsx instead, for working on the backend before a build exists.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_EXECUTABLE } from '../../src/common/plugin-ids';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BACKEND_DIST_DIR = join(REPO_ROOT, 'dist', 'datasource');

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
const GO_OS: Record<string, string> = { win32: 'windows', linux: 'linux', darwin: 'darwin', freebsd: 'freebsd' };

export function goArch(arch: string = process.arch): string {
  const mapped = GO_ARCH[arch];
  if (!mapped) throw new Error(`no Go GOARCH known for Node arch "${arch}"`);
  return mapped;
}

export function goOs(platform: string = process.platform): string {
  const mapped = GO_OS[platform];
  if (!mapped) throw new Error(`no Go GOOS known for Node platform "${platform}"`);
  return mapped;
}

/** File name Grafana looks for, e.g. gpx_encore_linux_amd64 or gpx_encore_windows_amd64.exe. */
export function backendExecutableName(platform: string = process.platform, arch: string = process.arch): string {
  const os = goOs(platform);
  return `${BACKEND_EXECUTABLE}_${os}_${goArch(arch)}${os === 'windows' ? '.exe' : ''}`;
}

export class BackendNotBuiltError extends Error {
  override name = 'BackendNotBuiltError';
}

function assertExecutable(path: string, origin: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // reported below
  }
  if (!isFile) {
    throw new BackendNotBuiltError(
      `backend executable not found: ${path} (${origin}). Run \`npm run build\` first ` +
        '(or set ENCORE_BACKEND_EXECUTABLE to a built executable, or to "dev" to run src/backend/main.ts through tsx).',
    );
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new BackendNotBuiltError(`backend executable is not executable: ${path} (${origin}); Grafana would fail to start it.`);
  }
}

/** Absolute path of the built executable for this host; throws with a "run npm run build" hint. */
export function locateBackendExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.ENCORE_BACKEND_EXECUTABLE;
  if (override && override !== 'dev') {
    assertExecutable(override, 'from ENCORE_BACKEND_EXECUTABLE');
    return override;
  }
  const path = join(BACKEND_DIST_DIR, backendExecutableName());
  assertExecutable(path, `expected for ${process.platform}/${process.arch}`);
  return path;
}

/**
 * Node with absolute loader paths: the plugin runs with a foreign cwd and possibly without PATH,
 * so nothing may be resolved relative to either.
 */
export function tsxCommand(entry: string): string[] {
  return [
    process.execPath,
    '--import',
    import.meta.resolve('tsx'),
    '--import',
    new URL('../support/proto-text-loader.mjs', import.meta.url).href,
    entry,
  ];
}

/** argv for the dev entry point (src/backend/main.ts through tsx). */
export function devBackendCommand(): string[] {
  return tsxCommand(join(REPO_ROOT, 'src', 'backend', 'main.ts'));
}

/** argv to start the backend: the built executable, or the dev entry when ENCORE_BACKEND_EXECUTABLE=dev. */
export function backendCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  return env.ENCORE_BACKEND_EXECUTABLE === 'dev' ? devBackendCommand() : [locateBackendExecutable(env)];
}
