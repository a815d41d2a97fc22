import "reflect-metadata";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import { Child, log, Options, ROOT, startChild } from "./common";
import { startEmbeddedPostgres } from "../src/database/embedded";
import { openDatabase } from "../src/database/data-source";
import { DEMO_SHOES_ID, DEMO_SOLAR_ID, seedDemo } from "../seeds/demo";
import { inflate } from "./inflate";

/**
 * The database under test and the API as a client meets it: the compiled server started the way
 * `npm start` starts it, its keys made by its own CLI (src/cli/create-key.ts).
 */

export interface Target {
  /** Superuser URL of the database under test. */
  url: string;
  /** The organization measured: the one with the most feedback responses. */
  org: string;
  dataSize: Record<string, number>;
  /** The year measured: 12 calendar months ending where the organization's responses end; and its last month. */
  year: { from: string; to: string };
  month: { from: string; to: string };
  close(): Promise<void>;
}

/** A superuser client on the database (for set-up and reading sizes; never while timing). */
export async function superClient(url: string): Promise<Client> {
  const c = new Client({ connectionString: url, options: "-c timezone=UTC" });
  await c.connect();
  return c;
}

/** Without --url: an embedded PostgreSQL with the demo data, each demo organization made `scale` times larger. */
async function smokeDatabase(scale: number): Promise<{ url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dbl-bench-"));
  chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port: 54600 + Math.floor(Math.random() * 300), database: "bench" });
  const db = await openDatabase({ url: pg.url, poolMax: 4, connectTimeoutMs: 5000, statementTimeoutMs: 600_000 });
  await seedDemo(db, new Date("2026-11-01T00:00:00Z"));
  for (const org of [DEMO_SOLAR_ID, DEMO_SHOES_ID]) await inflate(db, org, scale - 1);
  await db.query("ANALYZE");
  await db.destroy();
  return {
    url: pg.url,
    async close() {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function prepareTarget(o: Options): Promise<Target> {
  const smoke = o.url ? null : await smokeDatabase(o.scale);
  const url = o.url ?? smoke!.url;
  const c = await superClient(url);
  try {
    const [{ org }] = (await c.query(`SELECT organization_id AS org FROM feedback_responses GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)).rows;
    const count = async (table: string) => Number((await c.query(`SELECT count(*) AS n FROM ${table} WHERE organization_id = $1`, [org])).rows[0].n);
    const dataSize: Record<string, number> = {};
    for (const t of ["stakeholders", "stage_transitions", "sales", "feedback_responses", "feedback_answers", "actions", "observations"]) dataSize[t] = await count(t);
    dataSize.organizations = Number((await c.query(`SELECT count(*) AS n FROM organizations`)).rows[0].n);
    dataSize.allFeedbackResponses = Number((await c.query(`SELECT count(*) AS n FROM feedback_responses`)).rows[0].n);
    const [{ last }] = (await c.query(`SELECT date_trunc('month', max(collected_at)) + interval '1 month' AS last FROM feedback_responses WHERE organization_id = $1`, [org])).rows;
    const to = new Date(last);
    const yearFrom = new Date(Date.UTC(to.getUTCFullYear() - 1, to.getUTCMonth(), 1));
    const monthFrom = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth() - 1, 1));
    return {
      url,
      org,
      dataSize,
      year: { from: yearFrom.toISOString(), to: to.toISOString() },
      month: { from: monthFrom.toISOString(), to: to.toISOString() },
      close: async () => {
        if (smoke) await smoke.close();
      },
    };
  } finally {
    await c.end();
  }
}

/** `npm start`'s node command line (flags included), read from package.json so it follows the project. */
export function startCommand(): string[] {
  const start: string = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.start;
  const node = start.split("&&").map((s) => s.trim()).find((s) => s.startsWith("node ") && s.includes("dist/src/index.js"));
  if (!node) throw new Error(`cannot find the node command in npm start: ${start}`);
  return node.split(/\s+/).slice(1);
}

/**
 * The API's HTTP server, a child process on a free port, against `url`. It runs pending migrations
 * first: on a large database their backfills (stage stays, feedback rollups) take minutes, hence
 * the 15-minute wait.
 */
export function startApi(url: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Child> {
  return startChild(
    "api",
    startCommand(),
    {
      DATABASE_URL: url,
      PORT: "0",
      HOST: "127.0.0.1",
      NODE_ENV: "production",
      SEED_ON_EMPTY: "false",
      PRINT_DEMO_KEYS: "false",
      RATE_LIMIT_PER_MINUTE: "1000000",
      ...extraEnv,
    },
    /GraphQL ready at http:\/\/localhost:(\d+)\/graphql/,
    900_000,
  );
}

/** An API key made by the app's own CLI (`npm run create-key`), for `role` in `org`. */
export async function createKey(url: string, org: string, role: "ADMIN" | "STAFF" | "FUNDER"): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ["dist/src/cli/create-key.js", "--organization", org, "--role", role, "--name", `bench ${role.toLowerCase()}`], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url },
  });
  const key = /^\s{2}(\S+)\s*$/m.exec(stdout)?.[1];
  if (!key) throw new Error(`create-key printed no key:\n${stdout}`);
  log(`created a ${role} key for ${org}`);
  return key;
}
