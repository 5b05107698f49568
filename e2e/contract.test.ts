/**
 * The React app's contract (schema/operations/react-app/operations.graphql), one row per
 * operation, through the router with Apollo Client and the generated TypedDocumentNodes: each
 * operation is called by a role allowed to call it, with a meaningful result, then by one that
 * is not (docs/rbac.md, docs/authentication.md), which gets the exact error code and no data.
 * An operation in the contract without a row here fails the last test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gql, type OperationVariables, type TypedDocumentNode } from '@apollo/client';
import { getOperationAST, Kind, parse, type DocumentNode } from 'graphql';
import { generate } from 'otplib';
import { REPO_ROOT } from '@tradesage/shared';
import { settled, until } from '@tradesage/shared/testing';
import * as op from '../schema/operations/generated';
import {
  createApolloClient,
  createWsApolloClient,
  run,
  stopApolloClients,
  watch,
  type Outcome,
  type TestApolloClient,
  type VariablesOf,
  type Watched,
} from './support/apollo';
import { GOOGLE_REDIRECT_URI, OPERATOR, startStack, type Stack } from './support/stack';

/** Sent by the app's invitation page and tenant settings page; not in the contract file. */
const AcceptInvitation: TypedDocumentNode<
  { acceptInvitation: boolean },
  { token: string; password: string }
> = gql`
  mutation AcceptInvitation($token: String!, $password: String!) {
    acceptInvitation(token: $token, password: $password)
  }
`;
const UpdateTenantSettings: TypedDocumentNode<
  { updateTenantSettings: { id: string; selfRegistration: boolean } },
  { id: string; on: boolean }
> = gql`
  mutation UpdateTenantSettings($id: ID!, $on: Boolean) {
    updateTenantSettings(id: $id, input: { selfRegistration: $on }) {
      id
      selfRegistration
    }
  }
`;

const KAPPA = 'kappa-desk';
const LAMBDA = 'lambda-desk';
const password = (name: string) => `${name} long password`;
const GOOGLE_USER = { sub: 'g-gail', email: 'gail@kappa.test', email_verified: true, name: 'Gail' };

/** A signed-in caller: an Apollo Client that sends the member's current token. */
interface Member {
  client: TestApolloClient;
  token?: string;
  refreshToken?: string;
  userId: string;
  sessionId?: string;
  email: string;
  password: string;
}

let stack: Stack;
let anonymous: TestApolloClient;
let operator: Member;
let owner: Member;
let admin: Member;
let trader: Member;
let analyst: Member;
let viewer: Member;
let kappaId: string;
let lambda: { id: string; owner: Member };

/** Operations the rows sent (helpers use `run`), to check that every one of the contract was. */
const exercised = new Set<string>();
const nameOf = (document: DocumentNode) => getOperationAST(document)?.name?.value;

function call<TData, TVariables extends OperationVariables>(
  client: TestApolloClient,
  document: TypedDocumentNode<TData, TVariables>,
  ...variables: VariablesOf<TVariables>
): Promise<Outcome<TData>> {
  exercised.add(nameOf(document)!);
  return run(client, document, ...variables);
}

function subscribe<TData, TVariables extends OperationVariables>(
  client: TestApolloClient,
  document: TypedDocumentNode<TData, TVariables>,
  ...variables: VariablesOf<TVariables>
): Watched<TData> {
  exercised.add(nameOf(document)!);
  return watch(client, document, ...variables);
}

function member(fields: Omit<Member, 'client'>): Member {
  const made = { ...fields } as Member;
  made.client = createApolloClient({ url: stack.routerUrl, token: () => made.token });
  return made;
}

async function signIn(
  email: string,
  password: string,
  tenantSlug = KAPPA,
  totpCode?: string,
): Promise<Member> {
  const { data, codes } = await run(anonymous, op.LoginDocument, {
    input: { tenantSlug, email, password, totpCode },
  });
  expect(codes).toEqual([]);
  const { accessToken, refreshToken, user, session } = data!.login;
  return member({
    token: accessToken,
    refreshToken,
    userId: user.id,
    sessionId: session.id,
    email,
    password,
  });
}

/** The token of the single-use link in the e-mail to `to` whose subject matches. */
async function mailedToken(to: string, subject: RegExp): Promise<string> {
  const mail = await stack.smtp.waitFor((m) => m.to.includes(to) && subject.test(m.subject));
  return new URL(mail.links[0]).searchParams.get('token')!;
}

/** Invites a user into kappa (by its OWNER unless said otherwise); the new account's id. */
async function invite(email: string, role: op.Role, inviter = owner): Promise<string> {
  const invited = await run(inviter.client, op.InviteUserDocument, {
    input: { email, name: email.split('@')[0], role },
  });
  expect(invited.codes).toEqual([]);
  return invited.data!.inviteUser.id;
}

/** Invites a user into kappa, follows the e-mailed link to set a password, and signs in. */
async function join(email: string, role: op.Role): Promise<Member> {
  await invite(email, role);
  const chosen = password(email.split('@')[0]);
  const accepted = await run(anonymous, AcceptInvitation, {
    token: await mailedToken(email, /invited/),
    password: chosen,
  });
  expect(accepted.data).toEqual({ acceptInvitation: true });
  return signIn(email, chosen);
}

/** The token is refused by the router (its session ended), polled while that propagates. */
async function expectDead(who: Member): Promise<void> {
  const me = await settled(
    () => run(who.client, op.MeDocument),
    (outcome) => outcome.status === 401,
  );
  expect([me.status, me.codes]).toEqual([401, ['UNAUTHENTICATED']]);
}

/** A completed backup of a tenant (as the operator). */
async function completedBackup(tenantId: string, slug: string): Promise<string> {
  const started = await call(operator.client, op.BackupTenantDocument, { id: tenantId });
  expect(started.data!.backupTenant.status).toBe('RUNNING');
  const id = started.data!.backupTenant.id;
  const backups = await settled(
    async () => (await call(operator.client, op.TenantDocument, { slug })).data?.tenant?.backups,
    (list) => list?.find((backup) => backup.id === id)?.status === 'COMPLETED',
    { intervalMs: 200, timeoutMs: 30_000 },
  );
  expect(backups!.find((backup) => backup.id === id)).toMatchObject({
    status: 'COMPLETED',
    sizeBytes: expect.any(Number),
    checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
  });
  return id;
}

/** What a refused call gave back: its error codes and any data. */
interface Refusal {
  codes: string[];
  data: unknown;
}

/** A subscription's first answer: its error codes, and its first event if one came. */
async function subscriptionAnswer<TData, TVariables extends OperationVariables>(
  client: TestApolloClient,
  document: TypedDocumentNode<TData, TVariables>,
  ...variables: VariablesOf<TVariables>
): Promise<Refusal> {
  const watched = subscribe(client, document, ...variables);
  await until(
    () => watched.ended() || watched.codes.length > 0 || watched.events.length > 0,
    'an answer',
  );
  watched.stop();
  return { codes: watched.codes, data: watched.events[0] };
}

/** No data: none at all, or every root field null (GraphQL's answer for a failed field). */
function noData(data: unknown): boolean {
  if (data === undefined || data === null) return true;
  return typeof data === 'object' && Object.values(data).every((value) => value === null);
}

interface Denial<T> {
  as: string;
  code: string;
  /** Gets what `allowed` returned (a used link, a spent token). */
  run: (allowed: T) => Promise<Refusal>;
}

interface Case<T> {
  operation: string;
  as: string;
  /** Calls the operation as a role allowed to, and asserts on its result. */
  allowed: () => Promise<T>;
  denied: Denial<T>[];
}

const row = <T>(c: Case<T>) => c as unknown as Case<unknown>;
/** A refusal: who calls, the code they get, and the call. */
const by = <T>(as: string, code: string, run: Denial<T>['run']): Denial<T> => ({ as, code, run });

const CASES: Case<unknown>[] = [
  // ------------------------------------------------------------------------------------ auth
  row({
    operation: 'Register',
    as: 'anonymous, where the tenant allows self-registration',
    allowed: async () => {
      const registered = await call(anonymous, op.RegisterDocument, {
        input: {
          tenantSlug: KAPPA,
          email: 'remy@kappa.test',
          password: password('remy'),
          name: 'Remy',
        },
      });
      expect(registered.codes).toEqual([]);
      expect(registered.data!.register.user).toEqual(
        expect.objectContaining({
          email: 'remy@kappa.test',
          name: 'Remy',
          emailVerified: false,
          roles: ['TRADER'],
        }),
      );
    },
    denied: [
      by('anonymous, where it does not', 'FORBIDDEN', () =>
        call(anonymous, op.RegisterDocument, {
          input: {
            tenantSlug: LAMBDA,
            email: 'remy@lambda.test',
            password: password('remy'),
            name: 'Remy',
          },
        }),
      ),
    ],
  }),
  row({
    operation: 'VerifyEmail',
    as: 'anonymous, with the e-mailed link',
    allowed: async () => {
      await call(anonymous, op.RegisterDocument, {
        input: {
          tenantSlug: KAPPA,
          email: 'vic@kappa.test',
          password: password('vic'),
          name: 'Vic',
        },
      });
      const token = await mailedToken('vic@kappa.test', /Confirm your e-mail/);
      const verified = await call(anonymous, op.VerifyEmailDocument, { token });
      expect(verified.data).toEqual({ verifyEmail: true });
      const vic = await signIn('vic@kappa.test', password('vic'));
      expect((await call(vic.client, op.MeDocument)).data!.me!.emailVerified).toBe(true);
      return token;
    },
    denied: [
      by('the same link again', 'BAD_USER_INPUT', (token: string) =>
        call(anonymous, op.VerifyEmailDocument, { token }),
      ),
    ],
  }),
  row({
    operation: 'Login',
    as: 'anonymous, with the right password',
    allowed: async () => {
      const login = await call(anonymous, op.LoginDocument, {
        input: {
          tenantSlug: KAPPA,
          email: viewer.email,
          password: viewer.password,
          deviceName: 'Tablet',
        },
      });
      expect(login.codes).toEqual([]);
      const { user, session, accessToken } = login.data!.login;
      expect(user).toMatchObject({
        email: viewer.email,
        roles: ['VIEWER'],
        tenant: { slug: KAPPA },
      });
      expect(user.permissions).toContain('profile:write:own');
      expect(user.permissions).not.toContain('users:read');
      expect(session).toMatchObject({ current: true, device: { name: 'Tablet' } });
      expect(accessToken.split('.')).toHaveLength(3);
    },
    denied: [
      by('anonymous, with a wrong password', 'UNAUTHENTICATED', () =>
        call(anonymous, op.LoginDocument, {
          input: { tenantSlug: KAPPA, email: viewer.email, password: 'not the password at all' },
        }),
      ),
    ],
  }),
  row({
    operation: 'RefreshSession',
    as: 'anonymous, with a live refresh token',
    allowed: async () => {
      const session = await signIn(trader.email, trader.password);
      const refreshed = await call(anonymous, op.RefreshSessionDocument, {
        refreshToken: session.refreshToken!,
      });
      expect(refreshed.codes).toEqual([]);
      const { accessToken, refreshToken } = refreshed.data!.refreshSession;
      expect(refreshToken).not.toBe(session.refreshToken);
      session.token = accessToken;
      expect((await call(session.client, op.MeDocument)).data!.me!.email).toBe(trader.email);
      return session.refreshToken!;
    },
    denied: [
      by('anonymous, with the spent refresh token', 'UNAUTHENTICATED', (spent: string) =>
        call(anonymous, op.RefreshSessionDocument, { refreshToken: spent }),
      ),
    ],
  }),
  row({
    operation: 'Logout',
    as: 'a signed-in TRADER',
    allowed: async () => {
      const session = await signIn(trader.email, trader.password);
      expect((await call(session.client, op.LogoutDocument)).data).toEqual({ logout: true });
      await expectDead(session);
    },
    denied: [by('anonymous', 'UNAUTHENTICATED', () => call(anonymous, op.LogoutDocument))],
  }),
  row({
    operation: 'RequestPasswordReset',
    as: 'anonymous',
    allowed: async () => {
      const rita = await join('rita@kappa.test', 'VIEWER');
      const asked = await call(anonymous, op.RequestPasswordResetDocument, {
        tenantSlug: KAPPA,
        email: rita.email,
      });
      expect(asked.data).toEqual({ requestPasswordReset: true });
      await mailedToken(rita.email, /Reset your TradeSage password/);
      // The same answer for an address nobody uses: it reveals nothing.
      const unknown = await call(anonymous, op.RequestPasswordResetDocument, {
        tenantSlug: KAPPA,
        email: 'nobody@kappa.test',
      });
      expect(unknown.data).toEqual({ requestPasswordReset: true });
      await call(rita.client, op.LogoutDocument);
      return rita;
    },
    denied: [
      {
        // Sign-in mutations are sent without a token; a dead one refuses the whole request.
        as: 'a caller sending an ended session’s token',
        code: 'UNAUTHENTICATED',
        run: async (rita: Member) => {
          const refused = await call(rita.client, op.RequestPasswordResetDocument, {
            tenantSlug: KAPPA,
            email: rita.email,
          });
          expect(refused.status).toBe(401);
          return refused;
        },
      },
    ],
  }),
  row({
    operation: 'ResetPassword',
    as: 'anonymous, with the e-mailed link',
    allowed: async () => {
      const rhea = await join('rhea@kappa.test', 'TRADER');
      await call(anonymous, op.RequestPasswordResetDocument, {
        tenantSlug: KAPPA,
        email: rhea.email,
      });
      const token = await mailedToken(rhea.email, /Reset your TradeSage password/);
      const reset = await call(anonymous, op.ResetPasswordDocument, {
        token,
        newPassword: 'rheas new long password',
      });
      expect(reset.data).toEqual({ resetPassword: true });
      // Resetting ends every session of the user; the new password signs in.
      await expectDead(rhea);
      await signIn(rhea.email, 'rheas new long password');
      return token;
    },
    denied: [
      by('the same link again', 'BAD_USER_INPUT', (token: string) =>
        call(anonymous, op.ResetPasswordDocument, {
          token,
          newPassword: 'a third long password',
        }),
      ),
    ],
  }),
  row({
    operation: 'ChangePassword',
    as: 'a signed-in TRADER',
    allowed: async () => {
      const cal = await join('cal@kappa.test', 'TRADER');
      const changed = await call(cal.client, op.ChangePasswordDocument, {
        currentPassword: cal.password,
        newPassword: 'cals new long password',
      });
      expect(changed.data).toEqual({ changePassword: true });
      await signIn(cal.email, 'cals new long password');
      const old = await call(anonymous, op.LoginDocument, {
        input: { tenantSlug: KAPPA, email: cal.email, password: cal.password },
      });
      expect(old.codes).toEqual(['UNAUTHENTICATED']);
    },
    denied: [
      by('anonymous', 'UNAUTHENTICATED', () =>
        call(anonymous, op.ChangePasswordDocument, {
          currentPassword: trader.password,
          newPassword: 'an anonymous long password',
        }),
      ),
    ],
  }),
  row({
    operation: 'StartGoogleLogin',
    as: 'anonymous, with a registered redirect URI',
    allowed: async () => {
      const started = await call(anonymous, op.StartGoogleLoginDocument, {
        tenantSlug: KAPPA,
        redirectUri: GOOGLE_REDIRECT_URI,
      });
      expect(started.codes).toEqual([]);
      const { authorizationUrl, state } = started.data!.startGoogleLogin;
      const url = new URL(authorizationUrl);
      expect(authorizationUrl.startsWith(stack.google.issuer)).toBe(true);
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        client_id: stack.google.clientId,
        redirect_uri: GOOGLE_REDIRECT_URI,
        state,
        code_challenge_method: 'S256',
        nonce: expect.any(String),
      });
    },
    denied: [
      by('anonymous, with a redirect URI not registered', 'BAD_USER_INPUT', () =>
        call(anonymous, op.StartGoogleLoginDocument, {
          tenantSlug: KAPPA,
          redirectUri: 'https://evil.test/callback',
        }),
      ),
    ],
  }),
  row({
    operation: 'CompleteGoogleLogin',
    as: 'anonymous, back from Google for an invited account',
    allowed: async () => {
      await invite(GOOGLE_USER.email, 'VIEWER');
      const started = await call(anonymous, op.StartGoogleLoginDocument, {
        tenantSlug: KAPPA,
        redirectUri: GOOGLE_REDIRECT_URI,
      });
      const callback = await stack.google.authorize(
        started.data!.startGoogleLogin.authorizationUrl,
        GOOGLE_USER.sub,
      );
      const back = {
        code: callback.searchParams.get('code')!,
        state: callback.searchParams.get('state')!,
      };
      const completed = await call(anonymous, op.CompleteGoogleLoginDocument, back);
      expect(completed.codes).toEqual([]);
      expect(completed.data!.completeGoogleLogin.user.email).toBe(GOOGLE_USER.email);
      const gail = member({
        token: completed.data!.completeGoogleLogin.accessToken,
        userId: completed.data!.completeGoogleLogin.user.id,
        email: GOOGLE_USER.email,
        password: '',
      });
      // Google vouched for the address; the invited account is now active.
      expect((await call(gail.client, op.MeDocument)).data!.me).toMatchObject({
        email: GOOGLE_USER.email,
        emailVerified: true,
        roles: ['VIEWER'],
      });
      return back;
    },
    denied: [
      by(
        'the same code and state again',
        'UNAUTHENTICATED',
        (back: { code: string; state: string }) =>
          call(anonymous, op.CompleteGoogleLoginDocument, back),
      ),
    ],
  }),
  row({
    operation: 'EnrollTotp',
    as: 'a signed-in ANALYST',
    allowed: async () => {
      const enrolled = await call(analyst.client, op.EnrollTotpDocument);
      expect(enrolled.codes).toEqual([]);
      const { secret, otpauthUrl } = enrolled.data!.enrollTotp;
      expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
      expect(new URL(otpauthUrl).searchParams.get('secret')).toBe(secret);
    },
    denied: [by('anonymous', 'UNAUTHENTICATED', () => call(anonymous, op.EnrollTotpDocument))],
  }),
  row({
    operation: 'ConfirmTotp',
    as: 'a signed-in TRADER, with a code from the enrolled secret',
    allowed: async () => {
      const tia = await join('tia@kappa.test', 'TRADER');
      const { secret } = (await call(tia.client, op.EnrollTotpDocument)).data!.enrollTotp;
      const confirmed = await call(tia.client, op.ConfirmTotpDocument, {
        code: await generate({ secret }),
      });
      expect(confirmed.codes).toEqual([]);
      const { recoveryCodes } = confirmed.data!.confirmTotp;
      expect(recoveryCodes).toHaveLength(10);
      // TOTP is on: the password alone no longer signs in; a recovery code does.
      const withoutCode = await call(anonymous, op.LoginDocument, {
        input: { tenantSlug: KAPPA, email: tia.email, password: tia.password },
      });
      expect(withoutCode.codes).toEqual(['MFA_REQUIRED']);
      await signIn(tia.email, tia.password, KAPPA, recoveryCodes[0]);
    },
    denied: [
      by('anonymous', 'UNAUTHENTICATED', () =>
        call(anonymous, op.ConfirmTotpDocument, { code: '123456' }),
      ),
    ],
  }),
  row({
    operation: 'OperatorLogin',
    as: 'a platform operator',
    allowed: async () => {
      const signedIn = await call(anonymous, op.OperatorLoginDocument, OPERATOR);
      expect(signedIn.codes).toEqual([]);
      expect(signedIn.data!.operatorLogin.operator.email).toBe(OPERATOR.email);
    },
    denied: [
      by("a tenant OWNER's credentials", 'UNAUTHENTICATED', () =>
        call(anonymous, op.OperatorLoginDocument, {
          email: owner.email,
          password: owner.password,
        }),
      ),
    ],
  }),
  // ------------------------------------------------------------------------------- me / users
  row({
    operation: 'Me',
    as: 'a TRADER',
    allowed: async () => {
      const me = await call(trader.client, op.MeDocument);
      expect(me.codes).toEqual([]);
      expect(me.data!.me).toMatchObject({
        id: trader.userId,
        email: trader.email,
        roles: ['TRADER'],
        emailVerified: true,
        preferences: { timezone: 'UTC' },
        tenant: { slug: KAPPA, status: 'ACTIVE' },
      });
      expect(me.data!.me!.sessions).toContainEqual(
        expect.objectContaining({ id: trader.sessionId, current: true }),
      );
    },
    denied: [
      by('anonymous', 'UNAUTHENTICATED', () => call(anonymous, op.MeDocument)),
      by('an operator', 'FORBIDDEN', () => call(operator.client, op.MeDocument)),
    ],
  }),
  row({
    operation: 'UpdateProfile',
    as: 'a VIEWER (their own)',
    allowed: async () => {
      const updated = await call(viewer.client, op.UpdateProfileDocument, {
        input: { name: 'Vera Viewer', avatarUrl: 'https://cdn.example/vera.png' },
      });
      expect(updated.data!.updateProfile).toEqual(
        expect.objectContaining({
          id: viewer.userId,
          name: 'Vera Viewer',
          avatarUrl: 'https://cdn.example/vera.png',
        }),
      );
    },
    denied: [
      by('an operator', 'FORBIDDEN', () =>
        call(operator.client, op.UpdateProfileDocument, { input: { name: 'Op' } }),
      ),
    ],
  }),
  row({
    operation: 'UpdatePreferences',
    as: 'a TRADER (their own)',
    allowed: async () => {
      const updated = await call(trader.client, op.UpdatePreferencesDocument, {
        input: { theme: 'dark', timezone: 'europe/zurich' },
      });
      expect(updated.data!.updatePreferences).toMatchObject({
        theme: 'dark',
        locale: 'en-US',
        timezone: 'Europe/Zurich',
        notifications: { email: true, push: false },
      });
    },
    denied: [
      by('anonymous', 'UNAUTHENTICATED', () =>
        call(anonymous, op.UpdatePreferencesDocument, { input: { theme: 'dark' } }),
      ),
    ],
  }),
  row({
    operation: 'MyActivity',
    as: 'a TRADER (their own)',
    allowed: async () => {
      const activity = await settled(
        async () =>
          (await call(trader.client, op.MyActivityDocument, { first: 20 })).data?.me?.activity,
        (entries) => !!entries?.some((entry) => entry.type === 'PREFERENCES_UPDATED'),
        { intervalMs: 100 },
      );
      expect(activity!.map((entry) => entry.type)).toEqual(
        expect.arrayContaining(['LOGIN', 'PREFERENCES_UPDATED']),
      );
    },
    denied: [
      by('anonymous', 'UNAUTHENTICATED', () =>
        call(anonymous, op.MyActivityDocument, { first: 5 }),
      ),
    ],
  }),
  row({
    operation: 'Users',
    as: 'an ADMIN',
    allowed: async () => {
      const users = await call(admin.client, op.UsersDocument, { first: 100 });
      expect(users.codes).toEqual([]);
      const emails = users.data!.users.edges.map((edge) => edge.node.email);
      expect(emails).toEqual(
        expect.arrayContaining([
          owner.email,
          admin.email,
          trader.email,
          analyst.email,
          viewer.email,
        ]),
      );
      expect(users.data!.users.totalCount).toBe(emails.length);
      const found = await call(admin.client, op.UsersDocument, { search: viewer.email });
      expect(found.data!.users.edges.map((edge) => edge.node)).toEqual([
        expect.objectContaining({ id: viewer.userId, roles: ['VIEWER'], status: 'ACTIVE' }),
      ]);
    },
    denied: [
      by('a VIEWER', 'FORBIDDEN', () => call(viewer.client, op.UsersDocument)),
      by('a TRADER', 'FORBIDDEN', () => call(trader.client, op.UsersDocument)),
    ],
  }),
  row({
    operation: 'InviteUser',
    as: 'an ADMIN',
    allowed: async () => {
      const invited = await call(admin.client, op.InviteUserDocument, {
        input: { email: 'ivy@kappa.test', name: 'Ivy', role: 'VIEWER' },
      });
      expect(invited.data!.inviteUser).toMatchObject({
        email: 'ivy@kappa.test',
        status: 'INVITED',
        roles: ['VIEWER'],
      });
      await mailedToken('ivy@kappa.test', /invited/);
    },
    denied: [
      by('a TRADER', 'FORBIDDEN', () =>
        call(trader.client, op.InviteUserDocument, {
          input: { email: 'x@kappa.test', name: 'X', role: 'VIEWER' },
        }),
      ),
      by('an ADMIN inviting an OWNER', 'FORBIDDEN', () =>
        call(admin.client, op.InviteUserDocument, {
          input: { email: 'o2@kappa.test', name: 'O2', role: 'OWNER' },
        }),
      ),
    ],
  }),
  row({
    operation: 'AssignRole',
    as: 'an OWNER',
    allowed: async () => {
      const tess = await invite('tess@kappa.test', 'VIEWER');
      const assigned = await call(owner.client, op.AssignRoleDocument, {
        userId: tess,
        role: 'ANALYST',
      });
      expect(assigned.data!.assignRole).toMatchObject({ id: tess, roles: ['VIEWER', 'ANALYST'] });
      expect(assigned.data!.assignRole.permissions).toContain('sessions:analytics');
      return tess;
    },
    denied: [
      by('a VIEWER', 'FORBIDDEN', (tess: string) =>
        call(viewer.client, op.AssignRoleDocument, { userId: tess, role: 'ADMIN' }),
      ),
      by('an ADMIN granting OWNER', 'FORBIDDEN', (tess: string) =>
        call(admin.client, op.AssignRoleDocument, { userId: tess, role: 'OWNER' }),
      ),
    ],
  }),
  row({
    operation: 'RevokeRole',
    as: 'an ADMIN',
    allowed: async () => {
      const rory = await invite('rory@kappa.test', 'VIEWER');
      await call(owner.client, op.AssignRoleDocument, { userId: rory, role: 'TRADER' });
      const revoked = await call(admin.client, op.RevokeRoleDocument, {
        userId: rory,
        role: 'VIEWER',
      });
      expect(revoked.data!.revokeRole).toMatchObject({ id: rory, roles: ['TRADER'] });
      expect(revoked.data!.revokeRole.permissions).toContain('trading:write');
      return rory;
    },
    denied: [
      by('a TRADER', 'FORBIDDEN', (rory: string) =>
        call(trader.client, op.RevokeRoleDocument, { userId: rory, role: 'TRADER' }),
      ),
    ],
  }),
  row({
    operation: 'DisableUser',
    as: 'an OWNER',
    allowed: async () => {
      const dina = await join('dina@kappa.test', 'TRADER');
      const disabled = await call(owner.client, op.DisableUserDocument, { userId: dina.userId });
      expect(disabled.data!.disableUser).toEqual(
        expect.objectContaining({ id: dina.userId, status: 'DISABLED' }),
      );
      await expectDead(dina);
    },
    denied: [
      by('a VIEWER', 'FORBIDDEN', () =>
        call(viewer.client, op.DisableUserDocument, { userId: trader.userId }),
      ),
    ],
  }),
  // ---------------------------------------------------------------------------- personal data
  row({
    operation: 'ExportMyData',
    as: 'a TRADER, about themselves',
    allowed: async () => {
      const exported = await call(trader.client, op.ExportMyDataDocument, { auditFirst: 5 });
      expect(exported.codes).toEqual([]);
      const data = exported.data!.exportMyData;
      expect(data).toMatchObject({
        userId: trader.userId,
        account: { email: trader.email, roles: ['TRADER'], hasPassword: true },
        profile: { email: trader.email },
      });
      expect(data.sessions).toContainEqual(
        expect.objectContaining({ id: trader.sessionId, current: true }),
      );
      expect(data.auditEvents.edges.length).toBeGreaterThan(0);
      expect(
        data.auditEvents.edges.every(
          ({ node }) => node.actorId === trader.userId || node.subjectId === trader.userId,
        ),
      ).toBe(true);
    },
    denied: [
      by('anonymous', 'UNAUTHENTICATED', () => call(anonymous, op.ExportMyDataDocument)),
      by('an operator', 'FORBIDDEN', () => call(operator.client, op.ExportMyDataDocument)),
    ],
  }),
  row({
    operation: 'EraseUser',
    as: 'an OWNER, on a VIEWER',
    allowed: async () => {
      const erin = await join('erin@kappa.test', 'VIEWER');
      const erased = await call(owner.client, op.EraseUserDocument, { userId: erin.userId });
      expect(erased.codes).toEqual([]);
      expect(erased.data!.eraseUser).toMatchObject({
        userId: erin.userId,
        pseudonym: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      await expectDead(erin);
      const again = await call(anonymous, op.LoginDocument, {
        input: { tenantSlug: KAPPA, email: erin.email, password: erin.password },
      });
      expect(again.codes).toEqual(['UNAUTHENTICATED']);
    },
    denied: [
      by('a TRADER, on another user', 'FORBIDDEN', () =>
        call(trader.client, op.EraseUserDocument, { userId: viewer.userId }),
      ),
      by('a VIEWER, on themselves (the tenant does not allow it)', 'FORBIDDEN', () =>
        call(viewer.client, op.EraseUserDocument, { userId: viewer.userId }),
      ),
      by('anonymous', 'UNAUTHENTICATED', () =>
        call(anonymous, op.EraseUserDocument, { userId: viewer.userId }),
      ),
    ],
  }),
  // --------------------------------------------------------------------------------- sessions
  row({
    operation: 'MySessions',
    as: 'a TRADER',
    allowed: async () => {
      const sessions = await call(trader.client, op.MySessionsDocument);
      expect(sessions.codes).toEqual([]);
      expect(sessions.data!.mySessions).toContainEqual(
        expect.objectContaining({ id: trader.sessionId, current: true, status: 'ACTIVE' }),
      );
    },
    denied: [
      by('anonymous', 'UNAUTHENTICATED', () => call(anonymous, op.MySessionsDocument)),
      by('an operator', 'FORBIDDEN', () => call(operator.client, op.MySessionsDocument)),
    ],
  }),
  row({
    operation: 'RevokeSession',
    as: "an OWNER, on a TRADER's session",
    allowed: async () => {
      const session = await signIn(trader.email, trader.password);
      const revoked = await call(owner.client, op.RevokeSessionDocument, {
        id: session.sessionId!,
      });
      expect(revoked.data!.revokeSession).toEqual(
        expect.objectContaining({ id: session.sessionId, status: 'REVOKED' }),
      );
      await expectDead(session);
    },
    denied: [
      by("a TRADER, on the OWNER's session", 'NOT_FOUND', () =>
        call(trader.client, op.RevokeSessionDocument, { id: owner.sessionId! }),
      ),
      by('anonymous', 'UNAUTHENTICATED', () =>
        call(anonymous, op.RevokeSessionDocument, { id: owner.sessionId! }),
      ),
    ],
  }),
  row({
    operation: 'RevokeOtherSessions',
    as: 'a signed-in VIEWER',
    allowed: async () => {
      const first = await join('otto@kappa.test', 'VIEWER');
      const second = await signIn(first.email, first.password);
      const revoked = await call(second.client, op.RevokeOtherSessionsDocument);
      expect(revoked.data).toEqual({ revokeOtherSessions: true });
      await expectDead(first);
      const left = await call(second.client, op.MySessionsDocument);
      expect(left.data!.mySessions.map((session) => session.id)).toEqual([second.sessionId]);
    },
    denied: [
      by('anonymous', 'UNAUTHENTICATED', () => call(anonymous, op.RevokeOtherSessionsDocument)),
    ],
  }),
  row({
    operation: 'SessionAnalytics',
    as: 'an ANALYST',
    allowed: async () => {
      const analytics = await call(analyst.client, op.SessionAnalyticsDocument);
      expect(analytics.codes).toEqual([]);
      const { activeSessions, activeUsers, loginsLast24h, byDeviceType } =
        analytics.data!.sessionAnalytics;
      expect(activeSessions).toBeGreaterThanOrEqual(5);
      expect(activeUsers).toBeGreaterThanOrEqual(5);
      expect(loginsLast24h).toBeGreaterThanOrEqual(5);
      expect(byDeviceType.map((entry) => entry.key)).toEqual([
        'DESKTOP',
        'MOBILE',
        'TABLET',
        'OTHER',
      ]);
    },
    denied: [by('a TRADER', 'FORBIDDEN', () => call(trader.client, op.SessionAnalyticsDocument))],
  }),
  row({
    operation: 'SessionEvents',
    as: 'an OWNER, over multipart HTTP',
    allowed: async () => {
      const watched = subscribe(owner.client, op.SessionEventsDocument);
      try {
        // Live once it hears of a VIEWER's sign-in made after it opened.
        const signIns: string[] = [];
        const heard = () =>
          watched.events.find((event) => signIns.includes(event.sessionEvents.session.id));
        await until(
          async () => {
            if (heard()) return true;
            const session = await signIn(viewer.email, viewer.password);
            signIns.push(session.sessionId!);
            await call(session.client, op.LogoutDocument);
            return false;
          },
          'a sign-in event',
          { intervalMs: 500 },
        );
        expect(heard()!.sessionEvents).toMatchObject({
          type: 'CREATED',
          session: { status: 'ACTIVE', user: { id: viewer.userId, email: viewer.email } },
        });
        expect([watched.codes, watched.failures]).toEqual([[], []]);
      } finally {
        watched.stop();
      }
    },
    denied: [
      by('anonymous', 'UNAUTHENTICATED', () =>
        subscriptionAnswer(anonymous, op.SessionEventsDocument),
      ),
    ],
  }),
  // ---------------------------------------------------------------------------------- tenants
  row({
    operation: 'CreateTenant',
    as: 'an operator',
    allowed: async () => {
      const created = await call(operator.client, op.CreateTenantDocument, {
        input: {
          slug: 'nu-desk',
          name: 'Nu Desk',
          plan: 'FREE',
          owner: { email: 'nina@nu.test', name: 'Nina' },
        },
      });
      expect(created.codes).toEqual([]);
      expect(created.data!.createTenant).toMatchObject({
        tenant: { slug: 'nu-desk', name: 'Nu Desk', status: 'ACTIVE', plan: 'FREE' },
        owner: { email: 'nina@nu.test', roles: ['OWNER'] },
      });
      // Without a password, the owner is invited by e-mail.
      await mailedToken('nina@nu.test', /invited/);
    },
    denied: [
      by('an OWNER', 'FORBIDDEN', () =>
        call(owner.client, op.CreateTenantDocument, {
          input: {
            slug: 'xi-desk',
            name: 'Xi',
            plan: 'FREE',
            owner: { email: 'x@xi.test', name: 'X' },
          },
        }),
      ),
    ],
  }),
  row({
    operation: 'Tenants',
    as: 'an operator',
    allowed: async () => {
      const tenants = await call(operator.client, op.TenantsDocument, { first: 100 });
      expect(tenants.codes).toEqual([]);
      const nodes = tenants.data!.tenants.edges.map((edge) => edge.node);
      expect(nodes.map((node) => node.slug)).toEqual(expect.arrayContaining([KAPPA, LAMBDA]));
      expect(tenants.data!.tenants.totalCount).toBe(nodes.length);
      expect(nodes.find((node) => node.slug === KAPPA)!.usage.users).toBeGreaterThanOrEqual(5);
    },
    denied: [by('an OWNER', 'FORBIDDEN', () => call(owner.client, op.TenantsDocument))],
  }),
  row({
    operation: 'Tenant',
    as: 'an OWNER, their own',
    allowed: async () => {
      const tenant = await call(owner.client, op.TenantDocument, { slug: KAPPA });
      expect(tenant.codes).toEqual([]);
      expect(tenant.data!.tenant).toMatchObject({
        slug: KAPPA,
        status: 'ACTIVE',
        health: { status: 'HEALTHY', schemaVersion: expect.any(String) },
        backups: [],
      });
      expect(tenant.data!.tenant!.usage.users).toBeGreaterThanOrEqual(5);
    },
    denied: [
      by("an OWNER, another tenant's", 'NOT_FOUND', () =>
        call(owner.client, op.TenantDocument, { slug: LAMBDA }),
      ),
      by('anonymous', 'UNAUTHENTICATED', () => call(anonymous, op.TenantDocument, { slug: KAPPA })),
    ],
  }),
  row({
    operation: 'CurrentTenant',
    as: 'a VIEWER',
    allowed: async () => {
      const current = await call(viewer.client, op.CurrentTenantDocument);
      expect(current.codes).toEqual([]);
      expect(current.data!.currentTenant).toMatchObject({
        slug: KAPPA,
        plan: 'PRO',
        status: 'ACTIVE',
      });
      expect(current.data!.currentTenant!.usage.activeSessions).toBeGreaterThanOrEqual(1);
    },
    denied: [
      by('anonymous', 'UNAUTHENTICATED', () => call(anonymous, op.CurrentTenantDocument)),
      by('an operator', 'FORBIDDEN', () => call(operator.client, op.CurrentTenantDocument)),
    ],
  }),
  row({
    operation: 'SuspendTenant',
    as: 'an operator',
    allowed: async () => {
      const suspended = await call(operator.client, op.SuspendTenantDocument, {
        id: lambda.id,
        reason: 'contract test',
      });
      expect(suspended.data!.suspendTenant).toEqual(
        expect.objectContaining({ id: lambda.id, status: 'SUSPENDED' }),
      );
      const refused = await call(lambda.owner.client, op.CurrentTenantDocument);
      expect([refused.status, refused.codes]).toEqual([403, ['TENANT_SUSPENDED']]);
      await call(operator.client, op.ResumeTenantDocument, { id: lambda.id });
    },
    denied: [
      by('an OWNER', 'FORBIDDEN', () =>
        call(owner.client, op.SuspendTenantDocument, { id: lambda.id, reason: 'x' }),
      ),
    ],
  }),
  row({
    operation: 'ResumeTenant',
    as: 'an operator',
    allowed: async () => {
      await call(operator.client, op.SuspendTenantDocument, { id: lambda.id, reason: 'again' });
      const resumed = await call(operator.client, op.ResumeTenantDocument, { id: lambda.id });
      expect(resumed.data!.resumeTenant).toEqual(
        expect.objectContaining({ id: lambda.id, status: 'ACTIVE' }),
      );
      lambda.owner = await signIn(lambda.owner.email, lambda.owner.password, LAMBDA);
    },
    denied: [
      by('an OWNER', 'FORBIDDEN', () =>
        call(owner.client, op.ResumeTenantDocument, { id: lambda.id }),
      ),
    ],
  }),
  row({
    operation: 'UpdateTenantLimits',
    as: 'an operator',
    allowed: async () => {
      const updated = await call(operator.client, op.UpdateTenantLimitsDocument, {
        id: lambda.id,
        input: { maxUsers: 25, maxSessionsPerUser: 4 },
      });
      expect(updated.data!.updateTenantLimits).toMatchObject({
        id: lambda.id,
        limits: { maxUsers: 25, maxSessionsPerUser: 4 },
      });
    },
    denied: [
      by('an OWNER', 'FORBIDDEN', () =>
        call(owner.client, op.UpdateTenantLimitsDocument, {
          id: lambda.id,
          input: { maxUsers: 1000 },
        }),
      ),
    ],
  }),
  row({
    operation: 'BackupTenant',
    as: 'an operator',
    allowed: () => completedBackup(lambda.id, LAMBDA),
    denied: [
      by('an OWNER', 'FORBIDDEN', () =>
        call(owner.client, op.BackupTenantDocument, { id: lambda.id }),
      ),
    ],
  }),
  row({
    operation: 'RestoreTenant',
    as: 'an operator',
    allowed: async () => {
      const backupId = await completedBackup(lambda.id, LAMBDA);
      const restored = await call(operator.client, op.RestoreTenantDocument, { backupId });
      expect(restored.codes).toEqual([]);
      expect(restored.data!.restoreTenant).toEqual(
        expect.objectContaining({ id: lambda.id, status: 'ACTIVE' }),
      );
      return backupId;
    },
    denied: [
      by('an OWNER', 'FORBIDDEN', (backupId: string) =>
        call(owner.client, op.RestoreTenantDocument, { backupId }),
      ),
    ],
  }),
  row({
    operation: 'DeleteTenant',
    as: 'an operator',
    allowed: async () => {
      const created = await call(operator.client, op.CreateTenantDocument, {
        input: {
          slug: 'omicron-desk',
          name: 'Omicron',
          plan: 'FREE',
          owner: { email: 'oz@omicron.test', name: 'Oz', password: password('oz') },
        },
      });
      const id = created.data!.createTenant.tenant.id;
      const oz = await signIn('oz@omicron.test', password('oz'), 'omicron-desk');
      const deleted = await call(operator.client, op.DeleteTenantDocument, { id });
      expect(deleted.data!.deleteTenant).toEqual(
        expect.objectContaining({ id, status: 'DELETED' }),
      );
      await expectDead(oz);
      return id;
    },
    denied: [
      by('an OWNER', 'FORBIDDEN', () =>
        call(owner.client, op.DeleteTenantDocument, { id: lambda.id }),
      ),
    ],
  }),
  row({
    operation: 'TenantHealth',
    as: 'an OWNER, their own, over graphql-ws',
    allowed: async () => {
      const ws = createWsApolloClient({ url: stack.routerUrl, token: () => owner.token });
      const watched = subscribe(ws, op.TenantHealthDocument, { tenantId: kappaId });
      try {
        await until(() => watched.events.length > 0 || watched.ended(), 'a health event');
        expect(watched.events[0].tenantHealth).toMatchObject({
          tenantId: kappaId,
          status: 'HEALTHY',
          dbLatencyMs: expect.any(Number),
          activeSessions: expect.any(Number),
        });
      } finally {
        await ws.stop();
      }
    },
    denied: [
      by('a TRADER, over graphql-ws', 'FORBIDDEN', async () => {
        const ws = createWsApolloClient({ url: stack.routerUrl, token: () => trader.token });
        try {
          return await subscriptionAnswer(ws, op.TenantHealthDocument, { tenantId: kappaId });
        } finally {
          await ws.stop();
        }
      }),
      by("an OWNER, another tenant's, over multipart HTTP", 'FORBIDDEN', () =>
        subscriptionAnswer(owner.client, op.TenantHealthDocument, { tenantId: lambda.id }),
      ),
    ],
  }),
];

beforeAll(async () => {
  // Health rounds every second, so that TenantHealth has events to carry. Development mode:
  // production refuses an identity provider on plain HTTP, and the test's Google is one (the
  // journeys and the attack suite run in production).
  stack = await startStack('e2e_contract', {
    googleAccounts: [GOOGLE_USER],
    env: { TENANT_HEALTH_INTERVAL_MS: '1000' },
  });
  anonymous = createApolloClient({ url: stack.routerUrl });
  const signedIn = await run(anonymous, op.OperatorLoginDocument, OPERATOR);
  operator = member({
    token: signedIn.data!.operatorLogin.accessToken,
    userId: signedIn.data!.operatorLogin.operator.id,
    ...OPERATOR,
  });
  const tenant = async (slug: string, email: string) => {
    const created = await run(operator.client, op.CreateTenantDocument, {
      input: {
        slug,
        name: slug,
        plan: 'PRO',
        owner: { email, name: 'Owner', password: password('owner') },
      },
    });
    expect(created.codes).toEqual([]);
    return created.data!.createTenant.tenant.id;
  };
  kappaId = await tenant(KAPPA, 'olga@kappa.test');
  lambda = {
    id: await tenant(LAMBDA, 'leo@lambda.test'),
    owner: await signIn('leo@lambda.test', password('owner'), LAMBDA),
  };
  owner = await signIn('olga@kappa.test', password('owner'));
  // Kappa lets people register themselves; lambda does not (the default).
  const opened = await run(owner.client, UpdateTenantSettings, { id: kappaId, on: true });
  expect(opened.data?.updateTenantSettings.selfRegistration).toBe(true);
  admin = await join('adam@kappa.test', 'ADMIN');
  trader = await join('tom@kappa.test', 'TRADER');
  analyst = await join('ana@kappa.test', 'ANALYST');
  viewer = await join('vera@kappa.test', 'VIEWER');
}, 180_000);

afterAll(async () => {
  await stopApolloClients();
  await stack?.close();
});

describe('each operation of the contract: allowed for one role, refused for another', () => {
  test.each(
    CASES.map((c) => [
      `${c.operation}: ${c.as} may; ${c.denied.map((d) => `${d.as} gets ${d.code}`).join('; ')}`,
      c,
    ]),
  )('%s', async (_title, c) => {
    const allowed = await c.allowed();
    for (const denial of c.denied) {
      const { codes, data } = await denial.run(allowed);
      expect({ as: denial.as, codes, data: noData(data) ? 'none' : data }).toEqual({
        as: denial.as,
        codes: [denial.code],
        data: 'none',
      });
    }
  });

  test('every operation in the contract has a row, and was sent', () => {
    const contract = parse(
      fs.readFileSync(
        path.join(REPO_ROOT, 'schema/operations/react-app/operations.graphql'),
        'utf8',
      ),
    );
    const names = contract.definitions.flatMap((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION && definition.name
        ? [definition.name.value]
        : [],
    );
    expect(names).toHaveLength(40);
    expect(CASES.map((c) => c.operation).sort()).toEqual([...names].sort());
    expect(names.filter((name) => !exercised.has(name))).toEqual([]);
  });
});
