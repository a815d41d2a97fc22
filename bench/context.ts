import { Child, graphql, Item, Options, startChild, StatementCountingProxy, withHostPort } from "./common";
import { startApi, Target } from "./setup";

/** What every group gets: the options, the database, this API's server and keys, the bare contender, a statement counter. */
export interface BenchContext {
  o: Options;
  target: Target;
  api: Child;
  keys: { staff: string; funder: string };
  raw: Child;
  items: Item[];
  mismatches: string[];
  notes: string[];
  /** SQL statements the API sends per request of this operation (a second API server behind a counting proxy; never timed). */
  statementsPerRequest(query: string, variables: Record<string, unknown>, key: string, times?: number): Promise<number>;
  stop(): Promise<void>;
}

export function startRaw(target: Target): Promise<Child> {
  return startChild("raw", ["dist/bench/contenders/raw-server.js"], { DATABASE_URL: target.url, ORG: target.org, PORT: "0" }, /raw ready on (\d+)/);
}

export function startPostGraphile(target: Target): Promise<Child> {
  return startChild("postgraphile", ["dist/bench/contenders/postgraphile.js"], { DATABASE_URL: target.url, ORG: target.org, PORT: "0" }, /postgraphile ready on (\d+)/);
}

/** The counting pass: an API server whose database connections go through StatementCountingProxy, started on first use. */
export function statementCounter(target: Target): { count: BenchContext["statementsPerRequest"]; stop(): Promise<void> } {
  let started: Promise<{ proxy: StatementCountingProxy; api: Child }> | null = null;
  const start = async () => {
    const u = new URL(target.url);
    const proxy = new StatementCountingProxy(u.hostname, Number(u.port || 5432));
    await proxy.start();
    // One connection, so nothing else (a second pool client) runs between two readings.
    const api = await startApi(withHostPort(target.url, "127.0.0.1", proxy.port), { DB_POOL_MAX: "1" });
    return { proxy, api };
  };
  return {
    async count(query, variables, key, times = 3) {
      started ??= start();
      const { proxy, api } = await started;
      await graphql(api.port, query, variables, key); // warm: the key's lookup, caches
      const before = proxy.statements;
      for (let i = 0; i < times; i++) await graphql(api.port, query, variables, key);
      return Math.round(((proxy.statements - before) / times) * 10) / 10;
    },
    async stop() {
      if (!started) return;
      const { proxy, api } = await started;
      await api.stop();
      await proxy.stop();
    },
  };
}
