import { Bulkhead, BatchWritesBusyError } from "../../src/database/bulkhead";

/** The bulkhead of batch writes (issue 11): turns in order, a bounded wait, a bounded queue. */
describe("Bulkhead", () => {
  it("gives `size` turns at once, then the next in the order they came when a turn is given back", async () => {
    const b = new Bulkhead({ size: 2, maxWaitMs: 60_000, maxQueue: 10 });
    const first = await b.acquire();
    const second = await b.acquire();
    expect([b.active, b.queued]).toEqual([2, 0]);
    const order: string[] = [];
    const third = b.acquire().then((release) => (order.push("third"), release));
    const fourth = b.acquire().then((release) => (order.push("fourth"), release));
    await Promise.resolve();
    expect([b.active, b.queued, order.length]).toEqual([2, 2, 0]);
    second();
    second(); // a second call gives nothing back twice
    const releaseThird = await third;
    expect(order).toEqual(["third"]);
    expect([b.active, b.queued]).toEqual([2, 1]);
    first();
    const releaseFourth = await fourth;
    expect(order).toEqual(["third", "fourth"]);
    releaseThird();
    releaseFourth();
    expect([b.active, b.queued]).toEqual([0, 0]);
  });

  it("refuses at once when `maxQueue` already wait, and after `maxWaitMs` of waiting, leaving the turns as they were", async () => {
    jest.useFakeTimers();
    try {
      const b = new Bulkhead({ size: 1, maxWaitMs: 5_000, maxQueue: 1 });
      const held = await b.acquire();
      const waiting = b.acquire();
      await expect(b.acquire()).rejects.toThrow(new BatchWritesBusyError("1 batches already wait"));
      jest.advanceTimersByTime(4_999);
      expect(b.queued).toBe(1);
      jest.advanceTimersByTime(1);
      await expect(waiting).rejects.toMatchObject({ extensions: { code: "SERVICE_UNAVAILABLE" }, message: expect.stringContaining("no turn within 5 s") });
      expect([b.active, b.queued]).toEqual([1, 0]);
      held();
      expect(b.active).toBe(0);
      (await b.acquire())();
    } finally {
      jest.useRealTimers();
    }
  });
});
