import type { SubgraphContext } from '@tradesage/shared';
import type { UserServices } from './data';

/** What every resolver of the user subgraph receives (used by the generated resolver types). */
export type Context = SubgraphContext<UserServices>;
