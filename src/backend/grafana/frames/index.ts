// Public surface of the frame codec: the in-memory model, the Arrow IPC file form the backend
// protocol carries, and the DataFrameJSON form Grafana's HTTP API and Live use.
export * from './frame';
export { encodeFrameArrow, decodeFrameArrow, hasArrowFileMagic, fieldTypeOf } from './arrow';
export {
  frameToJSON,
  stringifyFrameJSON,
  frameFromJSON,
  parseFrameJSON,
  type DataFrameJSON,
  type FrameSchemaJSON,
  type FieldSchemaJSON,
  type FrameDataJSON,
  type FieldEntitiesJSON,
  type FrameJSONInclude,
} from './json';
export { stringifyJSON, parseJSON } from './exact-json';
export { FIELD_DATA_TYPES, goTypeName, simpleType, type SimpleType } from './types';
