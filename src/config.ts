import path from "node:path";

/**
 * The one place that reads process.env. Values are parsed and validated once;
 * a bad value stops the process at start with a message naming the variable.
 */
export interface Config {
  nodeEnv: "development" | "production" | "test";
  port: number;
  host: string;
  /** When unset, an embedded PostgreSQL is started with its data in `embeddedDataDir`. */
  databaseUrl: string | undefined;
  embeddedDataDir: string;
  embeddedPort: number;
  /** How long the embedded PostgreSQL may stay down (while it is being restarted) before /healthz answers 503. */
  embeddedDownLimitMs: number;
  dbPoolMax: number;
  dbConnectTimeoutMs: number;
  dbStatementTimeoutMs: number;
  /** Batch mutations that may hold a database connection at once (the bulkhead, src/database/bulkhead.ts). */
  batchWritesMax: number;
  /** How long a batch may wait for its turn before it is answered SERVICE_UNAVAILABLE (503, Retry-After). */
  batchWritesWaitMs: number;
  /** Batches that may wait for a turn at once; beyond, SERVICE_UNAVAILABLE at once. */
  batchWritesQueue: number;
  /** How long a graceful stop (SIGTERM) lets requests in flight finish; longer than the statement timeout by default. */
  shutdownGraceMs: number;
  /** Load the demo organizations when the database holds no organization yet (never by default in production). */
  seedOnEmpty: boolean;
  /** Where the demo keys made at seeding are kept (owner-readable only) and read back to print them. */
  demoKeysFile: string;
  logSql: boolean;
  /** Print the demo organizations' API keys at start (when the demo data is there). */
  printDemoKeys: boolean;
  rateLimitPerMinute: number;
  /** Serve GET /metrics (Prometheus text format). */
  metricsEnabled: boolean;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /**
   * Signs the report pages' browser sign-in sessions (src/web/session-token.ts).
   * Unset: src/index.ts makes a random one at start (sessions end with the process,
   * and other replicas don't accept them).
   */
  reportSessionSecret: string | undefined;
  limits: { maxDepth: number; maxAliases: number; maxDirectives: number; maxTokens: number; maxCost: number };
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no", "off"].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = (env.NODE_ENV ?? "development") as Config["nodeEnv"];
  if (!["development", "production", "test"].includes(nodeEnv)) {
    throw new ConfigError(`NODE_ENV must be development, production or test, got "${env.NODE_ENV}"`);
  }
  const databaseUrl = env.DATABASE_URL && env.DATABASE_URL.trim() !== "" ? env.DATABASE_URL.trim() : undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL must start with postgres:// or postgresql://");
  }
  const metricsToken = env.METRICS_TOKEN && env.METRICS_TOKEN !== "" ? env.METRICS_TOKEN : undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,512}$/.test(metricsToken)) {
    throw new ConfigError("METRICS_TOKEN must be 16 to 512 visible ASCII characters (no spaces)");
  }
  const reportSessionSecret = env.REPORT_SESSION_SECRET && env.REPORT_SESSION_SECRET !== "" ? env.REPORT_SESSION_SECRET : undefined;
  if (reportSessionSecret !== undefined && !/^[\x21-\x7e]{32,}$/.test(reportSessionSecret)) {
    throw new ConfigError(
      `REPORT_SESSION_SECRET must be at least 32 visible ASCII characters (no spaces), got ${reportSessionSecret.length} characters${
        /[^\x21-\x7e]/.test(reportSessionSecret) ? ", not all of them visible ASCII" : ""
      }; make one with: openssl rand -base64 48`,
    );
  }
  // In production /metrics is served only behind a token: on by default when one is set, refused without one.
  const metricsEnabled = bool(env, "METRICS_ENABLED", nodeEnv !== "production" || metricsToken !== undefined);
  if (metricsEnabled && nodeEnv === "production" && metricsToken === undefined) {
    throw new ConfigError("METRICS_ENABLED=true with NODE_ENV=production needs METRICS_TOKEN (16 to 512 visible ASCII characters): /metrics is not served open in production");
  }
  const dbPoolMax = int(env, "DB_POOL_MAX", 10, 1, 200);
  const dbStatementTimeoutMs = int(env, "DB_STATEMENT_TIMEOUT_MS", 30000, 100, 3600000);
  // A third of the pool by default (3 of 10): reads keep the rest while field apps send batches.
  const batchWritesMax = int(env, "BATCH_WRITES_MAX", Math.max(1, Math.floor(dbPoolMax / 3)), 1, dbPoolMax);
  return {
    nodeEnv,
    port: int(env, "PORT", 4000, 0, 65535),
    host: env.HOST && env.HOST !== "" ? env.HOST : "0.0.0.0",
    databaseUrl,
    embeddedDataDir: path.resolve(env.EMBEDDED_PG_DIR && env.EMBEDDED_PG_DIR !== "" ? env.EMBEDDED_PG_DIR : ".data/postgres"),
    embeddedPort: int(env, "EMBEDDED_PG_PORT", 54329, 1024, 65535),
    embeddedDownLimitMs: int(env, "EMBEDDED_PG_DOWN_LIMIT_MS", 60000, 1000, 3600000),
    dbPoolMax,
    dbConnectTimeoutMs: int(env, "DB_CONNECT_TIMEOUT_MS", 5000, 100, 120000),
    dbStatementTimeoutMs,
    batchWritesMax,
    batchWritesWaitMs: int(env, "BATCH_WRITES_WAIT_MS", 20000, 0, 600000),
    batchWritesQueue: int(env, "BATCH_WRITES_QUEUE", batchWritesMax * 8, 0, 10000),
    shutdownGraceMs: int(env, "SHUTDOWN_GRACE_MS", dbStatementTimeoutMs + 5000, 0, 3600000),
    seedOnEmpty: bool(env, "SEED_ON_EMPTY", nodeEnv !== "production"),
    demoKeysFile: path.resolve(env.DEMO_KEYS_FILE && env.DEMO_KEYS_FILE !== "" ? env.DEMO_KEYS_FILE : ".data/demo-keys.env"),
    logSql: bool(env, "LOG_SQL", false),
    printDemoKeys: bool(env, "PRINT_DEMO_KEYS", nodeEnv !== "production"),
    rateLimitPerMinute: int(env, "RATE_LIMIT_PER_MINUTE", 600, 1, 1000000),
    metricsEnabled,
    metricsToken,
    reportSessionSecret,
    limits: {
      maxDepth: int(env, "MAX_QUERY_DEPTH", 12, 2, 100),
      maxAliases: int(env, "MAX_QUERY_ALIASES", 30, 0, 1000),
      maxDirectives: int(env, "MAX_QUERY_DIRECTIVES", 20, 0, 1000),
      maxTokens: int(env, "MAX_QUERY_TOKENS", 4000, 100, 100000),
      maxCost: int(env, "MAX_QUERY_COST", 50000, 100, 100000000),
    },
  };
}
