import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, validate } from 'graphql';
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

  test("the React app's operations of the finished services validate against the API schema", () => {
    // The contract grows as services land; these must never break again (issue 8 checks them all).
    const landed = [
      'CreateTenant',
      'Tenants',
      'Tenant',
      'CurrentTenant',
      'SuspendTenant',
      'ResumeTenant',
      'DeleteTenant',
      'UpdateTenantLimits',
      'BackupTenant',
      'RestoreTenant',
      'TenantHealth',
      'Register',
      'Login',
      'RefreshSession',
      'Logout',
      'RequestPasswordReset',
      'ResetPassword',
      'VerifyEmail',
      'ChangePassword',
      'StartGoogleLogin',
      'CompleteGoogleLogin',
      'EnrollTotp',
      'ConfirmTotp',
      'OperatorLogin',
      'Me',
      'UpdateProfile',
      'UpdatePreferences',
      'MyActivity',
      'Users',
      'InviteUser',
      'AssignRole',
      'RevokeRole',
      'DisableUser',
    ];
    const api = Supergraph.build(committed).apiSchema().toGraphQLJSSchema();
    const contract = parse(
      fs.readFileSync(
        path.join(REPO_ROOT, 'schema/operations/react-app/operations.graphql'),
        'utf8',
      ),
    );
    const errors = Object.fromEntries(
      landed.map((name) => {
        const operation = contract.definitions.find(
          (d) => d.kind === 'OperationDefinition' && d.name?.value === name,
        );
        if (!operation) return [name, ['missing from the contract']];
        return [
          name,
          validate(api, { kind: Kind.DOCUMENT, definitions: [operation] }).map((e) => e.message),
        ];
      }),
    );
    expect(errors).toEqual(Object.fromEntries(landed.map((name) => [name, []])));
  });
});
