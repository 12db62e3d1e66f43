import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
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
  const definition = protoLoader.fromJSON(parseProtocolRoot().toJSON(), PROTO_LOADER_OPTIONS);
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
  return { services, clients };
}
