import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { answerSerializer } from './answer-encoding';
import { DecodedContexts, reusingContextDeserializer } from './context-reuse';
import backendProto from './proto/backend.proto';
import emptyProto from './proto/empty.proto';
import healthProto from './proto/health.proto';
import pluginProto from './proto/plugin.proto';

/**
 * Loads the protocol's service definitions from the .proto texts embedded in the bundle
 * (the shipped executable reads no files). Options follow the fact sheet: names exactly as
 * declared, int64 as strings, enums as numbers, bytes as Buffers, defaults filled in.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: Number,
  bytes: Buffer,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

export function parseProtocolRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const [name, text] of [
    ['empty.proto', emptyProto],
    ['backend.proto', backendProto],
    ['plugin.proto', pluginProto],
    ['health.proto', healthProto],
  ] as const) {
    protobuf.parse(text, root, { keepCase: true });
    void name;
  }
  root.resolveAll();
  return root;
}

export interface ProtocolServices {
  Data: grpc.ServiceDefinition;
  Diagnostics: grpc.ServiceDefinition;
  Resource: grpc.ServiceDefinition;
  Stream: grpc.ServiceDefinition;
  GRPCController: grpc.ServiceDefinition;
  GRPCBroker: grpc.ServiceDefinition;
  GRPCStdio: grpc.ServiceDefinition;
  Health: grpc.ServiceDefinition;
}

type ServiceCtor = grpc.ServiceClientConstructor;

/** Service definitions plus client constructors (the test harness uses the latter). */
export function loadProtocol(): { services: ProtocolServices; clients: Record<keyof ProtocolServices, ServiceCtor> } {
  const root = parseProtocolRoot();
  const definition = protoLoader.fromJSON(root.toJSON(), PROTO_LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    pluginv2: Record<string, ServiceCtor>;
    plugin: Record<string, ServiceCtor>;
    grpc: { health: { v1: Record<string, ServiceCtor> } };
  };
  const clients = {
    Data: loaded.pluginv2.Data!,
    Diagnostics: loaded.pluginv2.Diagnostics!,
    Resource: loaded.pluginv2.Resource!,
    Stream: loaded.pluginv2.Stream!,
    GRPCController: loaded.plugin.GRPCController!,
    GRPCBroker: loaded.plugin.GRPCBroker!,
    GRPCStdio: loaded.plugin.GRPCStdio!,
    Health: loaded.grpc.health.v1.Health!,
  };
  const services = Object.fromEntries(
    Object.entries(clients).map(([name, ctor]) => [name, ctor.service]),
  ) as unknown as ProtocolServices;
  reuseContexts(root, services);
  const queryData = services.Data.QueryData!;
  queryData.responseSerialize = answerSerializer(queryData.responseSerialize as (value: unknown) => Buffer);
  return { services, clients };
}

/**
 * Requests that carry a plugin context are decoded reusing the contexts of recent requests
 * (context-reuse.ts), one set of them for all methods: a dashboard's queries and resource calls
 * come with the same context. Serializers and the clients' side are unchanged.
 */
function reuseContexts(root: protobuf.Root, services: ProtocolServices): void {
  const contexts = new DecodedContexts(root.lookupType('pluginv2.PluginContext'), PROTO_LOADER_OPTIONS);
  for (const service of Object.values(services)) {
    for (const method of Object.values(service) as Array<grpc.MethodDefinition<unknown, unknown>>) {
      const [serviceName, methodName] = method.path.slice(1).split('/') as [string, string];
      const requestType = root.lookupService(serviceName).methods[methodName]!.resolvedRequestType!;
      if (requestType.fieldsById[1]?.name !== 'pluginContext') continue;
      method.requestDeserialize = reusingContextDeserializer(requestType, PROTO_LOADER_OPTIONS, contexts) as (bytes: Buffer) => unknown;
    }
  }
}
