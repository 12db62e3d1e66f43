import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteLru } from '../../../../src/backend/query/cache/memory';

describe('ByteLru', () => {
  it('evicts the least recently used entries beyond its byte budget', () => {
    let evictions = 0;
    const lru = new ByteLru<string>(10, () => evictions++);
    lru.set('a', 'A', 4, Infinity);
    lru.set('b', 'B', 4, Infinity);
    assert.equal(lru.get('a', 0), 'A', 'a is used, so b is the oldest now');
    lru.set('c', 'C', 4, Infinity);
    assert.equal(lru.get('b', 0), undefined);
    assert.equal(lru.get('a', 0), 'A');
    assert.equal(lru.get('c', 0), 'C');
    assert.equal(evictions, 1);
    assert.deepEqual(lru.stats(), { entries: 2, bytes: 8, maxBytes: 10, evictions: 1 });
  });

  it('does not keep an entry larger than the whole budget, and replaces an entry under the same key', () => {
    const lru = new ByteLru<string>(10);
    lru.set('huge', 'H', 11, Infinity);
    assert.equal(lru.get('huge', 0), undefined);
    lru.set('a', 'A1', 6, Infinity);
    lru.set('a', 'A2', 3, Infinity);
    assert.equal(lru.get('a', 0), 'A2');
    assert.equal(lru.stats().bytes, 3);
  });

  it('drops entries once they expire', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 5, 1_000);
    assert.equal(lru.get('a', 999), 'A');
    assert.equal(lru.get('a', 1_000), undefined);
    assert.deepEqual([lru.size, lru.stats().bytes], [0, 0]);
  });
});
