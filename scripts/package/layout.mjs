// What goes into the plugin archive: dist/'s files under one folder named after the app id, with
// normalised modes (directories and executables 0755, other files 0644), in a stable order.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';

/** Top-level entries of dist/ that are not part of the plugin. */
export const NOT_SHIPPED = ['cli'];

/**
 * The archive's entries for a dist folder.
 * @param {string} distDir
 * @param {{ topFolder: string, exclude?: string[] }} options `exclude`: top-level names left out
 *   (default NOT_SHIPPED)
 * @returns {Promise<{ entries: Array<{ path: string, directory: boolean, file?: string, mode: number, mtime: Date, size: number }>, executables: string[], repairedModes: string[] }>}
 *   `executables`: archive paths of the backend executables; `repairedModes`: executables that
 *   had lost their execute bit in dist/ and get 0755 in the archive anyway
 */
export async function archiveEntries(distDir, { topFolder, exclude = NOT_SHIPPED }) {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(topFolder)) throw new Error(`archive folder "${topFolder}": expected a plugin id`);
  const skipped = new Set(exclude);
  const files = [];
  const dirs = [];
  async function walk(abs, rel) {
    const items = await readdir(abs, { withFileTypes: true });
    for (const item of items) {
      const itemRel = rel === '' ? item.name : `${rel}/${item.name}`;
      if (rel === '' && skipped.has(item.name)) continue;
      const itemAbs = join(abs, item.name);
      if (item.isDirectory()) {
        dirs.push({ rel: itemRel, abs: itemAbs });
        await walk(itemAbs, itemRel);
      } else if (item.isFile()) {
        files.push({ rel: itemRel, abs: itemAbs });
      } else {
        // Symlinks and the like would unpack differently everywhere: Grafana's own archives have none.
        throw new Error(`dist/${itemRel}: only plain files and folders can be packaged`);
      }
    }
  }
  await walk(distDir, '');
  const executablePrefixes = await executablePrefixesOf(distDir, files);
  const executables = [];
  const repairedModes = [];
  const rootStat = await stat(distDir);
  const entries = [{ path: topFolder, directory: true, mode: 0o755, mtime: rootStat.mtime, size: 0 }];
  for (const dir of dirs) {
    const info = await stat(dir.abs);
    entries.push({ path: `${topFolder}/${dir.rel}`, directory: true, mode: 0o755, mtime: info.mtime, size: 0 });
  }
  for (const file of files) {
    const info = await stat(file.abs);
    const isExecutable = executablePrefixes.some((prefix) => file.rel.startsWith(prefix));
    if (isExecutable) {
      executables.push(`${topFolder}/${file.rel}`);
      if ((info.mode & 0o111) === 0 && !file.rel.endsWith('.exe')) repairedModes.push(file.rel);
    }
    const mode = isExecutable || (info.mode & 0o100) !== 0 ? 0o755 : 0o644;
    entries.push({ path: `${topFolder}/${file.rel}`, directory: false, file: file.abs, mode, mtime: info.mtime, size: info.size });
  }
  entries.sort((a, b) => compareArchivePaths(a.path, b.path));
  return { entries, executables, repairedModes };
}

/** Folders before their content, then by path: what `zip -r` and unzip listings look like. */
function compareArchivePaths(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `<plugin dir>/<executable>_` for every plugin.json in dist that declares an executable: the
 * files Grafana starts, whatever platforms were built.
 */
async function executablePrefixesOf(distDir, files) {
  const prefixes = [];
  for (const file of files) {
    if (posix.basename(file.rel) !== 'plugin.json') continue;
    let manifest;
    try {
      manifest = JSON.parse(await readFile(file.abs, 'utf8'));
    } catch {
      continue; // the checks report an unreadable plugin.json
    }
    if (typeof manifest.executable === 'string' && manifest.executable !== '') {
      const dir = posix.dirname(file.rel);
      prefixes.push(`${dir === '.' ? '' : `${dir}/`}${manifest.executable}_`);
    }
  }
  return prefixes;
}
