import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { answerSerializer, encodeAnswers } from '../../../src/backend/grafana/answer-encoding';
import { loadProtocol, parseProtocolRoot, PROTO_LOADER_OPTIONS } from '../../../src/backend/grafana/protocol';

const QueryDataResponse = parseProtocolRoot().lookupType('pluginv2.QueryDataResponse');
const general = (value: unknown) => Buffer.from(QueryDataResponse.encode(QueryDataResponse.fromObject(value as object)).finish());
const decoded = (bytes: Buffer) => QueryDataResponse.toObject(QueryDataResponse.decode(bytes), PROTO_LOADER_OPTIONS);

const answer = fc.record(
  {
    frames: fc.array(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constant(new Uint8Array(70_000).fill(9))).map((bytes) => Buffer.from(bytes)), { maxLength: 3 }),
    error: fc.string({ unit: 'binary' }),
    jsonMeta: fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
    status: fc.oneof(fc.constantFrom(0, 200, 400, 413, 500, 127, 128, 16_383, 16_384), fc.integer({ min: 0, max: 2 ** 31 - 1 })),
    errorSource: fc.constantFrom('', 'plugin', 'downstream'),
    format: fc.constantFrom(0, 1),
  },
  { requiredKeys: ['frames'] },
);
const responses = fc.dictionary(fc.string({ unit: 'binary', maxLength: 12 }), answer, { maxKeys: 5 }).map((r) => ({ responses: r }));

test('the bytes are those protobufjs writes for any answer of the data service', () => {
  fc.assert(
    fc.property(responses, (value) => {
      const fast = encodeAnswers(value);
      assert.ok(fast, 'of the shape the data service sends');
      assert.deepEqual(fast, general(value));
    }),
    { numRuns: 500 },
  );
});

test('what the data service sends in practice: an answer per refId, a frame or an error', () => {
  const value = {
    responses: {
      A: { frames: [Buffer.alloc(16_922, 7)], error: '', status: 200, errorSource: '', format: 0 },
      B: { frames: [], error: 'maxSeries: 12 series, more than this data source allows (limit maxSeries = 10)', status: 413, errorSource: 'plugin', format: 0 },
      'Ω': { frames: [Buffer.from('{"schema":{}}'), Buffer.from('{"schema":{"name":"x"}}')], status: 200, format: 1 },
    },
  };
  const bytes = encodeAnswers(value)!;
  assert.deepEqual(bytes, general(value));
  const back = decoded(bytes) as { responses: Record<string, { frames: Buffer[]; error: string; status: number; format: number }> };
  assert.deepEqual(Object.keys(back.responses).sort(), ['A', 'B', 'Ω']);
  assert.equal(back.responses.A!.frames[0]!.length, 16_922);
  assert.equal(back.responses.B!.status, 413);
  assert.match(back.responses.B!.error, /^maxSeries: /);
  assert.equal(back.responses['Ω']!.frames.length, 2);
  assert.equal(back.responses['Ω']!.format, 1);
});

test('values of another shape are left to protobufjs, with its result', () => {
  const serialize = answerSerializer(general);
  const odd: unknown[] = [
    { responses: {} },
    {},
    { responses: { A: { frames: ['AAEC'] } } }, // base64 text, which protobufjs decodes
    { responses: { A: { frames: [], status: -1 } } }, // a negative int32: ten bytes on the wire
    { responses: { A: { frames: [], status: 2.5 } } },
    { responses: { A: { frames: [], error: null } } },
    { responses: { A: { frames: [], format: 'JSON' } } },
    { responses: { A: { frames: [] }, B: null } },
    { responses: { A: { frames: [], extra: 1 } } },
    { responses: { A: { frames: [] } }, other: 1 },
  ];
  for (const value of odd) {
    let expected: Buffer | Error;
    try {
      expected = general(value);
    } catch (error) {
      expected = error as Error;
    }
    if (expected instanceof Error) assert.throws(() => serialize(value));
    else assert.deepEqual(serialize(value), expected, JSON.stringify(value));
  }
  assert.equal(encodeAnswers({ responses: { A: { frames: [], status: -1 } } }), undefined);
});

test('the server side of QueryData uses it; the client side is protobufjs as before', () => {
  const method = loadProtocol().services.Data.QueryData!;
  const value = { responses: { A: { frames: [Buffer.from([1, 2, 3])], status: 200 } } };
  assert.deepEqual(method.responseSerialize(value), general(value));
  assert.deepEqual(decoded(method.responseSerialize(value)), method.responseDeserialize(method.responseSerialize(value)));
});

test('text is valid UTF-8 even with a lone surrogate in it (Go refuses invalid UTF-8 in a string field)', () => {
  const bytes = encodeAnswers({ responses: { A: { frames: [], error: 'bad \ud800 query', status: 400 } } })!;
  const back = decoded(bytes) as { responses: Record<string, { error: string }> };
  assert.equal(back.responses.A!.error, 'bad \ufffd query');
  assert.equal(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(bytes.indexOf('bad'), bytes.indexOf('query') + 5)), 'bad \ufffd query');
});
