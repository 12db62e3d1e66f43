// The secret redactor and the logger: every secret form the backend knows of is replaced in text,
// in nested values and in log lines, which stay valid hclog JSON.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PluginContext } from '../../../src/backend/grafana/context';
import type { Frame } from '../../../src/backend/grafana/frames/frame';
import { createLogger } from '../../../src/backend/grafana/logger';
import { redactFrames } from '../../../src/backend/security/redact-frames';
import { REDACTED, SecretRedactor } from '../../../src/backend/security/secrets';

const PASSWORD = 'pa"ss\\word-9Xq';
const TOKEN = 'tok-ABCDEF123456';

function ctx(): PluginContext {
  return {
    orgId: 1,
    pluginId: 'p',
    pluginVersion: 'v',
    userAgent: '',
    grafanaConfig: { GF_PLUGIN_APP_CLIENT_SECRET: 'client-secret-zz', GF_APP_URL: 'http://localhost:3000/' },
    dataSource: {
      uid: 'ds',
      name: 'n',
      url: 'http://prom:9090',
      basicAuthEnabled: true,
      basicAuthUser: 'grafana',
      jsonData: {},
      secureJsonData: { basicAuthPassword: PASSWORD, bearerToken: ` ${TOKEN} `, cacheRedisPassword: 'redis-pw-77', tiny: 'ab' },
      lastUpdatedMS: 1,
    },
  };
}

describe('SecretRedactor', () => {
  const secrets = new SecretRedactor();
  secrets.observe(ctx());
  const basic = Buffer.from(`grafana:${PASSWORD}`).toString('base64');

  it('replaces secureJsonData values, trimmed tokens, the basic auth credential and secret Grafana config keys', () => {
    const text = `pw ${PASSWORD} tok=${TOKEN}; basic ${basic} redis redis-pw-77 client client-secret-zz url http://localhost:3000/`;
    assert.equal(secrets.redact(text), `pw ${REDACTED} tok=${REDACTED}; basic ${REDACTED} redis ${REDACTED} client ${REDACTED} url http://localhost:3000/`);
  });

  it('leaves values too short to be credentials alone', () => {
    assert.equal(secrets.redact('ab cd'), 'ab cd');
  });

  it('redacts nested values, keys and errors', () => {
    assert.deepEqual(secrets.redactDeep({ a: [TOKEN, 1, true, null], [PASSWORD]: { e: new Error(`bad ${TOKEN}`) } }), {
      a: [REDACTED, 1, true, null],
      [REDACTED]: { e: `bad ${REDACTED}` },
    });
  });

  it('takes secrets out of frames: names, labels, config, meta and string values', () => {
    const frame: Frame = {
      name: `series ${TOKEN}`,
      meta: { executedQueryString: `Expr: up{x="${PASSWORD}"}`, notices: [{ severity: 'warning', text: TOKEN }] },
      fields: [
        { name: 'Time', type: 'time', values: [1] },
        { name: 'Value', type: 'float64', values: [2], labels: { auth: basic }, config: { displayNameFromDS: TOKEN } },
        { name: 'Text', type: 'string', values: [`x${PASSWORD}y`] },
      ],
    };
    const [out] = redactFrames([frame], secrets);
    assert.ok(!JSON.stringify(out).includes(TOKEN) && !JSON.stringify(out).includes(basic));
    assert.equal(out!.fields[2]!.values[0], `x${REDACTED}y`);
    const clean: Frame = { fields: [{ name: 'v', type: 'string', values: ['fine'] }] };
    assert.equal(redactFrames([clean], secrets)[0], clean, 'frames without secrets are not copied');
  });

  it('scans a shared frame once per set of secrets: found clean, it is not scanned again; a new secret is searched for', () => {
    const learner = new SecretRedactor();
    learner.remember('a@1', ['first-secret-value']);
    const frame: Frame = { name: 'series', fields: [{ name: 'Text', type: 'string', values: ['holds later-secret-value here'] }] };
    assert.equal(redactFrames([frame], learner)[0], frame, 'clean for the secrets known so far');
    let reads = 0;
    const counted: Frame = { ...frame, get name() { reads++; return 'series'; } };
    redactFrames([counted], learner);
    redactFrames([counted], learner);
    assert.equal(reads, 1, 'the second use of a clean frame is not scanned');
    learner.remember('b@1', ['later-secret-value']);
    const [out] = redactFrames([frame], learner);
    assert.notEqual(out, frame, 'the frame is scanned again once a new secret is known');
    assert.equal(out!.fields[0]!.values[0], `holds ${REDACTED} here`);
  });

  it('redacts log lines before they are encoded, so the line stays JSON', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l), redact: (v) => secrets.redactDeep(v) });
    logger.error(`failed with ${PASSWORD}`, { error: new Error(`Authorization: Basic ${basic}`), nested: { token: TOKEN } });
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line['@message'], `failed with ${REDACTED}`);
    assert.equal(line.error, `Authorization: Basic ${REDACTED}`);
    assert.deepEqual(line.nested, { token: REDACTED });
    assert.ok(!lines[0]!.includes(TOKEN));
  });
});
