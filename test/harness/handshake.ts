/**
 * The host side of go-plugin's handshake line (fact sheet §1.3), judged the way go-plugin's
 * client does — trim, split on '|' into at most 6 parts, then check core version, app version,
 * network and protocol — plus the checks this repository adds on top because it is the only
 * stand-in for Grafana we have: the address must be loopback and resolvable as Go would.
 */

export const CORE_PROTOCOL_VERSION = 1;

export interface Handshake {
  /** the line exactly as read, without the newline */
  raw: string;
  core: number;
  app: number;
  network: 'tcp' | 'unix';
  /** host:port for tcp, absolute path for unix */
  address: string;
  protocol: 'grpc';
  /** field 6: base64 DER certificate for AutoMTLS; '' or absent without it */
  serverCert: string | undefined;
  /** grpc-js target for this address */
  target: string;
}

export class HandshakeError extends Error {
  override name = 'HandshakeError';
  constructor(
    message: string,
    readonly line: string,
  ) {
    super(`${message} (line: ${JSON.stringify(line)})`);
  }
}

/** Go's strconv.Atoi: optional sign, decimal digits only. */
function goAtoi(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function splitHostPort(address: string): { host: string; port: number } | undefined {
  // Go's ResolveTCPAddr wants host:port, with brackets around IPv6 hosts.
  const match = /^(\[[^\]]+\]|[^:[\]]*):(\d+)$/.exec(address);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 0 || port > 65535) return undefined;
  return { host: match[1]!, port };
}

export interface HandshakeRules {
  /** app protocol versions the host offered in PLUGIN_PROTOCOL_VERSIONS (Grafana: [2]) */
  offeredVersions: number[];
  /** reject addresses that are not loopback (default true: tests must never talk off-host) */
  requireLoopback?: boolean;
}

export function parseHandshakeLine(line: string, rules: HandshakeRules): Handshake {
  const trimmed = line.trim();
  // go-plugin: SplitN(line, "|", 6) — a 7th field (mux) stays glued to the 6th.
  const parts = splitN(trimmed, '|', 6);
  if (parts.length < 4) {
    throw new HandshakeError(
      'Unrecognized remote plugin message: expected CORE|APP|NETWORK|ADDRESS|PROTOCOL as the first stdout line',
      line,
    );
  }
  const [coreText, appText, network, address] = parts as [string, string, string, string];
  const core = goAtoi(coreText);
  if (core === undefined) throw new HandshakeError(`Error parsing core protocol version "${coreText}"`, line);
  if (core !== CORE_PROTOCOL_VERSION) {
    throw new HandshakeError(`Incompatible core API version with plugin: plugin ${core}, core ${CORE_PROTOCOL_VERSION}`, line);
  }
  const app = goAtoi(appText);
  if (app === undefined) throw new HandshakeError(`Error parsing protocol version "${appText}"`, line);
  if (!rules.offeredVersions.includes(app)) {
    throw new HandshakeError(
      `Incompatible API version with plugin: plugin ${app}, host offered ${rules.offeredVersions.join(',')}`,
      line,
    );
  }
  // Grafana refuses anything below protocol 2 even if it were offered.
  if (app < 2) throw new HandshakeError(`Grafana requires app protocol >= 2, plugin chose ${app}`, line);

  let target: string;
  if (network === 'tcp') {
    const hostPort = splitHostPort(address);
    if (!hostPort) throw new HandshakeError(`address "${address}" is not host:port`, line);
    if (hostPort.port === 0) throw new HandshakeError('address has port 0 (the plugin did not report its bound port)', line);
    if ((rules.requireLoopback ?? true) && !LOOPBACK_HOSTS.has(hostPort.host) && !/^127\./.test(hostPort.host)) {
      throw new HandshakeError(`address "${address}" is not loopback; a plugin must listen on 127.0.0.1 only`, line);
    }
    target = address;
  } else if (network === 'unix') {
    if (!address.startsWith('/')) throw new HandshakeError(`unix socket "${address}" is not an absolute path`, line);
    target = `unix:${address}`;
  } else {
    throw new HandshakeError(`Unknown address type "${network}" (expected tcp or unix)`, line);
  }

  // A missing 5th field means net/rpc to go-plugin, which Grafana does not allow.
  const protocol = parts[4] ?? 'netrpc';
  if (protocol !== 'grpc') {
    throw new HandshakeError(`Unsupported plugin protocol "${protocol}". Supported: [grpc]`, line);
  }
  const serverCert = parts[5];
  // Grafana never enables AutoMTLS, so a real certificate (go-plugin: > 50 chars) means a confused plugin.
  if (serverCert !== undefined && serverCert.split('|')[0]!.length > 50) {
    throw new HandshakeError('plugin sent a server certificate, but the host did not ask for AutoMTLS', line);
  }
  return { raw: line, core, app, network, address, protocol: 'grpc', serverCert, target };
}

/** Go's strings.SplitN: at most n parts, the last holding the remainder. */
function splitN(text: string, separator: string, n: number): string[] {
  const pieces = text.split(separator);
  if (pieces.length <= n) return pieces;
  return [...pieces.slice(0, n - 1), pieces.slice(n - 1).join(separator)];
}
