import { ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";

/** What the harness shares: the options, child processes, an HTTP client and load loop, /proc readings, percentiles, results. */

export const ROOT = path.resolve(__dirname, "..", "..");

export interface Options {
  url: string | null;
  only: Set<string> | null;
  /** Seconds of load per contender in each list group (spread over the rounds). */
  duration: number;
  rounds: number;
  /** Runs per view per contender. */
  runs: number;
  quick: boolean;
  /** Ingest batches per client per contender. */
  batches: number;
  batchSize: number;
  /** Smoke data: each demo organization made this many times larger. */
  scale: number;
  /** Where results.json and RESULTS.md go (default bench/). */
  out: string;
  /** Also time one-month views (on by default). */
  month: boolean;
  /** Seconds a view's timed runs may take (API and SQL together) before fewer runs are taken (at least 3). */
  viewBudget: number;
  /** Only the views whose name starts with one of these (default every view). */
  views: string[] | null;
}

export function parseOptions(argv: string[]): Options {
  const o: Options = { url: null, only: null, duration: 30, rounds: 6, runs: 20, quick: false, batches: 5, batchSize: 1000, scale: 20, out: path.join(ROOT, "bench"), month: true, viewBudget: 90, views: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--url") o.url = next();
    else if (a === "--only") o.only = new Set(next().split(","));
    else if (a === "--duration") o.duration = Number(next());
    else if (a === "--rounds") o.rounds = Number(next());
    else if (a === "--runs") o.runs = Number(next());
    else if (a === "--batches") o.batches = Number(next());
    else if (a === "--batch-size") o.batchSize = Number(next());
    else if (a === "--scale") o.scale = Number(next());
    else if (a === "--out") o.out = path.resolve(next());
    else if (a === "--no-month") o.month = false;
    else if (a === "--view-budget") o.viewBudget = Number(next());
    else if (a === "--views") o.views = next().split(",");
    else if (a === "--quick") o.quick = true;
    else if (a === "--help") {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (o.quick) {
    o.duration = Math.min(o.duration, 6);
    o.rounds = Math.min(o.rounds, 2);
    o.runs = Math.min(o.runs, 5);
    o.batches = Math.min(o.batches, 2);
    o.batchSize = Math.min(o.batchSize, 200);
    o.scale = Math.min(o.scale, 2);
  }
  return o;
}

export const USAGE = `npm run bench -- [options]
  --url <postgres url>   a generated database (superuser); without it: embedded PostgreSQL with the demo data made --scale times larger
  --only lists,views,ingest   groups to run (default all)
  --duration <s>         seconds of load per contender per list page (default 30), spread over --rounds (default 6)
  --runs <n>             runs per view per contender (default 20)
  --batches <n>          ingest batches per client per contender (default 5); --batch-size <n> (default 1000)
  --scale <n>            smoke data size (default 20)
  --no-month             skip the one-month views
  --views <names>        only the views whose name starts with one of these, comma-separated (e.g. nps,qualityOfExperience,impactReport)
  --view-budget <s>      at most this long timing one view (default 90; at least 3 runs are taken)
  --out <dir>            where results.json and RESULTS.md go (default bench/)
  --quick                a small smoke run
`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function log(msg: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

// ---------------------------------------------------------------- statistics

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export const round = (v: number, d = 1) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : v);

// ---------------------------------------------------------------- child processes and /proc

export interface Child {
  name: string;
  proc: ChildProcess;
  port: number;
  output: string[];
  stop(): Promise<void>;
}

/**
 * Starts a node child and waits until a line of its output matches `ready` (its first group, if any, is the port).
 * Output is kept (the last lines) for error reports and for counting.
 */
export async function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 120_000): Promise<Child> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  let port = 0;
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output.slice(-20).join("\n")}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line) continue;
        output.push(line);
        if (output.length > 5000) output.splice(0, 1000);
        const m = ready.exec(line);
        if (m && !port) {
          port = Number(m[1] ?? 0);
          clearTimeout(timer);
          resolve();
        }
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output.slice(-30).join("\n")}`));
    });
  });
  await started;
  proc.removeAllListeners("exit");
  let stopping = false;
  proc.once("exit", (code, signal) => {
    if (!stopping) log(`${name} (pid ${proc.pid}) exited unexpectedly (${code ?? signal}); its last output:\n${output.slice(-30).join("\n")}`);
  });
  return {
    name,
    proc,
    port,
    output,
    async stop() {
      stopping = true;
      if (proc.exitCode !== null) return;
      const gone = new Promise<void>((r) => proc.once("exit", () => r()));
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await gone;
      clearTimeout(t);
    },
  };
}

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Resident memory now and its peak since start (VmHWM), in MB. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** Samples VmRSS every 250 ms while running; the peak seen. */
export class RssSampler {
  peak = 0;
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly pid: number) {}
  start(): void {
    this.timer = setInterval(() => {
      try {
        this.peak = Math.max(this.peak, memoryMb(this.pid).rss);
      } catch {
        /* the process is gone */
      }
    }, 250);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------- HTTP

/**
 * Keep-alive connections, closed after 2 s idle: the servers close idle ones after 5 s (Node's
 * default), and reusing one they are closing fails with "socket hang up".
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 2000 });

export interface HttpAnswer {
  status: number;
  body: string;
  ms: number;
}

export function post(port: number, pathname: string, body: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path: pathname, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - t }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A GraphQL request: throws on HTTP or GraphQL errors (with the contender's name). */
export async function graphql<T = any>(port: number, query: string, variables: Record<string, unknown> = {}, key?: string, pathname = "/graphql"): Promise<{ data: T; ms: number }> {
  const r = await post(port, pathname, JSON.stringify({ query, variables }), key ? { authorization: `Bearer ${key}` } : {});
  let parsed: { data?: T; errors?: unknown[] };
  try {
    parsed = JSON.parse(r.body);
  } catch {
    throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 500)}`);
  }
  if (r.status !== 200 || parsed.errors) throw new Error(`HTTP ${r.status}: ${JSON.stringify(parsed.errors ?? parsed).slice(0, 1000)}`);
  return { data: parsed.data as T, ms: r.ms };
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
  firstError: string | null;
}

/** `connections` loops each sending one request after the other for `seconds`; a request counts as an error unless HTTP 200 without `errors`. */
export async function load(seconds: number, connections: number, send: () => Promise<HttpAnswer>): Promise<LoadResult> {
  const end = performance.now() + seconds * 1000;
  const out: LoadResult = { requests: 0, errors: 0, seconds: 0, latencies: [], firstError: null };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        try {
          const r = await send();
          if (r.status !== 200 || r.body.startsWith('{"errors"') || r.body.includes('"errors":[')) {
            out.errors++;
            out.firstError ??= `HTTP ${r.status}: ${r.body.slice(0, 300)}`;
          } else {
            out.requests++;
            out.latencies.push(r.ms);
          }
        } catch (error) {
          out.errors++;
          out.firstError ??= String(error);
        }
      }
    }),
  );
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

// ---------------------------------------------------------------- counting SQL statements on the wire

/**
 * A TCP proxy between a client and PostgreSQL that counts the statements the client sends:
 * each simple Query ('Q') and each Execute ('E') of the extended protocol. It reads only the
 * client's side of the wire protocol, so it counts whatever library or code path issues them.
 * Used in a counting pass only (never while timing). The database URL must not ask for SSL.
 */
export class StatementCountingProxy {
  statements = 0;
  private server: net.Server | null = null;
  port = 0;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.host);
      let buffer = Buffer.alloc(0);
      let started = false;
      client.on("data", (chunk: Buffer) => {
        upstream.write(chunk);
        buffer = Buffer.concat([buffer, chunk]);
        for (;;) {
          if (!started) {
            if (buffer.length < 4) break;
            const len = buffer.readInt32BE(0);
            if (buffer.length < len) break;
            buffer = buffer.subarray(len);
            started = true; // the startup message (no type byte)
            continue;
          }
          if (buffer.length < 5) break;
          const len = buffer.readInt32BE(1);
          if (buffer.length < len + 1) break;
          const type = String.fromCharCode(buffer[0]);
          if (type === "Q" || type === "E") this.statements++;
          buffer = buffer.subarray(len + 1);
        }
      });
      upstream.on("data", (chunk) => client.write(chunk));
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", close);
      upstream.on("error", close);
      client.on("close", close);
      upstream.on("close", close);
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** The same URL pointing at another host and port. */
export function withHostPort(url: string, host: string, port: number): string {
  const u = new URL(url);
  u.hostname = host;
  u.port = String(port);
  return u.toString();
}

// ---------------------------------------------------------------- results

export interface Item {
  group: "lists" | "views" | "ingest";
  name: string;
  unit: string;
  /** This API's figure. */
  api: number | null;
  contenders: Record<string, number | null>;
  /** api / the contender the target is against (or its inverse for throughput, see `higherIsBetter`). */
  ratio: number | null;
  ratioAgainst: string | null;
  higherIsBetter: boolean;
  target: string;
  met: boolean | null;
  extra?: Record<string, unknown>;
  note?: string;
}

export interface Results {
  command: string;
  date: string;
  machine: string;
  node: string;
  database: string;
  dataSize: Record<string, number>;
  options: Partial<Options>;
  items: Item[];
  mismatches: string[];
  notes: string[];
}

export function ratio(api: number | null, other: number | null): number | null {
  if (api === null || other === null || !Number.isFinite(api) || !Number.isFinite(other) || other === 0) return null;
  return Math.round((api / other) * 100) / 100;
}
