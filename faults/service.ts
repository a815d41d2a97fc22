import { spawn, ChildProcess } from "node:child_process";
import { promises as fs, createWriteStream, WriteStream } from "node:fs";
import path from "node:path";
import { get } from "./http";
import { waitFor } from "./wait";
import { isAlive } from "../src/database/data-dir-lock";

export { freePort } from "../test/helpers/ports";

export interface ServiceOptions {
  /** The project folder (holds dist/). */
  root: string;
  dataDir: string;
  port: number;
  pgPort: number;
  /** Every line the service writes goes here (appended across restarts). */
  logFile: string;
  metricsToken: string;
  production: boolean;
  /** More environment variables for the service (e.g. DB_POOL_MAX). */
  env?: Record<string, string>;
}

/** One line of the service's request log ("msg":"request"). */
export interface RequestLogLine {
  requestId: string;
  status: number;
  aborted: boolean;
  time: number;
}

/**
 * The real service as a child process, started as `npm start` does
 * (`node --max-semi-space-size=32 dist/src/index.js`) on its own data folder and ports.
 * Each start is a new process on the same folder; the log of every start goes to one file.
 */
export class Service {
  /** Every service not shut down yet (stopped when the suite is interrupted). */
  static readonly all = new Set<Service>();
  /** Set when the suite is interrupted: no service starts any more. */
  static closing = false;
  child: ChildProcess | null = null;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
  exited = true;
  /** Request log lines of every start, by request id. */
  readonly requests = new Map<string, RequestLogLine>();
  /** "fatal" log lines ("could not start ..."). */
  readonly fatal: string[] = [];
  starts = 0;
  /** The process group of every start (its pid). */
  private readonly groups: number[] = [];
  private log: WriteStream;

  constructor(readonly options: ServiceOptions) {
    this.log = createWriteStream(options.logFile, { flags: "a" });
    Service.all.add(this);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (!this.exited) throw new Error("the service is still running");
    if (Service.closing) throw new Error("the suite is stopping");
    const o = this.options;
    this.starts += 1;
    this.log.write(`\n===== start ${this.starts} at ${new Date().toISOString()} =====\n`);
    const child = spawn(process.execPath, ["--max-semi-space-size=32", "dist/src/index.js"], {
      cwd: o.root,
      // A process group of its own: its PostgreSQL (an orphan, after kill -9) stays in it, so the
      // suite can stop whatever is left of each start; and Ctrl-C on the suite reaches the suite only.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NODE_ENV: o.production ? "production" : "development",
        PORT: String(o.port),
        HOST: "127.0.0.1",
        EMBEDDED_PG_DIR: o.dataDir,
        EMBEDDED_PG_PORT: String(o.pgPort),
        SEED_ON_EMPTY: "true",
        PRINT_DEMO_KEYS: "false",
        METRICS_ENABLED: "true",
        METRICS_TOKEN: o.metricsToken,
        // The suite's clients share one key: the per-key rate limit is not what it tests.
        RATE_LIMIT_PER_MINUTE: "1000000",
        DATABASE_URL: "",
        ...o.env,
      },
    });
    this.child = child;
    if (child.pid !== undefined) this.groups.push(child.pid);
    this.exited = false;
    // Settled once its output is read to the end ("close"), so that its last log line (why it
    // stopped) is parsed; at most 2 s after "exit", in case a process it started holds the pipes.
    this.exit = new Promise((resolve) => {
      let settled = false;
      const settle = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        this.exited = true;
        this.log.write(`===== exited: ${signal ?? `code ${code}`} at ${new Date().toISOString()} =====\n`);
        resolve({ code, signal });
      };
      child.once("close", settle);
      child.once("exit", (code, signal) => setTimeout(() => settle(code, signal), 2000).unref());
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = "";
      stream.on("data", (chunk: Buffer) => {
        this.log.write(chunk);
        rest += chunk.toString("utf8");
        const lines = rest.split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) this.parse(line);
      });
    }
  }

  private parse(line: string): void {
    if (!line.startsWith("{")) return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (entry.msg === "request" && typeof entry.requestId === "string") {
      this.requests.set(entry.requestId, {
        requestId: entry.requestId,
        status: Number(entry.status),
        aborted: entry.aborted === true,
        time: Date.parse(String(entry.time)),
      });
    } else if (entry.level === "fatal") {
      this.fatal.push(`${String(entry.msg)}: ${String(entry.error ?? "")}`);
    }
  }

  /**
   * Polls /readyz until it answers 200. Resolves with the milliseconds waited; rejects when the
   * process exits first (with its fatal log line) or after `ceilingMs`.
   */
  async waitReady(ceilingMs: number): Promise<number> {
    const started = Date.now();
    const fatalBefore = this.fatal.length;
    await waitFor(
      async () => {
        if (this.exited) throw new Error(`the service exited before it was ready${this.fatal.length > fatalBefore ? `: ${this.fatal.slice(fatalBefore).join("; ")}` : ""}`);
        const probe = await get(this.baseUrl, "/readyz", { timeoutMs: 3000 });
        return probe.status === 200;
      },
      { ceilingMs, everyMs: 200, what: "/readyz to answer 200" },
    );
    return Date.now() - started;
  }

  /** Sends a signal to the API process (not its PostgreSQL). */
  signal(signal: NodeJS.Signals): void {
    if (!this.child || this.exited) throw new Error("the service is not running");
    this.child.kill(signal);
  }

  /** Waits for the API process to exit; SIGKILL after `ceilingMs`. */
  async waitExit(ceilingMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; forced: boolean }> {
    if (!this.exit) return { code: null, signal: null, forced: false };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ceilingMs)));
    const result = await Promise.race([this.exit, late]);
    clearTimeout(timer);
    if (result !== "late") return { ...result, forced: false };
    if (!this.exited) this.child?.kill("SIGKILL");
    return { ...(await this.exit), forced: true };
  }

  /** The postmaster's pid from <data dir>/postmaster.pid, or null when there is none. */
  async postmasterPid(): Promise<number | null> {
    try {
      const first = (await fs.readFile(path.join(this.options.dataDir, "postmaster.pid"), "utf8")).split("\n")[0];
      const pid = Number(first);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  /** Connection string of the embedded database, as its superuser (from <dir>.credentials.json). */
  async superuserUrl(): Promise<string> {
    const file = path.join(path.dirname(this.options.dataDir), `${path.basename(this.options.dataDir)}.credentials.json`);
    const { user, password } = JSON.parse(await fs.readFile(file, "utf8")) as { user: string; password: string };
    return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${this.options.pgPort}/dbl`;
  }

  /**
   * Stops everything this service started: SIGTERM (SIGKILL after the ceiling), then a
   * PostgreSQL still running on its folder (an orphan of a killed run) with SIGQUIT, then SIGKILL.
   */
  async shutdown(ceilingMs = 60000): Promise<void> {
    if (!Service.all.delete(this)) return;
    if (this.child && !this.exited) {
      this.child.kill("SIGTERM");
      await this.waitExit(ceilingMs);
    }
    const pid = await this.postmasterPid();
    if (pid !== null && alive(pid)) {
      process.kill(pid, "SIGQUIT");
      await waitFor(() => !alive(pid), { ceilingMs: 15000, everyMs: 100, what: "the orphaned PostgreSQL to stop" }).catch(() => {
        if (alive(pid)) process.kill(pid, "SIGKILL");
      });
    }
    // Anything else left of a start (a PostgreSQL still starting when its API was stopped).
    for (const group of this.groups) {
      if (!alive(-group)) continue;
      signalGroup(group, "SIGQUIT");
      await waitFor(() => !alive(-group), { ceilingMs: 15000, everyMs: 100, what: "the service's processes to stop" }).catch(() => signalGroup(group, "SIGKILL"));
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // already gone
  }
}

/** Whether a process (or, for a negative number, a process group) still exists. */
export const alive = isAlive;
