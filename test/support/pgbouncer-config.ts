/** Readers of PgBouncer's configuration files, for the deployment tests. */

export type Ini = Record<string, Record<string, string>>;

/** PgBouncer's ini: [sections], `key = value`, comment lines; database names may be quoted. */
export function parseIni(text: string): Ini {
  const ini: Ini = {};
  let section: Record<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = ini[header[1]] ??= {};
      continue;
    }
    const pair = /^("(?:[^"]|"")+"|[^\s="]+)\s*=\s*(.*)$/.exec(line);
    if (!pair || !section) throw new Error(`not an ini line: ${line}`);
    const key = pair[1].startsWith('"') ? pair[1].slice(1, -1).replaceAll('""', '"') : pair[1];
    section[key] = pair[2];
  }
  return ini;
}

/** A [databases] entry's `host=… port=… dbname=…`. */
export const connectionParameters = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );

/** PgBouncer's auth_file: `"user" "password"` lines, `""` for a quote; `;` lines are comments. */
export function parseUserlist(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith(';')) continue;
    const entry = /^"((?:[^"]|"")*)"\s+"((?:[^"]|"")*)"/.exec(line);
    if (!entry) throw new Error(`not a userlist line: ${line}`);
    users.set(entry[1].replaceAll('""', '"'), entry[2].replaceAll('""', '"'));
  }
  return users;
}
