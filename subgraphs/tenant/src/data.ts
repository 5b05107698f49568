import type { SubgraphDeps } from '@tradesage/shared';
import { PrismaClient } from '../../../prisma/tenant/generated/client';

/** The tenant subgraph owns the control plane, so its one client is aimed at the control schema. */
export function createServices({ platform }: SubgraphDeps) {
  const control = platform.controlClient((adapter) => new PrismaClient({ adapter }));
  return {
    control,
    async tenantById(id: string) {
      return control.tenant.findUnique({ where: { id } });
    },
  };
}

export type TenantServices = ReturnType<typeof createServices>;
