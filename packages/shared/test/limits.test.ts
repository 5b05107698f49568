import { AppError, effectiveLimits, enforceLimit, PLAN_LIMITS } from '../src';

describe('tenant limits', () => {
  test('plan defaults apply unless the tenant has its own value', () => {
    expect(effectiveLimits('FREE')).toEqual(PLAN_LIMITS.FREE);
    expect(effectiveLimits('PRO', { maxUsers: 7, storageMb: null })).toEqual({
      ...PLAN_LIMITS.PRO,
      maxUsers: 7,
    });
  });

  test('enforceLimit allows up to the limit and refuses past it with LIMIT_EXCEEDED', () => {
    const limits = effectiveLimits('FREE', { maxUsers: 3 });
    expect(() => enforceLimit('maxUsers', 2, limits)).not.toThrow();
    let error: unknown;
    try {
      enforceLimit('maxUsers', 3, limits);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).extensions).toEqual({
      code: 'LIMIT_EXCEEDED',
      limit: 'maxUsers',
      max: 3,
      current: 3,
    });
    expect(() => enforceLimit('maxSessionsPerUser', 1, limits, 3)).toThrow(AppError);
  });
});
