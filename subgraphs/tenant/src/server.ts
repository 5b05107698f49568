import path from 'node:path';
import { loadSdl, runSubgraphMain, type SubgraphDefinition } from '@tradesage/shared';
import { createServices, type TenantServices } from './data';
import { permissions } from './permissions';
import { resolvers } from './resolvers';

export const definition: SubgraphDefinition<TenantServices> = {
  name: 'tenant',
  typeDefs: loadSdl(path.join(__dirname, 'schema.graphql')),
  resolvers,
  permissions,
  createServices,
};

if (require.main === module) runSubgraphMain(definition);
