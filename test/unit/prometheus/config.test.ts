import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SettingsError, type DataSourceSettings } from '../../../src/backend/grafana/context';
import { prometheusConfigFromSettings } from '../../../src/backend/sources/prometheus/config';

const pem = (name: string) => readFileSync(new URL(`../../support/prometheus/${name}`, import.meta.url), 'utf8');
const CERT = pem('client-cert.pem');
const KEY = pem('client-key.pem');
const OTHER_KEY = pem('other-key.pem');
const SECRET = 'Sup3r-s3cret-value';

function settings(overrides: Partial<DataSourceSettings> = {}): DataSourceSettings {
  return {
    uid: 'ds1',
    name: 'Encore',
    url: 'http://prometheus:9090',
    basicAuthEnabled: false,
    basicAuthUser: '',
    jsonData: {},
    secureJsonData: {},
    lastUpdatedMS: 1,
    ...overrides,
  };
}

/** Asserts a SettingsError whose message matches, and that no secret leaked into it. */
function rejects(input: DataSourceSettings, message: RegExp): void {
  assert.throws(
    () => prometheusConfigFromSettings(input),
    (error: unknown) => {
      assert.ok(error instanceof SettingsError, `expected SettingsError, got ${String(error)}`);
      assert.match(error.message, message);
      assert.ok(!error.message.includes(SECRET), `secret leaked into: ${error.message}`);
      for (const secret of Object.values(input.secureJsonData)) {
        if (secret.length > 3) assert.ok(!error.message.includes(secret), `secure value leaked into: ${error.message}`);
      }
      return true;
    },
  );
}

test('defaults: POST, 30 s, no auth, no TLS options; the URL loses its trailing slash', () => {
  const config = prometheusConfigFromSettings(settings({ url: ' http://prometheus:9090/ ' }), {});
  assert.deepEqual(config, {
    url: 'http://prometheus:9090',
    auth: { type: 'none' },
    headers: {},
    tls: { skipVerify: false },
    timeoutMs: 30_000,
    httpMethod: 'POST',
    maxResponseBytes: 64 * 1024 * 1024,
    retries: 2,
    breaker: { failureThreshold: 5, cooldownMs: 30_000 },
    outbound: { allowLinkLocal: false, dataSourceAllows: false, serverAllows: false },
  });
});

test('a path prefix (Mimir, proxies) is kept; the fragment is dropped', () => {
  assert.equal(prometheusConfigFromSettings(settings({ url: 'https://mimir.example/prometheus///#x' })).url, 'https://mimir.example/prometheus');
});

test('jsonData options: GET, timeout in seconds, skip verify, serverName', () => {
  const config = prometheusConfigFromSettings(
    settings({ jsonData: { httpMethod: 'GET', timeoutSeconds: 2.5, tlsSkipVerify: true, serverName: ' prom.internal ' } }),
  );
  assert.equal(config.httpMethod, 'GET');
  assert.equal(config.timeoutMs, 2500);
  assert.deepEqual(config.tls, { skipVerify: true, serverName: 'prom.internal' });
});

test('URL problems name the url field', () => {
  rejects(settings({ url: '' }), /^data source settings: url: required; expected an http\(s\) URL/);
  rejects(settings({ url: 'prometheus:9090' }), /url: expected an http\(s\) URL such as http:\/\/prometheus:9090 \(got "prometheus:9090"\)/);
  rejects(settings({ url: 'ftp://prometheus' }), /url: expected an http\(s\) URL/);
  rejects(settings({ url: 'not a url' }), /url: expected an http\(s\) URL/);
  rejects(settings({ url: 'http://prometheus:9090/?tenant=a' }), /url: must not contain a query string/);
});

test('credentials in the URL are refused without echoing them', () => {
  rejects(settings({ url: `http://admin:${SECRET}@prometheus:9090` }), /url: must not contain a user or password; use basic auth/);
  // Not even a URL, but still not echoed, because it looks like it carries credentials.
  rejects(settings({ url: `admin:${SECRET}@prometheus` }), /url: expected an http\(s\) URL such as http:\/\/prometheus:9090$/);
});

test('basic auth from Grafana\'s basicAuth toggle or from authType', () => {
  const fromToggle = prometheusConfigFromSettings(
    settings({ basicAuthEnabled: true, basicAuthUser: 'alice', secureJsonData: { basicAuthPassword: SECRET } }),
  );
  assert.deepEqual(fromToggle.auth, { type: 'basic', user: 'alice', password: SECRET });
  const fromAuthType = prometheusConfigFromSettings(
    settings({ basicAuthUser: 'alice', jsonData: { authType: 'basic' }, secureJsonData: { basicAuthPassword: SECRET } }),
  );
  assert.deepEqual(fromAuthType.auth, fromToggle.auth);
});

test('basic auth needs a user and a password, each named', () => {
  rejects(settings({ basicAuthEnabled: true, basicAuthUser: 'alice' }), /secureJsonData\.basicAuthPassword: required when basic auth is enabled/);
  rejects(settings({ basicAuthEnabled: true, secureJsonData: { basicAuthPassword: SECRET } }), /basicAuthUser: required when basic auth is enabled/);
  rejects(settings({ basicAuthEnabled: true, basicAuthUser: 'a:b', secureJsonData: { basicAuthPassword: SECRET } }), /basicAuthUser: must not contain ":"/);
});

test('bearer token', () => {
  const config = prometheusConfigFromSettings(settings({ jsonData: { authType: 'bearer' }, secureJsonData: { bearerToken: SECRET } }));
  assert.deepEqual(config.auth, { type: 'bearer', token: SECRET });
  rejects(settings({ jsonData: { authType: 'bearer' } }), /secureJsonData\.bearerToken: required when authType is "bearer"/);
  rejects(settings({ jsonData: { authType: 'bearer' }, secureJsonData: { bearerToken: `${SECRET}\r\nX-Evil: 1` } }), /bearerToken: contains characters not allowed/);
  rejects(
    settings({ basicAuthEnabled: true, basicAuthUser: 'a', jsonData: { authType: 'bearer' }, secureJsonData: { bearerToken: SECRET, basicAuthPassword: SECRET } }),
    /authType: "bearer" conflicts with basic auth/,
  );
});

test('custom headers: httpHeaderNameN with secure httpHeaderValueN, empty rows skipped', () => {
  const config = prometheusConfigFromSettings(
    settings({
      jsonData: { httpHeaderName1: 'X-Scope-OrgID', httpHeaderName2: '  ', httpHeaderName10: 'X-Api-Key', httpHeaderName3: 'X-Empty' },
      secureJsonData: { httpHeaderValue1: 'tenant-a', httpHeaderValue10: SECRET },
    }),
  );
  assert.deepEqual(config.headers, { 'X-Scope-OrgID': 'tenant-a', 'X-Empty': '', 'X-Api-Key': SECRET });
});

test('custom headers that are invalid, managed, duplicated or clash with auth are refused by field', () => {
  rejects(settings({ jsonData: { httpHeaderName1: 'Bad Header' } }), /httpHeaderName1: "Bad Header" is not a valid HTTP header name/);
  rejects(settings({ jsonData: { httpHeaderName1: 'content-length' } }), /httpHeaderName1: "content-length" is set by Encore/);
  rejects(settings({ jsonData: { httpHeaderName1: 'Host' } }), /httpHeaderName1: "Host" is set by Encore/);
  rejects(settings({ jsonData: { httpHeaderName1: 'X-A', httpHeaderName2: 'x-a' } }), /httpHeaderName2: "x-a" is already set by httpHeaderName1/);
  rejects(settings({ jsonData: { httpHeaderName1: 7 } }), /httpHeaderName1: expected a header name/);
  rejects(
    settings({ jsonData: { httpHeaderName1: 'X-Key' }, secureJsonData: { httpHeaderValue1: `${SECRET}\nInjected: yes` } }),
    /secureJsonData\.httpHeaderValue1: contains characters not allowed in an HTTP header/,
  );
  rejects(
    settings({ jsonData: { authType: 'bearer', httpHeaderName1: 'Authorization' }, secureJsonData: { bearerToken: SECRET, httpHeaderValue1: SECRET } }),
    /httpHeaderName1: "Authorization" conflicts with the configured basic\/bearer auth/,
  );
  // Without configured auth, a custom Authorization header is the way to send other schemes.
  const custom = prometheusConfigFromSettings(settings({ jsonData: { httpHeaderName1: 'Authorization' }, secureJsonData: { httpHeaderValue1: 'ApiKey x' } }));
  assert.deepEqual(custom.headers, { Authorization: 'ApiKey x' });
});

test('CA certificate: required when enabled, must be a readable PEM certificate', () => {
  const config = prometheusConfigFromSettings(settings({ url: 'https://p', jsonData: { tlsAuthWithCACert: true }, secureJsonData: { tlsCACert: CERT } }));
  assert.equal(config.tls.caCert, CERT);
  rejects(settings({ jsonData: { tlsAuthWithCACert: true } }), /secureJsonData\.tlsCACert: required when tlsAuthWithCACert is on/);
  rejects(settings({ jsonData: { tlsAuthWithCACert: true }, secureJsonData: { tlsCACert: SECRET } }), /secureJsonData\.tlsCACert: expected a PEM certificate/);
  const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
  rejects(settings({ jsonData: { tlsAuthWithCACert: true }, secureJsonData: { tlsCACert: CERT + broken } }), /tlsCACert: certificate 2 of 2 is not a valid PEM certificate/);
});

test('client certificate: both parts required, and the key must match the certificate', () => {
  const config = prometheusConfigFromSettings(settings({ jsonData: { tlsAuth: true }, secureJsonData: { tlsClientCert: CERT, tlsClientKey: KEY } }));
  assert.equal(config.tls.clientCert, CERT);
  assert.equal(config.tls.clientKey, KEY);
  rejects(settings({ jsonData: { tlsAuth: true }, secureJsonData: { tlsClientCert: CERT } }), /secureJsonData\.tlsClientKey: required when tlsAuth/);
  rejects(settings({ jsonData: { tlsAuth: true }, secureJsonData: { tlsClientKey: KEY } }), /secureJsonData\.tlsClientCert: required when tlsAuth/);
  rejects(settings({ jsonData: { tlsAuth: true }, secureJsonData: { tlsClientCert: CERT, tlsClientKey: SECRET } }), /tlsClientKey: expected a PEM private key/);
  rejects(
    settings({ jsonData: { tlsAuth: true }, secureJsonData: { tlsClientCert: CERT, tlsClientKey: OTHER_KEY } }),
    /secureJsonData\.tlsClientKey: cannot be used with the client certificate \(key values mismatch\)/,
  );
});

test('jsonData type errors name the field (zod schema shared with the editor)', () => {
  rejects(settings({ jsonData: { timeoutSeconds: '10' } }), /timeoutSeconds: /);
  rejects(settings({ jsonData: { timeoutSeconds: 0 } }), /timeoutSeconds: /);
  rejects(settings({ jsonData: { httpMethod: 'PUT' } }), /httpMethod: /);
  rejects(settings({ jsonData: { authType: 'oauth' } }), /authType: /);
});

test('several problems are reported together', () => {
  rejects(
    settings({ url: '', jsonData: { authType: 'bearer', httpHeaderName1: 'Host' } }),
    /url: required.*; secureJsonData\.bearerToken: required.*; httpHeaderName1: "Host" is set by Encore/,
  );
});
