import assert from 'node:assert/strict';
import { test } from 'node:test';
import type protobuf from 'protobufjs';
import { parseProtocolRoot } from '../../../src/backend/grafana/protocol';

/**
 * Server and harness share one .proto, so a wrong field number would go unnoticed by both.
 * This table is transcribed independently from the fact sheet (§2.2) and pins the wire contract.
 */
const EXPECTED: Record<string, Record<string, number>> = {
  'pluginv2.PluginContext': {
    orgId: 1, pluginId: 2, user: 3, appInstanceSettings: 4, dataSourceInstanceSettings: 5,
    grafanaConfig: 6, pluginVersion: 7, userAgent: 8, apiVersion: 9, namespace: 10,
  },
  'pluginv2.User': { login: 1, name: 2, email: 3, role: 4 },
  'pluginv2.DataSourceInstanceSettings': {
    id: 1, name: 2, url: 3, user: 4, database: 5, basicAuthEnabled: 6, basicAuthUser: 7, jsonData: 8,
    decryptedSecureJsonData: 9, lastUpdatedMS: 10, uid: 11, apiVersion: 12,
  },
  'pluginv2.AppInstanceSettings': { jsonData: 3, decryptedSecureJsonData: 4, lastUpdatedMS: 5, apiVersion: 6 },
  'pluginv2.TimeRange': { fromEpochMS: 1, toEpochMS: 2 },
  'pluginv2.DataQuery': { refId: 1, maxDataPoints: 2, intervalMS: 3, timeRange: 4, json: 5, queryType: 6 },
  'pluginv2.QueryDataRequest': { pluginContext: 1, headers: 2, queries: 3, format: 4 },
  'pluginv2.QueryDataResponse': { responses: 1 },
  'pluginv2.DataResponse': { frames: 1, error: 2, jsonMeta: 3, status: 4, errorSource: 5, format: 6 },
  'pluginv2.CheckHealthRequest': { pluginContext: 1, headers: 2 },
  'pluginv2.CheckHealthResponse': { status: 1, message: 2, jsonDetails: 3 },
  'pluginv2.CollectMetricsRequest': { pluginContext: 1 },
  'pluginv2.CollectMetricsResponse': { metrics: 1 },
  'pluginv2.CollectMetricsResponse.Payload': { prometheus: 1 },
  'pluginv2.CallResourceRequest': { pluginContext: 1, path: 2, method: 3, url: 4, headers: 5, body: 6 },
  'pluginv2.CallResourceResponse': { code: 1, headers: 2, body: 3 },
  'pluginv2.StringList': { values: 1 },
  'pluginv2.SubscribeStreamRequest': { pluginContext: 1, path: 2, data: 3, headers: 4 },
  'pluginv2.SubscribeStreamResponse': { status: 1, data: 2 },
  'pluginv2.RunStreamRequest': { pluginContext: 1, path: 2, data: 3, headers: 4 },
  'pluginv2.StreamPacket': { data: 1 },
  'pluginv2.PublishStreamRequest': { pluginContext: 1, path: 2, data: 3, headers: 4 },
  'pluginv2.PublishStreamResponse': { status: 1, data: 2 },
  'grpc.health.v1.HealthCheckRequest': { service: 1 },
  'grpc.health.v1.HealthCheckResponse': { status: 1 },
};

const EXPECTED_ENUMS: Record<string, Record<string, number>> = {
  'pluginv2.DataFrameFormat': { ARROW: 0, JSON: 1 },
  'pluginv2.CheckHealthResponse.HealthStatus': { UNKNOWN: 0, OK: 1, ERROR: 2 },
  'pluginv2.SubscribeStreamResponse.Status': { OK: 0, NOT_FOUND: 1, PERMISSION_DENIED: 2 },
  'pluginv2.PublishStreamResponse.Status': { OK: 0, NOT_FOUND: 1, PERMISSION_DENIED: 2 },
  'grpc.health.v1.HealthCheckResponse.ServingStatus': { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 },
};

const EXPECTED_METHODS: Record<string, string[]> = {
  'pluginv2.Data': ['QueryData', 'QueryChunkedData'],
  'pluginv2.Diagnostics': ['CheckHealth', 'CollectMetrics'],
  'pluginv2.Resource': ['CallResource'],
  'pluginv2.Stream': ['SubscribeStream', 'RunStream', 'PublishStream'],
  'plugin.GRPCController': ['Shutdown'],
  'grpc.health.v1.Health': ['Check', 'Watch'],
};

const root = parseProtocolRoot();

test('message field numbers match the fact sheet', () => {
  for (const [name, fields] of Object.entries(EXPECTED)) {
    const type = root.lookupType(name);
    for (const [field, id] of Object.entries(fields)) {
      assert.equal(type.fields[field]?.id, id, `${name}.${field}`);
    }
    assert.equal(Object.keys(type.fields).length, Object.keys(fields).length, `${name} has exactly the listed fields`);
  }
});

test('enum values match the fact sheet', () => {
  for (const [name, values] of Object.entries(EXPECTED_ENUMS)) {
    assert.deepEqual({ ...root.lookupEnum(name).values }, values, name);
  }
});

test('services expose the wire paths Grafana and go-plugin call', () => {
  for (const [name, methods] of Object.entries(EXPECTED_METHODS)) {
    const service = root.lookupService(name) as protobuf.Service;
    assert.deepEqual(Object.keys(service.methods).sort(), [...methods].sort(), name);
  }
  const resource = (root.lookupService('pluginv2.Resource') as protobuf.Service).methods.CallResource!;
  assert.equal(resource.responseStream, true, 'CallResource streams its response');
  const run = (root.lookupService('pluginv2.Stream') as protobuf.Service).methods.RunStream!;
  assert.equal(run.responseStream, true);
});

test('int64 fields are int64 (Grafana sends epoch ms and ids as 64-bit)', () => {
  assert.equal(root.lookupType('pluginv2.PluginContext').fields.orgId!.type, 'int64');
  assert.equal(root.lookupType('pluginv2.TimeRange').fields.fromEpochMS!.type, 'int64');
  assert.equal(root.lookupType('pluginv2.DataQuery').fields.maxDataPoints!.type, 'int64');
  assert.equal(root.lookupType('pluginv2.DataSourceInstanceSettings').fields.lastUpdatedMS!.type, 'int64');
});
