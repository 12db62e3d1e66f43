// The cache's Redis settings: TLS (rediss:// or cacheRedisTls, a private CA, a client certificate,
// the server name, skip-verify only when asked) and Sentinel, validated with messages that name the
// field and say what was expected.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dataSourceOptionsSchema, parseRedisAddresses } from '../../../../src/common/settings';
import { describeIssues } from '../../../../src/common/validation';
import type { DataSourceSettings } from '../../../../src/backend/grafana/context';
import { cacheConfigFromSettings } from '../../../../src/backend/query/cache/config';
import { describeRedisError } from '../../../../src/backend/query/cache/redis';
import { makeTestCertificates, type FixtureTls } from '../../../support/tls-certs';

const KEY = 'unit-test-cache-key-0123456789';
let dir: string;
let certs: FixtureTls;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'encore-cache-tls-'));
  certs = (await makeTestCertificates(dir)).tls;
});
after(() => rmSync(dir, { recursive: true, force: true }));

function settings(jsonData: Record<string, unknown>, secure: Record<string, string> = {}): DataSourceSettings {
  return {
    uid: 'ds',
    name: 'ds',
    url: '',
    basicAuthEnabled: false,
    basicAuthUser: '',
    jsonData: { cacheMode: 'redis', cacheRedisAddress: 'redis:6379', ...jsonData },
    secureJsonData: { cacheEncryptionKey: KEY, ...secure },
    lastUpdatedMS: 1,
  };
}

const schemaProblem = (jsonData: Record<string, unknown>) => {
  const parsed = dataSourceOptionsSchema.safeParse({ cacheMode: 'redis', ...jsonData });
  return parsed.success ? undefined : describeIssues(parsed.error);
};

describe('Redis addresses', () => {
  it('take redis:// and rediss:// in front, and the Sentinel port for bare hosts when asked', () => {
    assert.deepEqual(parseRedisAddresses('rediss://cache.example:6380, rediss://[::1]'), [
      { host: 'cache.example', port: 6380, tls: true },
      { host: '::1', port: 6379, tls: true },
    ]);
    assert.deepEqual(parseRedisAddresses('redis://r1/'), [{ host: 'r1', port: 6379, tls: false }]);
    assert.deepEqual(parseRedisAddresses('s1, s2:26380', 26379), [
      { host: 's1', port: 26379 },
      { host: 's2', port: 26380 },
    ]);
    assert.equal(parseRedisAddresses('http://r1:6379'), undefined);
  });

  it('are refused with the field named: mixed schemes, redis:// with TLS on, credentials, Sentinel with a cluster', () => {
    assert.equal(schemaProblem({ cacheRedisAddress: 'rediss://a:6379, redis://b:6379' }), 'cacheRedisAddress: expected the same scheme for every address: all rediss:// (TLS) or all redis:// (no TLS)');
    assert.match(schemaProblem({ cacheRedisAddress: 'redis://a:6379', cacheRedisTls: true })!, /^cacheRedisAddress: redis:\/\/ means no TLS, but cacheRedisTls is on/);
    assert.match(schemaProblem({ cacheRedisAddress: 'rediss://a:6379', cacheRedisTls: false })!, /^cacheRedisAddress: rediss:\/\/ means TLS, but cacheRedisTls is off/);
    assert.match(schemaProblem({ cacheRedisAddress: 'rediss://user:secret@a:6379' })!, /^cacheRedisAddress: must not contain a user or password/);
    assert.ok(!schemaProblem({ cacheRedisAddress: 'rediss://user:secret@a:6379' })!.includes('secret'), 'the password is not repeated');
    assert.match(schemaProblem({ cacheRedisSentinelMaster: 'mymaster', cacheRedisCluster: true, cacheRedisAddress: 's:26379' })!, /^cacheRedisSentinelMaster: a Redis Cluster has no Sentinels/);
    assert.match(schemaProblem({ cacheRedisSentinelMaster: 'my master' })!, /^cacheRedisSentinelMaster: expected a master name such as mymaster/);
    assert.match(schemaProblem({ cacheRedisTlsSkipVerify: 'yes' })!, /^cacheRedisTlsSkipVerify: expected true or false/);
    assert.match(schemaProblem({ cacheRedisTlsServerName: 'not a name' })!, /^cacheRedisTlsServerName: expected a host name/);
    assert.equal(schemaProblem({ cacheRedisAddress: 'rediss://a:6379', cacheRedisTls: true }), undefined);
  });
});

describe('cacheConfigFromSettings: TLS', () => {
  it('is off by default, on with cacheRedisTls or rediss://, verifying certificates unless skip-verify is set', () => {
    assert.equal(cacheConfigFromSettings(settings({})).redis?.tls, undefined);
    assert.deepEqual(cacheConfigFromSettings(settings({ cacheRedisTls: true })).redis?.tls, { skipVerify: false });
    assert.deepEqual(cacheConfigFromSettings(settings({ cacheRedisAddress: 'rediss://redis:6380' })).redis?.tls, { skipVerify: false });
    assert.deepEqual(cacheConfigFromSettings(settings({ cacheRedisTls: true, cacheRedisTlsSkipVerify: true })).redis?.tls, { skipVerify: true });
    assert.equal(cacheConfigFromSettings(settings({ cacheRedisTlsSkipVerify: true })).redis?.tls, undefined, 'TLS options alone do not turn TLS on');
  });

  it('takes a CA, a client certificate and a server name; the cache is usable', () => {
    const config = cacheConfigFromSettings(
      settings(
        { cacheRedisTls: true, cacheRedisTlsWithCACert: true, cacheRedisTlsAuth: true, cacheRedisTlsServerName: 'redis.internal' },
        { cacheRedisTlsCACert: certs.caCert, cacheRedisTlsClientCert: certs.clientCert, cacheRedisTlsClientKey: certs.clientKey },
      ),
    );
    assert.equal(config.redis?.problem, undefined);
    assert.ok(config.redis?.keys);
    assert.deepEqual(config.redis?.tls, { skipVerify: false, serverName: 'redis.internal', ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey });
    assert.ok(!config.fingerprint.includes('PRIVATE KEY'), 'the client key enters the fingerprint only as part of a digest');
  });

  it('says what is missing or unusable, naming the secureJsonData field; Redis is then not used', () => {
    const problem = (jsonData: Record<string, unknown>, secure: Record<string, string> = {}) => {
      const config = cacheConfigFromSettings(settings({ cacheRedisTls: true, ...jsonData }, secure));
      assert.equal(config.redis?.keys, undefined, 'no keys: the cache stays in memory');
      return config.redis?.problem;
    };
    assert.match(problem({ cacheRedisTlsWithCACert: true })!, /^secureJsonData\.cacheRedisTlsCACert: required when cacheRedisTlsWithCACert is on; expected the PEM certificate of the CA/);
    assert.equal(problem({ cacheRedisTlsWithCACert: true }, { cacheRedisTlsCACert: 'not a pem' }), 'secureJsonData.cacheRedisTlsCACert: expected a PEM certificate (-----BEGIN CERTIFICATE----- ...)');
    assert.equal(
      problem({ cacheRedisTlsAuth: true }, { cacheRedisTlsClientCert: certs.clientCert }),
      'secureJsonData.cacheRedisTlsClientKey: required when cacheRedisTlsAuth (client certificate) is on',
    );
    const mismatched = problem({ cacheRedisTlsAuth: true }, { cacheRedisTlsClientCert: certs.caCert, cacheRedisTlsClientKey: certs.clientKey })!;
    assert.match(mismatched, /^secureJsonData\.cacheRedisTlsClientKey: cannot be used with the client certificate/);
    assert.ok(!mismatched.includes('PRIVATE'), 'no key material in the message');
  });

  it('rebuilds the cache when the CA changes, not when unrelated settings do', () => {
    const withCa = (ca: string) => cacheConfigFromSettings(settings({ cacheRedisTls: true, cacheRedisTlsWithCACert: true }, { cacheRedisTlsCACert: ca })).fingerprint;
    assert.notEqual(withCa(certs.caCert), withCa(certs.otherCaCert));
    assert.equal(withCa(certs.caCert), withCa(certs.caCert));
  });
});

describe('cacheConfigFromSettings: Sentinel', () => {
  it('reads the Sentinels from cacheRedisAddress (default port 26379) and the master name', () => {
    const config = cacheConfigFromSettings(settings({ cacheRedisAddress: 's1, s2:26380', cacheRedisSentinelMaster: 'mymaster' }, { cacheRedisSentinelPassword: 'sentinel-pass' }));
    assert.deepEqual(config.redis?.nodes, [
      { host: 's1', port: 26379 },
      { host: 's2', port: 26380 },
    ]);
    assert.deepEqual(config.redis?.sentinel, { name: 'mymaster', password: 'sentinel-pass' });
    assert.ok(!config.fingerprint.includes('sentinel-pass'));
    assert.equal(cacheConfigFromSettings(settings({})).redis?.sentinel, undefined);
  });
});

describe('describeRedisError', () => {
  const tlsError = (code: string, message = code) => Object.assign(new Error(message), { code });
  it('turns TLS failures into the setting to change', () => {
    const tls = { tls: { skipVerify: false } };
    assert.match(describeRedisError(tlsError('SELF_SIGNED_CERT_IN_CHAIN'), tls), /not signed by a trusted CA; set the CA that signed it \(cacheRedisTlsWithCACert and secureJsonData\.cacheRedisTlsCACert\)/);
    assert.match(describeRedisError(tlsError('ERR_TLS_CERT_ALTNAME_INVALID'), tls), /not valid for this host name; .*cacheRedisTlsServerName/);
    assert.match(describeRedisError(tlsError('ERR_SSL_WRONG_VERSION_NUMBER'), tls), /does not speak TLS on that port/);
    assert.match(describeRedisError(tlsError('ECONNRESET', 'write ECONNRESET'), tls), /client certificate \(cacheRedisTlsAuth\)/);
    assert.match(describeRedisError(tlsError('ECONNRESET', 'write ECONNRESET'), {}), /turn on cacheRedisTls/);
    assert.equal(describeRedisError(tlsError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), tls), 'connect ECONNREFUSED 127.0.0.1:1');
  });
});
