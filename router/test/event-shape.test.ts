import { buildSchema, executeSync, getOperationAST, parse, type GraphQLObjectType } from 'graphql';
import { compileResponseShape, shapeResponse } from '../src/query-executor';

/**
 * Subscription events that need no other subgraph are shaped by the query executor's compiled
 * response shape instead of the gateway's executor. The shape must give what graphql-js gives
 * for the client's own document, drop what the planner added (__typename), and refuse (leave to
 * the executor) what it cannot complete.
 */
const schema = buildSchema(`
  type Query { ok: Boolean }
  type Subscription { sessionEvents: SessionEvent! }
  enum EventType { CREATED REVOKED }
  interface Node { id: ID! }
  type Session implements Node { id: ID! status: String! device: Device }
  type Device { type: String! os: String }
  type SessionEvent { type: EventType! at: String! session: Session! }
`);
const event = {
  type: 'REVOKED',
  at: '2026-11-26T09:00:00.000Z',
  session: { id: 's1', status: 'REVOKED', device: { type: 'MOBILE', os: null } },
};

function shapeOf(query: string) {
  const document = parse(query);
  const shape = compileResponseShape(
    schema,
    document,
    getOperationAST(document)!,
    schema.getSubscriptionType() as GraphQLObjectType,
  );
  if (!shape) throw new Error('not compiled');
  return { document, shape };
}

test('aliases, fragments, __typename and nulls come out as graphql-js gives them', () => {
  const query = `subscription Watch {
    sessionEvents {
      kind: type
      at
      __typename
      session { ...Ids device { type os } ... on Node { id } }
    }
  }
  fragment Ids on Session { id sessionStatus: status }`;
  const { document, shape } = shapeOf(query);
  // What the subgraph answers for the same selection, with the __typename the planner adds.
  const answered = executeSync({
    schema,
    document,
    rootValue: { sessionEvents: event },
  }).data as Record<string, unknown>;
  const withPlannerTypenames = {
    sessionEvents: {
      ...(answered.sessionEvents as object),
      session: { __typename: 'Session', ...(answered.sessionEvents as any).session },
    },
  };
  expect(shapeResponse(withPlannerTypenames, shape)).toEqual(answered);
  expect(JSON.stringify(shapeResponse(answered, shape))).toBe(JSON.stringify(answered));
});

test('a null in a non-null field, or an enum value the schema lacks, is left to the executor', () => {
  const { shape } = shapeOf('subscription { sessionEvents { type session { id status } } }');
  const nullInNonNull = { sessionEvents: { type: 'CREATED', session: { id: 's1', status: null } } };
  const unknownEnum = {
    sessionEvents: { type: 'HIDDEN', session: { id: 's1', status: 'ACTIVE' } },
  };
  expect(shapeResponse(nullInNonNull, shape)).toBeUndefined();
  expect(shapeResponse(unknownEnum, shape)).toBeUndefined();
});

test('directives and introspection are not compiled: the executor runs them', () => {
  const document = parse('subscription($x: Boolean!) { sessionEvents { type @include(if: $x) } }');
  const subscription = schema.getSubscriptionType() as GraphQLObjectType;
  expect(compileResponseShape(schema, document, getOperationAST(document)!, subscription)).toBe(
    false,
  );
});
