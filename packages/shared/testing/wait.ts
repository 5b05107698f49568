/**
 * Waiting in tests for something that happens asynchronously (an event over Redis, a reload).
 * The time limits only stop a broken test from hanging; nothing asserts how long it took.
 */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Resolves once `condition` holds; fails naming `what` when it never does. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what = 'condition',
  { timeoutMs = 15_000, intervalMs = 20 }: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not reached: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Reads until `accept` takes the value, or time is up; returns the last value read to assert on. */
export async function settled<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 15_000, intervalMs = 20 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
