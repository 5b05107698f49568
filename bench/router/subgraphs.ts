/**
 * The benchmark's four subgraphs, in the shape of The Guild's federation gateway benchmark
 * (accounts, inventory, products, reviews), so that one query walks users → reviews → product →
 * reviews → author → reviews → product across all four.
 *
 * Each is a real @apollo/subgraph schema run by graphql-js. A subgraph remembers its answer to
 * each exact request body it has executed, and replays it: every gateway sends the same requests
 * again and again, so the subgraphs cost next to nothing and the gateways are what is measured.
 *
 * Run as a process: `node --import tsx bench/router/subgraphs.ts`; it prints one JSON line,
 * `{"accounts": url, ...}`, once all four listen.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, validate, type GraphQLSchema } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';

const USERS = 6;
const PRODUCTS = 6;
const REVIEWS_PER_USER = 3;

interface User {
  id: string;
  name: string;
  username: string;
  birthday: number;
}
interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
}
interface Review {
  id: string;
  body: string;
  authorId: string;
  productUpc: string;
}

const users: User[] = Array.from({ length: USERS }, (_, i) => ({
  id: String(i + 1),
  name: `User ${i + 1}`,
  username: `user${i + 1}`,
  birthday: 1_000_000 + i,
}));
const products: Product[] = Array.from({ length: PRODUCTS }, (_, i) => ({
  upc: String(i + 1),
  name: `Product ${i + 1}`,
  price: 100 * (i + 1),
  weight: 10 + i,
}));
const reviews: Review[] = users.flatMap((user, u) =>
  Array.from({ length: REVIEWS_PER_USER }, (_, r) => ({
    id: `${user.id}-${r + 1}`,
    body: `Review ${r + 1} by ${user.username}`,
    authorId: user.id,
    productUpc: products[(u + r) % PRODUCTS].upc,
  })),
);
const byId = <T>(rows: T[], key: (row: T) => string) => new Map(rows.map((row) => [key(row), row]));
const userById = byId(users, (user) => user.id);
const productByUpc = byId(products, (product) => product.upc);

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@provides", "@shareable"])`;

export const SUBGRAPHS: Record<
  string,
  { typeDefs: string; resolvers: GraphQLResolverMap<unknown> }
> = {
  accounts: {
    typeDefs: `${LINK}
      type Query { me: User users: [User] user(id: ID!): User }
      type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`,
    resolvers: {
      Query: {
        me: () => users[0],
        users: () => users,
        user: (_: unknown, a: { id: string }) => userById.get(a.id),
      },
      User: { __resolveReference: (ref: { id: string }) => userById.get(ref.id) },
    },
  },
  inventory: {
    typeDefs: `${LINK}
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int @external
        price: Int @external
        inStock: Boolean
        shippingEstimate: Int @requires(fields: "price weight")
      }`,
    resolvers: {
      Product: {
        __resolveReference: (ref: { upc: string; price?: number; weight?: number }) => ({
          ...ref,
          inStock: Number(ref.upc) % 2 === 1,
        }),
        shippingEstimate: (p: { price?: number; weight?: number }) =>
          (p.price ?? 0) > 1000 ? 0 : Math.round((p.weight ?? 0) / 2),
      },
    },
  },
  products: {
    typeDefs: `${LINK}
      type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
    resolvers: {
      Query: { topProducts: (_: unknown, a: { first: number }) => products.slice(0, a.first) },
      Product: { __resolveReference: (ref: { upc: string }) => productByUpc.get(ref.upc) },
    },
  },
  reviews: {
    typeDefs: `${LINK}
      type Review @key(fields: "id") { id: ID! body: String author: User @provides(fields: "username") product: Product }
      type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
    resolvers: {
      Review: {
        author: (review: Review) => ({
          id: review.authorId,
          username: userById.get(review.authorId)?.username,
        }),
        product: (review: Review) => ({ upc: review.productUpc }),
      },
      User: {
        reviews: (user: { id: string }) => reviews.filter((review) => review.authorId === user.id),
      },
      Product: {
        reviews: (product: { upc: string }) =>
          reviews.filter((review) => review.productUpc === product.upc),
      },
    },
  },
};

/** Serves one subgraph: POST JSON in, JSON out; each distinct body is executed once. */
function serve(schema: GraphQLSchema): Promise<Server> {
  const answers = new Map<string, string>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const known = answers.get(body);
      const answer = known ?? run(schema, body).then((result) => JSON.stringify(result));
      void Promise.resolve(answer).then((text) => {
        answers.set(body, text);
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        response.end(text);
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function run(schema: GraphQLSchema, body: string) {
  const { query, variables, operationName } = JSON.parse(body) as {
    query: string;
    variables?: Record<string, unknown>;
    operationName?: string;
  };
  const document = parse(query);
  const errors = validate(schema, document);
  if (errors.length > 0) return { errors };
  return await execute({ schema, document, variableValues: variables, operationName });
}

async function main() {
  const urls: Record<string, string> = {};
  for (const [name, { typeDefs, resolvers }] of Object.entries(SUBGRAPHS)) {
    const server = await serve(buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers }));
    urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  }
  process.stdout.write(`${JSON.stringify(urls)}\n`);
}

if (require.main === module) void main();
