import fs from 'node:fs';
import { RBAC_DOC, renderedDoc } from '../scripts/rbac-doc';

/** Table cells without prettier's padding, so only content is compared. */
const cells = (markdown: string) =>
  markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.replace(/\s+/g, '').replace(/-+/g, '-'));

describe('docs/rbac.md', () => {
  test('its role-permission table is the one in packages/shared/src/rbac.ts (run `npm run docs:rbac`)', () => {
    const committed = fs.readFileSync(RBAC_DOC, 'utf8');
    const table = cells(committed);
    expect(table.length).toBeGreaterThan(10);
    expect(table).toEqual(cells(renderedDoc(committed)));
  });
});
