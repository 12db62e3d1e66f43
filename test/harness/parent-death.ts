/**
 * Grafana dying hard (fact sheet §1.7): the plugin is orphaned and should notice and exit.
 * The plugin is started by an intermediate Node process (disposable-parent.mjs) that plays
 * Grafana; the test SIGKILLs that process and watches the plugin's pid through /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendCommand } from './locate';
import { buildPluginEnv, type SpawnOptions } from './plugin-process';
import { cpuSeconds, readProc, stillRunning, type ProcInfo } from './proc';

const PARENT_SCRIPT = fileURLToPath(new URL('./disposable-parent.mjs', import.meta.url));

export interface OrphanablePlugin {
  parent: ChildProcess;
  plugin: ProcInfo;
  handshake: string;
  /** SIGKILL the stand-in Grafana */
  killParent(): void;
  /** signal the plugin itself (e.g. the SIGINT a Ctrl-C sends to Grafana's whole process group) */
  signalPlugin(signal: NodeJS.Signals): void;
  /** resolves once the kernel has reparented the plugin (its stdout/stderr readers are gone by then) */
  waitOrphaned(timeoutMs: number): Promise<boolean>;
  /** ms until the plugin was gone (exited or a zombie), or undefined if it still runs after timeoutMs */
  waitPluginGone(timeoutMs: number): Promise<number | undefined>;
  /** state and CPU time of the plugin, for failure messages */
  describePlugin(): string;
  /** SIGKILL whatever is left and remove temp files */
  dispose(): void;
}

export async function launchUnderDisposableParent(
  options: Partial<SpawnOptions> & { handshakeTimeoutMs?: number } = {},
): Promise<OrphanablePlugin> {
  const command = options.command ?? backendCommand(); // may throw "run npm run build": before any temp dir exists
  const dir = mkdtempSync(join(tmpdir(), 'encore-parent-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ command, cwd: dir, env: buildPluginEnv(options) }));
  const parent = spawn(process.execPath, [PARENT_SCRIPT, configPath], { stdio: ['ignore', 'pipe', 'inherit'] });

  const abandon = (): void => {
    parent.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const report = await new Promise<{ pluginPid: number; handshake?: string; exited?: unknown }>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('no handshake from the plugin under the disposable parent')), options.handshakeTimeoutMs ?? 60_000);
    parent.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(text.slice(0, newline)) as { pluginPid: number; handshake?: string });
      }
    });
    parent.once('exit', () => reject(new Error('disposable parent exited before reporting')));
  }).catch((error: unknown) => {
    abandon();
    throw error;
  });
  const plugin = readProc(report.pluginPid);
  if (!plugin || report.handshake === undefined) {
    abandon();
    throw new Error(`plugin did not start under the disposable parent: ${JSON.stringify(report)}`);
  }
  const cleanup = (): void => {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    if (stillRunning(plugin)) process.kill(plugin.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    parent,
    plugin,
    handshake: report.handshake,
    killParent: () => parent.kill('SIGKILL'),
    signalPlugin: (signal) => {
      if (stillRunning(plugin)) process.kill(plugin.pid, signal);
    },
    async waitOrphaned(timeoutMs) {
      const started = Date.now();
      while (Date.now() - started < timeoutMs) {
        const now = readProc(plugin.pid);
        if (!now || now.startTime !== plugin.startTime || now.ppid !== plugin.ppid) return true;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return false;
    },
    async waitPluginGone(timeoutMs) {
      const started = Date.now();
      while (Date.now() - started < timeoutMs) {
        if (!stillRunning(plugin)) return Date.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return stillRunning(plugin) ? undefined : Date.now() - started;
    },
    describePlugin() {
      const now = readProc(plugin.pid);
      if (!now || now.startTime !== plugin.startTime) return `pid ${plugin.pid} gone`;
      return `pid ${plugin.pid} state ${now.state}, ppid ${now.ppid}, ${cpuSeconds(plugin.pid)?.toFixed(2)} s CPU used`;
    },
    dispose: cleanup,
  };
}
