/**
 * Grafana's environment interpolation of provisioning files (pkg/services/provisioning/values):
 * each string value goes through os.ExpandEnv after `$$` is set aside as a literal `$`, so
 * `$VAR` and `${VAR}` are replaced (an unset variable becomes the empty string: Go has no
 * `${VAR:-default}`), and `$__env{VAR}` / `$__file{path}` are Grafana's own expanders.
 *
 * Which values Grafana interpolates differs by field; the readers (files.ts) apply this where
 * Grafana does: data source and contact point fields, rule titles and labels, but not alert query
 * models (Grafana reads their raw value), not rule annotations except `${VAR}` (braced only, so
 * `{{ $labels.market }}` survives), and not notification templates.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** Names Go's os.Expand reads after `$`: a shell special character, or [A-Za-z0-9_]+. */
const NAME = /^[A-Za-z0-9_]+/;
const SPECIAL = /^[*#$@!?\-0-9]/;

/**
 * Every reference in the text, as os.Expand sees it: `${NAME}`, `$NAME`, and Grafana's
 * `$__env{NAME}`. `$$` is a literal dollar and no reference.
 */
export function envReferences(text: string, options: { bracedOnly?: boolean } = {}): string[] {
  const names: string[] = [];
  for (const part of text.split('$$')) {
    for (let i = part.indexOf('$'); i !== -1; i = part.indexOf('$', i + 1)) {
      const rest = part.slice(i + 1);
      const env = /^__env\{([^}]*)\}/.exec(rest);
      if (env) {
        names.push(env[1]!);
        continue;
      }
      if (rest.startsWith('__file{')) continue;
      if (rest.startsWith('{')) {
        const end = rest.indexOf('}');
        if (end > 0) names.push(rest.slice(1, end));
        continue;
      }
      if (options.bracedOnly) continue;
      const name = NAME.exec(rest)?.[0] ?? SPECIAL.exec(rest)?.[0];
      if (name) names.push(name);
    }
  }
  return names;
}

/** The value Grafana reads: references replaced from `env`, `$$` kept as one `$`. */
export function interpolate(text: string, env: Env, options: { bracedOnly?: boolean } = {}): string {
  return text
    .split('$$')
    .map((part) =>
      part
        .replace(/\$__env\{([^}]*)\}/g, (_m, name: string) => env[name] ?? '')
        .replace(/\$\{([^}]*)\}/g, (_m, name: string) => env[name] ?? '')
        .replace(options.bracedOnly ? /(?!)/g : /\$([A-Za-z0-9_]+)/g, (_m, name: string) => env[name] ?? ''),
    )
    .join('$');
}

/** Every string inside a YAML/JSON value, interpolated (objects and arrays copied). */
export function interpolateDeep<T>(value: T, env: Env): T {
  if (typeof value === 'string') return interpolate(value, env) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)])) as T;
  return value;
}

/** Every string inside a value, with its path, for reference checks. */
export function stringsIn(value: unknown, path = ''): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringsIn(v, path ? `${path}.${k}` : k));
  return [];
}
