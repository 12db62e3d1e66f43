/**
 * Grafana's alerting templates rendered by Go's text/template (go-template/render.go), the engine
 * Grafana renders them with: summaries and descriptions of alert rules, and contact point
 * settings with the notification templates. The program is built once per test process, with the
 * Go toolchain from Debian's golang-go (scripts/ensure-system-deps.sh).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './files';

export interface AnnotationRequest {
  kind: 'annotation';
  text: string;
  /** the alert instance's labels ($labels) */
  labels: Record<string, string>;
  /** every expression's value by refId ($values) */
  values: Record<string, number>;
}

export interface NotificationAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL: string;
  silenceURL: string;
  dashboardURL?: string;
  panelURL?: string;
  values?: Record<string, number>;
}

export interface NotificationRequest {
  kind: 'notification';
  /** a contact point setting, e.g. {{ template "encore.slack.text" . }} */
  text: string;
  /** the notification template files' contents */
  templates: string[];
  notification: { receiver: string; alerts: NotificationAlert[]; externalURL: string };
}

export type RenderRequest = AnnotationRequest | NotificationRequest;
export type Rendered = { text: string; error?: undefined } | { error: string; text?: undefined };

const SOURCE = join(REPO_ROOT, 'test', 'support', 'provisioning', 'go-template', 'render.go');
let built: string | undefined;

function program(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'encore-go-template-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const binary = join(dir, 'render');
  // One file, standard library only: no module, no network.
  execFileSync('go', ['build', '-o', binary, SOURCE], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GO111MODULE: 'off', GOFLAGS: '' } });
  built = binary;
  return binary;
}

/** Renders every request in one run of the program, answers in the same order. */
export function renderTemplates(requests: readonly RenderRequest[]): Rendered[] {
  const out = execFileSync(program(), [], { input: JSON.stringify(requests), encoding: 'utf8', maxBuffer: 64 << 20 });
  const answers = JSON.parse(out) as Rendered[];
  if (answers.length !== requests.length) throw new Error(`render.go: ${answers.length} answers to ${requests.length} requests: ${out.slice(0, 500)}`);
  return answers;
}
