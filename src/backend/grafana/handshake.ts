/**
 * go-plugin's start-up contract: the magic cookie, app-protocol negotiation, the port range,
 * and the single handshake line that must be the first thing on stdout.
 */

export const MAGIC_COOKIE_KEY = 'grafana_plugin_type';
export const MAGIC_COOKIE_VALUE = 'datasource';
export const CORE_PROTOCOL_VERSION = 1;
/** The only app protocol Grafana speaks to backend plugins today. */
export const SUPPORTED_APP_VERSIONS = [2];

export interface StartupPlan {
  appVersion: number;
  minPort: number;
  maxPort: number;
  /** host asked for a multiplexing flag (7th field) */
  multiplexFieldRequested: boolean;
}

export class StartupRefused extends Error {
  override name = 'StartupRefused';
}

function parsePort(env: NodeJS.ProcessEnv, key: string): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StartupRefused(`${key}: expected a port number 0-65535, got "${raw}"`);
  }
  return port;
}

/** Decides how to start from the environment go-plugin set, or says why it cannot. */
export function planStartup(env: NodeJS.ProcessEnv): StartupPlan {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new StartupRefused(
      'This executable is the backend of the Encore Grafana data source; Grafana starts it. ' +
        `It refuses to run without the plugin handshake (environment ${MAGIC_COOKIE_KEY}=${MAGIC_COOKIE_VALUE}).`,
    );
  }
  if (env.PLUGIN_CLIENT_CERT) {
    throw new StartupRefused(
      'The host asked for AutoMTLS (PLUGIN_CLIENT_CERT is set); Grafana never does, and Encore serves plaintext gRPC on loopback only.',
    );
  }
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map(Number);
  // go-plugin falls back to the plugin's own version when the host lists none.
  const candidates = offered.length === 0 ? SUPPORTED_APP_VERSIONS : offered;
  const agreed = SUPPORTED_APP_VERSIONS.filter((v) => candidates.includes(v));
  if (agreed.length === 0) {
    throw new StartupRefused(
      `PLUGIN_PROTOCOL_VERSIONS: the host offers ${offered.join(',')} but this plugin speaks ${SUPPORTED_APP_VERSIONS.join(',')}`,
    );
  }
  const minPort = parsePort(env, 'PLUGIN_MIN_PORT');
  const maxPort = parsePort(env, 'PLUGIN_MAX_PORT');
  if (maxPort !== 0 && minPort > maxPort) {
    throw new StartupRefused(`PLUGIN_MIN_PORT (${minPort}) is above PLUGIN_MAX_PORT (${maxPort})`);
  }
  return {
    appVersion: Math.max(...agreed),
    minPort,
    maxPort,
    multiplexFieldRequested: env.PLUGIN_MULTIPLEX_GRPC !== undefined && env.PLUGIN_MULTIPLEX_GRPC !== '',
  };
}

export function handshakeLine(plan: StartupPlan, address: string): string {
  const fields = [String(CORE_PROTOCOL_VERSION), String(plan.appVersion), 'tcp', address, 'grpc'];
  // Field 6 (server cert) stays empty: no AutoMTLS. Field 7 only when the host asked; we never multiplex.
  if (plan.multiplexFieldRequested) fields.push('', 'false');
  return fields.join('|') + '\n';
}
