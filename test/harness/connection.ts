/**
 * The host's gRPC side, as go-plugin and Grafana set it up (fact sheet §1.5, §2): one plaintext
 * channel to the handshake address, message limits of 2^31-1 both ways (go-plugin dials with
 * MaxCallRecv/SendMsgSize = MaxInt32), GRPCBroker/StartStream and GRPCStdio/StreamStdio opened
 * right after connecting (UNIMPLEMENTED tolerated), and every RPC by its exact wire path.
 */
import * as grpc from '@grpc/grpc-js';
import { loadProtocol, type ProtocolServices } from '../../src/backend/grafana/protocol';
import type { StdioData } from './wire';

export const MAX_MESSAGE_BYTES = 2 ** 31 - 1;
/** Per-call deadline so a hung plugin fails a test instead of hanging it. */
export const DEFAULT_CALL_DEADLINE_MS = 30_000;

let protocol: ProtocolServices | undefined;
function services(): ProtocolServices {
  protocol ??= loadProtocol().services;
  return protocol;
}

type ServiceName = keyof ProtocolServices;

function method(service: ServiceName, name: string): grpc.MethodDefinition<unknown, unknown> {
  const definition = (services()[service] as Record<string, grpc.MethodDefinition<unknown, unknown>>)[name];
  if (!definition) throw new Error(`no method ${service}.${name} in the protocol definitions`);
  return definition;
}

export function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && typeof (error as Partial<grpc.ServiceError>).code === 'number';
}

export function statusName(code: number): string {
  return grpc.status[code] ?? String(code);
}

/** State of one of go-plugin's side streams (broker, stdio). */
export interface SideStream {
  state: 'open' | 'ended' | 'failed' | 'closed-by-host';
  code?: number;
  details?: string;
}

export class PluginConnection {
  readonly client: grpc.Client;
  readonly broker: SideStream = { state: 'open' };
  readonly stdio: SideStream = { state: 'open' };
  /** StdioData the plugin sent over GRPCStdio (Go plugins forward their stdout/stderr there) */
  readonly stdioMessages: StdioData[] = [];
  private brokerCall: grpc.ClientDuplexStream<unknown, unknown> | undefined;
  private stdioCall: grpc.ClientReadableStream<unknown> | undefined;
  private closed = false;

  constructor(readonly target: string) {
    this.client = new grpc.Client(target, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    });
  }

  /** Blocks until the channel is connected, like go-plugin's grpc.WithBlock dial. */
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.waitForReady(Date.now() + timeoutMs, (error) =>
        error ? reject(new Error(`could not connect to plugin at ${this.target}: ${error.message}`)) : resolve(),
      ),
    );
  }

  /** go-plugin opens these two streams right after connecting; Grafana never uses them further. */
  openSideStreams(): void {
    const broker = method('GRPCBroker', 'StartStream');
    this.brokerCall = this.client.makeBidiStreamRequest(broker.path, broker.requestSerialize, broker.responseDeserialize, {});
    this.track(this.brokerCall, this.broker);

    const stdio = method('GRPCStdio', 'StreamStdio');
    this.stdioCall = this.client.makeServerStreamRequest(stdio.path, stdio.requestSerialize, stdio.responseDeserialize, {}, {});
    this.stdioCall.on('data', (message: StdioData) => this.stdioMessages.push(message));
    this.track(this.stdioCall, this.stdio);
  }

  private track(call: grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>, side: SideStream): void {
    call.on('data', () => undefined);
    call.on('error', (error: grpc.ServiceError) => {
      if (this.closed && error.code === grpc.status.CANCELLED) {
        side.state = 'closed-by-host';
        return;
      }
      side.state = 'failed';
      side.code = error.code;
      side.details = error.details;
    });
    call.on('end', () => {
      if (side.state === 'open') side.state = 'ended';
    });
  }

  unary<Res>(service: ServiceName, name: string, request: unknown, deadlineMs = DEFAULT_CALL_DEADLINE_MS): Promise<Res> {
    const definition = method(service, name);
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (error, response) => (error ? reject(error) : resolve(response as Res)),
      );
    });
  }

  serverStream<Res>(service: ServiceName, name: string, request: unknown, deadlineMs?: number): grpc.ClientReadableStream<Res> {
    const definition = method(service, name);
    const options: grpc.CallOptions = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
    return this.client.makeServerStreamRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      request,
      new grpc.Metadata(),
      options,
    ) as grpc.ClientReadableStream<Res>;
  }

  /** All messages of a server stream, or the gRPC error that ended it. */
  collect<Res>(service: ServiceName, name: string, request: unknown, deadlineMs = DEFAULT_CALL_DEADLINE_MS): Promise<Res[]> {
    const call = this.serverStream<Res>(service, name, request, deadlineMs);
    return new Promise((resolve, reject) => {
      const messages: Res[] = [];
      call.on('data', (message: Res) => messages.push(message));
      call.on('error', reject);
      call.on('end', () => resolve(messages));
    });
  }

  /** go-plugin closes its broker (half-closing StartStream) before calling Shutdown. */
  closeBroker(): void {
    this.brokerCall?.end();
  }

  /** go-plugin's GRPCClient.Close order: broker closed, then the channel. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.brokerCall?.end();
    this.brokerCall?.cancel();
    this.stdioCall?.cancel();
    this.client.close();
  }
}
