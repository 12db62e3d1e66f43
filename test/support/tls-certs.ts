/**
 * Throwaway certificates for TLS tests, made with `openssl` for each run: a CA, a server
 * certificate it signed (for 127.0.0.1, localhost and any extra names), a client certificate it
 * signed (mutual TLS), and a second CA that signed nothing the server uses (the "wrong CA").
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FixtureTls {
  caCert: string;
  /** a client certificate and key signed by caCert (for mutual TLS) */
  clientCert: string;
  clientKey: string;
  /** a CA that did not sign anything the server uses */
  otherCaCert: string;
}

export interface TestCertificates {
  /** files in `dir`, for servers that read them */
  files: Record<'ca' | 'serverCert' | 'serverKey', string>;
  /** PEM text, for the data source's secureJsonData */
  tls: FixtureTls;
}

const CA_CONFIG = `[req]
distinguished_name = dn
prompt = no
x509_extensions = ca
[dn]
CN = Encore test CA
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

const leafConfig = (names: string[]) => `[req]
distinguished_name = dn
prompt = no
[dn]
CN = encore-test-leaf
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost${names.map((name) => `,DNS:${name}`).join('')}
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
`;

/** `serverNames`: DNS names the server certificate carries besides localhost (and IP 127.0.0.1). */
export async function makeTestCertificates(dir: string, serverNames: string[] = []): Promise<TestCertificates> {
  const path = (name: string) => join(dir, name);
  writeFileSync(path('ca.cnf'), CA_CONFIG);
  writeFileSync(path('leaf.cnf'), leafConfig(serverNames));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const newCa = (name: string) =>
    run('openssl', ['req', '-x509', ...ec, '-config', path('ca.cnf'), '-keyout', path(`${name}.key`), '-out', path(`${name}.crt`), '-days', '2']);
  await newCa('ca');
  await newCa('other-ca');
  for (const leaf of ['server', 'client']) {
    await run('openssl', ['req', '-new', ...ec, '-config', path('leaf.cnf'), '-keyout', path(`${leaf}.key`), '-out', path(`${leaf}.csr`)]);
    await run('openssl', [
      'x509', '-req', '-in', path(`${leaf}.csr`), '-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-set_serial', leaf === 'server' ? '2' : '3',
      '-days', '2', '-extfile', path('leaf.cnf'), '-extensions', leaf, '-out', path(`${leaf}.crt`),
    ]);
  }
  const read = (name: string) => readFileSync(path(name), 'utf8');
  return {
    files: { ca: path('ca.crt'), serverCert: path('server.crt'), serverKey: path('server.key') },
    tls: { caCert: read('ca.crt'), clientCert: read('client.crt'), clientKey: read('client.key'), otherCaCert: read('other-ca.crt') },
  };
}
