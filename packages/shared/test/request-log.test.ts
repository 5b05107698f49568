import { Writable } from 'node:stream';
import { ApolloServer } from '@apollo/server';
import pino from 'pino';
import { requestLogPlugin } from '../src';

/** The request log line every service writes: who, what, how it went; never the token or input. */
describe('request log', () => {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  const server = new ApolloServer<Record<string, unknown>>({
    typeDefs: `type Query { greet(secret: String): String! fail: String! }`,
    resolvers: {
      Query: {
        greet: () => 'hello',
        fail: () => {
          throw new Error('nope');
        },
      },
    },
    plugins: [requestLogPlugin as never],
  });
  const context = {
    requestId: 'req-123',
    log: log.child({ requestId: 'req-123' }),
    authorization: 'Bearer eyJ.secret-token.sig',
    principal: { kind: 'user', tenantId: 'tenant-a', userId: 'u1', roles: ['MEMBER'] },
  };

  beforeAll(() => server.start());
  afterAll(() => server.stop());

  test('names the request, tenant, operation and outcome, and nothing the caller sent', async () => {
    await server.executeOperation(
      {
        query: 'query Greeting($secret: String) { greet(secret: $secret) }',
        variables: { secret: 'hunter2' },
      },
      { contextValue: context },
    );
    const line = lines.at(-1)!;
    expect(line).toMatchObject({
      msg: 'graphql request',
      requestId: 'req-123',
      tenantId: 'tenant-a',
      operationName: 'Greeting',
      outcome: 'success',
    });
    expect(typeof line.durationMs).toBe('number');
    const text = JSON.stringify(line);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('greet(');
  });

  test('an error is logged with its code', async () => {
    await server.executeOperation({ query: 'query Failing { fail }' }, { contextValue: context });
    expect(lines.at(-1)).toMatchObject({
      operationName: 'Failing',
      outcome: 'error',
      errorCodes: ['INTERNAL_SERVER_ERROR'],
    });
  });
});
