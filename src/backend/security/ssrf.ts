import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

/**
 * The outbound policy (server-side request forgery): whoever may edit a data source chooses the
 * URL the Grafana server then calls, with the server's network position. Link-local addresses
 * and the cloud metadata services are where that hurts (instance credentials at
 * 169.254.169.254), so Encore refuses them unless the Grafana server admin allows them:
 *
 *  - 169.254.0.0/16 and fe80::/10 (link-local; 169.254.169.254 is AWS/GCP/Azure/OpenStack metadata),
 *  - fd00:ec2::254 (AWS metadata over IPv6), 100.100.100.200 (Alibaba Cloud metadata),
 *  - the names metadata.google.internal, metadata.goog and instance-data.ec2.internal,
 *  - the same IPv4 addresses inside IPv6 (::ffff:169.254.169.254, 64:ff9b::a9fe:a9fe).
 *
 * Names are checked after DNS resolution, in the lookup the connection itself uses, so a host name
 * that resolves to a metadata address is refused as well, and there is no gap between the check
 * and the connect (DNS rebinding). Loopback and private networks stay allowed: Prometheus on
 * localhost or on the cluster network is the normal case.
 */

export const SERVER_ALLOW_ENV = 'GF_PLUGIN_ALLOW_LINK_LOCAL';

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'instance-data.ec2.internal']);
const METADATA_V4 = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200']);

export interface OutboundPolicy {
  /** link-local and metadata addresses may be reached */
  allowLinkLocal: boolean;
  /** for messages: the data source asked for it (jsonData.allowLinkLocal) */
  dataSourceAllows: boolean;
  /** for messages: the server admin allowed it (GF_PLUGIN_ALLOW_LINK_LOCAL) */
  serverAllows: boolean;
}

/**
 * Both must agree: the admin of the Grafana server (an environment variable, which data source
 * editors cannot change) and the data source (jsonData.allowLinkLocal, so that one data source's
 * need does not open the door for all others).
 */
export function outboundPolicy(dataSourceAllows: boolean, env: NodeJS.ProcessEnv = process.env): OutboundPolicy {
  const serverAllows = /^(1|true|yes|on)$/i.test((env[SERVER_ALLOW_ENV] ?? '').trim());
  return { allowLinkLocal: serverAllows && dataSourceAllows, dataSourceAllows, serverAllows };
}

/** Why an IP address is refused (undefined: it is not). Accepts IPv4 and IPv6 text, brackets allowed. */
export function blockedAddressReason(address: string): string | undefined {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(ip);
  if (family === 4) return blockedV4(ip);
  if (family !== 6) return undefined;
  const groups = expandV6(ip);
  if (!groups) return undefined;
  // fe80::/10
  if ((groups[0]! & 0xffc0) === 0xfe80) return 'a link-local IPv6 address (fe80::/10)';
  if (groups.join(':') === [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254].join(':')) return 'the AWS instance metadata service (fd00:ec2::254)';
  // IPv4 inside IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d).
  const v4 = `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  const zeroHead = groups.slice(0, 5).every((g) => g === 0);
  if ((zeroHead && (groups[5] === 0xffff || groups[5] === 0)) || (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0))) {
    const reason = blockedV4(v4);
    if (reason) return `${reason}, written as the IPv6 address ${ip}`;
  }
  return undefined;
}

function blockedV4(ip: string): string | undefined {
  if (METADATA_V4.has(ip)) return `a cloud instance metadata address (${ip})`;
  if (ip.startsWith('169.254.')) return `a link-local address (${ip}, in 169.254.0.0/16)`;
  return undefined;
}

/** Eight 16-bit groups, or undefined when the text is not IPv6. */
function expandV6(ip: string): number[] | undefined {
  let text = ip.toLowerCase();
  // A trailing dotted quad becomes two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = 8 - left.length - right.length;
  if (fill < 0 || (tail === undefined && fill !== 0)) return undefined;
  const groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** Why a host name is refused before any lookup (undefined: resolve it and check the addresses). */
export function blockedHostReason(host: string): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTS.has(name)) return `a cloud instance metadata host (${name})`;
  return blockedAddressReason(name);
}

/** Thrown (as a connection error) when a destination is refused; `code` lets the HTTP layer tell it apart. */
export class BlockedDestination extends Error {
  override name = 'BlockedDestination';
  readonly code = 'ERR_ENCORE_BLOCKED_DESTINATION';

  constructor(
    readonly host: string,
    readonly reason: string,
    policy: OutboundPolicy,
  ) {
    super(`${host} is ${reason}; ${howToAllow(policy)}`);
  }
}

export function howToAllow(policy: OutboundPolicy): string {
  const server = `allow_link_local = true in the [plugin.encore-streaming-datasource] section of grafana.ini, which Grafana passes to the plugin as ${SERVER_ALLOW_ENV}=true`;
  const dataSource = '"Allow link-local addresses" (allowLinkLocal) in the data source\'s Limits settings';
  if (policy.dataSourceAllows && !policy.serverAllows) {
    return `Encore refuses such addresses: this data source allows them, but the Grafana server admin has not (${server})`;
  }
  if (policy.serverAllows && !policy.dataSourceAllows) return `Encore refuses such addresses unless the data source allows them (${dataSource})`;
  return `Encore refuses such addresses unless the Grafana server admin sets ${server}, and the data source turns on ${dataSource}`;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type Resolver = (hostname: string, options: { all: true; family?: number; hints?: number }, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * A `lookup` for http.Agent / net.connect that resolves like dns.lookup and refuses the
 * connection when any address the name resolves to is refused by the policy (a name that
 * answers with a public and a metadata address is refused too).
 */
export function guardedLookup(policy: OutboundPolicy, resolve: Resolver = dnsLookup as unknown as Resolver): LookupFunction {
  const lookup = (hostname: string, options: { all?: boolean; family?: number; hints?: number }, callback: LookupCallback): void => {
    const byName = blockedHostReason(hostname);
    if (byName && !policy.allowLinkLocal) {
      process.nextTick(() => callback(new BlockedDestination(hostname, byName, policy) as unknown as NodeJS.ErrnoException, options.all ? [] : ''));
      return;
    }
    resolve(hostname, { family: options.family, hints: options.hints, all: true }, (error, addresses) => {
      if (error) return callback(error, options.all ? [] : '');
      if (!policy.allowLinkLocal) {
        for (const { address } of addresses) {
          const reason = blockedAddressReason(address);
          if (reason) return callback(new BlockedDestination(`${hostname} (resolves to ${address})`, reason, policy) as unknown as NodeJS.ErrnoException, options.all ? [] : '');
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
  return lookup as unknown as LookupFunction;
}
