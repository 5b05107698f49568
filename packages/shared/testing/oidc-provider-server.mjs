// A test OpenID provider (stands in for Google). Runs as its own process because oidc-provider
// is ESM-only and jest runs CommonJS. Started by oidc.ts; see startOidcProvider there.
//
// Env: OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET, OIDC_TEST_REDIRECT_URIS (comma-separated),
// OIDC_TEST_ACCOUNTS (JSON [{ sub, email, email_verified, name }]).
// Prints {"issuer":"http://127.0.0.1:PORT"} on one stdout line once it listens.
import { Buffer } from 'node:buffer';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';
import { URLSearchParams } from 'node:url';
import Provider from 'oidc-provider';

const SCOPE = 'openid email profile';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const clientId = requiredEnv('OIDC_TEST_CLIENT_ID');
const clientSecret = requiredEnv('OIDC_TEST_CLIENT_SECRET');
const redirectUris = requiredEnv('OIDC_TEST_REDIRECT_URIS')
  .split(',')
  .map((uri) => uri.trim())
  .filter(Boolean);
const accounts = new Map(
  JSON.parse(process.env.OIDC_TEST_ACCOUNTS ?? '[]').map((account) => [account.sub, account]),
);

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function page(uid, action, body) {
  return `<!doctype html><html><body><form method="post" action="/interaction/${escapeHtml(uid)}/${action}">${body}</form></body></html>`;
}

// Instead of devInteractions: a login form that takes the account's sub, and a consent step
// that grants whatever is missing. Both can be driven with plain HTTP requests.
async function handleInteraction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'text/plain', 'interaction mismatch');
  const { prompt, params, session } = details;

  if (req.method === 'GET' && !action) {
    const html =
      prompt.name === 'login'
        ? page(uid, 'login', '<input name="login" placeholder="sub"><button>Sign in</button>')
        : page(uid, 'confirm', '<button>Allow</button>');
    return send(res, 200, 'text/html; charset=utf-8', html);
  }
  if (req.method !== 'POST') return send(res, 405, 'text/plain', 'method not allowed');

  if (action === 'login' && prompt.name === 'login') {
    const accountId = (await readForm(req)).get('login') ?? '';
    const result = accounts.has(accountId)
      ? { login: { accountId } }
      : { error: 'access_denied', error_description: `unknown test account ${accountId}` };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  if (action === 'confirm' && prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } });
  }

  return send(res, 400, 'text/plain', `unexpected ${action} for prompt ${prompt.name}`);
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'test', alg: 'RS256', use: 'sig' };
}

let provider;
let handle;
const server = createServer((req, res) => {
  const match = /^\/interaction\/([^/?]+)(?:\/(login|confirm))?\/?(?:\?.*)?$/.exec(req.url ?? '');
  if (!match) return handle(req, res);
  handleInteraction(provider, req, res, match[1], match[2]).catch((error) => {
    if (!res.headersSent) send(res, 400, 'text/plain', `${error.name}: ${error.message}`);
    else res.destroy(error);
  });
});

await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      // oidc-provider accepts client_secret_post for a client_secret_basic client too.
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: SCOPE.split(' '),
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Like Google: put the scope's claims in the ID token, not only at the userinfo endpoint.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      claims: async () => ({
        sub,
        email: account.email,
        email_verified: account.email_verified,
        name: account.name,
      }),
    };
  },
  // Auto-consent: a signed-in account has granted the test client everything it may ask for.
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      accountId: ctx.oidc.session.accountId,
      clientId: ctx.oidc.client.clientId,
    });
    grant.addOIDCScope(SCOPE);
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'text/plain';
    ctx.body = `${out.error}: ${out.error_description ?? ''}`;
  },
});
handle = provider.callback();

const shutdown = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The parent holds our stdin open; when it ends the parent is gone, so don't linger.
process.stdin.on('end', shutdown);
process.stdin.resume();

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
