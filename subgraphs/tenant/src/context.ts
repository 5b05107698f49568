import type { SubgraphContext } from '@tradesage/shared';
import type { TenantServices } from './data';

/** What every resolver of the tenant subgraph receives (used by the generated resolver types). */
export type Context = SubgraphContext<TenantServices>;
