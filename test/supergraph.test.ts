import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { REPO_ROOT } from '@tradesage/shared';
import { composeSupergraph } from '../scripts/compose-supergraph';

const committed = fs.readFileSync(path.join(REPO_ROOT, 'schema/supergraph.graphql'), 'utf8');

describe('schema/supergraph.graphql', () => {
  test('is what composing the four subgraph SDL files produces (run `npm run schema:compose`)', () => {
    expect(composeSupergraph()).toBe(committed);
  });

  test('has all four subgraphs, and its API schema serves the cross-subgraph Me query', () => {
    const supergraph = Supergraph.build(committed);
    expect([...supergraph.subgraphs().names()].sort()).toEqual([
      'auth',
      'session',
      'tenant',
      'user',
    ]);
    const api = supergraph.apiSchema().toGraphQLJSSchema();
    const query = parse(
      '{ me { id name email roles tenant { id slug } sessions { id current } } }',
    );
    expect(validate(api, query)).toEqual([]);
    // Federation internals never leak into the public API schema.
    expect(api.getQueryType()?.getFields()._entities).toBeUndefined();
  });

  test("every operation of the React app's contract validates against the API schema", () => {
    const api = Supergraph.build(committed).apiSchema().toGraphQLJSSchema();
    const contract = parse(
      fs.readFileSync(
        path.join(REPO_ROOT, 'schema/operations/react-app/operations.graphql'),
        'utf8',
      ),
    );
    const operations = contract.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    const names = operations.map((operation) => operation.name?.value);
    // Every service has landed: all 40 operations, sessions, subscriptions and personal data included.
    expect(names).toHaveLength(40);
    expect(names).toEqual(expect.arrayContaining(['MySessions', 'SessionEvents', 'TenantHealth']));
    const errors = Object.fromEntries(
      operations.map((operation) => [
        operation.name?.value,
        validate(api, { kind: Kind.DOCUMENT, definitions: [operation] }).map((e) => e.message),
      ]),
    );
    expect(errors).toEqual(Object.fromEntries(names.map((name) => [name, []])));
  });
});
