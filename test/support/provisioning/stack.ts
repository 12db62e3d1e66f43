/**
 * The stack the provisioning integration tests query: a real Prometheus holding a simulator
 * backfill of the last hours (up to a minute ago), so every KPI the rules and dashboards read has
 * data "now", as a live stack would. Tests get the provisioned data sources through `env` (what
 * the stack would put in Grafana's environment, ENCORE_PROMETHEUS_URL), so this is the one place
 * that knows where Prometheus is: switch it to the native stack (`npm run stack`) here.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSourceInput } from '../../harness/plugin-context';
import { startPrometheus, type PrometheusFixture } from '../prometheus';
import { runSimulator } from '../simulator';
import type { Env } from './grafana-env';
import { provisionedDataSource } from './files';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface ProvisioningStack {
  /** Grafana's environment for the provisioning files: where the stack's Prometheus is */
  env: Env;
  /** the backfill's first and last sample (epoch ms) */
  startMs: number;
  endMs: number;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** hours of history before now (default 6) */
  hours?: number;
  users?: number;
}

export async function startProvisioningStack(options: StackOptions = {}): Promise<ProvisioningStack> {
  const dir = mkdtempSync(join(tmpdir(), 'encore-provisioning-'));
  let prom: PrometheusFixture | undefined;
  try {
    const endMs = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
    const startMs = endMs - (options.hours ?? 6) * HOUR;
    const out = join(dir, 'om');
    await runSimulator([
      'backfill', '--from', new Date(startMs).toISOString(), '--to', new Date(endMs).toISOString(),
      '--interval', '60s', '--warmup', '30m', '--users', String(options.users ?? 30_000), '--seed', '23', '--out', out,
    ]);
    const files = readdirSync(out).filter((name) => name.endsWith('.om')).map((name) => join(out, name));
    prom = await startPrometheus({ data: false, openMetricsFiles: files });
    rmSync(out, { recursive: true, force: true });
    const fixture = prom;
    return {
      env: { ENCORE_PROMETHEUS_URL: fixture.url },
      startMs,
      endMs,
      stop: async () => {
        await fixture.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A provisioned data source as Grafana hands it to the plugin (DataSourceInstanceSettings). */
export function dataSourceInput(uid: string, env: Env): DataSourceInput {
  const ds = provisionedDataSource(uid, env);
  return {
    uid: ds.uid,
    name: ds.name,
    url: ds.url ?? '',
    basicAuth: ds.basicAuth ?? false,
    basicAuthUser: ds.basicAuthUser ?? '',
    jsonData: ds.jsonData ?? {},
    secureJsonData: ds.secureJsonData ?? {},
  };
}
