import { AppError } from './errors';

export type TenantPlan = 'FREE' | 'PRO' | 'ENTERPRISE';

export interface TenantLimits {
  maxUsers: number;
  maxSessionsPerUser: number;
  requestsPerMinute: number;
  storageMb: number;
}

/** Each plan's default limits; a tenant's own non-null values override them. */
export const PLAN_LIMITS: Record<TenantPlan, TenantLimits> = {
  FREE: { maxUsers: 5, maxSessionsPerUser: 3, requestsPerMinute: 300, storageMb: 100 },
  PRO: { maxUsers: 100, maxSessionsPerUser: 10, requestsPerMinute: 3_000, storageMb: 10_000 },
  ENTERPRISE: {
    maxUsers: 10_000,
    maxSessionsPerUser: 50,
    requestsPerMinute: 30_000,
    storageMb: 500_000,
  },
};

export type LimitOverrides = { [K in keyof TenantLimits]?: number | null };

export function effectiveLimits(plan: TenantPlan, overrides: LimitOverrides = {}): TenantLimits {
  const defaults = PLAN_LIMITS[plan];
  return {
    maxUsers: overrides.maxUsers ?? defaults.maxUsers,
    maxSessionsPerUser: overrides.maxSessionsPerUser ?? defaults.maxSessionsPerUser,
    requestsPerMinute: overrides.requestsPerMinute ?? defaults.requestsPerMinute,
    storageMb: overrides.storageMb ?? defaults.storageMb,
  };
}

/**
 * The one way every service enforces a tenant limit: adding `adding` to `current` must stay
 * within `limit`, or the request fails with LIMIT_EXCEEDED naming the limit.
 */
export function enforceLimit(
  name: keyof TenantLimits,
  current: number,
  limits: TenantLimits,
  adding = 1,
): void {
  const limit = limits[name];
  if (current + adding > limit) {
    throw new AppError('LIMIT_EXCEEDED', `This tenant's ${name} limit (${limit}) is reached`, {
      limit: name,
      max: limit,
      current,
    });
  }
}
