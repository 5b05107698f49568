import type { Config, DataPlatform, Logger } from '@tradesage/shared';
import type { PrismaClient } from '../../../prisma/tenant/generated/client';

/** What every part of the tenant service that works on the control plane is given. */
export interface ControlPlaneDeps {
  config: Config;
  log: Logger;
  platform: DataPlatform;
  /** The control-plane Prisma client (the tenant subgraph owns the control schema). */
  control: PrismaClient;
}
