/** A stack service's process, found in /proc, and its memory and file descriptors. */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The pid of the node process running `script` (e.g. `router/src/server.ts`) in process group
 * `group` (the stack's own group: it is started detached). The shell concurrently starts it
 * with, if any, is skipped: its argv[0] is not node.
 */
export function findServicePid(group: number, script: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== group) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (/(^|\/)node$/.test(argv[0]) && argv.some((arg) => arg.endsWith(script)))
        return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

export interface ProcessMemory {
  /** Resident set now, and its peak (high-water mark), in bytes. */
  rss: number;
  hwm: number;
  /** Open file descriptors, and the soft limit. */
  fds: number;
  fdLimit: number;
}

export function processMemory(pid: number): ProcessMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    return {
      rss: kib('VmRSS') * 1024,
      hwm: kib('VmHWM') * 1024,
      fds: readdirSync(`/proc/${pid}/fd`).length,
      fdLimit: Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? NaN),
    };
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MiB`;

/** CPU time (user + system) a process has used so far, in seconds (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the comm: state(0) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(11) stime(12).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds used per named process while `run` runs. */
export async function cpuDuring<T>(
  pids: Record<string, number>,
  run: () => Promise<T>,
): Promise<{ value: T; cpu: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuSeconds(pid)]));
  const value = await run();
  const cpu = Object.fromEntries(
    Object.entries(pids).map(([n, pid]) => [n, cpuSeconds(pid) - before[n]]),
  );
  return { value, cpu };
}
