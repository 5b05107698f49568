import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import pg from 'pg';
import { generate } from 'otplib';
import { PLATFORM_SCOPE, tenantRoleName } from '@tradesage/shared';
import {
  GOOGLE_REDIRECT_URI,
  linkToken,
  OPERATOR,
  startAuthTestEnv,
  type AuthTestEnv,
} from './support';

const GOOGLE_USER = {
  sub: 'google-sub-1',
  email: 'gina@acme.test',
  email_verified: true,
  name: 'Gina Google',
};

const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) {
    accessToken refreshToken expiresAt
    user { id email emailVerified roles permissions mfaEnabled }
    session { id }
  }
}`;
const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { user { id email name emailVerified roles } }
}`;
const REFRESH = `mutation RefreshSession($refreshToken: String!) {
  refreshSession(refreshToken: $refreshToken) { accessToken refreshToken expiresAt }
}`;
const WHO = '{ authStatus { kind tenantId userId roles } }';

let env: AuthTestEnv;
let acme: { id: string; slug: string };
const owner = { email: 'olivia@acme.test', password: 'owner password 2026', name: 'Olivia' };

/** A different client address per scenario, so per-IP limits of one do not touch another. */
let ipCounter = 10;
const freshIp = () => `203.0.113.${ipCounter++}`;

function errorOf(response: Awaited<ReturnType<AuthTestEnv['call']>>) {
  const error = response.body.errors?.[0];
  return { code: error?.extensions?.code, message: error?.message };
}

async function login(
  email: string,
  password: string,
  extra: Record<string, unknown> = {},
  ip = freshIp(),
) {
  return env.call(LOGIN, { input: { tenantSlug: acme.slug, email, password, ...extra } }, { ip });
}

/** A TRADER account in acme, registered while self-registration is briefly on. */
async function registerUser(input: { email: string; password: string; name: string }) {
  await setSelfRegistration(true);
  const response = await env.call(
    REGISTER,
    { input: { tenantSlug: acme.slug, ...input } },
    { ip: freshIp() },
  );
  await setSelfRegistration(false);
  expect(response.body.errors).toBeUndefined();
}

async function setSelfRegistration(enabled: boolean) {
  await env.admin.query('UPDATE control.tenants SET self_registration = $2 WHERE id = $1', [
    acme.id,
    enabled,
  ]);
}

async function loginOk(email: string, password: string, extra: Record<string, unknown> = {}) {
  const response = await login(email, password, extra);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.login;
}

beforeAll(async () => {
  env = await startAuthTestEnv('auth', [GOOGLE_USER], { LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
  const created = await env.tenants.provisioner.create({
    slug: 'acme-auth',
    name: 'Acme',
    plan: 'PRO',
    owner: { email: owner.email, name: owner.name, password: owner.password },
  });
  acme = { id: created.tenant.id, slug: created.tenant.slug };
}, 120_000);

afterAll(async () => {
  await env?.close();
});

describe('login and access tokens', () => {
  test('login opens a session and returns tokens with the tenant claims, verifiable at the served JWKS', async () => {
    const result = await env.call(
      LOGIN,
      {
        input: {
          tenantSlug: acme.slug,
          email: 'OLIVIA@acme.test ',
          password: owner.password,
          deviceName: 'Work laptop',
        },
      },
      {
        ip: '198.51.100.7',
        userAgent:
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      },
    );
    expect(result.body.errors).toBeUndefined();
    const { accessToken, refreshToken, user, session } = result.body.data.login;
    expect(user).toMatchObject({ email: owner.email, roles: ['OWNER'], mfaEnabled: false });
    expect(user.permissions).toEqual(expect.arrayContaining(['audit:read', 'roles:assign:owner']));
    expect(refreshToken).toMatch(/^rt1\./);

    const jwks = createRemoteJWKSet(
      new URL(env.auth.url.replace('/graphql', '/.well-known/jwks.json')),
    );
    const { payload, protectedHeader } = await jwtVerify(accessToken, jwks, {
      issuer: env.config.JWT_ISSUER,
      audience: env.config.JWT_AUDIENCE,
    });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: expect.any(String) });
    expect(payload).toMatchObject({
      sub: user.id,
      tid: acme.id,
      tslug: acme.slug,
      roles: ['OWNER'],
      sid: session.id,
      iss: env.config.JWT_ISSUER,
      aud: env.config.JWT_AUDIENCE,
      jti: expect.any(String),
    });
    expect(payload.exp! - payload.iat!).toBe(900);

    // The session is in the shared store, with the device and the forwarded client address.
    const stored = await env.tenantDeps.sessions.get(acme.id, session.id);
    expect(stored).toMatchObject({
      userId: user.id,
      deviceType: 'DESKTOP',
      os: 'Windows 10',
      browser: 'Chrome 120',
      deviceName: 'Work laptop',
      ipAddress: '198.51.100.7',
    });
    // And the token works against the subgraph itself.
    const who = await env.call(WHO, {}, { token: accessToken });
    expect(who.body.data.authStatus).toEqual({
      kind: 'USER',
      tenantId: acme.id,
      userId: user.id,
      roles: ['OWNER'],
    });
  });

  test('a wrong tenant, e-mail or password all give the same UNAUTHENTICATED error', async () => {
    const attempts = await Promise.all([
      env.call(
        LOGIN,
        { input: { tenantSlug: 'no-such-tenant', email: owner.email, password: owner.password } },
        { ip: freshIp() },
      ),
      login('nobody@acme.test', owner.password),
      login(owner.email, 'not the password at all'),
    ]);
    const errors = attempts.map(errorOf);
    expect(errors[0]).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'Invalid tenant, e-mail or password',
    });
    expect(errors[1]).toEqual(errors[0]);
    expect(errors[2]).toEqual(errors[0]);
    for (const attempt of attempts) expect(attempt.body.data).toBeNull();
  });

  test('tampered tokens are refused with HTTP 401', async () => {
    const { accessToken } = await loginOk(owner.email, owner.password);
    const [header, payload, signature] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const altered = Buffer.from(
      JSON.stringify({
        ...claims,
        roles: ['OWNER', 'ADMIN'],
        tid: '00000000-0000-4000-8000-000000000000',
      }),
    ).toString('base64url');
    const none = Buffer.from(
      JSON.stringify({ ...decodeProtectedHeader(accessToken), alg: 'none' }),
    ).toString('base64url');
    for (const token of [`${header}.${altered}.${signature}`, `${none}.${payload}.`]) {
      const response = await env.call(WHO, {}, { token });
      expect(response.status).toBe(401);
      expect(errorOf(response).code).toBe('UNAUTHENTICATED');
      expect(response.body.data).toBeUndefined();
    }
  });

  test('repeated failures lock the account out with RATE_LIMITED and the time to wait', async () => {
    const email = 'locked@acme.test';
    await registerUser({ email, password: 'a long enough password', name: 'L' });
    for (let i = 0; i < 3; i++)
      expect(errorOf(await login(email, `wrong password ${i}`)).code).toBe('UNAUTHENTICATED');
    // Even the right password is refused now, from any address.
    const blocked = await login(email, 'a long enough password');
    expect(errorOf(blocked).code).toBe('RATE_LIMITED');
    expect(blocked.body.errors![0].extensions!.retryAfter).toBeGreaterThan(0);
    expect(blocked.body.errors![0].extensions!.retryAfter).toBeLessThanOrEqual(
      env.config.LOGIN_FAILURE_WINDOW_SECONDS,
    );
  });
  test('a burst of parallel guesses gets no more tries than the limit', async () => {
    const email = 'burst@acme.test';
    await registerUser({ email, password: 'bursts long password', name: 'B' });
    const guesses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => login(email, `wrong guess number ${i}`)),
    );
    const codes = guesses.map((guess) => errorOf(guess).code);
    expect(codes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(3);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(7);
  });
});

describe('refresh tokens', () => {
  test('each use rotates; reusing a rotated token ends the whole session', async () => {
    const first = await loginOk(owner.email, owner.password);
    const rotated = (await env.call(REFRESH, { refreshToken: first.refreshToken })).body.data
      .refreshSession;
    expect(rotated.refreshToken).not.toBe(first.refreshToken);
    const next = (await env.call(REFRESH, { refreshToken: rotated.refreshToken })).body.data
      .refreshSession;
    expect(next.accessToken).toEqual(expect.any(String));

    // The first token comes back: reuse. It fails, and so does the newest token of the family.
    const reuse = await env.call(REFRESH, { refreshToken: first.refreshToken });
    expect(errorOf(reuse)).toEqual({ code: 'UNAUTHENTICATED', message: 'Invalid refresh token' });
    expect(errorOf(await env.call(REFRESH, { refreshToken: next.refreshToken })).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(await env.tenantDeps.sessions.get(acme.id, first.session.id)).toBeNull();

    const trail = await env.call(
      '{ auditLog(first: 20) { edges { node { type subjectId metadata } } } }',
      {},
      {
        token: (await loginOk(owner.email, owner.password)).accessToken,
      },
    );
    expect(trail.body.data.auditLog.edges.map((e: { node: unknown }) => e.node)).toContainEqual({
      type: 'REFRESH_REUSE',
      subjectId: first.user.id,
      metadata: { sessionId: first.session.id },
    });
  });

  test('two simultaneous refreshes with one token never give two live tokens', async () => {
    const { refreshToken } = await loginOk(owner.email, owner.password);
    const results = await Promise.all([
      env.call(REFRESH, { refreshToken }),
      env.call(REFRESH, { refreshToken }),
    ]);
    const winners = results.filter((r) => !r.body.errors);
    expect(winners.length).toBeLessThanOrEqual(1);
    // The loser counts as reuse, so the session is over and the winner's token is dead too.
    for (const winner of winners)
      expect(
        errorOf(
          await env.call(REFRESH, { refreshToken: winner.body.data.refreshSession.refreshToken }),
        ).code,
      ).toBe('UNAUTHENTICATED');
  });

  test('garbage and logged-out tokens are refused; logout ends the session', async () => {
    expect(errorOf(await env.call(REFRESH, { refreshToken: 'rt1.nope' })).code).toBe(
      'UNAUTHENTICATED',
    );
    const session = await loginOk(owner.email, owner.password);
    const out = await env.call('mutation { logout }', {}, { token: session.accessToken });
    expect(out.body.data).toEqual({ logout: true });
    expect(errorOf(await env.call(REFRESH, { refreshToken: session.refreshToken })).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(errorOf(await env.call('mutation { logout }')).code).toBe('UNAUTHENTICATED');
  });
});

describe('registration and e-mail links', () => {
  test('registration needs the tenant to allow it, enforces the password policy, and verifies by e-mail once', async () => {
    const input = {
      tenantSlug: acme.slug,
      email: 'rita@acme.test',
      password: 'a fine long password',
      name: 'Rita',
    };
    const closed = await env.call(REGISTER, { input }, { ip: freshIp() });
    expect(errorOf(closed)).toEqual({
      code: 'FORBIDDEN',
      message: 'Registration is not open for this tenant',
    });
    const unknown = await env.call(
      REGISTER,
      { input: { ...input, tenantSlug: 'no-such-tenant' } },
      { ip: freshIp() },
    );
    expect(errorOf(unknown)).toEqual(errorOf(closed));

    await setSelfRegistration(true);
    const weak = await env.call(
      REGISTER,
      { input: { ...input, password: 'short' } },
      { ip: freshIp() },
    );
    expect(errorOf(weak)).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'Password must be at least 12 characters long',
    });
    const badEmail = await env.call(
      REGISTER,
      { input: { ...input, email: 'not-an-email' } },
      { ip: freshIp() },
    );
    expect(errorOf(badEmail)).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'Not a valid e-mail address',
    });

    const registered = await env.call(REGISTER, { input }, { ip: freshIp() });
    expect(registered.body.data.register.user).toMatchObject({
      email: 'rita@acme.test',
      name: 'Rita',
      emailVerified: false,
      roles: ['TRADER'],
    });
    const mail = await env.smtp.waitFor(
      (m) => m.to.includes('rita@acme.test') && /Confirm/.test(m.subject),
    );
    const token = linkToken(mail.links.find((link) => link.includes('/verify-email'))!);

    expect(
      (await env.call('mutation V($t: String!) { verifyEmail(token: $t) }', { t: token })).body
        .data,
    ).toEqual({ verifyEmail: true });
    const reused = await env.call('mutation V($t: String!) { verifyEmail(token: $t) }', {
      t: token,
    });
    expect(errorOf(reused)).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'This link is invalid or has expired',
    });
    expect((await loginOk('rita@acme.test', 'a fine long password')).user.emailVerified).toBe(true);

    // Registering an address that exists looks the same, and tells the owner of the address.
    const again = await env.call(
      REGISTER,
      { input: { ...input, password: 'another long password' } },
      { ip: freshIp() },
    );
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data.register.user).toMatchObject({
      email: 'rita@acme.test',
      emailVerified: false,
      roles: ['TRADER'],
    });
    await env.smtp.waitFor(
      (m) => m.to.includes('rita@acme.test') && /already have/.test(m.subject),
    );
    await setSelfRegistration(false);
  });

  test('a password reset is mailed only for real accounts, works once, and ends every session', async () => {
    const RESET_REQUEST =
      'mutation R($s: String!, $e: String!) { requestPasswordReset(tenantSlug: $s, email: $e) }';
    const RESET =
      'mutation P($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }';
    const email = 'paul@acme.test';
    await registerUser({ email, password: 'pauls first password', name: 'Paul' });
    const session = await loginOk(email, 'pauls first password');

    const ghost = await env.call(
      RESET_REQUEST,
      { s: acme.slug, e: 'ghost@acme.test' },
      { ip: freshIp() },
    );
    expect(ghost.body.data).toEqual({ requestPasswordReset: true });
    expect(
      (await env.call(RESET_REQUEST, { s: acme.slug, e: email }, { ip: freshIp() })).body.data,
    ).toEqual({ requestPasswordReset: true });
    const mail = await env.smtp.waitFor((m) => m.to.includes(email) && /Reset/.test(m.subject));
    expect(env.smtp.messages.some((m) => m.to.includes('ghost@acme.test'))).toBe(false);
    const token = linkToken(mail.links[0]);

    expect(errorOf(await env.call(RESET, { t: token, p: 'short' })).code).toBe('BAD_USER_INPUT');
    expect((await env.call(RESET, { t: token, p: 'pauls second password' })).body.data).toEqual({
      resetPassword: true,
    });
    expect(errorOf(await env.call(RESET, { t: token, p: 'pauls third password' }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'This link is invalid or has expired',
    });
    expect(errorOf(await env.call(REFRESH, { refreshToken: session.refreshToken })).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(errorOf(await login(email, 'pauls first password')).code).toBe('UNAUTHENTICATED');
    await loginOk(email, 'pauls second password');

    // An expired link is refused too.
    await env.call(RESET_REQUEST, { s: acme.slug, e: email }, { ip: freshIp() });
    const second = await env.smtp.waitFor(
      (m) => m.to.includes(email) && /Reset/.test(m.subject) && m !== mail,
    );
    await env.admin.query(
      `UPDATE ${tenantSchema()}.account_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`,
    );
    expect(
      errorOf(await env.call(RESET, { t: linkToken(second.links[0]), p: 'pauls fourth password' }))
        .code,
    ).toBe('BAD_USER_INPUT');

    // Three reset e-mails per address an hour, from any address; the fourth request is told to wait.
    await env.call(RESET_REQUEST, { s: acme.slug, e: email }, { ip: freshIp() });
    const capped = await env.call(RESET_REQUEST, { s: acme.slug, e: email }, { ip: freshIp() });
    expect(errorOf(capped).code).toBe('RATE_LIMITED');
    expect(capped.body.errors![0].extensions!.retryAfter).toBeGreaterThan(0);
  });

  test('an invited owner sets a password from the e-mailed link, once', async () => {
    const created = await env.tenants.provisioner.create({
      slug: 'invited-co',
      name: 'Invited Co',
      plan: 'FREE',
      owner: { email: 'ivy@invited.test', name: 'Ivy' },
    });
    const mail = await env.smtp.waitFor((m) => m.to.includes('ivy@invited.test'));
    expect(mail.subject).toBe('You are invited to Invited Co on TradeSage');
    const token = linkToken(mail.links[0]);
    const ACCEPT =
      'mutation A($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) }';
    expect((await env.call(ACCEPT, { t: token, p: 'ivys new password' })).body.data).toEqual({
      acceptInvitation: true,
    });
    expect(errorOf(await env.call(ACCEPT, { t: token, p: 'ivys other password' })).code).toBe(
      'BAD_USER_INPUT',
    );
    const signedIn = await env.call(
      LOGIN,
      {
        input: {
          tenantSlug: created.tenant.slug,
          email: 'ivy@invited.test',
          password: 'ivys new password',
        },
      },
      { ip: freshIp() },
    );
    expect(signedIn.body.data.login.user).toMatchObject({ roles: ['OWNER'], emailVerified: true });
  });
});

describe('password change', () => {
  test('needs the current password and the policy, and signs out the other sessions', async () => {
    const CHANGE =
      'mutation C($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }';
    const email = 'carl@acme.test';
    await registerUser({ email, password: 'carls first password', name: 'Carl' });
    const phone = await loginOk(email, 'carls first password');
    const laptop = await loginOk(email, 'carls first password');

    expect(
      errorOf(
        await env.call(
          CHANGE,
          { c: 'wrong current password', n: 'carls second password' },
          { token: laptop.accessToken },
        ),
      ),
    ).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'The current password is wrong',
    });
    expect(
      errorOf(
        await env.call(
          CHANGE,
          { c: 'carls first password', n: 'tiny' },
          { token: laptop.accessToken },
        ),
      ).code,
    ).toBe('BAD_USER_INPUT');
    expect(errorOf(await env.call(CHANGE, { c: 'x', n: 'carls second password' })).code).toBe(
      'UNAUTHENTICATED',
    );
    const changed = await env.call(
      CHANGE,
      { c: 'carls first password', n: 'carls second password' },
      { token: laptop.accessToken },
    );
    expect(changed.body.data).toEqual({ changePassword: true });
    expect(errorOf(await env.call(REFRESH, { refreshToken: phone.refreshToken })).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await env.call(REFRESH, { refreshToken: laptop.refreshToken })).body.errors,
    ).toBeUndefined();
    await loginOk(email, 'carls second password');
  });
});

describe('TOTP', () => {
  test('MFA_REQUIRED without a code; a TOTP code works once; a recovery code works once', async () => {
    const email = 'tina@acme.test';
    const password = 'tinas long password';
    await registerUser({ email, password, name: 'Tina' });
    const { accessToken } = await loginOk(email, password);

    const enrolled = (
      await env.call('mutation { enrollTotp { secret otpauthUrl } }', {}, { token: accessToken })
    ).body.data.enrollTotp;
    expect(enrolled.otpauthUrl).toMatch(/^otpauth:\/\/totp\/TradeSage:/);
    const CONFIRM = 'mutation C($c: String!) { confirmTotp(code: $c) { recoveryCodes } }';
    expect(errorOf(await env.call(CONFIRM, { c: '000000' }, { token: accessToken })).code).toBe(
      'BAD_USER_INPUT',
    );
    const now = Math.floor(Date.now() / 1000);
    const confirmed = await env.call(
      CONFIRM,
      { c: await generate({ secret: enrolled.secret, epoch: now }) },
      { token: accessToken },
    );
    const codes: string[] = confirmed.body.data.confirmTotp.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    expect(errorOf(await login(email, password)).code).toBe('MFA_REQUIRED');
    // The next time step (within the drift window): the one used at confirmation is spent.
    const nextCode = await generate({ secret: enrolled.secret, epoch: now + 30 });
    expect((await loginOk(email, password, { totpCode: nextCode })).user.mfaEnabled).toBe(true);
    expect(errorOf(await login(email, password, { totpCode: nextCode }))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'Invalid authentication code',
    });
    await loginOk(email, password, { totpCode: codes[0].toUpperCase() });
    expect(errorOf(await login(email, password, { totpCode: codes[0] })).code).toBe(
      'UNAUTHENTICATED',
    );
  });
});

describe('Google sign-in', () => {
  const START =
    'mutation S($s: String!, $r: String!) { startGoogleLogin(tenantSlug: $s, redirectUri: $r) { authorizationUrl state } }';
  const COMPLETE =
    'mutation C($c: String!, $s: String!) { completeGoogleLogin(code: $c, state: $s) { accessToken refreshToken expiresAt user { id email emailVerified } } }';

  test('authorization code with PKCE against the identity provider, linked by verified e-mail', async () => {
    await registerUser({ email: GOOGLE_USER.email, password: 'ginas long password', name: 'Gina' });

    expect(errorOf(await env.call(START, { s: acme.slug, r: 'https://evil.test/cb' }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'This redirect URI is not allowed',
    });
    const started = (await env.call(START, { s: acme.slug, r: GOOGLE_REDIRECT_URI })).body.data
      .startGoogleLogin;
    const url = new URL(started.authorizationUrl);
    expect(url.origin).toBe(env.google.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('nonce')).toEqual(expect.any(String));
    expect(url.searchParams.get('state')).toBe(started.state);

    const callback = await env.google.authorize(started.authorizationUrl, GOOGLE_USER.sub);
    expect(callback.origin + callback.pathname).toBe(GOOGLE_REDIRECT_URI);
    const code = callback.searchParams.get('code')!;
    const done = await env.call(
      COMPLETE,
      { c: code, s: callback.searchParams.get('state')! },
      { ip: freshIp() },
    );
    expect(done.body.errors).toBeUndefined();
    expect(done.body.data.completeGoogleLogin.user).toMatchObject({
      email: GOOGLE_USER.email,
      emailVerified: true,
    });
    const who = await env.call(WHO, {}, { token: done.body.data.completeGoogleLogin.accessToken });
    expect(who.body.data.authStatus).toMatchObject({
      kind: 'USER',
      tenantId: acme.id,
      roles: ['TRADER'],
    });

    // The state is single-use.
    expect(errorOf(await env.call(COMPLETE, { c: code, s: started.state }))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'This sign-in has expired; start again',
    });
    // Gina had never verified the address she registered, so whoever set that password might
    // not have been her: Google's proof of the mailbox replaced it.
    expect(errorOf(await login(GOOGLE_USER.email, 'ginas long password')).code).toBe(
      'UNAUTHENTICATED',
    );
  });

  test('an account with TOTP on is sent back to password and code', async () => {
    const signedIn = await env.call(COMPLETE, await googleCallback(), { ip: freshIp() });
    const token = signedIn.body.data.completeGoogleLogin.accessToken;
    const { secret } = (await env.call('mutation { enrollTotp { secret } }', {}, { token })).body
      .data.enrollTotp;
    await env.call(
      'mutation C($c: String!) { confirmTotp(code: $c) { recoveryCodes } }',
      { c: await generate({ secret }) },
      { token },
    );
    const refused = await env.call(COMPLETE, await googleCallback(), { ip: freshIp() });
    expect(errorOf(refused).code).toBe('MFA_REQUIRED');
    expect(refused.body.data).toBeNull();
  });

  /** Runs the browser's part of a Google sign-in; returns completeGoogleLogin's variables. */
  async function googleCallback() {
    const started = (await env.call(START, { s: acme.slug, r: GOOGLE_REDIRECT_URI })).body.data
      .startGoogleLogin;
    const callback = await env.google.authorize(started.authorizationUrl, GOOGLE_USER.sub);
    return { c: callback.searchParams.get('code')!, s: callback.searchParams.get('state')! };
  }
});

describe('platform operators', () => {
  const OPERATOR_LOGIN =
    'mutation O($e: String!, $p: String!, $t: String) { operatorLogin(email: $e, password: $p, totpCode: $t) { accessToken refreshToken operator { id email name } } }';

  test('the configured first operator signs in with a tenant-less PLATFORM_OPERATOR token', async () => {
    const result = await env.call(
      OPERATOR_LOGIN,
      { e: OPERATOR.email, p: OPERATOR.password },
      { ip: freshIp() },
    );
    expect(result.body.errors).toBeUndefined();
    const { accessToken, refreshToken, operator } = result.body.data.operatorLogin;
    expect(operator.email).toBe(OPERATOR.email);
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString());
    expect(claims.roles).toEqual(['PLATFORM_OPERATOR']);
    expect(claims.tid).toBeUndefined();
    expect(refreshToken).toMatch(new RegExp(`^rt1\\.${PLATFORM_SCOPE}\\.`));
    expect((await env.call(REFRESH, { refreshToken })).body.errors).toBeUndefined();
    expect(
      errorOf(
        await env.call(
          OPERATOR_LOGIN,
          { e: OPERATOR.email, p: 'wrong password!!' },
          { ip: freshIp() },
        ),
      ).code,
    ).toBe('UNAUTHENTICATED');
    // A tenant owner's token is no operator's.
    const ownerToken = (await loginOk(owner.email, owner.password)).accessToken;
    expect((await env.call(WHO, {}, { token: ownerToken })).body.data.authStatus.kind).toBe('USER');
  });
});

describe('audit trail', () => {
  test('OWNER reads it newest first with cursors; a TRADER may not; the tenant role cannot change it', async () => {
    const ownerToken = (await loginOk(owner.email, owner.password)).accessToken;
    const AUDIT =
      'query A($a: String) { auditLog(first: 2, after: $a) { edges { cursor node { type at } } pageInfo { hasNextPage endCursor } } }';
    const page1 = (await env.call(AUDIT, {}, { token: ownerToken })).body.data.auditLog;
    expect(page1.edges).toHaveLength(2);
    expect(page1.edges[0].node.type).toBe('LOGIN_SUCCEEDED');
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await env.call(AUDIT, { a: page1.pageInfo.endCursor }, { token: ownerToken }))
      .body.data.auditLog;
    expect(page2.edges[0].cursor).not.toBe(page1.edges[1].cursor);
    expect(Date.parse(page2.edges[0].node.at)).toBeLessThanOrEqual(
      Date.parse(page1.edges[1].node.at),
    );
    const types = new Set<string>();
    let after: string | null = null;
    do {
      const page: {
        edges: { node: { type: string } }[];
        pageInfo: { endCursor: string | null; hasNextPage: boolean };
      } = (
        await env.call(AUDIT.replace('first: 2', 'first: 200'), { a: after }, { token: ownerToken })
      ).body.data.auditLog;
      page.edges.forEach((edge) => types.add(edge.node.type));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect([...types]).toEqual(
      expect.arrayContaining([
        'LOGIN_SUCCEEDED',
        'LOGIN_FAILED',
        'LOGOUT',
        'REFRESH_REUSE',
        'REGISTERED',
        'PASSWORD_CHANGED',
        'PASSWORD_RESET',
        'EMAIL_VERIFIED',
        'MFA_ENABLED',
      ]),
    );

    await registerUser({ email: 'trent@acme.test', password: 'trents long password', name: 'T' });
    const trader = await loginOk('trent@acme.test', 'trents long password');
    expect(errorOf(await env.call(AUDIT, {}, { token: trader.accessToken })).code).toBe(
      'FORBIDDEN',
    );

    // Append-only in the database: the tenant's own role may insert, never change or delete.
    const client = new pg.Client({
      connectionString: env.db.url.replace('postgres@', `${env.config.TENANT_DB_USER}@`),
    });
    await client.connect();
    try {
      await client.query(`SET ROLE ${tenantRoleName(tenantSchema())}`);
      await client.query(`SET search_path TO ${tenantSchema()}`);
      await expect(client.query(`UPDATE audit_events SET type = 'NOTHING'`)).rejects.toThrow(
        /permission denied/,
      );
      await expect(client.query('DELETE FROM audit_events')).rejects.toThrow(/permission denied/);
      await expect(client.query('TRUNCATE audit_events')).rejects.toThrow(/permission denied/);
      await client.query(`INSERT INTO audit_events (type) VALUES ('PROBE')`);
    } finally {
      await client.end();
    }
    // Not even the owning login may rewrite history.
    await expect(env.admin.query(`DELETE FROM ${tenantSchema()}.audit_events`)).rejects.toThrow(
      /append-only/,
    );
  });
});

function tenantSchema(): string {
  return `t_${acme.id.replace(/-/g, '')}`;
}
