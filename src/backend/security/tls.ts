import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';

/**
 * Checks of PEM material from secureJsonData, shared by the Prometheus client and the Redis cache,
 * so that a pasted certificate that cannot be used fails with a message naming its field (OpenSSL
 * silently ignores a CA bundle it cannot read, which would surface later as a baffling TLS error),
 * and the TLS error codes Node reports, to explain them. No message ever contains key material.
 */

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** True when `pem` holds one or more readable certificates; otherwise a problem naming `field`. */
export function checkCertificates(pem: string, field: string, problems: string[]): boolean {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    problems.push(`${field}: expected a PEM certificate (-----BEGIN CERTIFICATE----- ...)`);
    return false;
  }
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      problems.push(`${field}: certificate ${i + 1} of ${blocks.length} is not a valid PEM certificate`);
      return false;
    }
  }
  return true;
}

/** A client certificate and its key: both readable, and belonging together. */
export function checkClientPair(cert: string, key: string, fields: { cert: string; key: string }, problems: string[]): boolean {
  if (!checkCertificates(cert, fields.cert, problems)) return false;
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    problems.push(`${fields.key}: expected a PEM private key (-----BEGIN PRIVATE KEY----- ...)`);
    return false;
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    // OpenSSL's reason ("key values mismatch", "unsupported") never contains the key material.
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    problems.push(`${fields.key}: cannot be used with the client certificate (${reason})`);
    return false;
  }
  return true;
}

/** Codes meaning: the server's certificate does not chain to a trusted CA. */
export const TLS_TRUST_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

export function isTlsCode(code: string): boolean {
  return TLS_TRUST_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.includes('CERT') || code === 'EPROTO';
}

/** The host is an IP literal: no SNI may be sent for it (RFC 6066), the certificate is checked for the IP. */
export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
