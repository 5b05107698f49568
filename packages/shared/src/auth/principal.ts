import { LRUCache } from 'lru-cache';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { z } from 'zod';
import { unauthenticatedRequest } from '../errors';

export const PLATFORM_OPERATOR = 'PLATFORM_OPERATOR';

/** Who is calling, taken only from a verified access token. */
export type Principal =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      userId: string;
      tenantId: string;
      tenantSlug: string;
      roles: string[];
      sessionId: string;
      /** When the access token expires (ms since the epoch). */
      expiresAt?: number;
    }
  | {
      kind: 'operator';
      operatorId: string;
      roles: string[];
      sessionId: string;
      expiresAt?: number;
    };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** Asymmetric algorithms only: `none` and HMAC are never accepted, whatever the token header says. */
export const ACCEPTED_ALGORITHMS = ['EdDSA', 'RS256'];

const claimsSchema = z.object({
  sub: z.string().min(1),
  sid: z.string().min(1),
  roles: z.array(z.string()),
  tid: z.uuid().optional(),
  tslug: z.string().optional(),
});

export interface VerifierOptions {
  /** A JWKS document of public keys; tokens are refused when there is none. */
  jwks?: JSONWebKeySet;
  /** Or a JWKS URL, fetched when needed and again on an unknown key id (rotation). */
  jwksUrl?: string;
  /** The least time between two fetches of jwksUrl. */
  jwksCooldownMs?: number;
  issuer: string;
  audience: string;
}

/**
 * The one access-token verifier, used by the router and by every subgraph. It pins the
 * algorithms, issuer and audience, and maps claims onto a Principal.
 */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey | undefined;
  /**
   * Tokens verified lately, by their exact text: the signature check is the largest single cost
   * of a request in every service, and a client sends the same token with each request. Only
   * successes are kept, for at most a minute and never past the token's expiry, so a key that is
   * withdrawn from the JWKS stops working within a minute.
   */
  private readonly verified = new LRUCache<string, Exclude<Principal, { kind: 'anonymous' }>>({
    max: 10_000,
    ttl: 60_000,
  });

  constructor(private readonly options: VerifierOptions) {
    this.keys = options.jwks
      ? createLocalJWKSet(options.jwks)
      : options.jwksUrl
        ? createRemoteJWKSet(new URL(options.jwksUrl), {
            cooldownDuration: options.jwksCooldownMs ?? 30_000,
            cacheMaxAge: 600_000,
          })
        : undefined;
  }

  async verify(token: string): Promise<Principal> {
    // The entry's ttl ends at the token's expiry at the latest: a hit is a token still valid.
    const known = this.verified.get(token);
    if (known) return known;
    const principal = await this.verifySignedToken(token);
    const ttl = Math.min(60_000, (principal.expiresAt ?? 0) - Date.now());
    if (ttl > 0) this.verified.set(token, principal, { ttl });
    return principal;
  }

  private async verifySignedToken(
    token: string,
  ): Promise<Exclude<Principal, { kind: 'anonymous' }>> {
    if (!this.keys) throw unauthenticatedRequest('Invalid access token');
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        algorithms: ACCEPTED_ALGORITHMS,
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['exp', 'iat', 'sub'],
        // RFC 9068 access tokens only: an ID token or other JWT from the same key is not one.
        typ: ACCESS_TOKEN_TYPE,
      }));
    } catch {
      // One message for every failure, so that callers learn nothing about why.
      throw unauthenticatedRequest('Invalid access token');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw unauthenticatedRequest('Invalid access token');
    const { sub, sid, roles, tid, tslug } = claims.data;
    const expiresAt = Number((payload as { exp: number }).exp) * 1000;
    if (roles.includes(PLATFORM_OPERATOR)) {
      if (tid !== undefined) throw unauthenticatedRequest('Invalid access token');
      return {
        kind: 'operator',
        operatorId: sub,
        roles: [PLATFORM_OPERATOR],
        sessionId: sid,
        expiresAt,
      };
    }
    if (tid === undefined || tslug === undefined)
      throw unauthenticatedRequest('Invalid access token');
    return {
      kind: 'user',
      userId: sub,
      tenantId: tid,
      tenantSlug: tslug,
      roles,
      sessionId: sid,
      expiresAt,
    };
  }

  /** Reads an `Authorization` header value: none means anonymous, anything malformed is refused. */
  async fromAuthorizationHeader(header: string | undefined): Promise<Principal> {
    if (header === undefined || header === '') return ANONYMOUS;
    // The scheme name is case-insensitive in HTTP (RFC 9110 §11.1).
    const match = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i.exec(header.trim());
    if (!match) throw unauthenticatedRequest('Malformed Authorization header');
    return this.verify(match[1]);
  }
}

/**
 * The verifier a service uses: JWT_JWKS when set, else JWT_JWKS_URL, else the public half of
 * the signing keys it has itself (the auth subgraph, or any service sharing JWT_KEYS_DIR).
 */
export function verifierFromConfig(
  config: { JWT_JWKS?: string; JWT_JWKS_URL?: string; JWT_ISSUER: string; JWT_AUDIENCE: string },
  localJwks?: JSONWebKeySet,
): TokenVerifier {
  return new TokenVerifier({
    jwks: config.JWT_JWKS
      ? (JSON.parse(config.JWT_JWKS) as JSONWebKeySet)
      : config.JWT_JWKS_URL
        ? undefined
        : localJwks,
    jwksUrl: config.JWT_JWKS ? undefined : config.JWT_JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
}
