import type { z } from 'zod';
import { badUserInput } from './errors';

/** Input checks at the edge: parses, or throws BAD_USER_INPUT naming the first problem and its field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw badUserInput(issue.message, { field: issue.path.join('.') || undefined });
}
