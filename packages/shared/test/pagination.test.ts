import { connection, decodeCursor, encodeCursor, pageSize } from '../src';

describe('cursor pagination', () => {
  test('a cursor carries its parts, and only cursors of the right shape decode', () => {
    expect(decodeCursor(encodeCursor(['2026-11-25T00:00:00.000Z', 'abc']), 2)).toEqual([
      '2026-11-25T00:00:00.000Z',
      'abc',
    ]);
    for (const bad of [
      '',
      'not base64 at all',
      encodeCursor(['one']),
      Buffer.from('[1,2]').toString('base64url'),
    ])
      expect(() => decodeCursor(bad, 2)).toThrow(
        expect.objectContaining({
          message: 'Invalid cursor',
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }),
        }),
      );
  });

  test('a connection shows a page and says whether the extra row was there', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const page = connection(rows, 2, (row) => [row.id]);
    expect(page.edges.map((edge) => edge.node.id)).toEqual(['a', 'b']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor(['b']) });
    expect(connection(rows.slice(0, 2), 2, (row) => [row.id]).pageInfo.hasNextPage).toBe(false);
    expect(connection([], 2, (row: { id: string }) => [row.id]).pageInfo).toEqual({
      hasNextPage: false,
      endCursor: null,
    });
  });

  test('page sizes stay between 1 and the maximum', () => {
    expect(pageSize(undefined, 20)).toBe(20);
    expect(pageSize(0, 20)).toBe(1);
    expect(pageSize(5000, 20, 200)).toBe(200);
  });
});
