import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodedContexts, REUSED_CONTEXTS, reusingContextDeserializer } from '../../../src/backend/grafana/context-reuse';
import { decodePluginContext, type GrafanaUser, type WirePluginContext } from '../../../src/backend/grafana/context';
import { PROTO_LOADER_OPTIONS, parseProtocolRoot } from '../../../src/backend/grafana/protocol';
import { limitsFromJsonData, parseDataSourceOptions } from '../../../src/backend/query/limits/options';
import { REDACTED, SecretRedactor } from '../../../src/backend/security/secrets';

const root = parseProtocolRoot();
const QueryDataRequest = root.lookupType('pluginv2.QueryDataRequest');
const CallResourceRequest = root.lookupType('pluginv2.CallResourceRequest');
const PluginContext = root.lookupType('pluginv2.PluginContext');

/** What the tests read of a decoded request. */
interface Decoded {
  pluginContext: WirePluginContext & { user: GrafanaUser; dataSourceInstanceSettings: { decryptedSecureJsonData: Record<string, string> } };
  queries: Array<{ refId: string }>;
}

const plain = (type: typeof QueryDataRequest) => (bytes: Buffer) => type.toObject(type.decode(bytes), PROTO_LOADER_OPTIONS);

function reusing(type = QueryDataRequest, contexts = new DecodedContexts(PluginContext, PROTO_LOADER_OPTIONS)) {
  return { decode: reusingContextDeserializer(type, PROTO_LOADER_OPTIONS, contexts), contexts };
}

function encoded(type: typeof QueryDataRequest, message: Record<string, unknown>): Buffer {
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}

const context = (login: string, secret = 'hunter2') => ({
  orgId: 3,
  pluginId: 'encore-datasource',
  user: { login, name: login.toUpperCase(), email: `${login}@example.com`, role: 'Editor' },
  dataSourceInstanceSettings: {
    id: 7, uid: 'encore-prom', name: 'Encore', url: 'http://prometheus:9090',
    jsonData: Buffer.from('{"source":"prometheus"}'), decryptedSecureJsonData: { cacheKey: secret }, lastUpdatedMS: 1700000000000,
  },
  grafanaConfig: { GF_APP_URL: 'http://grafana:3000/' },
  pluginVersion: '1.0.0',
});

const query = (refId: string) => ({
  refId, queryType: 'kpi', maxDataPoints: 1000, intervalMS: 15000,
  timeRange: { fromEpochMS: 1700000000000, toEpochMS: 1700003600000 }, json: Buffer.from(`{"kpi":"startup_time","refId":"${refId}"}`),
});

test('a request decodes to what the plain deserializer gives, context included', () => {
  const { decode } = reusing();
  for (const message of [
    { pluginContext: context('ada'), headers: { 'X-Grafana-Org-Id': '3' }, queries: [query('A'), query('B')], format: 1 },
    { queries: [query('A')] }, // no context at all
    { pluginContext: {}, queries: [] }, // an empty context is still a field on the wire
    {},
  ]) {
    const bytes = encoded(QueryDataRequest, message);
    assert.deepEqual(decode(bytes), plain(QueryDataRequest)(bytes));
  }
});

test('requests with equal context bytes share one frozen context; different contexts do not', () => {
  const { decode, contexts } = reusing();
  const first = decode(encoded(QueryDataRequest, { pluginContext: context('ada'), queries: [query('A')] })) as Decoded;
  const second = decode(encoded(QueryDataRequest, { pluginContext: context('ada'), queries: [query('B')] })) as Decoded;
  const other = decode(encoded(QueryDataRequest, { pluginContext: context('bob'), queries: [query('A')] })) as Decoded;
  assert.equal(first.pluginContext, second.pluginContext);
  assert.notEqual(first.pluginContext, other.pluginContext);
  assert.equal(other.pluginContext.user.login, 'bob');
  assert.equal(second.queries[0]?.refId, 'B');
  assert.ok(Object.isFrozen(first.pluginContext) && Object.isFrozen(first.pluginContext.user));
  assert.ok(Object.isFrozen(first.pluginContext.dataSourceInstanceSettings.decryptedSecureJsonData));
  assert.throws(() => {
    'use strict';
    first.pluginContext.user.login = 'mallory';
  }, TypeError);
  assert.equal(contexts.size, 2);
  // The request around the shared context is the caller's own to change.
  assert.ok(!Object.isFrozen(first) && !Object.isFrozen(first.queries));
});

test('a changed secret is a different context: nothing stale is served', () => {
  const { decode } = reusing();
  const before = decode(encoded(QueryDataRequest, { pluginContext: context('ada', 'old'), queries: [] })) as Decoded;
  const after = decode(encoded(QueryDataRequest, { pluginContext: context('ada', 'new'), queries: [] })) as Decoded;
  assert.equal(before.pluginContext.dataSourceInstanceSettings.decryptedSecureJsonData.cacheKey, 'old');
  assert.equal(after.pluginContext.dataSourceInstanceSettings.decryptedSecureJsonData.cacheKey, 'new');
});

test('the kept contexts are bounded and the least recently used goes first', () => {
  const { decode, contexts } = reusing();
  const decodeFor = (login: string) => (decode(encoded(QueryDataRequest, { pluginContext: context(login) })) as Decoded).pluginContext;
  const kept = decodeFor('user0');
  for (let i = 1; i <= REUSED_CONTEXTS + 10; i++) {
    decodeFor(`user${i}`);
    assert.equal(decodeFor('user0'), kept, 'a context in use stays');
  }
  assert.equal(contexts.size, REUSED_CONTEXTS);
  const evicted = decodeFor('user1');
  assert.equal(evicted.user.login, 'user1');
});

test('the context is copied out of the request buffer: reusing that buffer changes nothing', () => {
  const { decode } = reusing();
  const bytes = encoded(QueryDataRequest, { pluginContext: context('ada'), queries: [query('A')] });
  const first = decode(bytes) as Decoded;
  bytes.fill(0);
  const again = decode(encoded(QueryDataRequest, { pluginContext: context('ada'), queries: [query('A')] })) as Decoded;
  assert.equal(again.pluginContext, first.pluginContext);
  assert.equal(first.pluginContext.user.login, 'ada');
});

test('a repeated context field is left to the plain decoder (protobufjs keeps the last)', () => {
  const { decode } = reusing();
  const one = encoded(QueryDataRequest, { pluginContext: { orgId: 3, user: { login: 'ada' } } });
  const two = encoded(QueryDataRequest, { pluginContext: { pluginId: 'encore', user: { name: 'Ada' } } });
  const both = Buffer.concat([one, two]);
  const decoded = decode(both) as Decoded;
  assert.deepEqual(decoded, plain(QueryDataRequest)(both));
  assert.equal(decoded.pluginContext.user.name, 'Ada');
  assert.ok(!Object.isFrozen(decoded.pluginContext), 'not one of the kept contexts');
});

test('every method type with a context works the same: CallResource', () => {
  const { decode } = reusing(CallResourceRequest);
  const bytes = encoded(CallResourceRequest, {
    pluginContext: context('ada'), path: 'kpis', method: 'GET', url: '/kpis?x=1', headers: { Accept: { values: ['application/json'] } }, body: Buffer.from('{}'),
  });
  assert.deepEqual(decode(bytes), plain(CallResourceRequest)(bytes));
});

test('a type without a context in field 1 is refused when the deserializer is built', () => {
  assert.throws(
    () => reusingContextDeserializer(root.lookupType('pluginv2.DataQuery'), PROTO_LOADER_OPTIONS, new DecodedContexts(PluginContext, PROTO_LOADER_OPTIONS)),
    /pluginv2\.DataQuery has no pluginContext message in field 1/,
  );
});

const contextArbitrary = fc.record(
  {
    orgId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
    pluginId: fc.string(),
    user: fc.record({ login: fc.string(), name: fc.string(), email: fc.string(), role: fc.string() }, { requiredKeys: [] }),
    dataSourceInstanceSettings: fc.record(
      { id: fc.integer(), uid: fc.string(), url: fc.string(), jsonData: fc.uint8Array({ maxLength: 64 }).map(Buffer.from), decryptedSecureJsonData: fc.dictionary(fc.string(), fc.string()) },
      { requiredKeys: [] },
    ),
    grafanaConfig: fc.dictionary(fc.string(), fc.string(), { maxKeys: 5 }),
    pluginVersion: fc.string(),
  },
  { requiredKeys: [] },
);

const requestArbitrary = fc.record(
  {
    pluginContext: contextArbitrary,
    headers: fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }),
    queries: fc.array(
      fc.record({ refId: fc.string(), queryType: fc.string(), maxDataPoints: fc.integer({ min: 0 }).map(String), json: fc.uint8Array({ maxLength: 64 }).map(Buffer.from) }, { requiredKeys: [] }),
      { maxLength: 4 },
    ),
    format: fc.constantFrom(0, 1),
  },
  { requiredKeys: [] },
);

test('property: any well-formed request decodes exactly as the plain deserializer does', () => {
  const { decode } = reusing();
  fc.assert(
    fc.property(requestArbitrary, (message) => {
      const bytes = encoded(QueryDataRequest, message);
      assert.deepEqual(decode(bytes), plain(QueryDataRequest)(bytes));
      // and a second time, now from the kept context
      assert.deepEqual(decode(bytes), plain(QueryDataRequest)(bytes));
    }),
    { numRuns: 300 },
  );
});

test('property: arbitrary bytes give the plain answer or throw as the plain decoder does', () => {
  const { decode } = reusing();
  const outcome = (run: () => unknown) => {
    try {
      return { value: run() };
    } catch (error) {
      return { error: error instanceof Error };
    }
  };
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        // a valid request with its tail cut or a byte changed: close to real, still broken
        fc.tuple(requestArbitrary, fc.nat(), fc.nat(255)).map(([message, at, byte]) => {
          const bytes = encoded(QueryDataRequest, message);
          if (bytes.length === 0) return bytes;
          const copy = Buffer.from(bytes.subarray(0, 1 + (at % bytes.length)));
          copy[at % copy.length] = byte;
          return copy;
        }),
      ),
      (raw) => {
        const bytes = Buffer.from(raw);
        const reused = outcome(() => decode(bytes));
        const expected = outcome(() => plain(QueryDataRequest)(bytes));
        if ('error' in expected) assert.ok('error' in reused, 'the plain decoder threw, so must this one');
        else assert.deepEqual(reused, expected);
      },
    ),
    { numRuns: 1000 },
  );
});

// Downstream of the shared context: what handlers derive from it is derived once, and is what
// they would derive from an unshared copy.

test('a shared wire context decodes once to a frozen PluginContext equal to an unshared decode', () => {
  const { decode } = reusing();
  const bytes = encoded(QueryDataRequest, { pluginContext: context('ada'), queries: [] });
  const shared = (decode(bytes) as Decoded).pluginContext;
  const unshared = (plain(QueryDataRequest)(bytes) as Decoded).pluginContext;
  const once = decodePluginContext(shared);
  assert.equal(decodePluginContext((decode(bytes) as Decoded).pluginContext), once);
  assert.deepEqual(once, decodePluginContext(unshared));
  assert.notEqual(decodePluginContext(unshared), decodePluginContext(unshared), 'an unshared context is decoded each time');
  assert.ok(Object.isFrozen(once) && Object.isFrozen(once.dataSource) && Object.isFrozen(once.dataSource!.jsonData));
});

test('settings read from a shared context are those of an unshared one', () => {
  const { decode } = reusing();
  const withLimits = { ...context('ada'), dataSourceInstanceSettings: { ...context('ada').dataSourceInstanceSettings, jsonData: Buffer.from('{"maxSeries":7,"queryTimeoutSeconds":3}') } };
  const bytes = encoded(QueryDataRequest, { pluginContext: withLimits });
  const shared = decodePluginContext((decode(bytes) as Decoded).pluginContext).dataSource!.jsonData;
  const unshared = decodePluginContext((plain(QueryDataRequest)(bytes) as Decoded).pluginContext).dataSource!.jsonData;
  assert.deepEqual(limitsFromJsonData(shared), limitsFromJsonData(unshared));
  assert.equal(limitsFromJsonData(shared).maxSeries, 7);
  assert.deepEqual(parseDataSourceOptions(shared), parseDataSourceOptions(unshared));
});

test('the secrets of a shared context are known after it is observed, also after other secrets changed', () => {
  const { decode } = reusing();
  const secrets = new SecretRedactor();
  const ada = decodePluginContext((decode(encoded(QueryDataRequest, { pluginContext: context('ada', 'first-secret-1') })) as Decoded).pluginContext);
  secrets.observe(ada);
  assert.equal(secrets.redact('x first-secret-1 y'), `x ${REDACTED} y`);
  // Another data source's settings change the set; observing ada again must keep hers.
  const other = { ...context('bob', 'second-secret-2'), dataSourceInstanceSettings: { ...context('bob').dataSourceInstanceSettings, uid: 'other', decryptedSecureJsonData: { cacheKey: 'second-secret-2' } } };
  secrets.observe(decodePluginContext((decode(encoded(QueryDataRequest, { pluginContext: other })) as Decoded).pluginContext));
  secrets.observe(ada);
  assert.equal(secrets.redact('first-secret-1 second-secret-2'), `${REDACTED} ${REDACTED}`);
});
