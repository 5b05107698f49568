import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { isAuthenticated, unguardedFields, type SubgraphDefinition } from '@tradesage/shared';
import { definition as auth } from '../subgraphs/auth/src/server';
import { definition as session } from '../subgraphs/session/src/server';
import { definition as tenant } from '../subgraphs/tenant/src/server';
import { definition as user } from '../subgraphs/user/src/server';

const schemaOf = (definition: Pick<SubgraphDefinition<unknown>, 'typeDefs'>) =>
  buildSubgraphSchema({ typeDefs: definition.typeDefs });

describe('every field of every subgraph has a permission rule', () => {
  test.each([auth, tenant, user, session].map((d) => [d.name, d] as const))(
    'the %s subgraph guards every field',
    (_name, definition) => {
      expect(unguardedFields(definition.permissions, schemaOf(definition))).toEqual([]);
    },
  );

  test('a field added without a rule is reported (fixture)', () => {
    const fixture = {
      typeDefs: parse(`
        type Query { visible: Account }
        type Account { id: ID! name: String! secret: String! }
      `),
    };
    const rules = {
      Query: { visible: isAuthenticated },
      Account: { id: isAuthenticated, name: isAuthenticated },
    };
    expect(unguardedFields(rules, schemaOf(fixture))).toEqual(['Account.secret']);
    // A rule for the whole type covers its fields; without any, every field is reported.
    expect(unguardedFields({ ...rules, Account: isAuthenticated }, schemaOf(fixture))).toEqual([]);
    expect(unguardedFields({ Query: { visible: isAuthenticated } }, schemaOf(fixture))).toEqual([
      'Account.id',
      'Account.name',
      'Account.secret',
    ]);
  });
});
