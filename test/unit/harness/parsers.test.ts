// The harness's judges in isolation: handshake parsing, hclog classification, line splitting,
// Grafana's resource mapping, and the executable name. These must be at least as strict as
// go-plugin/Grafana, or the protocol tests prove nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalHeaderKey, ProtocolViolation, resourceErrorStatus, resourceResultFromMessages } from '../../harness/grafana-host';
import { HandshakeError, parseHandshakeLine } from '../../harness/handshake';
import { isGoMicrosecondTimestamp, StderrLog, strictProblem } from '../../harness/hclog';
import { LineSplitter, type LinePiece } from '../../harness/lines';
import { backendExecutableName, goArch, goOs } from '../../harness/locate';
import { isLoopbackAddress } from '../../harness/proc';
import type { CallResourceResponse } from '../../harness/wire';

const rules = { offeredVersions: [2] };

describe('handshake line', () => {
  it('accepts what the Rust SDK and a Go plugin print', () => {
    const tcp = parseHandshakeLine('1|2|tcp|127.0.0.1:41235|grpc', rules);
    assert.equal(tcp.target, '127.0.0.1:41235');
    assert.equal(tcp.app, 2);
    const unix = parseHandshakeLine('1|2|unix|/tmp/plugin2837465|grpc|', rules);
    assert.equal(unix.target, 'unix:/tmp/plugin2837465');
    assert.equal(unix.serverCert, '');
    assert.equal(parseHandshakeLine('1|2|tcp|localhost:5000|grpc\r', rules).address, 'localhost:5000');
  });

  const rejected: [string, string, RegExp][] = [
    ['fewer than 4 fields', '1|2|tcp', /Unrecognized remote plugin message/],
    ['noise line', 'Starting plugin...', /Unrecognized/],
    ['empty line', '', /Unrecognized/],
    ['core 2', '2|2|tcp|127.0.0.1:1|grpc', /core API version/],
    ['core not a number', 'x|2|tcp|127.0.0.1:1|grpc', /core protocol/],
    ['app 1 (not offered)', '1|1|tcp|127.0.0.1:1|grpc', /Incompatible API version/],
    ['app 3 (not offered)', '1|3|tcp|127.0.0.1:1|grpc', /Incompatible API version/],
    ['network udp', '1|2|udp|127.0.0.1:1|grpc', /Unknown address type/],
    ['missing protocol = netrpc', '1|2|tcp|127.0.0.1:1', /Unsupported plugin protocol "netrpc"/],
    ['protocol netrpc', '1|2|tcp|127.0.0.1:1|netrpc', /Unsupported plugin protocol/],
    ['all interfaces', '1|2|tcp|0.0.0.0:5000|grpc', /not loopback/],
    ['remote host', '1|2|tcp|10.1.2.3:5000|grpc', /not loopback/],
    ['port 0', '1|2|tcp|127.0.0.1:0|grpc', /port 0/],
    ['no port', '1|2|tcp|127.0.0.1|grpc', /host:port/],
    ['relative socket', '1|2|unix|plugin.sock|grpc', /absolute/],
    ['unasked certificate', `1|2|tcp|127.0.0.1:1|grpc|${'A'.repeat(60)}`, /certificate/],
  ];
  for (const [name, line, pattern] of rejected) {
    it(`rejects ${name}`, () => {
      assert.throws(() => parseHandshakeLine(line, rules), (error: unknown) => error instanceof HandshakeError && pattern.test(error.message));
    });
  }

  it('negotiates only what the host offered', () => {
    assert.throws(() => parseHandshakeLine('1|2|tcp|127.0.0.1:1|grpc', { offeredVersions: [1] }), /Incompatible API version/);
    // Grafana refuses protocol 1 even if some host offered it
    assert.throws(() => parseHandshakeLine('1|1|tcp|127.0.0.1:1|grpc', { offeredVersions: [1, 2] }), />= 2/);
  });
});

describe('hclog timestamps', () => {
  it('accepts exactly six fractional digits with Z or an offset', () => {
    assert.ok(isGoMicrosecondTimestamp('2026-01-02T03:04:05.123000Z'));
    assert.ok(isGoMicrosecondTimestamp('2026-01-02T03:04:05.123456+01:00'));
  });
  for (const bad of [
    '2026-01-02T03:04:05.123Z', // toISOString()
    '2026-01-02T03:04:05.123456789Z',
    '2026-01-02T03:04:05Z',
    '2026-01-02 03:04:05.123456Z',
    '2026-02-30T03:04:05.123456Z',
    '2026-01-02T24:04:05.123456Z',
    '2026-01-02T03:04:05.123456',
  ]) {
    it(`rejects ${bad}`, () => assert.equal(isGoMicrosecondTimestamp(bad), false));
  }
});

function logOf(lines: string[]): StderrLog {
  const log = new StderrLog(Date.now());
  log.push(Buffer.from(lines.join('\n') + '\n'));
  log.end();
  return log;
}

describe('stderr as go-plugin reads it', () => {
  it('takes @level/@message/@timestamp and keeps the rest as fields', () => {
    const log = logOf(['{"@level":"warn","@message":"slow","@timestamp":"2026-01-02T03:04:05.000001Z","refId":"A"}']);
    const [entry] = log.entries;
    assert.equal(entry?.kind, 'json');
    assert.equal(entry?.level, 'warn');
    assert.equal(entry?.message, 'slow');
    assert.deepEqual(entry?.fields, { refId: 'A' });
    assert.equal(entry?.timestampValid, true);
    assert.doesNotThrow(() => log.assertStrictHclog());
  });

  it('degrades a 3-digit timestamp line to raw debug text, and the strict check fails', () => {
    const log = logOf(['{"@level":"error","@message":"boom","@timestamp":"2026-01-02T03:04:05.123Z"}']);
    assert.equal(log.entries[0]?.kind, 'text');
    assert.equal(log.entries[0]?.level, 'debug');
    assert.equal(log.entries[0]?.timestampValid, false);
    assert.throws(() => log.assertStrictHclog(), /3 fractional digits/);
  });

  it('infers levels from prefixes and switches to error after a panic line', () => {
    const log = logOf(['[WARN] careful', 'plain', 'panic: oh no', 'goroutine 1 [running]:', '[INFO] tagged']);
    assert.deepEqual(
      log.entries.map((e) => e.level),
      ['warn', 'debug', 'error', 'error', 'info'],
    );
    assert.equal(log.problems().length, 5);
  });

  it('flags JSON that go-plugin would mishandle', () => {
    const [noLevel, numberMessage, array, noTimestamp] = logOf([
      '{"@message":"x","@timestamp":"2026-01-02T03:04:05.000000Z"}',
      '{"@level":"info","@message":42,"@timestamp":"2026-01-02T03:04:05.000000Z"}',
      '[1,2]',
      '{"@level":"info","@message":"x"}',
    ]).entries;
    assert.match(strictProblem(noLevel!) ?? '', /@level/);
    assert.match(strictProblem(numberMessage!) ?? '', /panic/);
    assert.match(strictProblem(array!) ?? '', /not a JSON object/);
    assert.match(strictProblem(noTimestamp!) ?? '', /no @timestamp/);
    assert.equal(strictProblem(noTimestamp!, { requireTimestamp: false }), undefined);
  });

  it('splits lines longer than the 64 KiB buffer into fragments', () => {
    const log = logOf([`{"@level":"info","@message":"${'x'.repeat(70_000)}"}`]);
    assert.equal(log.entries.length, 2);
    assert.ok(log.entries.every((e) => e.kind === 'fragment'));
  });

  it('waitForLog sees past and future lines', async () => {
    const log = new StderrLog(Date.now());
    log.push(Buffer.from('[INFO] one\n'));
    assert.equal((await log.waitForLog((e) => e.message.includes('one'))).seq, 0);
    const pending = log.waitForLog((e) => e.message.includes('two'), 1_000);
    log.push(Buffer.from('[INFO] tw'));
    log.push(Buffer.from('o\n'));
    assert.equal((await pending).seq, 1);
    await assert.rejects(log.waitForLog(() => false, 20), /no stderr line matched/);
  });
});

describe('line splitting', () => {
  it('joins chunks, drops \\r, keeps an unterminated last line', () => {
    const pieces: LinePiece[] = [];
    const splitter = new LineSplitter((p) => pieces.push(p));
    for (const chunk of ['ab', 'c\r\nde', 'f\n\ng']) splitter.push(Buffer.from(chunk));
    splitter.end();
    assert.deepEqual(
      pieces.map((p) => p.text),
      ['abc', 'def', '', 'g'],
    );
  });
});

describe("Grafana's resource response mapping", () => {
  const message = (code: number, headers: Record<string, string[]>, body: string): CallResourceResponse => ({
    code,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, { values: v }])),
    body: Buffer.from(body),
  });

  it('takes status and headers from the first message and concatenates bodies', () => {
    const result = resourceResultFromMessages([
      message(201, { 'x-trace': ['1'], 'set-cookie': ['s=1'], 'content-type': ['text/csv'] }, 'a,'),
      message(500, { 'x-late': ['ignored'] }, 'b'),
    ]);
    assert.equal(result.status, 201);
    assert.deepEqual(result.headers, { 'X-Trace': ['1'], 'Content-Type': ['text/csv'] });
    assert.equal(result.body.toString(), 'a,b');
  });

  it('defaults Content-Type to JSON except for 204', () => {
    assert.deepEqual(resourceResultFromMessages([message(200, {}, '{}')]).headers['Content-Type'], ['application/json']);
    assert.equal(resourceResultFromMessages([message(204, {}, '')]).headers['Content-Type'], undefined);
  });

  it('treats zero messages and a missing status as protocol violations', () => {
    assert.throws(() => resourceResultFromMessages([]), ProtocolViolation);
    assert.throws(() => resourceResultFromMessages([message(0, {}, '')]), ProtocolViolation);
  });

  it('maps gRPC failures like Grafana', () => {
    assert.equal(resourceErrorStatus(12), 404);
    assert.equal(resourceErrorStatus(14), 503);
    assert.equal(resourceErrorStatus(13), 500);
    assert.equal(canonicalHeaderKey('x-grafana-org-id'), 'X-Grafana-Org-Id');
  });
});

describe('executable name', () => {
  it('uses Go names for os and arch', () => {
    assert.equal(goArch('x64'), 'amd64');
    assert.equal(goArch('arm64'), 'arm64');
    assert.equal(goOs('win32'), 'windows');
    assert.equal(backendExecutableName('linux', 'x64'), 'gpx_encore_linux_amd64');
    assert.equal(backendExecutableName('linux', 'arm64'), 'gpx_encore_linux_arm64');
    assert.equal(backendExecutableName('win32', 'x64'), 'gpx_encore_windows_amd64.exe');
    assert.throws(() => goArch('mips'), /GOARCH/);
  });
});

describe('loopback addresses as /proc reports them', () => {
  it('recognises v4, v6 and v4-mapped loopback', () => {
    assert.ok(isLoopbackAddress('127.0.0.1'));
    assert.ok(isLoopbackAddress('0:0:0:0:0:0:0:1'));
    assert.ok(isLoopbackAddress('0:0:0:0:0:ffff:7f00:1'));
    assert.equal(isLoopbackAddress('0.0.0.0'), false);
    assert.equal(isLoopbackAddress('0:0:0:0:0:0:0:0'), false);
  });
});
