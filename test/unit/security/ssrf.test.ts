// The outbound policy: which destinations are refused, how names are checked after resolution,
// and that both the server admin and the data source must allow link-local addresses.
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import { blockedAddressReason, blockedHostReason, guardedLookup, outboundPolicy, SERVER_ALLOW_ENV } from '../../../src/backend/security/ssrf';

describe('blockedAddressReason', () => {
  it('refuses link-local and metadata addresses, in every spelling', () => {
    for (const address of [
      '169.254.169.254',
      '169.254.0.1',
      '169.254.255.255',
      '100.100.100.200',
      'fe80::1',
      'FE80::abcd:1',
      'febf::1',
      '[fe80::1]',
      'fe80::1%eth0',
      'fd00:ec2::254',
      'fd00:0ec2:0000:0000:0000:0000:0000:0254',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '::169.254.169.254',
      '64:ff9b::169.254.169.254',
    ]) {
      assert.ok(blockedAddressReason(address), address);
    }
    assert.match(blockedAddressReason('169.254.169.254')!, /cloud instance metadata/);
    assert.match(blockedAddressReason('::ffff:169.254.169.254')!, /written as the IPv6 address/);
  });

  it('lets loopback, private and public addresses through', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '192.168.1.10', '172.16.0.1', '8.8.8.8', '169.253.255.255', '169.255.0.1', '::1', 'fd00::1', 'fec0::1', '2001:db8::1', '::ffff:10.0.0.1', 'not-an-ip']) {
      assert.equal(blockedAddressReason(address), undefined, address);
    }
  });

  it('refuses the metadata host names before any lookup (case and trailing dot do not matter)', () => {
    for (const host of ['metadata.google.internal', 'METADATA.GOOGLE.INTERNAL.', 'metadata.goog', 'instance-data.ec2.internal']) assert.ok(blockedHostReason(host), host);
    assert.equal(blockedHostReason('prometheus.internal'), undefined);
  });
});

describe('outboundPolicy', () => {
  it('allows link-local only when the server admin and the data source both do', () => {
    assert.equal(outboundPolicy(true, {}).allowLinkLocal, false);
    assert.equal(outboundPolicy(false, { [SERVER_ALLOW_ENV]: 'true' }).allowLinkLocal, false);
    assert.equal(outboundPolicy(true, { [SERVER_ALLOW_ENV]: 'true' }).allowLinkLocal, true);
    assert.equal(outboundPolicy(true, { [SERVER_ALLOW_ENV]: '1' }).allowLinkLocal, true);
    assert.equal(outboundPolicy(true, { [SERVER_ALLOW_ENV]: 'nope' }).allowLinkLocal, false);
  });
});

describe('guardedLookup: checked after DNS resolution', () => {
  const resolver =
    (answers: Record<string, string[]>) =>
    (host: string, _options: unknown, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) =>
      setImmediate(() => {
        const addresses = answers[host];
        if (!addresses) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
        callback(
          null,
          addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
        );
      });
  const answers = {
    'prom.example': ['10.1.2.3'],
    'evil.example': ['169.254.169.254'],
    'rebind.example': ['93.184.216.34', '169.254.169.254'],
    'v6.example': ['fd00:ec2::254'],
  };
  const lookup = (policy: ReturnType<typeof outboundPolicy>, host: string, all: boolean) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      (guardedLookup(policy, resolver(answers) as never) as unknown as (h: string, o: object, cb: (e: NodeJS.ErrnoException | null, a: unknown) => void) => void)(
        host,
        { all },
        (error, address) => resolve({ error, address }),
      ),
    );
  const closed = outboundPolicy(false, {});

  it('resolves ordinary names as dns.lookup does (one address or all)', async () => {
    assert.deepEqual(await lookup(closed, 'prom.example', false), { error: null, address: '10.1.2.3' });
    assert.deepEqual((await lookup(closed, 'prom.example', true)).address, [{ address: '10.1.2.3', family: 4 }]);
  });

  it('refuses a name that resolves to a metadata address, and one that resolves to a public and a metadata address', async () => {
    for (const host of ['evil.example', 'rebind.example', 'v6.example']) {
      const { error } = await lookup(closed, host, true);
      assert.equal(error?.code, 'ERR_ENCORE_BLOCKED_DESTINATION', host);
      assert.match(error!.message, /resolves to/);
      assert.match(error!.message, /GF_PLUGIN_ALLOW_LINK_LOCAL=true/);
    }
    assert.equal((await lookup(closed, 'metadata.google.internal', false)).error?.code, 'ERR_ENCORE_BLOCKED_DESTINATION');
  });

  it('lets them through when both allow it, and passes DNS errors on', async () => {
    const open = outboundPolicy(true, { [SERVER_ALLOW_ENV]: 'true' });
    assert.deepEqual(await lookup(open, 'evil.example', false), { error: null, address: '169.254.169.254' });
    assert.equal((await lookup(closed, 'nowhere.example', false)).error?.code, 'ENOTFOUND');
  });
});
