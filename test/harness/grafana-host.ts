/**
 * A strict stand-in for Grafana's side of the backend-plugin protocol (fact sheet §1, §2, §5, §6).
 *
 *   const host = await launchPlugin();            // the built executable, Grafana's env
 *   const res = await host.queryData(request);    // typed helpers per RPC
 *   const stop = await host.stop();               // Shutdown, close, ≤2 s, else SIGKILL
 *
 * launchPlugin fails (PluginLaunchError) wherever Grafana would refuse the plugin: no handshake
 * in time, anything on stdout before it, a malformed or incompatible handshake, an address it
 * cannot dial. Everything the plugin does is recorded (stderr as parsed log entries, extra stdout,
 * side streams, descendants) for tests to assert on.
 */
import * as grpc from '@grpc/grpc-js';
import { PluginConnection, DEFAULT_CALL_DEADLINE_MS, isServiceError, statusName, type SideStream } from './connection';
import { parseHandshakeLine, type Handshake } from './handshake';
import type { StderrLog } from './hclog';
import { backendCommand } from './locate';
import { spawnPlugin, type ExitInfo, type PluginProcess, type SpawnOptions } from './plugin-process';
import type { ProcInfo } from './proc';
import { RunningStream } from './stream-run';
import {
  ServingStatus,
  type CallResourceRequest,
  type CallResourceResponse,
  type CheckHealthRequest,
  type CheckHealthResponse,
  type CollectMetricsRequest,
  type CollectMetricsResponse,
  type PublishStreamRequest,
  type PublishStreamResponse,
  type QueryDataRequest,
  type QueryDataResponse,
  type RunStreamRequest,
  type ServingStatusName,
  type StreamPacket,
  type SubscribeStreamRequest,
  type SubscribeStreamResponse,
} from './wire';

export { isServiceError, statusName } from './connection';
export type { Handshake } from './handshake';
export type { LogEntry } from './hclog';
export type { ExitInfo, EnvMode } from './plugin-process';

/** go-plugin's default start timeout; Grafana does not change it. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 60_000;
/** go-plugin waits this long after Shutdown before SIGKILL. */
export const GRACEFUL_EXIT_MS = 2_000;

export interface LaunchOptions extends Partial<SpawnOptions> {
  /** default 60 s, like go-plugin */
  handshakeTimeoutMs?: number;
  /** reject a non-loopback handshake address (default true) */
  requireLoopback?: boolean;
  /** open GRPCBroker/StartStream and GRPCStdio/StreamStdio like go-plugin (default true) */
  openSideStreams?: boolean;
  /** how long to wait for the gRPC channel to connect (default 10 s) */
  connectTimeoutMs?: number;
}

export type LaunchFailure = 'spawn-failed' | 'exited' | 'timeout' | 'bad-handshake' | 'connect-failed';

export class PluginLaunchError extends Error {
  override name = 'PluginLaunchError';
  constructor(
    readonly reason: LaunchFailure,
    detail: string,
    readonly process: PluginProcess,
  ) {
    const stderr = process.stderr.text();
    const stdout = process.stdoutLines.join('\n');
    super(
      `Grafana would fail to load the plugin (${reason}): ${detail}` +
        (stdout ? `\n--- stdout ---\n${stdout.slice(0, 2000)}` : '') +
        (stderr ? `\n--- stderr ---\n${stderr.slice(0, 4000)}` : ''),
    );
  }
}

/** A response violates the protocol as Grafana reads it (not a gRPC error). */
export class ProtocolViolation extends Error {
  override name = 'ProtocolViolation';
}

export interface ResourceResult {
  /** HTTP status Grafana answers with: the first message's code */
  status: number;
  /** headers after Grafana's processing: canonical keys, Set-Cookie dropped, JSON content type defaulted */
  headers: Record<string, string[]>;
  /** all messages' bodies, concatenated in order */
  body: Buffer;
  /** the raw stream, for tests about streaming */
  messages: CallResourceResponse[];
}

export interface StopResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** from the Shutdown call to process exit */
  msToExit: number;
  /** the plugin did not exit within 2 s and was SIGKILLed */
  killed: boolean;
  /** 'OK' or the gRPC status name the Shutdown call failed with (go-plugin ignores it) */
  shutdownReply: string;
}

/** Go's textproto.CanonicalMIMEHeaderKey for the usual token characters. */
export function canonicalHeaderKey(key: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(key)) return key;
  return key.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * Grafana's resource response mapping (§5): the first message sets status and headers, bodies are
 * written in order, Set-Cookie is stripped, Content-Type defaults to JSON except for 204.
 */
export function resourceResultFromMessages(messages: CallResourceResponse[]): ResourceResult {
  const first = messages[0];
  if (!first) throw new ProtocolViolation('CallResource stream ended without any message; Grafana answers with an error');
  if (!Number.isInteger(first.code) || first.code < 100 || first.code > 999) {
    throw new ProtocolViolation(`CallResource first message has status ${first.code}; an HTTP status (100-999) is required`);
  }
  const headers: Record<string, string[]> = {};
  for (const [key, list] of Object.entries(first.headers ?? {})) {
    const canonical = canonicalHeaderKey(key);
    if (canonical === 'Set-Cookie') continue;
    headers[canonical] = [...(headers[canonical] ?? []), ...(list?.values ?? [])];
  }
  if (first.code !== 204 && !headers['Content-Type']) headers['Content-Type'] = ['application/json'];
  return { status: first.code, headers, body: Buffer.concat(messages.map((m) => m.body ?? Buffer.alloc(0))), messages };
}

/** HTTP status Grafana gives a resource call that failed at the gRPC level. */
export function resourceErrorStatus(code: number): number {
  if (code === grpc.status.UNIMPLEMENTED) return 404;
  if (code === grpc.status.UNAVAILABLE) return 503;
  return 500;
}

/** True if promise settles within ms (its timer cleared either way, so nothing lingers). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class PluginHost {
  constructor(
    readonly process: PluginProcess,
    readonly handshake: Handshake,
    /** ms from spawn to the handshake line */
    readonly msToHandshake: number,
    readonly connection: PluginConnection,
  ) {}

  get pid(): number {
    return this.process.pid;
  }

  get log(): StderrLog {
    return this.process.stderr;
  }

  get broker(): SideStream {
    return this.connection.broker;
  }

  get stdio(): SideStream {
    return this.connection.stdio;
  }

  /** stdout lines after the handshake (go-plugin discards them; a tidy plugin prints none) */
  get extraStdout(): string[] {
    return this.process.extraStdoutLines;
  }

  /** grpc.health.v1.Health/Check — go-plugin's Ping uses service "plugin". */
  async health(service = 'plugin', deadlineMs?: number): Promise<ServingStatusName> {
    const reply = await this.connection.unary<{ status: number }>('Health', 'Check', { service }, deadlineMs);
    const name = (Object.keys(ServingStatus) as ServingStatusName[]).find((key) => ServingStatus[key] === reply.status);
    if (!name) throw new ProtocolViolation(`Health/Check returned unknown status ${reply.status}`);
    return name;
  }

  checkHealth(request: CheckHealthRequest, deadlineMs?: number): Promise<CheckHealthResponse> {
    return this.connection.unary('Diagnostics', 'CheckHealth', request, deadlineMs);
  }

  collectMetrics(request: CollectMetricsRequest, deadlineMs?: number): Promise<CollectMetricsResponse> {
    return this.connection.unary('Diagnostics', 'CollectMetrics', request, deadlineMs);
  }

  queryData(request: QueryDataRequest, deadlineMs?: number): Promise<QueryDataResponse> {
    return this.connection.unary('Data', 'QueryData', request, deadlineMs);
  }

  /**
   * CallResource read to the end and mapped as Grafana maps it to HTTP. A gRPC error rejects
   * (use resourceErrorStatus for Grafana's HTTP code); zero messages reject with ProtocolViolation.
   */
  async callResource(request: CallResourceRequest, deadlineMs = DEFAULT_CALL_DEADLINE_MS): Promise<ResourceResult> {
    const messages = await this.connection.collect<CallResourceResponse>('Resource', 'CallResource', request, deadlineMs);
    return resourceResultFromMessages(messages);
  }

  subscribeStream(request: SubscribeStreamRequest, deadlineMs?: number): Promise<SubscribeStreamResponse> {
    return this.connection.unary('Stream', 'SubscribeStream', request, deadlineMs);
  }

  /** Starts RunStream; packets are pulled from the returned stream, cancel() as Grafana Live does. */
  runStream(request: RunStreamRequest): RunningStream {
    return new RunningStream(this.connection.serverStream<StreamPacket>('Stream', 'RunStream', request));
  }

  publishStream(request: PublishStreamRequest, deadlineMs?: number): Promise<PublishStreamResponse> {
    return this.connection.unary('Stream', 'PublishStream', request, deadlineMs);
  }

  /**
   * go-plugin's Kill(): GRPCController/Shutdown (errors ignored), close the connection, wait up to
   * 2 s for the process to exit, then SIGKILL.
   */
  async stop(): Promise<StopResult> {
    if (!this.process.running) {
      this.connection.close();
      const exit = this.process.exitInfo!;
      return { exitCode: exit.code, signal: exit.signal, msToExit: 0, killed: false, shutdownReply: 'NOT_CALLED (already exited)' };
    }
    this.process.snapshotDescendants();
    const startedMs = this.process.elapsedMs();
    let shutdownReply = 'OK';
    this.connection.closeBroker();
    try {
      // Go calls it without a deadline; bound it so a silent plugin cannot hang the suite.
      await this.connection.unary('GRPCController', 'Shutdown', {}, GRACEFUL_EXIT_MS);
    } catch (error) {
      shutdownReply = isServiceError(error) ? statusName(error.code) : String(error);
    }
    this.process.snapshotDescendants();
    this.connection.close();
    let exit: ExitInfo | undefined = await this.process.waitForExit(GRACEFUL_EXIT_MS);
    let killed = false;
    if (!exit) {
      killed = true;
      this.process.snapshotDescendants();
      this.process.kill('SIGKILL');
      exit = await this.process.waitForExit(5_000);
      if (!exit) throw new Error(`plugin pid ${this.pid} survived SIGKILL`);
    }
    return { exitCode: exit.code, signal: exit.signal, msToExit: exit.atMs - startedMs, killed, shutdownReply };
  }

  /** Sends a signal to the plugin process (crash and signal tests). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): boolean {
    this.process.snapshotDescendants();
    return this.process.kill(signal);
  }

  waitForExit(timeoutMs: number): Promise<ExitInfo | undefined> {
    return this.process.waitForExit(timeoutMs);
  }

  /**
   * Processes the plugin started that are still alive, after giving them graceMs to go.
   * Call after the plugin exited. Also fails the check if stdout/stderr are still held open
   * (a surviving grandchild holds them; go-plugin then never sees the plugin as exited).
   */
  async orphans(graceMs = 1_000): Promise<{ survivors: ProcInfo[]; stdioHeldOpen: boolean }> {
    const deadline = Date.now() + graceMs;
    let survivors = this.process.survivingDescendants();
    while (survivors.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      survivors = this.process.survivingDescendants();
    }
    const closed = await settlesWithin(this.process.stdioClosed, Math.max(0, deadline - Date.now()) + 100);
    return { survivors, stdioHeldOpen: !closed };
  }

  /** Test cleanup: close the channel, SIGKILL whatever is left, remove the temp cwd. */
  async dispose(): Promise<void> {
    this.connection.close();
    await this.process.dispose();
  }
}

/**
 * Starts a plugin the way Grafana does and connects to it. Rejects with PluginLaunchError (after
 * killing the process, as go-plugin does) wherever Grafana would fail to load it.
 */
export async function launchPlugin(options: LaunchOptions = {}): Promise<PluginHost> {
  const command = options.command ?? backendCommand();
  const spawnOptions: SpawnOptions = { ...options, command };
  const offeredVersions = (spawnOptions.protocolVersions ?? '2').split(',').map((v) => Number(v.trim()));
  const proc = spawnPlugin(spawnOptions);
  const fail = async (reason: LaunchFailure, detail: string): Promise<never> => {
    proc.kill('SIGKILL');
    await proc.waitForExit(5_000);
    // let the pipes drain so the error shows everything the plugin said
    await settlesWithin(proc.stdioClosed, 500);
    const error = new PluginLaunchError(reason, detail, proc);
    await proc.dispose();
    throw error;
  };

  let first: { line: string; atMs: number };
  try {
    first = await proc.firstStdoutLine(options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason: LaunchFailure = proc.spawnError ? 'spawn-failed' : message.startsWith('timeout') ? 'timeout' : 'exited';
    return fail(reason, message);
  }

  let handshake: Handshake;
  try {
    handshake = parseHandshakeLine(first.line, { offeredVersions, requireLoopback: options.requireLoopback ?? true });
  } catch (error) {
    return fail('bad-handshake', error instanceof Error ? error.message : String(error));
  }

  const connection = new PluginConnection(handshake.target);
  try {
    await connection.waitForReady(options.connectTimeoutMs ?? 10_000);
  } catch (error) {
    connection.close();
    return fail('connect-failed', error instanceof Error ? error.message : String(error));
  }
  if (options.openSideStreams ?? true) connection.openSideStreams();
  return new PluginHost(proc, handshake, first.atMs, connection);
}
