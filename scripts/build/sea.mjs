// Node single executable applications: one preparation blob, injected into each platform's node.
import { execFile } from 'node:child_process';
import { chmod, copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postject from 'postject';
import { stripAuthenticode } from './pe.mjs';

const run = promisify(execFile);

/** The fuse Node checks at start-up to know a blob was injected (see Node's SEA docs). */
export const SEA_SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const SEA_RESOURCE_NAME = 'NODE_SEA_BLOB';
/** Mach-O only: the segment the blob goes into. */
export const SEA_MACHO_SEGMENT = 'NODE_SEA';

/**
 * Writes the preparation blob for `script` using `node` (a Node 24 binary that runs on this
 * machine). Without a code cache or start-up snapshot the blob holds just the script and flags,
 * so the same blob is valid for every platform's binary of that Node version.
 * @returns {Promise<string>} path of the blob
 */
export async function prepareSeaBlob({ node, script, workDir }) {
  const blob = join(workDir, 'encore-backend.blob');
  const config = join(workDir, 'sea-config.json');
  await writeFile(
    config,
    JSON.stringify(
      {
        main: script,
        output: blob,
        // Grafana logs the plugin's stderr: a warning on every start would be noise there.
        disableExperimentalSEAWarning: true,
        useSnapshot: false,
        useCodeCache: false,
      },
      null,
      2,
    ),
  );
  await rm(blob, { force: true });
  // An empty environment: NODE_OPTIONS or the like from the developer's shell must not leak in.
  await run(node, ['--experimental-sea-config', config], { env: {}, cwd: workDir });
  return blob;
}

/**
 * Copies `node` to `output` and injects the blob. The copy is a new file: the cached binary
 * stays pristine for the next build. Windows images lose their (then invalid) signature first.
 * @param {{ node: string, blob: string, output: string, format: 'elf' | 'pe' | 'macho' }} options
 */
export async function injectSeaBlob({ node, blob, output, format }) {
  await rm(output, { force: true });
  let unsignedBytes = 0;
  if (format === 'pe') {
    const { image, removedBytes } = stripAuthenticode(await readFile(node));
    await writeFile(output, image);
    unsignedBytes = removedBytes;
  } else {
    await copyFile(node, output);
  }
  await chmod(output, 0o755);
  const data = await readFile(blob);
  const noteWarnings = await countingNoteWarnings(() =>
    postject.inject(output, SEA_RESOURCE_NAME, data, {
      sentinelFuse: SEA_SENTINEL_FUSE,
      ...(format === 'macho' ? { machoSegmentName: SEA_MACHO_SEGMENT } : {}),
    }),
  );
  await chmod(output, 0o755);
  return { noteWarnings, unsignedBytes };
}

const NOTE_WARNING = /^warning: Can't find string offset for section name '\.note/;

/**
 * postject's ELF writer (LIEF, compiled to WebAssembly) prints "Can't find string offset for
 * section name '.note...'" once per note section of Node's binary. The warning is known and
 * harmless (the executables start and the tests run them), so it is counted, not printed;
 * anything else still reaches the terminal. postject binds console.warn when each inject call
 * loads its module, which is why swapping it around the call is enough.
 */
async function countingNoteWarnings(run) {
  const original = console.warn;
  let count = 0;
  console.warn = (...args) => {
    if (args.length === 1 && typeof args[0] === 'string' && NOTE_WARNING.test(args[0])) count += 1;
    else original(...args);
  };
  try {
    await run();
  } finally {
    console.warn = original;
  }
  return count;
}
