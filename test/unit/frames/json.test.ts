import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeFrameArrow,
  encodeFrameArrow,
  frameFromJSON,
  frameToJSON,
  parseFrameJSON,
  parseJSON,
  stringifyFrameJSON,
  stringifyJSON,
  type Frame,
} from '../../../src/backend/grafana/frames';
import { canonicalFrame, everyTypeFrame, INT64_MIN, UINT64_MAX } from './helpers';

describe('frameToJSON / stringifyFrameJSON', () => {
  it('puts the schema before the data, and honours include', () => {
    const frame = everyTypeFrame();
    const text = stringifyFrameJSON(frame);
    assert.ok(text.startsWith('{"schema":{'), text.slice(0, 30));
    assert.ok(text.indexOf('"data":{"values":') > text.indexOf('"fields":'));
    assert.deepStrictEqual(Object.keys(frameToJSON(frame)), ['schema', 'data']);
    assert.deepStrictEqual(Object.keys(frameToJSON(frame, 'schema')), ['schema']);
    assert.deepStrictEqual(Object.keys(frameToJSON(frame, 'data')), ['data']);
    assert.ok(stringifyFrameJSON(frame, 'data').startsWith('{"data":{"values":['));
  });

  it('writes an empty frame the way Go does', () => {
    assert.equal(stringifyFrameJSON({ fields: [] }), '{"schema":{"fields":[]},"data":{"values":[]}}');
    assert.equal(
      stringifyFrameJSON({ refId: 'A', fields: [{ name: 'v', type: 'float64', values: [] }] }),
      '{"schema":{"refId":"A","fields":[{"name":"v","type":"number","typeInfo":{"frame":"float64"}}]},"data":{"values":[[]]}}',
    );
  });

  it('names types as Grafana does: simple type plus the Go item type, nullable only when so', () => {
    const fields = frameToJSON(everyTypeFrame(), 'schema').schema!.fields;
    const seen = Object.fromEntries(fields.map((f) => [f.name, [f.type, f.typeInfo.frame, f.typeInfo.nullable ?? false]]));
    assert.deepStrictEqual(seen.time, ['time', 'time.Time', false]);
    assert.deepStrictEqual(seen.nullable_time, ['time', 'time.Time', true]);
    assert.deepStrictEqual(seen.json, ['other', 'json.RawMessage', false]);
    assert.deepStrictEqual(seen.enum, ['enum', 'enum', false]);
    assert.deepStrictEqual(seen.bool, ['boolean', 'bool', false]);
    assert.deepStrictEqual(seen.string, ['string', 'string', false]);
    for (const type of ['float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']) {
      assert.deepStrictEqual(seen[type], ['number', type, false], type);
      assert.deepStrictEqual(seen[`nullable_${type}`], ['number', type, true], type);
    }
    assert.equal('nullable' in fields[0]!.typeInfo, false, 'no nullable:false key');
  });

  it('writes times as epoch ms with a nanos side table only when some time has sub-ms parts', () => {
    const withNanos: Frame = {
      fields: [
        { name: 't', type: 'time', values: [1700000000123, null, -1], nanos: [456789, 0, 1] },
        { name: 'v', type: 'float64', values: [1, 2, 3] },
      ],
    };
    const data = frameToJSON(withNanos).data!;
    assert.deepStrictEqual(data.values[0], [1700000000123, null, -1]);
    assert.deepStrictEqual(data.nanos, [[456789, 0, 1], null]);
    const plain = frameToJSON({ fields: [{ name: 't', type: 'time', values: [1700000000123], nanos: [0] }] }).data!;
    assert.equal('nanos' in plain, false);
    // A Date and a fractional millisecond both land on exact ms + nanos.
    const mixed = frameToJSON({ fields: [{ name: 't', type: 'time', values: [new Date(5), 1.25] }] }).data!;
    assert.deepStrictEqual(mixed.values[0], [5, 1]);
    assert.deepStrictEqual(mixed.nanos, [[0, 250000]]);
  });

  it('writes NaN and ±Inf as null with an entities side table, only when needed', () => {
    const frame: Frame = {
      fields: [
        { name: 'a', type: 'float64', values: [Number.NaN, 1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN] },
        { name: 'b', type: 'float32', nullable: true, values: [null, Number.POSITIVE_INFINITY, 0, 0, 0] },
        { name: 'c', type: 'float64', values: [1, 2, 3, 4, 5] },
      ],
    };
    const data = frameToJSON(frame).data!;
    assert.deepStrictEqual(data.values[0], [null, 1, null, null, null]);
    assert.deepStrictEqual(data.entities, [{ NaN: [0, 4], Inf: [2], NegInf: [3] }, { Inf: [1] }, null]);
    assert.equal('entities' in frameToJSON({ fields: [frame.fields[2]!] }).data!, false);
  });

  it('writes float32 as its shortest decimal, like Go', () => {
    const values = [Math.fround(0.1), 1.401298464324817e-45, Math.fround(3.4028235e38)];
    const data = frameToJSON({ fields: [{ name: 'f', type: 'float32', values }] }).data!;
    assert.deepStrictEqual(data.values[0], [0.1, 1e-45, 3.4028235e38]);
  });

  it('writes int64/uint64 as exact bare numbers', () => {
    const frame: Frame = {
      fields: [
        { name: 'i', type: 'int64', values: [INT64_MIN, 2n ** 53n + 1n, 3] },
        { name: 'u', type: 'uint64', values: [UINT64_MAX, 0n, 9007199254740993n] },
      ],
    };
    const text = stringifyFrameJSON(frame, 'data');
    assert.equal(text, '{"data":{"values":[[-9223372036854775808,9007199254740993,3],[18446744073709551615,0,9007199254740993]]}}');
    // The object keeps bigint, so a plain JSON.stringify fails loudly instead of losing digits.
    assert.throws(() => JSON.stringify(frameToJSON(frame)), /BigInt/);
  });

  it('embeds json field values raw, and writes labels sorted, config and meta as given', () => {
    const frame: Frame = {
      meta: { type: 'timeseries-multi', custom: { x: 1 } },
      fields: [
        {
          name: 'j',
          type: 'json',
          values: [{ a: [1, { b: null }] }, 'str', null],
          labels: { z: 'last', a: 'first' },
          config: { unit: 'ms', custom: { lineWidth: 2 } },
        },
      ],
    };
    const text = stringifyFrameJSON(frame);
    assert.ok(text.includes('"values":[[{"a":[1,{"b":null}]},"str",null]]'), text);
    assert.ok(text.includes('"labels":{"a":"first","z":"last"}'), text);
    assert.ok(text.includes('"config":{"unit":"ms","custom":{"lineWidth":2}}'), text);
    assert.ok(text.includes('"meta":{"type":"timeseries-multi","typeVersion":[0,0],"custom":{"x":1}}'), text);
  });
});

describe('frameFromJSON / parseFrameJSON', () => {
  it('keeps a label literally named __proto__, through JSON text and through Arrow', () => {
    const labels = JSON.parse('{"__proto__":"x","b":"y"}') as Record<string, string>;
    const meta = JSON.parse('{"__proto__":1}') as Frame['meta'];
    const frame: Frame = { meta, fields: [{ name: 'v', type: 'int16', values: [1], labels }] };
    const fromText = parseFrameJSON(stringifyFrameJSON(frame));
    const fromArrow = decodeFrameArrow(encodeFrameArrow(frame));
    for (const decoded of [fromText, fromArrow]) {
      assert.deepStrictEqual(Object.entries(decoded.fields[0]!.labels!), [['__proto__', 'x'], ['b', 'y']]);
      assert.deepStrictEqual(Object.keys(decoded.meta!), ['typeVersion', '__proto__']);
    }
  });

  it('round-trips every field type through JSON text', () => {
    const frame = everyTypeFrame();
    assert.deepStrictEqual(parseFrameJSON(stringifyFrameJSON(frame)), canonicalFrame(frame));
  });

  it('round-trips through the object form as well', () => {
    const frame = everyTypeFrame();
    assert.deepStrictEqual(frameFromJSON(frameToJSON(frame)), canonicalFrame(frame));
  });

  it('reads a data-only packet against the schema of a previous frame', () => {
    const first: Frame = {
      refId: 'A',
      fields: [
        { name: 'time', type: 'time', values: [1000] },
        { name: 'plays', type: 'int64', values: [1n], labels: { region: 'eu' } },
      ],
    };
    const next = parseFrameJSON('{"data":{"values":[[2000,3000],[2,9223372036854775807]],"nanos":[[5,0],null]}}', first);
    assert.deepStrictEqual(next, {
      refId: 'A',
      fields: [
        { name: 'time', type: 'time', values: [2000, 3000], nanos: [5, 0] },
        { name: 'plays', type: 'int64', values: [2n, 2n ** 63n - 1n], labels: { region: 'eu' } },
      ],
    });
    assert.deepStrictEqual(first.fields[0]!.values, [1000], 'the previous frame is left alone');
    assert.throws(() => parseFrameJSON('{"data":{"values":[]}}'), /no schema and no previous frame/);
  });

  it('falls back to the simple type when typeInfo is missing', () => {
    const frame = frameFromJSON({
      schema: { fields: [{ name: 'v', type: 'number' }, { name: 't', type: 'time' }] },
      data: { values: [[1.5], [0]] },
    });
    assert.deepStrictEqual(
      frame.fields.map((f) => f.type),
      ['float64', 'time'],
    );
  });

  it('rejects malformed input with the place it went wrong', () => {
    const oneField = (frame: string, data: unknown) => ({
      schema: { fields: [{ name: 'x', type: 'number', typeInfo: { frame } }] },
      data,
    });
    assert.throws(() => frameFromJSON([]), /DataFrameJSON must be an object/);
    assert.throws(() => frameFromJSON(oneField('complex128', undefined)), /schema.fields\[0\]: unknown type/);
    assert.throws(() => frameFromJSON(oneField('int8', { values: [[1], [2]] })), /has 2 columns, the schema has 1 fields/);
    assert.throws(
      () => frameFromJSON(oneField('int8', { values: [[1, 'two']] })),
      /field "x" \(int8\) row 1: expected an integer/,
    );
    assert.throws(
      () => frameFromJSON(oneField('float64', { values: [[1]], entities: [{ NaN: [4] }] })),
      /entities.NaN index 4 is out of range/,
    );
  });
});

describe('exact JSON text', () => {
  it('writes bigint as digits and -0 with its sign, otherwise like JSON.stringify', () => {
    const value = { a: 2n ** 64n, b: -0, c: [undefined, () => 1, 'x\u2028"'], d: undefined, e: new Date(0), f: Number.NaN };
    assert.equal(stringifyJSON(value), '{"a":18446744073709551616,"b":-0,"c":[null,null,"x\u2028\\""],"e":"1970-01-01T00:00:00.000Z","f":null}');
    const plain = { s: 'ünï 🦥', n: [1, 1.5e300, -2e-7, true, null], o: {} };
    assert.equal(stringifyJSON(plain), JSON.stringify(plain));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => stringifyJSON(cyclic), /cyclic/);
  });

  it('reads integers beyond 2^53 as bigint and everything else like JSON.parse', () => {
    assert.deepStrictEqual(parseJSON('[9007199254740991, 9007199254740992, -9223372036854775808, 1e30, 1.0, -0]'), [
      9007199254740991,
      9007199254740992n,
      -9223372036854775808n,
      1e30,
      1,
      -0,
    ]);
    const text = '{"a":[1,"\\u00e9\\n\\"",{"b":null}],"c":true,"d":false, "e" : 2.5e-3 }';
    assert.deepStrictEqual(parseJSON(text), JSON.parse(text));
    const proto = parseJSON('{"__proto__":{"x":1}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
    assert.deepStrictEqual(Object.keys(proto), ['__proto__']);
  });

  it('rejects malformed JSON', () => {
    for (const bad of ['', '{', '[1,]', '{"a" 1}', '01', 'nul', '"unterminated', '[1] x', '{a:1}', '"\\x"']) {
      assert.throws(() => parseJSON(bad), SyntaxError, bad);
    }
  });
});
