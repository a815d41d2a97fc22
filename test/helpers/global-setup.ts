import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../../src/database/embedded";
import { freePort } from "./ports";
import { RESULTS_DIR } from "../routability/paths";

/**
 * One PostgreSQL for the whole run: embedded (started here, in a temporary folder)
 * unless TEST_DATABASE_URL names a server to use. Each test file then creates its
 * own database on it (test/helpers/app.ts), so files never see each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  // What an earlier run recorded for the routability check (test/routability/) is not judged again.
  await fs.rm(RESULTS_DIR, { recursive: true, force: true });
  if (process.env.TEST_DATABASE_URL) {
    process.env.TEST_PG_ADMIN_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  await removeStaleFolders();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "dbl-test-"));
  await fs.chmod(dir, 0o755);
  const port = await freePort();
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port, database: "postgres" });
  process.env.TEST_PG_ADMIN_URL = pg.url;
  (globalThis as Record<string, unknown>).__EMBEDDED_PG__ = { pg, dir };
}

/**
 * Folders left by a run that was killed (its PostgreSQL is gone) are removed. Only
 * folders older than an hour: a run starting at the same moment is left alone.
 */
async function removeStaleFolders(): Promise<void> {
  const tmp = os.tmpdir();
  for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
    if (!name.startsWith("dbl-test-")) continue;
    const stat = await fs.stat(path.join(tmp, name)).catch(() => null);
    if (!stat || Date.now() - stat.mtimeMs < 3600 * 1000) continue;
    const pidFile = path.join(tmp, name, "data", "postmaster.pid");
    const pid = Number((await fs.readFile(pidFile, "utf8").catch(() => "")).split("\n")[0]);
    let alive = false;
    if (pid > 0) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (!alive) await fs.rm(path.join(tmp, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
