import path from 'node:path';
import { loadSdl, runSubgraphMain, type SubgraphDefinition } from '@tradesage/shared';
import { createServices, type SessionServices } from './data';
import { permissions } from './permissions';
import { resolvers } from './resolvers';

export const definition: SubgraphDefinition<SessionServices> = {
  name: 'session',
  typeDefs: loadSdl(path.join(__dirname, 'schema.graphql')),
  resolvers,
  permissions,
  createServices,
};

if (require.main === module) runSubgraphMain(definition);
