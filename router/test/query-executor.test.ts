import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse } from 'graphql';
import { Counter, Histogram, Registry } from 'prom-client';
import { FastQueryGateway } from '../src/query-executor';
import { SubgraphClient } from '../src/subgraph-client';

/**
 * The router's query executor against stock @apollo/gateway on the same subgraphs: every answer
 * must be the same, data and errors, and the executor counter tells which ran each query.
 */
const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@inaccessible"])`;

const books = [
  { id: 'b1', title: 'Dune', pages: 412, status: 'ACTIVE' },
  { id: 'b2', title: 'Emma', pages: 300, status: 'RETIRED' },
];
const films = [{ id: 'f1', title: 'Alien', minutes: 117, status: 'ACTIVE' }];
const catalogItems = [...books.map((b) => ({ ...b, kind: 'Book' })), { ...films[0], kind: 'Film' }];
const reviewsOf: Record<string, { body: string; stars: number }[]> = {
  b1: [
    { body: 'Sand', stars: 5 },
    { body: 'Long', stars: 3 },
  ],
  b2: [],
  f1: [{ body: 'Scary', stars: 4 }],
};

/** Book representations the reviews subgraph has resolved. */
let bookReferences = 0;
/** Times the reviews subgraph has resolved Film.failing. */
let failingCalls = 0;

const subgraphs = {
  catalog: {
    typeDefs: `${LINK}
      enum Status { ACTIVE RETIRED SECRET @inaccessible }
      interface Item { id: ID! title: String! }
      type Book implements Item @key(fields: "id") { id: ID! title: String! pages: Int status: Status! }
      type Film implements Item @key(fields: "id") { id: ID! title: String! minutes: Int status: Status! }
      union Result = Book | Film
      type Query {
        items: [Item!]!
        search(term: String!): [Result!]!
        book(id: ID!): Book
        broken: Book!
        secretStatus: Status
        shelf: [Book!]!
      }`,
    resolvers: {
      Query: {
        items: () => catalogItems,
        search: (_: unknown, { term }: { term: string }) =>
          catalogItems.filter((item) => item.title.toLowerCase().includes(term)),
        book: (_: unknown, { id }: { id: string }) => books.find((book) => book.id === id),
        broken: () => null,
        secretStatus: () => 'SECRET',
        shelf: () => [books[0], books[0], books[1], books[0]],
      },
      Item: { __resolveType: (item: { kind: string }) => item.kind },
      Result: { __resolveType: (item: { kind: string }) => item.kind },
      Book: { __resolveReference: ({ id }: { id: string }) => books.find((b) => b.id === id) },
      Film: { __resolveReference: ({ id }: { id: string }) => films.find((f) => f.id === id) },
    },
  },
  reviews: {
    typeDefs: `${LINK}
      type Review { body: String! stars: Int! }
      type Book @key(fields: "id") {
        id: ID!
        pages: Int @external
        reviews: [Review!]!
        readingHours: Float @requires(fields: "pages")
      }
      type Film @key(fields: "id") { id: ID! reviews: [Review!]! failing: String }`,
    resolvers: {
      Book: {
        __resolveReference: (reference: { id: string }) => {
          bookReferences++;
          return reference;
        },
        reviews: ({ id }: { id: string }) => reviewsOf[id],
        readingHours: ({ pages }: { pages: number }) => pages / 40,
      },
      Film: {
        reviews: ({ id }: { id: string }) => reviewsOf[id],
        failing: () => {
          failingCalls++;
          throw new GraphQLError('Projector broke', { extensions: { code: 'BROKEN' } });
        },
      },
    },
  },
};

const FAST_QUERIES: Record<string, { query: string; variables?: Record<string, unknown> }> = {
  'interface fragments with entity fetches and @requires': {
    query: `{ items { __typename id title
      ... on Book { pages readingHours reviews { body stars } }
      ... on Film { minutes reviews { stars } } } }`,
  },
  'named fragments and aliases': {
    query: `query Named { first: book(id: "b1") { ...B } again: book(id: "b1") { t: title } }
      fragment B on Book { id title readingHours reviews { s: stars } }`,
  },
  'a union with fragments on an interface and a member': {
    query: `{ search(term: "e") { __typename ... on Item { id } ... on Book { status pages } } }`,
  },
  'variables and a null entity': {
    query: `query ($id: ID!, $missing: ID!) { book(id: $id) { title reviews { stars } } none: book(id: $missing) { title } }`,
    variables: { id: 'b2', missing: 'zz' },
  },
  'the root __typename': { query: `{ __typename items { id } }` },
};

const GATEWAY_QUERIES: Record<string, { query: string; variables?: Record<string, unknown> }> = {
  '@include': {
    query: `query ($on: Boolean!) { items { id title @include(if: $on) } }`,
    variables: { on: false },
  },
  introspection: { query: `{ __schema { queryType { name } } }` },
  'a subgraph error': { query: `{ items { id ... on Film { failing } } }` },
  'null for a non-null field': { query: `{ broken { id } }` },
  'an enum value the API hides': { query: `{ secretStatus }` },
};

describe('the router query executor', () => {
  const servers: { url: string; stop: () => Promise<void> }[] = [];
  let supergraphSdl: string;
  let stock: ApolloServer;
  let router: ApolloServer;
  let executions: Counter<'executor'>;
  const clients: SubgraphClient[] = [];

  beforeAll(async () => {
    const services = [];
    for (const [name, { typeDefs, resolvers }] of Object.entries(subgraphs)) {
      const server = new ApolloServer({
        schema: buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never }),
      });
      const { url } = await startStandaloneServer(server, { listen: { port: 0 } });
      servers.push({ url, stop: () => server.stop() });
      services.push({ name, url, typeDefs: parse(typeDefs) });
    }
    const composed = composeServices(services);
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    supergraphSdl = composed.supergraphSdl;

    stock = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
    const registry = new Registry();
    executions = new Counter({
      name: 'executions',
      help: 'executions',
      labelNames: ['executor'],
      registers: [registry],
    });
    const fetchDuration = new Histogram({
      name: 'fetches',
      help: 'fetches',
      labelNames: ['subgraph', 'outcome'],
      registers: [registry],
    });
    const gateway = new ApolloGateway({
      supergraphSdl,
      buildService: ({ name, url }) => {
        const client = new SubgraphClient({
          name,
          url: url!,
          issuesTokens: false,
          fetchDuration,
          timeoutMs: 10_000,
        });
        clients.push(client);
        return client;
      },
    });
    router = new ApolloServer({ gateway: new FastQueryGateway(gateway, executions) });
    await Promise.all([stock.start(), router.start()]);
  });

  afterAll(async () => {
    await Promise.all([stock?.stop(), router?.stop(), ...clients.map((client) => client.close())]);
    await Promise.all(servers.map((server) => server.stop()));
  });

  async function answers(request: { query: string; variables?: Record<string, unknown> }) {
    const single = async (server: ApolloServer) => {
      const { body } = await server.executeOperation(request);
      if (body.kind !== 'single') throw new Error('expected a single result');
      return JSON.parse(JSON.stringify(body.singleResult)) as Record<string, unknown>;
    };
    return { stock: await single(stock), router: await single(router) };
  }

  async function executorCounts() {
    const { values } = await executions.get();
    const count = (executor: string) =>
      values.find((value) => value.labels.executor === executor)?.value ?? 0;
    return { router: count('router'), gateway: count('gateway') };
  }

  it.each(Object.entries(FAST_QUERIES))(
    'runs %s itself, answering as stock does',
    async (_, request) => {
      const before = await executorCounts();
      const { stock: expected, router: actual } = await answers(request);
      expect(expected.errors).toBeUndefined();
      expect(actual).toEqual(expected);
      // Same keys in the same order, as a client reading the JSON sees them.
      expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
      expect(await executorCounts()).toEqual({ ...before, router: before.router + 1 });
    },
  );

  it.each(Object.entries(GATEWAY_QUERIES))(
    'leaves %s to the gateway, answering as stock does',
    async (_, request) => {
      const before = await executorCounts();
      const { stock: expected, router: actual } = await answers(request);
      expect(actual).toEqual(expected);
      expect(await executorCounts()).toEqual({ ...before, gateway: before.gateway + 1 });
    },
  );

  it('answers a subgraph error with its message, code and subgraph', async () => {
    const { router: actual } = await answers(GATEWAY_QUERIES['a subgraph error']);
    expect(actual.errors).toEqual([
      expect.objectContaining({
        message: 'Projector broke',
        extensions: expect.objectContaining({ code: 'BROKEN', serviceName: 'reviews' }),
      }),
    ]);
  });

  it('asks a subgraph once for an entity that occurs many times in a list', async () => {
    const request = { query: `{ shelf { id readingHours } }` };
    const single = async (server: ApolloServer) => {
      bookReferences = 0;
      const { body } = await server.executeOperation(request);
      return { body, references: bookReferences };
    };
    const fromStock = await single(stock);
    const fromRouter = await single(router);
    expect(fromRouter.body).toEqual(fromStock.body);
    expect(fromStock.references).toBe(4);
    expect(fromRouter.references).toBe(2);
  });

  it('runs a query with a subgraph error again on the gateway without asking any subgraph twice', async () => {
    failingCalls = 0;
    bookReferences = 0;
    const before = await executorCounts();
    const { body } = await router.executeOperation({
      query: `{ items { id ... on Film { failing } ... on Book { readingHours } } }`,
    });
    expect(await executorCounts()).toEqual({ ...before, gateway: before.gateway + 1 });
    if (body.kind !== 'single') throw new Error('expected a single result');
    expect(body.singleResult.errors?.map((error) => error.message)).toEqual(['Projector broke']);
    // The rerun took the fast path's answers: one fetch each, not two.
    expect(failingCalls).toBe(1);
    expect(bookReferences).toBe(2);
  });
});
