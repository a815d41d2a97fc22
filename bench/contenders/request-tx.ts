import { randomUUID } from "node:crypto";
import { Pool, PoolClient } from "pg";

/**
 * The API's request transaction, reproduced for the contenders (src/database/request-db.ts):
 * BEGIN; one statement that sets the role dbl_app (row-level security applies), the caller's
 * organizations (app.org_ids), key, key kind, request id and idle timeout; the work; COMMIT.
 */
export async function inRequestTx<T>(pool: Pool, org: string, keyKind: "MEMBER" | "FUNDER", work: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    await c.query(
      `SELECT set_config('role', $1, true), set_config('app.org_ids', $2, true), set_config('app.key_id', $3, true),
              set_config('app.role', $4, true), set_config('app.request_id', $5, true),
              set_config('idle_in_transaction_session_timeout', $6, true)`,
      ["dbl_app", org, "", keyKind, randomUUID(), "120000"],
    );
    const out = await work(c);
    await c.query("COMMIT");
    return out;
  } catch (error) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    c.release();
  }
}

/** A pool configured as the API's (src/database/data-source.ts): UTC, the same statement timeout, the same size by default. */
export function makePool(url: string, max = Number(process.env.DB_POOL_MAX ?? 10)): Pool {
  const pool = new Pool({ connectionString: url, max, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000, options: `-c timezone=UTC -c statement_timeout=30000` });
  pool.on("error", () => undefined);
  return pool;
}
