// Optional bearer token. Both sides are hashed to a fixed length before timingSafeEqual, so the
// comparison takes the same time whatever the guess (its length included).
import { createHash, timingSafeEqual } from 'crypto';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export class BearerToken {
  private readonly expected: Buffer;

  constructor(token: string) {
    if (token === '') throw new TypeError('token: expected a non-empty string');
    this.expected = digest(token);
  }

  /** True when `token` (e.g. from a /t/<token>/ path prefix) is the token. */
  acceptsToken(token: string): boolean {
    return timingSafeEqual(digest(token), this.expected);
  }

  /** True when the Authorization header is `Bearer <the token>`. */
  accepts(authorization: string | undefined): boolean {
    const m = /^Bearer[ ]+(.+)$/i.exec(authorization ?? '');
    const given = digest(m ? m[1].trim() : '');
    // compare always (no early return on a missing header), then require a match
    return timingSafeEqual(given, this.expected) && m !== null;
  }
}
