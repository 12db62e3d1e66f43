/**
 * Child processes that cannot outlive their parent. Each one runs under a small bash watchdog in
 * its own process group (so a Ctrl-C in the terminal reaches only the parent, which stops the
 * children in order). The watchdog stops the child when the parent closes the watchdog's stdin, or
 * when that pipe breaks because the parent is gone however it ended (even SIGKILL): SIGTERM, then
 * SIGKILL after the grace period, then SIGTERM to whatever else is left in the group (e.g. a
 * promtool the child had started). After an orphaning it also removes `removeOnOrphan`, which
 * nobody else is left to do.
 *
 * Used by the native stack (src/stack/stack.ts) and by the test fixtures (test/support/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';

const WATCHDOG = `
"$@" </dev/null &
child=$!
echo "watchdog-child $child"
stop() {
  kill -TERM "$child" 2>/dev/null
  for _ in $(seq 1 "$ENCORE_WATCHDOG_GRACE_TENTHS"); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$child" 2>/dev/null
  wait "$child" 2>/dev/null
  trap '' TERM
  kill -TERM 0 2>/dev/null
}
trap 'stop; exit 143' TERM INT HUP
while kill -0 "$child" 2>/dev/null; do
  read -r -t 1 _; rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -le 128 ]; then
    stop
    if [ -n "$ENCORE_WATCHDOG_REMOVE" ]; then rm -rf -- "$ENCORE_WATCHDOG_REMOVE"; fi
    exit 0
  fi
done
wait "$child"
`;

export interface SuperviseOptions {
  /** for messages, e.g. "prometheus" */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  /** the whole environment of the child (default: this process's) */
  env?: NodeJS.ProcessEnv;
  /** SIGTERM to SIGKILL (default 10 s) */
  graceMs?: number;
  /** a directory the watchdog removes if this process dies without stopping the child */
  removeOnOrphan?: string;
  /** also append the child's output here */
  logFile?: string;
  /** every line the child prints (stdout and stderr) */
  onLine?: (line: string) => void;
  /** let this process exit while the child runs (the watchdog then stops it); default false */
  unref?: boolean;
  /** how much output logs() keeps (default 64 KiB) */
  logLimit?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Supervised {
  readonly name: string;
  /** the watchdog; also the process group of the child and of everything it starts */
  readonly watchdogPid: number;
  /** the child's pid once the watchdog has reported it */
  childPid(): number | undefined;
  /** the watchdog has ended (and with it the child) */
  readonly exited: Promise<ExitStatus>;
  running(): boolean;
  /** the tail of the child's output */
  logs(): string;
  /** SIGTERM, SIGKILL after the grace period; resolves when the process group is gone */
  stop(): Promise<ExitStatus>;
  /** SIGKILL to the whole group at once */
  kill(): void;
}

export function supervise(options: SuperviseOptions): Supervised {
  const graceMs = options.graceMs ?? 10_000;
  const limit = options.logLimit ?? 64 * 1024;
  const child: ChildProcess = spawn('bash', ['-c', WATCHDOG, 'watchdog', options.command, ...options.args], {
    cwd: options.cwd,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...(options.env ?? process.env),
      ENCORE_WATCHDOG_GRACE_TENTHS: String(Math.max(1, Math.ceil(graceMs / 100))),
      ENCORE_WATCHDOG_REMOVE: options.removeOnOrphan ?? '',
    },
  });
  if (child.pid === undefined) throw new Error(`${options.name}: cannot start bash (is it installed?)`);
  const watchdogPid = child.pid;
  let log = '';
  let pid: number | undefined;
  let partial = '';
  const keep = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const reported = /^watchdog-child (\d+)$/.exec(line);
      if (reported && pid === undefined) {
        pid = Number(reported[1]);
        continue;
      }
      log = (log + line + '\n').slice(-limit);
      if (options.logFile) {
        try {
          appendFileSync(options.logFile, `${line}\n`);
        } catch {
          // the data directory may be going away while we stop
        }
      }
      options.onLine?.(line);
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.stdin!.on('error', () => undefined);
  child.on('error', (error) => (log += `\nwatchdog: ${error.message}\n`));
  let running = true;
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );

  const killGroup = () => {
    try {
      process.kill(-watchdogPid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  // If this process exits without stop(), the watchdog would notice within a second; be immediate.
  const onExit = () => {
    if (!running) return;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', onExit);
  void exited.then(() => process.removeListener('exit', onExit));

  if (options.unref) {
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }

  let stopping: Promise<ExitStatus> | undefined;
  return {
    name: options.name,
    watchdogPid,
    childPid: () => pid,
    exited,
    running: () => running,
    logs: () => log,
    kill: killGroup,
    stop: () => {
      stopping ??= (async () => {
        child.ref();
        if (running) {
          // SIGTERM makes the watchdog stop the child (SIGTERM, SIGKILL after the grace period).
          child.kill('SIGTERM');
          const deadline = setTimeout(killGroup, graceMs + 5000);
          await exited;
          clearTimeout(deadline);
        }
        child.stdin!.destroy();
        // Whatever the child started and left behind in its group (a promtool, say).
        killGroup();
        return exited;
      })();
      return stopping;
    },
  };
}
