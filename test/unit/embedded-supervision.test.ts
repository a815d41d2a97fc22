import { ChildProcess, spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DataDirLockedError, isAlive, lockDataDir, lockName } from "../../src/database/data-dir-lock";
import { runningPostmaster, servesDataDir, stopOrphanedPostmaster } from "../../src/database/orphan";

/** A child process; resolves once it printed "ready" (it holds what it was asked to hold by then). */
function child(code: string, args: string[] = [], argv0?: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["-e", code, "--", ...args], { argv0, stdio: ["ignore", "pipe", "inherit"] });
    p.once("error", reject);
    p.once("exit", (c) => reject(new Error(`child exited with ${c} before it was ready`)));
    p.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(p);
    });
  });
}

const exited = (p: ChildProcess) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once("exit", () => resolve())));

describe("the embedded data folder's lock", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "dbl-lock-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("lets one holder at a time have a folder, and lets it go on release", async () => {
    const data = path.join(dir, "pg");
    const first = await lockDataDir(data);
    await expect(lockDataDir(data)).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(lockDataDir(`${data}/../pg`)).rejects.toThrow(/another process is using the data folder/); // the same folder, spelled otherwise
    const other = await lockDataDir(path.join(dir, "other")); // another folder is free
    await other.release();
    await first.release();
    const again = await lockDataDir(data);
    await again.release();
  });

  it("is released by the kernel when its holder is killed with SIGKILL", async () => {
    const data = path.join(dir, "pg");
    const holder = await child(
      `require("net").createServer().listen({ path: "\\0" + process.argv[1] }, () => console.log("ready"))`,
      [lockName(data).slice(1)], // an argument can't hold the NUL that starts an abstract name
    );
    try {
      await expect(lockDataDir(data)).rejects.toBeInstanceOf(DataDirLockedError);
      holder.kill("SIGKILL");
      await exited(holder);
      const mine = await lockDataDir(data);
      await mine.release();
    } finally {
      holder.kill("SIGKILL");
    }
  });
});

describe("an orphaned PostgreSQL on the data folder", () => {
  let dir: string;
  let data: string;
  const logged: string[] = [];
  const log = (m: string) => void logged.push(m);
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "dbl-orphan-"));
    data = path.join(dir, "pg");
    await fs.mkdir(data);
    logged.length = 0;
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** A stand-in postmaster: its command line reads `postgres … -D <data>`, and postmaster.pid names it. */
  async function fakePostmaster(folder: string, ignoreSigint = false): Promise<ChildProcess> {
    const code = `${ignoreSigint ? `process.on("SIGINT", () => undefined);` : ""} setInterval(() => undefined, 1000); console.log("ready")`;
    const p = await child(code, ["-D", folder], "postgres");
    await fs.writeFile(path.join(data, "postmaster.pid"), `${p.pid}\n${folder}\n`);
    return p;
  }

  it("recognises a postgres command line for this folder only", () => {
    expect(servesDataDir(["/x/bin/postgres", "-D", "/srv/pg", "-p", "5432"].join("\0"), "/srv/pg")).toBe(true);
    expect(servesDataDir(["/x/bin/postgres", "-D", "/srv/pg/", "-p", "5432"].join("\0"), "/srv/pg")).toBe(true);
    expect(servesDataDir(["/x/bin/postgres", "-D", "/srv/other"].join("\0"), "/srv/pg")).toBe(false);
    expect(servesDataDir(["/usr/bin/node", "-D", "/srv/pg"].join("\0"), "/srv/pg")).toBe(false);
    expect(servesDataDir(["/x/bin/postgres", "-p", "5432"].join("\0"), "/srv/pg")).toBe(false);
    expect(servesDataDir("", "/srv/pg")).toBe(false);
  });

  it("stops a postmaster left on this folder with a fast shutdown (SIGINT)", async () => {
    const orphan = await fakePostmaster(data);
    expect(await runningPostmaster(data)).toBe(orphan.pid);
    expect(await stopOrphanedPostmaster(data, log, 30000)).toBe(orphan.pid);
    await exited(orphan);
    expect(orphan.signalCode).toBe("SIGINT");
    expect(logged).toEqual([`stopping an orphaned PostgreSQL (pid ${orphan.pid}) left on ${data} by an earlier run`]);
  });

  it("escalates to SIGQUIT when a fast shutdown does not end it within the grace", async () => {
    const orphan = await fakePostmaster(data, true);
    try {
      expect(await stopOrphanedPostmaster(data, log, 300)).toBe(orphan.pid);
      await exited(orphan);
      expect(orphan.signalCode).toBe("SIGQUIT");
      expect(logged[1]).toBe(`orphaned PostgreSQL (pid ${orphan.pid}) did not stop on SIGINT`);
    } finally {
      orphan.kill("SIGKILL");
    }
  });

  it("leaves alone a live process that is not a postgres of this folder, and a pid that is gone", async () => {
    const elsewhere = await fakePostmaster(path.join(dir, "another-folder"));
    try {
      expect(await runningPostmaster(data)).toBeNull();
      expect(await stopOrphanedPostmaster(data, log)).toBeNull();
      expect(isAlive(elsewhere.pid!)).toBe(true);
    } finally {
      elsewhere.kill("SIGKILL");
      await exited(elsewhere);
    }
    // Its pid is gone now: a stale pid file, nothing to stop.
    expect(await stopOrphanedPostmaster(data, log)).toBeNull();
    await fs.writeFile(path.join(data, "postmaster.pid"), `${process.pid}\n`); // our own pid: not a postgres
    expect(await stopOrphanedPostmaster(data, log)).toBeNull();
    expect(logged).toEqual([]);
  });
});
