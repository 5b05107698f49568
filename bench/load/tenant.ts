/**
 * The tenant `bench:load` runs against, made the way an operator and its owner would: OperatorLogin
 * → CreateTenant → UpdateTenantLimits, then InviteUser → acceptInvitation → Login for each user,
 * all through the router.
 */
import {
  graphql,
  inviteAndLogin,
  login,
  OPERATOR,
  operation,
  type SignedIn,
  type Stack,
} from '../../e2e/support/stack';
import { runConcurrently } from '../lib/stats';

export const SLUG = 'load-bench';
const OWNER = { email: 'olga@load-bench.test', name: 'Olga', password: 'olgas long password' };

/** Limits no run reaches: the rate limiter and the session cap never refuse the bench. */
export const LIMITS = {
  maxUsers: 100_000,
  maxSessionsPerUser: 100_000,
  requestsPerMinute: 10_000_000,
};

export type Role = 'OWNER' | 'ADMIN' | 'TRADER';
export interface BenchUser {
  email: string;
  name: string;
  role: Role;
  password: string;
  /** The first sign-in (more may follow). */
  signedIn: SignedIn;
}

export interface BenchTenant {
  id: string;
  operatorToken: string;
  owner: BenchUser;
  users: BenchUser[];
  limits: Record<string, number>;
}

async function ok(
  stack: Stack,
  name: string,
  token: string | undefined,
  variables?: Record<string, unknown>,
) {
  const result = await graphql(stack.routerUrl, operation(name), token, variables);
  if (result.status !== 200 || result.body.errors)
    throw new Error(`${name}: HTTP ${result.status} ${JSON.stringify(result.body.errors)}`);
  return result.body.data;
}

/** Creates the tenant (ENTERPRISE plan, limits raised) and its users, `concurrency` at a time. */
export async function createBenchTenant(
  stack: Stack,
  roles: Role[],
  concurrency: number,
): Promise<BenchTenant> {
  const operator = await ok(stack, 'OperatorLogin', undefined, OPERATOR);
  const operatorToken: string = operator.operatorLogin.accessToken;
  const created = await ok(stack, 'CreateTenant', operatorToken, {
    input: { slug: SLUG, name: 'Load bench', plan: 'ENTERPRISE', owner: OWNER },
  });
  const id: string = created.createTenant.tenant.id;
  const updated = await ok(stack, 'UpdateTenantLimits', operatorToken, { id, input: LIMITS });
  const ownerSignedIn = await login(stack, {
    tenantSlug: SLUG,
    email: OWNER.email,
    password: OWNER.password,
  });
  const owner: BenchUser = { ...OWNER, role: 'OWNER', signedIn: ownerSignedIn };
  const users: BenchUser[] = new Array(roles.length);
  await runConcurrently(roles.length, concurrency, async (i) => {
    const role = roles[i];
    const name = `${role.charAt(0)}${role.slice(1).toLowerCase()}${i}`;
    const email = `${name.toLowerCase()}@load-bench.test`;
    const signedIn = await inviteAndLogin(stack, SLUG, ownerSignedIn.token, { email, name, role });
    // inviteAndLogin's password rule, so the user can sign in again.
    users[i] = { email, name, role, password: `${name.toLowerCase()} long password`, signedIn };
  });
  return { id, operatorToken, owner, users, limits: updated.updateTenantLimits.limits };
}

/** `count` more sign-ins of a user through the router (Login), `concurrency` at a time. */
export async function signInAgain(
  stack: Stack,
  user: BenchUser,
  count: number,
  concurrency: number,
): Promise<SignedIn[]> {
  const sessions: SignedIn[] = new Array(count);
  await runConcurrently(count, concurrency, async (i) => {
    sessions[i] = await login(stack, {
      tenantSlug: SLUG,
      email: user.email,
      password: user.password,
      deviceName: `bench ${i}`,
    });
  });
  return sessions;
}
