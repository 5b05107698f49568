import { withRouter } from './support';

/** The token limit refuses an oversized document before it is parsed, coded, over plain HTTP. */
test('a document over MAX_TOKENS is refused with 400 BAD_USER_INPUT', async () => {
  await withRouter({ MAX_TOKENS: '50' }, async (url) => {
    const fields = Array.from({ length: 60 }, (_, i) => `f${i}: __typename`).join(' ');
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ ${fields} }` }),
    });
    const body = (await response.json()) as {
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(response.status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toMatch(/token/i);
  });
});
