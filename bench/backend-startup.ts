// How heavy the backend executables are: size per platform, time from spawn to the handshake
// line (what Grafana waits for at start-up and after every plugin restart), and the memory of
// an idle process. Run after a build: npm run bench:startup [-- --runs=10]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_EXECUTABLE } from '../src/common/plugin-ids';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST_DATASOURCE = join(ROOT, 'dist', 'datasource');
const BUNDLE = join(ROOT, '.cache', 'backend', 'encore-backend.cjs');
const HANDSHAKE = /^1\|2\|tcp\|127\.0\.0\.1:\d+\|grpc$/;
const IDLE_MS = 2000;
/** Exactly what go-plugin adds for Grafana; nothing from this shell. */
const PLUGIN_ENV = { grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '2', PLUGIN_MIN_PORT: '0', PLUGIN_MAX_PORT: '0' };

const runsArg = process.argv.find((arg) => arg.startsWith('--runs='));
const RUNS = runsArg ? Math.max(1, Number(runsArg.slice('--runs='.length))) : 10;

interface Target {
  label: string;
  command: string;
  args: string[];
}

interface Measured {
  startupMs: number[];
  idleRssKiB?: number;
  runtime?: string;
}

/** Spawns once; resolves with the time to the handshake line, and RSS after IDLE_MS if asked. */
function startOnce(target: Target, measureRss: boolean): Promise<{ ms: number; rssKiB?: number; runtime?: string }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(target.command, target.args, { cwd: os.tmpdir(), env: PLUGIN_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let handshakeMs: number | undefined;
    const fail = (message: string) => {
      child.kill('SIGKILL');
      reject(new Error(`${target.label}: ${message}\n${stderr}`));
    };
    const timer = setTimeout(() => fail('no handshake within 30 s'), 30_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (handshakeMs !== undefined || !stdout.includes('\n')) return;
      handshakeMs = performance.now() - started;
      clearTimeout(timer);
      const line = stdout.slice(0, stdout.indexOf('\n'));
      if (!HANDSHAKE.test(line)) return fail(`unexpected first line ${JSON.stringify(line)}`);
      const finish = (rssKiB?: number) => {
        child.once('exit', () => resolvePromise({ ms: handshakeMs!, rssKiB, runtime: runtimeFrom(stderr) }));
        child.kill('SIGTERM');
      };
      if (!measureRss) return finish();
      setTimeout(() => finish(readRssKiB(child.pid!)), IDLE_MS);
    });
    child.on('exit', (code) => {
      if (handshakeMs === undefined) fail(`exited with ${code} before the handshake`);
    });
  });
}

/** VmRSS from /proc (Linux); undefined elsewhere. */
function readRssKiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The backend logs its Node version at start ("node" in the hclog JSON line). */
function runtimeFrom(stderr: string): string | undefined {
  for (const line of stderr.split('\n')) {
    try {
      const entry = JSON.parse(line) as { node?: unknown };
      if (typeof entry.node === 'string') return entry.node;
    } catch {
      // not a JSON log line
    }
  }
  return undefined;
}

async function measure(target: Target): Promise<Measured> {
  // One unmeasured start warms the page cache, as on a Grafana host that restarts the plugin.
  await startOnce(target, false);
  const startupMs: number[] = [];
  let idleRssKiB: number | undefined;
  let runtime: string | undefined;
  for (let run = 0; run < RUNS; run++) {
    const result = await startOnce(target, run === 0);
    startupMs.push(result.ms);
    if (run === 0) idleRssKiB = result.rssKiB;
    runtime ??= result.runtime;
  }
  return { startupMs, idleRssKiB, runtime };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function hostExecutable(): string | undefined {
  const goos = process.platform === 'win32' ? 'windows' : process.platform;
  const goarch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[os.arch()];
  const path = join(DIST_DATASOURCE, `${BACKEND_EXECUTABLE}_${goos}_${goarch}${goos === 'windows' ? '.exe' : ''}`);
  return existsSync(path) ? path : undefined;
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(DIST_DATASOURCE)) throw new Error('dist/datasource is missing: run npm run build first');
  const cpus = os.cpus();
  console.log(
    `Machine: ${os.type()} ${os.release()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ` +
      `${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM; bench on Node ${process.version}; ${RUNS} runs per row\n`,
  );

  const executables = readdirSync(DIST_DATASOURCE)
    .filter((name) => name.startsWith(`${BACKEND_EXECUTABLE}_`))
    .sort();
  console.log(table(['Executable', 'Size'], executables.map((name) => [name, mib(statSync(join(DIST_DATASOURCE, name)).size)])));
  console.log();

  const targets: Target[] = [];
  const host = hostExecutable();
  if (host) targets.push({ label: `${host.slice(DIST_DATASOURCE.length + 1)} (SEA)`, command: host, args: [] });
  // For comparison: the same bundle on the Node that runs this bench.
  if (existsSync(BUNDLE)) targets.push({ label: `bundle on system node`, command: process.execPath, args: [BUNDLE] });
  if (targets.length === 0) throw new Error('nothing runnable on this machine: build the host platform first');

  const rows: string[][] = [];
  for (const target of targets) {
    const result = await measure(target);
    rows.push([
      target.label,
      result.runtime ?? '?',
      `${median(result.startupMs).toFixed(0)} ms`,
      `${Math.min(...result.startupMs).toFixed(0)}–${Math.max(...result.startupMs).toFixed(0)} ms`,
      result.idleRssKiB !== undefined ? `${(result.idleRssKiB / 1024).toFixed(1)} MiB` : 'n/a',
    ]);
  }
  console.log(table(['Process', 'Node', 'Spawn → handshake (median)', 'Range', `RSS idle ${IDLE_MS / 1000} s`], rows));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
