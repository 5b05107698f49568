import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@tradesage/shared';

const SUBGRAPHS = ['auth', 'tenant', 'user', 'session'];

describe('codegen.ts', () => {
  test('the committed resolver types and client operation documents are what `npm run codegen` generates', () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-codegen-'));
    try {
      const bin = (name: string) => path.join(REPO_ROOT, 'node_modules', '.bin', name);
      execFileSync(bin('graphql-codegen'), ['--config', 'codegen.ts', '--silent'], {
        cwd: REPO_ROOT,
        env: { ...process.env, CODEGEN_OUT_DIR: outDir },
        stdio: 'pipe',
      });
      const outputs = [
        ...SUBGRAPHS.map((name) => `subgraphs/${name}/src/generated/resolvers.ts`),
        'schema/operations/generated.ts',
      ];
      for (const relative of outputs) {
        // Format with the repository's Prettier settings, as `npm run codegen` does.
        const fresh = execFileSync(bin('prettier'), ['--stdin-filepath', relative], {
          cwd: REPO_ROOT,
          input: fs.readFileSync(path.join(outDir, relative)),
        }).toString();
        expect({ relative, content: fresh }).toEqual({
          relative,
          content: fs.readFileSync(path.join(REPO_ROOT, relative), 'utf8'),
        });
      }
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });
});
