import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { BodyError, bodyFormat, gunzipBounded, isGzip, parseBody } from '../../../src/collector/ingest/parse';

function throwsBody(fn: () => unknown, status: number, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof BodyError, String(error));
    assert.equal(error.status, status);
    assert.match(error.message, message);
    return true;
  });
}

async function rejectsBody(promise: Promise<unknown>, status: number, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof BodyError, String(error));
    assert.equal(error.status, status);
    assert.match(error.message, message);
    return true;
  });
}

describe('content negotiation', () => {
  it('chooses the format by Content-Type, with parameters and any case', () => {
    assert.equal(bodyFormat('application/json'), 'json');
    assert.equal(bodyFormat('Application/JSON; charset=utf-8'), 'json');
    assert.equal(bodyFormat('application/x-ndjson'), 'ndjson');
    assert.equal(bodyFormat('application/ndjson; charset="UTF-8"'), 'ndjson');
  });

  it('answers 415 naming what to send for other or missing types and charsets', () => {
    throwsBody(() => bodyFormat('text/plain'), 415, /Content-Type text\/plain is not supported; send Content-Type: application\/json .* or application\/x-ndjson/);
    throwsBody(() => bodyFormat(undefined), 415, /^no Content-Type; send/);
    throwsBody(() => bodyFormat('application/json; charset=latin1'), 415, /charset latin1 is not supported/);
  });

  it('accepts gzip and identity encodings, 415 for others', () => {
    assert.equal(isGzip(undefined), false);
    assert.equal(isGzip('identity'), false);
    assert.equal(isGzip('GZIP'), true);
    throwsBody(() => isGzip('br'), 415, /Content-Encoding br is not supported; send gzip/);
  });
});

describe('gzip', () => {
  it('decompresses within the limit', async () => {
    const text = JSON.stringify([{ a: 1 }]);
    assert.equal((await gunzipBounded(gzipSync(text), 1024)).toString('utf8'), text);
  });

  it('stops a gzip bomb at the decoded limit with 413 naming it', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)); // 64 MiB of spaces in ~64 KiB
    assert.ok(bomb.length < 100 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    await rejectsBody(gunzipBounded(bomb, 1024 * 1024), 413, /decompressed body exceeds the limit of 1048576 bytes \(max-decoded-bytes\)/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 1024 * 1024, 'did not inflate the whole bomb');
  });

  it('answers 400 for truncated or non-gzip bodies', async () => {
    const good = gzipSync(JSON.stringify([{ a: 1 }, { b: 2 }]));
    await rejectsBody(gunzipBounded(good.subarray(0, good.length - 10), 1024), 400, /not valid gzip: unexpected end of file/);
    await rejectsBody(gunzipBounded(Buffer.from('[{"plain": "json"}]'), 1024), 400, /not valid gzip/);
  });
});

describe('JSON array bodies', () => {
  it('parses an array of anything (items are judged later)', () => {
    assert.deepEqual(parseBody('[{"a":1}, 2, null]', 'json', 10).items, [{ a: 1 }, 2, null]);
    assert.deepEqual(parseBody('[]', 'json', 10).items, []);
  });

  it('answers 400 with V8 reason and line/column for broken JSON', () => {
    throwsBody(() => parseBody('[{"a":1},\n {"b": 2 "c": 3}]', 'json', 10), 400, /^the body is not valid JSON: .*position 19 \(line 2, column 10\)$/);
    throwsBody(() => parseBody('[{"a":1}, {"b"', 'json', 10), 400, /not valid JSON: .*(end of|position)/);
    throwsBody(() => parseBody('', 'json', 10), 400, /unexpected end of input after 0 characters/);
    throwsBody(() => parseBody('not json', 'json', 10), 400, /not valid JSON: Unexpected token/);
  });

  it('answers 400 when the JSON is not an array', () => {
    throwsBody(() => parseBody('{"type":"session_start"}', 'json', 10), 400, /expected a JSON array of events, got an object \(send one event as \[event\]\)/);
    throwsBody(() => parseBody('42', 'json', 10), 400, /got a number/);
  });

  it('answers 413 above the event limit', () => {
    throwsBody(() => parseBody(JSON.stringify(new Array(11).fill({})), 'json', 10), 413, /the batch has 11 events; the limit is 10 events per batch \(max-events\)/);
  });
});

describe('NDJSON bodies', () => {
  it('parses one item per line, skipping blank lines, remembering line numbers, CRLF too', () => {
    const parsed = parseBody('{"a":1}\r\n\n{"b":2}\n  \n3\n', 'ndjson', 10);
    assert.deepEqual(parsed.items, [{ a: 1 }, { b: 2 }, 3]);
    assert.deepEqual(parsed.lines, [1, 3, 5]);
  });

  it('answers 400 naming the line that is not JSON', () => {
    throwsBody(() => parseBody('{"a":1}\n{"b":2}\n{"c":\n', 'ndjson', 10), 400, /^line 3 is not valid JSON: unexpected end of input/);
    throwsBody(() => parseBody('{"a":1}\n[oops]', 'ndjson', 10), 400, /^line 2 is not valid JSON: Unexpected token/);
  });

  it('answers 413 as soon as the event limit is passed', () => {
    throwsBody(() => parseBody('{}\n'.repeat(11), 'ndjson', 10), 413, /more than 10 events; the limit is 10/);
  });
});
