/**
 * The stack's output during a load run. The services log a line per request (production, info),
 * hundreds of thousands in a run, which the e2e stack would keep in one string: instead, only
 * warnings and worse (pino level ≥ 40) and lines that are not JSON (a crash's stack trace, the
 * process manager's messages) are looked at, counted by service, level and message, each with the
 * first line that said it, so that one rare line is not drowned by ten thousand of another.
 */
import type { Stack } from '../../e2e/support/stack';

const MAX_KINDS = 200;

export interface LogKind {
  /** `[service] level message` (or the start of a line that is not JSON). */
  kind: string;
  count: number;
  first: string;
  /** Order of first appearance. */
  order: number;
}

export interface StackLog {
  /** Every line the stack printed. */
  lines(): number;
  /** Kinds of warnings, errors and non-JSON lines, in order of first appearance. */
  notable(): LogKind[];
}

const LEVELS: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };

function kindOf(line: string): string | undefined {
  const service = /^\[(\w+)\]\s*/.exec(line);
  const prefix = service ? `[${service[1]}] ` : '';
  const rest = service ? line.slice(service[0].length) : line;
  if (rest.trim() === '') return undefined;
  if (rest.startsWith('{')) {
    try {
      const entry = JSON.parse(rest) as { level?: number; msg?: string };
      if ((entry.level ?? 0) < 40) return undefined;
      return `${prefix}${LEVELS[entry.level!] ?? entry.level} ${entry.msg ?? ''}`;
    } catch {
      // Not a whole JSON line: kept as text below.
    }
  }
  return `${prefix}${rest.trim().slice(0, 120)}`;
}

export function followStackLog(stack: Stack): StackLog {
  const kinds = new Map<string, LogKind>();
  let lines = 0;
  let partial = '';
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines++;
      // Request logs (level 30) are most lines: skipped before any parsing.
      if (line.includes('"level":30') || line.includes('"level":20')) continue;
      const kind = kindOf(line);
      if (kind === undefined) continue;
      const known = kinds.get(kind);
      if (known) known.count++;
      else if (kinds.size < MAX_KINDS)
        kinds.set(kind, { kind, count: 1, first: line.slice(0, 2_000), order: kinds.size });
    }
  };
  for (const stream of [stack.process.stdout!, stack.process.stderr!]) {
    stream.removeAllListeners('data');
    stream.on('data', onData);
  }
  return { lines: () => lines, notable: () => [...kinds.values()] };
}
