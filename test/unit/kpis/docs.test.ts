import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KPI_GROUP_NAMES, KPIS, kpiLabels, type KpiDefinition } from '../../../src/common/kpis/catalogue';
import { seriesName, termsOf } from '../../../src/common/kpis/expression';
import { renderPromql } from '../../../src/common/kpis/promql';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const kpisDoc = readFileSync(join(ROOT, 'docs', 'kpis.md'), 'utf8');

interface DocumentedKpi {
  section: string;
  line: number;
  name: string;
  unit: string;
  formula: string;
  splitBy: string[];
  good: string;
  slo: string;
}

/** Cells of a table row, split on unescaped pipes (`\|` stays inside a cell, as in GitHub tables). */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** Rows `| \`id\` | Name | \`unit\` | Formula | Split by | Good | Default SLO |`, with the `## ` section they are in. */
function documentedKpis(): Map<string, DocumentedKpi> {
  const rows = new Map<string, DocumentedKpi>();
  let section = '';
  kpisDoc.split('\n').forEach((line, index) => {
    const heading = /^## (.+)$/.exec(line);
    if (heading) section = heading[1]!.trim();
    if (!/^\| `[^`]*` \|/.test(line)) return;
    const row = cells(line);
    assert.equal(row.length, 7, `docs/kpis.md line ${index + 1}: expected 7 cells, got ${row.length}: ${line}`);
    const [idCell, name, unitCell, formula, splitBy, good, slo] = row as [string, string, string, string, string, string, string];
    const id = /^`([^`]+)`$/.exec(idCell)?.[1];
    assert.ok(id, `docs/kpis.md line ${index + 1}: the id cell must be exactly \`the_id\`, got ${idCell}`);
    assert.ok(!rows.has(id), `${id} is documented twice`);
    const unit = /^`([^`]+)`$/.exec(unitCell)?.[1];
    assert.ok(unit, `docs/kpis.md line ${index + 1}: the unit cell must be a Grafana unit id in backticks, got ${unitCell}`);
    rows.set(id, {
      section,
      line: index + 1,
      name,
      unit,
      formula,
      splitBy: splitBy === '—' ? [] : splitBy.split(',').map((label) => label.trim()),
      good,
      slo,
    });
  });
  return rows;
}

const sloCell = (kpi: KpiDefinition) => (kpi.slo ? `\`${kpi.slo.op} ${kpi.slo.threshold}\`` : '—');

describe('docs/kpis.md', () => {
  const documented = documentedKpis();

  it('documents every KPI with its exact name, unit, split-by labels, good direction and SLO', () => {
    for (const kpi of KPIS) {
      const row = documented.get(kpi.id);
      assert.ok(row, `${kpi.id} is not documented in docs/kpis.md`);
      assert.equal(row.name, kpi.name, `${kpi.id}: name`);
      assert.equal(row.unit, kpi.unit, `${kpi.id}: unit`);
      assert.deepEqual(row.splitBy, kpiLabels(kpi), `${kpi.id}: split by`);
      assert.equal(row.good, kpi.good, `${kpi.id}: good direction`);
      assert.equal(row.slo, sloCell(kpi), `${kpi.id}: default SLO`);
    }
  });

  it('documents no KPI that does not exist', () => {
    const ids = new Set(KPIS.map((kpi) => kpi.id));
    for (const id of documented.keys()) assert.ok(ids.has(id), `docs/kpis.md documents ${id}, which is not in the catalogue`);
  });

  it('puts each KPI in the section of its group, in catalogue order', () => {
    for (const kpi of KPIS) {
      assert.equal(documented.get(kpi.id)?.section, KPI_GROUP_NAMES[kpi.group], `${kpi.id}: section`);
    }
    const documentedOrder = [...documented.entries()].sort((a, b) => a[1].line - b[1].line).map(([id]) => id);
    assert.deepEqual(documentedOrder, KPIS.map((kpi) => kpi.id));
  });

  it('names in each formula every series the KPI reads', () => {
    for (const kpi of KPIS) {
      const row = documented.get(kpi.id);
      assert.ok(row, kpi.id);
      for (const term of termsOf(kpi.formula)) {
        const series = seriesName(term);
        assert.match(row.formula, new RegExp(`\\b${series}\\b`), `${kpi.id}: the formula should mention ${series}`);
      }
    }
  });

  it('shows the PromQL that rebuffering_ratio grouped by market really compiles to', () => {
    const kpi = KPIS.find((k) => k.id === 'rebuffering_ratio');
    assert.ok(kpi);
    // The page's example is for a 1-minute step at the default 15s scrape interval: a 1m15s window.
    const expected = renderPromql(kpi.formula, { filters: [], groupBy: ['market'], window: '1m15s' });
    const blocks = [...kpisDoc.matchAll(/```promql\n([\s\S]*?)\n```/g)].map((match) => match[1]);
    assert.ok(blocks.includes(expected), `docs/kpis.md should contain this PromQL in a promql block:\n${expected}`);
  });
});
