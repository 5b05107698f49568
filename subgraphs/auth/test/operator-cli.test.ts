import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { REPO_ROOT, verifyPassword } from '@tradesage/shared';
import { createTestDatabase, type TestDatabase } from '@tradesage/shared/testing';

const run = promisify(execFile);
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('operator_cli');
});
afterAll(async () => {
  await db?.drop();
});

function operatorCreate(args: string[], env: Record<string, string> = {}) {
  return run(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/operator-create.ts'), ...args],
    { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...env } },
  );
}

describe('npm run operator:create', () => {
  test('creates an operator with the given password, hashed with argon2id, once per e-mail', async () => {
    const { stdout } = await operatorCreate(['--email', 'Ops@Example.test', '--name', 'Ops'], {
      OPERATOR_PASSWORD: 'a long operator password',
    });
    expect(stdout).toMatch(/Created operator ops@example\.test/);
    expect(stdout).not.toMatch(/Password/);
    const pool = new pg.Pool({ connectionString: db.url });
    try {
      const { rows } = await pool.query(
        'SELECT email, name, password_hash FROM control.platform_operators',
      );
      expect(rows).toEqual([
        {
          email: 'ops@example.test',
          name: 'Ops',
          password_hash: expect.stringMatching(/^\$argon2id\$/),
        },
      ]);
      expect(await verifyPassword(rows[0].password_hash, 'a long operator password')).toBe(true);
    } finally {
      await pool.end();
    }
    await expect(
      operatorCreate(['--email', 'ops@example.test', '--name', 'Again']),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('exists already'),
    });
  });

  test('without OPERATOR_PASSWORD a password is generated and shown once; a weak one is refused', async () => {
    const { stdout } = await operatorCreate(['--email', 'second@example.test', '--name', 'Second']);
    expect(stdout).toMatch(/Password \(shown once\): [A-Za-z0-9_-]{24}/);
    await expect(
      operatorCreate(['--email', 'weak@example.test', '--name', 'Weak'], {
        OPERATOR_PASSWORD: 'short',
      }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('at least 12 characters') });
    await expect(operatorCreate([])).rejects.toMatchObject({
      stderr: expect.stringContaining('Usage'),
    });
  });
});
