import { DataSource, EntityManager, QueryFailedError, QueryRunner, QueryRunnerAlreadyReleasedError } from "typeorm";
import { escapeLiteral, PoolClient, types as pgTypes } from "pg";
import { Access } from "../common/access";
import { Bulkhead } from "./bulkhead";
import { pgTimestampToIso } from "../common/timestamps";
import type { StatementOrigin } from "./statement-listeners";

/** The role API requests run as: not a superuser, not the tables' owner, so row-level security applies. */
export const APP_ROLE = "dbl_app";

/**
 * A request's transaction left idle this long (a handler stuck on a client, a bug)
 * is ended by PostgreSQL, which gives its connection back to the pool.
 */
export const IDLE_IN_TRANSACTION_MS = 120_000;

const TIMESTAMPTZ_OID = 1184;

/**
 * One connection and one transaction per GraphQL request. The connection is taken, and the
 * transaction begun, at the request's first statement, not before: parsing, validating and
 * checking a request (a 1000-item batch takes a while) hold no connection. The transaction runs
 * as the API role with the caller's organizations in `app.org_ids` (row-level security) and the
 * caller's key in `app.key_id` (audit log). Each mutation runs in a savepoint inside it
 * (EntityManager.transaction nests), so a failed write leaves nothing behind while the rest of
 * the request stands.
 */
export class RequestDb {
  private finished = false;
  private operation: string | null = null;
  /** The batch-write turn this request holds (see enterBatchWrite), given back by finish(). */
  private batchTurn: (() => void) | null = null;
  private readonly queue: StatementQueue;
  private readonly runner: QueryRunner;
  readonly em: EntityManager;

  private constructor(
    private readonly db: DataSource,
    private readonly access: Access,
    private readonly requestId: string,
    private readonly bulkhead: Bulkhead | null,
  ) {
    const runner = db.createQueryRunner(); // no connection yet
    const origin: StatementOrigin = { origin: "request", organizationIds: () => access.organizationIds, operation: () => this.operation };
    runner.data = { origin };
    const query = runner.query.bind(runner) as QueryRunner["query"];
    this.queue = new StatementQueue(() => this.begin(runner, query));
    runner.query = ((...args: Parameters<QueryRunner["query"]>) => this.queue.run(() => query(...args))) as QueryRunner["query"];
    // What runner.startTransaction() would record, so that commit, rollback and nested
    // EntityManager.transaction (savepoints) work on the transaction begin() opens.
    const state = runner as unknown as {
      isTransactionActive: boolean;
      transactionDepth: number;
    };
    state.isTransactionActive = true;
    state.transactionDepth = 1;
    this.runner = runner;
    this.em = runner.manager;
  }

  /** A request's database access; nothing is sent to PostgreSQL until its first statement. */
  static open(db: DataSource, access: Access, requestId: string, bulkhead: Bulkhead | null = null): RequestDb {
    return new RequestDb(db, access, requestId, bulkhead);
  }

  /** Takes a connection and begins the transaction, with the settings in one round trip. */
  private async begin(runner: QueryRunner, query: QueryRunner["query"]): Promise<void> {
    await runner.connect();
    const settings: [string, string][] = [
      ["role", APP_ROLE],
      ["app.org_ids", this.access.organizationIds.join(",")],
      ["app.key_id", this.access.keyId],
      ["app.role", this.access.principal.keyKind],
      ["app.request_id", this.requestId],
      ["idle_in_transaction_session_timeout", String(IDLE_IN_TRANSACTION_MS)],
      ...(this.operation !== null ? ([["app.operation", this.operation]] as [string, string][]) : []),
    ];
    // The simple protocol takes several statements in one message; the values are escaped literals.
    await query(`BEGIN; SELECT ${settings.map(([name, value]) => `set_config(${escapeLiteral(name)}, ${escapeLiteral(value)}, true)`).join(", ")}`);
  }

  /**
   * Waits for a batch write's turn (the bulkhead), before the request's first statement:
   * a batch mutation calls this first, so that batches never take every connection of the
   * pool. Throws SERVICE_UNAVAILABLE when no turn comes in time. Once per request.
   */
  async enterBatchWrite(): Promise<void> {
    if (!this.bulkhead || this.batchTurn || this.finished) return;
    this.batchTurn = await this.bulkhead.acquire();
    if (this.finished) this.leaveBatchWrite(); // the request ended while it waited
  }

  private leaveBatchWrite(): void {
    const turn = this.batchTurn;
    this.batchTurn = null;
    turn?.();
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
        const result = await client.query<T & object>({
          text: sql,
          values: params,
          types: ISO_TIMESTAMPS,
        });
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

  /** Names the operation in the audit log entries that follow (set with BEGIN when nothing ran yet). */
  async setOperation(name: string): Promise<void> {
    this.operation = name.slice(0, 200);
    if (this.queue.started) await this.runner.query(`SELECT set_config('app.operation', $1, true)`, [this.operation]);
  }

  /** Commits (or rolls back) and gives the connection back. Safe to call twice. */
  async finish(commit = true): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (!this.queue.started) {
      // Nothing was sent: no connection, no transaction to end.
      (this.runner as unknown as { isTransactionActive: boolean }).isTransactionActive = false;
      this.leaveBatchWrite();
      await this.runner.release();
      return;
    }
    try {
      if (
        !(await this.queue.started.then(
          () => true,
          () => false,
        ))
      ) {
        // begin() failed (no connection came, the database went away): no transaction to end.
        (this.runner as unknown as { isTransactionActive: boolean }).isTransactionActive = false;
      }
      if (this.runner.isTransactionActive) {
        if (commit) await this.runner.commitTransaction();
        else await this.runner.rollbackTransaction();
      }
    } catch (error) {
      if (this.runner.isTransactionActive) await this.runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      this.leaveBatchWrite();
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
 * `rows()` alike). The first statement asked for first runs `start` (connect and BEGIN);
 * if that fails, every statement of the request fails with its error.
 */
class StatementQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Set when the first statement was asked for. */
  started: Promise<void> | null = null;

  constructor(private readonly start: () => Promise<void>) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    const started = (this.started ??= this.start());
    const run = this.tail.then(() => started).then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
