/**
 * The real collector for tests and the benchmark: `node --import tsx src/collector/main.ts` on a
 * free 127.0.0.1 port, plus a factory of valid events of every type. The process is killed when
 * the test process exits, however it ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventType } from '../../src/common/events/schema';
import { findFreePort } from '../../src/stack/ports';
import { NODE_ENTRIES, repoPath } from '../../src/stack/services';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const COLLECTOR_MAIN = repoPath(NODE_ENTRIES.collector);
export const TEST_TOKEN = 'test-token-0123456789';

export interface CollectorProcess {
  url: string;
  port: number;
  token: string;
  child: ChildProcess;
  /** resolves with the exit code (or signal name) */
  exited: Promise<number | string>;
  logs(): string;
  stop(): Promise<number | string>;
}

export async function startCollector(args: string[] = [], env: Record<string, string> = {}): Promise<CollectorProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', COLLECTOR_MAIN, '--host', '127.0.0.1', '--port', String(port), '--token', TEST_TOKEN, ...args],
      { cwd: ROOT, env: { ...process.env, ENCORE_COLLECTOR_TOKENS: '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-256 * 1024)));
    const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? -1)));
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    void exited.then(() => process.off('exit', kill));
    const url = `http://127.0.0.1:${port}`;
    const ready = await Promise.race([waitListening(() => log), exited.then(() => false)]);
    if (ready) {
      return {
        url,
        port,
        token: TEST_TOKEN,
        child,
        exited,
        logs: () => log,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          return exited;
        },
      };
    }
    if (attempt < 3 && /EADDRINUSE/.test(log)) continue;
    throw new Error(`the collector did not start:\n${log}`);
  }
}

async function waitListening(logs: () => string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (/"msg":"collector listening"/.test(logs())) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the collector did not log "collector listening" within 30 s:\n${logs()}`);
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

/** One HTTP request; body as given (Buffer or string). */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: http.Agent } = {},
): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POSTs events as a JSON array (or NDJSON) with the test token. */
export function postEvents(
  collector: { url: string; token: string },
  events: unknown[] | string | Buffer,
  options: { ndjson?: boolean; headers?: Record<string, string>; agent?: http.Agent } = {},
): Promise<Reply> {
  const body =
    typeof events === 'string' || Buffer.isBuffer(events)
      ? events
      : options.ndjson
        ? events.map((e) => JSON.stringify(e)).join('\n')
        : JSON.stringify(events);
  return request(`${collector.url}/v1/events`, {
    method: 'POST',
    agent: options.agent,
    body,
    headers: {
      'Content-Type': options.ndjson ? 'application/x-ndjson' : 'application/json',
      Authorization: `Bearer ${collector.token}`,
      ...options.headers,
    },
  });
}

/** Prometheus text -> value of the sample with exactly this name and these labels (0 when absent). */
export function sampleValue(metricsText: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of metricsText.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.keys(labels).length !== Object.keys(have).length) continue;
    if (!Object.entries(labels).every(([k, v]) => have[k] === v)) continue;
    total += Number(match[4]);
    found = true;
  }
  return found ? total : 0;
}

/** Sum over every series of a metric whose labels include `labels`. */
export function sampleSum(metricsText: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of metricsText.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(match[4]);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Events.

/** The type-specific fields of one valid example of every event type. */
export const EVENT_EXAMPLES: Record<EventType, Record<string, unknown>> = {
  session_start: {},
  session_end: { durationMs: 1_800_000 },
  play_attempt: { playId: 'p1', trackId: 't1' },
  play_start: { playId: 'p1', trackId: 't1', startupMs: 420, bitrateKbps: 160 },
  play_abandon: { playId: 'p1', waitedMs: 3_000 },
  rebuffer: { playId: 'p1', durationMs: 800 },
  bitrate_change: { playId: 'p1', fromKbps: 160, toKbps: 96, cause: 'network' },
  play_end: { playId: 'p1', msPlayed: 201_000, reason: 'completed', averageBitrateKbps: 150 },
  playback_error: { playId: 'p1', code: 'NETWORK_TIMEOUT', fatal: true },
  ad_impression: { adId: 'ad-9', format: 'audio', revenue: 0.012, currency: 'EUR', tier: 'free' },
  subscription: { action: 'renewal', plan: 'family', amount: 17.99, currency: 'SEK', contentType: 'none' },
};

/** The envelope fields of the example events, but for id and time. */
export const EXAMPLE_ENVELOPE = {
  schemaVersion: 1,
  userId: 'user-1',
  sessionId: 'session-1',
  market: 'SE',
  platform: 'ios',
  appVersion: '8.9.2',
  tier: 'premium',
  contentType: 'music',
  fromRecommendation: false,
} as const;

let counter = 0;

/**
 * A valid event of `type` at `timeMs` (default now) with a fresh id; overrides win. Fresh in
 * content too (a session of its own), as the collector drops a new id on an accepted event's
 * content as a resend.
 */
export function makeEvent(type: EventType, overrides: Record<string, unknown> = {}, timeMs = Date.now()): Record<string, unknown> {
  counter++;
  return {
    ...EXAMPLE_ENVELOPE,
    id: `evt-${process.pid}-${counter}`,
    sessionId: `session-${process.pid}-${counter}`,
    time: new Date(timeMs).toISOString(),
    type,
    ...EVENT_EXAMPLES[type],
    ...overrides,
  };
}

/** A realistic play: attempt, start, a rebuffer, a bitrate change, end (all valid, fresh ids). */
export function makePlay(playId: string, common: Record<string, unknown> = {}, timeMs = Date.now()): Array<Record<string, unknown>> {
  return [
    makeEvent('play_attempt', { playId, ...common }, timeMs),
    makeEvent('play_start', { playId, ...common }, timeMs),
    makeEvent('rebuffer', { playId, ...common }, timeMs),
    makeEvent('bitrate_change', { playId, ...common }, timeMs),
    makeEvent('play_end', { playId, ...common }, timeMs),
  ];
}
