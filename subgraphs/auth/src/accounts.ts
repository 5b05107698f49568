import { randomUUID } from 'node:crypto';
import {
  badUserInput,
  connection,
  decodeCursor,
  isUuid,
  pageSize,
  parseInput,
  AppError,
  assertPasswordPolicy,
  enforceLimit,
  signInThrottle,
  type FailureThrottle,
  verifyPasswordOrDummy,
  forbidden,
  hashPassword,
  RequestLimit,
  unauthenticated,
  verifyPassword,
  type RequestContext,
  type SecretBox,
  type SubgraphDeps,
  type TenantClients,
  type TenantLocation,
} from '@tradesage/shared';
import type { Account, PrismaClient } from '../../../prisma/auth/generated/client';
import { announceNewAccount, createWithinLimit, isUniqueViolation, SEATED } from './new-accounts';
import type { AuditEntry, AuditTrail } from './audit';
import {
  consumeEmailToken,
  invalidLink,
  issueEmailToken,
  tokenTenant,
  ttlSeconds,
} from './email-tokens';
import {
  loginInput,
  newPasswordInput,
  registerInput,
  resetRequestInput,
  tokenInput,
  totpCodeInput,
} from './inputs';
import type { Mailer, MailKind } from './mail';
import { confirmTotp, enrollTotp, passSecondFactor, type MfaAccount } from './mfa';
import { accountSecretContext } from './secrets';
import type { SessionTokens, SignedIn } from './tokens';

const LINK_AUDIT = {
  PASSWORD_RESET: 'PASSWORD_RESET',
  EMAIL_VERIFICATION: 'EMAIL_VERIFIED',
  INVITATION: 'INVITATION_ACCEPTED',
} as const;

/** The one answer to every failed sign-in, whatever was wrong. */
const invalidCredentials = () => unauthenticated('Invalid tenant, e-mail or password');

export interface AccountsDeps extends Pick<
  SubgraphDeps,
  'config' | 'log' | 'platform' | 'streams' | 'redis' | 'sessions'
> {
  clients: TenantClients<PrismaClient>;
  audit: AuditTrail;
  tokens: SessionTokens;
  mailer: Mailer;
  /** Seals TOTP secrets at rest. */
  secrets: SecretBox;
}

/** Sign-in of tenant users: registration, passwords, e-mail links, MFA and the audit trail. */
export class Accounts {
  private readonly loginFailures: FailureThrottle;
  private readonly requestsPerIp: RequestLimit;
  private readonly resetsPerAccount: RequestLimit;

  constructor(private readonly deps: AccountsDeps) {
    const { config, redis } = deps;
    const prefix = `${config.REDIS_KEY_PREFIX}auth`;
    this.loginFailures = signInThrottle(redis, config, 'login');
    this.requestsPerIp = new RequestLimit(redis, `${prefix}:requests`, {
      points: config.AUTH_REQUESTS_PER_IP_PER_HOUR,
      durationSeconds: 3600,
    });
    this.resetsPerAccount = new RequestLimit(redis, `${prefix}:resets`, {
      points: 3,
      durationSeconds: 3600,
    });
  }

  private db(tenantId: string, options?: { includeSuspended?: boolean }) {
    return this.deps.clients.forTenant(tenantId, options);
  }

  private async audit(tenantId: string, ctx: RequestContext, entry: AuditEntry): Promise<void> {
    await this.deps.audit.tenant(
      await this.db(tenantId, { includeSuspended: true }),
      tenantId,
      ctx,
      entry,
    );
  }

  async register(rawInput: unknown, ctx: RequestContext): Promise<Account & { name: string }> {
    await this.requestsPerIp.consume(ctx.clientIp ?? 'unknown');
    const input = parseInput(registerInput, rawInput);
    const tenant = await this.deps.platform.findActiveTenant({ slug: input.tenantSlug });
    if (!tenant?.selfRegistration) throw forbidden('Registration is not open for this tenant');
    assertPasswordPolicy(input.password);
    const db = await this.db(tenant.id);
    // Limit and hashing come before the existence check, so time and errors reveal no accounts.
    enforceLimit('maxUsers', await db.account.count({ where: SEATED }), tenant.limits);
    const passwordHash = await hashPassword(input.password);
    const existing = await db.account.findUnique({ where: { email: input.email } });
    if (existing) return this.alreadyRegistered(tenant.id, existing, input.name);
    let account: Account;
    try {
      account = await createWithinLimit(db, tenant.limits, {
        email: input.email,
        passwordHash,
        status: 'ACTIVE',
        roles: ['TRADER'],
        emailVerified: false,
      });
    } catch (error) {
      // The same address registered at the same moment: the same answer as above.
      if (!isUniqueViolation(error)) throw error;
      const winner = await db.account.findUniqueOrThrow({ where: { email: input.email } });
      return this.alreadyRegistered(tenant.id, winner, input.name);
    }
    await announceNewAccount(
      { db, streams: this.deps.streams },
      tenant.id,
      account,
      input.name,
      'EMAIL_VERIFICATION',
    );
    await this.deps.audit.tenant(db, tenant.id, ctx, {
      type: 'REGISTERED',
      actorId: account.id,
      subjectId: account.id,
    });
    return { ...account, name: input.name };
  }

  /**
   * The answer to registering an address that has an account: shaped like a new registration,
   * so the form reveals no accounts; the owner of the address hears about it by e-mail instead.
   */
  private async alreadyRegistered(tenantId: string, existing: Account, name: string) {
    await this.requestMail(tenantId, existing.id, 'ALREADY_REGISTERED');
    const now = new Date();
    return {
      ...existing,
      id: randomUUID(),
      passwordHash: null,
      emailVerified: false,
      status: 'ACTIVE' as const,
      roles: ['TRADER' as const],
      totpSecret: null,
      totpEnabled: false,
      totpLastStep: null,
      googleSubject: null,
      lastLoginAt: null,
      createdAt: now,
      updatedAt: now,
      name,
    };
  }

  async login(rawInput: unknown, ctx: RequestContext): Promise<SignedIn & { account: Account }> {
    const input = parseInput(loginInput, rawInput);
    // Before anything is read: a password reset after this moment refuses the sign-in.
    const authenticatedAt = Date.now();
    const slug = input.tenantSlug.trim().toLowerCase();
    const throttleKey = `${slug}:${input.email}`;
    const { tenant, db, account } = await this.loginFailures.check(
      throttleKey,
      ctx.clientIp,
      async () => {
        const tenant = await this.deps.platform.directory.lookupSlug(slug);
        const reachable = tenant && (tenant.status === 'ACTIVE' || tenant.status === 'SUSPENDED');
        const db = reachable ? await this.db(tenant.id, { includeSuspended: true }) : null;
        const account = db ? await db.account.findUnique({ where: { email: input.email } }) : null;
        // argon2 runs even for unknown tenants and e-mails, so timing reveals nothing.
        const passwordOk = await verifyPasswordOrDummy(account?.passwordHash, input.password);
        if (!tenant || !db || !account || !passwordOk || account.status !== 'ACTIVE') {
          if (db && tenant)
            await this.deps.audit.tenant(db, tenant.id, ctx, {
              type: 'LOGIN_FAILED',
              subjectId: account?.id,
              metadata: {
                reason: !account ? 'UNKNOWN_EMAIL' : !passwordOk ? 'BAD_PASSWORD' : account.status,
              },
            });
          throw invalidCredentials();
        }
        // Only now, with good credentials, may the answer say more than "invalid".
        if (tenant.status === 'SUSPENDED') {
          await this.loginFailures.forgive(throttleKey, ctx.clientIp);
          throw new AppError('TENANT_SUSPENDED', 'This tenant is suspended');
        }
        await passSecondFactor({
          record: account,
          code: input.totpCode,
          account: this.mfaAccount(db, tenant.id, account.id),
          forgiveAttempt: () => this.loginFailures.forgive(throttleKey, ctx.clientIp),
          onWrongCode: () =>
            this.deps.audit.tenant(db, tenant.id, ctx, {
              type: 'LOGIN_FAILED',
              subjectId: account.id,
              metadata: { reason: 'BAD_MFA_CODE' },
            }),
        });
        return { tenant, db, account };
      },
    );
    await this.loginFailures.succeeded(throttleKey, ctx.clientIp);
    return this.completeSignIn(tenant, db, account, ctx, {
      method: 'PASSWORD',
      deviceName: input.deviceName,
      authenticatedAt,
    });
  }

  /** Opens the session of a verified account (password or Google), records it, and returns tokens. */
  async completeSignIn(
    tenant: TenantLocation,
    db: PrismaClient,
    account: Account,
    ctx: RequestContext,
    details: {
      method: 'PASSWORD' | 'GOOGLE';
      deviceName?: string | null;
      /** When the credentials were checked; see NewSession.authenticatedAt. */
      authenticatedAt: number;
    },
  ): Promise<SignedIn & { account: Account }> {
    const signedIn = await this.deps.tokens.signIn(
      {
        kind: 'user',
        tenantId: tenant.id,
        tenantSlug: tenant.slug,
        userId: account.id,
        roles: account.roles,
      },
      ctx,
      {
        deviceName: details.deviceName,
        maxSessions: tenant.limits.maxSessionsPerUser,
        authenticatedAt: details.authenticatedAt,
      },
    );
    try {
      const updated = await db.account.update({
        where: { id: account.id },
        data: { lastLoginAt: new Date() },
      });
      await this.deps.audit.tenant(db, tenant.id, ctx, {
        type: 'LOGIN_SUCCEEDED',
        actorId: account.id,
        subjectId: account.id,
        metadata: { method: details.method, sessionId: signedIn.session.id },
      });
      return { ...signedIn, account: updated };
    } catch (error) {
      // The client gets no tokens, so the session must not stay to count toward its limit.
      await this.deps.sessions.revoke(tenant.id, signedIn.session.id, 'REVOKED');
      throw error;
    }
  }

  /** The current subject of a session at refresh: an active account in an active tenant. */
  async refreshSubject(tenantId: string, userId: string) {
    const tenant = await this.deps.platform.findActiveTenant({ id: tenantId });
    if (!tenant) return null;
    const account = await (await this.db(tenantId)).account.findUnique({ where: { id: userId } });
    if (account?.status !== 'ACTIVE') return null;
    return {
      kind: 'user' as const,
      tenantId,
      tenantSlug: tenant.slug,
      userId,
      roles: account.roles,
    };
  }

  async recordRefreshReuse(
    tenantId: string,
    userId: string,
    sessionId: string,
    ctx: RequestContext,
  ) {
    await this.audit(tenantId, ctx, {
      type: 'REFRESH_REUSE',
      subjectId: userId,
      metadata: { sessionId },
    });
  }

  async logout(
    ctx: RequestContext,
    tenantId: string,
    userId: string,
    sessionId: string,
  ): Promise<void> {
    await this.deps.sessions.revoke(tenantId, sessionId, 'LOGOUT');
    await this.audit(tenantId, ctx, {
      type: 'LOGOUT',
      actorId: userId,
      subjectId: userId,
      metadata: { sessionId },
    });
  }

  async requestPasswordReset(rawInput: unknown, ctx: RequestContext): Promise<true> {
    await this.requestsPerIp.consume(ctx.clientIp ?? 'unknown');
    const input = parseInput(resetRequestInput, rawInput);
    const email = input.email.trim().toLowerCase();
    const tenant = await this.deps.platform.findActiveTenant({ slug: input.tenantSlug });
    // Capped per address whether or not it has an account, so nobody can flood someone's inbox
    // and the limit reveals nothing.
    await this.resetsPerAccount.consume(`${input.tenantSlug.trim().toLowerCase()}:${email}`);
    if (!tenant) return true;
    const account = await (await this.db(tenant.id)).account.findUnique({ where: { email } });
    if (account?.status === 'ACTIVE')
      await this.requestMail(tenant.id, account.id, 'PASSWORD_RESET');
    return true;
  }

  async resetPassword(rawToken: unknown, rawPassword: unknown, ctx: RequestContext): Promise<true> {
    const password = parseInput(newPasswordInput, rawPassword);
    assertPasswordPolicy(password);
    // Proving the mailbox also verifies the address; everyone signed in as the user is signed out.
    const { tenantId, accountId } = await this.redeemLink(rawToken, 'PASSWORD_RESET', ctx, {
      passwordHash: await hashPassword(password),
      emailVerified: true,
    });
    await this.deps.sessions.revokeAllForUser(tenantId, accountId, 'PASSWORD_RESET');
    return true;
  }

  async verifyEmail(rawToken: unknown, ctx: RequestContext): Promise<true> {
    await this.redeemLink(rawToken, 'EMAIL_VERIFICATION', ctx, { emailVerified: true });
    return true;
  }

  async acceptInvitation(
    rawToken: unknown,
    rawPassword: unknown,
    ctx: RequestContext,
  ): Promise<true> {
    const password = parseInput(newPasswordInput, rawPassword);
    assertPasswordPolicy(password);
    await this.redeemLink(rawToken, 'INVITATION', ctx, {
      passwordHash: await hashPassword(password),
      emailVerified: true,
      status: 'ACTIVE',
    });
    return true;
  }

  /**
   * Uses up an e-mailed link and applies its change to the account, with an audit entry. A
   * disabled account's links are dead.
   */
  private async redeemLink(
    rawToken: unknown,
    purpose: 'PASSWORD_RESET' | 'EMAIL_VERIFICATION' | 'INVITATION',
    ctx: RequestContext,
    change: { passwordHash?: string; emailVerified?: boolean; status?: 'ACTIVE' },
  ): Promise<{ tenantId: string; accountId: string }> {
    const token = parseInput(tokenInput, rawToken);
    const { tenantId, db } = await this.tokenTenantDb(token);
    const accountId = await consumeEmailToken(db, token, purpose);
    const { count } = await db.account.updateMany({
      where: { id: accountId, status: { not: 'DISABLED' } },
      data: change,
    });
    if (count !== 1) throw invalidLink();
    await this.deps.audit.tenant(db, tenantId, ctx, {
      type: LINK_AUDIT[purpose],
      actorId: accountId,
      subjectId: accountId,
    });
    return { tenantId, accountId };
  }

  async changePassword(
    ctx: RequestContext,
    user: { tenantId: string; userId: string; sessionId: string },
    current: unknown,
    next: unknown,
  ): Promise<true> {
    const currentPassword = parseInput(newPasswordInput, current);
    const newPassword = parseInput(newPasswordInput, next);
    const throttleKey = `change:${user.tenantId}:${user.userId}`;
    const { db, account } = await this.loginFailures.check(throttleKey, ctx.clientIp, async () => {
      const db = await this.db(user.tenantId);
      const account = await db.account.findUnique({ where: { id: user.userId } });
      if (!account?.passwordHash || !(await verifyPassword(account.passwordHash, currentPassword)))
        throw unauthenticated('The current password is wrong');
      return { db, account };
    });
    await this.loginFailures.succeeded(throttleKey, ctx.clientIp);
    assertPasswordPolicy(newPassword);
    await db.account.update({
      where: { id: account.id },
      data: { passwordHash: await hashPassword(newPassword) },
    });
    // Whoever else holds a session of this user is signed out; this device stays in.
    await this.deps.sessions.revokeAllForUser(
      user.tenantId,
      user.userId,
      'PASSWORD_CHANGED',
      user.sessionId,
    );
    await this.deps.audit.tenant(db, user.tenantId, ctx, {
      type: 'PASSWORD_CHANGED',
      actorId: account.id,
      subjectId: account.id,
    });
    return true;
  }

  async enrollTotp(user: { tenantId: string; tenantSlug: string; userId: string }) {
    const db = await this.db(user.tenantId);
    return enrollTotp(this.mfaAccount(db, user.tenantId, user.userId, user.tenantSlug));
  }

  async confirmTotp(
    ctx: RequestContext,
    user: { tenantId: string; tenantSlug: string; userId: string },
    rawCode: unknown,
  ) {
    const code = parseInput(totpCodeInput, rawCode);
    const db = await this.db(user.tenantId);
    const result = await confirmTotp(
      this.mfaAccount(db, user.tenantId, user.userId, user.tenantSlug),
      code,
    );
    await this.deps.audit.tenant(db, user.tenantId, ctx, {
      type: 'MFA_ENABLED',
      actorId: user.userId,
      subjectId: user.userId,
    });
    return result;
  }

  /** The tenant's audit trail, newest first, with an opaque (time, id) cursor. */
  async auditLog(tenantId: string, first: number, after?: string | null) {
    const size = pageSize(first, 50, 200);
    const cursor = after ? decodeCursor(after, 2) : null;
    const at = cursor ? new Date(cursor[0]) : null;
    if (cursor && (Number.isNaN(at!.getTime()) || !isUuid(cursor[1])))
      throw badUserInput('Invalid cursor', { field: 'after' });
    const db = await this.db(tenantId);
    const rows = await db.auditEvent.findMany({
      where: cursor ? { OR: [{ at: { lt: at! } }, { at: at!, id: { lt: cursor[1] } }] } : undefined,
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: size + 1,
    });
    return connection(rows, size, (event) => [event.at.toISOString(), event.id]);
  }

  /** Handles the account.email stream: a fresh single-use token, then the e-mail. */
  async sendAccountMail(tenantId: string, accountId: string, kind: MailKind): Promise<void> {
    const tenant = await this.deps.platform.findActiveTenant({ id: tenantId });
    if (!tenant) return;
    const db = await this.db(tenantId);
    const account = await db.account.findUnique({ where: { id: accountId } });
    if (!account) return;
    const token =
      kind === 'ALREADY_REGISTERED'
        ? undefined
        : await issueEmailToken(db, tenantId, accountId, kind, ttlSeconds(kind, this.deps.config));
    await this.deps.mailer.send({ kind, to: account.email, tenantName: tenant.name, token });
  }

  private requestMail(tenantId: string, accountId: string, kind: MailKind): Promise<void> {
    return this.deps.streams.append('account.email', { tenantId, accountId, kind });
  }

  private async tokenTenantDb(token: string) {
    const tenantId = tokenTenant(token);
    const tenant = await this.deps.platform.findActiveTenant({ id: tenantId });
    if (!tenant) throw invalidLink();
    return { tenantId, db: await this.db(tenantId) };
  }

  /** The MFA state of a tenant account, in its tenant's schema; its secret sealed at rest. */
  private mfaAccount(
    db: PrismaClient,
    tenantId: string,
    accountId: string,
    tenantSlug = '',
  ): MfaAccount {
    const { secrets } = this.deps;
    const context = accountSecretContext(tenantId, accountId);
    return {
      load: async () => {
        const account = await db.account.findUniqueOrThrow({ where: { id: accountId } });
        return { ...account, label: `${tenantSlug}:${account.email}` };
      },
      openSecret: (stored) => secrets.open(stored, context),
      savePendingSecret: async (secret) => {
        await db.account.update({
          where: { id: accountId },
          data: { totpSecret: secrets.seal(secret, context) },
        });
      },
      enable: (stored, step, codeHashes) =>
        db.$transaction(async (tx) => {
          const { count } = await tx.account.updateMany({
            where: { id: accountId, totpEnabled: false, totpSecret: stored },
            data: { totpEnabled: true, totpLastStep: step },
          });
          if (count !== 1) return false;
          await tx.recoveryCode.deleteMany({ where: { accountId } });
          await tx.recoveryCode.createMany({
            data: codeHashes.map((codeHash) => ({ accountId, codeHash })),
          });
          return true;
        }),
      advanceTotpStep: async (step) =>
        (
          await db.account.updateMany({
            where: { id: accountId, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
            data: { totpLastStep: step },
          })
        ).count === 1,
      consumeRecoveryCode: async (codeHash) =>
        (
          await db.recoveryCode.updateMany({
            where: { accountId, codeHash, usedAt: null },
            data: { usedAt: new Date() },
          })
        ).count === 1,
    };
  }
}
