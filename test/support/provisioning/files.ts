/**
 * Reads the repository's provisioning/ folder the way Grafana reads its provisioning folder:
 * datasources/*.yaml, plugins/*.yaml, dashboards/*.yaml (providers) with the dashboard JSON they
 * point at, alerting/*.yaml. Each file is parsed as YAML and checked against the strict schemas;
 * values are interpolated from `env` where Grafana interpolates them (grafana-env.ts). Problems
 * are collected, each naming its file and path, and thrown together.
 *
 * This is also the one place a test gets "the provisioned data source" from: pass the stack's
 * Prometheus URL as ENCORE_PROMETHEUS_URL and the data source comes back pointing at it.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseDocument } from 'yaml';
import type { z } from 'zod';
import { dashboardSchema, type Dashboard } from './dashboard-schema';
import { envReferences, interpolate, interpolateDeep, stringsIn, type Env } from './grafana-env';
import {
  alertingFileSchema,
  dashboardProvidersFileSchema,
  dataSourcesFileSchema,
  pluginsFileSchema,
  type AlertingFile,
  type AlertRule,
  type AlertRuleGroup,
  type ProvisionedDataSource,
} from './schemas';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const PROVISIONING_DIR = join(REPO_ROOT, 'provisioning');
/** Where Grafana's Docker image and Linux packages read provisioning from (compose mounts ours there). */
export const GRAFANA_PROVISIONING_PATH = '/etc/grafana/provisioning';

export type Kind = 'datasources' | 'plugins' | 'dashboards' | 'alerting';
const SCHEMAS = { datasources: dataSourcesFileSchema, plugins: pluginsFileSchema, dashboards: dashboardProvidersFileSchema, alerting: alertingFileSchema } as const;
export type FileOf<K extends Kind> = z.infer<(typeof SCHEMAS)[K]>;

export interface EnvReference {
  file: string;
  path: string;
  name: string;
}

export interface Provisioning {
  dataSources: Array<ProvisionedDataSource & { file: string }>;
  apps: Array<FileOf<'plugins'>['apps'][number] & { file: string }>;
  providers: Array<FileOf<'dashboards'>['providers'][number] & { file: string; dir: string }>;
  dashboards: Array<{ file: string; dashboard: Dashboard }>;
  groups: Array<AlertRuleGroup & { file: string }>;
  contactPoints: Array<NonNullable<AlertingFile['contactPoints']>[number] & { file: string }>;
  policies: Array<NonNullable<AlertingFile['policies']>[number] & { file: string }>;
  templates: Array<NonNullable<AlertingFile['templates']>[number] & { file: string }>;
  /** every $VAR / ${VAR} in a value Grafana interpolates */
  envReferences: EnvReference[];
}

export class ProvisioningError extends Error {
  constructor(readonly problems: string[]) {
    super(`provisioning: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  }
}

/** One provisioning file's text checked as Grafana would read it: the problems, or the parsed value. */
export function checkFile<K extends Kind>(kind: K, text: string, name = `${kind}.yaml`): { problems: string[]; value?: FileOf<K> } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return { problems: doc.errors.map((e) => `${name}: YAML: ${e.message}`) };
  const parsed = SCHEMAS[kind].safeParse(doc.toJS());
  if (!parsed.success) return { problems: parsed.error.issues.map((issue) => `${name}: ${issue.path.join('.') || '(file)'}: ${issue.message}`) };
  return { problems: [], value: parsed.data as FileOf<K> };
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** Where a provider's container path lies in this repository. */
export function providerDir(path: string, root = PROVISIONING_DIR): string {
  const prefix = `${GRAFANA_PROVISIONING_PATH}/`;
  return path.startsWith(prefix) ? join(root, path.slice(prefix.length)) : path;
}

/** The strings of an alerting file Grafana interpolates, with how (alert query models and templates are read raw). */
function alertingStrings(value: AlertingFile): Array<{ path: string; text: string; bracedOnly: boolean }> {
  const out: Array<{ path: string; text: string; bracedOnly: boolean }> = [];
  value.groups?.forEach((group, g) => {
    const { rules, ...rest } = group;
    out.push(...stringsIn(rest, `groups[${g}]`).map((s) => ({ ...s, bracedOnly: false })));
    rules.forEach((rule, r) => {
      const { data, annotations, ...ruleRest } = rule;
      const at = `groups[${g}].rules[${r}]`;
      out.push(...stringsIn(ruleRest, at).map((s) => ({ ...s, bracedOnly: false })));
      out.push(...stringsIn(annotations ?? {}, `${at}.annotations`).map((s) => ({ ...s, bracedOnly: true })));
      data.forEach((q, i) => {
        const { model: _model, ...queryRest } = q;
        out.push(...stringsIn(queryRest, `${at}.data[${i}]`).map((s) => ({ ...s, bracedOnly: false })));
      });
    });
  });
  for (const key of ['contactPoints', 'policies', 'deleteRules', 'deleteContactPoints', 'muteTimes'] as const) {
    out.push(...stringsIn(value[key] ?? [], key).map((s) => ({ ...s, bracedOnly: false })));
  }
  return out;
}

/** Rule fields Grafana reads interpolated (title, labels): annotations only `${VAR}`; models raw. */
function interpolateRule(rule: AlertRule, env: Env): AlertRule {
  return {
    ...rule,
    title: interpolate(rule.title, env),
    labels: rule.labels && interpolateDeep(rule.labels, env),
    annotations: rule.annotations && Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, interpolate(v, env, { bracedOnly: true })])),
  };
}

export function loadProvisioning(env: Env = {}, root = PROVISIONING_DIR): Provisioning {
  const problems: string[] = [];
  const out: Provisioning = { dataSources: [], apps: [], providers: [], dashboards: [], groups: [], contactPoints: [], policies: [], templates: [], envReferences: [] };
  const read = <K extends Kind>(kind: K) =>
    yamlFiles(join(root, kind)).flatMap((path) => {
      const file = relative(REPO_ROOT, path);
      const { problems: found, value } = checkFile(kind, readFileSync(path, 'utf8'), file);
      problems.push(...found);
      return value ? [{ file, value }] : [];
    });
  const noteRefs = (file: string, strings: Array<{ path: string; text: string; bracedOnly?: boolean }>) => {
    for (const s of strings) for (const name of envReferences(s.text, { bracedOnly: s.bracedOnly })) out.envReferences.push({ file, path: s.path, name });
  };

  for (const { file, value } of read('datasources')) {
    noteRefs(file, stringsIn(value));
    out.dataSources.push(...interpolateDeep(value.datasources, env).map((ds) => ({ ...ds, file })));
  }
  for (const { file, value } of read('plugins')) {
    noteRefs(file, stringsIn(value));
    out.apps.push(...interpolateDeep(value.apps, env).map((app) => ({ ...app, file })));
  }
  for (const { file, value } of read('dashboards')) {
    noteRefs(file, stringsIn(value));
    for (const provider of interpolateDeep(value.providers, env)) {
      const dir = providerDir(provider.options.path, root);
      out.providers.push({ ...provider, file, dir });
      if (!existsSync(dir)) {
        problems.push(`${file}: provider ${provider.name}: options.path ${provider.options.path} is not a folder of provisioning/ (${relative(REPO_ROOT, dir)})`);
        continue;
      }
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
        const dashboardFile = relative(REPO_ROOT, join(dir, name));
        let json: unknown;
        try {
          json = JSON.parse(readFileSync(join(dir, name), 'utf8'));
        } catch (error) {
          problems.push(`${dashboardFile}: not JSON: ${(error as Error).message}`);
          continue;
        }
        const parsed = dashboardSchema.safeParse(json);
        if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => `${dashboardFile}: ${issue.path.join('.')}: ${issue.message}`));
        else out.dashboards.push({ file: dashboardFile, dashboard: parsed.data });
      }
    }
  }
  for (const { file, value } of read('alerting')) {
    noteRefs(file, alertingStrings(value));
    for (const group of value.groups ?? []) {
      out.groups.push({ ...group, name: interpolate(group.name, env), folder: interpolate(group.folder, env), rules: group.rules.map((r) => interpolateRule(r, env)), file });
    }
    out.contactPoints.push(...interpolateDeep(value.contactPoints ?? [], env).map((cp) => ({ ...cp, file })));
    out.policies.push(...interpolateDeep(value.policies ?? [], env).map((p) => ({ ...p, file })));
    // Templates are read raw: Go template code keeps its $.
    out.templates.push(...(value.templates ?? []).map((t) => ({ ...t, file })));
  }
  if (problems.length > 0) throw new ProvisioningError(problems);
  return out;
}

/** The provisioned data source with this uid, its URL and settings interpolated from `env`. */
export function provisionedDataSource(uid: string, env: Env, root = PROVISIONING_DIR): ProvisionedDataSource {
  const found = loadProvisioning(env, root).dataSources.find((ds) => ds.uid === uid);
  if (!found) throw new Error(`no provisioned data source with uid ${uid}`);
  return found;
}

/** YAML parsing as the tests need it elsewhere (e.g. prometheus.yml). */
export function readYaml(path: string): unknown {
  return parseYaml(readFileSync(path, 'utf8'));
}
