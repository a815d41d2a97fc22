import http from "node:http";

/**
 * The peer: PostGraphile 5 (amber preset) over the same database, as a child process. Every
 * request runs under the same row-level security as the API: PostGraphile wraps each operation in
 * a transaction and applies `pgSettings` with set_config(..., true): role dbl_app and the
 * organizations of the caller (ORG) in app.org_ids. PgIndexBehaviorsPlugin is disabled: it hides
 * relations and orderings that no index starts with (the tables' foreign keys start with
 * organization_id, so without this many relations would be missing).
 * Env: DATABASE_URL (superuser; PostGraphile switches to dbl_app per transaction), ORG, PORT.
 */

// PostGraphile 5 uses Promise.withResolvers (Node 22); on Node 20 every database field fails without it.
const P = Promise as unknown as { withResolvers?: () => unknown };
if (!P.withResolvers) {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

/* eslint-disable @typescript-eslint/no-require-imports */
const { postgraphile } = require("postgraphile");
const { PostGraphileAmberPreset } = require("postgraphile/presets/amber");
const { makePgService } = require("postgraphile/adaptors/pg");
const { grafserv } = require("postgraphile/grafserv/node");

async function main(): Promise<void> {
  const org = process.env.ORG!;
  const preset = {
    extends: [PostGraphileAmberPreset],
    disablePlugins: ["PgIndexBehaviorsPlugin"],
    pgServices: [
      makePgService({
        connectionString: process.env.DATABASE_URL,
        schemas: ["public"],
        poolConfig: { max: Number(process.env.DB_POOL_MAX ?? 10), options: "-c timezone=UTC -c statement_timeout=30000" },
        pgSettings: () => ({ role: "dbl_app", "app.org_ids": org, "app.role": "MEMBER" }),
      }),
    ],
    grafserv: { graphqlPath: "/graphql", graphiql: false },
    grafast: { explain: false },
    schema: { exportSchemaSDLPath: undefined },
  };
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = http.createServer();
  server.on("error", (e) => process.stderr.write(`${String(e)}\n`));
  serv.addTo(server);
  await pgl.getSchema(); // build the schema before saying ready
  server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
    process.stdout.write(`postgraphile ready on ${(server.address() as { port: number }).port}\n`);
  });
  process.on("SIGTERM", () => {
    server.close();
    void pgl.release().then(() => process.exit(0));
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e instanceof Error ? e.stack : e)}\n`);
  process.exit(1);
});
