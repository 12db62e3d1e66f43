import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { PrometheusConfigError, renderPrometheusConfig, scrapeTargets } from '../../../src/stack/prometheus-config';
import { nativeScrapeTargets, repoPath, STACK_FILES } from '../../../src/stack/services';

const shared = readFileSync(repoPath(STACK_FILES.prometheusConfig), 'utf8');
const ports = { prometheus: 41000, collector: 42000 };

describe('the native copy of provisioning/prometheus/prometheus.yml', () => {
  it('knows a native address for every scrape target of the shared file', () => {
    const targets = scrapeTargets(shared);
    assert.deepEqual(targets, ['collector:9464', 'localhost:9090']);
    for (const target of targets) assert.ok(nativeScrapeTargets(ports)[target], target);
  });

  it('differs from the shared file in the targets only', () => {
    const rendered = renderPrometheusConfig(shared, nativeScrapeTargets(ports));
    const original = parse(shared) as { scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }> };
    const copy = parse(rendered) as typeof original;
    assert.deepEqual(scrapeTargets(rendered), ['127.0.0.1:42000', '127.0.0.1:41000']);
    for (const job of original.scrape_configs) for (const group of job.static_configs) group.targets = group.targets.map((t) => nativeScrapeTargets(ports)[t]!);
    assert.deepEqual(copy, original);
    // comments survive, and the copy says where it comes from
    assert.match(rendered, /^# Rendered from provisioning\/prometheus\/prometheus\.yml by the native Encore stack/);
    assert.ok(rendered.includes("# The Encore data source's default scrapeInterval"));
    const changed = rendered.split('\n').slice(1).filter((line, i) => line !== shared.split('\n')[i]);
    assert.deepEqual(changed, ["      - targets: ['127.0.0.1:42000']", "      - targets: ['127.0.0.1:41000']"]);
  });

  it('refuses a target it has no native address for, naming it', () => {
    const withExtra = `${shared}\n  - job_name: grafana\n    static_configs:\n      - targets: ['grafana:3000']\n`;
    assert.throws(() => renderPrometheusConfig(withExtra, nativeScrapeTargets(ports)), (error: Error) => {
      assert.ok(error instanceof PrometheusConfigError);
      assert.match(error.message, /no native address for the scrape target\(s\) grafana:3000/);
      return true;
    });
  });

  it('refuses text that is not YAML, and accepts a file without scrape jobs', () => {
    assert.throws(() => renderPrometheusConfig('global: [unclosed', {}), PrometheusConfigError);
    assert.match(renderPrometheusConfig('global:\n  scrape_interval: 15s\n', {}), /scrape_interval: 15s/);
  });
});
