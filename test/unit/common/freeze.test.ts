import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deepFreeze, derivedOncePerShared } from '../../../src/common/freeze';

test('deepFreeze freezes nested objects and arrays, leaves typed arrays and Buffers as they are', () => {
  const value = deepFreeze({ a: { b: [1, { c: 2 }] }, bytes: Buffer.from('xy'), view: new Uint8Array(2) });
  assert.ok(Object.isFrozen(value) && Object.isFrozen(value.a) && Object.isFrozen(value.a.b) && Object.isFrozen(value.a.b[1]));
  value.bytes[0] = 0x7a;
  assert.equal(value.bytes.toString(), 'zy');
  assert.ok(!Object.isFrozen(value.view));
});

test('derivedOncePerShared keeps results for frozen arguments only', () => {
  let calls = 0;
  const derive = derivedOncePerShared((o: { n: number }) => {
    calls++;
    return { doubled: o.n * 2 };
  });
  const shared = Object.freeze({ n: 2 });
  const first = derive(shared);
  assert.equal(derive(shared), first);
  assert.equal(calls, 1);
  const open = { n: 3 };
  assert.equal(derive(open).doubled, 6);
  open.n = 4;
  assert.equal(derive(open).doubled, 8, 'an object that may change is derived from again');
  assert.equal(calls, 3);
  // A kept undefined result is kept too, not derived again.
  const nothing = derivedOncePerShared(() => {
    calls++;
    return undefined;
  });
  const key = Object.freeze({});
  nothing(key);
  nothing(key);
  assert.equal(calls, 4);
});
