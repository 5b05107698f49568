import {
  AppError,
  canSeeTenant,
  DateTimeScalar,
  JSONScalar,
  permissionsOf,
  ownDataExport,
  PLATFORM_SCOPE,
  requireTenantUser,
} from '@tradesage/shared';
import type { Context } from './context';
import type { Resolvers } from './generated/resolvers';

/**
 * Marks the account a sign-in returns: the caller is that user, though the request carried no
 * token yet, so the account's own fields may be shown to them (see permissions.ts).
 */
function ownSignIn<T extends object>(account: T): T & { returnedToItsUser: true } {
  return { ...account, returnedToItsUser: true };
}

/** The caller's own session, for logout and MFA: a user's or an operator's. */
function signedIn(ctx: Context) {
  const principal = ctx.principal;
  if (principal.kind === 'anonymous')
    throw new AppError('UNAUTHENTICATED', 'Authentication required');
  return principal;
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    authStatus: (_parent, _args, ctx) => {
      const principal = ctx.principal;
      switch (principal.kind) {
        case 'anonymous':
          return { kind: 'ANONYMOUS', roles: [] };
        case 'operator':
          return { kind: 'OPERATOR', userId: principal.operatorId, roles: principal.roles };
        case 'user':
          return {
            kind: 'USER',
            tenantId: principal.tenantId,
            userId: principal.userId,
            roles: principal.roles,
          };
      }
    },
    auditLog: (_parent, { first, after }, ctx) =>
      ctx.services.accounts.auditLog(requireTenantUser(ctx).tenantId, first ?? 50, after),
    operatorSignInEvents: (_parent, args, ctx) => ctx.services.operators.signInTrail(args),
    // The caller's own, always: the other subgraphs resolve their parts by this key.
    exportMyData: (_parent, _args, ctx) => {
      const { tenantId, userId } = requireTenantUser(ctx);
      return { tenantId, userId };
    },
  },
  Mutation: {
    register: async (_parent, { input }, ctx) => ({
      user: ownSignIn(await ctx.services.accounts.register(input, ctx)),
    }),
    login: async (_parent, { input }, ctx) => {
      const result = await ctx.services.accounts.login(input, ctx);
      return { ...result, user: ownSignIn(result.account), session: { id: result.session.id } };
    },
    completeGoogleLogin: async (_parent, { code, state }, ctx) => {
      const { tenant, db, account } = await ctx.services.google.complete(code, state, ctx);
      // After the account was checked (and, for a takeover, its old sessions ended).
      const authenticatedAt = Date.now();
      const result = await ctx.services.accounts.completeSignIn(tenant, db, account, ctx, {
        method: 'GOOGLE',
        authenticatedAt,
      });
      return { ...result, user: ownSignIn(result.account), session: { id: result.session.id } };
    },
    startGoogleLogin: (_parent, args, ctx) => ctx.services.google.start(args),
    operatorLogin: (_parent, args, ctx) => ctx.services.operators.login(args, ctx),
    refreshSession: (_parent, { refreshToken }, ctx) => {
      const { accounts, operators, tokens } = ctx.services;
      return tokens.refresh(
        refreshToken,
        (session) =>
          session.tenantId === PLATFORM_SCOPE
            ? operators.refreshSubject(session.userId)
            : accounts.refreshSubject(session.tenantId, session.userId),
        (session) =>
          session.tenantId === PLATFORM_SCOPE
            ? operators.recordRefreshReuse(session.userId, session.id, ctx)
            : accounts.recordRefreshReuse(session.tenantId, session.userId, session.id, ctx),
      );
    },
    logout: async (_parent, _args, ctx) => {
      const principal = signedIn(ctx);
      if (principal.kind === 'operator')
        await ctx.services.operators.logout(ctx, principal.operatorId, principal.sessionId);
      else
        await ctx.services.accounts.logout(
          ctx,
          principal.tenantId,
          principal.userId,
          principal.sessionId,
        );
      return true;
    },
    requestPasswordReset: (_parent, args, ctx) =>
      ctx.services.accounts.requestPasswordReset(args, ctx),
    resetPassword: (_parent, { token, newPassword }, ctx) =>
      ctx.services.accounts.resetPassword(token, newPassword, ctx),
    verifyEmail: (_parent, { token }, ctx) => ctx.services.accounts.verifyEmail(token, ctx),
    acceptInvitation: (_parent, { token, password }, ctx) =>
      ctx.services.accounts.acceptInvitation(token, password, ctx),
    changePassword: (_parent, { currentPassword, newPassword }, ctx) =>
      ctx.services.accounts.changePassword(
        ctx,
        requireTenantUser(ctx),
        currentPassword,
        newPassword,
      ),
    enrollTotp: (_parent, _args, ctx) => {
      const principal = signedIn(ctx);
      return principal.kind === 'operator'
        ? ctx.services.operators.enrollTotp(principal.operatorId)
        : ctx.services.accounts.enrollTotp(principal);
    },
    inviteUser: async (_parent, { input }, ctx) => ({
      ...(await ctx.services.admin.invite(ctx, requireTenantUser(ctx), input)),
      // Provided to the router (the user subgraph's profile may not exist yet).
      name: input.name.trim(),
    }),
    assignRole: (_parent, { userId, role }, ctx) =>
      ctx.services.admin.assignRole(ctx, requireTenantUser(ctx), userId, role),
    revokeRole: (_parent, { userId, role }, ctx) =>
      ctx.services.admin.revokeRole(ctx, requireTenantUser(ctx), userId, role),
    disableUser: (_parent, { userId }, ctx) =>
      ctx.services.admin.disable(ctx, requireTenantUser(ctx), userId),
    eraseUser: (_parent, { userId }, ctx) =>
      ctx.services.privacy.erase(ctx, requireTenantUser(ctx), userId),
    confirmTotp: (_parent, { code }, ctx) => {
      const principal = signedIn(ctx);
      return principal.kind === 'operator'
        ? ctx.services.operators.confirmTotp(ctx, principal.operatorId, code)
        : ctx.services.accounts.confirmTotp(ctx, principal, code);
    },
  },
  User: {
    // The account is looked up in the caller's own tenant schema, so a foreign id finds nothing.
    __resolveReference: (reference, ctx) =>
      ctx.services.account(ctx, requireTenantUser(ctx).tenantId, reference.id),
    permissions: (account) => permissionsOf(account.roles),
    mfaEnabled: (account) => account.totpEnabled,
    // Only reached where this subgraph @provides the name (registration, invitation).
    name: (account) => (account as { name?: string }).name ?? '',
  },
  AuditEvent: {
    metadata: (event) => event.metadata ?? {},
  },
  MyDataExport: {
    __resolveReference: (reference, ctx) => ownDataExport(ctx, reference.userId),
    generatedAt: () => new Date(),
    account: (subject, _args, ctx) =>
      ctx.services.privacy.account(subject, (tenantId, id) =>
        ctx.services.account(ctx, tenantId, id),
      ),
    auditEvents: (subject, { first, after }, ctx) =>
      ctx.services.privacy.auditEvents(subject, first ?? 100, after),
  },
  ExportedAccount: {
    hasPassword: (account) => account.passwordHash !== null,
    mfaEnabled: (account) => account.totpEnabled,
    recoveryCodesLeft: (account, _args, ctx) => ctx.services.privacy.recoveryCodesLeft(account),
    identities: (account) =>
      account.googleSubject ? [{ provider: 'GOOGLE', subject: account.googleSubject }] : [],
    emailLinks: (account, _args, ctx) => ctx.services.privacy.emailLinks(account),
  },
  TenantUsage: {
    __resolveReference: (reference, ctx) =>
      canSeeTenant(ctx, reference.tenantId) ? reference : null,
    users: (usage, _args, ctx) => ctx.services.countUsers(usage.tenantId),
  },
};
