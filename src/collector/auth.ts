import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer token check in constant time: both sides are hashed to 32 bytes (so lengths never leak
 * through an early exit) and every configured token is compared, whichever matches.
 */
export class TokenCheck {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  /** undefined when authorised, else the reason for the 401. */
  check(authorization: string | undefined): string | undefined {
    if (authorization === undefined || authorization === '') return 'missing Authorization header; send Authorization: Bearer <token>';
    const match = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(authorization);
    if (!match) return 'expected Authorization: Bearer <token>';
    const presented = digest(match[1]!);
    let ok = false;
    for (const known of this.digests) ok = timingSafeEqual(presented, known) || ok;
    return ok ? undefined : 'the bearer token is not valid for this collector';
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
