// The provisioned data sources and plugins: the Encore app is enabled, the Prometheus data source
// takes its URL from the environment (Grafana has no default syntax, so the stack must set it),
// the demo data source needs nothing, and their settings are ones the backend accepts.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { APP_PLUGIN_ID, DATASOURCE_PLUGIN_ID } from '../../../src/common/plugin-ids';
import { dataSourceOptionsSchema, scrapeIntervalMs } from '../../../src/common/settings';
import { parseDuration } from '../../../src/common/validation';
import { loadProvisioning, provisionedDataSource, readYaml, REPO_ROOT } from '../../support/provisioning/files';

// The stack's environment for the provisioning files, secrets left out (the checks below read them raw).
const ENV = { ENCORE_PROMETHEUS_URL: 'http://prometheus:9090', ENCORE_REDIS_ADDRESS: 'redis:6379' };

describe('provisioned data sources', () => {
  const p = loadProvisioning(ENV);

  it('are Encore data sources with the uids dashboards and alert rules use, one of them the default', () => {
    for (const ds of p.dataSources) assert.equal(ds.type, DATASOURCE_PLUGIN_ID, ds.name);
    assert.equal(p.dataSources.filter((ds) => ds.isDefault).length, 1, 'exactly one default data source');
    assert.equal(new Set(p.dataSources.map((ds) => ds.name)).size, p.dataSources.length, 'distinct names');
  });

  it('point encore-prometheus at ENCORE_PROMETHEUS_URL and encore-demo at the built-in demo', () => {
    const prometheus = provisionedDataSource('encore-prometheus', ENV);
    assert.equal(prometheus.url, 'http://prometheus:9090');
    assert.equal(prometheus.jsonData?.sourceKind, 'prometheus');
    assert.equal(provisionedDataSource('encore-prometheus', { ENCORE_PROMETHEUS_URL: 'http://127.0.0.1:19090' }).url, 'http://127.0.0.1:19090');
    // Unset, Grafana reads an empty URL: the stack has to provide the variable.
    assert.equal(provisionedDataSource('encore-prometheus', {}).url, '');
    const demo = provisionedDataSource('encore-demo', {});
    assert.equal(demo.jsonData?.sourceKind, 'demo');
    assert.equal(demo.url ?? '', '');
  });

  it("share encore-prometheus's results through the stack's Redis, encrypted with a key from the environment", () => {
    const prometheus = provisionedDataSource('encore-prometheus', { ...ENV, ENCORE_CACHE_KEY: 'k'.repeat(44) });
    assert.equal(prometheus.jsonData?.cacheMode, 'redis');
    assert.equal(prometheus.jsonData?.cacheRedisAddress, 'redis:6379');
    assert.equal(prometheus.secureJsonData?.cacheEncryptionKey, 'k'.repeat(44));
  });

  it('have jsonData the backend accepts, with no secret inline', () => {
    const known = Object.keys(dataSourceOptionsSchema.shape);
    for (const ds of p.dataSources) {
      const parsed = dataSourceOptionsSchema.safeParse(ds.jsonData ?? {});
      assert.ok(parsed.success, `${ds.uid}: ${parsed.success ? '' : parsed.error.message}`);
      for (const key of Object.keys(ds.jsonData ?? {})) assert.ok(known.includes(key), `${ds.uid}: jsonData.${key} is no Encore setting (${known.join(', ')})`);
      for (const [key, value] of Object.entries(ds.secureJsonData ?? {})) assert.match(value, /^$|^\$\{?[A-Z0-9_]+\}?$/, `${ds.uid}: secureJsonData.${key} must come from the environment`);
    }
  });

  it('say the scrape interval prometheus.yml scrapes the collector with, when the stack has one', () => {
    const prometheus = provisionedDataSource('encore-prometheus', ENV);
    const configured = scrapeIntervalMs(prometheus.jsonData ?? {});
    const file = [join(REPO_ROOT, 'provisioning', 'prometheus', 'prometheus.yml'), join(REPO_ROOT, 'prometheus.yml')].find((f) => existsSync(f));
    if (!file) return;
    const config = readYaml(file) as { global?: { scrape_interval?: string }; scrape_configs?: Array<{ job_name?: string; scrape_interval?: string; static_configs?: Array<{ targets?: string[] }> }> };
    const collector = config.scrape_configs?.find((job) => /collector|encore/i.test(job.job_name ?? '') || job.static_configs?.some((c) => c.targets?.some((t) => t.endsWith(':9464'))));
    const interval = collector?.scrape_interval ?? config.global?.scrape_interval ?? '1m';
    assert.equal(configured, parseDuration(interval), `jsonData.scrapeInterval (${prometheus.jsonData?.scrapeInterval}) must equal the collector's scrape interval in prometheus.yml (${interval})`);
  });
});

describe('provisioned plugins', () => {
  it('enable the Encore app (and with it its data source and panels) in org 1', () => {
    const { apps } = loadProvisioning(ENV);
    const app = apps.find((a) => a.type === APP_PLUGIN_ID);
    assert.ok(app, 'the Encore app is provisioned');
    assert.equal(app.disabled, false);
    assert.equal(app.org_id ?? 1, 1);
  });
});

describe("docker compose's Grafana", () => {
  it('gets every variable the provisioning files read, each with a default (Grafana has no default syntax)', (t) => {
    const file = join(REPO_ROOT, 'docker-compose.yml');
    const compose = readYaml(file) as { services?: Record<string, { environment?: Record<string, unknown> | string[]; volumes?: string[] }> };
    const grafana = compose.services?.grafana;
    const mounts = (grafana?.volumes ?? []).some((v) => /provisioning(\/alerting)?:\/etc\/grafana\/provisioning/.test(v));
    if (!mounts) {
      t.skip('docker-compose.yml does not mount provisioning/ into Grafana');
      return;
    }
    const environment = Array.isArray(grafana?.environment)
      ? Object.fromEntries(grafana.environment.map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)]))
      : (grafana?.environment ?? {});
    const needed = [...new Set(loadProvisioning(ENV).envReferences.map((r) => r.name))].sort();
    const missing = needed.filter((name) => !(name in environment));
    assert.deepEqual(missing, [], `services.grafana.environment must set ${missing.join(', ')} (e.g. ENCORE_PROMETHEUS_URL: \${ENCORE_PROMETHEUS_URL:-http://prometheus:9090}); see docs/provisioning.md`);
    // The cache key has no default in the file (it is a secret): Grafana's image makes one on its
    // first start, before Grafana reads the provisioning, when .env sets none.
    const entrypoint = readFileSync(join(REPO_ROOT, 'scripts', 'docker', 'grafana-entrypoint.sh'), 'utf8');
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /COPY .*scripts\/docker\/grafana-entrypoint\.sh \/encore-entrypoint\.sh\nENTRYPOINT \["\/encore-entrypoint\.sh"\]/, 'the Grafana image starts through the entrypoint that makes the cache key');
    const madeAtStart = new Set([...entrypoint.matchAll(/^\s*export ([A-Z0-9_]+)$/gm)].map((m) => m[1]!));
    assert.ok(madeAtStart.has('ENCORE_CACHE_KEY') && entrypoint.includes('exec /run.sh'), 'the entrypoint exports ENCORE_CACHE_KEY, then runs Grafana\'s own');
    for (const name of needed) {
      if (madeAtStart.has(name)) assert.equal(environment[name], `\${${name}:-}`, `${name} is passed through from .env, empty by default`);
      else assert.match(String(environment[name]), /^\$\{[A-Z0-9_]+:-.+\}$|^[^$]+$/, `${name} has a default in compose`);
    }
  });
});
