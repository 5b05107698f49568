import { randomUUID } from 'node:crypto';
import { graphql, parse, type ExecutionResult, type GraphQLSchema } from 'graphql';
import pino from 'pino';
import {
  allow,
  AppError,
  buildGuardedSubgraphSchema,
  isAuthenticated,
  isOperator,
  isTenantMember,
  notFound,
  PLATFORM_OPERATOR,
  ReadConsistency,
  type Principal,
  type RequestContext,
  type SubgraphDefinition,
} from '../src';

const LEAKY_MESSAGE = 'relation "t_x.things" does not exist at /work/main/x.ts:1';

const resolverCalls = {
  unguarded: jest.fn(() => 'should never be returned'),
  crash: jest.fn((): string => {
    throw new Error(LEAKY_MESSAGE);
  }),
};

const definition: SubgraphDefinition<Record<string, never>> = {
  name: 'user',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Thing @key(fields: "id") { id: ID! secret: String }
    type Badge @key(fields: "id") { id: ID! label: String }
    type Query {
      ping: String
      signedIn: String
      memberThing: Thing
      operatorStats: Int
      unguarded: String
      missing: String
      crash: String
    }
  `),
  resolvers: {
    Query: {
      ping: () => 'pong',
      signedIn: () => 'yes',
      memberThing: () => ({ id: 't1', secret: 'classified' }),
      operatorStats: () => 42,
      unguarded: resolverCalls.unguarded,
      missing: () => {
        throw notFound('Thing not found');
      },
      crash: resolverCalls.crash,
    },
    Thing: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id, secret: 'classified' }),
    },
    Badge: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id, label: 'Gold' }),
    },
  },
  permissions: {
    Query: {
      ping: allow,
      signedIn: isAuthenticated,
      memberThing: isTenantMember,
      operatorStats: isOperator,
      missing: allow,
      crash: allow,
    },
    Thing: { id: allow },
    Badge: isTenantMember,
  },
  createServices: () => ({}),
};

const principals: Record<'anonymous' | 'user' | 'operator', Principal> = {
  anonymous: { kind: 'anonymous' },
  user: {
    kind: 'user',
    userId: randomUUID(),
    tenantId: randomUUID(),
    tenantSlug: 'acme',
    roles: ['TRADER'],
    sessionId: randomUUID(),
  },
  operator: {
    kind: 'operator',
    operatorId: 'op-1',
    roles: [PLATFORM_OPERATOR],
    sessionId: randomUUID(),
  },
};

let schema: GraphQLSchema;

beforeAll(() => {
  schema = buildGuardedSubgraphSchema(definition);
});
beforeEach(() => {
  jest.clearAllMocks();
});

async function run(
  as: keyof typeof principals,
  source: string,
  variableValues?: Record<string, unknown>,
): Promise<ExecutionResult> {
  const contextValue: RequestContext = {
    principal: principals[as],
    requestId: 'r',
    log: pino({ level: 'silent' }),
    responseHeaders: new Map(),
    reads: new ReadConsistency(principals[as], undefined),
  };
  return graphql({ schema, source, contextValue, variableValues });
}

/** The codes of a result's errors, by field path. */
function codes(result: ExecutionResult): Record<string, unknown> {
  return Object.fromEntries(
    (result.errors ?? []).map((error) => [error.path?.join('.'), error.extensions.code]),
  );
}

describe('buildPermissions', () => {
  test.each(['anonymous', 'user', 'operator'] as const)(
    'denies a field without a rule to %s with FORBIDDEN, without running its resolver',
    async (as) => {
      const result = await run(as, '{ unguarded }');
      expect(result.data).toEqual({ unguarded: null });
      expect(codes(result)).toEqual({ unguarded: 'FORBIDDEN' });
      expect(resolverCalls.unguarded).not.toHaveBeenCalled();
    },
  );

  test('a field with allow is open to anyone', async () => {
    const result = await run('anonymous', '{ ping }');
    expect(result).toEqual({ data: { ping: 'pong' } });
  });

  test('isAuthenticated refuses anonymous with UNAUTHENTICATED', async () => {
    const result = await run('anonymous', '{ signedIn }');
    expect(result.data).toEqual({ signedIn: null });
    expect(codes(result)).toEqual({ signedIn: 'UNAUTHENTICATED' });
  });

  test.each(['user', 'operator'] as const)('isAuthenticated lets %s through', async (as) => {
    const result = await run(as, '{ signedIn }');
    expect(result).toEqual({ data: { signedIn: 'yes' } });
  });

  test.each([
    ['anonymous', 'UNAUTHENTICATED'],
    ['operator', 'FORBIDDEN'],
  ] as const)('isTenantMember refuses %s with %s', async (as, code) => {
    const result = await run(as, '{ memberThing { id } }');
    expect(result.data).toEqual({ memberThing: null });
    expect(codes(result)).toEqual({ memberThing: code });
  });

  test('isTenantMember lets a tenant user through', async () => {
    const result = await run('user', '{ memberThing { id } }');
    expect(result).toEqual({ data: { memberThing: { id: 't1' } } });
  });

  test.each([
    ['anonymous', 'UNAUTHENTICATED'],
    ['user', 'FORBIDDEN'],
  ] as const)('isOperator refuses %s with %s', async (as, code) => {
    const result = await run(as, '{ operatorStats }');
    expect(result.data).toEqual({ operatorStats: null });
    expect(codes(result)).toEqual({ operatorStats: code });
  });

  test('isOperator lets an operator through', async () => {
    const result = await run('operator', '{ operatorStats }');
    expect(result).toEqual({ data: { operatorStats: 42 } });
  });

  test('a field of an entity type without a rule is denied too', async () => {
    const result = await run('user', '{ memberThing { id secret } }');
    expect(result.data).toEqual({ memberThing: { id: 't1', secret: null } });
    expect(codes(result)).toEqual({ 'memberThing.secret': 'FORBIDDEN' });
  });

  test('_service { sdl } is allowed, for the router, even anonymously', async () => {
    const result = await run('anonymous', '{ _service { sdl } }');
    expect(result.errors).toBeUndefined();
    const { sdl } = (result.data as { _service: { sdl: string } })._service;
    expect(sdl).toContain('type Thing');
    expect(sdl).toContain('operatorStats');
  });

  test('_entities is allowed, while the entity fields keep their own rules', async () => {
    const result = await run(
      'anonymous',
      'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Thing { id secret } } }',
      { representations: [{ __typename: 'Thing', id: 't7' }] },
    );
    expect(result.data).toEqual({ _entities: [{ id: 't7', secret: null }] });
    expect(codes(result)).toEqual({ '_entities.0.secret': 'FORBIDDEN' });
  });

  test.each([
    ['anonymous', 'UNAUTHENTICATED'],
    ['operator', 'FORBIDDEN'],
  ] as const)('a rule for a whole entity type guards each of its fields (%s)', async (as, code) => {
    const query =
      'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Badge { id label } } }';
    const representations = [{ __typename: 'Badge', id: 'b1' }];
    const refused = await run(as, query, { representations });
    expect(refused.data).toEqual({ _entities: [null] });
    expect(codes(refused)).toEqual({ '_entities.0.id': code, '_entities.0.label': code });
    const allowed = await run('user', query, { representations });
    expect(allowed).toEqual({ data: { _entities: [{ id: 'b1', label: 'Gold' }] } });
  });

  test('an AppError thrown by a resolver passes through with its code and message', async () => {
    const result = await run('user', '{ missing }');
    expect(result.data).toEqual({ missing: null });
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0].message).toBe('Thing not found');
    expect(result.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect(result.errors?.[0].originalError).toBeInstanceOf(AppError);
  });

  test('a plain Error thrown by a resolver becomes an internal error that leaks nothing', async () => {
    const result = await run('user', '{ crash }');
    expect(resolverCalls.crash).toHaveBeenCalledTimes(1);
    expect(result.data).toEqual({ crash: null });
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0].message).toBe('Internal server error');
    expect(result.errors?.[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    const serialized = JSON.stringify(result.errors?.map((error) => error.toJSON()));
    expect(serialized).not.toContain('t_x.things');
    expect(serialized).not.toContain('/work/main');
  });
});

describe('buildPermissions with one rule for the whole Query type', () => {
  const operatorOnly: SubgraphDefinition<Record<string, never>> = {
    ...definition,
    permissions: { Query: isOperator, Thing: allow, Badge: allow },
  };
  const guarded = buildGuardedSubgraphSchema(operatorOnly);
  const runAs = (as: keyof typeof principals, source: string) =>
    graphql({
      schema: guarded,
      source,
      contextValue: { principal: principals[as], requestId: 'r', log: pino({ level: 'silent' }) },
    });

  test('applies the rule to every Query field', async () => {
    expect((await runAs('operator', '{ ping operatorStats }')).data).toEqual({
      ping: 'pong',
      operatorStats: 42,
    });
    const user = await runAs('user', '{ ping }');
    expect(codes(user)).toEqual({ ping: 'FORBIDDEN' });
  });

  test('still lets the router read the SDL and resolve entities', async () => {
    const sdl = await runAs('anonymous', '{ _service { sdl } }');
    expect(sdl.errors).toBeUndefined();
    const entities = await runAs(
      'anonymous',
      '{ _entities(representations: [{ __typename: "Thing", id: "t9" }]) { ... on Thing { id } } }',
    );
    expect(entities).toEqual({ data: { _entities: [{ id: 't9' }] } });
  });
});
