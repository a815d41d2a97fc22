import http from "node:http";
import { DataSource } from "typeorm";
import { startTestApp, TestApp } from "../helpers/app";
import { createOrg, count, OrgFixture } from "../helpers/fixtures";
import { Running, startServer, stopServer } from "../helpers/server";
import { createDataSource } from "../../src/database/data-source";

/**
 * Issue 11: overload is answered, not crashed (HTTP 503 with a code and Retry-After), batch writes
 * wait for a turn of the bulkhead instead of taking every connection, and a graceful stop answers
 * every request it accepted. Nothing here depends on the clock: waits are for conditions (a lock
 * holder's blocked query, a response), with generous ceilings.
 */
describe("overload and graceful shutdown", () => {
  let app: TestApp;
  let org: OrgFixture;
  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Overload");
  });
  afterAll(() => app.close());

  const url = () => (app.db.options as { url: string }).url;
  /** A second DataSource over the test database with a pool of its own. */
  const pool = async (options: { poolMax: number; connectTimeoutMs: number; statementTimeoutMs: number }): Promise<DataSource> => {
    const db = createDataSource({ url: url(), ...options });
    await db.initialize();
    return db;
  };
  /** One HTTP request; `agent` keeps its connection alive for the next. */
  const request = (base: string, body: unknown, agent?: http.Agent) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; json: any }>((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = http.request(
        `${base}/graphql`,
        { method: "POST", agent, headers: { "content-type": "application/json", authorization: `Bearer ${app.key}`, "content-length": Buffer.byteLength(data) } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(text) }));
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  const countQuery = () => ({ query: `query($o: ID!) { stakeholders(organizationId: $o, first: 1) { totalCount } }`, variables: { o: org.id } });
  /** Waits until PostgreSQL shows a statement of this database waiting for a lock (the request is inside its query). */
  const blockedOnLock = async (db: DataSource) => {
    for (const started = Date.now(); Date.now() - started < 30_000; await new Promise((r) => setTimeout(r, 20))) {
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (n > 0) return;
    }
    throw new Error("no request waited for the lock");
  };

  it("answers a request that gets no connection in time with 503 SERVICE_UNAVAILABLE and Retry-After", async () => {
    const db = await pool({ poolMax: 1, connectTimeoutMs: 200, statementTimeoutMs: 30_000 });
    const server = await startServer(db, { production: false });
    const holder = db.createQueryRunner();
    try {
      await holder.connect(); // the pool's only connection
      const r = await request(server.url, countQuery());
      expect(r.status).toBe(503);
      expect(r.headers["retry-after"]).toBe("2");
      expect(r.json).toEqual({ errors: [{ message: "The service is busy or its database is briefly unavailable: retry in 2 s", extensions: { code: "SERVICE_UNAVAILABLE" } }] });
      await holder.release();
      const after = await request(server.url, countQuery());
      expect(after.status).toBe(200);
      expect(after.json.data.stakeholders.totalCount).toBe(0);
      expect(server.logged.filter((e) => e.msg === "unexpected error" || e.msg === "request failed")).toEqual([]);
    } finally {
      if (!holder.isReleased) await holder.release();
      await stopServer(server);
      await db.destroy();
    }
  });

  it("answers a statement timeout with 503 QUERY_TIMEOUT and Retry-After", async () => {
    const db = await pool({ poolMax: 3, connectTimeoutMs: 5_000, statementTimeoutMs: 300 });
    const server = await startServer(db, { production: false });
    const locker = app.db.createQueryRunner();
    try {
      await locker.connect();
      await locker.startTransaction();
      await locker.query("LOCK TABLE stakeholders IN ACCESS EXCLUSIVE MODE"); // the query below waits past its 300 ms
      const r = await request(server.url, countQuery());
      expect(r.status).toBe(503);
      expect(r.headers["retry-after"]).toBe("2");
      expect(r.json.errors).toEqual([
        {
          message: "The query ran longer than the time allowed and was stopped: ask for a shorter period, fewer groups or a smaller page, or retry later",
          locations: [{ line: 1, column: 18 }], // "query($o: ID!) { " is 17 characters
          path: ["stakeholders"],
          extensions: { code: "QUERY_TIMEOUT" },
        },
      ]);
    } finally {
      await locker.rollbackTransaction().catch(() => undefined);
      await locker.release();
      await stopServer(server);
      await db.destroy();
    }
  });

  it("lets one batch write at a time through its bulkhead: another waits its turn, or is refused 503 with nothing written", async () => {
    const server = await startServer(app.db, { production: false, batchWrites: { size: 1, maxWaitMs: 30_000, maxQueue: 1 } });
    const metric = (
      await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, {
        i: { organizationId: org.id, name: "Visits", category: "KPI", perspective: "ORGANIZATION", kind: "INPUT", unit: "COUNT", aggregation: "SUM" },
      })
    ).createMetric.id;
    const batch = (key: string) => ({
      query: `mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { created } }`,
      variables: { i: { organizationId: org.id, items: [{ clientKey: key, metricId: metric, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "1" }] } },
    });
    try {
      const turn = await server.app.batchWrites!.acquire(); // a batch writing elsewhere holds the only turn
      const waiting = request(server.url, batch("b-1"));
      for (const started = Date.now(); server.app.batchWrites!.queued === 0 && Date.now() - started < 30_000; ) await new Promise((r) => setTimeout(r, 10));
      expect(server.app.batchWrites!.queued).toBe(1);
      // The queue (1) is full: refused at once, before any statement.
      const refused = await request(server.url, batch("b-2"));
      expect(refused.status).toBe(503);
      expect(refused.headers["retry-after"]).toBe("2");
      expect(refused.json.errors[0].extensions).toEqual({ code: "SERVICE_UNAVAILABLE" });
      expect(refused.json.errors[0].message).toMatch(/^Too many batch writes are running \(1 batches already wait\): nothing of this batch was written; retry in 2 s/);
      // Reads are not batch writes: they pass while the batch waits.
      expect((await request(server.url, countQuery())).status).toBe(200);
      expect(await count(app, "observations")).toBe(0);
      turn();
      const stored = await waiting;
      expect(stored.status).toBe(200);
      expect(stored.json.data.recordObservations.created).toBe(1);
      expect(await count(app, "observations")).toBe(1);
      expect([server.app.batchWrites!.active, server.app.batchWrites!.queued]).toEqual([0, 0]);
    } finally {
      await stopServer(server);
    }
  });

  it("on stop, finishes the request in flight, answers a late request on a kept-alive connection 503 with Connection: close, and accepts no new connection", async () => {
    const server = await startServer(app.db, { production: false, shutdownGraceMs: 120_000 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const slowAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const locker = app.db.createQueryRunner();
    try {
      expect((await request(server.url, countQuery(), agent)).status).toBe(200); // the agent's connection stays open
      await locker.connect();
      await locker.startTransaction();
      await locker.query("LOCK TABLE stakeholders IN ACCESS EXCLUSIVE MODE");
      const slow = request(server.url, countQuery(), slowAgent);
      await blockedOnLock(app.db);
      const stopped = server.app.stop();
      const late = await request(server.url, countQuery(), agent);
      expect(late.status).toBe(503);
      expect(late.headers.connection).toBe("close");
      expect(late.headers["retry-after"]).toBe("2");
      expect(late.json.errors[0]).toEqual({ message: "The service is shutting down: retry in 2 s (on a new connection)", extensions: { code: "SERVICE_UNAVAILABLE" } });
      await expect(request(server.url, countQuery())).rejects.toMatchObject({ code: "ECONNREFUSED" });
      await locker.rollbackTransaction(); // the slow request can finish now
      const answered = await slow;
      expect(answered.status).toBe(200);
      expect(answered.headers.connection).toBe("close");
      expect(answered.json.data.stakeholders.totalCount).toBe(0);
      expect(await stopped).toEqual({ cut: 0 });
    } finally {
      if (locker.isTransactionActive) await locker.rollbackTransaction().catch(() => undefined);
      await locker.release();
      agent.destroy();
      slowAgent.destroy();
      await stopServer(server);
    }
  });

  it("cuts what is still running when the grace is over, and says how many", async () => {
    const server = await startServer(app.db, { production: false, shutdownGraceMs: 100 });
    const locker = app.db.createQueryRunner();
    try {
      await locker.connect();
      await locker.startTransaction();
      await locker.query("LOCK TABLE stakeholders IN ACCESS EXCLUSIVE MODE");
      const slow = request(server.url, countQuery()).catch((error: NodeJS.ErrnoException) => error.code);
      await blockedOnLock(app.db);
      expect(await server.app.stop()).toEqual({ cut: 1 });
      expect(await slow).toBe("ECONNRESET");
      expect(server.logged.find((e) => e.msg === "shutdown grace over: requests cut off")).toMatchObject({ level: "error", requests: 1, graceMs: 100 });
    } finally {
      await locker.rollbackTransaction().catch(() => undefined);
      await locker.release();
      await stopServer(server);
    }
  });
});
