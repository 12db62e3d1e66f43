// The health check as the overview reads Grafana's answers: 200 OK, 400 with the plugin's ERROR,
// and answers that never reached the plugin (403, 404, 500, no answer).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthBadge, healthDetails, parseHealthResponse } from '../../../src/app/health';

describe('parseHealthResponse', () => {
  it('takes status, message and details of a passing check', () => {
    const health = parseHealthResponse(200, { status: 'OK', message: 'Demo source ready', details: { source: 'demo', series: 412 } });
    assert.deepEqual(health, { status: 'OK', message: 'Demo source ready', details: { source: 'demo', series: 412 }, httpStatus: 200 });
  });

  it('reads the plugin verdict from an HTTP 400 body (how Grafana answers a failing check)', () => {
    const health = parseHealthResponse(400, { status: 'ERROR', message: 'Prometheus at http://prom:9090 answered 401: check the credentials', details: { errorKind: 'auth' } });
    assert.equal(health.status, 'ERROR');
    assert.match(health.message, /answered 401/);
    assert.deepEqual(health.details, { errorKind: 'auth' });
    assert.equal(health.unreachable, undefined, 'the plugin did answer');
  });

  it('accepts lower-case statuses and fills a missing message', () => {
    assert.deepEqual(parseHealthResponse(200, { status: 'ok' }), { status: 'OK', message: 'Data source is working', details: {}, httpStatus: 200 });
  });

  it('says why a check could not run, keeping Grafana\'s message', () => {
    const forbidden = parseHealthResponse(403, { message: 'Access denied' });
    assert.equal(forbidden.status, 'UNKNOWN');
    assert.equal(forbidden.unreachable, true);
    assert.match(forbidden.message, /you may not query this data source.*Access denied/);
    assert.match(parseHealthResponse(404, { message: 'Plugin not found' }).message, /not installed/);
    assert.match(parseHealthResponse(500, 'gateway timeout').message, /HTTP 500\): gateway timeout/);
    assert.match(parseHealthResponse(undefined, undefined).message, /Grafana did not answer/);
  });

  it('ignores details that are not an object', () => {
    assert.deepEqual(parseHealthResponse(200, { status: 'OK', message: 'fine', details: ['x'] }).details, {});
  });
});

describe('healthBadge', () => {
  it('maps each state to a colour, text and an accessible sentence', () => {
    assert.deepEqual(healthBadge(undefined), { text: 'Checking', color: 'blue', icon: 'sync', label: 'Health check running' });
    const ok = healthBadge(parseHealthResponse(200, { status: 'OK', message: 'ready' }));
    assert.equal(ok.color, 'green');
    assert.equal(ok.label, 'Healthy: ready');
    const failing = healthBadge(parseHealthResponse(400, { status: 'ERROR', message: 'connection refused' }));
    assert.deepEqual([failing.text, failing.color], ['Failing', 'red']);
    assert.match(failing.label, /connection refused/);
    assert.equal(healthBadge(parseHealthResponse(403, {})).color, 'orange', 'not checked is not failing');
    assert.equal(healthBadge(parseHealthResponse(200, { status: 'UNKNOWN' })).color, 'darkgrey');
  });
});

describe('healthDetails', () => {
  it('orders known keys, labels them and formats lists, booleans and units', () => {
    const rows = healthDetails({
      activeIncidents: [],
      zeta: true,
      markets: ['US', 'BR', 'DE'],
      sampleIntervalSeconds: 15,
      source: 'demo',
      customThing_count: 3,
      empty: '',
      none: null,
    });
    assert.deepEqual(
      rows.map((r) => [r.label, r.value]),
      [
        ['Source', 'Demo (built in)'],
        ['Markets', 'US, BR, DE'],
        ['Sample interval', '15 s'],
        ['Active incidents', 'none'],
        ['Custom thing count', '3'],
        ['Zeta', 'yes'],
      ],
    );
  });

  it('shortens long lists and long text', () => {
    const [list] = healthDetails({ markets: Array.from({ length: 15 }, (_, i) => `M${i}`) });
    assert.match(list!.value, /M11 and 3 more$/);
    const [text] = healthDetails({ url: 'x'.repeat(500) });
    assert.equal(text!.value.length, 200);
    assert.ok(text!.value.endsWith('…'));
  });
});
