import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handshakeLine, planStartup, StartupRefused } from '../../../src/backend/grafana/handshake';

const GRAFANA_ENV = { grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '2', PLUGIN_MIN_PORT: '0', PLUGIN_MAX_PORT: '0' };

test('Grafana environment: protocol 2, any port, five-field handshake', () => {
  const plan = planStartup(GRAFANA_ENV);
  assert.deepEqual(plan, { appVersion: 2, minPort: 0, maxPort: 0, multiplexFieldRequested: false });
  assert.equal(handshakeLine(plan, '127.0.0.1:40123'), '1|2|tcp|127.0.0.1:40123|grpc\n');
});

test('missing or wrong cookie is refused with an explanation', () => {
  assert.throws(() => planStartup({}), (e: unknown) => e instanceof StartupRefused && /grafana_plugin_type=datasource/.test(e.message));
  assert.throws(() => planStartup({ ...GRAFANA_ENV, grafana_plugin_type: 'app' }), StartupRefused);
});

test('version negotiation picks 2 from a list and refuses when 2 is absent', () => {
  assert.equal(planStartup({ ...GRAFANA_ENV, PLUGIN_PROTOCOL_VERSIONS: '1, 2,3' }).appVersion, 2);
  assert.equal(planStartup({ ...GRAFANA_ENV, PLUGIN_PROTOCOL_VERSIONS: '' }).appVersion, 2);
  assert.throws(() => planStartup({ ...GRAFANA_ENV, PLUGIN_PROTOCOL_VERSIONS: '1' }), /offers 1 but this plugin speaks 2/);
});

test('port range is honoured and validated', () => {
  const plan = planStartup({ ...GRAFANA_ENV, PLUGIN_MIN_PORT: '10000', PLUGIN_MAX_PORT: '10010' });
  assert.equal(plan.minPort, 10000);
  assert.equal(plan.maxPort, 10010);
  assert.throws(() => planStartup({ ...GRAFANA_ENV, PLUGIN_MIN_PORT: 'x' }), /PLUGIN_MIN_PORT: expected a port number/);
  assert.throws(() => planStartup({ ...GRAFANA_ENV, PLUGIN_MIN_PORT: '20', PLUGIN_MAX_PORT: '10' }), /above PLUGIN_MAX_PORT/);
});

test('AutoMTLS requests are refused rather than silently served in plaintext', () => {
  assert.throws(() => planStartup({ ...GRAFANA_ENV, PLUGIN_CLIENT_CERT: '-----BEGIN CERTIFICATE-----' }), /AutoMTLS/);
});

test('a host that asks for the multiplex field gets seven fields', () => {
  const plan = planStartup({ ...GRAFANA_ENV, PLUGIN_MULTIPLEX_GRPC: 'true' });
  assert.equal(handshakeLine(plan, '127.0.0.1:1'), '1|2|tcp|127.0.0.1:1|grpc||false\n');
});
