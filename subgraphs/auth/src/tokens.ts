import {
  AccessTokenIssuer,
  ISSUED_TOKEN_HEADER,
  parseDevice,
  PLATFORM_SCOPE,
  unauthenticated,
  type AccessTokenSubject,
  type Config,
  type RequestContext,
  type SessionRecord,
  type SessionStore,
  type SigningKey,
} from '@tradesage/shared';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

export interface SignedIn extends IssuedTokens {
  session: SessionRecord;
}

/** Who a session is for; roles are read again at every refresh, so changes reach new tokens. */
export type SessionSubject =
  | { kind: 'user'; tenantId: string; tenantSlug: string; userId: string; roles: string[] }
  | { kind: 'operator'; operatorId: string };

/**
 * Opens sessions and issues token pairs. The access token is a short-lived JWT; the refresh
 * token is opaque, stored hashed in the session, and rotates on every use.
 */
export class SessionTokens {
  private readonly issuer: AccessTokenIssuer;

  constructor(
    private readonly sessions: SessionStore,
    signingKeys: SigningKey[],
    config: Pick<Config, 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_ACCESS_TTL_SECONDS'>,
  ) {
    this.issuer = new AccessTokenIssuer(signingKeys, config);
  }

  /** A new session for the subject, with the device from the request, and its first tokens. */
  async signIn(
    subject: SessionSubject,
    ctx: RequestContext,
    options: { deviceName?: string | null; maxSessions?: number; authenticatedAt?: number } = {},
  ): Promise<SignedIn> {
    const { session, refreshToken } = await this.sessions.create({
      tenantId: subject.kind === 'user' ? subject.tenantId : PLATFORM_SCOPE,
      userId: subject.kind === 'user' ? subject.userId : subject.operatorId,
      device: parseDevice(ctx.userAgent, options.deviceName),
      ipAddress: ctx.clientIp,
      maxSessions: options.maxSessions,
      authenticatedAt: options.authenticatedAt,
    });
    const { token, expiresAt } = await this.issuer
      .issue(this.tokenSubject(subject, session.id))
      .catch(async (error: unknown) => {
        await this.sessions.revoke(session.tenantId, session.id, 'REVOKED');
        throw error;
      });
    // The router resolves the rest of this operation (name, tenant, session) as the new user.
    ctx.responseHeaders.set(ISSUED_TOKEN_HEADER, token);
    return { accessToken: token, refreshToken, expiresAt, session };
  }

  /**
   * Rotates a refresh token. `current` re-reads the subject (roles, status) first, and may end
   * the session; only then is the token spent, so a failure there never costs the client its
   * token. A reused token has already ended the session when `onReuse` runs.
   */
  async refresh(
    refreshToken: string,
    current: (session: SessionRecord) => Promise<SessionSubject | null>,
    onReuse: (session: SessionRecord) => Promise<void>,
  ): Promise<IssuedTokens> {
    const session = await this.sessions.sessionOfRefreshToken(refreshToken);
    if (!session) throw unauthenticated('Invalid refresh token');
    const subject = await current(session);
    if (!subject) {
      await this.sessions.revoke(session.tenantId, session.id, 'REVOKED');
      throw unauthenticated('Invalid refresh token');
    }
    const result = await this.sessions.rotateRefreshToken(refreshToken);
    if (result.outcome === 'reused') {
      await onReuse(result.session);
      throw unauthenticated('Invalid refresh token');
    }
    if (result.outcome !== 'rotated') throw unauthenticated('Invalid refresh token');
    const { token, expiresAt } = await this.issuer.issue(this.tokenSubject(subject, session.id));
    return { accessToken: token, refreshToken: result.refreshToken, expiresAt };
  }

  private tokenSubject(subject: SessionSubject, sessionId: string): AccessTokenSubject {
    return subject.kind === 'user'
      ? {
          kind: 'user',
          userId: subject.userId,
          tenantId: subject.tenantId,
          tenantSlug: subject.tenantSlug,
          roles: subject.roles,
          sessionId,
        }
      : { kind: 'operator', operatorId: subject.operatorId, sessionId };
  }
}
