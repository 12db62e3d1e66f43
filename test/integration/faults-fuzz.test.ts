// 10,000 fuzzed queries through the built backend (fast-check): random JSON, valid queries of
// every type with fields replaced by random values, unknown and missing fields, text that is not
// JSON, odd time ranges. The process must never crash or answer with an internal error, every
// query must get its own answer, and every refused one an error that starts with the field it is
// about (`filters.0.op: expected one of = != =~ !~`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { dataQuery, queryDataRequest } from '../harness/plugin-context';
import type { WireDataQuery } from '../harness/wire';

const TOTAL = 10_000;
const PER_REQUEST = 100;
const HOUR = 3_600_000;
/** A fixed past "now" for reproducible demo data; the range of each query ends near it. */
const TO = Date.UTC(2026, 10, 30, 12);

let host: PluginHost;
before(async () => {
  host = await launchPlugin();
});
after(async () => {
  await host?.dispose();
});

const KEYS = [
  'refId', 'queryType', 'expr', 'kpi', 'filters', 'groupBy', 'legendFormat', 'instant', 'step', 'live', 'detect', 'output',
  'explain', 'format', 'horizon', 'coverage', 'season', 'freshness', 'maxSeries', 'checks',
] as const;

/** Valid queries of every type, cheap enough on the demo source to run thousands of. */
const TEMPLATES: Array<Record<string, unknown>> = [
  { queryType: 'promql', expr: 'encore_demo_active_listeners' },
  { queryType: 'promql', expr: 'sum by (market) (encore_demo_skip_rate)', instant: true },
  { queryType: 'kpi', kpi: 'rebuffering_ratio', filters: [{ label: 'market', op: '=', value: 'BR' }], groupBy: ['platform'] },
  { queryType: 'kpi', kpi: 'skip_rate', filters: [{ label: 'market', op: '=~', value: 'BR|SE' }], instant: true },
  { queryType: 'anomaly', kpi: 'skip_rate', detect: { algorithm: 'rolling', season: 'none' }, explain: false },
  { queryType: 'outliers', kpi: 'skip_rate', groupBy: ['market'], detect: { algorithm: 'rolling', season: 'none' } },
  { queryType: 'forecast', kpi: 'skip_rate', horizon: '1h', season: 'none' },
  { queryType: 'quality', kpi: 'skip_rate', output: 'levels', checks: ['freshness'] },
];

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, '', ' ', 'NaN', '1h', '-5m', '0s', '.*', '(a+)+', '"} or vector(1) #', '\u0000', '__proto__'),
  fc.double(),
  fc.integer(),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 30 }),
  fc.record({ label: fc.oneof(fc.string(), fc.constant('market'), fc.integer()), op: fc.oneof(fc.constantFrom('=', '!=', '=~', '!~', '=='), fc.string()), value: junkLeaf() }),
);

function junkLeaf(): fc.Arbitrary<unknown> {
  return fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('(a+)+$', '[', '\\', '(?=x)', 'a{1000}{1000}'), fc.integer(), fc.constant(null));
}

type Mutation = { kind: 'set'; key: string; value: unknown } | { kind: 'delete'; key: string } | { kind: 'nest'; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), value: junk }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS) }),
  fc.record({ kind: fc.constant('nest' as const), key: fc.constantFrom('detect', 'filters'), value: junk }),
);

function mutate(template: Record<string, unknown>, mutations: Mutation[]): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(template);
  for (const m of mutations) {
    if (m.kind === 'delete') delete out[m.key];
    else if (m.kind === 'set') out[m.key] = m.value;
    else if (m.key === 'detect') out.detect = { ...(typeof out.detect === 'object' && out.detect ? out.detect : {}), [JSON.stringify(m.value ?? null).slice(0, 12)]: m.value };
    else out.filters = [{ label: 'market', op: '=', value: 'BR' }, m.value];
  }
  return out;
}

/** What goes into DataQuery.json: mostly mutated valid queries, some random JSON, some text. */
const body: fc.Arbitrary<{ json?: unknown; raw?: string }> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...TEMPLATES), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([t, m]) => ({ json: mutate(t, m) })) },
  { weight: 1, arbitrary: fc.constantFrom(...TEMPLATES).map((t) => ({ json: t })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.constantFrom(...KEYS), junk, { maxKeys: 6 }).map((json) => ({ json })),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((raw) => ({ raw })) },
);

const range: fc.Arbitrary<{ from: number; to: number; maxDataPoints: number; intervalMS: number }> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ from: fc.constant(TO - 3 * HOUR), to: fc.constant(TO), maxDataPoints: fc.constantFrom(100, 300), intervalMS: fc.constant(60_000) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      from: fc.oneof(fc.integer({ min: -1e13, max: 4e12 }), fc.constant(TO)),
      to: fc.oneof(fc.integer({ min: -1e13, max: 4e12 }), fc.constant(TO - HOUR)),
      maxDataPoints: fc.integer({ min: -5, max: 100_000 }),
      intervalMS: fc.integer({ min: -5, max: 86_400_000 }),
    }),
  },
);

const fuzzCase = fc.record({ body, range });

/** Where the error must start: a field path (`filters.0.value`, `detect.season`), or `(query)`/`query`. */
const NAMES_A_FIELD = /^(?:\(query\)|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*): \S/;

describe('10,000 fuzzed queries', () => {
  it('never crash the backend, never fail internally, and each bad one gets an error naming its field', async () => {
    const cases = fc.sample(fuzzCase, { numRuns: TOTAL, seed: 20261124 });
    const started = performance.now();
    let refused = 0;
    let answered = 0;
    const examples = new Map<string, string>();
    for (let offset = 0; offset < TOTAL; offset += PER_REQUEST) {
      const batch = cases.slice(offset, offset + PER_REQUEST);
      const queries: WireDataQuery[] = batch.map(({ body: b, range: r }, i) =>
        dataQuery({
          refId: `Q${offset + i}`,
          ...(b.raw !== undefined ? { jsonRaw: b.raw } : { json: b.json as Record<string, unknown> }),
          timeRange: { from: r.from, to: r.to },
          maxDataPoints: r.maxDataPoints,
          intervalMS: r.intervalMS,
        }),
      );
      // `json` may be any JSON value, not just an object: send it as it is.
      batch.forEach(({ body: b }, i) => {
        if (b.raw === undefined && (typeof b.json !== 'object' || b.json === null || Array.isArray(b.json))) queries[i]!.json = Buffer.from(JSON.stringify(b.json ?? null));
      });
      const response = await host.queryData(
        queryDataRequest({
          // Rate limits off: this is about inputs, not about throughput.
          context: { datasource: { uid: 'fuzz', url: '', jsonData: { rateLimitOrgQps: 0, rateLimitUserQps: 0 } }, grafanaConfig: { GF_CONCURRENT_QUERY_COUNT: '4' } },
          queries,
        }),
        120_000,
      );
      for (const [i, query] of queries.entries()) {
        const answer = response.responses[query.refId];
        assert.ok(answer, `no answer for ${query.refId}`);
        if (answer.error === '') {
          answered++;
          continue;
        }
        refused++;
        const shown = JSON.stringify(batch[i]!.body).slice(0, 300);
        assert.notEqual(answer.status, 500, `internal error for ${shown}: ${answer.error}`);
        assert.match(answer.error, NAMES_A_FIELD, `error for ${shown} does not name a field: ${answer.error}`);
        assert.ok(answer.status >= 400 && answer.status < 600, `${answer.status} for ${shown}`);
        const field = answer.error.slice(0, answer.error.indexOf(':'));
        if (!examples.has(field)) examples.set(field, answer.error.slice(0, 160));
      }
      assert.equal(host.process.running, true, `the backend died in batch ${offset / PER_REQUEST}`);
    }
    const seconds = (performance.now() - started) / 1000;
    assert.equal(refused + answered, TOTAL);
    assert.ok(answered > 500 && refused > 5000, `answered ${answered}, refused ${refused}`);
    assert.equal(await host.health(), 'SERVING');
    assert.ok(!host.log.entries.some((e) => e.level === 'error'), host.log.filter((e) => e.level === 'error').map((e) => e.raw).slice(0, 5).join('\n'));
    // For the record (node --test prints diagnostics with the test).
    console.log(`fuzz: ${TOTAL} queries in ${seconds.toFixed(1)} s, ${answered} answered, ${refused} refused; fields named: ${[...examples.keys()].sort().join(', ')}`);
  });
});
