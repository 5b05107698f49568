/**
 * The attack suite: a user of tenant A attacks tenant B (and the platform) through the router,
 * straight at each subgraph, and over WebSocket and multipart subscriptions. The stack runs with
 * NODE_ENV=production. Every case is one row: how the attack is sent, the exact refusal expected,
 * and a leak check: nothing received (body, headers, every subscription message) may carry one
 * of B's markers that the attacker did not send itself, nor a stack trace, SQL or a file path.
 */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
} from 'node:crypto';
import { gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { until, watchMultipart } from '@tradesage/shared/testing';
import {
  graphql,
  inviteAndLogin,
  login,
  OPERATOR,
  operation,
  startStack,
  type SignedIn,
  type Stack,
} from './support/stack';

let stack: Stack;

// ------------------------------------------------------------------ the world under attack

interface Member extends SignedIn {
  email: string;
  name: string;
  password: string;
}

interface Tenant {
  id: string;
  slug: string;
  name: string;
  owner: Member;
}

const tag = randomBytes(3).toString('hex');
const world = {
  operatorToken: '',
  a: {} as Tenant & { trader: Member; signer: Member },
  b: {} as Tenant & {
    trader: Member;
    admin: Member;
    activityId: string;
    usersCursor: string;
    auditCursor: string;
    backupId: string;
  },
  /** Suspended by the operator after its owner signed in. */
  c: {} as Tenant,
  /** Deleted by the operator after its owner signed in. */
  d: {} as Tenant,
};

/** B's data: none of it may reach the attacker, unless the attacker sent it. */
const markers = new Map<string, string>();
const mark = (label: string, value: string | undefined) => {
  if (value) markers.set(`${label} (${value.slice(0, 24)})`, value);
};
function markMember(label: string, member: Member) {
  mark(`${label} id`, member.userId);
  mark(`${label} e-mail`, member.email);
  mark(`${label} name`, member.name);
  mark(`${label} session`, member.sessionId);
  mark(`${label} access token`, member.token);
  mark(`${label} refresh token`, member.refreshToken);
}

/** Server internals that production must never show a client. */
const INTERNALS: [string, RegExp][] = [
  ['stack frame', /\n\s+at |\bat (?:async )?[\w$.<>]+ \([^)]*:\d+:\d+\)/],
  ['stacktrace extension', /stacktrace|"exception"/i],
  ['file path', /\/work\/|\/home\/|\/usr\/|node_modules|\.[jt]s:\d+|file:\/\//],
  [
    'SQL',
    /SQLSTATE|syntax error at or near|invalid input syntax|invalid byte sequence|violates|duplicate key|relation "|column "|pg_catalog|\$queryRaw|\bILIKE\b/i,
  ],
  ['ORM', /prisma/i],
  ['tenant schema', /\bt_[0-9a-f]{32}\b/],
];

// ------------------------------------------------------------------ sending attacks

interface Outcome {
  /** HTTP status; undefined for WebSocket. */
  status?: number;
  /** The parsed JSON body, when it was JSON. */
  body?: any;
  /** Every `extensions.code` received, in order (HTTP body, parts, WebSocket messages). */
  codes: string[];
  reasons: string[];
  /** The WebSocket close code, when the server closed the socket. */
  closeCode?: number;
  /** Everything received: headers, body, every message. */
  raw: string;
  /** Everything sent: markers in it are the attacker's own, not leaks. */
  sent: string;
}

function errorsIn(value: unknown): { code?: string; reason?: string }[] {
  const found: { code?: string; reason?: string }[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const message = node as { type?: string; payload?: unknown };
      if (message.type === 'error' && Array.isArray(message.payload))
        for (const error of message.payload) found.push((error as any)?.extensions ?? {});
      const errors = (node as { errors?: unknown }).errors;
      if (Array.isArray(errors))
        for (const error of errors) found.push((error as any)?.extensions ?? {});
      const payload = (node as { payload?: unknown }).payload;
      if (payload) visit(payload);
    }
  };
  visit(value);
  return found;
}

function outcomeOf(status: number | undefined, raw: string, sent: string, parsed?: unknown) {
  let body = parsed;
  if (body === undefined)
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
  const errors = errorsIn(body);
  return {
    status,
    body,
    codes: errors.map((e) => String(e.code)),
    reasons: errors.map((e) => e.reason).filter((r): r is string => r !== undefined),
    raw,
    sent,
  };
}

/** A different client address per request: anonymous limits count per address. */
let lastIp = 0;
const freshIp = () => `2001:db8::${(++lastIp).toString(16)}`;

/** Sends a raw HTTP request and keeps everything that came back. */
async function sendRaw(
  url: string,
  body: string | Buffer | undefined,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<Outcome> {
  const allHeaders = {
    'content-type': 'application/json',
    'x-forwarded-for': freshIp(),
    ...headers,
  };
  // An empty value leaves the header out.
  for (const [name, value] of Object.entries(allHeaders))
    if (value === '') delete allHeaders[name as keyof typeof allHeaders];
  const response = await fetch(url, { method, headers: allHeaders, body });
  const text = await response.text();
  const headerText = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  const sent = `${url}\n${JSON.stringify(headers)}\n${tokenText(headers.authorization)}\n${
    typeof body === 'string' ? body : (body?.toString('latin1') ?? '')
  }`;
  return outcomeOf(response.status, `${headerText}\n\n${text}`, sent, parseJson(text));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a token says, decoded, so that markers the attacker put in its claims count as sent. */
function tokenText(authorization: string | undefined): string {
  if (!authorization) return '';
  return authorization
    .replace(/^Bearer\s+/i, '')
    .split('.')
    .slice(0, 2)
    .map((part) => Buffer.from(part, 'base64url').toString())
    .join('\n');
}

const bearer = (token?: string): Record<string, string> =>
  token ? { authorization: `Bearer ${token}` } : {};

function gqlAt(url: string, query: string, token?: string, variables?: Record<string, unknown>) {
  return sendRaw(url, JSON.stringify({ query, variables }), bearer(token));
}
const viaRouter = (query: string, token?: string, variables?: Record<string, unknown>) =>
  gqlAt(stack.routerUrl, query, token, variables);
type Subgraph = 'auth' | 'tenant' | 'user' | 'session';
const subgraphUrl = (name: Subgraph) => `http://127.0.0.1:${stack.ports[name]}/graphql`;
const viaSubgraph = (
  name: Subgraph,
  query: string,
  token?: string,
  variables?: Record<string, unknown>,
) => gqlAt(subgraphUrl(name), query, token, variables);

/** `_entities` straight at a subgraph, with the given representations and selection. */
const entities = (name: Subgraph, token: string, reps: unknown[], selection: string) =>
  viaSubgraph(
    name,
    `query ($reps: [_Any!]!) { _entities(representations: $reps) { ${selection} } }`,
    token,
    { reps },
  );

/** A graphql-ws (graphql-transport-ws) connection that records every raw message. */
function openSocket(url: string, token: string | undefined, query: string, variables = {}) {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const frames: string[] = [];
  let closeCode: number | undefined;
  let closeReason = '';
  socket.on('error', () => undefined);
  socket.on('open', () =>
    socket.send(JSON.stringify({ type: 'connection_init', payload: bearer(token) })),
  );
  socket.on('message', (data) => {
    const text = data.toString();
    frames.push(text);
    const message = parseJson(text) as { type?: string } | undefined;
    if (message?.type === 'connection_ack')
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
  });
  const closed = new Promise<void>((resolve) =>
    socket.on('close', (code, reason) => {
      closeCode = code;
      closeReason = reason.toString();
      resolve();
    }),
  );
  const ended = () =>
    closeCode !== undefined || frames.some((frame) => /"type":"(error|complete)"/.test(frame));
  return {
    frames,
    ended,
    text: () => frames.join('\n'),
    async finish(): Promise<Outcome> {
      if (closeCode === undefined) {
        socket.close(1000);
        await closed;
      }
      const messages = frames.map((frame) => parseJson(frame));
      const raw = `${frames.join('\n')}\nclose ${closeCode} ${closeReason}`;
      const sent = `${token ?? ''}\n${tokenText(token && `Bearer ${token}`)}\n${query}\n${JSON.stringify(variables)}`;
      return { ...outcomeOf(undefined, raw, sent, messages), closeCode };
    },
  };
}

/** A subscription over WebSocket that is expected to end by itself (a refusal). */
async function overWebSocket(
  url: string,
  token: string | undefined,
  query: string,
  variables = {},
): Promise<Outcome> {
  const socket = openSocket(url, token, query, variables);
  await until(socket.ended, 'the refusal over WebSocket', { timeoutMs: 10_000 });
  return socket.finish();
}

/** Apollo's multipart subscription protocol (the shared test client), its raw answer judged. */
function openMultipart(token: string | undefined, query: string, variables = {}) {
  const stream = watchMultipart({
    url: stack.routerUrl,
    token,
    query,
    variables,
    headers: { 'x-forwarded-for': freshIp() },
    select: (data) => data,
  });
  return {
    ended: stream.ended,
    text: () => stream.raw().text,
    async finish(): Promise<Outcome> {
      stream.abort();
      const { headers, text } = stream.raw();
      // Each part's JSON, or the whole body when the answer was not multipart.
      const parts = text.includes('--graphql')
        ? text
            .split(/\r\n--graphql(?:--)?/)
            .map((part) => parseJson(part.slice(part.indexOf('\r\n\r\n') + 4)))
            .filter((part) => part !== undefined)
        : parseJson(text);
      const body = JSON.stringify({ query, variables });
      const sent = `${token ?? ''}\n${tokenText(token && `Bearer ${token}`)}\n${body}`;
      return outcomeOf(stream.response()?.status, `${headers}\n\n${text}`, sent, parts);
    },
  };
}

async function overMultipart(token: string | undefined, query: string, variables = {}) {
  const stream = openMultipart(token, query, variables);
  await until(stream.ended, 'the multipart answer', { timeoutMs: 10_000 });
  return stream.finish();
}

// ------------------------------------------------------------------ tokens

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const decode = (token: string, part: 0 | 1) =>
  JSON.parse(Buffer.from(token.split('.')[part], 'base64url').toString()) as Record<
    string,
    unknown
  >;

/** The stack's signing key, as the auth service signs with it. */
const stackKey = () => {
  const [{ kid, pem }] = JSON.parse(stack.signer.privateKeys) as { kid: string; pem: string }[];
  return { kid, key: createPrivateKey(pem) };
};

/** A header as the auth service writes it. */
const header = (changes: Record<string, unknown> = {}) => ({
  alg: 'EdDSA',
  kid: stackKey().kid,
  typ: 'at+jwt',
  ...changes,
});

/** Claims as the auth service would issue them for this member of this tenant. */
function claims(member: Member, tenant: Tenant, changes: Record<string, unknown> = {}) {
  const issued = decode(member.token, 1);
  return {
    ...issued,
    sub: member.userId,
    tid: tenant.id,
    tslug: tenant.slug,
    sid: member.sessionId,
    iat: now(),
    exp: now() + 600,
    jti: randomUUID(),
    ...changes,
  };
}

type Signature =
  | { with: 'stack' }
  | { with: 'none' }
  | { with: 'hmac'; secret: string | Buffer }
  | { with: 'key'; key: ReturnType<typeof createPrivateKey> };

/** A JWT with exactly this header and payload, signed as asked. */
function jwt(head: Record<string, unknown>, payload: Record<string, unknown>, by: Signature) {
  const input = `${b64(head)}.${b64(payload)}`;
  const data = Buffer.from(input);
  const signature =
    by.with === 'none'
      ? ''
      : by.with === 'hmac'
        ? createHmac('sha256', by.secret).update(data).digest('base64url')
        : sign(null, data, by.with === 'stack' ? stackKey().key : by.key).toString('base64url');
  return `${input}.${signature}`;
}
const signed = (head: Record<string, unknown>, payload: Record<string, unknown>) =>
  jwt(head, payload, { with: 'stack' });
const unsigned = (head: Record<string, unknown>, payload: Record<string, unknown>) =>
  jwt(head, payload, { with: 'none' });
const hs256 = (
  head: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string | Buffer,
) => jwt(head, payload, { with: 'hmac', secret });

/** The token with its payload changed and its original signature kept. */
function tampered(token: string, change: (payload: Record<string, unknown>) => void) {
  const [head, , signature] = token.split('.');
  const payload = decode(token, 1);
  change(payload);
  return `${head}.${b64(payload)}.${signature}`;
}

/** The router's published public key, as an attacker would fetch it. */
async function publishedKey() {
  const response = await fetch(`http://127.0.0.1:${stack.ports.router}/.well-known/jwks.json`);
  const { keys } = (await response.json()) as { keys: Record<string, string>[] };
  const jwk = keys[0];
  const pem = createPublicKey({ key: jwk as any, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return { jwk, pem };
}

// ------------------------------------------------------------------ the cases

interface Expected {
  status?: number;
  /** The exact list of error codes received. */
  codes?: string[];
  reasons?: string[];
  /** `data` of the JSON body. */
  data?: unknown;
  closeCode?: number;
  /** Further checks on the outcome (or on the world after the attack). */
  check?: (outcome: Outcome) => void | Promise<void>;
}

interface Attack {
  category: string;
  name: string;
  send: () => Promise<Outcome>;
  expected: Expected;
}

type Row = [name: string, send: () => Promise<Outcome>, expected: Expected];
const attacks: Attack[] = [];
function category(name: string, rows: Row[]) {
  for (const [caseName, send, expected] of rows)
    attacks.push({ category: name, name: caseName, send, expected });
}

const A = () => world.a;
const B = () => world.b;
type Vars = Record<string, unknown>;
const ME = '{ me { id name email roles tenant { id slug name } } }';
const me = (token: string) => viaRouter(ME, token);
/** Claims for A's OWNER and real session, as the auth service issues them, with changes. */
const aClaims = (changes: Vars = {}) => claims(A().owner, A(), changes);
/** One of the React app's operations through the router, as A's OWNER (or another token). */
const asA = (name: string, variables?: Vars, token = A().owner.token) =>
  viaRouter(operation(name), token, variables);
const asOperator = (name: string, variables?: Vars) =>
  viaRouter(operation(name), world.operatorToken, variables);
const anonymously = (name: string, variables?: Vars) =>
  viaRouter(operation(name), undefined, variables);
/** `_entities` for one representation of `typename`, straight at a subgraph, as A's OWNER. */
const entity =
  (
    subgraph: Subgraph,
    typename: string,
    key: () => Vars,
    selection: string,
    token = () => A().owner.token,
  ) =>
  () =>
    entities(
      subgraph,
      token(),
      [{ __typename: typename, ...key() }],
      `... on ${typename} ${selection}`,
    );

/** A refused field: its code, and `data` as the field's nullability leaves it. */
const refused = (code: string, data: unknown = null): Expected => ({
  status: 200,
  codes: [code],
  data,
});
/** A token refused before anything runs. */
const UNAUTH: Expected = { status: 401, codes: ['UNAUTHENTICATED'], data: undefined };
const FORBIDDEN = refused('FORBIDDEN');
/** A request refused before execution: Apollo's request errors show as BAD_USER_INPUT with a reason. */
const invalidRequest = (...reasons: string[]): Expected => ({
  status: 400,
  codes: reasons.map(() => 'BAD_USER_INPUT'),
  reasons,
});
/** The body refused by the HTTP layer, with a coded error. */
const badBody = (status: number, reason?: string): Expected => ({
  status,
  codes: ['BAD_USER_INPUT'],
  ...(reason ? { reasons: [reason] } : {}),
});
const noEntity = (count = 1): Expected => ({
  status: 200,
  codes: [],
  data: { _entities: Array(count).fill(null) },
});
/** A search or page that runs, and finds nothing. */
const nothing = (field: string): Expected => ({
  status: 200,
  codes: [],
  check: ({ body }) => expect(body.data[field]).toMatchObject({ edges: [], totalCount: 0 }),
});

/** B is untouched: still ACTIVE, as the operator sees it. */
async function bStillActive() {
  const { body } = await graphql(stack.routerUrl, operation('Tenant'), world.operatorToken, {
    slug: B().slug,
  });
  expect(body.data.tenant.status).toBe('ACTIVE');
}
/** A member of B can still work (their session was not ended). */
const stillSignedIn = (member: () => Member) => async () =>
  expect((await graphql(stack.routerUrl, '{ me { id } }', member().token)).status).toBe(200);

// Tenant A's OWNER (and TRADER) sends B's ids to every operation that takes an id. (The API
// has no user(id) query: users are reached by the mutations below, search, and _entities.)
category('foreign ids', [
  [
    "AssignRole: ADMIN to B's owner",
    () => asA('AssignRole', { userId: B().owner.userId, role: 'ADMIN' }),
    refused('NOT_FOUND'),
  ],
  [
    "AssignRole: OWNER to B's trader",
    () => asA('AssignRole', { userId: B().trader.userId, role: 'OWNER' }),
    refused('NOT_FOUND'),
  ],
  [
    "RevokeRole: ADMIN from B's admin",
    () => asA('RevokeRole', { userId: B().admin.userId, role: 'ADMIN' }),
    refused('NOT_FOUND'),
  ],
  [
    "DisableUser: B's trader",
    () => asA('DisableUser', { userId: B().trader.userId }),
    { ...refused('NOT_FOUND'), check: stillSignedIn(() => B().trader) },
  ],
  [
    "RevokeSession: B's admin's session, as A's OWNER",
    () => asA('RevokeSession', { id: B().admin.sessionId }),
    { ...refused('NOT_FOUND'), check: stillSignedIn(() => B().admin) },
  ],
  [
    "RevokeSession: B's owner's session, as A's TRADER",
    () => asA('RevokeSession', { id: B().owner.sessionId }, A().trader.token),
    refused('NOT_FOUND'),
  ],
  [
    "Tenant(slug): B's slug",
    () => asA('Tenant', { slug: B().slug }),
    refused('NOT_FOUND', { tenant: null }),
  ],
  [
    "updateTenantSettings: B's id",
    () =>
      viaRouter(
        'mutation ($id: ID!) { updateTenantSettings(id: $id, input: { selfRegistration: true }) { id selfRegistration } }',
        A().owner.token,
        { id: B().id },
      ),
    refused('NOT_FOUND'),
  ],
  [
    "me.activity(after): B's activity entry",
    () =>
      viaRouter(
        'query ($after: ID) { me { id activity(after: $after) { id type } } }',
        A().owner.token,
        {
          after: B().activityId,
        },
      ),
    refused('BAD_USER_INPUT', { me: null }),
  ],
  [
    "Users(search): B's owner's e-mail",
    () => asA('Users', { search: B().owner.email }),
    nothing('users'),
  ],
  [
    "Users(after): a cursor from B's user list",
    () => asA('Users', { after: B().usersCursor }),
    {
      status: 200,
      codes: [],
      // Whatever the page holds, it is A's users.
      check: ({ body }) =>
        expect(
          body.data.users.edges.filter((edge: any) => !edge.node.email.endsWith('@a.test')),
        ).toEqual([]),
    },
  ],
  [
    "auditLog(after): a cursor from B's audit trail",
    () =>
      viaRouter(
        'query ($after: String) { auditLog(first: 50, after: $after) { edges { node { id actorId subjectId } } } }',
        A().owner.token,
        { after: B().auditCursor },
      ),
    {
      status: 200,
      codes: [],
      // Whatever the page holds, it is about A's users.
      check: ({ body }) => {
        const ours = [A().owner, A().trader, A().signer].map((member) => member.userId);
        const people = body.data.auditLog.edges.flatMap((edge: any) => [
          edge.node.actorId,
          edge.node.subjectId,
        ]);
        expect(people.filter((id: string | null) => id !== null && !ours.includes(id))).toEqual([]);
      },
    },
  ],
]);

// `_entities` with B's keys, straight at each subgraph with A's token, for every entity type
// each subgraph resolves.
category('_entities at the subgraphs', [
  [
    "auth: User, B's owner",
    entity(
      'auth',
      'User',
      () => ({ id: B().owner.userId }),
      '{ id email roles status lastLoginAt mfaEnabled }',
    ),
    noEntity(),
  ],
  [
    // The auth subgraph knows a Session by its key only: it echoes the id it was sent.
    "auth: Session, B's owner's session (echoed key, nothing more)",
    entity('auth', 'Session', () => ({ id: B().owner.sessionId }), '{ id }'),
    {
      status: 200,
      codes: [],
      check: ({ body }) => expect(body.data._entities).toEqual([{ id: B().owner.sessionId }]),
    },
  ],
  [
    'auth: TenantUsage, B',
    entity('auth', 'TenantUsage', () => ({ tenantId: B().id }), '{ tenantId users }'),
    noEntity(),
  ],
  [
    'tenant: Tenant, B',
    entity(
      'tenant',
      'Tenant',
      () => ({ id: B().id }),
      '{ id slug name status plan limits { maxUsers } }',
    ),
    noEntity(),
  ],
  [
    'tenant: Tenant, B, health and backups',
    entity(
      'tenant',
      'Tenant',
      () => ({ id: B().id }),
      '{ health { status } backups { id checksum } }',
    ),
    noEntity(),
  ],
  [
    'tenant: TenantUsage, B',
    entity('tenant', 'TenantUsage', () => ({ tenantId: B().id }), '{ tenantId storageBytes }'),
    noEntity(),
  ],
  [
    'tenant: Tenant, an injected id',
    entity('tenant', 'Tenant', () => ({ id: "' OR 1=1 --" }), '{ id slug }'),
    noEntity(),
  ],
  [
    "user: User, B's owner",
    entity('user', 'User', () => ({ id: B().owner.userId }), '{ id name avatarUrl tenant { id } }'),
    noEntity(),
  ],
  [
    "user: User, B's owner, preferences and activity",
    entity(
      'user',
      'User',
      () => ({ id: B().owner.userId }),
      '{ preferences { theme } activity { id type } }',
    ),
    noEntity(),
  ],
  [
    "user: User, B's trader and admin and an injected id",
    () =>
      entities(
        'user',
        A().owner.token,
        [
          { __typename: 'User', id: B().trader.userId },
          { __typename: 'User', id: B().admin.userId.toUpperCase() },
          { __typename: 'User', id: "x' OR 1=1 --" },
        ],
        '... on User { id name }',
      ),
    noEntity(3),
  ],
  [
    "user: User, B's admin's id with a NUL",
    entity('user', 'User', () => ({ id: `${B().admin.userId}\u0000` }), '{ id name }'),
    refused('BAD_USER_INPUT'),
  ],
  [
    // Tenant is a stub there (resolvable: false): the key comes back as sent, nothing more.
    'user: Tenant, B (a stub there, echoed key)',
    entity('user', 'Tenant', () => ({ id: B().id }), '{ id }'),
    {
      status: 200,
      codes: [],
      check: ({ body }) => expect(body.data._entities).toEqual([{ id: B().id }]),
    },
  ],
  [
    "session: Session, B's owner's session",
    entity(
      'session',
      'Session',
      () => ({ id: B().owner.sessionId }),
      '{ id ipAddress device { name } user { id } }',
    ),
    noEntity(),
  ],
  [
    "session: User, B's owner, as A's OWNER (A's sessions only)",
    entity('session', 'User', () => ({ id: B().owner.userId }), '{ sessions { id ipAddress } }'),
    { status: 200, codes: [], data: { _entities: [{ sessions: [] }] } },
  ],
  [
    "session: User, B's owner, as A's TRADER",
    entity(
      'session',
      'User',
      () => ({ id: B().owner.userId }),
      '{ sessions { id } }',
      () => A().trader.token,
    ),
    { status: 200, codes: ['FORBIDDEN'] },
  ],
  [
    'session: TenantUsage, B',
    entity('session', 'TenantUsage', () => ({ tenantId: B().id }), '{ tenantId activeSessions }'),
    noEntity(),
  ],
  [
    '_entities through the router (not part of the API)',
    () =>
      viaRouter(
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }',
        A().owner.token,
        {
          r: [{ __typename: 'User', id: B().owner.userId }],
        },
      ),
    invalidRequest('GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED'),
  ],
]);

/** The claims without a tenant, as an operator's token has them. */
const withoutTenant = (payload: Vars) => {
  const copy = { ...payload };
  delete copy.tid;
  delete copy.tslug;
  return copy;
};

// A's token with its claims changed and the original signature kept; and tokens signed with
// the stack's own key whose claims do not fit together.
category('altered claims', [
  [
    "tid: B's tenant",
    () => me(tampered(A().owner.token, (p) => ((p.tid = B().id), (p.tslug = B().slug)))),
    UNAUTH,
  ],
  [
    'roles: OWNER added to a TRADER token',
    () => me(tampered(A().trader.token, (p) => (p.roles = ['TRADER', 'OWNER']))),
    UNAUTH,
  ],
  [
    'roles: PLATFORM_OPERATOR, tid removed',
    () =>
      asA(
        'Tenants',
        {},
        tampered(A().owner.token, (p) => {
          p.roles = ['PLATFORM_OPERATOR'];
          delete p.tid;
          delete p.tslug;
        }),
      ),
    UNAUTH,
  ],
  [
    "sid: B's owner's session",
    () => me(tampered(A().owner.token, (p) => (p.sid = B().owner.sessionId))),
    UNAUTH,
  ],
  [
    "sub: B's owner",
    () => me(tampered(A().owner.token, (p) => (p.sub = B().owner.userId))),
    UNAUTH,
  ],
  [
    'exp: a day later',
    () => me(tampered(A().owner.token, (p) => (p.exp = now() + 86_400))),
    UNAUTH,
  ],
  [
    "tid: B's tenant, straight to the user subgraph",
    () =>
      viaSubgraph(
        'user',
        '{ me { id name } }',
        tampered(A().owner.token, (p) => (p.tid = B().id)),
      ),
    UNAUTH,
  ],
  [
    'signed with the real key: tid of B, session of A',
    () => me(signed(header(), aClaims({ tid: B().id, tslug: B().slug }))),
    UNAUTH,
  ],
  [
    "signed with the real key: B's owner in B, session of A",
    () => me(signed(header(), aClaims({ sub: B().owner.userId, tid: B().id, tslug: B().slug }))),
    UNAUTH,
  ],
  [
    'signed with the real key: PLATFORM_OPERATOR with a tid',
    () => asA('Tenants', {}, signed(header(), aClaims({ roles: ['PLATFORM_OPERATOR'] }))),
    UNAUTH,
  ],
  [
    "signed with the real key: PLATFORM_OPERATOR on A's session",
    () =>
      asA(
        'Tenants',
        {},
        signed(header(), withoutTenant(aClaims({ roles: ['PLATFORM_OPERATOR'] }))),
      ),
    UNAUTH,
  ],
  [
    "signed with the real key: A's TRADER claiming OWNER makes themself OWNER (stored roles decide)",
    () =>
      asA(
        'AssignRole',
        { userId: A().trader.userId, role: 'OWNER' },
        signed(header(), claims(A().trader, A(), { roles: ['OWNER'] })),
      ),
    {
      ...FORBIDDEN,
      check: async () => {
        const { body } = await graphql(stack.routerUrl, operation('Users'), A().owner.token, {
          search: A().trader.email,
        });
        expect(body.data.users.edges.map((edge: any) => edge.node.roles)).toEqual([['TRADER']]);
      },
    },
  ],
]);

const expired = () => aClaims({ iat: now() - 3600, exp: now() - 600 });

// Tokens an attacker can make without the private key, and real-key tokens that are not valid.
category('forged tokens', [
  ['alg: none', () => me(unsigned(header({ alg: 'none' }), aClaims({ tid: B().id }))), UNAUTH],
  [
    'alg: NONE, straight to the session subgraph',
    () =>
      viaSubgraph('session', operation('MySessions'), unsigned(header({ alg: 'NONE' }), aClaims())),
    UNAUTH,
  ],
  [
    'alg: none, straight to the auth subgraph, as PLATFORM_OPERATOR',
    () => {
      const payload = withoutTenant(aClaims({ roles: ['PLATFORM_OPERATOR'] }));
      return viaSubgraph(
        'auth',
        '{ authStatus { kind } }',
        unsigned(header({ alg: 'none' }), payload),
      );
    },
    UNAUTH,
  ],
  [
    'HS256 with the published public key (PEM) as the secret',
    async () =>
      me(hs256(header({ alg: 'HS256' }), aClaims({ tid: B().id }), (await publishedKey()).pem)),
    UNAUTH,
  ],
  [
    'HS256 with the raw public key (JWK x) as the secret',
    async () => {
      const secret = Buffer.from((await publishedKey()).jwk.x, 'base64url');
      return me(hs256(header({ alg: 'HS256' }), aClaims(), secret));
    },
    UNAUTH,
  ],
  [
    'HS256 with the JWK JSON as the secret, straight to the tenant subgraph',
    async () => {
      const token = hs256(
        header({ alg: 'HS256' }),
        aClaims(),
        JSON.stringify((await publishedKey()).jwk),
      );
      return viaSubgraph('tenant', operation('CurrentTenant'), token);
    },
    UNAUTH,
  ],
  ['unknown kid (real key)', () => me(signed(header({ kid: randomUUID() }), aClaims())), UNAUTH],
  [
    'kid path traversal, HS256 with an empty secret',
    () => me(hs256(header({ alg: 'HS256', kid: '../../../../../../dev/null' }), aClaims(), '')),
    UNAUTH,
  ],
  [
    'kid path traversal (real key)',
    () => me(signed(header({ kid: `../../.data/dev-keys/${stackKey().kid}` }), aClaims())),
    UNAUTH,
  ],
  [
    'kid SQL injection, HS256 with the injected secret',
    () =>
      me(
        hs256(
          header({ alg: 'HS256', kid: "x' UNION SELECT 'attacker' --" }),
          aClaims(),
          'attacker',
        ),
      ),
    UNAUTH,
  ],
  [
    "embedded jwk header with the attacker's own key",
    () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const head = header({ kid: 'attacker', jwk: publicKey.export({ format: 'jwk' }) });
      return me(jwt(head, aClaims(), { with: 'key', key: privateKey }));
    },
    UNAUTH,
  ],
  [
    "jku header pointing at the attacker's key set",
    () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      const head = header({ kid: 'attacker', jku: 'http://127.0.0.1:9/jwks.json' });
      return me(jwt(head, aClaims(), { with: 'key', key: privateKey }));
    },
    UNAUTH,
  ],
  ['expired (real key)', () => me(signed(header(), expired())), UNAUTH],
  [
    'expired (real key), straight to the session subgraph',
    () => viaSubgraph('session', operation('MySessions'), signed(header(), expired())),
    UNAUTH,
  ],
  [
    'not yet valid: nbf an hour ahead (real key)',
    () => me(signed(header(), aClaims({ nbf: now() + 3600 }))),
    UNAUTH,
  ],
  ['wrong aud (real key)', () => me(signed(header(), aClaims({ aud: 'another-api' }))), UNAUTH],
  [
    'wrong iss (real key)',
    () => me(signed(header(), aClaims({ iss: 'https://evil.example' }))),
    UNAUTH,
  ],
  [
    'typ JWT, not an access token (real key)',
    () => me(signed(header({ typ: 'JWT' }), aClaims())),
    UNAUTH,
  ],
  [
    'no sid claim (real key)',
    () => {
      const payload: Vars = aClaims();
      delete payload.sid;
      return me(signed(header(), payload));
    },
    UNAUTH,
  ],
  [
    'a malformed Authorization header (two tokens)',
    () =>
      sendRaw(stack.routerUrl, JSON.stringify({ query: ME }), {
        authorization: `Bearer ${A().owner.token} ${A().owner.token}`,
      }),
    UNAUTH,
  ],
]);

const C = () => world.c;
const D = () => world.d;
const signInAgain = (tenant: Tenant) =>
  anonymously('Login', {
    input: {
      tenantSlug: tenant.slug,
      email: tenant.owner.email,
      password: tenant.owner.password,
    },
  });

// Tenants C (suspended) and D (deleted): their owners' tokens, refresh tokens and passwords.
category('suspended and deleted tenants', [
  [
    "suspended: the owner's token, Me",
    () => me(C().owner.token),
    { status: 403, codes: ['TENANT_SUSPENDED'], data: undefined },
  ],
  [
    "suspended: the owner's token, straight to the user subgraph",
    () => viaSubgraph('user', '{ me { id name } }', C().owner.token),
    { status: 403, codes: ['TENANT_SUSPENDED'], data: undefined },
  ],
  [
    "suspended: the owner's token, SessionEvents over graphql-ws",
    () => overWebSocket(stack.routerUrl, C().owner.token, operation('SessionEvents')),
    { closeCode: 4403, codes: [] },
  ],
  [
    "suspended: the owner's token, SessionEvents over multipart",
    () => overMultipart(C().owner.token, operation('SessionEvents')),
    { status: 403, codes: ['TENANT_SUSPENDED'] },
  ],
  [
    'suspended: the owner signs in with the right password',
    () => signInAgain(C()),
    refused('TENANT_SUSPENDED'),
  ],
  [
    "suspended: the owner's refresh token",
    () => anonymously('RefreshSession', { refreshToken: C().owner.refreshToken }),
    refused('UNAUTHENTICATED'),
  ],
  ["deleted: the owner's token, Me", () => me(D().owner.token), UNAUTH],
  [
    "deleted: the owner's token, straight to the tenant subgraph",
    () => viaSubgraph('tenant', operation('CurrentTenant'), D().owner.token),
    UNAUTH,
  ],
  [
    'deleted: the owner signs in with the right password',
    () => signInAgain(D()),
    refused('UNAUTHENTICATED'),
  ],
  [
    "deleted: the owner's refresh token",
    () => anonymously('RefreshSession', { refreshToken: D().owner.refreshToken }),
    refused('UNAUTHENTICATED'),
  ],
]);

// The operator's operations, with A's OWNER token.
category('operator-only operations with an OWNER token', [
  [
    'CreateTenant',
    () =>
      asA('CreateTenant', {
        input: {
          slug: `evil-${tag}`,
          name: 'Evil',
          plan: 'ENTERPRISE',
          owner: { email: `evil-${tag}@a.test`, name: 'Evil' },
        },
      }),
    FORBIDDEN,
  ],
  [
    'SuspendTenant: B',
    () => asA('SuspendTenant', { id: B().id, reason: 'attack' }),
    { ...FORBIDDEN, check: bStillActive },
  ],
  [
    "SuspendTenant: A's own tenant",
    () => asA('SuspendTenant', { id: A().id, reason: 'attack' }),
    FORBIDDEN,
  ],
  ['ResumeTenant: the suspended tenant C', () => asA('ResumeTenant', { id: C().id }), FORBIDDEN],
  [
    'DeleteTenant: B',
    () => asA('DeleteTenant', { id: B().id }),
    { ...FORBIDDEN, check: bStillActive },
  ],
  [
    'UpdateTenantLimits: B',
    () => asA('UpdateTenantLimits', { id: B().id, input: { maxUsers: 1 } }),
    FORBIDDEN,
  ],
  ['BackupTenant: B', () => asA('BackupTenant', { id: B().id }), FORBIDDEN],
  ["RestoreTenant: B's backup", () => asA('RestoreTenant', { backupId: B().backupId }), FORBIDDEN],
  ['Tenants', () => asA('Tenants', { first: 100 }), FORBIDDEN],
  [
    'tenants, straight to the tenant subgraph',
    () =>
      viaSubgraph(
        'tenant',
        '{ tenants(first: 100) { edges { node { id slug name } } } }',
        A().owner.token,
      ),
    FORBIDDEN,
  ],
]);

const INJECTIONS: [string, string][] = [
  ['SQL quote', "' OR 1=1 --"],
  ['SQL statement', '"; DROP SCHEMA control CASCADE; --'],
  ['RTL override', '\u202evault-b\u202c'],
  ['zero-width space', 'atk\u200b-a'],
  ['emoji', 'tenant-\u{1f4a3}'],
  ['NUL', 'atk-a\u0000'],
  ['10 KB', 'x'.repeat(10 * 1024)],
];
/** Postgres cannot store a NUL, and inputs are bounded: both are refused as input. */
const malformed = (value: string, limit: number) =>
  value.includes('\u0000') || value.length > limit;

const loginWith = (
  tenantSlug: string,
  email = `nobody-${tag}@a.test`,
  password = 'a long wrong password',
) => anonymously('Login', { input: { tenantSlug, email, password } });
const createTenant = (slug: string, name = 'Injected') =>
  asOperator('CreateTenant', {
    input: { slug, name, plan: 'FREE', owner: { email: `inj-${tag}@a.test`, name: 'Inj' } },
  });

category('injection', [
  ...INJECTIONS.map(([label, value]): Row => [
    `Login tenantSlug: ${label}`,
    () => loginWith(value),
    refused(malformed(value, 63) ? 'BAD_USER_INPUT' : 'UNAUTHENTICATED'),
  ]),
  [
    "Login tenantSlug: A's slug with a zero-width space, and A's owner's right password",
    () =>
      loginWith(
        `${A().slug.slice(0, 3)}\u200b${A().slug.slice(3)}`,
        A().owner.email,
        A().owner.password,
      ),
    refused('UNAUTHENTICATED'),
  ],
  [
    "Login email: SQL quote, A's slug",
    () => loginWith(A().slug, "' OR 1=1 --"),
    refused('UNAUTHENTICATED'),
  ],
  [
    "Login email: B's owner's with a NUL, A's slug",
    () => loginWith(A().slug, `${B().owner.email}\u0000`, B().owner.password),
    refused('BAD_USER_INPUT'),
  ],
  ...INJECTIONS.map(([label, value]): Row => [
    `Users search: ${label}`,
    () => asA('Users', { search: value }),
    malformed(value, 100) ? refused('BAD_USER_INPUT') : nothing('users'),
  ]),
  [
    'Users search: LIKE wildcards (% and _)',
    () => asA('Users', { search: '%_%' }),
    nothing('users'),
  ],
  [
    'Users after: a forged cursor with a NUL',
    () =>
      asA('Users', {
        after: Buffer.from(JSON.stringify(['\u0000', randomUUID()])).toString('base64url'),
      }),
    refused('BAD_USER_INPUT'),
  ],
  ...INJECTIONS.map(([label, value]): Row => [
    `CreateTenant slug, as the operator: ${label}`,
    () => createTenant(value),
    refused('BAD_USER_INPUT'),
  ]),
  [
    "CreateTenant slug, as the operator: B's slug (a takeover)",
    () => createTenant(B().slug),
    { ...refused('CONFLICT'), check: bStillActive },
  ],
  [
    'CreateTenant name with a NUL, as the operator',
    () => createTenant(`nul-${tag}`, 'Name\u0000'),
    refused('BAD_USER_INPUT'),
  ],
  [
    'SuspendTenant, as the operator: an injected id',
    () => asOperator('SuspendTenant', { id: "' OR 1=1 --", reason: 'x' }),
    refused('NOT_FOUND'),
  ],
  [
    'RestoreTenant, as the operator: an injected backup id',
    () => asOperator('RestoreTenant', { backupId: "'; DROP TABLE x; --" }),
    refused('NOT_FOUND'),
  ],
  [
    'Tenant(slug): SQL quote',
    () => asA('Tenant', { slug: "' OR 1=1 --" }),
    refused('NOT_FOUND', { tenant: null }),
  ],
  [
    "Tenant(slug): B's slug with a NUL",
    () => asA('Tenant', { slug: `${B().slug}\u0000` }),
    refused('BAD_USER_INPUT', { tenant: null }),
  ],
  [
    'Tenant(slug): 10 KB',
    () => asA('Tenant', { slug: 'x'.repeat(10 * 1024) }),
    refused('NOT_FOUND', { tenant: null }),
  ],
  [
    "RequestPasswordReset: an injected slug, B's owner's e-mail",
    () =>
      anonymously('RequestPasswordReset', { tenantSlug: "' OR 1=1 --", email: B().owner.email }),
    { status: 200, codes: [], data: { requestPasswordReset: true } },
  ],
  [
    "RequestPasswordReset: A's slug, an e-mail with a NUL",
    () => anonymously('RequestPasswordReset', { tenantSlug: A().slug, email: `x\u0000@a.test` }),
    refused('BAD_USER_INPUT'),
  ],
  [
    'OperatorLogin: an e-mail with a NUL',
    () => anonymously('OperatorLogin', { email: `root\u0000@tradesage.test`, password: 'x' }),
    refused('BAD_USER_INPUT'),
  ],
  [
    'Register: an injected slug',
    () =>
      anonymously('Register', {
        input: {
          tenantSlug: '"; DROP SCHEMA control CASCADE; --',
          email: `reg-${tag}@a.test`,
          password: 'a long enough password',
          name: 'Reg',
        },
      }),
    refused('FORBIDDEN'),
  ],
  [
    'UpdateProfile: a name with a NUL',
    () => asA('UpdateProfile', { input: { name: 'Ann\u0000' } }),
    refused('BAD_USER_INPUT'),
  ],
  [
    'InviteUser: a name with a NUL (would poison the profile event)',
    () =>
      asA('InviteUser', {
        input: { email: `nul-${tag}@a.test`, name: 'Nul\u0000', role: 'VIEWER' },
      }),
    refused('BAD_USER_INPUT'),
  ],
]);

/** A selection nested `levels` deep (sessions and their user, alternately). */
const deep = (levels: number) => {
  let selection = 'id';
  for (let i = 0; i < levels; i++)
    selection = i % 2 ? `user { ${selection} }` : `sessions { ${selection} }`;
  return `{ me { sessions { ${selection} } } }`;
};
const raw = (body: string | Buffer, headers: Record<string, string> = {}) =>
  sendRaw(stack.routerUrl, body, { ...bearer(A().owner.token), ...headers });

// Introspection, query bombs and malformed bodies, at the router's edge.
category('edge', [
  [
    'introspection: __schema',
    () => viaRouter('{ __schema { types { name } } }', A().owner.token),
    invalidRequest('GRAPHQL_VALIDATION_FAILED'),
  ],
  [
    'introspection: __type, anonymous',
    () => viaRouter('{ __type(name: "Tenant") { fields { name } } }'),
    invalidRequest('GRAPHQL_VALIDATION_FAILED'),
  ],
  [
    'introspection: __schema straight to the tenant subgraph',
    () => viaSubgraph('tenant', '{ __schema { queryType { fields { name } } } }', A().owner.token),
    invalidRequest('GRAPHQL_VALIDATION_FAILED'),
  ],
  [
    'field suggestions ("Did you mean") are hidden',
    () => viaRouter('{ tenantz { id } }', A().owner.token),
    {
      ...invalidRequest('GRAPHQL_VALIDATION_FAILED'),
      check: ({ raw }) => expect(raw).not.toMatch(/did you mean|"tenants"/i),
    },
  ],
  [
    'depth bomb',
    () => viaRouter(deep(12), A().owner.token),
    {
      ...invalidRequest('GRAPHQL_VALIDATION_FAILED'),
      check: ({ body }) => expect(body.errors[0].message).toMatch(/depth limit/),
    },
  ],
  [
    'alias bomb',
    () =>
      viaRouter(
        `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: me { id }`).join(' ')} }`,
        A().owner.token,
      ),
    {
      ...invalidRequest('GRAPHQL_VALIDATION_FAILED'),
      check: ({ body }) => expect(body.errors[0].message).toMatch(/Aliases limit/),
    },
  ],
  [
    'directive bomb',
    () => viaRouter(`{ me { ${'id @include(if: true) '.repeat(60)} } }`, A().owner.token),
    {
      ...invalidRequest('GRAPHQL_VALIDATION_FAILED'),
      check: ({ body }) => expect(body.errors[0].message).toMatch(/Directives limit/),
    },
  ],
  [
    'token bomb',
    () => viaRouter(`{ me { ${'id '.repeat(20_000)} } }`, A().owner.token),
    invalidRequest('GRAPHQL_PARSE_FAILED'),
  ],
  [
    'batch bomb: a JSON array of 500 operations',
    () => raw(JSON.stringify(Array.from({ length: 500 }, () => ({ query: ME })))),
    invalidRequest('BAD_REQUEST'),
  ],
  [
    'fragment cycle',
    () =>
      viaRouter(
        'query { me { ...A } } fragment A on User { id tenant { id } ...B } fragment B on User { name ...A }',
        A().owner.token,
      ),
    invalidRequest('GRAPHQL_VALIDATION_FAILED'),
  ],
  [
    'oversize body (2 MiB)',
    () => raw(JSON.stringify({ query: `{ __typename } # ${'x'.repeat(2 * 1024 * 1024)}` })),
    badBody(413, 'BODY_TOO_LARGE'),
  ],
  [
    'gzip bomb (50 MiB of spaces, 50 KB on the wire)',
    () => raw(gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)), { 'content-encoding': 'gzip' }),
    badBody(413, 'BODY_TOO_LARGE'),
  ],
  ['invalid JSON', () => raw('{"query": "{ me { id } }", '), badBody(400, 'BODY_NOT_JSON')],
  ['a JSON null body', () => raw('null'), badBody(400, 'BODY_NOT_JSON')],
  [
    'deeply nested JSON',
    () => raw(`${'['.repeat(200_000)}${']'.repeat(200_000)}`),
    invalidRequest('BAD_REQUEST'),
  ],
  [
    'invalid UTF-8 bytes in the query',
    () =>
      raw(
        Buffer.concat([
          Buffer.from('{"query": "{ me { id '),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from(' } }"}'),
        ]),
      ),
    invalidRequest('GRAPHQL_PARSE_FAILED'),
  ],
  [
    'invalid UTF-8 bytes outside strings',
    () =>
      raw(
        Buffer.concat([
          Buffer.from('{"query": "{ me { id } }"'),
          Buffer.from([0xc0, 0xaf, 0xff]),
          Buffer.from('}'),
        ]),
      ),
    badBody(400, 'BODY_NOT_JSON'),
  ],
  // The body parser's other refusals: coded JSON too, never Express's HTML error page.
  [
    'an unsupported charset',
    () =>
      raw(JSON.stringify({ query: ME }), { 'content-type': 'application/json; charset=koi8-r' }),
    badBody(415, 'BODY_UNREADABLE'),
  ],
  [
    'an unsupported Content-Encoding',
    () => raw(JSON.stringify({ query: ME }), { 'content-encoding': 'compress' }),
    badBody(415, 'BODY_UNREADABLE'),
  ],
  [
    'a corrupt gzip body',
    () => raw(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }),
    badBody(400, 'BODY_UNREADABLE'),
  ],
  [
    'a mutation over GET (cross-site request)',
    () =>
      sendRaw(
        `${stack.routerUrl}?query=${encodeURIComponent(`mutation { revokeSession(id: "${A().owner.sessionId}") { id } }`)}`,
        undefined,
        { ...bearer(A().owner.token), 'content-type': '', 'apollo-require-preflight': 'true' },
        'GET',
      ),
    { ...invalidRequest('BAD_REQUEST'), status: 405 },
  ],
  [
    'text/plain without a preflight header (CSRF)',
    () => raw(JSON.stringify({ query: ME }), { 'content-type': 'text/plain' }),
    invalidRequest('BAD_REQUEST'),
  ],
]);

/** Signs A's second user in until the watcher hears it: the stream is live. */
async function untilLive(text: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const session = await signIn(A().signer);
    const heardBy = Date.now() + 2_000;
    while (Date.now() < heardBy && !text().includes(session.sessionId))
      await new Promise((resolve) => setTimeout(resolve, 50));
    if (text().includes(session.sessionId)) return;
    if (Date.now() > deadline) throw new Error('the subscription never became live');
  }
}

/** B's users sign in while A's OWNER watches SessionEvents; then A's, which must arrive. */
async function bSignsInWhileAWatches(stream: {
  text: () => string;
  finish: () => Promise<Outcome>;
}) {
  await untilLive(stream.text);
  for (const [label, member] of [
    ['admin', B().admin],
    ['trader', B().trader],
  ] as const) {
    const session = await signIn(member);
    markMember(`B ${label}, signed in while A watched`, { ...member, ...session });
  }
  const last = await signIn(A().signer);
  await until(() => stream.text().includes(last.sessionId), "A's last event");
  return stream.finish();
}
const aEventsOnly: Expected = {
  codes: [],
  check: ({ raw }) => expect(raw).toContain(A().signer.email),
};
const SESSION_EVENTS_OF =
  'subscription ($t: ID) { sessionEvents(tenantId: $t) { type session { id } } }';

// Subscriptions: another tenant's health, and session events across tenants.
category('subscriptions', [
  [
    "tenantHealth of B over graphql-ws, as A's OWNER",
    () =>
      overWebSocket(stack.routerUrl, A().owner.token, operation('TenantHealth'), {
        tenantId: B().id,
      }),
    { codes: ['FORBIDDEN'] },
  ],
  [
    "tenantHealth of B over multipart, as A's OWNER",
    () => overMultipart(A().owner.token, operation('TenantHealth'), { tenantId: B().id }),
    { status: 200, codes: ['FORBIDDEN'] },
  ],
  [
    'tenantHealth of B over graphql-ws, straight to the tenant subgraph',
    () =>
      overWebSocket(subgraphUrl('tenant'), A().owner.token, operation('TenantHealth'), {
        tenantId: B().id,
      }),
    { codes: ['FORBIDDEN'] },
  ],
  [
    'tenantHealth of an injected tenant id over graphql-ws',
    () =>
      overWebSocket(stack.routerUrl, A().owner.token, operation('TenantHealth'), {
        tenantId: "' OR 1=1 --",
      }),
    { codes: ['FORBIDDEN'] },
  ],
  [
    'sessionEvents(tenantId: B) over graphql-ws',
    () => overWebSocket(stack.routerUrl, A().owner.token, SESSION_EVENTS_OF, { t: B().id }),
    { codes: ['BAD_USER_INPUT'] },
  ],
  [
    'sessionEvents(tenantId: B) over multipart',
    () => overMultipart(A().owner.token, SESSION_EVENTS_OF, { t: B().id }),
    invalidRequest('GRAPHQL_VALIDATION_FAILED'),
  ],
  [
    "SessionEvents over graphql-ws as A's OWNER while B's users sign in",
    () =>
      bSignsInWhileAWatches(
        openSocket(stack.routerUrl, A().owner.token, operation('SessionEvents')),
      ),
    aEventsOnly,
  ],
  [
    "SessionEvents over multipart as A's OWNER while B's users sign in",
    () => bSignsInWhileAWatches(openMultipart(A().owner.token, operation('SessionEvents'))),
    { ...aEventsOnly, status: 200 },
  ],
  [
    "graphql-ws with A's token altered to B's tenant",
    () =>
      overWebSocket(
        stack.routerUrl,
        tampered(A().owner.token, (p) => (p.tid = B().id)),
        operation('TenantHealth'),
        { tenantId: B().id },
      ),
    { closeCode: 4401, codes: [] },
  ],
  [
    'graphql-ws with alg: none',
    () =>
      overWebSocket(
        stack.routerUrl,
        unsigned(header({ alg: 'none' }), aClaims()),
        operation('SessionEvents'),
      ),
    { closeCode: 4401, codes: [] },
  ],
  [
    'multipart with an expired token',
    () => overMultipart(signed(header(), expired()), operation('SessionEvents')),
    { status: 401, codes: ['UNAUTHENTICATED'] },
  ],
]);

// ------------------------------------------------------------------ setting the world up

/** Each member's tenant slug, for signing them in again. */
const memberTenant = new Map<Member, string>();
const signIn = (member: Member) =>
  login(
    stack,
    { tenantSlug: memberTenant.get(member)!, email: member.email, password: member.password },
    { 'x-forwarded-for': freshIp() },
  );

async function provision(slug: string, name: string, owner: { email: string; name: string }) {
  const created = await graphql(stack.routerUrl, operation('CreateTenant'), world.operatorToken, {
    input: { slug, name, plan: 'PRO', owner },
  });
  if (created.body.errors) throw new Error(JSON.stringify(created.body.errors));
  return created.body.data.createTenant.tenant.id as string;
}

/** The owner follows the invitation that provisioning mailed, sets a password and signs in. */
async function acceptOwnerInvitation(slug: string, email: string, name: string): Promise<Member> {
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email));
  const token = new URL(mail.links[0]).searchParams.get('token');
  const password = `${name.toLowerCase()} long password`;
  const accepted = await graphql(
    stack.routerUrl,
    'mutation A($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) }',
    undefined,
    { t: token, p: password },
  );
  if (accepted.body.data?.acceptInvitation !== true) throw new Error(JSON.stringify(accepted.body));
  const member = { email, name, password } as Member;
  memberTenant.set(member, slug);
  return Object.assign(member, await signIn(member));
}

async function tenantWithOwner(
  prefix: string,
  tenantName: string,
  ownerName: string,
  domain: string,
) {
  const slug = `${prefix}-${tag}`;
  const email = `${prefix}-owner-${tag}@${domain}`;
  const id = await provision(slug, tenantName, { email, name: ownerName });
  const owner = await acceptOwnerInvitation(slug, email, ownerName);
  return { id, slug, name: tenantName, owner };
}

async function invite(tenant: Tenant, email: string, name: string, role: string): Promise<Member> {
  const signedIn = await inviteAndLogin(stack, tenant.slug, tenant.owner.token, {
    email,
    name,
    role,
  });
  const member = { ...signedIn, email, name, password: `${name.toLowerCase()} long password` };
  memberTenant.set(member, tenant.slug);
  return member;
}

beforeAll(async () => {
  stack = await startStack('e2e_attacks', {
    env: { NODE_ENV: 'production', JWT_ACCESS_TTL_SECONDS: '3600' },
  });
  const op = await graphql(stack.routerUrl, operation('OperatorLogin'), undefined, OPERATOR);
  world.operatorToken = op.body.data.operatorLogin.accessToken;

  const a = await tenantWithOwner('atk-a', `Alpha Attackers ${tag}`, 'Ann Attacker', 'a.test');
  world.a = {
    ...a,
    trader: await invite(a, `tom-${tag}@a.test`, 'Tom Trader', 'TRADER'),
    signer: await invite(a, `sid-${tag}@a.test`, 'Sid Signer', 'VIEWER'),
  };

  const b = await tenantWithOwner(
    'vault-b',
    `Secretbee Vault ${tag}`,
    'Bianca Secretbee',
    'b.test',
  );
  const trader = await invite(b, `secret-b-trader-${tag}@b.test`, 'Bruno Secretbee', 'TRADER');
  const admin = await invite(b, `secret-b-admin-${tag}@b.test`, 'Berta Secretbee', 'ADMIN');
  const second = await signIn(b.owner);
  // B's ids of every kind: an activity entry, cursors of its lists, a backup.
  let activityId: string | undefined;
  await until(async () => {
    const { body } = await graphql(stack.routerUrl, operation('MyActivity'), b.owner.token, {
      first: 5,
    });
    activityId = body.data?.me?.activity?.[0]?.id;
    return activityId !== undefined;
  }, "B's owner's activity");
  const users = await graphql(stack.routerUrl, operation('Users'), b.owner.token, { first: 1 });
  const audit = await graphql(
    stack.routerUrl,
    '{ auditLog(first: 1) { edges { cursor } } }',
    b.owner.token,
  );
  const backup = await graphql(stack.routerUrl, operation('BackupTenant'), world.operatorToken, {
    id: b.id,
  });
  world.b = {
    ...b,
    trader,
    admin,
    activityId: activityId!,
    usersCursor: users.body.data.users.pageInfo.endCursor,
    auditCursor: audit.body.data.auditLog.edges[0].cursor,
    backupId: backup.body.data.backupTenant.id,
  };
  mark('B tenant id', b.id);
  mark('B tenant id without dashes', b.id.replace(/-/g, ''));
  mark('B slug', b.slug);
  mark('B tenant name', b.name);
  mark('B e-mail domain', '@b.test');
  mark('B family name', 'Secretbee');
  markMember('B owner', b.owner);
  markMember('B trader', trader);
  markMember('B admin', admin);
  mark('B owner second session', second.sessionId);
  mark('B owner second access token', second.token);
  mark('B activity entry', activityId);
  mark('B users cursor', world.b.usersCursor);
  mark('B audit cursor', world.b.auditCursor);
  mark('B backup', world.b.backupId);

  // C is suspended and D deleted by the operator, after their owners signed in.
  world.c = await tenantWithOwner('susp-c', `Suspended C ${tag}`, 'Cora Suspended', 'c.test');
  world.d = await tenantWithOwner('dele-d', `Deleted D ${tag}`, 'Dan Deleted', 'd.test');
  const suspended = await graphql(
    stack.routerUrl,
    operation('SuspendTenant'),
    world.operatorToken,
    {
      id: world.c.id,
      reason: 'attack suite',
    },
  );
  expect(suspended.body.data.suspendTenant.status).toBe('SUSPENDED');
  const deleted = await graphql(stack.routerUrl, operation('DeleteTenant'), world.operatorToken, {
    id: world.d.id,
  });
  expect(deleted.body.data.deleteTenant.status).toBe('DELETED');
}, 240_000);

const tally = { cases: 0, leaks: 0 };

afterAll(async () => {
  process.stdout.write(`attack suite: ${tally.cases} cases, ${tally.leaks} leaks\n`);
  await stack?.close();
});

/** What of B (or of the server's insides) an outcome shows, that the attacker did not send. */
function leaksIn(outcome: Outcome): string[] {
  const received = outcome.raw.toLowerCase();
  const sent = outcome.sent.toLowerCase();
  const found: string[] = [];
  for (const [label, value] of markers) {
    const needle = value.toLowerCase();
    if (!sent.includes(needle) && received.includes(needle)) found.push(label);
  }
  for (const [label, pattern] of INTERNALS) if (pattern.test(outcome.raw)) found.push(label);
  return found;
}

test('baseline: the same requests succeed when nothing is forged or foreign', async () => {
  // A token made by this suite's signing helper, with A's real session, is accepted: the
  // refusals below come from what each case changes, not from the helper.
  const own = await viaRouter(ME, signed(header(), aClaims()));
  expect(own.status).toBe(200);
  expect(own.body.data.me).toMatchObject({ id: A().owner.userId, tenant: { id: A().id } });
  // B's owner sees B's own data, which the scanner flags: it would catch a leak. It flags
  // server internals too.
  const seen = await viaRouter(ME, B().owner.token);
  expect(leaksIn({ ...seen, sent: '' })).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^B owner e-mail/),
      expect.stringMatching(/^B slug/),
    ]),
  );
  const trace = 'Error: x\n    at run (/work/main/subgraphs/user/src/data.ts:12:3)';
  expect(leaksIn({ codes: [], reasons: [], raw: trace, sent: '' })).toEqual([
    'stack frame',
    'file path',
  ]);
  // B's owner reaches B's users through _entities: the refusals below are about the tenant.
  const entity = await entities(
    'user',
    B().owner.token,
    [{ __typename: 'User', id: B().trader.userId }],
    '... on User { id name }',
  );
  expect(entity.body.data._entities).toEqual([{ id: B().trader.userId, name: 'Bruno Secretbee' }]);
});

test.each(attacks.map((attack) => [`${attack.category}: ${attack.name}`, attack] as const))(
  '%s',
  async (_name, { send, expected }) => {
    const outcome = await send();
    tally.cases++;
    const leaks = leaksIn(outcome);
    if (leaks.length > 0) tally.leaks++;
    expect(leaks).toEqual([]);
    if (expected.status !== undefined) expect(outcome.status).toBe(expected.status);
    if (expected.codes) expect(outcome.codes).toEqual(expected.codes);
    if (expected.reasons) expect(outcome.reasons).toEqual(expected.reasons);
    if ('data' in expected) expect(outcome.body?.data).toEqual(expected.data);
    if (expected.closeCode !== undefined) expect(outcome.closeCode).toBe(expected.closeCode);
    await expected.check?.(outcome);
  },
  30_000,
);

test('the suite ran at least 60 attacks, and none leaked', () => {
  expect(attacks.length).toBeGreaterThanOrEqual(60);
  expect(tally).toEqual({ cases: attacks.length, leaks: 0 });
});
