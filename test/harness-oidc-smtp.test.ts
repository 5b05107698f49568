/**
 * The SMTP capture and the test OpenID provider, exercised with the real clients the services
 * use (nodemailer, openid-client), so integration tests can rely on them.
 */
import nodemailer from 'nodemailer';
import * as client from 'openid-client';
import {
  startOidcProvider,
  startSmtpCapture,
  type OidcTestProvider,
  type SmtpCapture,
} from '@tradesage/shared/testing';

describe('SMTP capture', () => {
  let capture: SmtpCapture;

  beforeAll(async () => {
    capture = await startSmtpCapture();
  });
  afterAll(() => capture.close());

  it('captures mail sent with nodemailer, with the links in its text', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: capture.port,
      secure: false,
      ignoreTLS: true,
    });
    const link = 'http://localhost:4000/verify?token=abc123';
    const pending = capture.waitFor((m) => m.to.includes('new.user@example.test'));
    await transport.sendMail({
      from: 'TradeSage <no-reply@tradesage.test>',
      to: 'New.User@Example.test',
      subject: 'Verify your email',
      text: `Welcome! Verify your address at ${link}. Or visit https://tradesage.test/help`,
      html: `<p>Welcome! <a href="${link}">Verify</a></p>`,
    });
    transport.close();

    const mail = await pending;
    expect(mail).toMatchObject({
      to: ['new.user@example.test'],
      from: 'no-reply@tradesage.test',
      subject: 'Verify your email',
      links: [link, 'https://tradesage.test/help'],
    });
    expect(mail.html).toContain(`href="${link}"`);
    expect(capture.messages).toHaveLength(1);
    // Already received: resolves at once.
    await expect(capture.waitFor((m) => m.subject === 'Verify your email')).resolves.toBe(mail);

    capture.clear();
    expect(capture.messages).toHaveLength(0);
    await expect(capture.waitFor(() => true, 100)).rejects.toThrow(/no matching mail/);
  });
});

describe('OIDC test provider', () => {
  const redirectUri = 'http://127.0.0.1:4000/auth/google/callback';
  const account = {
    sub: 'google-sub-123',
    email: 'someone@example.test',
    email_verified: true,
    name: 'Some One',
  };
  let provider: OidcTestProvider;

  beforeAll(async () => {
    provider = await startOidcProvider({ redirectUris: [redirectUri], accounts: [account] });
  });
  afterAll(() => provider.close());

  async function signIn(sub: string, authentication?: client.ClientAuth) {
    const config = await client.discovery(
      new URL(provider.issuer),
      provider.clientId,
      provider.clientSecret,
      authentication,
      { execute: [client.allowInsecureRequests] },
    );
    const pkceCodeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const callbackUrl = await provider.authorize(url.href, sub);
    return { config, callbackUrl, pkceCodeVerifier, state, nonce };
  }

  it.each([
    ['client_secret_post', undefined],
    ['client_secret_basic', client.ClientSecretBasic()],
  ])('completes the code flow with PKCE (%s)', async (_method, authentication) => {
    const { config, callbackUrl, pkceCodeVerifier, state, nonce } = await signIn(
      account.sub,
      authentication,
    );
    expect(`${callbackUrl.origin}${callbackUrl.pathname}`).toBe(redirectUri);
    expect(callbackUrl.searchParams.get('code')).toBeTruthy();

    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    expect(tokens.claims()).toMatchObject({
      iss: provider.issuer,
      aud: provider.clientId,
      sub: account.sub,
      email: account.email,
      email_verified: true,
      name: account.name,
    });
  });

  it('redirects back with access_denied for an unknown account', async () => {
    const { callbackUrl, state } = await signIn('nobody');
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');
    expect(callbackUrl.searchParams.get('state')).toBe(state);
  });
});
