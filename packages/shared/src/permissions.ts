import { GraphQLError, isObjectType, type GraphQLSchema } from 'graphql';
import { allow, deny, rule, shield, type IRules } from 'graphql-shield';
import type { RequestContext } from './auth/context';
import { AppError, forbidden, unauthenticated } from './errors';
import { rolesAllow } from './rbac';

export { allow, deny, and, or, not, chain } from 'graphql-shield';

/** Rules never cache across fields (`no_cache`): a decision is only as old as the field it guards. */
export const isAuthenticated = rule({ cache: 'no_cache' })(
  (_parent, _args, ctx: RequestContext) => ctx.principal.kind !== 'anonymous' || unauthenticated(),
);

export const isTenantMember = rule({ cache: 'no_cache' })((_parent, _args, ctx: RequestContext) => {
  if (ctx.principal.kind === 'anonymous') return unauthenticated();
  return ctx.principal.kind === 'user' || forbidden();
});

export const isOperator = rule({ cache: 'no_cache' })((_parent, _args, ctx: RequestContext) => {
  if (ctx.principal.kind === 'anonymous') return unauthenticated();
  return ctx.principal.kind === 'operator' || forbidden();
});

const permissionRules = new Map<string, ReturnType<ReturnType<typeof rule>>>();

/**
 * The caller's roles grant `permission` (see rbac.ts); operators hold only operator permissions.
 * One rule object per permission: graphql-shield refuses two different rules of one name.
 */
export function hasPermission(permission: string) {
  let permissionRule = permissionRules.get(permission);
  if (!permissionRule) {
    permissionRule = rule(`hasPermission:${permission}`, { cache: 'no_cache' })(
      (_parent, _args, ctx: RequestContext) => {
        if (ctx.principal.kind === 'anonymous') return unauthenticated();
        return rolesAllow(ctx.principal.roles, permission) || forbidden();
      },
    );
    permissionRules.set(permission, permissionRule);
  }
  return permissionRule;
}

/** The parent object is the caller themself (a User whose id is the token's subject). */
export const isSelf = rule({ cache: 'no_cache' })((
  parent: { id?: string },
  _args,
  ctx: RequestContext,
) => {
  if (ctx.principal.kind === 'anonymous') return unauthenticated();
  return (ctx.principal.kind === 'user' && parent?.id === ctx.principal.userId) || forbidden();
});

/** The parent object is the caller's own personal data (a data export: `tenantId`, `userId`). */
export const isDataSubject = rule({ cache: 'no_cache' })((
  parent: { tenantId?: string; userId?: string },
  _args,
  ctx: RequestContext,
) => {
  if (ctx.principal.kind === 'anonymous') return unauthenticated();
  return (
    (ctx.principal.kind === 'user' &&
      parent?.userId === ctx.principal.userId &&
      parent?.tenantId === ctx.principal.tenantId) ||
    forbidden()
  );
});

/** The parent object belongs to the caller's own tenant (it carries `tenantId`). */
export const sameTenant = rule({ cache: 'no_cache' })((
  parent: { tenantId?: string },
  _args,
  ctx: RequestContext,
) => {
  if (ctx.principal.kind === 'anonymous') return unauthenticated();
  return (
    (ctx.principal.kind === 'user' && parent?.tenantId === ctx.principal.tenantId) || forbidden()
  );
});

/** Rules per type: a rule for the whole type, or one per field. */
export type PermissionRules = Record<string, IRules | ReturnType<typeof rule>>;

/** graphql-shield's rule objects, as opposed to a map of field rules. */
function isRule(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'resolve' in value;
}

/**
 * Adds the federation fields the router needs (those the schema has: `_entities` exists only when
 * the subgraph defines entities). Entities are then guarded field by field.
 */
function withFederationFields(rules: PermissionRules, schema: GraphQLSchema): IRules {
  const queryFields = schema.getQueryType()?.getFields() ?? {};
  const federation: Record<string, unknown> = {};
  for (const field of ['_service', '_entities']) if (queryFields[field]) federation[field] = allow;
  const query = rules.Query;
  // A rule for the whole Query type becomes shield's per-type wildcard, beside the federation fields.
  const queryRules = isRule(query) ? { '*': query } : ((query as Record<string, unknown>) ?? {});
  return {
    ...rules,
    Query: { ...queryRules, ...federation },
    ...(schema.getType('_Service') ? { _Service: { sdl: allow } } : {}),
  } as IRules;
}

/**
 * Every `Type.field` of the schema's object types that no rule names (neither the type's own
 * rule nor a field rule), federation fields aside. Such fields are denied at run time by the
 * fallback rule; the test suite keeps this list empty so that none is added by accident.
 */
export function unguardedFields(rules: PermissionRules, schema: GraphQLSchema): string[] {
  const guarded = withFederationFields(rules, schema) as Record<string, unknown>;
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || type.name === '_Service') continue;
    const typeRules = guarded[type.name];
    if (isRule(typeRules)) continue;
    const fieldRules = (typeRules ?? {}) as Record<string, unknown>;
    if (fieldRules['*']) continue;
    for (const field of Object.keys(type.getFields()))
      if (!fieldRules[field]) missing.push(`${type.name}.${field}`);
  }
  return missing.sort();
}

/**
 * The shield for one subgraph: deny by default, with the federation fields allowed.
 * Errors a resolver throws on purpose (AppError) pass through; anything else becomes an
 * internal error, and a `false` rule becomes FORBIDDEN.
 */
export function buildPermissions(rules: PermissionRules, schema: GraphQLSchema) {
  return shield(withFederationFields(rules, schema), {
    fallbackRule: deny,
    allowExternalErrors: false,
    fallbackError: (error: unknown) => {
      if (error === null || error === undefined) return forbidden();
      if (error instanceof AppError) return error;
      if (error instanceof GraphQLError && error.extensions.code) return error;
      return new GraphQLError('Internal server error', {
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
        originalError: error as Error,
      });
    },
  });
}
