import { DataSource, EntityManager, QueryFailedError, QueryRunner, QueryRunnerAlreadyReleasedError } from "typeorm";
import { escapeLiteral, PoolClient, types as pgTypes } from "pg";
import { Access } from "../common/access";
import { pgTimestampToIso } from "../common/timestamps";

/** The role API requests run as: not a superuser, not the tables' owner, so row-level security applies. */
export const APP_ROLE = "dbl_app";

/**
 * A request's transaction left idle this long (a handler stuck on a client, a bug)
 * is ended by PostgreSQL, which gives its connection back to the pool.
 */
export const IDLE_IN_TRANSACTION_MS = 120_000;

const TIMESTAMPTZ_OID = 1184;

/**
 * One connection and one transaction per GraphQL request. The transaction starts
 * as the API role with the caller's organizations in `app.org_ids` (row-level
 * security) and the caller's key in `app.key_id` (audit log). Each mutation runs in
 * a savepoint inside it (EntityManager.transaction nests), so a failed write leaves
 * nothing behind while the rest of the request stands.
 */
export class RequestDb {
  private finished = false;

  private constructor(
    private readonly runner: QueryRunner,
    readonly em: EntityManager,
    private readonly queue: StatementQueue,
    private readonly db: DataSource,
  ) {}

  static async open(db: DataSource, access: Access, requestId: string): Promise<RequestDb> {
    const queue = new StatementQueue();
    const runner = queue.serialize(db.createQueryRunner());
    await runner.connect();
    try {
      // BEGIN and the settings in one round trip (the simple protocol takes several
      // statements in one message; the values are escaped literals).
      const settings: [string, string][] = [
        ["role", APP_ROLE],
        ["app.org_ids", access.organizationIds.join(",")],
        ["app.key_id", access.keyId],
        ["app.role", access.principal.keyKind],
        ["app.request_id", requestId],
        ["idle_in_transaction_session_timeout", String(IDLE_IN_TRANSACTION_MS)],
      ];
      await runner.query(`BEGIN; SELECT ${settings.map(([name, value]) => `set_config(${escapeLiteral(name)}, ${escapeLiteral(value)}, true)`).join(", ")}`);
      // What runner.startTransaction() would have recorded, so that commit, rollback and
      // nested EntityManager.transaction (savepoints) work on this transaction.
      const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
      state.isTransactionActive = true;
      state.transactionDepth = 1;
    } catch (error) {
      await runner.release();
      throw error;
    }
    return new RequestDb(runner, runner.manager, queue, db);
  }

  /**
   * Rows of a read on the hot paths (list pages and their loaders), straight from pg:
   * no entity hydration, and timestamps (timestamptz) come as the ISO strings the API
   * answers with ("2026-01-01T00:00:00.000Z") instead of Dates parsed and formatted
   * again. Counted and logged like every other statement.
   */
  rows<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.queue.run(async () => {
      // As TypeORM's own query() does: a finished request's connection is not used again.
      if (this.runner.isReleased) throw new QueryRunnerAlreadyReleasedError();
      const client = (await this.runner.connect()) as PoolClient;
      this.db.logger.logQuery(sql, params, this.runner);
      try {
        const result = await client.query<T & object>({ text: sql, values: params, types: ISO_TIMESTAMPS });
        return result.rows;
      } catch (error) {
        this.db.logger.logQueryError(error as Error, sql, params, this.runner);
        throw new QueryFailedError(sql, params, error as Error);
      }
    });
  }

  /** Updates the organizations row-level security lets this transaction see (after creating one). */
  async setOrganizations(ids: string[]): Promise<void> {
    await this.runner.query(`SELECT set_config('app.org_ids', $1, true)`, [ids.join(",")]);
  }

  /** Names the operation in the audit log entries that follow. */
  async setOperation(name: string): Promise<void> {
    await this.runner.query(`SELECT set_config('app.operation', $1, true)`, [name.slice(0, 200)]);
  }

  /** Commits (or rolls back) and gives the connection back. Safe to call twice. */
  async finish(commit = true): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    try {
      if (this.runner.isTransactionActive) {
        if (commit) await this.runner.commitTransaction();
        else await this.runner.rollbackTransaction();
      }
    } catch (error) {
      if (this.runner.isTransactionActive) await this.runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await this.runner.release();
    }
  }
}

/** pg's type parsers, except that timestamptz stays text, turned into the API's ISO form. */
const ISO_TIMESTAMPS = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => (oid === TIMESTAMPTZ_OID ? pgTimestampToIso : pgTypes.getTypeParser(oid, format))) as typeof pgTypes.getTypeParser,
};

/**
 * One connection runs one statement at a time. Services start independent reads
 * together (Promise.all); pg would queue them itself, a use it deprecates, so the
 * request queues them here, in the order they were asked for (TypeORM's queries and
 * `rows()` alike).
 */
class StatementQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  serialize(runner: QueryRunner): QueryRunner {
    const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
    runner.query = ((...args: unknown[]) => this.run(() => query(...args))) as QueryRunner["query"];
    return runner;
  }
}
