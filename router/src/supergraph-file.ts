import fs from 'node:fs';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from '@tradesage/shared';

/** How often the file is looked at (stat only; it is read when it changed). */
const POLL_MS = 1_000;

/**
 * The supergraph from a file, reloaded when the file changes: the gateway validates the new
 * supergraph and swaps it in between operations; one that fails to load is logged and the
 * current one stays. Polling (fs.watchFile) also sees files replaced by rename, as deploy tools
 * and Kubernetes ConfigMaps do.
 */
export function supergraphFromFile(path: string, log: Logger): SupergraphSdlHook {
  return async ({ update }) => {
    let current = fs.readFileSync(path, 'utf8');
    const onChange = (now: fs.Stats, before: fs.Stats) => {
      if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
      let next: string;
      try {
        next = fs.readFileSync(path, 'utf8');
      } catch (error) {
        log.error({ err: error, path }, 'supergraph file unreadable; keeping the current one');
        return;
      }
      if (next === current) return;
      try {
        update(next);
        current = next;
        log.info({ path }, 'supergraph reloaded');
      } catch (error) {
        log.error({ err: error, path }, 'supergraph rejected; keeping the current one');
      }
    };
    fs.watchFile(path, { interval: POLL_MS, persistent: false }, onChange);
    return {
      supergraphSdl: current,
      cleanup: async () => fs.unwatchFile(path, onChange),
    };
  };
}
