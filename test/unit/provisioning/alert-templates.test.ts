// The provisioned alerting templates rendered by Go's text/template, as Grafana renders them:
// every rule's summary and description for an alert instance of the rule (its series' labels and
// its expressions' values), and every templated setting of the Slack and email contact points for
// a notification of firing and resolved alerts of that rule. A template Grafana could not parse or
// execute (an unbalanced action, an unknown function, a template that is not defined, a label the
// alert does not carry) fails here; what the messages say is checked against the rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXPRESSION_UID, ruleExpressions } from '../../support/provisioning/alert-eval';
import { loadProvisioning } from '../../support/provisioning/files';
import { renderTemplates, type NotificationAlert, type NotificationRequest, type Rendered } from '../../support/provisioning/go-template';
import type { AlertRule } from '../../support/provisioning/schemas';

const p = loadProvisioning({ ENCORE_PROMETHEUS_URL: 'http://prometheus:9090', ENCORE_SLACK_WEBHOOK_URL: 'https://hooks.slack.invalid/T/B/x', ENCORE_ALERT_EMAIL: 'oncall@example.com' });
const rules = p.groups.flatMap((group) => group.rules.map((rule) => ({ group, rule })));
const templateFiles = p.templates.map((t) => t.template);
const EXTERNAL_URL = 'https://grafana.example.com/';
const STARTS_AT = '2026-11-30T21:05:00Z';

/** A label value per label an Encore series can carry, as an instance of the rule would have it. */
const SAMPLE_VALUES: Record<string, string[]> = { market: ['BR', 'SE', 'US'], platform: ['android', 'ios', 'web'], check: ['freshness', 'completeness', 'flatline'] };

/** The labels of alert instance `n` of a rule: its query's split labels, then the rule's own labels. */
function instanceLabels(rule: AlertRule, n: number): Record<string, string> {
  const main = rule.data.find((q) => q.datasourceUid !== EXPRESSION_UID && q.refId === 'A') ?? rule.data.find((q) => q.datasourceUid !== EXPRESSION_UID)!;
  const split = [...((main.model.groupBy as string[] | undefined) ?? []), ...(main.model.output === 'levels' ? ['check'] : [])];
  const labels: Record<string, string> = {};
  for (const label of split) labels[label] = SAMPLE_VALUES[label]?.[n] ?? `${label}-${n}`;
  return { ...labels, ...(rule.labels ?? {}) };
}

/** A value for every expression of the rule, as Grafana hands them to the annotations ($values). */
function expressionValues(rule: AlertRule): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [refId, model] of ruleExpressions(rule)) values[refId] = model.type === 'threshold' ? 1 : 0.9512;
  return values;
}

function text(answer: Rendered | undefined, what: string): string {
  assert.ok(answer, `${what}: no answer`);
  assert.equal(answer.error, undefined, `${what}: ${answer.error}`);
  return answer.text!;
}

/** The summary and description of instance `n`, rendered. */
function annotationsOf(rule: AlertRule, n: number): Record<string, string> {
  const labels = instanceLabels(rule, n);
  const values = expressionValues(rule);
  const entries = Object.entries(rule.annotations ?? {});
  const answers = renderTemplates(entries.map(([, value]) => ({ kind: 'annotation', text: value, labels, values })));
  return Object.fromEntries(entries.map(([key], i) => [key, text(answers[i], `${rule.uid} annotations.${key}`)]));
}

function alertOf(rule: AlertRule, folder: string, n: number, status: NotificationAlert['status']): NotificationAlert {
  const labels = { alertname: rule.title, grafana_folder: folder, ...instanceLabels(rule, n) };
  const matchers = Object.entries(labels).map(([k, v]) => `matcher=${encodeURIComponent(`${k}=${v}`)}`).join('&');
  return {
    status,
    labels,
    annotations: annotationsOf(rule, n),
    startsAt: STARTS_AT,
    ...(status === 'resolved' ? { endsAt: '2026-11-30T21:45:00Z' } : {}),
    generatorURL: `${EXTERNAL_URL}alerting/grafana/${rule.uid}/view`,
    silenceURL: `${EXTERNAL_URL}alerting/silence/new?${matchers}`,
    values: expressionValues(rule),
  };
}

/** Every templated setting of every contact point, rendered for `alerts`. */
function renderSettings(alerts: NotificationAlert[]): Map<string, string> {
  const settings = p.contactPoints.flatMap((cp) =>
    cp.receivers.flatMap((r) => Object.entries(r.settings).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].includes('{{')).map(([key, value]) => ({ name: `${r.type}.${key}`, value, receiver: cp.name }))),
  );
  const requests: NotificationRequest[] = settings.map((s) => ({ kind: 'notification', text: s.value, templates: templateFiles, notification: { receiver: s.receiver, alerts, externalURL: EXTERNAL_URL } }));
  const answers = renderTemplates(requests);
  return new Map(settings.map((s, i) => [s.name, text(answers[i], s.name)]));
}

describe('alert rule annotations, rendered as Grafana renders them', () => {
  for (const { rule } of rules) {
    it(`${rule.title}: the summary names the instance's labels and values`, () => {
      const labels = instanceLabels(rule, 0);
      const { summary = '', description = '' } = annotationsOf(rule, 0);
      assert.ok(summary.length > 0 && description.length > 0, 'a summary and a description');
      for (const annotation of [summary, description]) assert.doesNotMatch(annotation, /<no value>|\{\{|\}\}/, annotation);
      // Every label the summary refers to shows as the instance's value.
      for (const [, label] of (rule.annotations?.summary ?? '').matchAll(/\$labels\.([A-Za-z_][A-Za-z0-9_]*)/g)) assert.ok(summary.includes(labels[label!]!), `summary shows ${label}=${labels[label!]}: ${summary}`);
      // Values are formatted, not dumped: 0.9512 shows as 0.95, 95.12% or 951.2m (humanize), never
      // with all its digits.
      if ((rule.annotations?.summary ?? '').includes('$values')) assert.match(summary, /0\.95\b|95\.12%|951\.2m/, summary);
      assert.doesNotMatch(summary, /0\.9512/, summary);
    });
  }
});

describe('contact point messages, rendered as Grafana renders them', () => {
  for (const { group, rule } of rules) {
    it(`${rule.title}: Slack and email name the rule, its KPI, each firing instance and the links`, () => {
      const firing = [alertOf(rule, group.folder, 0, 'firing'), alertOf(rule, group.folder, 1, 'firing')];
      const resolved = alertOf(rule, group.folder, 2, 'resolved');
      const rendered = renderSettings([...firing, resolved]);

      const title = rendered.get('slack.title')!;
      assert.ok(title.startsWith(`[FIRING:2] ${rule.title}`), title);
      if (rule.labels?.kpi) assert.ok(title.includes(`(${rule.labels.kpi})`), title);
      assert.equal(rendered.get('slack.color'), rule.labels?.severity === 'critical' ? 'danger' : 'warning');

      const slack = rendered.get('slack.text')!;
      for (const alert of firing) {
        assert.ok(slack.includes(alert.annotations.summary!), `Slack text has the summary "${alert.annotations.summary}":\n${slack}`);
        assert.ok(slack.includes(`<${alert.generatorURL}|Rule>`) && slack.includes(`<${alert.silenceURL}|Silence>`), slack);
      }
      assert.ok(slack.includes(`<${EXTERNAL_URL}d/${rule.annotations?.dashboard_uid}|Dashboard>`), `the dashboard link:\n${slack}`);
      if (rule.labels?.kpi) assert.ok(slack.includes(`KPI ${rule.labels.kpi}`), slack);
      assert.ok(slack.includes(`Resolved: ${resolved.annotations.summary}`), slack);

      assert.equal(rendered.get('email.subject'), `[Encore firing 2] ${rule.title}`);
      const email = rendered.get('email.message')!;
      assert.match(email, /^Firing:/);
      assert.ok(email.includes('since 2026-11-30 21:05 UTC'), email);
      assert.ok(email.includes(`Dashboard: ${EXTERNAL_URL}d/${rule.annotations?.dashboard_uid}`), email);
      assert.ok(email.indexOf('Resolved:') > email.indexOf(firing[1]!.annotations.summary!), `firing first, then resolved:\n${email}`);
    });
  }

  it('a notification of resolved alerts only is green and says so', () => {
    const { group, rule } = rules[0]!;
    const rendered = renderSettings([alertOf(rule, group.folder, 0, 'resolved')]);
    assert.equal(rendered.get('slack.color'), 'good');
    assert.ok(rendered.get('slack.title')!.startsWith(`[RESOLVED] ${rule.title}`), rendered.get('slack.title'));
    assert.equal(rendered.get('email.subject'), `[Encore resolved] ${rule.title}`);
  });
});

describe('the renderer catches what Grafana would refuse', () => {
  const notification = { receiver: 'x', alerts: [], externalURL: EXTERNAL_URL };
  it('an action without its end, an unknown function, a template not defined, a label the alert lacks', () => {
    const [unclosed, unknownFunction, undefinedTemplate, missingLabel] = renderTemplates([
      { kind: 'notification', text: '{{ template "t" . }}', templates: ['{{ define "t" }}{{ if .Status }}x{{ end }}'], notification },
      { kind: 'annotation', text: '{{ humanise $values.B.Value }}', labels: {}, values: { B: 1 } },
      { kind: 'notification', text: '{{ template "encore.nowhere" . }}', templates: templateFiles, notification },
      { kind: 'annotation', text: 'market {{ $labels.market }}', labels: { platform: 'ios' }, values: {} },
    ]);
    assert.match(unclosed!.error ?? '', /unexpected EOF/);
    assert.match(unknownFunction!.error ?? '', /function "humanise" not defined/);
    assert.match(undefinedTemplate!.error ?? '', /template "encore.nowhere" not defined/);
    assert.match(missingLabel!.error ?? '', /no entry for key "market"/);
  });
});
