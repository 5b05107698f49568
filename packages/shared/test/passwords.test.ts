import { hashPassword, verifyPasswordOrDummy } from '../src';

describe('verifyPasswordOrDummy', () => {
  test('checks a real hash, and never accepts anything when there is no hash', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(await verifyPasswordOrDummy(hash, 'correct horse battery')).toBe(true);
    expect(await verifyPasswordOrDummy(hash, 'wrong horse battery')).toBe(false);
    for (const missing of [null, undefined, ''])
      expect(await verifyPasswordOrDummy(missing, 'correct horse battery')).toBe(false);
  });
});
