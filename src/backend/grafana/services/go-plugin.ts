import * as grpc from '@grpc/grpc-js';
import { quoteInput } from '../../../common/validation';

/**
 * The services go-plugin itself talks to: grpc.health.v1 (Ping checks service "plugin") and
 * GRPCController.Shutdown (the host's polite stop, before it closes the connection and, 2 s
 * later, sends SIGKILL).
 */

const SERVING = 1;
const SERVICE_UNKNOWN = 3;
const HEALTHY_SERVICES = new Set(['', 'plugin']);

export function healthService(): grpc.UntypedServiceImplementation {
  return {
    Check: (call: grpc.ServerUnaryCall<{ service?: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const service = call.request.service ?? '';
      if (!HEALTHY_SERVICES.has(service)) {
        callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${quoteInput(service)}` });
        return;
      }
      callback(null, { status: SERVING });
    },
    Watch: (call: grpc.ServerWritableStream<{ service?: string }, unknown>) => {
      const service = call.request.service ?? '';
      call.write({ status: HEALTHY_SERVICES.has(service) ? SERVING : SERVICE_UNKNOWN });
      // The status never changes while the process lives; the stream ends with the process.
    },
  };
}

export function controllerService(onShutdown: () => void): grpc.UntypedServiceImplementation {
  return {
    Shutdown: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      callback(null, {});
      // Answer first, then stop: the host ignores errors but waits for the reply.
      setImmediate(onShutdown);
    },
  };
}
