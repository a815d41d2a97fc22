import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { DataSource } from "typeorm";
import { Running, startServer, stopServer } from "../helpers/server";
import { startTestApp, TestApp } from "../helpers/app";
import { ServerOptions } from "../../src/server";
import { createDataSource, openDatabase } from "../../src/database/data-source";
import { healthRoutes, expectedMigrationNames } from "../../src/web/health";
import { Metrics, metricsRoutes } from "../../src/web/metrics";
import { Route } from "../../src/web/routes";
import { keyParts, withOtherSecret } from "../helpers/keys";

/**
 * Health and readiness (including a database outage), Prometheus metrics, and the
 * JSON access log, over the real HTTP server.
 */


function start(db: DataSource, options: Partial<ServerOptions> = {}): Promise<Running> {
  return startServer(db, { production: false, ...options });
}

const stop = stopServer;

/** Waits until `done()` holds (polling every 10 ms, at most 30 s): no fixed sleep that a busy machine outruns. */
async function until(done: () => boolean): Promise<void> {
  for (const started = Date.now(); !done() && Date.now() - started < 30000; ) await new Promise((r) => setTimeout(r, 10));
}

function adminUrl(): string {
  return process.env.TEST_PG_ADMIN_URL!;
}

function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(run: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

async function gql(server: Running, query: string, options: { key?: string | null; variables?: Record<string, unknown>; operationName?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json", ...(options.headers ?? {}) };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables: options.variables, operationName: options.operationName }),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as any };
}

async function getJson(url: string, headers: Record<string, string> = {}) {
  const started = Date.now();
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text), ms: Date.now() - started };
}

/** The value of one sample in a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found[pair[1]] = pair[2];
    const keys = Object.keys(labels);
    if (keys.length !== Object.keys(found).length) continue;
    if (keys.every((k) => found[k] === labels[k])) return Number(m[3]);
  }
  return undefined;
}

describe("health, readiness, metrics and access log over HTTP", () => {
  let test: TestApp;
  let metrics: Metrics;
  let server: Running;

  beforeAll(async () => {
    test = await startTestApp();
    metrics = new Metrics();
    server = await start(test.db, { metrics, routes: [...healthRoutes(), ...metricsRoutes(metrics)] });
  });

  afterAll(async () => {
    await stop(server);
    await test?.close();
  });

  describe("/healthz and /readyz", () => {
    it("answers /healthz 200 {status: ok} without a key", async () => {
      const r = await getJson(`${server.url}/healthz`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toMatch(/application\/json/);
      expect(r.json).toEqual({ status: "ok" });
    });

    it("answers /readyz 200 {status: ready} when the database answers and every migration is applied", async () => {
      expect(expectedMigrationNames().length).toBeGreaterThanOrEqual(5);
      const r = await getJson(`${server.url}/readyz`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ status: "ready" });
    });

    it("answers /readyz 503 migrations pending on a database without the migrations, /healthz still 200", async () => {
      const name = `t_nomig_${randomBytes(5).toString("hex")}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      const db = createDataSource({ url: databaseUrl(name), poolMax: 2, connectTimeoutMs: 5000, statementTimeoutMs: 30000 });
      await db.initialize();
      const bare = await start(db, { routes: healthRoutes() });
      try {
        const r = await getJson(`${bare.url}/readyz`);
        expect(r.status).toBe(503);
        expect(r.json).toEqual({ status: "not ready", reason: "migrations pending" });
        // Half migrated: the table is there, the last migrations are not.
        await db.query(`CREATE TABLE schema_migrations (id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL)`);
        await db.query(`INSERT INTO schema_migrations ("timestamp", name) VALUES (1732300000000, $1)`, [expectedMigrationNames()[0]]);
        const half = await getJson(`${bare.url}/readyz`);
        expect(half.status).toBe(503);
        expect(half.json).toEqual({ status: "not ready", reason: "migrations pending" });
        expect((await getJson(`${bare.url}/healthz`)).status).toBe(200);
        const warned = bare.logged.find((e) => e.msg === "not ready");
        expect(warned).toMatchObject({ level: "warn", reason: "migrations pending", requestId: expect.any(String) });
      } finally {
        await stop(bare);
        await db.destroy();
        await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      }
    });

    it("answers /healthz 503 unhealthy while its liveness says the process can't recover on its own, and 200 again after", async () => {
      let down = false;
      const watched = await start(test.db, { routes: healthRoutes({ liveness: () => (down ? { healthy: false, reason: "database down" } : { healthy: true }) }) });
      try {
        expect((await getJson(`${watched.url}/healthz`)).json).toEqual({ status: "ok" });
        down = true;
        const sick = await getJson(`${watched.url}/healthz`);
        expect(sick.status).toBe(503);
        expect(sick.json).toEqual({ status: "unhealthy", reason: "database down" });
        expect(watched.logged.filter((e) => e.msg === "unhealthy")).toEqual([expect.objectContaining({ level: "error", reason: "database down" })]);
        down = false;
        expect((await getJson(`${watched.url}/healthz`)).status).toBe(200);
      } finally {
        await stop(watched);
      }
    });

    it("answers /readyz 200 while every connection of the requests' pool is taken: it checks on its own connection", async () => {
      const name = `t_busy_${randomBytes(5).toString("hex")}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      // The pool would wait two minutes for a connection, longer than the test may run: an answer at all
      // shows /readyz did not queue behind the requests, with no wall-clock assertion a busy machine could break.
      const db = await openDatabase({ url: databaseUrl(name), poolMax: 1, connectTimeoutMs: 120000, statementTimeoutMs: 30000 });
      const busy = await start(db, { routes: healthRoutes({ timeoutMs: 300 }) });
      const holder = db.createQueryRunner();
      try {
        await holder.connect(); // the pool's only connection is taken
        const r = await getJson(`${busy.url}/readyz`);
        expect(r.status).toBe(200);
        expect(r.json).toEqual({ status: "ready" });
      } finally {
        if (!holder.isReleased) await holder.release();
        await stop(busy);
        await db.destroy();
        await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      }
    });

    it("answers /readyz 503 database timeout when the database does not answer within the time limit", async () => {
      const name = `t_slow_${randomBytes(5).toString("hex")}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      const db = await openDatabase({ url: databaseUrl(name), poolMax: 2, connectTimeoutMs: 120000, statementTimeoutMs: 30000 });
      const slow = await start(db, { routes: healthRoutes({ timeoutMs: 300 }) });
      const locker = db.createQueryRunner();
      try {
        expect((await getJson(`${slow.url}/readyz`)).status).toBe(200);
        // The check's read of schema_migrations waits for this lock past its 300 ms.
        await locker.connect();
        await locker.startTransaction();
        await locker.query("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE");
        const r = await getJson(`${slow.url}/readyz`);
        expect(r.status).toBe(503);
        expect(r.json).toEqual({ status: "not ready", reason: "database timeout" });
        await locker.rollbackTransaction();
        // The probe's statement was stopped by its own statement_timeout: its connection serves the next check.
        expect((await getJson(`${slow.url}/readyz`)).status).toBe(200);
      } finally {
        if (locker.isTransactionActive) await locker.rollbackTransaction().catch(() => undefined);
        await locker.release();
        await stop(slow);
        await db.destroy();
        await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      }
    });

    it("answers /readyz 503 quickly during a database outage while /healthz stays 200, and 200 again after", async () => {
      const name = `t_outage_${randomBytes(5).toString("hex")}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      const poolErrors: string[] = [];
      const db = await openDatabase({
        url: databaseUrl(name),
        poolMax: 3,
        connectTimeoutMs: 120000, // longer than the test may run: an answer shows /readyz did not wait on the pool
        statementTimeoutMs: 30000,
        onPoolError: (e) => poolErrors.push(e.message),
      });
      const outage = await start(db, { routes: healthRoutes() });
      try {
        const before = await getJson(`${outage.url}/readyz`);
        expect(before.status).toBe(200);
        expect(before.json).toEqual({ status: "ready" });

        // The outage: no new connection (CONNECTION LIMIT does not stop superusers, ALLOW_CONNECTIONS does), existing ones killed.
        await admin(async (c) => {
          await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false CONNECTION LIMIT 0`);
          await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
        });

        for (let i = 0; i < 3; i++) {
          const down = await getJson(`${outage.url}/readyz`);
          expect(down.status).toBe(503);
          expect(down.json).toEqual({ status: "not ready", reason: expect.stringMatching(/^database (unavailable|timeout)$/) });
          expect(Object.keys(down.json).sort()).toEqual(["reason", "status"]);
          expect(down.text).not.toMatch(/accepting|terminat|postgres|ECONN|SELECT|\/work\//i);
          const health = await getJson(`${outage.url}/healthz`);
          expect(health.status).toBe(200);
          expect(health.json).toEqual({ status: "ok" });
        }
        const warned = outage.logged.filter((e) => e.msg === "not ready");
        expect(warned.length).toBeGreaterThanOrEqual(3);
        expect(warned[0]).toMatchObject({ level: "warn", requestId: expect.any(String), detail: expect.any(String) });
        expect(outage.logged.filter((e) => e.msg === "request" && e.path === "/readyz" && e.status === 503).length).toBeGreaterThanOrEqual(3);

        await admin((c) => c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true CONNECTION LIMIT -1`));
        let after = await getJson(`${outage.url}/readyz`);
        for (let i = 0; i < 100 && after.status !== 200; i++) {
          await new Promise((r) => setTimeout(r, 200));
          after = await getJson(`${outage.url}/readyz`);
        }
        expect(after.status).toBe(200);
        expect(after.json).toEqual({ status: "ready" });
      } finally {
        await admin((c) => c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true CONNECTION LIMIT -1`)).catch(() => undefined);
        await stop(outage);
        await db.destroy().catch(() => undefined);
        await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      }
    });
  });

  describe("/metrics", () => {
    it("counts GraphQL operations per name and type, errors per code, HTTP requests per route and status, and the pool", async () => {
      for (let i = 0; i < 2; i++) {
        const r = await gql(server, `query Me { me { keyId } }`, { key: test.key });
        expect(r.status).toBe(200);
        expect(r.json.errors).toBeUndefined();
      }
      expect((await gql(server, `{ me { keyId } }`, { key: test.key })).json.errors).toBeUndefined();
      const created = await gql(server, `mutation CreateOrg($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`, {
        key: test.key,
        variables: { input: { name: "Metrics Org", currency: "USD", impactModel: "HYBRID" } },
      });
      expect(created.json.errors).toBeUndefined();
      const broken = await gql(server, `query Broken { me { nope } }`, { key: test.key });
      expect(broken.status).toBe(400);
      expect(broken.json.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
      const anonymous = await gql(server, `query Me { me { keyId } }`, { key: null });
      expect(anonymous.status).toBe(401);

      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();

      expect(sample(text, "graphql_requests_total", { operation: "Me", type: "query" })).toBe(2);
      expect(sample(text, "graphql_requests_total", { operation: "anonymous", type: "query" })).toBe(1);
      expect(sample(text, "graphql_requests_total", { operation: "CreateOrg", type: "mutation" })).toBe(1);
      expect(sample(text, "graphql_requests_total", { operation: "Broken", type: "query" })).toBe(1);
      expect(sample(text, "graphql_request_duration_seconds_count", { operation: "Me" })).toBe(2);
      expect(sample(text, "graphql_request_duration_seconds_bucket", { operation: "Me", le: "+Inf" })).toBe(2);
      expect(sample(text, "graphql_request_duration_seconds_sum", { operation: "Me" })).toBeGreaterThan(0);
      expect(sample(text, "graphql_errors_total", { code: "GRAPHQL_VALIDATION_FAILED" })).toBe(1);
      expect(sample(text, "graphql_errors_total", { code: "UNAUTHENTICATED" })).toBe(1);
      expect(sample(text, "http_requests_total", { route: "/graphql", status: "200" })).toBeGreaterThanOrEqual(3);
      expect(sample(text, "http_requests_total", { route: "/graphql", status: "400" })).toBe(1);
      expect(sample(text, "http_requests_total", { route: "/graphql", status: "401" })).toBe(1);
      expect(sample(text, "http_requests_total", { route: "/readyz", status: "200" })).toBeGreaterThanOrEqual(1);
      for (const gauge of ["db_pool_total", "db_pool_idle", "db_pool_waiting"]) {
        expect(text).toMatch(new RegExp(`^# TYPE ${gauge} gauge$`, "m"));
        const value = sample(text, gauge);
        expect(typeof value).toBe("number");
        expect(value).toBeGreaterThanOrEqual(0);
      }
      expect(sample(text, "db_pool_total")).toBeGreaterThanOrEqual(1);
      expect(sample(text, "db_pool_total")).toBeLessThanOrEqual(5);
      expect(sample(text, "db_pool_waiting")).toBe(0);
      // No key, no variables in the metrics.
      expect(text).not.toContain(test.key);
      expect(text).not.toContain("Metrics Org");

      const again = await (await fetch(`${server.url}/metrics`)).text();
      expect(sample(again, "http_requests_total", { route: "/metrics", status: "200" })).toBe(1);
      await fetch(`${server.url}/nope`);
      const third = await (await fetch(`${server.url}/metrics`)).text();
      expect(sample(third, "http_requests_total", { route: "unmatched", status: "404" })).toBe(1);
    });

    it("counts errors that Apollo's pipeline never sees (rate limit, invalid JSON)", async () => {
      const own = new Metrics();
      const limited = await start(test.db, { metrics: own, rateLimitPerMinute: 1, clock: () => Date.UTC(2026, 0, 1, 12, 0, 30), routes: metricsRoutes(own) });
      try {
        await gql(limited, `{ me { keyId } }`, { key: test.key });
        const second = await gql(limited, `{ me { keyId } }`, { key: test.key });
        expect(second.status).toBe(429);
        const bad = await fetch(`${limited.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: "{ nope" });
        expect(bad.status).toBe(400);
        const text = await (await fetch(`${limited.url}/metrics`)).text();
        expect(sample(text, "graphql_errors_total", { code: "RATE_LIMITED" })).toBe(1);
        expect(sample(text, "graphql_errors_total", { code: "BAD_REQUEST" })).toBe(1);
        expect(sample(text, "http_requests_total", { route: "/graphql", status: "429" })).toBe(1);
      } finally {
        await stop(limited);
      }
    });

    it("caps the operation names a client can add as labels", () => {
      const m = new Metrics({ maxOperations: 2 });
      expect(m.operationLabel("A")).toBe("A");
      expect(m.operationLabel("B")).toBe("B");
      expect(m.operationLabel("C")).toBe("other");
      expect(m.operationLabel("A")).toBe("A");
      expect(m.operationLabel(undefined)).toBe("anonymous");
      expect(m.operationLabel('x"} 1\nevil')).toBe("other");
      expect(m.codeLabel("lower case")).toBe("UNKNOWN");
    });

    it("requires Authorization: Bearer <METRICS_TOKEN> when a token is configured", async () => {
      const token = randomBytes(24).toString("base64url");
      const own = new Metrics();
      const guarded = await start(test.db, { metrics: own, routes: metricsRoutes(own, { token }) });
      try {
        const none = await fetch(`${guarded.url}/metrics`);
        expect(none.status).toBe(401);
        expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
        expect(((await none.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
        const wrong = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}x` } });
        expect(wrong.status).toBe(401);
        // An API key is not the metrics token.
        expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${test.key}` } })).status).toBe(401);
        const right = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
        expect(right.status).toBe(200);
        expect(await right.text()).toMatch(/^# HELP http_requests_total/m);
      } finally {
        await stop(guarded);
      }
    });

    it("is not served when the metrics routes are not given (METRICS_ENABLED=false)", async () => {
      const plain = await start(test.db, { routes: healthRoutes() });
      try {
        expect((await fetch(`${plain.url}/metrics`)).status).toBe(404);
      } finally {
        await stop(plain);
      }
    });
  });

  describe("access log", () => {
    it("writes one JSON entry per request with its request id, never the key, variables or the body", async () => {
      const secret = `SECRET-${randomBytes(6).toString("hex")}`;
      const logged = server.logged;
      logged.length = 0;

      const named = await gql(server, `query Named { me { keyId } organizations(first: 1) { totalCount } }`, {
        key: test.key,
        variables: { q: secret },
        headers: { "x-request-id": "trace-abc.123" },
      });
      expect(named.status).toBe(200);
      expect(named.headers.get("x-request-id")).toBe("trace-abc.123");
      const keyId = named.json.data.me.keyId;

      const invalidId = "not valid! " + "x".repeat(200);
      const anon = await fetch(`${server.url}/graphql?query=${encodeURIComponent(`{ me { keyId } }`)}&variables=${encodeURIComponent(JSON.stringify({ q: secret }))}`, {
        headers: { authorization: `Bearer ${test.key}`, "apollo-require-preflight": "true", "x-request-id": invalidId },
      });
      expect(anon.status).toBe(200);
      const generatedId = anon.headers.get("x-request-id")!;
      expect(generatedId).toMatch(/^[0-9a-f-]{36}$/);

      const refused = await gql(server, `query Refused { me { keyId } }`, { key: withOtherSecret(test.key), variables: { q: secret }, operationName: "Refused" });
      expect(refused.status).toBe(401);
      const health = await fetch(`${server.url}/healthz?probe=${secret}`);
      expect(health.status).toBe(200);

      // The access-log entry is written on the response's "close", after the client has read it.
      await until(() => logged.filter((e) => e.msg === "request").length >= 4);
      const requests = logged.filter((e) => e.msg === "request");
      expect(requests).toHaveLength(4);
      for (const entry of requests) {
        expect(entry).toEqual(
          expect.objectContaining({ time: expect.any(String), level: "info", msg: "request", requestId: expect.any(String), method: expect.any(String), path: expect.any(String) }),
        );
        expect(new Date(entry.time as string).toISOString()).toBe(entry.time);
        expect(typeof entry.status).toBe("number");
        expect(typeof entry.durationMs).toBe("number");
        expect(entry.durationMs as number).toBeGreaterThanOrEqual(0);
        expect(entry).not.toHaveProperty("variables");
        expect(entry).not.toHaveProperty("query");
        expect(entry).not.toHaveProperty("body");
        expect(entry).not.toHaveProperty("authorization");
      }
      const [first, second, third, fourth] = requests;
      expect(first).toMatchObject({ requestId: "trace-abc.123", method: "POST", path: "/graphql", status: 200, operationName: "Named", keyId });
      expect(second).toMatchObject({ requestId: generatedId, method: "GET", path: "/graphql", status: 200, operationName: "anonymous", keyId });
      expect(third).toMatchObject({ method: "POST", path: "/graphql", status: 401, operationName: "Refused" });
      expect(third).not.toHaveProperty("keyId");
      expect(fourth).toMatchObject({ method: "GET", path: "/healthz", status: 200 });
      expect(fourth).not.toHaveProperty("operationName");

      const everything = JSON.stringify(logged);
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(test.key);
      expect(everything).not.toContain(keyParts(test.key).secret); // not even the secret part of the key
      expect(everything).not.toMatch(/"variables"/);
      expect(everything).not.toContain("Bearer");
    });

    it("adds the request id to error logs written while a request runs", async () => {
      const failing: Route[] = [
        {
          method: "GET",
          path: "/test-log",
          handle(_req, res, ctx) {
            ctx.log({ level: "error", msg: "something went wrong in a route" });
            res.writeHead(204);
            res.end();
          },
        },
        {
          method: "GET",
          path: "/test-throw",
          handle() {
            throw new Error("route exploded");
          },
        },
      ];
      const own = await start(test.db, { routes: failing });
      try {
        const a = await fetch(`${own.url}/test-log`, { headers: { "x-request-id": "req-log-1" } });
        expect(a.status).toBe(204);
        const b = await fetch(`${own.url}/test-throw`, { headers: { "x-request-id": "req-throw-1" } });
        expect(b.status).toBe(500);
        expect(await b.text()).not.toContain("exploded");
        await until(() => own.logged.some((e) => e.msg === "request" && e.requestId === "req-throw-1"));
        expect(own.logged).toContainEqual(expect.objectContaining({ level: "error", msg: "something went wrong in a route", requestId: "req-log-1" }));
        expect(own.logged).toContainEqual(expect.objectContaining({ level: "error", msg: "request failed", requestId: "req-throw-1" }));
        expect(own.logged).toContainEqual(expect.objectContaining({ level: "warn", msg: "request", requestId: "req-throw-1", status: 500, path: "/test-throw" }));
      } finally {
        await stop(own);
      }
    });
  });
});
