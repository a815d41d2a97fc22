import "reflect-metadata";
import { DataSource, Logger, QueryRunner } from "typeorm";
import { types } from "pg";
import { migrations } from "../../migrations";
import { entities } from "../modules/entities";
import { notifyStatement } from "./statement-listeners";

// A SQL date is a calendar day, not an instant: keep it as "YYYY-MM-DD" instead of a
// Date at local midnight (which would shift with the server's time zone).
types.setTypeParser(1082, (value: string) => value);

/**
 * Counts the SQL statements sent to PostgreSQL. Tests use it to prove that a nested
 * query runs a fixed number of statements whatever the length of its lists.
 */
export class StatementCounter {
  count = 0;
  statements: string[] = [];
  record = false;
  reset(): void {
    this.count = 0;
    this.statements = [];
  }
}

class CountingLogger implements Logger {
  constructor(
    private readonly counter: StatementCounter,
    private readonly logSql: boolean,
  ) {}
  logQuery(query: string, parameters?: unknown[], _queryRunner?: QueryRunner): void {
    this.counter.count += 1;
    notifyStatement(query, parameters, _queryRunner);
    if (this.counter.record) this.counter.statements.push(query);
    if (this.logSql) process.stdout.write(`${JSON.stringify({ level: "debug", sql: query, params: parameters?.length ?? 0 })}\n`);
  }
  logQueryError(error: string | Error, query: string, parameters?: unknown[], queryRunner?: QueryRunner): void {
    notifyStatement(query, parameters, queryRunner, true);
    if (this.logSql) process.stdout.write(`${JSON.stringify({ level: "warn", sqlError: String(error), sql: query })}\n`);
  }
  logQuerySlow(time: number, query: string): void {
    process.stdout.write(`${JSON.stringify({ level: "warn", msg: "slow query", ms: time, sql: query.slice(0, 200) })}\n`);
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    if (this.logSql) process.stdout.write(`${JSON.stringify({ level: "info", migration: message })}\n`);
  }
  log(level: "log" | "info" | "warn", message: unknown): void {
    if (level === "warn") process.stdout.write(`${JSON.stringify({ level, msg: String(message) })}\n`);
  }
}

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  logSql?: boolean;
  counter?: StatementCounter;
  onPoolError?: (error: Error) => void;
}

export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource({
    type: "postgres",
    url: options.url,
    entities,
    migrations,
    migrationsTableName: "schema_migrations",
    migrationsTransactionMode: "each",
    synchronize: false,
    logger: new CountingLogger(options.counter ?? new StatementCounter(), options.logSql ?? false),
    logging: true,
    maxQueryExecutionTime: 2000,
    extra: {
      max: options.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: 30000,
      options: `-c timezone=UTC -c statement_timeout=${options.statementTimeoutMs}`,
      application_name: "double-bottom-line-api",
    },
  });
}

/** Connects, attaches the pool error handler and runs pending migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  const driver = dataSource.driver as unknown as { master?: { on(event: "error", fn: (e: Error) => void): void } };
  driver.master?.on("error", (error: Error) => {
    // An idle client lost its server (restart, network): the pool drops it and
    // reconnects on next use. Without this handler the process would crash.
    (options.onPoolError ?? ((e) => process.stderr.write(`${JSON.stringify({ level: "error", msg: "database pool error", error: e.message })}\n`)))(error);
  });
  await dataSource.runMigrations({ transaction: "each" });
  return dataSource;
}
