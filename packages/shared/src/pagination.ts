import { badUserInput } from './errors';

/**
 * Cursor pagination, the same in every subgraph: opaque cursors that carry the sort key of the
 * last row seen, and connections built from one query that fetched a row more than the page.
 */
export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The parts of a cursor made by encodeCursor, or BAD_USER_INPUT on anything else. */
export function decodeCursor(cursor: string, arity: number): string[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (
      Array.isArray(parts) &&
      parts.length === arity &&
      // Postgres text cannot hold U+0000: such a part is no key of any row.
      parts.every((part) => typeof part === 'string' && !part.includes('\u0000'))
    )
      return parts as string[];
  } catch {
    // reported below
  }
  throw badUserInput('Invalid cursor', { field: 'after' });
}

/** A page size between 1 and `max`, whatever the client asked for. */
export function pageSize(first: number | null | undefined, fallback: number, max = 100): number {
  return Math.min(Math.max(first ?? fallback, 1), max);
}

/** Edges and pageInfo from rows fetched with `take: size + 1` (the extra row says there is more). */
export function connection<T>(rows: T[], size: number, cursorOf: (row: T) => readonly string[]) {
  const edges = rows.slice(0, size).map((node) => ({ cursor: encodeCursor(cursorOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
