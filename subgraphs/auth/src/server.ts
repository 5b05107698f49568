import path from 'node:path';
import { loadSdl, runSubgraphMain, type SubgraphDefinition } from '@tradesage/shared';
import { createServices, type AuthServices } from './data';
import { permissions } from './permissions';
import { resolvers } from './resolvers';

export const definition: SubgraphDefinition<AuthServices> = {
  name: 'auth',
  typeDefs: loadSdl(path.join(__dirname, 'schema.graphql')),
  resolvers,
  permissions,
  createServices,
};

if (require.main === module) runSubgraphMain(definition);
