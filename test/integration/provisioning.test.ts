// The provisioned alert rules and dashboards against a running stack: the BUILT backend, called
// as Grafana calls it, on the data sources exactly as provisioned (the Prometheus URL from the
// stack's environment). Every alert rule's Encore queries must come back as alertable numeric
// frames (a time field and one number field per series with its labels, or number-only frames),
// without error, and its reduce/threshold expressions must turn them into a firing or normal
// state per instance. Every dashboard query must answer on Prometheus, and on the demo source
// either answer or say clearly that the demo does not model that KPI.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Frame } from '../../src/backend/grafana/frames/frame';
import { parseDuration } from '../../src/common/validation';
import { DATASOURCE_PLUGIN_ID } from '../../src/common/plugin-ids';
import { assertGrafanaReadableFrame } from '../harness/go-reader-rules';
import { launchPlugin, type PluginHost } from '../harness/grafana-host';
import { dataQuery, queryDataRequest } from '../harness/plugin-context';
import type { DataResponse } from '../harness/wire';
import { effectiveStatus } from '../support/kpi-answers';
import { evaluateRule } from '../support/provisioning/alert-eval';
import { allPanels } from '../support/provisioning/dashboard-schema';
import { loadProvisioning } from '../support/provisioning/files';
import { interpolateAsDashboard } from '../support/provisioning/queries';
import { queryRule } from '../support/provisioning/rule-run';
import { dataSourceInput, startProvisioningStack, type ProvisioningStack } from '../support/provisioning/stack';

let stack: ProvisioningStack;
let host: PluginHost;

before(async () => {
  [stack, host] = await Promise.all([startProvisioningStack(), launchPlugin()]);
});

after(async () => {
  await host?.stop();
  await stack?.stop();
});

function decode(answer: DataResponse | undefined, what: string): Frame[] {
  assert.ok(answer, `${what}: no answer`);
  assert.equal(answer.error, '', `${what}: ${answer.error}`);
  assert.equal(effectiveStatus(answer), 200, what);
  return answer.frames.map((bytes) => assertGrafanaReadableFrame(new Uint8Array(bytes)));
}

describe('provisioned alert rules on the stack', () => {
  const rules = loadProvisioning({}).groups.flatMap((g) => g.rules);

  for (const rule of rules) {
    it(`${rule.title}: alertable frames and a state per instance`, async (t) => {
      // As Grafana evaluates it now: each data source's queries in one request, from the service
      // identity (rule-run.ts); an error answer or frames alerting cannot read fail there.
      const { series } = await queryRule(host, rule, stack.env, Date.now());
      for (const [refId, found] of series) {
        assert.ok(found.length > 0, `${rule.uid} ${refId}: at least one series on the stack's data`);
        for (const s of found) assert.ok(s.values.some((v) => v !== null && Number.isFinite(v)), `${rule.uid} ${refId} ${JSON.stringify(s.labels)}: a finite number`);
      }
      const results = evaluateRule(rule, series);
      const states = results.get(rule.condition) ?? [];
      assert.ok(states.length > 0, `${rule.uid}: the condition has instances`);
      for (const s of states) assert.ok(s.value === 0 || s.value === 1, `${rule.uid} ${JSON.stringify(s.labels)}: condition ${s.value}`);
      const firing = states.filter((s) => s.value === 1).map((s) => JSON.stringify(s.labels));
      t.diagnostic(`${states.length} instance(s), firing: ${firing.length > 0 ? firing.join(' ') : 'none'}`);
    });
  }
});

describe('provisioned dashboards on the stack', () => {
  const { dashboards } = loadProvisioning({});
  const DEMO_REFUSAL = /not modelled by the demo source|the demo source splits/;

  for (const { dashboard } of dashboards) {
    it(`${dashboard.title}: every query answers on Prometheus, and on the demo source or says why not`, async () => {
      const variables = dashboard.templating?.list ?? [];
      const now = Date.now();
      const from = now - (parseDuration(dashboard.time?.from.replace(/^now-/, '') ?? '6h') ?? 6 * 3_600_000);
      type Target = Record<string, unknown> & { refId: string };
      const panels: Array<{ title?: string; interval?: string; targets: Target[] }> = allPanels(dashboard).map((p) => ({ title: p.title, interval: p.interval, targets: p.targets ?? [] }));
      panels.push({
        title: 'annotations',
        targets: (dashboard.annotations?.list ?? []).filter((a) => a.datasource.type === DATASOURCE_PLUGIN_ID).map((a, i) => ({ ...a.target, refId: `Anno${i}` })),
      });
      for (const uid of ['encore-prometheus', 'encore-demo']) {
        for (const panel of panels) {
          if (panel.targets.length === 0) continue;
          const maxDataPoints = 1000;
          const minInterval = panel.interval ? (parseDuration(panel.interval) ?? 0) : 0;
          const intervalMS = Math.max(minInterval, Math.ceil((now - from) / maxDataPoints / 1000) * 1000);
          const request = queryDataRequest({
            context: { datasource: dataSourceInput(uid, stack.env) },
            queries: panel.targets.map((target) => {
              const json = interpolateAsDashboard({ ...target, datasource: { type: DATASOURCE_PLUGIN_ID, uid } }, variables);
              return dataQuery({ refId: String(target.refId), json, datasourceUid: uid, timeRange: { from, to: now }, intervalMS, maxDataPoints });
            }),
          });
          const { responses } = await host.queryData(request);
          for (const target of panel.targets) {
            const what = `${dashboard.uid} "${panel.title}" ${target.refId} on ${uid}`;
            const answer = responses[String(target.refId)];
            assert.ok(answer, `${what}: no answer`);
            if (uid === 'encore-demo' && answer.error !== '') {
              const rawMetric = target.queryType === 'promql';
              assert.ok(DEMO_REFUSAL.test(answer.error) || rawMetric, `${what}: ${answer.error}`);
              assert.equal(answer.status, 400, `${what}: a refusal, not a failure`);
              continue;
            }
            decode(answer, what);
          }
        }
      }
    });
  }
});
