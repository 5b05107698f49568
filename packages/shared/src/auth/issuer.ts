import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Config } from '../config';
import type { SigningKey } from './keys';
import { ACCESS_TOKEN_TYPE, PLATFORM_OPERATOR, type Principal } from './principal';

/** Whom a token is for: the principal a verifier will read back from it (an operator's roles are fixed). */
export type AccessTokenSubject =
  Extract<Principal, { kind: 'user' }> | Omit<Extract<Principal, { kind: 'operator' }>, 'roles'>;

/** Signs access tokens (RFC 9068, `typ: at+jwt`) with the newest signing key. */
export class AccessTokenIssuer {
  constructor(
    private readonly keys: readonly SigningKey[],
    private readonly config: Pick<Config, 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_ACCESS_TTL_SECONDS'>,
  ) {
    if (keys.length === 0) throw new Error('AccessTokenIssuer needs at least one signing key');
  }

  async issue(subject: AccessTokenSubject): Promise<{ token: string; expiresAt: Date }> {
    const key = this.keys[this.keys.length - 1];
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.config.JWT_ACCESS_TTL_SECONDS;
    const claims =
      subject.kind === 'user'
        ? {
            tid: subject.tenantId,
            tslug: subject.tenantSlug,
            roles: subject.roles,
            sid: subject.sessionId,
          }
        : { roles: [PLATFORM_OPERATOR], sid: subject.sessionId };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
      .setSubject(subject.kind === 'user' ? subject.userId : subject.operatorId)
      .setIssuer(this.config.JWT_ISSUER)
      .setAudience(this.config.JWT_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { token, expiresAt: new Date(exp * 1000) };
  }
}
