import type { GraphQLSchema } from 'graphql';
import type { z } from 'zod';
import { badUserInput } from './errors';

/** Input checks at the edge: parses, or throws BAD_USER_INPUT naming the first problem and its field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw badUserInput(issue.message, { field: issue.path.join('.') || undefined });
}

/** Whether a value (an argument, or anything nested in one) holds a string with U+0000 in it. */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsNul);
  return false;
}

type Resolve = (parent: unknown, args: Record<string, unknown>, ...rest: unknown[]) => unknown;

/**
 * Postgres text (and jsonb) cannot hold U+0000: an argument with one would fail deep in a query
 * (an internal error) or in an event handler after the request succeeded. Every operation's
 * arguments are refused with BAD_USER_INPUT instead, before a resolver sees them.
 */
function refuseNul(
  resolve: Resolve,
  parent: unknown,
  args: Record<string, unknown>,
  ...rest: unknown[]
) {
  if (containsNul(args)) throw badUserInput('Text must not contain the NUL character (U+0000)');
  return resolve(parent, args, ...rest);
}

/** graphql-middleware for a schema's root query and mutation fields, where clients' arguments come in. */
export function nulArgumentGuard(schema: GraphQLSchema): Record<string, typeof refuseNul> {
  const roots = [schema.getQueryType(), schema.getMutationType()];
  return Object.fromEntries(roots.filter((type) => type).map((type) => [type!.name, refuseNul]));
}
