// Sizes worth watching: each plugin's browser bundle (what every Grafana user downloads, raw and
// gzipped as Grafana serves it), the backend executables, and the archive.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * @param {string} distDir
 * @returns {Promise<{ plugins: Array<{ dir: string, id: string, type: string, moduleBytes: number, moduleGzipBytes: number, mapBytes: number }>, executables: Array<{ path: string, bytes: number }> }>}
 *   plugins in dist order (the app first); `dir` relative to dist ('' for the app)
 */
export async function measureDist(distDir, { exclude = ['cli'] } = {}) {
  const plugins = [];
  const executables = [];
  async function walk(rel) {
    const abs = rel === '' ? distDir : join(distDir, rel);
    const names = (await readdir(abs, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    if (names.some((n) => n.isFile() && n.name === 'plugin.json')) {
      const manifest = JSON.parse(await readFile(join(abs, 'plugin.json'), 'utf8'));
      const module = join(abs, 'module.js');
      const code = await readFile(module).catch(() => undefined);
      const map = await stat(`${module}.map`).catch(() => undefined);
      plugins.push({
        dir: rel,
        id: String(manifest.id),
        type: String(manifest.type),
        moduleBytes: code?.length ?? 0,
        moduleGzipBytes: code ? gzipSync(code, { level: 6 }).length : 0,
        mapBytes: map?.size ?? 0,
      });
      if (typeof manifest.executable === 'string') {
        for (const n of names) {
          if (n.isFile() && n.name.startsWith(`${manifest.executable}_`)) {
            executables.push({ path: posix.join(rel, n.name), bytes: (await stat(join(abs, n.name))).size });
          }
        }
      }
    }
    for (const n of names) {
      if (n.isDirectory() && !(rel === '' && exclude.includes(n.name))) await walk(rel === '' ? n.name : `${rel}/${n.name}`);
    }
  }
  await walk('');
  return { plugins, executables };
}

export function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export function mib(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * The sizes as a Markdown section body (tables), for docs/packaging.md and the terminal.
 * @param {{ plugins: any[], executables: any[] }} sizes
 * @param {{ zipBytes: number, zipName: string, entries: number, version: string, date: string, platforms: string[] }} archive
 */
export function sizesMarkdown(sizes, archive) {
  const lines = [
    `Measured by \`npm run package\` on ${archive.date}, version ${archive.version}, executables for ${archive.platforms.join(', ') || 'no platform'}.`,
    '',
    '| plugin | module.js | gzip | source map |',
    '| --- | ---: | ---: | ---: |',
    ...sizes.plugins.map((p) => `| ${p.id} (${p.dir === '' ? 'dist/' : `dist/${p.dir}/`}) | ${kib(p.moduleBytes)} | ${kib(p.moduleGzipBytes)} | ${kib(p.mapBytes)} |`),
    '',
    '| executable | size |',
    '| --- | ---: |',
    ...sizes.executables.map((e) => `| ${e.path} | ${mib(e.bytes)} |`),
    '',
    `Archive \`${archive.zipName}\`: ${mib(archive.zipBytes)} (${archive.entries} entries).`,
  ];
  return lines.join('\n');
}

const START = '<!-- sizes:start (written by npm run package -- --docs) -->';
const END = '<!-- sizes:end -->';

/** Replaces the marked sizes section of a Markdown text; throws when the markers are missing. */
export function replaceSizesSection(markdown, body) {
  const start = markdown.indexOf(START);
  const end = markdown.indexOf(END);
  if (start === -1 || end === -1 || end < start) throw new Error(`expected the markers ${START} and ${END}`);
  return `${markdown.slice(0, start + START.length)}\n${body}\n${markdown.slice(end)}`;
}

export const SIZES_MARKERS = { START, END };
