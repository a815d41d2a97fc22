/**
 * Records every statement the API sends to PostgreSQL during a test file (jest's
 * setupFilesAfterEnv: test/routability/setup.ts installs it), for the routability check
 * (test/routability/check.ts). Statements are kept once per "shape": the same SQL text, from
 * the same origin, with parameters of the same form (null or not, arrays by length and by
 * distinct values, one or more, and whether an array holds exactly the caller's organizations),
 * with the first values seen.
 * The values are kept as pg sends them (text), so the check can EXPLAIN the statement
 * with the very parameters it ran with.
 */
// pg's own conversion of a parameter to the text it sends (not in @types/pg).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require("pg/lib/utils") as { prepareValue(value: unknown): unknown };
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { QueryRunner } from "typeorm";
import { originOf } from "../../src/database/statement-listeners";

/** Where a statement came from. Only `fixture`, `migration`, `seed` and `bench` may be allow-listed as a whole. */
export type Origin = "request" | "authentication" | "app" | "fixture" | "migration" | "seed" | "bench" | "unknown";

export interface RecordedStatement {
  /** The statement's shape: its SQL, origin and parameters' form. */
  key: string;
  sql: string;
  origin: Origin;
  /** The parameters as text (pg's own conversion), or null. */
  params: (string | null)[];
  /** The caller's organizations (requests only). */
  callerOrganizations: string[] | null;
  /** Mutations that sent it (a query's statements carry none). */
  operations: string[];
  /** How many times this shape was sent, and how many of those PostgreSQL refused. */
  count: number;
  failed: number;
  /** Test files that sent it. */
  files: string[];
  /** For statements outside a request and authentication: the nearest frames of the project, for the report. */
  where: string | null;
}

const ROOT = require("node:path").resolve(__dirname, "..", "..");

function shapeOf(params: readonly unknown[] | undefined, callerOrganizations: string[] | null): string {
  if (!params) return "";
  const caller = callerOrganizations ? [...callerOrganizations].sort().join(",") : null;
  return params
    .map((p) => {
      if (p === null || p === undefined) return "n";
      if (Array.isArray(p)) {
        const same = caller !== null && p.every((v) => typeof v === "string") && [...new Set(p as string[])].sort().join(",") === caller;
        // Length and number of distinct values (1 or more): a batch of keys of one organization and one of several differ.
        const distinct = new Set(p.map((v) => JSON.stringify(v))).size;
        return `a${p.length === 0 ? 0 : p.length === 1 ? 1 : "N"}d${distinct <= 1 ? distinct : "N"}${same ? "c" : ""}`;
      }
      return "v";
    })
    .join(" ");
}

/** Where setup.ts keeps, on a query runner, the frames of the last EntityManager.query call on it. */
export const CALL_SITE = Symbol("routability call site");

const exists = new Map<string, boolean>();
/** The statement plumbing: the logger that tells the listeners, and the listeners. */
const PLUMBING = ["src/database/statement-listeners.ts", "src/database/data-source.ts", "test/routability/"];

/**
 * The project's frames of the current stack, innermost first, async callers included (V8 keeps
 * `await`ed callers). Frames of TypeORM (its source maps name files under src/ that are not the
 * project's) and of node are left out; a statement of TypeORM's migration runner is marked.
 */
export function projectFrames(): string[] {
  // The raw call sites, not the formatted stack: formatting maps every frame through source maps
  // (jest installs that), which costs far more than the statement itself. Line numbers are then
  // those of the compiled code: good enough to find the caller.
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, calls) => calls;
  Error.stackTraceLimit = 80;
  const holder: { stack?: unknown } = {};
  Error.captureStackTrace(holder);
  const calls = (holder.stack ?? []) as NodeJS.CallSite[];
  Error.prepareStackTrace = prepare;
  Error.stackTraceLimit = limit;
  const frames: string[] = [];
  for (const call of calls) {
    const name = call.getFileName();
    if (!name || !name.startsWith(ROOT)) continue;
    // Compiled code (dist/bench/generate.js, run by the benchmark's tests) counts as its source.
    const file = name.slice(ROOT.length + 1).replace(/^dist\//, "");
    if (file.endsWith("src/migration/MigrationExecutor.ts") || file.endsWith("migration/MigrationExecutor.js")) frames.push("(migration runner)");
    if (file.includes("node_modules/") || PLUMBING.some((p) => file.startsWith(p))) continue;
    if (!exists.has(name)) exists.set(name, existsSync(name));
    if (exists.get(name)) frames.push(`${file}:${call.getLineNumber()}`);
  }
  return frames;
}

/** The origin of a statement sent outside a request and authentication: the innermost project frame decides. */
function originOfFrames(frames: string[]): Origin {
  for (const f of frames) {
    if (f === "(migration runner)" || f.startsWith("migrations/")) return "migration";
    if (f.startsWith("src/")) return "app";
    if (f.startsWith("seeds/")) return "seed";
    if (f.startsWith("bench/")) return "bench";
    if (f.startsWith("test/") || f.startsWith("faults/")) return "fixture";
  }
  return "unknown";
}

export class StatementRecorder {
  readonly statements = new Map<string, RecordedStatement>();
  total = 0;
  /** Milliseconds spent recording (the check's cost to the tests, reported with its verdict). */
  spentMs = 0;

  constructor(private readonly file: string) {}

  record(sql: string, params: readonly unknown[] | undefined, runner: QueryRunner | undefined, failed: boolean): void {
    const started = performance.now();
    try {
      this.recordTimed(sql, params, runner, failed);
    } finally {
      this.spentMs += performance.now() - started;
    }
  }

  private recordTimed(sql: string, params: readonly unknown[] | undefined, runner: QueryRunner | undefined, failed: boolean): void {
    const tag = originOf(runner);
    let origin: Origin;
    let where: string | null = null;
    let callerOrganizations: string[] | null = null;
    let operation: string | null = null;
    if (tag) {
      origin = tag.origin;
      callerOrganizations = tag.organizationIds ? [...tag.organizationIds()] : null;
      operation = tag.operation ? tag.operation() : null;
    } else {
      let frames = projectFrames();
      // Through an EntityManager the awaited chain breaks (TypeORM returns the promise unawaited):
      // the frames seen where the manager was called stand in (test/routability/setup.ts).
      if (frames.length === 0) frames = (runner as { [CALL_SITE]?: string[] } | undefined)?.[CALL_SITE] ?? [];
      origin = originOfFrames(frames);
      where = frames.slice(0, 4).join(" < ") || null;
    }
    // A request's first statement (BEGIN and its settings) carries its request id as a literal: one shape for all.
    const text = sql.startsWith("BEGIN; SELECT set_config(") ? "BEGIN; SELECT set_config(…)" : sql;
    const key = `${origin}\u0000${shapeOf(params, callerOrganizations)}\u0000${callerOrganizations ? Math.min(callerOrganizations.length, 2) : "-"}\u0000${text}`;
    let entry = this.statements.get(key);
    if (failed) {
      // logQueryError follows the statement's logQuery: it was counted already.
      if (entry) entry.failed += 1;
      return;
    }
    this.total += 1;
    if (!entry) {
      entry = {
        key,
        sql,
        origin,
        params: (params ?? []).map((p) => {
          const v = prepareValue(p);
          return v === null || v === undefined ? null : Buffer.isBuffer(v) ? `\\x${v.toString("hex")}` : String(v);
        }),
        callerOrganizations,
        operations: [],
        count: 0,
        failed: 0,
        files: [this.file],
        where,
      };
      this.statements.set(key, entry);
    }
    entry.count += 1;
    if (operation && !entry.operations.includes(operation) && entry.operations.length < 20) entry.operations.push(operation);
  }
}
