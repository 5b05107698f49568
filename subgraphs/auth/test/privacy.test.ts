import { randomUUID } from 'node:crypto';
import {
  isUuid,
  type Logger,
  type RequestContext,
  type TenantLocation,
  type TenantUser,
} from '@tradesage/shared';
import { PersonalData, pseudonymOf, type PersonalDataDeps } from '../src/privacy';

const KEY = 'a pseudonym key of at least 32 characters';

describe('pseudonymOf', () => {
  test('is a version 8 UUID, the same for the same user every time', () => {
    const tenantId = randomUUID();
    const userId = randomUUID();
    const pseudonym = pseudonymOf(KEY, tenantId, userId);
    expect(isUuid(pseudonym)).toBe(true);
    // Version 8 (custom), RFC variant: never taken for the random (version 4) ids users have.
    expect(pseudonym).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(pseudonymOf(KEY, tenantId, userId)).toBe(pseudonym);
  });

  test('differs with the user, the tenant and the key', () => {
    const tenantId = randomUUID();
    const userId = randomUUID();
    const pseudonym = pseudonymOf(KEY, tenantId, userId);
    expect(pseudonymOf(KEY, tenantId, randomUUID())).not.toBe(pseudonym);
    expect(pseudonymOf(KEY, randomUUID(), userId)).not.toBe(pseudonym);
    expect(pseudonymOf(`${KEY}!`, tenantId, userId)).not.toBe(pseudonym);
    expect(pseudonym).not.toContain(userId.slice(0, 8));
  });
});

describe('PersonalData.erase without PSEUDONYM_KEY', () => {
  test('refuses in production, saying what is missing, before anything changes', async () => {
    const warnings: string[] = [];
    const forTenant = jest.fn();
    const privacy = new PersonalData({
      config: { NODE_ENV: 'production', PSEUDONYM_KEY: undefined },
      log: { warn: (message: string) => warnings.push(message) } as unknown as Logger,
      clients: { forTenant } as unknown as PersonalDataDeps['clients'],
      platform: {
        activeTenant: async () => ({ selfErasure: false }) as TenantLocation,
      },
      streams: { append: jest.fn(), remove: jest.fn() },
      sessions: { revokeAllForUser: jest.fn() },
      audit: {} as PersonalDataDeps['audit'],
    });
    expect(warnings).toEqual([expect.stringContaining('PSEUDONYM_KEY')]);
    const caller = {
      kind: 'user',
      tenantId: randomUUID(),
      tenantSlug: 'acme',
      userId: randomUUID(),
      roles: ['OWNER'],
      sessionId: randomUUID(),
    } as unknown as TenantUser;
    await expect(privacy.erase({} as RequestContext, caller, randomUUID())).rejects.toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'PSEUDONYM_KEY_MISSING' },
    });
    expect(forTenant).not.toHaveBeenCalled();
  });
});
