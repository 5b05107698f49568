import type { ApolloGateway } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type {
  FetchNode,
  PlanNode,
  QueryPlanSelectionNode,
  ResponsePath,
} from '@apollo/query-planner';
import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type FieldNode,
  type OperationDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Counter } from 'prom-client';
import { gatewayInternals, planOperation } from './gateway-internals';
import type { RouterContext } from './subgraph-client';

/**
 * The router's executor of queries: the gateway's query plan, run with as little work per
 * request as possible. Per distinct operation it plans once and compiles the response's shape
 * (which fields, under which names, of which types); per request it runs the plan's fetches
 * (representations deduplicated), merges their data, and copies the requested fields out.
 *
 * It does the common case only: a query whose plan is fetches in sequence and in parallel, and
 * whose subgraphs answer without errors. Anything else (mutations, @skip/@include/@defer,
 * introspection, plans that rewrite keys or values, any subgraph error, a null where the schema
 * says non-null, an enum value the API hides) goes to the gateway's own executor, which then
 * answers exactly as stock @apollo/gateway does. The rerun reuses every subgraph answer the fast
 * path already had (RouterContext.subgraphAnswers): no subgraph is asked twice.
 */
export class FastQueryGateway implements GatewayInterface {
  private gatewayExecutor?: GatewayExecutor;
  /** Per operation (its hash and name): the compiled query, or false when the gateway runs it. */
  private readonly compiled = new LRUCache<string, CompiledQuery | false>({ max: 2_000 });
  private readonly unsubscribe: () => void;

  constructor(
    private readonly gateway: ApolloGateway,
    /** Queries run, by executor (`router` or `gateway`): how often the fast path falls back. */
    private readonly executions: Counter<'executor'>,
  ) {
    // A new supergraph means new plans and shapes.
    this.unsubscribe = gateway.onSchemaLoadOrUpdate(() => this.compiled.clear());
  }

  onSchemaLoadOrUpdate: GatewayInterface['onSchemaLoadOrUpdate'] = (callback) =>
    this.gateway.onSchemaLoadOrUpdate(callback);

  async load(options: Parameters<GatewayInterface['load']>[0]) {
    const { executor } = await this.gateway.load(options);
    this.gatewayExecutor = executor ?? undefined;
    return { executor: this.execute };
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await this.gateway.stop();
  }

  private execute: GatewayExecutor = async (requestContext) => {
    const compiled = this.compile(requestContext);
    if (!compiled) {
      this.executions.inc({ executor: 'gateway' });
      return this.gatewayExecutor!(requestContext);
    }
    // The query's subgraph answers are kept for its length, so that a rerun on the gateway's
    // executor asks no subgraph twice (see RouterContext.subgraphAnswers).
    const context = requestContext.context as Partial<RouterContext>;
    context.subgraphAnswers = new Map();
    try {
      const data: Record<string, unknown> = {};
      if (compiled.plan) await this.run(compiled.plan, requestContext, data);
      const result = { data: completeObject(data, compiled.root) as Record<string, unknown> };
      this.executions.inc({ executor: 'router' });
      return result;
    } catch {
      // A subgraph error, a failed fetch or a value the fast path leaves to the gateway: the
      // gateway runs the query, from the answers already here, and reports it.
      this.executions.inc({ executor: 'gateway' });
      return await this.gatewayExecutor!(requestContext);
    } finally {
      context.subgraphAnswers = undefined;
    }
  };

  private compile(requestContext: GatewayGraphQLRequestContext): CompiledQuery | false {
    const key = `${requestContext.queryHash}\n${requestContext.operationName ?? ''}`;
    let compiled = this.compiled.get(key);
    if (compiled === undefined) {
      compiled = compileQuery(this.gateway, requestContext);
      this.compiled.set(key, compiled);
    }
    return compiled;
  }

  private async run(
    node: PlanNode,
    requestContext: GatewayGraphQLRequestContext,
    data: unknown,
  ): Promise<void> {
    switch (node.kind) {
      case 'Sequence':
        for (const child of node.nodes) await this.run(child, requestContext, data);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => this.run(child, requestContext, data)));
        return;
      case 'Flatten': {
        const inner = valuesAt(data, node.path);
        if (inner !== undefined && inner !== null) await this.run(node.node, requestContext, inner);
        return;
      }
      case 'Fetch':
        return this.fetch(node, requestContext, data);
      default:
        throw new LeftToGateway(`plan node ${node.kind}`);
    }
  }

  private async fetch(
    fetch: FetchNode,
    requestContext: GatewayGraphQLRequestContext,
    data: unknown,
  ): Promise<void> {
    const entities = Array.isArray(data) ? data.filter((entity) => entity != null) : [data];
    if (entities.length === 0) return;
    const variables: Record<string, unknown> = {};
    const provided = requestContext.request.variables;
    for (const name of fetch.variableUsages ?? []) {
      if (provided && provided[name] !== undefined) variables[name] = provided[name];
    }
    if (!fetch.requires) {
      const received = await this.send(fetch, requestContext, variables);
      for (const entity of entities) deepMerge(entity, received);
      return;
    }
    // One representation per distinct entity: the same product under ten reviews is asked once.
    const representations: Record<string, unknown>[] = [];
    const indexByKey = new Map<string, number>();
    const indexOfEntity: number[] = [];
    const schema = gatewayInternals(this.gateway).supergraphSchema!;
    for (const entity of entities) {
      const representation = project(schema, entity, fetch.requires);
      if (!representation || !representation.__typename) {
        indexOfEntity.push(-1);
        continue;
      }
      const key = JSON.stringify(representation);
      let index = indexByKey.get(key);
      if (index === undefined) {
        index = representations.push(representation) - 1;
        indexByKey.set(key, index);
      }
      indexOfEntity.push(index);
    }
    if (representations.length === 0) return;
    const received = await this.send(fetch, requestContext, { ...variables, representations });
    const answers = (received as { _entities?: unknown } | null)?._entities;
    if (!Array.isArray(answers) || answers.length !== representations.length)
      throw new LeftToGateway('the subgraph answered a different number of entities');
    entities.forEach((entity, i) => {
      const answer: unknown = indexOfEntity[i] >= 0 ? answers[indexOfEntity[i]] : null;
      if (answer !== null && typeof answer === 'object') deepMerge(entity, answer);
    });
  }

  private async send(
    fetch: FetchNode,
    requestContext: GatewayGraphQLRequestContext,
    variables: Record<string, unknown>,
  ): Promise<unknown> {
    const service = gatewayInternals(this.gateway).serviceMap[fetch.serviceName];
    if (!service) throw new LeftToGateway(`no subgraph ${fetch.serviceName}`);
    const response = await service.dataSource.process({
      kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
      request: { query: fetch.operation, operationName: fetch.operationName, variables },
      incomingRequestContext: requestContext,
      context: requestContext.context,
      document: fetch.operationDocumentNode,
    });
    if (response.errors?.length || !response.data)
      throw new LeftToGateway(`${fetch.serviceName} answered with errors`);
    return response.data;
  }
}

/** Something the fast path does not do; the gateway's executor does it instead. */
class LeftToGateway extends Error {}

interface CompiledQuery {
  plan?: PlanNode;
  root: ObjectShape;
}

/** How one output value is completed: the schema's wrapping types, then a leaf or an object. */
type ValueShape =
  | { kind: 'nonNull'; of: ValueShape }
  | { kind: 'list'; of: ValueShape }
  | { kind: 'leaf'; enumValues?: ReadonlySet<string> }
  | ObjectShape;

interface ObjectShape {
  kind: 'object';
  typeName: string;
  /** Abstract: the object's own __typename picks its fields. */
  abstract: boolean;
  /** Per concrete type: the response keys, in order, and how each value completes. */
  fieldsByType: Map<string, FieldShape[]>;
}

interface FieldShape {
  key: string;
  /** `__typename`: the object's type name, not a value of the data. */
  typename: boolean;
  value?: ValueShape;
}

function compileQuery(
  gateway: ApolloGateway,
  requestContext: GatewayGraphQLRequestContext,
): CompiledQuery | false {
  const { schema, apiSchema, queryPlanner } = gatewayInternals(gateway);
  const { operation, document } = requestContext;
  if (!schema || !apiSchema || !queryPlanner || operation.operation !== 'query') return false;
  const queryType = schema.getQueryType();
  if (!queryType) return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  try {
    const root = objectShape(new ShapeCompiler(schema, fragments), queryType, [
      operation.selectionSet,
    ]);
    const plan = planOperation(
      { apiSchema, queryPlanner },
      document,
      requestContext.operationName,
    ).node;
    if (plan && !runsFast(plan)) return false;
    return { plan: plan as PlanNode | undefined, root };
  } catch {
    // Left to the gateway, which also reports a document its planner cannot take.
    return false;
  }
}

/** A compiled response shape: it copies an operation's requested fields out of gathered data. */
export type ResponseShape = ObjectShape;

/**
 * The shape of `operation`'s response under `rootType` (the subscription type, say), or false
 * when the operation needs the gateway's executor (directives, introspection, unknown fields).
 */
export function compileResponseShape(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rootType: GraphQLObjectType,
): ResponseShape | false {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  try {
    return objectShape(new ShapeCompiler(schema, fragments), rootType, [operation.selectionSet]);
  } catch {
    return false;
  }
}

/** The requested part of `data` by its shape, or undefined when the gateway must complete it. */
export function shapeResponse(
  data: Record<string, unknown>,
  shape: ResponseShape,
): Record<string, unknown> | undefined {
  try {
    return completeObject(data, shape) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof LeftToGateway) return undefined;
    throw error;
  }
}

/** Plans of fetches in sequence and in parallel, none rewriting keys or values. */
export function runsFast(node: PlanNode | { kind: string }): boolean {
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      return (node as { nodes: PlanNode[] }).nodes.every(runsFast);
    case 'Flatten':
      return runsFast((node as { node: PlanNode }).node);
    case 'Fetch': {
      const fetch = node as FetchNode;
      return (
        !fetch.hasDefers &&
        !fetch.inputRewrites?.length &&
        !fetch.outputRewrites?.length &&
        !fetch.contextRewrites?.length
      );
    }
    default:
      return false;
  }
}

class ShapeCompiler {
  constructor(
    readonly schema: GraphQLSchema,
    readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ) {}

  /** The fields of `selectionSets` that apply to `type`, grouped by response key (collectFields). */
  collect(
    type: GraphQLObjectType,
    selectionSets: readonly SelectionSetNode[],
    into = new Map<string, FieldNode[]>(),
  ): Map<string, FieldNode[]> {
    for (const selectionSet of selectionSets) {
      for (const selection of selectionSet.selections) {
        // Conditional and deferred selections are the gateway's.
        if (selection.directives?.length) throw new LeftToGateway('directives');
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          if (name.startsWith('__') && name !== '__typename')
            throw new LeftToGateway('introspection');
          const key = selection.alias?.value ?? name;
          const nodes = into.get(key);
          if (nodes) nodes.push(selection);
          else into.set(key, [selection]);
          continue;
        }
        const fragment =
          selection.kind === Kind.INLINE_FRAGMENT
            ? selection
            : this.fragments.get(selection.name.value);
        if (!fragment) throw new LeftToGateway('unknown fragment');
        const condition = fragment.typeCondition?.name.value;
        if (!condition || this.applies(condition, type))
          this.collect(type, [fragment.selectionSet], into);
      }
    }
    return into;
  }

  private applies(condition: string, type: GraphQLObjectType): boolean {
    if (condition === type.name) return true;
    const conditionType = this.schema.getType(condition);
    return (
      conditionType !== undefined &&
      isAbstractType(conditionType) &&
      this.schema.isSubType(conditionType, type)
    );
  }
}

function objectShape(
  compiler: ShapeCompiler,
  type: GraphQLCompositeType,
  selectionSets: readonly SelectionSetNode[],
): ObjectShape {
  const concreteTypes = isAbstractType(type)
    ? compiler.schema.getPossibleTypes(type)
    : [type as GraphQLObjectType];
  const fieldsByType = new Map<string, FieldShape[]>();
  for (const concrete of concreteTypes) {
    const fields: FieldShape[] = [];
    for (const [key, nodes] of compiler.collect(concrete, selectionSets)) {
      const name = nodes[0].name.value;
      if (name === '__typename') {
        fields.push({ key, typename: true });
        continue;
      }
      const definition = concrete.getFields()[name];
      if (!definition) throw new LeftToGateway(`unknown field ${concrete.name}.${name}`);
      const subSelections = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
      fields.push({
        key,
        typename: false,
        value: valueShape(compiler, definition.type, subSelections),
      });
    }
    fieldsByType.set(concrete.name, fields);
  }
  return { kind: 'object', typeName: type.name, abstract: isAbstractType(type), fieldsByType };
}

function valueShape(
  compiler: ShapeCompiler,
  type: GraphQLOutputType,
  selectionSets: readonly SelectionSetNode[],
): ValueShape {
  if (isNonNullType(type))
    return { kind: 'nonNull', of: valueShape(compiler, type.ofType, selectionSets) };
  if (isListType(type))
    return { kind: 'list', of: valueShape(compiler, type.ofType, selectionSets) };
  const named = getNamedType(type);
  if (isCompositeType(named)) return objectShape(compiler, named, selectionSets);
  if (isEnumType(named))
    return { kind: 'leaf', enumValues: new Set(named.getValues().map((value) => value.name)) };
  return { kind: 'leaf' };
}

/** The requested part of `value`, by the compiled shape. */
function completeValue(value: unknown, shape: ValueShape): unknown {
  switch (shape.kind) {
    case 'nonNull': {
      const completed = completeValue(value, shape.of);
      if (completed === null) throw new LeftToGateway('null where the schema says non-null');
      return completed;
    }
    case 'list':
      if (value === null || value === undefined) return null;
      if (!Array.isArray(value)) throw new LeftToGateway('a list that is not one');
      return value.map((item) => completeValue(item, shape.of));
    case 'leaf':
      if (value === null || value === undefined) return null;
      if (shape.enumValues && !shape.enumValues.has(value as string))
        throw new LeftToGateway('an enum value the API does not have');
      return value;
    case 'object':
      return completeObject(value, shape);
  }
}

function completeObject(value: unknown, shape: ObjectShape): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new LeftToGateway('an object that is not one');
  const source = value as Record<string, unknown>;
  const typeName = shape.abstract ? (source.__typename as string) : shape.typeName;
  const fields = shape.fieldsByType.get(typeName);
  if (!fields) throw new LeftToGateway(`an object of type ${String(typeName)}`);
  const result: Record<string, unknown> = {};
  for (const field of fields)
    result[field.key] = field.typename ? typeName : completeValue(source[field.key], field.value!);
  return result;
}

/** The values at a plan's path (`@` steps into every element of a list), flattened. */
function valuesAt(value: unknown, path: ResponsePath): unknown {
  let current: unknown = value;
  for (let i = 0; i < path.length; i++) {
    if (current === null || current === undefined) return current;
    const step = path[i];
    if (step === '@') {
      if (!Array.isArray(current)) throw new LeftToGateway('`@` on a value that is not a list');
      const rest = path.slice(i + 1);
      return current.flatMap((element) => valuesAt(element, rest));
    }
    if (typeof step !== 'string' || Array.isArray(current))
      throw new LeftToGateway('a path step into a list');
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/** A representation: the fields of `requires` the entity has (null when one is missing). */
function project(
  schema: GraphQLSchema,
  source: unknown,
  selections: readonly QueryPlanSelectionNode[],
): Record<string, unknown> | null {
  if (source === null || typeof source !== 'object') return null;
  const entity = source as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const key = selection.alias ?? selection.name;
      const value = entity[key];
      if (value === undefined) return null;
      const { selections: inner } = selection;
      result[key] = !inner
        ? value
        : Array.isArray(value)
          ? value.map((item) => project(schema, item, inner))
          : project(schema, value, inner);
    } else if (selection.typeCondition && isOfType(schema, entity, selection.typeCondition)) {
      deepMerge(result, project(schema, entity, selection.selections));
    }
  }
  return result;
}

function isOfType(schema: GraphQLSchema, entity: Record<string, unknown>, condition: string) {
  const typeName = entity.__typename;
  if (typeName === condition) return true;
  const conditionType = schema.getType(condition);
  const type = typeof typeName === 'string' ? schema.getType(typeName) : undefined;
  return (
    conditionType !== undefined &&
    isObjectType(type) &&
    isAbstractType(conditionType) &&
    schema.isSubType(conditionType, type)
  );
}

/** Merges `source` into `target`: objects and lists field by field, anything else replaced. */
function deepMerge(target: unknown, source: unknown): void {
  if (
    source === null ||
    typeof source !== 'object' ||
    target === null ||
    typeof target !== 'object'
  )
    return;
  const into = target as Record<string, unknown>;
  for (const [key, value] of Object.entries(source)) {
    const existing = into[key];
    if (
      existing !== null &&
      typeof existing === 'object' &&
      value !== null &&
      typeof value === 'object'
    )
      deepMerge(existing, value);
    else into[key] = value;
  }
}
