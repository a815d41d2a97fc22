import { DataSource, EntityManager, QueryRunner } from "typeorm";
import { Access } from "../common/access";

/** The role API requests run as: not a superuser, not the tables' owner, so row-level security applies. */
export const APP_ROLE = "dbl_app";

/**
 * A request's transaction left idle this long (a handler stuck on a client, a bug)
 * is ended by PostgreSQL, which gives its connection back to the pool.
 */
export const IDLE_IN_TRANSACTION_MS = 120_000;

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
  ) {}

  static async open(db: DataSource, access: Access, requestId: string): Promise<RequestDb> {
    const runner = serialized(db.createQueryRunner());
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(
        `SELECT set_config('role', $1, true), set_config('app.org_ids', $2, true), set_config('app.key_id', $3, true),
                set_config('app.role', $4, true), set_config('app.request_id', $5, true),
                set_config('idle_in_transaction_session_timeout', $6, true)`,
        [APP_ROLE, access.organizationIds.join(","), access.keyId, access.principal.keyKind, requestId, String(IDLE_IN_TRANSACTION_MS)],
      );
    } catch (error) {
      await runner.release();
      throw error;
    }
    return new RequestDb(runner, runner.manager);
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

/**
 * One connection runs one statement at a time. Services start independent reads
 * together (Promise.all); pg would queue them itself, a use it deprecates, so the
 * runner queues them here, in the order they were asked for.
 */
function serialized(runner: QueryRunner): QueryRunner {
  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  runner.query = ((...args: unknown[]) => {
    const run = tail.then(() => query(...args));
    tail = run.catch(() => undefined);
    return run;
  }) as QueryRunner["query"];
  return runner;
}
