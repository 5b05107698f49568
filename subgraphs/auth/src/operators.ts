import {
  parseInput,
  assertPasswordPolicy,
  signInThrottle,
  type FailureThrottle,
  verifyPasswordOrDummy,
  hashPassword,
  PLATFORM_SCOPE,
  unauthenticated,
  type Config,
  type Logger,
  type RequestContext,
  type SecretBox,
  type SessionStore,
} from '@tradesage/shared';
import { Prisma, type PrismaClient } from '../../../prisma/operators/generated/client';
import { operatorSignInTrail, type AuditTrail, type SignInTrailArgs } from './audit';
import { operatorLoginInput, totpCodeInput } from './inputs';
import { confirmTotp, enrollTotp, passSecondFactor, type MfaAccount } from './mfa';
import { operatorSecretContext } from './secrets';
import type { SessionTokens, SignedIn } from './tokens';

export interface OperatorsDeps {
  config: Config;
  log: Logger;
  db: PrismaClient;
  redis: import('ioredis').Redis;
  sessions: SessionStore;
  tokens: SessionTokens;
  audit: AuditTrail;
  /** Seals TOTP secrets at rest. */
  secrets: SecretBox;
}

/** Platform operators: control-plane accounts with no tenant, signing in with role PLATFORM_OPERATOR. */
export class Operators {
  private readonly loginFailures: FailureThrottle;

  constructor(private readonly deps: OperatorsDeps) {
    this.loginFailures = signInThrottle(deps.redis, deps.config, 'operator-login');
  }

  async login(rawInput: unknown, ctx: RequestContext) {
    const input = parseInput(operatorLoginInput, rawInput);
    const { db } = this.deps;
    const operator = await this.loginFailures.check(input.email, ctx.clientIp, async () => {
      const operator = await db.platformOperator.findUnique({ where: { email: input.email } });
      const passwordOk = await verifyPasswordOrDummy(operator?.passwordHash, input.password);
      const fail = async (
        reason: string,
        error = unauthenticated('Invalid e-mail or password'),
      ) => {
        await this.deps.audit.operator(db, ctx, {
          type: 'LOGIN_FAILED',
          subjectId: operator?.id,
          metadata: { reason },
        });
        return error;
      };
      if (!operator || !passwordOk) throw await fail(operator ? 'BAD_PASSWORD' : 'UNKNOWN_EMAIL');
      await passSecondFactor({
        record: operator,
        code: input.totpCode,
        account: this.mfaAccount(operator.id),
        forgiveAttempt: () => this.loginFailures.forgive(input.email, ctx.clientIp),
        onWrongCode: async () => {
          await fail('BAD_MFA_CODE');
        },
      });
      return operator;
    });
    await this.loginFailures.succeeded(input.email, ctx.clientIp);
    const signedIn: SignedIn = await this.deps.tokens.signIn(
      { kind: 'operator', operatorId: operator.id },
      ctx,
    );
    await db.platformOperator.update({
      where: { id: operator.id },
      data: { lastLoginAt: new Date() },
    });
    await this.deps.audit.operator(db, ctx, {
      type: 'LOGIN_SUCCEEDED',
      actorId: operator.id,
      subjectId: operator.id,
      metadata: { sessionId: signedIn.session.id },
    });
    return { ...signedIn, operator };
  }

  async refreshSubject(operatorId: string) {
    const operator = await this.deps.db.platformOperator.findUnique({ where: { id: operatorId } });
    return operator ? { kind: 'operator' as const, operatorId } : null;
  }

  async recordRefreshReuse(operatorId: string, sessionId: string, ctx: RequestContext) {
    await this.deps.audit.operator(this.deps.db, ctx, {
      type: 'REFRESH_REUSE',
      subjectId: operatorId,
      metadata: { sessionId },
    });
  }

  async logout(ctx: RequestContext, operatorId: string, sessionId: string): Promise<void> {
    await this.deps.sessions.revoke(PLATFORM_SCOPE, sessionId, 'LOGOUT');
    await this.deps.audit.operator(this.deps.db, ctx, {
      type: 'LOGOUT',
      actorId: operatorId,
      subjectId: operatorId,
    });
  }

  async enrollTotp(operatorId: string) {
    return enrollTotp(this.mfaAccount(operatorId));
  }

  async confirmTotp(ctx: RequestContext, operatorId: string, rawCode: unknown) {
    const code = parseInput(totpCodeInput, rawCode);
    const result = await confirmTotp(this.mfaAccount(operatorId), code);
    await this.deps.audit.operator(this.deps.db, ctx, {
      type: 'MFA_ENABLED',
      actorId: operatorId,
      subjectId: operatorId,
    });
    return result;
  }

  /** The operators' sign-in trail, newest first (see audit.ts). */
  signInTrail(args: SignInTrailArgs) {
    return operatorSignInTrail(this.deps.db, args);
  }

  /** Creates the configured first operator if there is no operator at all yet. */
  async ensureBootstrapOperator(): Promise<void> {
    const { config, db, log } = this.deps;
    if (!config.BOOTSTRAP_OPERATOR_EMAIL || !config.BOOTSTRAP_OPERATOR_PASSWORD) return;
    if ((await db.platformOperator.count()) > 0) return;
    const created = await createOperator(db, {
      email: config.BOOTSTRAP_OPERATOR_EMAIL,
      name: config.BOOTSTRAP_OPERATOR_NAME,
      password: config.BOOTSTRAP_OPERATOR_PASSWORD,
    });
    if (created) log.info({ operatorId: created.id }, 'created the first platform operator');
  }

  /** The MFA state of an operator, in the control plane; its secret sealed at rest. */
  private mfaAccount(operatorId: string): MfaAccount {
    const { db, secrets } = this.deps;
    const context = operatorSecretContext(operatorId);
    return {
      load: async () => {
        const operator = await db.platformOperator.findUniqueOrThrow({ where: { id: operatorId } });
        return { ...operator, label: `operator:${operator.email}` };
      },
      openSecret: (stored) => secrets.open(stored, context),
      savePendingSecret: async (secret) => {
        await db.platformOperator.update({
          where: { id: operatorId },
          data: { totpSecret: secrets.seal(secret, context) },
        });
      },
      enable: (stored, step, codeHashes) =>
        db.$transaction(async (tx) => {
          const { count } = await tx.platformOperator.updateMany({
            where: { id: operatorId, totpEnabled: false, totpSecret: stored },
            data: { totpEnabled: true, totpLastStep: step },
          });
          if (count !== 1) return false;
          await tx.operatorRecoveryCode.deleteMany({ where: { operatorId } });
          await tx.operatorRecoveryCode.createMany({
            data: codeHashes.map((codeHash) => ({ operatorId, codeHash })),
          });
          return true;
        }),
      advanceTotpStep: async (step) =>
        (
          await db.platformOperator.updateMany({
            where: { id: operatorId, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
            data: { totpLastStep: step },
          })
        ).count === 1,
      consumeRecoveryCode: async (codeHash) =>
        (
          await db.operatorRecoveryCode.updateMany({
            where: { operatorId, codeHash, usedAt: null },
            data: { usedAt: new Date() },
          })
        ).count === 1,
    };
  }
}

/**
 * Creates an operator (the CLI, or the bootstrap one from configuration). Returns null when
 * one with that e-mail exists already.
 */
export async function createOperator(
  db: PrismaClient,
  input: { email: string; name: string; password: string },
) {
  assertPasswordPolicy(input.password);
  try {
    return await db.platformOperator.create({
      data: {
        email: input.email.trim().toLowerCase(),
        name: input.name.trim(),
        passwordHash: await hashPassword(input.password),
      },
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
      return null;
    throw error;
  }
}
