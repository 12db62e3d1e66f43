/**
 * Starting a plugin process exactly as Grafana does through go-plugin (fact sheet §1.1–1.2):
 * Go's exec.Command — no shell, the working directory is Grafana's (never the plugin folder),
 * the environment is Grafana's own variables, then the host environment (unless SkipHostEnv),
 * then go-plugin's variables, later entries winning.
 *
 * This module owns the process: stdout lines, the parsed stderr log, exit, signals, and a record
 * of every descendant seen while it ran (so a test can prove none outlives it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StderrLog } from './hclog';
import { LineSplitter } from './lines';
import { cpuSeconds, descendantsOf, listeningSockets, procAvailable, readProc, stillRunning, type ListeningSocket, type ProcInfo } from './proc';

export const MAGIC_COOKIE_KEY = 'grafana_plugin_type';
export const MAGIC_COOKIE_VALUE = 'datasource';
export const DEFAULT_GRAFANA_VERSION = '13.2.2';

/**
 * inherit: Grafana's default, the whole host environment is forwarded.
 * minimal: the pluginsSkipHostEnvVars mode — only Grafana's and go-plugin's variables (no PATH, no HOME).
 * no-cookie: like inherit, without the magic cookie (someone running the executable by hand).
 */
export type EnvMode = 'inherit' | 'minimal' | 'no-cookie';

export interface SpawnOptions {
  /** argv; default: the built backend executable (see locate.ts). Must start with an absolute path. */
  command: string[];
  env?: EnvMode;
  /** applied last; undefined removes a variable */
  envOverrides?: Record<string, string | undefined>;
  /** PLUGIN_PROTOCOL_VERSIONS (Grafana: "2") */
  protocolVersions?: string;
  grafanaVersion?: string;
  /** working directory; default a fresh temp dir (Grafana's cwd is never the plugin dir) */
  cwd?: string;
}

/** Proxy variables Grafana forwards even in SkipHostEnv mode. */
const PERMITTED_HOST_VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];

/** Environment the plugin receives, in Go's precedence order (later keys win). */
export function buildPluginEnv(options: Omit<SpawnOptions, 'command' | 'cwd'>, hostEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const mode = options.env ?? 'inherit';
  const env: Record<string, string> = {};
  const put = (key: string, value: string | undefined): void => {
    if (value === undefined) delete env[key];
    else env[key] = value;
  };
  // Grafana's own variables (pluginconfig/envvars.go): OSS always has a licensing service.
  put('GF_VERSION', options.grafanaVersion ?? DEFAULT_GRAFANA_VERSION);
  put('GF_EDITION', 'Open Source');
  put('GF_ENTERPRISE_LICENSE_PATH', '');
  put('GF_ENTERPRISE_APP_URL', 'http://localhost:3000/');
  if (mode === 'minimal') {
    for (const key of PERMITTED_HOST_VARS) if (hostEnv[key] !== undefined) put(key, hostEnv[key]);
  } else {
    for (const [key, value] of Object.entries(hostEnv)) put(key, value);
  }
  // go-plugin's variables go last so they win over anything inherited.
  if (mode !== 'no-cookie') put(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE);
  else put(MAGIC_COOKIE_KEY, undefined);
  put('PLUGIN_MIN_PORT', '0');
  put('PLUGIN_MAX_PORT', '0');
  put('PLUGIN_PROTOCOL_VERSIONS', options.protocolVersions ?? '2');
  for (const [key, value] of Object.entries(options.envOverrides ?? {})) put(key, value);
  return env;
}

/**
 * Plugins still running when the test process exits (a test failed before its cleanup, or the
 * runner bailed out) are SIGKILLed on the way out, so no run leaves plugin processes behind.
 */
const live = new Set<PluginProcess>();
let exitHookInstalled = false;
function track(plugin: PluginProcess): void {
  live.add(plugin);
  void plugin.exited.then(() => live.delete(plugin));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const running of live) running.kill('SIGKILL');
  });
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms since spawn */
  atMs: number;
}

export class PluginProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly command: string[];
  /** performance.now() at spawn */
  readonly startedAt: number;
  readonly stderr: StderrLog;
  /** every stdout line, the handshake included */
  readonly stdoutLines: string[] = [];
  /** resolves with the exit status (never rejects) */
  readonly exited: Promise<ExitInfo>;
  /** resolves when stdout and stderr are closed (a grandchild holding them delays this) */
  readonly stdioClosed: Promise<void>;
  /** spawn failure (ENOENT, EACCES), if any */
  spawnError: Error | undefined;
  exitInfo: ExitInfo | undefined;
  stdioClosedAtMs: number | undefined;

  private readonly ownsCwd: boolean;
  private readonly seenDescendants = new Map<string, ProcInfo>();
  private readonly poller: NodeJS.Timeout | undefined;
  private lineWaiters: Array<() => void> = [];
  private stdoutEnded = false;

  constructor(options: SpawnOptions) {
    if (options.command.length === 0) throw new Error('empty command');
    this.command = options.command;
    this.ownsCwd = options.cwd === undefined;
    this.cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'encore-grafana-cwd-'));
    this.env = buildPluginEnv(options);
    this.startedAt = performance.now();
    this.stderr = new StderrLog(Date.now());
    const [file, ...args] = options.command as [string, ...string[]];
    // Like Go's exec.Command: argv directly, no shell; Grafana's stdin is inherited, never a pipe.
    this.child = spawn(file, args, { cwd: this.cwd, env: this.env, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.child.pid ?? -1;

    const stdoutSplitter = new LineSplitter((piece) => {
      this.stdoutLines.push(piece.text);
      this.notifyLine();
    });
    this.child.stdout!.on('data', (chunk: Buffer) => stdoutSplitter.push(chunk));
    this.child.stdout!.on('end', () => {
      stdoutSplitter.end();
      this.stdoutEnded = true;
      this.notifyLine();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    this.child.stderr!.on('end', () => this.stderr.end());

    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.spawnError = error;
        if (this.pid < 0) {
          this.exitInfo = { code: null, signal: null, atMs: this.elapsedMs() };
          resolve(this.exitInfo);
        }
      });
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal, atMs: this.elapsedMs() };
        this.notifyLine();
        resolve(this.exitInfo);
      });
    });
    this.stdioClosed = new Promise((resolve) =>
      this.child.once('close', () => {
        this.stdioClosedAtMs = this.elapsedMs();
        resolve();
      }),
    );

    if (this.pid > 0) track(this);

    // Remember descendants while the plugin runs: once it exits they are reparented and untraceable.
    if (this.pid > 0 && procAvailable()) {
      this.poller = setInterval(() => this.snapshotDescendants(), 200);
      this.poller.unref();
      void this.exited.then(() => clearInterval(this.poller));
    }
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.startedAt);
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  private notifyLine(): void {
    const waiters = this.lineWaiters;
    this.lineWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * The first stdout line, as go-plugin waits for it: resolves with the line, or rejects when the
   * process exits (or closes stdout) first, or after timeoutMs.
   */
  firstStdoutLine(timeoutMs: number): Promise<{ line: string; atMs: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timeout while waiting for plugin to start: no handshake line on stdout within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        const line = this.stdoutLines[0];
        if (line !== undefined) {
          cleanup();
          resolve({ line, atMs: this.elapsedMs() });
        } else if (this.exitInfo || this.stdoutEnded || this.spawnError) {
          cleanup();
          // stdout may close a moment before the exit status is known: wait briefly for it.
          void this.waitForExit(2_000).then((exit) => {
            const why = this.spawnError
              ? `could not start: ${this.spawnError.message}`
              : exit
                ? `plugin exited before we could connect (code ${exit.code}, signal ${exit.signal ?? 'none'})`
                : 'plugin closed stdout before printing a handshake';
            reject(new Error(why));
          });
        } else {
          this.lineWaiters.push(check);
        }
      };
      const cleanup = (): void => clearTimeout(timer);
      check();
    });
  }

  /** Lines printed after the handshake (go-plugin reads and discards them; we keep them). */
  get extraStdoutLines(): string[] {
    return this.stdoutLines.slice(1);
  }

  /** Resolves with the exit, or undefined if the process is still running after timeoutMs. */
  async waitForExit(timeoutMs: number): Promise<ExitInfo | undefined> {
    if (this.exitInfo) return this.exitInfo;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal to the plugin process only (never its group): what go-plugin and tests do. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): boolean {
    if (!this.running) return false;
    return this.child.kill(signal);
  }

  snapshotDescendants(): ProcInfo[] {
    if (!this.running || this.pid <= 0) return [...this.seenDescendants.values()];
    for (const info of descendantsOf(this.pid)) this.seenDescendants.set(`${info.pid}:${info.startTime}`, info);
    return [...this.seenDescendants.values()];
  }

  /** Descendants seen while the plugin ran that still run now. */
  survivingDescendants(): ProcInfo[] {
    return [...this.seenDescendants.values()].filter(stillRunning);
  }

  /** TCP sockets the plugin listens on, read from /proc (Linux only; [] elsewhere). */
  listeningSockets(): ListeningSocket[] {
    return this.pid > 0 && this.running ? listeningSockets(this.pid) : [];
  }

  /**
   * Stops reading the plugin's stderr and closes our end of the pipe, so its next write fails
   * with EPIPE — what the plugin sees once Grafana is gone.
   */
  breakStderrPipe(): void {
    this.child.stderr?.destroy();
  }

  /** CPU seconds the plugin used over the next `ms` (undefined if it exited meanwhile). */
  async cpuSecondsOver(ms: number): Promise<number | undefined> {
    const before = cpuSeconds(this.pid);
    await new Promise((resolve) => setTimeout(resolve, ms));
    const after = cpuSeconds(this.pid);
    return before === undefined || after === undefined || !this.running ? undefined : after - before;
  }

  /** /proc view of the plugin itself. */
  procInfo(): ProcInfo | undefined {
    return this.pid > 0 ? readProc(this.pid) : undefined;
  }

  /**
   * Test cleanup: SIGKILL the plugin and any descendant still alive (all started by this harness),
   * then remove the temp working directory.
   */
  async dispose(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    if (this.running) {
      this.snapshotDescendants();
      this.kill('SIGKILL');
      await this.waitForExit(5_000);
    }
    for (const orphan of this.survivingDescendants()) {
      try {
        process.kill(orphan.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    if (this.ownsCwd) rmSync(this.cwd, { recursive: true, force: true });
  }
}

export function spawnPlugin(options: SpawnOptions): PluginProcess {
  return new PluginProcess(options);
}
