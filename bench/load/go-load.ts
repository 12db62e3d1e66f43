// The grpc-go load client of bench/load/main.go, built on demand and driven from a benchmark.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const BINARY = join(ROOT, '.cache', 'bench', 'load');
/** Debian's golang-google-grpc-dev puts grpc-go here; it is built in GOPATH mode, offline. */
const GOPATH = '/usr/share/gocode';
const GRPC_SOURCE = join(GOPATH, 'src', 'google.golang.org', 'grpc');
const PACKAGES = ['golang-go', 'golang-google-grpc-dev'];

export interface LoadRequest {
  /** from this second of the run on (until a later second's requests), the workers cycle through these */
  second: number;
  /** a serialized request message */
  message: Uint8Array;
}

export interface LoadOptions {
  /** host:port or unix:/path */
  address: string;
  /** full method name, e.g. /pluginv2.Data/QueryData */
  method: string;
  requests: LoadRequest[];
  seconds: number;
  concurrency: number;
  /** querydata: every DataResponse of every answer must be without an error; none: any answer */
  check: 'querydata' | 'none';
  /** calls before the measured loop (default 200) */
  warmup?: number;
}

export interface LoadResult {
  calls: number;
  failures: number;
  firstError?: string;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  answerBytes: number;
  /** the client's own CPU time (user + system), warm-up included */
  clientCpuMs: number;
}

/**
 * Builds the client when its sources are newer than the binary. Go and grpc-go come from Debian
 * (installed here when running as root, as on CI; otherwise the error says what to install).
 */
export function buildLoadClient(): string {
  if (!existsSync(GRPC_SOURCE) || spawnSync('go', ['version']).status !== 0) {
    if (process.getuid?.() !== 0) throw new Error(`the grpc-go load client needs Go and grpc-go: sudo apt-get install -y ${PACKAGES.join(' ')}`);
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...PACKAGES], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const sources = readdirSync(HERE).filter((name) => name.endsWith('.go'));
  const newest = Math.max(...sources.map((name) => statSync(join(HERE, name)).mtimeMs));
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= newest) return BINARY;
  mkdirSync(dirname(BINARY), { recursive: true });
  execFileSync('go', ['build', '-o', BINARY, './bench/load'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: join(ROOT, '.cache', 'go-build'), GOFLAGS: '' },
  });
  return BINARY;
}

/** Runs the closed loop in the client's own process (both cores are Go's to use, as Grafana's are). */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const binary = buildLoadClient();
  const args = ['-address', options.address, '-method', options.method, '-seconds', String(options.seconds), '-concurrency', String(options.concurrency), '-check', options.check];
  if (options.warmup !== undefined) args.push('-warmup', String(options.warmup));
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('close', done));
  for (const request of options.requests) {
    child.stdin.write(`${JSON.stringify({ second: request.second, message: Buffer.from(request.message).toString('base64') })}\n`);
  }
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`the load client exited with ${code}: ${stderr.trim()}`);
  return JSON.parse(stdout) as LoadResult;
}

export interface BurstCall {
  ms: number;
  /** the serialized answer; absent when the call failed */
  answer?: Buffer;
  error?: string;
}

/**
 * A client that sends bursts of calls at once on one connection, as Grafana sends a dashboard's
 * panel queries: one process and connection for all bursts (`load -bursts`).
 */
export class BurstClient {
  private readonly child;
  private buffered = '';
  private readonly waiting: Array<{ resolve: (calls: BurstCall[]) => void; reject: (error: Error) => void }> = [];
  private stderr = '';
  private exited: Error | undefined;

  constructor(options: { address: string; method: string }) {
    this.child = spawn(buildLoadClient(), ['-bursts', '-address', options.address, '-method', options.method], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString();
      for (let end = this.buffered.indexOf('\n'); end >= 0; end = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 1);
        const parsed = JSON.parse(line) as { calls: Array<{ ms: number; answer?: string; error?: string }> };
        this.waiting.shift()?.resolve(parsed.calls.map((c) => ({ ms: c.ms, error: c.error, answer: c.answer === undefined ? undefined : Buffer.from(c.answer, 'base64') })));
      }
    });
    this.child.on('close', (code) => {
      this.exited = new Error(`the burst client exited with ${code}: ${this.stderr.trim()}`);
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.exited);
    });
  }

  /** Sends the messages at once; resolves with each call's latency and answer, in order. */
  burst(messages: Uint8Array[]): Promise<BurstCall[]> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ messages: messages.map((m) => Buffer.from(m).toString('base64')) })}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
