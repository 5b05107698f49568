/**
 * Sign-in at the tenant's maxSessionsPerUser with SESSION_LIMIT_POLICY=refuse (the default,
 * evict-oldest, is shown end to end in e2e/sessions.test.ts).
 */
import { startAuthTestEnv, type AuthTestEnv } from './support';

const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken session { id } }
}`;
const LOGOUT = 'mutation { logout }';

let env: AuthTestEnv;
let slug: string;
const owner = { email: 'rita@refuse.test', password: 'ritas long password', name: 'Rita' };

beforeAll(async () => {
  env = await startAuthTestEnv('auth_session_limit', [], { SESSION_LIMIT_POLICY: 'refuse' });
  // FREE allows 3 sessions per user.
  const created = await env.tenants.provisioner.create({
    slug: 'refuse-desk',
    name: 'Refuse Desk',
    plan: 'FREE',
    owner,
  });
  slug = created.tenant.slug;
}, 120_000);
afterAll(() => env?.close());

const login = () =>
  env.call(LOGIN, { input: { tenantSlug: slug, email: owner.email, password: owner.password } });

test('the sign-in past the limit is refused with LIMIT_EXCEEDED; a signed-out slot can be used', async () => {
  const open = [];
  for (let i = 0; i < 3; i++) {
    const response = await login();
    expect(response.body.errors).toBeUndefined();
    open.push(response.body.data.login);
  }
  const refused = await login();
  expect(refused.body.data).toBeNull();
  expect(refused.body.errors?.map((e: any) => e.extensions.code)).toEqual(['LIMIT_EXCEEDED']);
  expect(refused.body.errors?.[0].message).toMatch(/3 active sessions/);
  // The refusal ended nothing: all three still log out.
  const out = await env.call(LOGOUT, {}, { token: open[0].accessToken });
  expect(out.body).toEqual({ data: { logout: true } });
  const again = await login();
  expect(again.body.errors).toBeUndefined();
  for (const session of open.slice(1)) {
    const response = await env.call(LOGOUT, {}, { token: session.accessToken });
    expect(response.body).toEqual({ data: { logout: true } });
  }
});
