import { DataSource } from "typeorm";
import { Config } from "../config";
import { EmbeddedDatabase, startEmbeddedPostgres } from "./embedded";
import type { Liveness } from "../web/health";
import { openDatabase, StatementCounter } from "./data-source";

export interface Database {
  db: DataSource;
  embedded: EmbeddedDatabase | null;
  /** Unhealthy when the embedded PostgreSQL has been down for longer than `embeddedDownLimitMs` (a supervisor should restart the process). */
  liveness: Liveness;
  /** Closes the pool, then stops the embedded PostgreSQL if there is one. */
  close(): Promise<void>;
}

/** DATABASE_URL when set; otherwise an embedded PostgreSQL with its data in EMBEDDED_PG_DIR. Runs migrations. */
export async function connect(config: Config, log: (entry: Record<string, unknown>) => void, counter?: StatementCounter): Promise<Database> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.embeddedDataDir,
      port: config.embeddedPort,
      database: "dbl",
      log: (message) => {
        if (/ERROR|FATAL|PANIC|initialising|stale|orphan|restart|exited/.test(message)) log({ level: "info", msg: "postgres", detail: message });
      },
    });
    url = embedded.url;
    log({ level: "info", msg: "embedded PostgreSQL started", dataDir: config.embeddedDataDir, port: config.embeddedPort });
  }
  try {
    const db = await openDatabase({
      url,
      poolMax: config.dbPoolMax,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      logSql: config.logSql,
      counter,
      onPoolError: (error) => log({ level: "error", msg: "database pool error", error: error.message }),
    });
    const limit = config.embeddedDownLimitMs;
    return {
      db,
      embedded,
      liveness() {
        const health = embedded?.health();
        if (!health || health.downSince === null || Date.now() - health.downSince <= limit) return { healthy: true };
        return { healthy: false, reason: "database down" };
      },
      async close() {
        if (db.isInitialized) await db.destroy();
        if (embedded) await embedded.stop();
      },
    };
  } catch (error) {
    if (embedded) await embedded.stop();
    throw error;
  }
}
