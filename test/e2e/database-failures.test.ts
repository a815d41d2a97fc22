import { GraphQLError } from "graphql";
import { startTestApp, TestApp } from "../helpers/app";
import { databaseFailure, makeFormatError } from "../../src/common/errors";

/**
 * Issue 11: a statement timeout and a database that is busy or away are answered with codes of
 * their own (QUERY_TIMEOUT, SERVICE_UNAVAILABLE), never INTERNAL_SERVER_ERROR. The errors here are
 * the real ones PostgreSQL, pg and TypeORM raise, provoked on the test database.
 */
describe("database failures a client can act on", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const caught = async (run: () => Promise<unknown>): Promise<unknown> => {
    try {
      await run();
    } catch (error) {
      return error;
    }
    throw new Error("expected a failure");
  };

  it("answers a statement that ran past statement_timeout with QUERY_TIMEOUT and a hint", async () => {
    const runner = app.db.createQueryRunner();
    await runner.connect();
    const error = await caught(async () => {
      await runner.query("SET statement_timeout = 50");
      await runner.query("SELECT pg_sleep(2)");
    });
    await runner.query("RESET statement_timeout");
    await runner.release();
    expect(databaseFailure(error)).toBe("QUERY_TIMEOUT");
    const logged: Record<string, unknown>[] = [];
    const formatted = makeFormatError((e) => void logged.push(e))({ message: "x", path: ["nps"] }, new GraphQLError("x", { originalError: error as Error, path: ["nps"] }));
    expect(formatted).toEqual({
      message: "The query ran longer than the time allowed and was stopped: ask for a shorter period, fewer groups or a smaller page, or retry later",
      path: ["nps"],
      locations: undefined,
      extensions: { code: "QUERY_TIMEOUT" },
    });
    expect(logged).toEqual([expect.objectContaining({ level: "warn", msg: "query timeout" })]);
  });

  it("answers a connection killed by the server (an outage) with SERVICE_UNAVAILABLE", async () => {
    const runner = app.db.createQueryRunner();
    await runner.connect();
    const [{ pid }] = await runner.query("SELECT pg_backend_pid() AS pid");
    const admin = app.db.createQueryRunner();
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    await admin.release();
    const error = await caught(() => runner.query("SELECT 1"));
    await runner.release().catch(() => undefined);
    // PostgreSQL's 57P01 (terminating connection due to administrator command), or TypeORM's word that the
    // runner was released when its connection died, whichever reaches the statement first.
    expect(["QueryFailedError", "QueryRunnerAlreadyReleasedError"]).toContain((error as Error).name);
    expect(databaseFailure(error)).toBe("SERVICE_UNAVAILABLE");
    const format = makeFormatError(() => undefined);
    const formatted = format({ message: "x", path: ["stakeholders"] }, new GraphQLError("x", { originalError: error as Error, path: ["stakeholders"] }));
    expect(formatted.extensions).toEqual({ code: "SERVICE_UNAVAILABLE" });
    // Wrapped, as Apollo wraps a context that could not be made: the same answer.
    expect(format({ message: "x" }, new GraphQLError("Context creation failed: x", { originalError: error as Error })).extensions).toEqual({ code: "SERVICE_UNAVAILABLE" });
    expect(formatted.message).toBe("The service is busy or its database is briefly unavailable: retry in 2 s");
  });

  it("names the pool's wait timeout and a refused connection SERVICE_UNAVAILABLE, and nothing else", () => {
    expect(databaseFailure(new Error("timeout exceeded when trying to connect"))).toBe("SERVICE_UNAVAILABLE");
    expect(databaseFailure(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe("SERVICE_UNAVAILABLE");
    expect(databaseFailure(Object.assign(new Error("the database system is starting up"), { code: "57P03" }))).toBe("SERVICE_UNAVAILABLE");
    // A deadlock's victim, a serialization failure: rolled back whole, to be retried.
    expect(databaseFailure(Object.assign(new Error("deadlock detected"), { code: "40P01" }))).toBe("SERVICE_UNAVAILABLE");
    expect(databaseFailure({ message: "x", driverError: { code: "40001", message: "could not serialize access" } })).toBe("SERVICE_UNAVAILABLE");
    // A cancel for another reason, a unique violation, a plain bug: not these.
    expect(databaseFailure(Object.assign(new Error("canceling statement due to user request"), { code: "57014" }))).toBeNull();
    expect(databaseFailure(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBeNull();
    expect(databaseFailure(new TypeError("x is undefined"))).toBeNull();
    expect(databaseFailure(null)).toBeNull();
  });
});
