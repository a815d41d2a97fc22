/**
 * Waits for a condition, checking it every `everyMs`, for at most `ceilingMs` (generous: the
 * machine may be busy). The time is never the condition itself: it only bounds the wait.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: { ceilingMs: number; everyMs?: number; what: string },
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - started;
    if (Date.now() - started > options.ceilingMs) throw new Error(`gave up after ${Math.round(options.ceilingMs / 1000)} s waiting for ${options.what}`);
    await sleep(options.everyMs ?? 100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
