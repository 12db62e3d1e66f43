/**
 * docker-compose.yml and .env.example for tests: parsing, and the Compose Specification's
 * interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$$`), which Docker is not here to do.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../src/stack/services';

export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
export const ENV_EXAMPLE = join(REPO_ROOT, '.env.example');

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string } | string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: Array<string | number | Record<string, unknown>>;
  volumes?: Array<string | Record<string, unknown>>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  user?: string;
  [key: string]: unknown;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

export function readComposeText(): string {
  return readFileSync(COMPOSE_FILE, 'utf8');
}

export function parseCompose(text = readComposeText()): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

/** KEY=VALUE lines of an env file (comments and blank lines skipped; no quoting is used in ours). */
export function parseEnvFile(text = readFileSync(ENV_EXAMPLE, 'utf8')): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`.env.example: not KEY=VALUE: ${JSON.stringify(line)}`);
    vars.set(match[1]!, match[2]!);
  }
  return vars;
}

const REFERENCE = /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

export interface Reference {
  name: string;
  /** `:-`, `-`, `:?`, ... or undefined for a bare ${VAR} */
  operator?: string;
  argument?: string;
}

/** Every ${VAR...} / $VAR in a text. */
export function references(text: string): Reference[] {
  const found: Reference[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    if (match[1] === '$') continue;
    const name = match[2] ?? match[5]!;
    found.push({ name, operator: match[3], argument: match[4] });
  }
  return found;
}

/** Interpolates one string as Compose does, with `vars` as the environment. */
export function interpolate(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(REFERENCE, (whole, dollar: string, braced?: string, operator?: string, argument?: string, bare?: string) => {
    if (dollar === '$') return '$';
    const name = braced ?? bare!;
    const value = vars.get(name);
    switch (operator) {
      case ':-':
        return value === undefined || value === '' ? (argument ?? '') : value;
      case '-':
        return value === undefined ? (argument ?? '') : value;
      case ':?':
      case '?':
        if (value === undefined || (operator === ':?' && value === '')) throw new Error(`${name}: ${argument ?? 'required'}`);
        return value;
      case ':+':
        return value === undefined || value === '' ? '' : (argument ?? '');
      case '+':
        return value === undefined ? '' : (argument ?? '');
      default:
        return value ?? '';
    }
  });
}

/** A deep copy of a parsed YAML value with every string interpolated. */
export function interpolateAll<T>(value: T, vars: ReadonlyMap<string, string>): T {
  if (typeof value === 'string') return interpolate(value, vars) as T;
  if (Array.isArray(value)) return value.map((item) => interpolateAll(item, vars)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, vars)])) as T;
  return value;
}

/** `FROM image AS name` stages of a Dockerfile. */
export function dockerStages(text: string): Array<{ image: string; name?: string }> {
  return [...text.matchAll(/^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/gim)].map((m) => ({ image: m[1]!, name: m[2] }));
}
