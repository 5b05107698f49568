import DataLoader from 'dataloader';

/** Loaders live with the request context object: one set per request, gone with it. */
const loadersByRequest = new WeakMap<object, Map<string, DataLoader<string, unknown>>>();

/**
 * A DataLoader for this request only, batched per `scope` (name it after the table and the
 * tenant, for example `profiles:<tenant id>`). Loaders are never shared between requests, so a
 * cached row can never be seen by another caller. `batch` returns a row (or null) per id, in any
 * order; `idOf` says which id a row belongs to.
 */
export function requestLoader<T>(
  ctx: object,
  scope: string,
  batch: (ids: readonly string[]) => Promise<T[]>,
  idOf: (row: T) => string,
): DataLoader<string, T | null> {
  let loaders = loadersByRequest.get(ctx);
  if (!loaders) {
    loaders = new Map();
    loadersByRequest.set(ctx, loaders);
  }
  let loader = loaders.get(scope) as DataLoader<string, T | null> | undefined;
  if (!loader) {
    loader = new DataLoader<string, T | null>(async (ids) => {
      const rows = await batch(ids);
      const byId = new Map(rows.map((row) => [idOf(row), row]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    loaders.set(scope, loader as DataLoader<string, unknown>);
  }
  return loader;
}
