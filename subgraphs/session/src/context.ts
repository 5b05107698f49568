import type { SubgraphContext } from '@tradesage/shared';
import type { SessionServices } from './data';

/** What every resolver of the session subgraph receives (used by the generated resolver types). */
export type Context = SubgraphContext<SessionServices>;
