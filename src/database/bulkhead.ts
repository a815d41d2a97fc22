import { GraphQLError } from "graphql";
import { RETRY_AFTER_SECONDS } from "../common/errors";

/** A batch write waited too long for its turn, or the queue was full: retry later (HTTP 503, Retry-After). */
export class BatchWritesBusyError extends GraphQLError {
  constructor(reason: string) {
    super(`Too many batch writes are running (${reason}): nothing of this batch was written; retry in ${RETRY_AFTER_SECONDS} s with the same client keys`, {
      extensions: { code: "SERVICE_UNAVAILABLE" },
    });
  }
}

export interface BulkheadOptions {
  /** Batch writes that may hold a database connection at once. */
  size: number;
  /** Longest wait for a turn before the batch is answered SERVICE_UNAVAILABLE. */
  maxWaitMs: number;
  /** Batches that may wait; one more is answered SERVICE_UNAVAILABLE at once (each holds its parsed body). */
  maxQueue: number;
}

/**
 * A bulkhead for batch mutations (submitFeedback, recordSales, recordObservations): at most
 * `size` of them hold a connection at once, so that ingest can never take every connection
 * of the pool and reads keep flowing. The others wait their turn in order, for at most
 * `maxWaitMs`; beyond that, or when `maxQueue` already wait, they are refused with
 * SERVICE_UNAVAILABLE before anything was written (a field app retries with the same keys).
 */
export class Bulkhead {
  private running = 0;
  private readonly waiting: { grant: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(readonly options: BulkheadOptions) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Waits for a turn; the function returned gives it back (once; later calls do nothing). */
  async acquire(): Promise<() => void> {
    if (this.running < this.options.size && this.waiting.length === 0) {
      this.running++;
      return this.releaser();
    }
    if (this.waiting.length >= this.options.maxQueue) throw new BatchWritesBusyError(`${this.options.maxQueue} batches already wait`);
    await new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          clearTimeout(entry.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const at = this.waiting.indexOf(entry);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(new BatchWritesBusyError(`no turn within ${Math.round(this.options.maxWaitMs / 1000)} s`));
        }, this.options.maxWaitMs),
      };
      this.waiting.push(entry);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next)
        next.grant(); // the turn passes on: `running` stays the same
      else this.running--;
    };
  }
}
