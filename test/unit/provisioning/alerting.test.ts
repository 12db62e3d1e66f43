// The provisioned alerting: every rule's Encore queries parse with the backend's own parser, ask
// for one number per series (`output`), read a provisioned alerting-capable data source and no
// dashboard variable; the reduce/threshold expressions form a graph over existing refIds ending
// in the condition; labels and summaries name the KPI and only labels the query yields; contact
// points take secrets from the environment and use templates that exist; the policy tree routes
// every Encore rule to a contact point that exists.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findKpi } from '../../../src/common/kpis/catalogue';
import { DATASOURCE_PLUGIN_ID } from '../../../src/common/plugin-ids';
import { evaluateRule, EXPRESSION_UID, ruleExpressions, ruleGraphProblems } from '../../support/provisioning/alert-eval';
import { loadProvisioning, REPO_ROOT } from '../../support/provisioning/files';
import { parseAsBackend, unknownQueryKeys, variableReferences } from '../../support/provisioning/queries';
import { durationMs, type AlertRule, type Route } from '../../support/provisioning/schemas';

const p = loadProvisioning({ ENCORE_PROMETHEUS_URL: 'http://prometheus:9090', ENCORE_SLACK_WEBHOOK_URL: 'https://hooks.slack.invalid/T/B/x', ENCORE_ALERT_EMAIL: 'oncall@example.com' });
const rules = p.groups.flatMap((g) => g.rules.map((rule) => ({ group: g, rule })));
const encoreQueries = (rule: AlertRule) => rule.data.filter((q) => q.datasourceUid !== EXPRESSION_UID);
const datasourcePlugin = JSON.parse(readFileSync(join(REPO_ROOT, 'src', 'datasource', 'plugin.json'), 'utf8')) as { alerting?: boolean };

describe('provisioned alert rules', () => {
  it('cover anomaly scores, SLOs and data-quality checks with unique uids and titles', () => {
    assert.equal(new Set(rules.map((r) => r.rule.uid)).size, rules.length);
    assert.equal(new Set(rules.map((r) => r.rule.title)).size, rules.length);
    const kpis = new Set(rules.map((r) => r.rule.labels?.kpi));
    for (const kpi of ['rebuffering_ratio', 'startup_time_p95', 'playback_failure_rate', 'recommendation_skip_rate', 'subscription_revenue', 'streams']) assert.ok(kpis.has(kpi), `a rule on ${kpi}`);
    const checks = rules.flatMap((r) => encoreQueries(r.rule).flatMap((q) => (q.model.checks as string[] | undefined) ?? []));
    assert.ok(checks.includes('freshness') && checks.includes('completeness') && checks.includes('flatline'), 'rules on freshness, completeness and flatline');
    assert.ok(datasourcePlugin.alerting, 'the Encore data source is alerting-capable');
  });

  for (const { group, rule } of rules) {
    describe(rule.title, () => {
      it('has a graph of queries and expressions ending in a threshold condition', () => {
        assert.deepEqual(ruleGraphProblems(rule), []);
        assert.ok(encoreQueries(rule).length > 0);
        const expressions = ruleExpressions(rule);
        const condition = expressions.get(rule.condition);
        assert.equal(condition?.type, 'threshold');
        const reduced = condition?.type === 'threshold' ? expressions.get(condition.expression) : undefined;
        assert.equal(reduced?.type, 'reduce', 'the condition thresholds a reduction of an Encore query');
        assert.ok(reduced?.type === 'reduce' && encoreQueries(rule).some((q) => q.refId === reduced.expression));
      });

      it('reads a provisioned Encore data source with queries the backend parses, one number per series', () => {
        for (const q of encoreQueries(rule)) {
          const ds = p.dataSources.find((d) => d.uid === q.datasourceUid);
          assert.ok(ds, `${q.refId}: data source ${q.datasourceUid} is provisioned`);
          assert.equal(ds.type, DATASOURCE_PLUGIN_ID);
          assert.equal(ds.uid, 'encore-prometheus', 'rules run on the stack Prometheus, not the demo');
          const model = q.model as Record<string, unknown>;
          assert.equal(model.refId, q.refId, `${q.refId}: model.refId`);
          assert.equal(model.queryType, q.queryType, `${q.refId}: queryType on the query and in the model`);
          assert.deepEqual((model.datasource as { uid?: string }).uid, q.datasourceUid);
          assert.deepEqual(unknownQueryKeys(model), [], `${q.refId}: keys the Encore query model does not have`);
          assert.ok(q.relativeTimeRange && q.relativeTimeRange.from > q.relativeTimeRange.to, `${q.refId}: a relative time range`);
          const texts = JSON.stringify(model);
          assert.deepEqual(variableReferences(texts).filter((v) => !v.startsWith('__')), [], `${q.refId}: alert rules get no dashboard variables`);
          const parsed = parseAsBackend(model).query;
          if (parsed.queryType === 'anomaly' || parsed.queryType === 'outliers') assert.notEqual(parsed.output, 'all', `${q.refId}: output selects one field`);
          if (parsed.queryType === 'anomaly') assert.equal(parsed.format, 'timeseries');
          if (parsed.queryType === 'quality') assert.ok(parsed.output === 'levels' || parsed.output === 'score', `${q.refId}: quality as levels or score`);
          if (parsed.queryType === 'kpi' || parsed.queryType === 'promql') assert.ok(!parsed.detect || parsed.output !== 'all', `${q.refId}: detection needs one output field`);
          assert.ok(parsed.queryType !== 'forecast', 'forecasts answer future points: no alert input');
          assert.ok('kpi' in parsed && parsed.kpi && findKpi(parsed.kpi), `${q.refId}: a catalogue KPI`);
        }
      });

      it('labels severity, team and kpi, waits longer than its group interval, and names the KPI in its summary', () => {
        const labels = rule.labels ?? {};
        assert.ok(['critical', 'warning'].includes(labels.severity ?? ''), 'severity');
        assert.ok(labels.team, 'team');
        assert.equal(labels.source, 'encore');
        assert.ok(['anomaly', 'slo', 'data-quality'].includes(labels.kind ?? ''), 'kind');
        const main = encoreQueries(rule).find((q) => q.refId === 'A')!;
        assert.equal(labels.kpi, main.model.kpi, 'the kpi label is the KPI of the condition query');
        const kpi = findKpi(labels.kpi!)!;
        assert.ok(durationMs(rule.for ?? '0s') >= durationMs(group.interval), 'for is at least one evaluation');
        const summary = rule.annotations?.summary ?? '';
        const description = rule.annotations?.description ?? '';
        assert.ok(summary && description, 'summary and description');
        assert.ok(`${summary} ${description}`.toLowerCase().includes(kpi.name.toLowerCase()), `the summary or description names ${kpi.name}`);
        assert.ok(p.dashboards.some((d) => d.dashboard.uid === rule.annotations?.dashboard_uid), 'dashboard_uid names a provisioned dashboard');
      });

      it('templates only the labels its series carry and the values of its expressions', () => {
        const text = Object.values(rule.annotations ?? {}).join('\n');
        const main = encoreQueries(rule).find((q) => q.refId === 'A')!;
        const seriesLabels = new Set([...((main.model.groupBy as string[] | undefined) ?? []), ...(main.model.output === 'levels' ? ['check'] : []), ...Object.keys(rule.labels ?? {})]);
        for (const [, label] of text.matchAll(/\$labels\.([A-Za-z_][A-Za-z0-9_]*)/g)) assert.ok(seriesLabels.has(label!), `$labels.${label} is not a label of the alert (${[...seriesLabels].join(', ')})`);
        const expressions = ruleExpressions(rule);
        for (const [, refId] of text.matchAll(/\$values\.([A-Za-z0-9_]+)/g)) assert.ok(expressions.get(refId!)?.type === 'reduce', `$values.${refId} is a reduce expression of the rule`);
        for (const q of encoreQueries(rule).filter((x) => x.refId !== 'A')) {
          assert.deepEqual(q.model.groupBy ?? [], main.model.groupBy ?? [], `${q.refId} has the label sets of A, so its values join A's instances`);
        }
        // Whether Grafana can render them at all: alert-templates.test.ts renders them with Go.
      });

      it('fires on a series above the threshold and not below it (evaluated as Grafana does)', () => {
        const expressions = ruleExpressions(rule);
        const condition = expressions.get(rule.condition)!;
        if (condition.type !== 'threshold') return;
        const reduced = expressions.get(condition.expression)!;
        if (reduced.type !== 'reduce') return;
        const [limit] = condition.conditions[0]!.evaluator.params as [number];
        const above = condition.conditions[0]!.evaluator.type.startsWith('g');
        const high = limit + Math.max(1, Math.abs(limit));
        const low = limit - Math.max(1, Math.abs(limit));
        const series = new Map([[reduced.expression, [{ labels: { market: 'BR' }, values: [NaN, above ? high : low, above ? high : low] }, { labels: { market: 'SE' }, values: [above ? low : high, above ? low : high, null] }]]]);
        const result = evaluateRule(rule, series).get(rule.condition)!;
        assert.deepEqual(result.map((r) => [r.labels.market, r.value]), [['BR', 1], ['SE', 0]]);
      });
    });
  }
});

describe('contact points, templates and notification policies', () => {
  it('take the Slack webhook and the email addresses from the environment, never inline', () => {
    const raw = loadProvisioning({});
    const byType = new Map(raw.contactPoints.flatMap((cp) => cp.receivers.map((r) => [r.type, r])));
    assert.ok(byType.has('slack') && byType.has('email'), 'a Slack and an email contact point');
    const refs = raw.envReferences.filter((r) => r.file.includes('contact-points'));
    assert.deepEqual(refs.map((r) => r.name).sort(), ['ENCORE_ALERT_EMAIL', 'ENCORE_SLACK_WEBHOOK_URL']);
    const text = readFileSync(join(REPO_ROOT, 'provisioning', 'alerting', 'contact-points.yaml'), 'utf8');
    assert.doesNotMatch(text, /hooks\.slack\.com|xox[abp]-|@[a-z0-9-]+\.[a-z]{2,}/i, 'no webhook, token or address in the file');
    const slack = p.contactPoints.flatMap((cp) => cp.receivers).find((r) => r.type === 'slack')!;
    assert.equal(slack.type === 'slack' && slack.settings.url, 'https://hooks.slack.invalid/T/B/x', 'the webhook URL once the variable is set');
  });

  it('use only templates that are defined, and keep Go template code out of interpolated settings', () => {
    const defined = new Set(p.templates.flatMap((t) => [...t.template.matchAll(/\{\{-?\s*define\s+"([^"]+)"/g)].map((m) => m[1]!)));
    for (const t of p.templates) {
      // Parsing and running them is alert-templates.test.ts's (Go's text/template); this also
      // covers template calls on branches a sample notification does not take.
      for (const [, used] of t.template.matchAll(/\{\{-?\s*template\s+"([^"]+)"/g)) assert.ok(defined.has(used!) || used!.startsWith('slack.default') || used!.startsWith('default.'), `template ${used} is defined`);
    }
    for (const cp of p.contactPoints) {
      for (const r of cp.receivers) {
        for (const [key, value] of Object.entries(r.settings)) {
          if (typeof value !== 'string') continue;
          for (const [, used] of value.matchAll(/\{\{\s*template\s+"([^"]+)"/g)) assert.ok(defined.has(used!), `${cp.name}.${key}: template ${used} is defined`);
          // Settings are env-interpolated: a $ there would be eaten.
          assert.ok(!value.includes('{{') || !value.includes('$'), `${cp.name}.${key}: no $ in templated settings`);
        }
      }
    }
  });

  it('route every Encore rule to a contact point that exists, data problems apart from KPI anomalies', () => {
    const receivers = new Set(p.contactPoints.map((cp) => cp.name));
    const root = p.policies[0]!;
    const walk = (route: Route): void => {
      if (route.receiver) assert.ok(receivers.has(route.receiver), `receiver ${route.receiver} exists`);
      for (const child of route.routes ?? []) walk(child);
    };
    walk(root);
    const matches = (route: Route, labels: Record<string, string>) =>
      (route.object_matchers ?? []).every(([name, op, value]) => {
        const v = labels[name] ?? '';
        const re = new RegExp(`^(?:${value})$`);
        return op === '=' ? v === value : op === '!=' ? v !== value : op === '=~' ? re.test(v) : !re.test(v);
      });
    /** Alertmanager routing: the first matching children (more with continue), else the route itself. */
    const route = (node: Route, labels: Record<string, string>, inherited: string): string[] => {
      const receiver = node.receiver ?? inherited;
      const out: string[] = [];
      for (const child of node.routes ?? []) {
        if (!matches(child, labels)) continue;
        out.push(...route(child, labels, receiver));
        if (!child.continue) break;
      }
      return out.length > 0 ? out : [receiver];
    };
    for (const { rule } of rules) {
      const labels = { ...rule.labels, alertname: rule.title, grafana_folder: 'Encore' } as Record<string, string>;
      const to = route(root, labels, root.receiver!);
      assert.ok(to.includes('Encore Slack'), `${rule.title} reaches Slack (got ${to.join(', ')})`);
      if (rule.labels?.severity === 'critical' && rule.labels.kind !== 'data-quality') assert.ok(to.includes('Encore email'), `${rule.title} (critical) also reaches email`);
    }
  });

  it('documents every environment variable the provisioning files read', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'provisioning.md'), 'utf8');
    for (const name of new Set(p.envReferences.map((r) => r.name))) assert.match(doc, new RegExp(`\`${name}\``), `docs/provisioning.md documents ${name}`);
  });
});
