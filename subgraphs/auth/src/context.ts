import type { SubgraphContext } from '@tradesage/shared';
import type { AuthServices } from './data';

/** What every resolver of the auth subgraph receives (used by the generated resolver types). */
export type Context = SubgraphContext<AuthServices>;
