import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpstreamError, type UpstreamErrorKind } from '../../../src/backend/sources/errors';
import {
  describeTransportFailure,
  interpretAnswer,
  type CallContext,
  type RawAnswer,
} from '../../../src/backend/sources/prometheus/classify';

const CTX: CallContext = { baseUrl: 'http://prom:9090', path: '/api/v1/query', method: 'POST', timeoutMs: 30_000, authType: 'none' };

function answer(status: number, body: unknown, contentType = 'application/json', location?: string): RawAnswer {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, contentType, location, body: Buffer.from(text) };
}

function fails(raw: RawAnswer, kind: UpstreamErrorKind, message: RegExp, ctx: CallContext = CTX): UpstreamError {
  let caught: unknown;
  try {
    interpretAnswer(raw, ctx);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof UpstreamError, `expected an UpstreamError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  assert.match(caught.message, message);
  assert.equal(caught.upstreamStatus, raw.status);
  return caught;
}

test('success envelope: data and warnings', () => {
  const ok = interpretAnswer(answer(200, { status: 'success', data: { resultType: 'vector', result: [] }, warnings: ['partial', 3] }), CTX);
  assert.deepEqual(ok, { data: { resultType: 'vector', result: [] }, warnings: ['partial'] });
});

test('200 that is not the API envelope is not_prometheus, saying what came back', () => {
  fails(answer(200, '<html><body>Grafana</body></html>', 'text/html; charset=utf-8'), 'not_prometheus', /http:\/\/prom:9090 answered \/api\/v1\/query with an HTML page, not the Prometheus HTTP API/);
  fails(answer(200, { hello: 'world' }), 'not_prometheus', /JSON that is not the Prometheus API envelope/);
  fails(answer(200, { status: 'success' }), 'not_prometheus', /not the Prometheus HTTP API/);
  fails(answer(200, '', ''), 'not_prometheus', /with no content type/);
});

test('PromQL errors are bad_query and carry Prometheus\' own text', () => {
  const parse = { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis' };
  fails(answer(400, parse), 'bad_query', /^Prometheus rejected the query: invalid parameter "query": 1:5: parse error: unclosed left parenthesis \(bad_data\)$/);
  fails(answer(422, { status: 'error', errorType: 'execution', error: 'vector cannot contain metrics with the same labelset' }), 'bad_query', /same labelset \(execution\)/);
});

test('size refusals are limit, whatever status they come with', () => {
  fails(
    answer(400, { status: 'error', errorType: 'bad_data', error: 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)' }),
    'limit',
    /refused the query as too large: exceeded maximum resolution/,
  );
  fails(answer(422, { status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' }), 'limit', /too many samples/);
  fails(answer(422, { status: 'error', errorType: 'execution', error: 'the query hit the max number of series limit (limit: 1000 series)' }), 'limit', /series limit/);
  fails(answer(413, 'Request Entity Too Large', 'text/plain'), 'limit', /too large \(HTTP 413 Payload Too Large\)/);
  fails(answer(429, 'slow down', 'text/plain'), 'limit', /rate limiting requests \(HTTP 429/);
  // limitk is a PromQL function, not a size refusal.
  fails(answer(400, { status: 'error', errorType: 'bad_data', error: '1:1: parse error: unknown function with name "limitk2"' }), 'bad_query', /limitk2/);
});

test('Prometheus giving up on evaluation is a timeout; other 5xx are server', () => {
  fails(answer(503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }), 'timeout', /gave up evaluating the query: query timed out/);
  fails(answer(503, { status: 'error', errorType: 'unavailable', error: 'TSDB not ready' }), 'server', /failed \(HTTP 503 Service Unavailable\): TSDB not ready \(unavailable\)/);
  fails(answer(502, 'upstream connect error', 'text/plain'), 'server', /failed \(HTTP 502 Bad Gateway\): upstream connect error$/);
  fails(answer(500, '<html>big error page</html>', 'text/html'), 'server', /failed \(HTTP 500 Internal Server Error\)$/);
});

test('401/403 are auth, with a hint that fits the configured auth', () => {
  fails(answer(401, 'Unauthorized', 'text/plain'), 'auth', /requires authentication \(HTTP 401 Unauthorized\); configure basic auth or a bearer token/);
  fails(answer(401, 'Unauthorized', 'text/plain'), 'auth', /rejected the credentials \(HTTP 401 Unauthorized\); check the basic auth user and password/, { ...CTX, authType: 'basic' });
  fails(answer(403, 'Forbidden', 'text/plain'), 'auth', /denied access \(HTTP 403 Forbidden\); check that the bearer token may read this data/, { ...CTX, authType: 'bearer' });
  fails(answer(407, '', ''), 'auth', /proxy authentication/);
});

test('wrong address shapes: 404, 405, redirects, other 4xx', () => {
  fails(answer(404, '404 page not found', 'text/plain'), 'not_prometheus', /answered HTTP 404 Not Found for \/api\/v1\/query: no Prometheus API there/);
  fails(answer(405, '', ''), 'not_prometheus', /does not accept POST on \/api\/v1\/query .*set the HTTP method to GET/);
  const redirect = fails(answer(302, '', '', 'https://sso.example/login?token=abc#frag'), 'not_prometheus', /redirected \/api\/v1\/query to https:\/\/sso\.example\/login \(HTTP 302 Found\)/);
  assert.ok(!redirect.message.includes('abc'), 'a redirect target query string must not be echoed');
  fails(answer(400, 'Client sent an HTTP request to an HTTPS server.\n', 'text/plain'), 'not_prometheus', /HTTP 400 Bad Request \("Client sent an HTTP request to an HTTPS server\."\), not with the Prometheus HTTP API/);
});

test('an error envelope on 200 is a server error, not success', () => {
  fails(answer(200, { status: 'error', error: 'odd' }), 'server', /reported an error: odd/);
});

function code(c: string, message = `failure ${c}`): Error {
  return Object.assign(new Error(message), { code: c });
}

test('network failures are classified by errno', () => {
  const cases: Array<[string, UpstreamErrorKind, RegExp]> = [
    ['ENOTFOUND', 'dns', /^the host name "prom" of http:\/\/prom:9090 could not be resolved \(ENOTFOUND\); check the URL$/],
    ['EAI_AGAIN', 'dns', /could not be resolved \(EAI_AGAIN\) \(the DNS server did not answer/],
    ['ECONNREFUSED', 'refused', /^Prometheus at http:\/\/prom:9090 refused the connection \(ECONNREFUSED\)/],
    ['EHOSTUNREACH', 'refused', /is unreachable from the Grafana server \(EHOSTUNREACH\)/],
    ['ECONNRESET', 'refused', /closed the connection before answering \(ECONNRESET\)/],
    ['ETIMEDOUT', 'timeout', /could not be connected to in time/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', /^TLS connection to http:\/\/prom:9090 failed: the server's certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\); add the CA/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls', /not trusted/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', /not valid for this host name .* set serverName/],
    ['CERT_HAS_EXPIRED', 'tls', /has expired/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls', /does not speak TLS on that port .* try an http:\/\/ URL/],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tls', /may require a client certificate \(tlsAuth\)/],
    ['ERR_SOMETHING_ELSE', 'server', /the request to Prometheus at http:\/\/prom:9090 failed: failure ERR_SOMETHING_ELSE \(ERR_SOMETHING_ELSE\)/],
  ];
  for (const [errno, kind, message] of cases) {
    const error = describeTransportFailure({ type: 'network', error: code(errno) }, CTX);
    assert.equal(error.kind, kind, errno);
    assert.match(error.message, message, errno);
    assert.equal(error.upstreamStatus, undefined);
  }
});

test('deadline, cancellation and size cap', () => {
  const timeout = describeTransportFailure({ type: 'timeout' }, { ...CTX, timeoutMs: 2500 });
  assert.equal(timeout.kind, 'timeout');
  assert.equal(timeout.message, 'Prometheus at http://prom:9090 did not answer /api/v1/query within 2.5 s (the data source timeout)');
  assert.equal(timeout.status, 504);
  const cancelled = describeTransportFailure({ type: 'cancelled', reason: new DOMException('aborted', 'AbortError') }, CTX);
  assert.match(cancelled.message, /was cancelled before it answered/);
  const deadline = describeTransportFailure({ type: 'cancelled', reason: new DOMException('late', 'TimeoutError') }, CTX);
  assert.match(deadline.message, /before the request deadline/);
  const large = describeTransportFailure({ type: 'too_large', limitBytes: 64 * 1024 * 1024 }, CTX);
  assert.equal(large.kind, 'limit');
  assert.match(large.message, /larger than 64 MiB; narrow the query/);
});
