import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_KEYS, REPO_ROOT } from '@tradesage/shared';

/** docs/configuration.md is the reference operators read: it must name every setting. */
test('docs/configuration.md has a row for every setting the code reads', () => {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/configuration.md'), 'utf8');
  const documented = new Set(
    doc
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1])),
  );
  expect(CONFIG_KEYS.length).toBeGreaterThan(50);
  expect(CONFIG_KEYS.filter((key) => !documented.has(key))).toEqual([]);
  // And nothing documented that the code no longer reads.
  expect([...documented].filter((key) => !(CONFIG_KEYS as string[]).includes(key))).toEqual([]);
});
