/**
 * A fixed-window request counter per key (an API key, a client address). Per
 * process: with several replicas each enforces its own share. Windows are one minute.
 * Kept free of GraphQL imports so that plain HTTP routes can use it.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request; returns the seconds to wait when over the limit, else 0. */
  hit(key: string): number {
    const t = this.now();
    const start = t - (t % 60000);
    const w = this.windows.get(key);
    if (!w || w.start !== start) {
      if (this.windows.size > 10000) this.windows.clear();
      this.windows.set(key, { start, count: 1 });
      return 0;
    }
    w.count += 1;
    return w.count > this.perMinute ? Math.ceil((start + 60000 - t) / 1000) : 0;
  }
}
