import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import { operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { QueryPlan, QueryPlanner } from '@apollo/query-planner';
import type { DocumentNode, GraphQLSchema } from 'graphql';

/**
 * What the router needs of a running gateway: fields it keeps to itself, read at run time (the
 * gateway exposes no API for them). They follow the gateway's supergraph reloads.
 */
export interface GatewayInternals {
  /** The API schema, as graphql-js sees it. */
  schema?: GraphQLSchema;
  apiSchema?: Schema;
  supergraphSchema?: GraphQLSchema;
  queryPlanner?: QueryPlanner;
  serviceMap: Record<string, { url?: string; dataSource: GraphQLDataSource }>;
}

export function gatewayInternals(gateway: ApolloGateway): GatewayInternals {
  return gateway as unknown as GatewayInternals;
}

/** The gateway's query plan for one operation of a document (the planner caches nothing here). */
export function planOperation(
  planning: { apiSchema: Schema; queryPlanner: QueryPlanner },
  document: DocumentNode,
  operationName: string | null | undefined,
): QueryPlan {
  return planning.queryPlanner.buildQueryPlan(
    operationFromDocument(planning.apiSchema, document, {
      operationName: operationName ?? undefined,
    }),
  );
}
