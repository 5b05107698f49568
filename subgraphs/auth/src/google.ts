import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import {
  parseInput,
  AppError,
  badUserInput,
  unauthenticated,
  type Config,
  type DataPlatform,
  type Logger,
  type Redis,
  type RequestContext,
  type SessionStore,
  type TenantLocation,
} from '@tradesage/shared';
import type { Account, PrismaClient } from '../../../prisma/auth/generated/client';
import type { AuditTrail } from './audit';
import { tokenInput } from './inputs';
import { z } from 'zod';

/** What startGoogleLogin leaves in Redis for completeGoogleLogin, under the state, once. */
interface PendingLogin {
  tenantId: string;
  redirectUri: string;
  nonce: string;
  codeVerifier: string;
}

/** How long the user has to come back from Google. */
const STATE_TTL_SECONDS = 600;

const startInput = z.object({
  tenantSlug: z.string().max(63),
  redirectUri: z.string().max(2048),
});

const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

export interface GoogleSignInDeps {
  config: Pick<
    Config,
    | 'OIDC_ISSUER_URL'
    | 'OIDC_CLIENT_ID'
    | 'OIDC_CLIENT_SECRET'
    | 'OIDC_REDIRECT_URIS'
    | 'REDIS_KEY_PREFIX'
    | 'NODE_ENV'
  >;
  log: Logger;
  redis: Redis;
  platform: Pick<DataPlatform, 'findActiveTenant'>;
  sessions: Pick<SessionStore, 'revokeAllForUser'>;
  audit: AuditTrail;
  tenantDb(tenantId: string): Promise<PrismaClient>;
}

/**
 * Google sign-in with OpenID Connect (openid-client): authorization code with PKCE, state and
 * nonce. The state is a single-use Redis key; the account is linked by Google's verified e-mail
 * within the tenant, and by Google's subject after that.
 */
export class GoogleSignIn {
  private configuration: Promise<oidc.Configuration> | undefined;
  private readonly redirectUris: Set<string>;

  constructor(private readonly deps: GoogleSignInDeps) {
    this.redirectUris = new Set(
      deps.config.OIDC_REDIRECT_URIS.split(',')
        .map((uri) => uri.trim())
        .filter(Boolean),
    );
  }

  async start(rawInput: unknown): Promise<{ authorizationUrl: string; state: string }> {
    const input = parseInput(startInput, rawInput);
    if (!this.redirectUris.has(input.redirectUri))
      throw badUserInput('This redirect URI is not allowed', { field: 'redirectUri' });
    const tenant = await this.deps.platform.findActiveTenant({ slug: input.tenantSlug });
    if (!tenant) throw badUserInput('Unknown tenant', { field: 'tenantSlug' });
    const configuration = await this.discover();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = randomBytes(32).toString('base64url');
    const nonce = oidc.randomNonce();
    const pending: PendingLogin = {
      tenantId: tenant.id,
      redirectUri: input.redirectUri,
      nonce,
      codeVerifier,
    };
    await this.deps.redis.set(
      this.stateKey(state),
      JSON.stringify(pending),
      'EX',
      STATE_TTL_SECONDS,
    );
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: input.redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { authorizationUrl: url.toString(), state };
  }

  /** Exchanges the code; returns the tenant and the linked, active account. */
  async complete(
    rawCode: unknown,
    rawState: unknown,
    ctx: RequestContext,
  ): Promise<{ tenant: TenantLocation; db: PrismaClient; account: Account }> {
    const code = parseInput(tokenInput.max(2048), rawCode);
    const state = parseInput(tokenInput, rawState);
    const stored = await this.deps.redis.getdel(this.stateKey(state));
    if (!stored) throw unauthenticated('This sign-in has expired; start again');
    const pending = JSON.parse(stored) as PendingLogin;
    const tenant = await this.deps.platform.findActiveTenant({ id: pending.tenantId });
    if (!tenant) throw unauthenticated('This sign-in has expired; start again');
    const configuration = await this.discover();
    // The redirect the browser got, rebuilt from what the app passed on. With one identity
    // provider there is no mix-up to detect, so its `iss` (RFC 9207) is the expected one.
    const callback = new URL(pending.redirectUri);
    callback.searchParams.set('code', code);
    callback.searchParams.set('state', state);
    if (configuration.serverMetadata().authorization_response_iss_parameter_supported)
      callback.searchParams.set('iss', configuration.serverMetadata().issuer);
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      this.deps.log.warn({ err: error }, 'Google code exchange failed');
      throw unauthenticated('Google sign-in failed');
    }
    if (!claims || typeof claims.email !== 'string' || claims.email_verified !== true)
      throw unauthenticated('Google did not confirm an e-mail address');
    const db = await this.deps.tenantDb(tenant.id);
    const account = await this.linkAccount(
      db,
      tenant.id,
      claims.sub,
      claims.email.toLowerCase(),
      ctx,
    );
    return { tenant, db, account };
  }

  /**
   * By Google subject first; else by the verified e-mail, which links the subject for next time.
   * Google sign-in does not ask for the TOTP code, so an account with TOTP on must use its
   * password and code instead.
   */
  private async linkAccount(
    db: PrismaClient,
    tenantId: string,
    subject: string,
    email: string,
    ctx: RequestContext,
  ) {
    const linked = await db.account.findUnique({ where: { googleSubject: subject } });
    const account = linked ?? (await this.linkByEmail(db, tenantId, subject, email, ctx));
    if (account.status !== 'ACTIVE') throw unauthenticated('This account cannot sign in');
    if (account.totpEnabled)
      throw new AppError(
        'MFA_REQUIRED',
        'This account uses an authenticator app: sign in with your password and code',
      );
    return account;
  }

  private async linkByEmail(
    db: PrismaClient,
    tenantId: string,
    subject: string,
    email: string,
    ctx: RequestContext,
  ) {
    const byEmail = await db.account.findUnique({ where: { email } });
    if (!byEmail || byEmail.status === 'DISABLED' || byEmail.googleSubject)
      throw unauthenticated('No TradeSage account of this tenant uses this Google account');
    // Google vouched for the address, as an invitation link would have: an invited account
    // starts. An address nobody had verified may have been registered by someone else, so the
    // credentials and sessions that person set up are dropped: the mailbox owner takes over.
    const unverified = !byEmail.emailVerified;
    const account = await db.account.update({
      where: { id: byEmail.id },
      data: {
        googleSubject: subject,
        emailVerified: true,
        status: 'ACTIVE',
        ...(unverified
          ? { passwordHash: null, totpSecret: null, totpEnabled: false, totpLastStep: null }
          : {}),
      },
    });
    if (unverified) await db.recoveryCode.deleteMany({ where: { accountId: account.id } });
    if (unverified) await this.deps.sessions.revokeAllForUser(tenantId, account.id, 'REVOKED');
    await this.deps.audit.tenant(db, tenantId, ctx, {
      type: 'GOOGLE_LINKED',
      actorId: account.id,
      subjectId: account.id,
      metadata: { tookOverUnverified: unverified },
    });
    return account;
  }

  private stateKey(state: string): string {
    return `${this.deps.config.REDIS_KEY_PREFIX}auth:oidc-state:${state}`;
  }

  /** Discovery once, retried after a failure. Plain HTTP only for a loopback issuer outside production. */
  private discover(): Promise<oidc.Configuration> {
    const { config } = this.deps;
    if (!config.OIDC_CLIENT_ID) {
      return Promise.reject(new AppError('BAD_USER_INPUT', 'Google sign-in is not set up'));
    }
    this.configuration ??= (async () => {
      const issuer = new URL(config.OIDC_ISSUER_URL);
      const insecure =
        issuer.protocol === 'http:' && isLoopback(issuer) && config.NODE_ENV !== 'production';
      return oidc.discovery(
        issuer,
        config.OIDC_CLIENT_ID!,
        undefined,
        config.OIDC_CLIENT_SECRET ? oidc.ClientSecretBasic(config.OIDC_CLIENT_SECRET) : oidc.None(),
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
    })();
    this.configuration.catch(() => (this.configuration = undefined));
    return this.configuration;
  }
}
