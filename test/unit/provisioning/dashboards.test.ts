// The provisioned dashboards: the committed JSON is what scripts/dashboards/definitions.ts
// writes, each follows Grafana 13's dashboard schema, every panel is a plugin that exists, every
// data source reference resolves, every Encore query (panels and annotations) parses with the
// backend's own parser once the dashboard's variables are filled in, names a KPI of the catalogue
// and uses only variables the dashboard defines, and the Encore panels get the options and
// queries their READMEs ask for.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dashboardFiles, DASHBOARDS_DIR } from '../../../scripts/write-dashboards';
import { findKpi, kpiLabels, type KpiGroup } from '../../../src/common/kpis/catalogue';
import { DATASOURCE_PLUGIN_ID } from '../../../src/common/plugin-ids';
import { parseVariableQuery } from '../../../src/datasource/variable-query';
import { defaultOptions as audioQualityDefaults } from '../../../src/panels/audio-quality/options';
import { defaultOptions as behaviourDefaults } from '../../../src/panels/behaviour/options';
import { defaultOptions as revenueDefaults } from '../../../src/panels/revenue/options';
import { allPanels, CURRENT_SCHEMA_VERSION, GRAFANA_PANEL_IDS, type Dashboard, type DashboardPanel, type DashboardVariable } from '../../support/provisioning/dashboard-schema';
import { loadProvisioning, REPO_ROOT } from '../../support/provisioning/files';
import { GRAFANA_BUILTIN_VARIABLES, interpolateAsDashboard, parseAsBackend, unknownQueryKeys, variableReferences } from '../../support/provisioning/queries';

const p = loadProvisioning({ ENCORE_PROMETHEUS_URL: 'http://prometheus:9090' });
const DATASOURCE_UIDS = new Set(p.dataSources.map((d) => d.uid));

/** The Encore panels: id from their plugin.json, the group of KPIs they show, their default options. */
const ENCORE_PANELS = new Map<string, { group: KpiGroup; defaults: object }>(
  (
    [
      ['audio-quality', 'audio_quality', audioQualityDefaults],
      ['behaviour', 'behaviour', behaviourDefaults],
      ['revenue', 'revenue', revenueDefaults],
    ] as const
  ).map(([dir, group, defaults]) => [(JSON.parse(readFileSync(join(REPO_ROOT, 'src', 'panels', dir, 'plugin.json'), 'utf8')) as { id: string }).id, { group, defaults }]),
);

const variablesOf = (d: Dashboard): DashboardVariable[] => d.templating?.list ?? [];

/** Every Encore query of the dashboard: panel targets and annotation targets, with where they are. */
function encoreQueries(d: Dashboard): Array<{ where: string; query: Record<string, unknown> }> {
  const out: Array<{ where: string; query: Record<string, unknown> }> = [];
  for (const panel of allPanels(d)) {
    for (const target of panel.targets ?? []) {
      const ds = (target.datasource ?? panel.datasource) as { type?: string } | undefined;
      if (ds?.type === DATASOURCE_PLUGIN_ID) out.push({ where: `panel "${panel.title}" ${target.refId}`, query: target });
    }
  }
  for (const a of d.annotations?.list ?? []) {
    if (a.datasource.type === DATASOURCE_PLUGIN_ID) out.push({ where: `annotation "${a.name}"`, query: { refId: 'Anno', ...(a.target ?? {}) } });
  }
  return out;
}

describe('provisioned dashboards', () => {
  it('are exactly what scripts/dashboards/definitions.ts writes (npm run provisioning:dashboards)', () => {
    for (const [file, text] of dashboardFiles()) assert.equal(readFileSync(join(DASHBOARDS_DIR, file), 'utf8'), text, `${file} is stale: run npm run provisioning:dashboards`);
    assert.deepEqual(p.dashboards.map((d) => d.file.split('/').pop()).sort(), [...dashboardFiles().keys()].sort(), 'no other dashboard files');
  });

  it('are the five Encore dashboards, current for Grafana 13, with unique uids and the encore tag', () => {
    const titles = p.dashboards.map((d) => d.dashboard.title.replace(/^Encore \/ /, '')).sort();
    assert.deepEqual(titles, ['Anomalies overview', 'Audio quality', 'Data quality', 'Listener behaviour', 'Revenue']);
    assert.equal(new Set(p.dashboards.map((d) => d.dashboard.uid)).size, p.dashboards.length);
    for (const { dashboard } of p.dashboards) {
      assert.equal(dashboard.schemaVersion, CURRENT_SCHEMA_VERSION, dashboard.uid);
      assert.ok(dashboard.tags.includes('encore'), `${dashboard.uid}: tag encore`);
      assert.equal(dashboard.id ?? null, null, `${dashboard.uid}: no id (Grafana assigns it)`);
    }
    assert.ok(p.providers.every((provider) => provider.folder === 'Encore'), 'the dashboards go to the Encore folder the alert rules use');
    assert.ok(p.groups.every((g) => g.folder === 'Encore'));
  });

  for (const { file, dashboard } of p.dashboards) {
    describe(dashboard.title, () => {
      const variables = variablesOf(dashboard);
      const names = new Set(variables.map((v) => v.name));

      it('has panels of existing plugins, unique ids and no overlapping grid positions', () => {
        const panels = dashboard.panels ?? [];
        assert.equal(new Set(panels.map((x) => x.id)).size, panels.length, 'unique panel ids');
        for (const panel of allPanels(dashboard)) {
          assert.ok(ENCORE_PANELS.has(panel.type) || (GRAFANA_PANEL_IDS as readonly string[]).includes(panel.type), `${file}: panel "${panel.title}" is of an unknown plugin ${panel.type}`);
          assert.ok(panel.title && panel.description, `${file}: panel ${panel.id} has a title and a description`);
          assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${file}: panel "${panel.title}" fits the 24 columns`);
        }
        const boxes = panels.map((x) => ({ title: x.title, ...x.gridPos }));
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            const [a, b] = [boxes[i]!, boxes[j]!];
            const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
            assert.ok(!overlap, `${file}: "${a.title}" and "${b.title}" overlap`);
          }
        }
      });

      it('refers only to provisioned data sources or the data source variable', () => {
        const dsVariable = variables.find((v) => v.type === 'datasource');
        assert.ok(dsVariable, 'a data source variable to switch between the Prometheus and demo sources');
        assert.equal(dsVariable.name, 'datasource');
        assert.equal(dsVariable.query, DATASOURCE_PLUGIN_ID, 'it lists Encore data sources');
        assert.ok(DATASOURCE_UIDS.has(String(dsVariable.current?.value)), 'its default is a provisioned data source');
        const refs: Array<{ where: string; ref: { type?: string; uid?: string } }> = [];
        for (const panel of allPanels(dashboard)) {
          if (panel.datasource) refs.push({ where: `panel "${panel.title}"`, ref: panel.datasource });
          for (const t of panel.targets ?? []) if (t.datasource) refs.push({ where: `panel "${panel.title}" ${t.refId}`, ref: t.datasource as { uid?: string } });
        }
        for (const v of variables) if (v.datasource) refs.push({ where: `variable ${v.name}`, ref: v.datasource });
        for (const a of dashboard.annotations?.list ?? []) if (!a.builtIn) refs.push({ where: `annotation ${a.name}`, ref: a.datasource });
        for (const { where, ref } of refs) {
          assert.equal(ref.type, DATASOURCE_PLUGIN_ID, `${file}: ${where} reads an Encore data source`);
          assert.ok(ref.uid === '${datasource}' || DATASOURCE_UIDS.has(ref.uid ?? ''), `${file}: ${where}: data source ${ref.uid} is neither provisioned nor \${datasource}`);
        }
      });

      it('has label variables from label_values(<kpi>, <label>) of the Encore data source, "All" meaning .*', () => {
        for (const v of variables.filter((x) => x.type === 'query')) {
          const parsed = parseVariableQuery(String(v.query));
          assert.ok(parsed.ok, `${file}: variable ${v.name}: ${parsed.ok ? '' : parsed.error}`);
          assert.equal(parsed.query.kind, 'label_values');
          assert.equal(parsed.query.kind === 'label_values' && parsed.query.label, v.name);
          assert.deepEqual({ multi: v.multi, includeAll: v.includeAll, allValue: v.allValue }, { multi: true, includeAll: true, allValue: '.*' }, `${file}: variable ${v.name}`);
          assert.equal(v.datasource?.uid, '${datasource}', `${file}: variable ${v.name} follows the data source variable`);
        }
      });

      it('has Encore queries that parse with the backend, name a KPI, and use only defined variables', () => {
        const queries = encoreQueries(dashboard);
        assert.ok(queries.length > 0);
        const used = new Set<string>();
        for (const { where, query } of queries) {
          assert.deepEqual(unknownQueryKeys(query), [], `${file}: ${where}: keys the Encore query model does not have`);
          const texts = [query.expr, query.legendFormat, ...((query.filters as Array<{ value: string }> | undefined) ?? []).map((f) => f.value)].filter((t): t is string => typeof t === 'string');
          for (const name of texts.flatMap(variableReferences)) {
            used.add(name);
            assert.ok(names.has(name) || GRAFANA_BUILTIN_VARIABLES.includes(name), `${file}: ${where} uses $${name}, which the dashboard does not define`);
          }
          let parsed;
          try {
            parsed = parseAsBackend(interpolateAsDashboard(query, variables));
          } catch (error) {
            assert.fail(`${file}: ${where}: the backend refuses it: ${(error as Error).message}`);
          }
          const q = parsed.query as { kpi?: string; expr?: string };
          assert.ok(q.kpi === undefined || findKpi(q.kpi), `${file}: ${where}: KPI ${q.kpi}`);
          assert.ok(q.kpi !== undefined || (q.expr ?? '').includes('encore_'), `${file}: ${where}: a KPI or a PromQL expression over Encore's metrics`);
        }
        for (const v of variables.filter((x) => x.type === 'query')) assert.ok(used.has(v.name), `${file}: variable ${v.name} is used by no query`);
        for (const panel of allPanels(dashboard)) {
          const refIds = (panel.targets ?? []).map((t) => t.refId);
          assert.equal(new Set(refIds).size, refIds.length, `${file}: panel "${panel.title}" repeats a refId`);
        }
      });

      it('filters every KPI by each dashboard variable it carries', () => {
        const labelVariables = variables.filter((v) => v.type === 'query').map((v) => v.name);
        for (const { where, query } of encoreQueries(dashboard)) {
          const kpi = typeof query.kpi === 'string' ? findKpi(query.kpi) : undefined;
          if (!kpi) continue;
          const filtered = ((query.filters as Array<{ label: string; op: string; value: string }>) ?? []).map((f) => f.label);
          const expected = labelVariables.filter((v) => kpiLabels(kpi).includes(v));
          assert.deepEqual(filtered, expected, `${file}: ${where} (${kpi.id} carries ${kpiLabels(kpi).join(', ')})`);
          for (const f of (query.filters as Array<{ label: string; op: string; value: string }>) ?? []) assert.deepEqual([f.op, f.value], ['=~', `$${f.label}`], `${file}: ${where}`);
        }
      });

      it('draws anomaly events of the Encore data source as annotations', () => {
        const annotations = (dashboard.annotations?.list ?? []).filter((a) => !a.builtIn);
        if (dashboard.uid === 'encore-data-quality') return;
        assert.ok(annotations.length > 0, `${file}: Encore anomaly annotations`);
        for (const a of annotations) {
          assert.equal(a.target?.queryType, 'anomaly', `${file}: annotation ${a.name}`);
          assert.equal(a.target?.format, 'events', `${file}: annotation ${a.name} asks for events only`);
          assert.equal(a.target?.explain, true, `${file}: annotation ${a.name} carries root-cause hints`);
        }
      });

      it('gives the Encore panels their options and the queries their READMEs ask for', () => {
        for (const panel of allPanels(dashboard).filter((x) => ENCORE_PANELS.has(x.type))) checkEncorePanel(file, panel);
      });
    });
  }
});

function checkEncorePanel(file: string, panel: DashboardPanel): void {
  const { group, defaults } = ENCORE_PANELS.get(panel.type)!;
  const options = (panel.options ?? {}) as Record<string, unknown> & { kpis: string[]; chartKpi: string; breakdown: string };
  const known = [...Object.keys(defaults), 'decimals'];
  for (const key of Object.keys(options)) assert.ok(known.includes(key), `${file}: ${panel.type} has no option ${key} (${known.join(', ')})`);
  for (const key of Object.keys(defaults)) assert.ok(key in options, `${file}: ${panel.type} option ${key} is set`);
  for (const kpi of options.kpis) {
    assert.equal(findKpi(kpi)?.group, group, `${file}: ${panel.type} shows ${group} KPIs, not ${kpi}`);
    const targets = panel.targets ?? [];
    assert.ok(targets.some((t) => t.refId === kpi && (t.queryType === 'anomaly' || t.queryType === 'kpi') && t.kpi === kpi), `${file}: ${panel.type}: a query for the ${kpi} tile (refId ${kpi})`);
  }
  assert.ok(options.chartKpi === 'auto' || options.kpis.includes(options.chartKpi), `${file}: chartKpi`);
  const splits = (panel.targets ?? []).filter((t) => Array.isArray(t.groupBy) && (t.groupBy as string[]).includes(options.breakdown));
  assert.ok(['auto', 'none'].includes(options.breakdown) || splits.length > 0, `${file}: ${panel.type}: breakdown by ${options.breakdown} needs queries split by it`);
  if (panel.type === 'encore-behaviour-panel') {
    const refIds = (panel.targets ?? []).map((t) => t.refId);
    for (const step of ['Starts', 'Streams', 'Completions']) assert.ok(refIds.includes(step), `${file}: the funnel's ${step} query`);
    assert.ok((panel.targets ?? []).some((t) => String(t.expr ?? '').includes('encore_session_duration_seconds_bucket') && t.legendFormat === '{{le}}'), `${file}: the session length histogram by le`);
  }
  if (panel.type === 'encore-revenue-panel') {
    assert.ok((panel.targets ?? []).some((t) => t.queryType === 'forecast'), `${file}: forecasts for the revenue panel`);
  }
}
