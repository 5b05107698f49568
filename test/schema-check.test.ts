import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '@tradesage/shared';
import { apiSchemaOf, composeSubgraphs, type SubgraphSource } from '../scripts/compose-supergraph';
import { checkSchema, type SchemaCheckInput } from '../scripts/schema-check';

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])`;
const CATALOG = `${LINK}
  type Query { products: [Product!]! }
  type Product @key(fields: "id") { id: ID! name: String! price: Int }`;
const REVIEWS = `${LINK}
  type Product @key(fields: "id") { id: ID! reviews: [String!]! }`;
const PRODUCTS_OPERATION = `query Products { products { id name reviews } }`;

function subgraphs(catalog: string, reviews = REVIEWS): SubgraphSource[] {
  return [
    { name: 'catalog', url: 'http://catalog/graphql', sdl: catalog },
    { name: 'reviews', url: 'http://reviews/graphql', sdl: reviews },
  ];
}

function supergraph(sources: SubgraphSource[]): string {
  const composed = composeSubgraphs(sources);
  if ('errors' in composed) throw new Error(composed.errors.join('\n'));
  return composed.supergraphSdl;
}

const base = supergraph(subgraphs(CATALOG));

/** A change to the catalog subgraph, checked against the base, its supergraph committed. */
function proposal(catalog: string, overrides: Partial<SchemaCheckInput> = {}): SchemaCheckInput {
  const sources = subgraphs(catalog);
  const composed = composeSubgraphs(sources);
  const committed = 'supergraphSdl' in composed ? composed.supergraphSdl : undefined;
  return {
    subgraphs: sources,
    committedSupergraph: committed,
    committedApiSchema: committed && apiSchemaOf(committed),
    baseSupergraph: base,
    operations: [{ file: 'schema/operations/app.graphql', source: PRODUCTS_OPERATION }],
    approvals: [],
    ...overrides,
  };
}

const step = (report: Awaited<ReturnType<typeof checkSchema>>, name: string) =>
  report.steps.find((s) => s.step === name);

describe('npm run schema:check', () => {
  test('passes an additive change, and reports it as safe', async () => {
    const report = await checkSchema(
      proposal(CATALOG.replace('price: Int', 'price: Int sku: String')),
    );
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => [s.step, s.ok])).toEqual([
      ['composition', true],
      ['committed supergraph', true],
      ['breaking changes', true],
      ['client operations', true],
      ['query plans', true],
    ]);
    expect(step(report, 'breaking changes')?.details).toEqual([
      expect.stringMatching(/^safe: FIELD_ADDED Product\.sku/),
    ]);
  });

  test("fails on a composition error, with the composer's message", async () => {
    const input = proposal(CATALOG);
    input.subgraphs = subgraphs(CATALOG, REVIEWS.replace('reviews:', 'name: Int reviews:'));
    const report = await checkSchema(input);
    expect(report.ok).toBe(false);
    expect(step(report, 'composition')).toEqual({
      step: 'composition',
      ok: false,
      details: expect.arrayContaining([
        expect.stringMatching(
          /^Non-shareable field "Product\.name" is resolved from multiple subgraphs/,
        ),
      ]),
    });
    // Nothing else is checked against a supergraph that does not compose.
    expect(report.steps).toHaveLength(1);
  });

  test('fails on an unapproved breaking change, naming how to approve it', async () => {
    const report = await checkSchema(proposal(CATALOG.replace(' price: Int', '')));
    expect(report.ok).toBe(false);
    expect(step(report, 'breaking changes')).toEqual({
      step: 'breaking changes',
      ok: false,
      details: [
        expect.stringMatching(
          /^BREAKING, not approved: FIELD_REMOVED Product\.price.*"path": "Product\.price"/,
        ),
      ],
    });
    // The client operation does not use the field: it still validates and plans.
    expect(step(report, 'client operations')?.ok).toBe(true);
  });

  test('passes a breaking change approved with a reason', async () => {
    const report = await checkSchema(
      proposal(CATALOG.replace(' price: Int', ''), {
        approvals: [
          { type: 'FIELD_REMOVED', path: 'Product.price', reason: 'no client reads it any more' },
        ],
      }),
    );
    expect(report.ok).toBe(true);
    expect(step(report, 'breaking changes')?.details).toEqual([
      expect.stringMatching(/^approved breaking: FIELD_REMOVED Product\.price.*no client reads it/),
    ]);
  });

  test('fails when a registered client operation no longer validates, even with the break approved', async () => {
    const report = await checkSchema(
      proposal(CATALOG.replace(' price: Int', ''), {
        operations: [
          {
            file: 'schema/operations/app.graphql',
            source: `query Prices { products { id price } }`,
          },
        ],
        approvals: [
          { type: 'FIELD_REMOVED', path: 'Product.price', reason: 'no client reads it any more' },
        ],
      }),
    );
    expect(report.ok).toBe(false);
    expect(step(report, 'client operations')).toEqual({
      step: 'client operations',
      ok: false,
      details: [
        'schema/operations/app.graphql Prices: Cannot query field "price" on type "Product".',
      ],
    });
  });

  test('fails when the committed supergraph or API schema is stale', async () => {
    const fresh = proposal(CATALOG);
    const report = await checkSchema({
      ...fresh,
      committedSupergraph: base.replace('price', 'cost'),
      committedApiSchema: fresh.committedApiSchema!.replace('price', 'cost'),
    });
    expect(report.ok).toBe(false);
    expect(step(report, 'committed supergraph')?.details).toEqual([
      'schema/supergraph.graphql is stale: run `npm run schema:compose` and commit it',
      'schema/api.graphql is stale: run `npm run schema:compose` and commit it',
    ]);
  });

  test('passes on this repository: its four subgraphs and the React app contract', () => {
    const output = execFileSync(
      path.join(REPO_ROOT, 'node_modules/.bin/tsx'),
      ['scripts/schema-check.ts', '--base', 'HEAD'],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(output.split('\n').filter((line) => /^(ok|FAIL)/.test(line))).toEqual([
      'ok   composition',
      'ok   committed supergraph',
      'ok   breaking changes',
      'ok   client operations',
      'ok   query plans',
    ]);
  });
});
