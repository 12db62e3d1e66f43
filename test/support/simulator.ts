/**
 * The simulator's command line for tests: `node --import tsx src/simulator/cli/main.ts <args>`,
 * run to completion (backfill) or in the background (live), killed with the test process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_ENTRIES, repoPath } from '../../src/stack/services';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SIMULATOR_MAIN = repoPath(NODE_ENTRIES.simulator);

export interface SimulatorRun {
  child: ChildProcess;
  /** resolves with the exit code when the process ends */
  exited: Promise<number>;
  stderr(): string;
  /** the simulation start the command logged (epoch ms) */
  simulationStart(): Promise<number>;
  /** when live mode had delivered its warm-up and kept up with the clock (epoch ms) */
  caughtUp(): Promise<number>;
}

export function startSimulator(args: string[], env: Record<string, string> = {}): SimulatorRun {
  const child = spawn(process.execPath, ['--import', 'tsx', SIMULATOR_MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const waiting: Array<() => void> = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-512 * 1024);
    for (const wake of waiting.splice(0)) wake();
  });
  child.stdout!.resume();
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<number>((done) => child.once('exit', (code) => done(code ?? -1)));
  void exited.then(() => {
    process.off('exit', kill);
    for (const wake of waiting.splice(0)) wake();
  });
  /** The number in the first line matching `pattern`, once the simulator has logged it. */
  const logged = async (pattern: RegExp): Promise<number> => {
    for (;;) {
      const match = pattern.exec(stderr);
      if (match) return Number(match[1]);
      if (child.exitCode !== null) throw new Error(`the simulator exited before logging ${pattern}:\n${stderr}`);
      await new Promise<void>((wake) => waiting.push(wake));
    }
  };
  return {
    child,
    exited,
    stderr: () => stderr,
    simulationStart: () => logged(/simulation starts at \S+ \((\d+) ms\)/),
    caughtUp: () => logged(/caught up with the clock at \S+ \((\d+) ms\)/),
  };
}

/** Runs a simulator command to the end; rejects with its stderr when it fails. */
export async function runSimulator(args: string[]): Promise<string> {
  const run = startSimulator(args);
  const code = await run.exited;
  if (code !== 0) throw new Error(`simulator ${args.join(' ')} exited ${code}:\n${run.stderr()}`);
  return run.stderr();
}
