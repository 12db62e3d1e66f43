// The readers of Grafana's provisioning formats (test/support/provisioning): the repository's
// provisioning/ folder reads without a problem, misspelled or mistyped keys Grafana would silently
// drop are errors that name the file and path, and environment interpolation behaves as Grafana's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envReferences, interpolate } from '../../support/provisioning/grafana-env';
import { checkFile, loadProvisioning } from '../../support/provisioning/files';

describe('the provisioning folder', () => {
  it('reads as Grafana reads it, with every file valid against the strict schemas', () => {
    const p = loadProvisioning({ ENCORE_PROMETHEUS_URL: 'http://prometheus:9090' });
    assert.deepEqual(p.dataSources.map((d) => d.uid).sort(), ['encore-demo', 'encore-prometheus']);
    assert.equal(p.apps.length, 1);
    assert.equal(p.providers.length, 1);
    assert.equal(p.dashboards.length, 5);
    assert.ok(p.groups.length >= 4);
    assert.equal(p.contactPoints.length, 2);
    assert.equal(p.policies.length, 1);
    assert.equal(p.templates.length, 1);
  });
});

describe('strict readers', () => {
  const problems = (kind: Parameters<typeof checkFile>[0], text: string) => checkFile(kind, text).problems.join('\n');

  it('refuse a misspelled data source key', () => {
    assert.match(problems('datasources', 'apiVersion: 1\ndatasources:\n  - name: x\n    type: t\n    uid: u\n    isDefualt: true\n'), /datasources\.0: Unrecognized key: "isDefualt"/);
  });
  it('refuse a data source uid Grafana would refuse and a wrong apiVersion', () => {
    assert.match(problems('datasources', 'apiVersion: 1\ndatasources:\n  - { name: x, type: t, uid: "has space" }\n'), /datasources\.0\.uid: expected a uid/);
    assert.match(problems('datasources', 'apiVersion: 2\ndatasources: []\n'), /apiVersion/);
  });
  it('refuse duplicate YAML keys', () => {
    assert.match(problems('datasources', 'apiVersion: 1\napiVersion: 1\n'), /YAML: .*[Mm]ap keys must be unique/);
  });
  it('refuse a dashboard provider of another type or without a path', () => {
    assert.match(problems('dashboards', 'apiVersion: 1\nproviders:\n  - { name: a, type: file, options: { pat: /x } }\n'), /options/);
  });
  it('refuse an alert rule with a misspelled field, a bad duration or state', () => {
    const rule = (extra: string) =>
      `apiVersion: 1\ngroups:\n  - name: g\n    folder: f\n    interval: 1m\n    rules:\n      - uid: r\n        title: t\n        condition: C\n        data:\n          - { refId: A, datasourceUid: x, model: { refId: A } }\n${extra}`;
    assert.equal(problems('alerting', rule('')), '');
    assert.match(problems('alerting', rule('        datasourceUID: x\n')), /rules\.0: Unrecognized key: "datasourceUID"/);
    assert.match(problems('alerting', rule('        for: 10 minutes\n')), /rules\.0\.for: expected a Prometheus duration/);
    assert.match(problems('alerting', rule('        noDataState: Firing\n')), /noDataState/);
    assert.match(problems('alerting', rule('').replace('interval: 1m', 'interval: 15s')), /interval: expected a multiple of 10s/);
  });
  it('refuse an unknown contact point setting and a route with a bad matcher', () => {
    const cp = 'apiVersion: 1\ncontactPoints:\n  - name: n\n    receivers:\n      - { uid: s, type: slack, settings: { webhook_url: x } }\n';
    assert.match(problems('alerting', cp), /settings: Unrecognized key: "webhook_url"/);
    const policy = 'apiVersion: 1\npolicies:\n  - receiver: n\n    routes:\n      - { receiver: n, object_matchers: [[severity, "==", critical]] }\n';
    assert.match(problems('alerting', policy), /routes\.0\.object_matchers\.0\.1/);
    assert.match(problems('alerting', 'apiVersion: 1\npolicies:\n  - group_by: [alertname]\n'), /receiver: the root policy needs a receiver/);
    assert.match(problems('alerting', 'apiVersion: 1\npolicies:\n  - { receiver: n, group_wiat: 30s }\n'), /Unrecognized key: "group_wiat"/);
  });
});

describe("Grafana's environment interpolation", () => {
  const env = { URL: 'http://p:9090', A: 'a' };
  it('replaces $VAR and ${VAR}, keeps $$ as one $, and has no defaults', () => {
    assert.equal(interpolate('${URL}/api', env), 'http://p:9090/api');
    assert.equal(interpolate('$A-$A', env), 'a-a');
    assert.equal(interpolate('cost $$5', env), 'cost $5');
    assert.equal(interpolate('${UNSET}', env), '');
    // Go's os.Expand reads "UNSET:-x" as the name: no shell-style default.
    assert.equal(interpolate('${UNSET:-x}', env), '');
    assert.equal(interpolate('$__env{A}', env), 'a');
  });
  it('reads only ${VAR} where Grafana expands braced variables only (rule annotations)', () => {
    assert.equal(interpolate('{{ $labels.market }} ${A}', env, { bracedOnly: true }), '{{ $labels.market }} a');
    assert.deepEqual(envReferences('{{ $labels.market }} ${A}', { bracedOnly: true }), ['A']);
    assert.deepEqual(envReferences('{{ $labels.market }}'), ['labels']);
  });
});
