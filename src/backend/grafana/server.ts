import * as grpc from '@grpc/grpc-js';
import type { StartupPlan } from './handshake';
import { loadProtocol } from './protocol';

/** Grafana's client allows 2 GiB; the Go SDK serves 16 MiB. Queries with many frames need room. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  // Channelz is grpc-js' introspection service, which nothing here serves or reads (Grafana does
  // not ask plugins for it); its per-call bookkeeping was 2 % of a cached QueryData's time.
  'grpc.enable_channelz': 0,
};

export type ServiceImplementations = Partial<
  Record<'Data' | 'Diagnostics' | 'Resource' | 'Stream' | 'GRPCController' | 'Health', grpc.UntypedServiceImplementation>
>;

export interface RunningServer {
  server: grpc.Server;
  /** host:port as printed in the handshake */
  address: string;
}

/** Binds a plaintext gRPC server on loopback only (never 0.0.0.0), inside the host's port range. */
export async function startGrpcServer(plan: StartupPlan, implementations: ServiceImplementations): Promise<RunningServer> {
  const { services } = loadProtocol();
  const server = new grpc.Server(SERVER_OPTIONS);
  for (const [name, implementation] of Object.entries(implementations)) {
    server.addService(services[name as keyof typeof services], implementation);
  }
  const ports = plan.minPort === 0 && plan.maxPort === 0 ? [0] : range(plan.minPort, plan.maxPort || 65535);
  let lastError: unknown;
  for (const port of ports) {
    try {
      const bound = await bind(server, `127.0.0.1:${port}`);
      return { server, address: `127.0.0.1:${bound}` };
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`no free port on 127.0.0.1 in ${plan.minPort}-${plan.maxPort}: ${String(lastError)}`);
}

function bind(server: grpc.Server, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port)));
  });
}

function* range(from: number, to: number): Generator<number> {
  for (let port = Math.max(1, from); port <= to; port++) yield port;
}
