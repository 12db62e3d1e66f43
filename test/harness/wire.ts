/**
 * Messages as they travel through @grpc/proto-loader with the repository's options
 * (keepCase, longs: String, enums: Number, bytes: Buffer, defaults: true): int64 fields are
 * decimal strings, bytes are Buffers, maps are plain objects, enums are numbers.
 * Field names and numbers follow src/backend/grafana/proto/backend.proto (fact sheet §2.2).
 */

/** int64 on the wire: a decimal string (numbers are accepted when sending). */
export type Int64 = string;

export interface WireUser {
  login: string;
  name: string;
  email: string;
  role: string;
}

export interface WireDataSourceInstanceSettings {
  id: Int64;
  name: string;
  url: string;
  user: string;
  database: string;
  basicAuthEnabled: boolean;
  basicAuthUser: string;
  /** JSON text of the data source's jsonData */
  jsonData: Buffer;
  decryptedSecureJsonData: Record<string, string>;
  lastUpdatedMS: Int64;
  uid: string;
  apiVersion: string;
}

export interface WireAppInstanceSettings {
  jsonData: Buffer;
  decryptedSecureJsonData: Record<string, string>;
  lastUpdatedMS: Int64;
  apiVersion: string;
}

export interface WirePluginContext {
  orgId: Int64;
  pluginId: string;
  user: WireUser | null;
  appInstanceSettings: WireAppInstanceSettings | null;
  dataSourceInstanceSettings: WireDataSourceInstanceSettings | null;
  grafanaConfig: Record<string, string>;
  pluginVersion: string;
  userAgent: string;
  apiVersion: string;
  namespace: string;
}

export interface WireTimeRange {
  fromEpochMS: Int64;
  toEpochMS: Int64;
}

export interface WireDataQuery {
  refId: string;
  maxDataPoints: Int64;
  intervalMS: Int64;
  timeRange: WireTimeRange;
  /** the whole browser query object as JSON text */
  json: Buffer;
  queryType: string;
}

export const DataFrameFormat = { ARROW: 0, JSON: 1 } as const;

export interface QueryDataRequest {
  pluginContext: WirePluginContext;
  headers: Record<string, string>;
  queries: WireDataQuery[];
  format?: number;
}

export interface DataResponse {
  frames: Buffer[];
  error: string;
  jsonMeta: Buffer;
  /** HTTP-like; 0 means 200, or 500 when error is set */
  status: number;
  errorSource: string;
  format: number;
}

export interface QueryDataResponse {
  responses: Record<string, DataResponse>;
}

export interface CheckHealthRequest {
  pluginContext: WirePluginContext;
  headers: Record<string, string>;
}

export const HealthStatus = { UNKNOWN: 0, OK: 1, ERROR: 2 } as const;

export interface CheckHealthResponse {
  status: number;
  message: string;
  jsonDetails: Buffer;
}

export interface CollectMetricsRequest {
  pluginContext: WirePluginContext;
}

export interface CollectMetricsResponse {
  metrics: { prometheus: Buffer } | null;
}

export interface StringList {
  values: string[];
}

export interface CallResourceRequest {
  pluginContext: WirePluginContext;
  /** the part after `resources/`, no leading slash */
  path: string;
  method: string;
  /** path plus `?query` */
  url: string;
  headers: Record<string, StringList>;
  body: Buffer;
}

export interface CallResourceResponse {
  code: number;
  headers: Record<string, StringList>;
  body: Buffer;
}

export const StreamStatus = { OK: 0, NOT_FOUND: 1, PERMISSION_DENIED: 2 } as const;

export interface SubscribeStreamRequest {
  pluginContext: WirePluginContext;
  path: string;
  data: Buffer;
  headers: Record<string, string>;
}

export interface SubscribeStreamResponse {
  status: number;
  data: Buffer;
}

export type RunStreamRequest = SubscribeStreamRequest;

export interface StreamPacket {
  data: Buffer;
}

export type PublishStreamRequest = SubscribeStreamRequest;

export interface PublishStreamResponse {
  status: number;
  data: Buffer;
}

export const ServingStatus = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;
export type ServingStatusName = keyof typeof ServingStatus;

export interface StdioData {
  /** 1 stdout, 2 stderr */
  channel: number;
  data: Buffer;
}
