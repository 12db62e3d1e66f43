import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REJECTION_REASONS } from '../../../src/collector/ingest/rules';
import { SELF_METRICS } from '../../../src/collector/self-metrics';
import { STREAMING_METRICS, type MetricDefinition } from '../../../src/common/streaming-metrics';
import { EVENT_SCHEMA_FILE, eventJsonSchemaText } from '../../../scripts/write-event-schema';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const metricsDoc = readFileSync(join(ROOT, 'docs', 'metrics.md'), 'utf8');
const eventsDoc = readFileSync(join(ROOT, 'docs', 'events.md'), 'utf8');

/** Rows `| \`name\` | type | labels | buckets | meaning |` of docs/metrics.md. */
function documentedMetrics(): Map<string, { type: string; labels: string[]; buckets: string }> {
  const rows = new Map<string, { type: string; labels: string[]; buckets: string }>();
  for (const line of metricsDoc.split('\n')) {
    const match = /^\| `(encore_[a-z_]+)` \| ([a-z]+) \| ([^|]*) \| ([^|]*) \|/.exec(line);
    if (!match) continue;
    assert.ok(!rows.has(match[1]!), `${match[1]} is documented twice`);
    const labels = match[3]!.trim() === '—' ? [] : match[3]!.split(',').map((l) => l.trim());
    rows.set(match[1]!, { type: match[2]!, labels, buckets: match[4]!.trim() });
  }
  return rows;
}

describe('docs/metrics.md', () => {
  const documented = documentedMetrics();
  const defined: MetricDefinition[] = [...Object.values(STREAMING_METRICS), ...Object.values(SELF_METRICS)];

  it('documents every metric with its exact type, labels and buckets', () => {
    for (const definition of defined) {
      const row = documented.get(definition.name);
      assert.ok(row, `${definition.name} is not documented in docs/metrics.md`);
      assert.equal(row.type, definition.type, `${definition.name}: type`);
      assert.deepEqual(row.labels, [...definition.labels], `${definition.name}: labels`);
      assert.equal(row.buckets, definition.buckets ? definition.buckets.join(', ') : '—', `${definition.name}: buckets`);
    }
  });

  it('documents no metric that does not exist', () => {
    const names = new Set(defined.map((d) => d.name));
    for (const name of documented.keys()) assert.ok(names.has(name), `docs/metrics.md documents ${name}, which is not defined`);
  });

  it('explains every label', () => {
    const labels = new Set(Object.values(STREAMING_METRICS).flatMap((d) => d.labels));
    for (const label of labels) assert.match(metricsDoc, new RegExp(`^\\| \`${label}\`( \\(.*\\))? \\|`, 'm'), `label ${label}`);
  });
});

describe('docs/events.md', () => {
  it('lists every rejection class', () => {
    for (const reason of REJECTION_REASONS) assert.ok(eventsDoc.includes(`| \`${reason}\` |`), reason);
  });
});

describe('docs/streaming-event.schema.json', () => {
  it('is what eventJsonSchema() generates (run npm run docs:event-schema when this fails)', () => {
    assert.equal(readFileSync(EVENT_SCHEMA_FILE, 'utf8'), eventJsonSchemaText(), 'docs/streaming-event.schema.json is stale: run npm run docs:event-schema');
  });
});
