/**
 * Postgres identifiers for schemas and roles. Tenant schema names are derived from directory
 * ids, never from user input, and every raw SQL statement quotes them through quoteIdent.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function assertIdentifier(name: string): string {
  if (!IDENTIFIER.test(name))
    throw new Error(`Invalid Postgres identifier: ${JSON.stringify(name)}`);
  return name;
}

/** Double-quotes an identifier after checking it, so that it can never break out of a statement. */
export function quoteIdent(name: string): string {
  return `"${assertIdentifier(name).replace(/"/g, '""')}"`;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The schema that holds a tenant's data: `t_` and the tenant id without dashes. */
export function tenantSchemaName(tenantId: string): string {
  if (!isUuid(tenantId)) throw new Error('Tenant id must be a lower-case UUID');
  return `t_${tenantId.replace(/-/g, '')}`;
}

/** The database role of a tenant: it may use its own schema and nothing else. */
export function tenantRoleName(schemaName: string): string {
  return assertIdentifier(`${assertIdentifier(schemaName)}_rw`);
}

/** A checked identifier as a SQL string literal (for catalog lookups inside DO blocks). */
export function quoteLiteral(name: string): string {
  return `'${assertIdentifier(name)}'`;
}
