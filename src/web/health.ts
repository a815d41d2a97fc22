import { DataSource } from "typeorm";
import { Pool } from "pg";
import { migrations } from "../../migrations";
import { Route, sendJson } from "./routes";

/** The names TypeORM records in schema_migrations for every migration the code knows. */
export function expectedMigrationNames(): string[] {
  return migrations.map((M) => {
    const instance = new M() as { name?: string };
    return instance.name ?? M.name;
  });
}

export type Readiness =
  | { ready: true }
  | { ready: false; reason: "database unavailable" | "database timeout" | "migrations pending"; /** For the log only, never the response. */ detail?: string };

class Timeout extends Error {}

/**
 * The readiness check's own connection (a pool of one per DataSource), outside the pool that
 * requests wait on: a busy replica whose pool is taken is still ready, and a probe never queues
 * behind requests. Its statements stop at the check's time limit. It holds no process open.
 */
const probes = new WeakMap<DataSource, Pool>();
function probeFor(db: DataSource, timeoutMs: number): Pool | null {
  const url = (db.options as { url?: string }).url;
  if (!url) return null;
  let probe = probes.get(db);
  if (!probe) {
    probe = new Pool({
      connectionString: url,
      max: 1,
      connectionTimeoutMillis: timeoutMs,
      idleTimeoutMillis: 0,
      allowExitOnIdle: true,
      application_name: "double-bottom-line-readiness",
      options: `-c statement_timeout=${timeoutMs}`,
    });
    probe.on("error", () => undefined); // its idle connection was lost (a restart): the next check connects again
    probes.set(db, probe);
  }
  return probe;
}

/**
 * Ready when the database answers `SELECT 1` and every migration is recorded in
 * schema_migrations, all within `timeoutMs`, on the probe's own connection. Never throws;
 * the reason names no internals.
 */
export async function checkReadiness(db: DataSource, expected: string[], timeoutMs: number): Promise<Readiness> {
  if (!db.isInitialized) return { ready: false, reason: "database unavailable" };
  const probe = probeFor(db, timeoutMs);
  const query = async <T>(sql: string): Promise<T[]> => (probe ? (await probe.query(sql)).rows : await db.query(sql));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), timeoutMs);
  });
  const check = (async (): Promise<Readiness> => {
    await query("SELECT 1");
    const [{ exists }] = await query<{ exists: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS "exists"`);
    if (!exists) return { ready: false, reason: "migrations pending", detail: "no schema_migrations table" };
    const rows = await query<{ name: string }>(`SELECT name FROM schema_migrations`);
    const applied = new Set(rows.map((r) => r.name));
    const missing = expected.filter((name) => !applied.has(name));
    return missing.length === 0 ? { ready: true } : { ready: false, reason: "migrations pending", detail: `not applied: ${missing.join(", ")}` };
  })();
  // The check may still fail after the deadline (a connection attempt that gives up later): nobody waits for it then.
  check.catch(() => undefined);
  try {
    return await Promise.race([check, deadline]);
  } catch (error) {
    if (error instanceof Timeout) return { ready: false, reason: "database timeout", detail: `no answer within ${timeoutMs} ms` };
    return { ready: false, reason: "database unavailable", detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the process can still serve on its own; an unhealthy answer asks a supervisor to restart it. */
export type Liveness = () => { healthy: true } | { healthy: false; reason: string };

/**
 * GET /healthz: the process is alive (no database access); 503 when `liveness` says it can't
 * recover on its own (the embedded PostgreSQL down for longer than its bound).
 * GET /readyz: ready to serve (database answers within `timeoutMs`, default 2 s, on a
 * connection of its own, and every migration is applied); 503 otherwise. Neither needs an
 * API key. While the server stops, both answer 503 (src/server.ts).
 */
export function healthRoutes(options: { timeoutMs?: number; liveness?: Liveness } = {}): Route[] {
  const timeoutMs = options.timeoutMs ?? 2000;
  const liveness = options.liveness ?? (() => ({ healthy: true as const }));
  const expected = expectedMigrationNames();
  return [
    {
      method: "GET",
      path: "/healthz",
      handle(_req, res, ctx) {
        const live = liveness();
        if (live.healthy) sendJson(res, 200, { status: "ok" });
        else {
          ctx.log({ level: "error", msg: "unhealthy", requestId: ctx.requestId, reason: live.reason });
          sendJson(res, 503, { status: "unhealthy", reason: live.reason });
        }
      },
    },
    {
      method: "GET",
      path: "/readyz",
      async handle(_req, res, ctx) {
        const result = await checkReadiness(ctx.db, expected, timeoutMs);
        if (result.ready) sendJson(res, 200, { status: "ready" });
        else {
          ctx.log({ level: "warn", msg: "not ready", requestId: ctx.requestId, reason: result.reason, detail: result.detail });
          sendJson(res, 503, { status: "not ready", reason: result.reason }, { "retry-after": "5" });
        }
      },
    },
  ];
}
