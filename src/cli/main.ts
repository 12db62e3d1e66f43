/**
 * The `encore` command: `encore detect|quality [options] FILE...`. Dispatch only; each command
 * lives in its own module. Exit codes: 0 ok, 1 some input failed, 2 usage error, 3 anomalies
 * found (--fail-on-anomaly) or a failing quality check (--fail-on-quality).
 */
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
import { detectCommand } from './detect-command';
import { DETECT_USAGE, MAIN_USAGE, QUALITY_USAGE } from './help';
import { EXIT, processIo, type Io } from './io';
import { parseDetectArgs, parseQualityArgs, UsageError } from './options';
import { qualityCommand } from './quality-command';
import { version } from './version';

export async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'detect': {
        const settings = parseDetectArgs(rest);
        if (!settings) return help(io, DETECT_USAGE);
        return await detectCommand(settings, io);
      }
      case 'quality': {
        const settings = parseQualityArgs(rest);
        if (!settings) return help(io, QUALITY_USAGE);
        return await qualityCommand(settings, io);
      }
      case '--version':
      case '-V':
        io.stdout(`encore ${version()}\n`);
        return EXIT.ok;
      case '--help':
      case '-h':
      case 'help':
        return help(io, rest[0] === 'detect' ? DETECT_USAGE : rest[0] === 'quality' ? QUALITY_USAGE : MAIN_USAGE);
      case undefined:
        io.stderr(`${MAIN_USAGE}\n`);
        return EXIT.usage;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; the commands are detect and quality`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const name = command === 'detect' || command === 'quality' ? `encore ${command}` : 'encore';
      io.stderr(`${name}: ${error.message}\n(${name} --help lists the options)\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

function help(io: Io, text: string): number {
  io.stdout(`${text}\n`);
  return EXIT.ok;
}

/** Run as a program (not when a test imports `run`); resolves symlinks such as node_modules/.bin/encore. */
function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // Closing stdout early (`encore detect x.csv | head`) is not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  run(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // A bug, not an input problem: say so with the stack, exit 1.
      process.stderr.write(`encore: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = EXIT.inputFailed;
    },
  );
}
