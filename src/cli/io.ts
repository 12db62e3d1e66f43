import type { Readable } from 'node:stream';

/** Where a command reads and writes: the process's streams, or a test's. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: Readable;
  stderrIsTty: boolean;
}

export function processIo(): Io {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stdin: process.stdin,
    stderrIsTty: process.stderr.isTTY === true,
  };
}

/** Exit codes, as docs/cli.md lists them. */
export const EXIT = {
  ok: 0,
  /** some input could not be read or analysed (the others were) */
  inputFailed: 1,
  usage: 2,
  /** detect --fail-on-anomaly found anomalies / quality --fail-on-quality found a failing check */
  found: 3,
} as const;

/** The message of a file-system error, without Node's stack of syscall details. */
export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, expected a file';
    default:
      return e.code ? `${e.code}: ${e.message}` : String(e.message ?? e);
  }
}
