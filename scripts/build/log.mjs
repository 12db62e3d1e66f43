// Build progress on the terminal: one line per step, with sizes and durations.
import { statSync } from 'node:fs';
import { relative } from 'node:path';

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatMs(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function fileSize(path) {
  return statSync(path).size;
}

/** Logs `label ... done (time)` around an async step and returns its result. */
export async function step(label, run) {
  const started = performance.now();
  console.log(`▸ ${label}`);
  const result = await run();
  console.log(`  done in ${formatMs(performance.now() - started)}`);
  return result;
}

/** One indented detail line: a produced file with its size. */
export function wrote(path, note = '') {
  console.log(`  wrote ${relative(process.cwd(), path)} (${formatBytes(fileSize(path))})${note ? ` ${note}` : ''}`);
}

export function detail(text) {
  console.log(`  ${text}`);
}
