import http from "node:http";
import { AddressInfo } from "node:net";
import { startTestApp, TestApp } from "../helpers/app";
import { Running, startServer, stopServer } from "../helpers/server";
import { ClientGone, stream, withCaller } from "../../src/web/request";
import { Route } from "../../src/web/routes";

/** Chunks of 64 KiB without end: the client can never have read it all. */
async function* endless(): AsyncGenerator<string> {
  const chunk = "x".repeat(64 * 1024);
  for (;;) yield chunk;
}

/** Opens `path`, lets the first bytes arrive, then stops reading; `abort` also closes the connection. */
function stallingClient(url: string, path: string, headers: Record<string, string>, abort: boolean): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: hostname, port, path, headers }, (res) => {
      res.once("data", () => {
        res.pause();
        if (abort) req.destroy();
        resolve();
      });
    });
    req.on("error", (error) => (abort ? undefined : reject(error)));
  });
}

async function until(done: () => boolean | Promise<boolean>, ms = 30000): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < ms; await new Promise((r) => setTimeout(r, 20))) if (await done()) return true;
  return done();
}

describe("streamed downloads and clients that go away", () => {
  it("stream() gives up with ClientGone when the client closes the connection, and when it stops reading", async () => {
    const outcomes: string[] = [];
    const server = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      stream(res, endless(), req.url === "/stall" ? 300 : 60_000).then(
        () => outcomes.push("finished"),
        (error) => {
          outcomes.push(error instanceof ClientGone ? `gone ${req.url}` : `error ${String(error)}`);
          res.destroy();
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await stallingClient(url, "/abort", {}, true);
      expect(await until(() => outcomes.includes("gone /abort"))).toBe(true);
      // Reads the first chunk, then nothing: dropped after the 300 ms allowed to a stalled client.
      await stallingClient(url, "/stall", {}, false);
      expect(await until(() => outcomes.includes("gone /stall"))).toBe(true);
      expect(outcomes).not.toContain("finished");
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  describe("through withCaller, with the request's transaction", () => {
    let app: TestApp;
    let running: Running;
    const download: Route = {
      method: "GET",
      path: "/test-download",
      handle: (req, res, rc) =>
        withCaller(rc, req, res, async (ctx) => {
          await ctx.requestDb.em.query(`SELECT count(*) FROM organizations`);
          res.writeHead(200, { "content-type": "text/plain" });
          await stream(res, endless());
        }),
    };

    beforeAll(async () => {
      app = await startTestApp();
      running = await startServer(app.db, { production: false, routes: [download], rateLimitPerMinute: 1000 });
    });
    afterAll(async () => {
      await stopServer(running);
      await app.close();
    });

    it("rolls back and gives the connection back when the client aborts: twice the pool's size of aborted downloads leave the API working", async () => {
      const auth = { authorization: `Bearer ${app.key}` };
      // The test database's pool has 5 connections.
      for (let i = 0; i < 10; i++) await stallingClient(running.url, "/test-download", auth, true);
      expect(await until(() => running.logged.filter((e) => e.msg === "client went away").length === 10)).toBe(true);
      const idle = async () =>
        Number((await app.db.query(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`))[0].count);
      expect(await until(async () => (await idle()) === 0)).toBe(true);
      // Every connection is back in the pool: none is held by an aborted download, nobody waits.
      const pool = (app.db.driver as unknown as { master: { totalCount: number; idleCount: number; waitingCount: number } }).master;
      expect(pool.waitingCount).toBe(0);
      expect(pool.idleCount).toBe(pool.totalCount);
      const res = await fetch(`${running.url}/graphql`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ query: "{ me { keyId } }" }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
      // The access log names the key that downloaded, as for GraphQL.
      const entries = running.logged.filter((e) => e.msg === "request" && e.path === "/test-download");
      expect(entries.length).toBe(10);
      for (const e of entries) expect(e.keyId).toEqual(expect.any(String));
    });

    it("counts downloads against the key's rate limit (429 with retry-after)", async () => {
      const limited = await startServer(app.db, { production: false, routes: [{ ...download, handle: (req, res, rc) => withCaller(rc, req, res, async () => void res.end("ok")) }], rateLimitPerMinute: 2, clock: () => Date.UTC(2026, 0, 1, 12, 0, 30) });
      try {
        const get = () => fetch(`${limited.url}/test-download`, { headers: { authorization: `Bearer ${app.key}` } });
        const statuses: number[] = [];
        // Two a minute, and the server's clock stands still inside one minute.
        let last = await get();
        while (last.status === 200 && statuses.length < 4) {
          statuses.push(200);
          last = await get();
        }
        expect(statuses.length).toBe(2);
        expect(last.status).toBe(429);
        expect(Number(last.headers.get("retry-after"))).toBe(30);
        expect(((await last.json()) as any).errors[0].extensions.code).toBe("RATE_LIMITED");
      } finally {
        await stopServer(limited);
      }
    });
  });
});
