import { randomUUID } from 'node:crypto';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JWK,
  type JSONWebKeySet,
} from 'jose';
import { AppError, PLATFORM_OPERATOR, TokenVerifier, verifierFromConfig } from '../src';
import { createTestSigner, testConfig, type TestSigner } from '../testing';

const config = testConfig();
const TENANT_ID = randomUUID();
const USER_ID = randomUUID();
const SESSION_ID = randomUUID();

const userClaims = {
  sub: USER_ID,
  sid: SESSION_ID,
  tid: TENANT_ID,
  tslug: 'acme',
  roles: ['TENANT_ADMIN', 'TRADER'],
};
const operatorClaims = { sub: 'op-1', sid: SESSION_ID, roles: [PLATFORM_OPERATOR] };

let signer: TestSigner;
/** A trusted key that signs tokens for another issuer, and one for another audience. */
let wrongIssuer: TestSigner;
let wrongAudience: TestSigner;
let trustedKey: JWK;
let verifier: TokenVerifier;

beforeAll(async () => {
  signer = await createTestSigner(config);
  wrongIssuer = await createTestSigner({ ...config, JWT_ISSUER: 'https://evil.example' });
  wrongAudience = await createTestSigner({ ...config, JWT_AUDIENCE: 'another-api' });
  [trustedKey] = (JSON.parse(signer.jwks) as JSONWebKeySet).keys;
  const jwks: JSONWebKeySet = {
    keys: [signer, wrongIssuer, wrongAudience].flatMap(
      (s) => (JSON.parse(s.jwks) as JSONWebKeySet).keys,
    ),
  };
  verifier = verifierFromConfig({ ...config, JWT_JWKS: JSON.stringify(jwks) });
});

/** Signs claims the way the auth service does, but with any key, kid and algorithm. */
function forge(
  claims: Record<string, unknown>,
  header: { alg: string; kid?: string; typ?: string },
  key: CryptoKey | Uint8Array,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader(header)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(key);
}

function without(claims: Record<string, unknown>, name: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([key]) => key !== name));
}

/** The error a promise rejects with; fails the test when it resolves. */
async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) {
    throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  }
  expect(outcome.error).toBeInstanceOf(AppError);
  const error = outcome.error as AppError;
  expect(error.extensions.code).toBe('UNAUTHENTICATED');
  expect(error.extensions.http).toEqual({ status: 401 });
  return error;
}

/** Tokens that look verifiable (three parts, a signature) but must be refused. */
const badTokens: Array<[string, () => Promise<string>]> = [
  [
    'alg none (unsecured)',
    async () =>
      new UnsecuredJWT(userClaims)
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('15m')
        .encode(),
  ],
  [
    'HS256 keyed with the raw public key bytes',
    () =>
      forge(
        userClaims,
        { alg: 'HS256', kid: trustedKey.kid },
        Buffer.from(trustedKey.x as string, 'base64url'),
      ),
  ],
  [
    'HS256 keyed with the public key PEM',
    async () => {
      const pem = await exportSPKI((await importJWK(trustedKey, 'EdDSA')) as CryptoKey);
      return forge(userClaims, { alg: 'HS256', kid: trustedKey.kid }, Buffer.from(pem));
    },
  ],
  [
    'another key using the trusted kid',
    async () => {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      return forge(userClaims, { alg: 'EdDSA', kid: trustedKey.kid }, privateKey);
    },
  ],
  [
    'an unknown kid',
    async () => {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      return forge(userClaims, { alg: 'EdDSA', kid: randomUUID() }, privateKey);
    },
  ],
  [
    'a tampered payload',
    async () => {
      const [header, , signature] = (await signer.sign(userClaims)).split('.');
      const payload = Buffer.from(
        JSON.stringify({
          ...userClaims,
          roles: [PLATFORM_OPERATOR],
          iss: config.JWT_ISSUER,
          aud: config.JWT_AUDIENCE,
          iat: Math.floor(Date.now() / 1000),
          exp: Math.floor(Date.now() / 1000) + 900,
        }),
      ).toString('base64url');
      return `${header}.${payload}.${signature}`;
    },
  ],
  ['an expired token', () => signer.sign(userClaims, { expiresIn: '-1m' })],
  ['a wrong audience', () => wrongAudience.sign(userClaims)],
  ['a wrong issuer', () => wrongIssuer.sign(userClaims)],
  ['no sid', () => signer.sign(without(userClaims, 'sid'))],
  ['no sub', () => signer.sign(without(userClaims, 'sub'))],
  ['no roles', () => signer.sign(without(userClaims, 'roles'))],
  ['a tenant user without tid', () => signer.sign({ ...userClaims, tid: undefined })],
  ['a tid that is not a UUID', () => signer.sign({ ...userClaims, tid: 'acme' })],
  ['an operator role with a tid', () => signer.sign({ ...operatorClaims, tid: TENANT_ID })],
  [
    'an operator role among tenant roles, with a tid',
    () => signer.sign({ ...userClaims, roles: ['TRADER', PLATFORM_OPERATOR] }),
  ],
];

/** The token's own exp claim, in ms (what the principal carries as expiresAt). */
const expiryOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number }).exp *
  1000;

describe('TokenVerifier', () => {
  test('a tenant user token gives a user principal', async () => {
    const token = await signer.sign(userClaims);
    const principal = await verifier.verify(token);
    expect(principal).toEqual({
      kind: 'user',
      userId: USER_ID,
      tenantId: TENANT_ID,
      tenantSlug: 'acme',
      roles: ['TENANT_ADMIN', 'TRADER'],
      sessionId: SESSION_ID,
      expiresAt: expiryOf(token),
    });
  });

  test('a PLATFORM_OPERATOR token without tid gives an operator principal', async () => {
    const token = await signer.sign(operatorClaims);
    const principal = await verifier.verify(token);
    expect(principal).toEqual({
      kind: 'operator',
      operatorId: 'op-1',
      roles: [PLATFORM_OPERATOR],
      sessionId: SESSION_ID,
      expiresAt: expiryOf(token),
    });
  });

  test.each(badTokens)('refuses a token with %s', async (_label, make) => {
    const token = await make();
    expect(token.split('.')).toHaveLength(3);
    await refusal(verifier.verify(token));
    await refusal(verifier.fromAuthorizationHeader(`Bearer ${token}`));
  });

  test('the wrong-issuer and wrong-audience keys are trusted, so only the claim is at fault', async () => {
    for (const [other, issuer, audience] of [
      [wrongIssuer, 'https://evil.example', config.JWT_AUDIENCE],
      [wrongAudience, config.JWT_ISSUER, 'another-api'],
    ] as const) {
      const lenient = verifierFromConfig({
        JWT_JWKS: other.jwks,
        JWT_ISSUER: issuer,
        JWT_AUDIENCE: audience,
      });
      await expect(lenient.verify(await other.sign(userClaims))).resolves.toMatchObject({
        kind: 'user',
      });
    }
  });

  test('gives the same message for every refused token, so it is no oracle', async () => {
    const messages = new Set<string>();
    for (const [, make] of badTokens) {
      messages.add((await refusal(verifier.verify(await make()))).message);
    }
    const noKeys = new TokenVerifier({ issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
    messages.add((await refusal(noKeys.verify(await signer.sign(userClaims)))).message);
    expect([...messages]).toHaveLength(1);
  });

  test('a verifier without a JWKS refuses every token, even a valid one', async () => {
    const noKeys = new TokenVerifier({ issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
    await refusal(noKeys.verify(await signer.sign(userClaims)));
    await refusal(noKeys.verify(await signer.sign(operatorClaims)));
    const fromConfig = verifierFromConfig(config);
    await refusal(fromConfig.fromAuthorizationHeader(`Bearer ${await signer.sign(userClaims)}`));
  });

  test('a JWKS of its own makes a verifier trust only those keys', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = randomUUID();
    const own = new TokenVerifier({
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' }] },
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    });
    const token = await forge(userClaims, { alg: 'EdDSA', kid, typ: 'at+jwt' }, privateKey);
    await expect(own.verify(token)).resolves.toMatchObject({ kind: 'user', userId: USER_ID });
    await refusal(own.verify(await signer.sign(userClaims)));
  });
});

describe('TokenVerifier token type', () => {
  test('a JWT that is not an access token (typ other than at+jwt) is refused', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = randomUUID();
    const own = new TokenVerifier({
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' }] },
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    });
    await refusal(
      own.verify(await forge(userClaims, { alg: 'EdDSA', kid, typ: 'JWT' }, privateKey)),
    );
    await refusal(own.verify(await forge(userClaims, { alg: 'EdDSA', kid }, privateKey)));
  });
});

describe('TokenVerifier.fromAuthorizationHeader', () => {
  test.each([undefined, ''])('no Authorization header (%p) is anonymous', async (header) => {
    await expect(verifier.fromAuthorizationHeader(header)).resolves.toEqual({ kind: 'anonymous' });
  });

  test('a Bearer header with a valid token gives its principal', async () => {
    const header = `Bearer ${await signer.sign(userClaims)}`;
    await expect(verifier.fromAuthorizationHeader(header)).resolves.toMatchObject({
      kind: 'user',
      tenantId: TENANT_ID,
    });
  });

  test('the Bearer scheme name is case-insensitive, as HTTP says', async () => {
    const token = await signer.sign(userClaims);
    for (const scheme of ['bearer', 'BEARER']) {
      await expect(verifier.fromAuthorizationHeader(`${scheme} ${token}`)).resolves.toMatchObject({
        kind: 'user',
      });
    }
  });

  test.each(['Basic abc', 'Bearer', 'Bearer ', 'Bearer a.b', 'Bearer a.b.c.d', 'Token a.b.c'])(
    'a malformed header %p is refused, not treated as anonymous',
    async (header) => {
      await refusal(verifier.fromAuthorizationHeader(header));
    },
  );

  test('a valid token behind another scheme is refused', async () => {
    await refusal(verifier.fromAuthorizationHeader(`Basic ${await signer.sign(userClaims)}`));
  });
});

describe('TokenVerifier cache of verified tokens', () => {
  test('a token verified once is accepted again, and one altered by a byte is still refused', async () => {
    const token = await signer.sign(userClaims);
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toEqual(first);
    const [header, payload, signature] = token.split('.');
    const altered = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BA' : 'AA'}`;
    await refusal(verifier.verify(altered));
  });

  test('a cached token is refused once it expires', async () => {
    const token = await signer.sign(userClaims, { expiresIn: '2s' });
    await verifier.verify(token);
    // jose rounds exp to seconds: wait past it, then the cached verification must not answer.
    const { expiresAt } = (await verifier.verify(token)) as { expiresAt: number };
    await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 50));
    await refusal(verifier.verify(token));
  });
});
