import { promises as fs } from "node:fs";
import net from "node:net";
import path from "node:path";
import crypto from "node:crypto";

/**
 * One process at a time may initialise or serve an embedded data folder.
 *
 * On Linux the lock is a Unix socket in the abstract namespace, named after the
 * folder: binding it is atomic, and the kernel releases it the moment its process
 * ends, even under `kill -9`, so a crash never leaves a stale lock behind. Elsewhere
 * a lock file beside the folder holds the owner's pid; a file whose pid is gone is stale.
 */
export interface DataDirLock {
  release(): Promise<void>;
}

export class DataDirLockedError extends Error {}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const dir = path.resolve(dataDir);
  return process.platform === "linux" ? abstractSocketLock(dir) : pidFileLock(dir);
}

/** The abstract socket's name for a folder (a leading NUL puts it in the abstract namespace). */
export function lockName(dataDir: string): string {
  return `\0double-bottom-line:${crypto.createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 40)}`;
}

function abstractSocketLock(dir: string): Promise<DataDirLock> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? new DataDirLockedError(`another process is using the data folder ${dir}; stop it first`) : error);
    });
    server.listen({ path: lockName(dir) }, () => {
      server.unref(); // the lock never keeps the process alive on its own
      resolve({ release: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

async function pidFileLock(dir: string): Promise<DataDirLock> {
  const file = `${dir}.lock`;
  await fs.mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, String(process.pid), { flag: "wx" });
      return { release: () => fs.rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number((await fs.readFile(file, "utf8").catch(() => "")).trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new DataDirLockedError(`another process (pid ${owner}) is using the data folder ${dir}; stop it first`);
      }
      await fs.rm(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new DataDirLockedError(`could not lock the data folder ${dir}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
