import { ApolloServer } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { AppError, createErrorFormatter, ERROR_CODES } from '../src';

const production = createErrorFormatter({ production: true });
const development = createErrorFormatter({ production: false });

const LEAKY_MESSAGE = 'relation "t_x.accounts" does not exist at /work/main/x.ts:1';

/** An error as Apollo hands it to formatError for a resolver that threw a plain Error. */
function unexpected(
  message = LEAKY_MESSAGE,
  extensions: Record<string, unknown> = { code: 'INTERNAL_SERVER_ERROR' },
): GraphQLFormattedError {
  return {
    message,
    locations: [{ line: 1, column: 3 }],
    path: ['accounts'],
    extensions: {
      ...extensions,
      stacktrace: [
        `Error: ${message}`,
        '    at resolve (/work/main/packages/x/src/accounts.ts:42:11)',
      ],
    },
  };
}

describe('createErrorFormatter in production', () => {
  test.each([
    ['no code', {}],
    ['code INTERNAL_SERVER_ERROR', { code: 'INTERNAL_SERVER_ERROR' }],
    ['an unknown code', { code: 'P2002' }],
    ['a driver error code', { code: 'ECONNREFUSED' }],
  ])('an unexpected error with %s is an opaque internal error', (_label, extensions) => {
    const formatted = production(unexpected(LEAKY_MESSAGE, extensions));
    expect(formatted.message).toBe('Internal server error');
    expect(formatted.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(formatted.extensions).not.toHaveProperty('stacktrace');
    expect(formatted.extensions).not.toHaveProperty('exception');
  });

  test('an unexpected error keeps none of its other extensions', () => {
    const formatted = production(
      unexpected(LEAKY_MESSAGE, { code: 'ECONNREFUSED', detail: 'SELECT * FROM t_x.accounts' }),
    );
    expect(formatted.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });

  test('an error without extensions at all is an opaque internal error', () => {
    const formatted = production({ message: LEAKY_MESSAGE });
    expect(formatted.message).toBe('Internal server error');
    expect(formatted.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });

  test('no SQL, relation name or file path reaches the output', () => {
    const output = JSON.stringify(production(unexpected()));
    for (const secret of ['relation', 't_x.accounts', 'does not exist', '/work/main', '.ts:']) {
      expect(output).not.toContain(secret);
    }
  });

  test('keeps where the error happened, so clients can match it to a field', () => {
    const formatted = production(unexpected());
    expect(formatted.path).toEqual(['accounts']);
    expect(formatted.locations).toEqual([{ line: 1, column: 3 }]);
  });

  test.each(ERROR_CODES.filter((code) => code !== 'INTERNAL_SERVER_ERROR'))(
    'an AppError with code %s keeps its message and code',
    (code) => {
      const error = new AppError(code, `Safe message for ${code}`, { field: 'id' });
      const formatted = production(error.toJSON());
      expect(formatted.message).toBe(`Safe message for ${code}`);
      expect(formatted.extensions).toEqual({ code, field: 'id' });
    },
  );

  test.each(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED'])(
    "Apollo's %s becomes BAD_USER_INPUT with the original code as reason",
    (apolloCode) => {
      const message = 'Cannot query field "nope" on type "Query".';
      const formatted = production({ message, extensions: { code: apolloCode } });
      expect(formatted.message).toBe(message);
      expect(formatted.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: apolloCode });
    },
  );

  test('through Apollo Server, a resolver that throws a plain Error leaks nothing', async () => {
    const server = new ApolloServer({
      typeDefs: 'type Query { accounts: [String] missing: String }',
      resolvers: {
        Query: {
          accounts: () => {
            throw new Error(LEAKY_MESSAGE);
          },
          missing: () => {
            throw new AppError('NOT_FOUND', 'Account not found');
          },
        },
      },
      formatError: production,
      // What Apollo would add outside production; the formatter must still remove it.
      includeStacktraceInErrorResponses: true,
    });
    const response = await server.executeOperation({ query: '{ accounts missing }' });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    const { errors } = response.body.singleResult;
    expect(errors).toEqual([
      expect.objectContaining({
        message: 'Internal server error',
        path: ['accounts'],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      }),
      expect.objectContaining({
        message: 'Account not found',
        path: ['missing'],
        extensions: { code: 'NOT_FOUND' },
      }),
    ]);
    expect(JSON.stringify(response.body)).not.toContain('t_x.accounts');
  });
});

describe('createErrorFormatter in development', () => {
  test('keeps the message of an internal error, for the developer', () => {
    const formatted = development(unexpected());
    expect(formatted.message).toBe(LEAKY_MESSAGE);
    expect(formatted.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });

  test('still maps unknown codes onto INTERNAL_SERVER_ERROR', () => {
    const formatted = development(unexpected(LEAKY_MESSAGE, { code: 'P2002' }));
    expect(formatted.message).toBe(LEAKY_MESSAGE);
    expect(formatted.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });

  test('maps request errors like production does', () => {
    const formatted = development({
      message: 'Syntax Error: Expected Name, found <EOF>.',
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    expect(formatted.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_PARSE_FAILED',
    });
  });
});

describe('createErrorFormatter keeps only client-facing extensions in production', () => {
  test('drops what the gateway or Apollo add, keeps what services set on purpose', () => {
    const formatted = production({
      message: 'Tenant not found',
      extensions: { code: 'NOT_FOUND', serviceName: 'tenant', field: 'slug', exception: { x: 1 } },
    });
    expect(formatted.extensions).toEqual({ code: 'NOT_FOUND', field: 'slug' });
    expect(
      development({ message: 'x', extensions: { code: 'NOT_FOUND', serviceName: 'tenant' } })
        .extensions,
    ).toEqual({
      code: 'NOT_FOUND',
      serviceName: 'tenant',
    });
  });
});
