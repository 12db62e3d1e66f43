import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CacheCodecError, decodeEntry, deriveCacheKeys, encodeEntry, hashName } from '../../../../src/backend/query/cache/codec';
import { cutSeries, type ExtentEntry } from '../../../../src/backend/query/cache/entries';
import { NEVER } from '../../../../src/backend/query/cache/extents';
import type { Series } from '../../../../src/backend/sources/source';

const STEP = 15_000;
const FROM = 1_800_000_000_000;
const keys = deriveCacheKeys('a data source secret, long enough');

function entry(points: number): ExtentEntry {
  const times = Array.from({ length: points }, (_, i) => FROM + i * STEP).filter((_, i) => i % 7 !== 3);
  const series: Series[] = [
    { labels: { __name__: 'encore_rebuffer_ratio', market: 'SE', platform: 'android' }, timestamps: times, values: times.map((_, i) => Math.sin(i) * 0.01) },
    { labels: { market: 'DE' }, timestamps: times.slice(0, 2), values: [NaN, Infinity] },
  ];
  const to = FROM + (points - 1) * STEP;
  return { from: FROM, to, settledTo: to - 20 * STEP, volatileUntil: 1_800_000_030_000, series: cutSeries(series, { lo: FROM, hi: to }) };
}

const plain = (e: ExtentEntry) => ({ ...e, series: e.series.map((s) => ({ ...s, timestamps: Array.from(s.timestamps), values: Array.from(s.values) })) });

describe('cache value codec (msgpack, deflate, AES-256-GCM)', () => {
  it('round-trips an entry exactly: gaps, NaN and infinities included', () => {
    const original = entry(240);
    const value = encodeEntry(original, STEP, keys, 'encore:rc1:{x}:1');
    const { entry: decoded, stepMs } = decodeEntry(value, keys, 'encore:rc1:{x}:1');
    assert.equal(stepMs, STEP);
    assert.deepEqual(plain(decoded), plain(original));
    assert.equal(decodeEntry(encodeEntry({ ...original, volatileUntil: NEVER }, STEP, keys, 'n'), keys, 'n').entry.volatileUntil, NEVER);
  });

  it('writes no plaintext and compresses the samples', () => {
    const original = entry(240);
    const value = encodeEntry(original, STEP, keys, 'name');
    const text = value.toString('latin1');
    // Strings of six or more characters: a shorter one turns up in random bytes by chance.
    for (const secret of ['encore_rebuffer_ratio', 'market', 'platform', 'android']) assert.ok(!text.includes(secret), secret);
    const raw = original.series.reduce((n, s) => n + 16 * s.timestamps.length, 0);
    assert.ok(value.length < raw * 0.75, `${value.length} bytes for ${raw} bytes of samples`);
  });

  it('encrypts with a fresh IV every time', () => {
    assert.notDeepEqual(encodeEntry(entry(10), STEP, keys, 'n'), encodeEntry(entry(10), STEP, keys, 'n'));
  });

  it('refuses a value under another key, under another name, or damaged', () => {
    const value = encodeEntry(entry(50), STEP, keys, 'encore:rc1:{x}:1');
    assert.throws(() => decodeEntry(value, deriveCacheKeys('another secret, just as long'), 'encore:rc1:{x}:1'), CacheCodecError);
    assert.throws(() => decodeEntry(value, keys, 'encore:rc1:{x}:2'), CacheCodecError, 'values cannot be moved between keys');
    const flipped = Buffer.from(value);
    flipped[flipped.length - 1]! ^= 1;
    assert.throws(() => decodeEntry(flipped, keys, 'encore:rc1:{x}:1'), CacheCodecError);
    const flags = Buffer.from(value);
    flags[1]! ^= 1;
    assert.throws(() => decodeEntry(flags, keys, 'encore:rc1:{x}:1'), CacheCodecError, 'the header is authenticated');
    assert.throws(() => decodeEntry(Buffer.from('not ours'), keys, 'n'), CacheCodecError);
  });

  it('names keys with an HMAC: stable, fixed length, different per secret', () => {
    assert.equal(hashName(keys, 'scope\u0000expr'), hashName(keys, 'scope\u0000expr'));
    assert.equal(hashName(keys, 'x').length, 22);
    assert.notEqual(hashName(keys, 'x'), hashName(deriveCacheKeys('another secret, just as long'), 'x'));
  });
});
