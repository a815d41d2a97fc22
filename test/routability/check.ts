/**
 * The routability check: once every test file has run (jest's global teardown), each statement
 * the tests recorded (test/routability/record.ts) is judged by its plan (judge.ts): it must name
 * exactly one organization, unless an entry of the allow-list (allow-list.ts) covers it.
 * Writes test-results/routability/report.txt and fails the run on any other.
 *
 * `npx jest <files>` records and checks those files only; the report lists every allow-listed statement.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { openDatabase } from "../../src/database/data-source";
import { judgePlan, PlanNode, Problem } from "./judge";
import { ALLOW_LIST, AllowEntry, Judged } from "./allow-list";
import type { Origin, RecordedStatement } from "./record";
import { RESULTS_DIR, STATEMENTS_DIR } from "./paths";


/**
 * Tables with an organization_id column that are not tenant tables: copied to every node
 * (Citus reference tables), so a statement on them routes anywhere. api_keys carries the
 * issuing organization, but a key is found by its prefix before any organization is known.
 */
export const REFERENCE_TABLES = ["api_keys"];

/** Origins whose statements are covered as a whole: not the API's, not judged one by one. */
const WHOLESALE: Record<string, Origin[]> = { "test fixtures": ["fixture"], migrations: ["migration"], "demo data and benchmark data": ["seed", "bench"] };

/** Statements that read or write no table: transaction control and settings. */
const CONTROL = /^\s*(BEGIN|START TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET|RESET|SHOW|DEALLOCATE|DISCARD)\b/i;
const EXPLAINABLE = /^\s*\(?\s*(SELECT|WITH|INSERT|UPDATE|DELETE|MERGE|VALUES|TABLE)\b/i;

export interface CheckResult {
  /** Time spent recording in the test files, and judging here (for the report: what the check costs). */
  recordingMs: number;
  checkMs: number;
  files: number;
  recorded: number;
  shapes: number;
  judged: number;
  routed: { shapes: number; statements: number };
  noTenantTable: { shapes: number; statements: number };
  control: { shapes: number; statements: number };
  failedInTests: { shapes: number; statements: number };
  allowed: { entry: AllowEntry; statements: (Judged & { count: number })[]; total: number }[];
  failures: (Judged & { count: number; files: string[]; where: string | null })[];
  functions: Map<string, number>;
  triggers: { table: string; name: string; fn: string; level: string }[];
  tenantTables: string[];
}

function merge(): { files: number; recorded: number; recordingMs: number; statements: RecordedStatement[] } {
  const byKey = new Map<string, RecordedStatement>();
  let files = 0;
  let recorded = 0;
  let recordingMs = 0;
  if (!existsSync(STATEMENTS_DIR)) return { files, recorded, recordingMs, statements: [] };
  for (const name of readdirSync(STATEMENTS_DIR).filter((n) => n.endsWith(".json"))) {
    const data = JSON.parse(readFileSync(path.join(STATEMENTS_DIR, name), "utf8")) as { file: string; total: number; spentMs?: number; statements: RecordedStatement[] };
    files += 1;
    recorded += data.total;
    recordingMs += data.spentMs ?? 0;
    for (const s of data.statements) {
      const key = `${s.origin}\u0000${s.key}`;
      const seen = byKey.get(key);
      if (!seen) byKey.set(key, { ...s, operations: [...s.operations], files: [...s.files] });
      else {
        seen.count += s.count;
        seen.failed += s.failed;
        for (const o of s.operations) if (!seen.operations.includes(o)) seen.operations.push(o);
        for (const f of s.files) if (!seen.files.includes(f)) seen.files.push(f);
      }
    }
  }
  return { files, recorded, recordingMs, statements: [...byKey.values()] };
}

/** Judges what the tests recorded, on a fresh database of the current schema made on `adminUrl`'s server. */
export async function checkRecorded(adminUrl: string): Promise<CheckResult | null> {
  const started = Date.now();
  const { files, recorded, recordingMs, statements } = merge();
  if (statements.length === 0) return null;
  const name = `routability_${randomBytes(5).toString("hex")}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    const db = await openDatabase({ url: url.toString(), poolMax: 1, connectTimeoutMs: 10000, statementTimeoutMs: 60000 });
    await db.destroy();
    const clients = [new Client({ connectionString: url.toString() }), new Client({ connectionString: url.toString() })];
    await Promise.all(clients.map((c) => c.connect()));
    try {
      const result = await judgeAll(clients, files, recorded, statements);
      result.recordingMs = recordingMs;
      result.checkMs = Date.now() - started;
      return result;
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function judgeAll(clients: Client[], files: number, recorded: number, statements: RecordedStatement[]): Promise<CheckResult> {
  const c = clients[0];
  // Tenant tables, from the catalog: every table with an organization_id column, except the reference tables.
  // The value is where its distribution column sits in an INSERT's row (attnum - 1).
  const tenant = new Map<string, number>(
    (
      await c.query<{ table: string; attnum: number }>(
        `SELECT t.relname AS table, (SELECT a2.attnum FROM pg_attribute a2 WHERE a2.attrelid = t.oid
                  AND a2.attname = CASE t.relname WHEN 'organizations' THEN 'id' ELSE 'organization_id' END) AS attnum
           FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = t.oid
          WHERE n.nspname = 'public' AND t.relkind IN ('r', 'p') AND a.attname = 'organization_id' AND NOT a.attisdropped`,
      )
    ).rows
      .filter((r) => !REFERENCE_TABLES.includes(r.table))
      .map((r) => [r.table, r.attnum - 1]),
  );
  const appFunctions = (
    await c.query<{ name: string }>(
      `SELECT DISTINCT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype`,
    )
  ).rows.map((r) => r.name);
  const triggers = (
    await c.query<{ table: string; name: string; fn: string; level: string }>(
      `SELECT c.relname AS table, t.tgname AS name, p.proname AS fn, CASE WHEN t.tgtype & 1 = 1 THEN 'row' ELSE 'statement' END AS level
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
        WHERE NOT t.tgisinternal AND c.relname = ANY($1) ORDER BY c.relname, t.tgname`,
      [[...tenant.keys()]],
    )
  ).rows;

  const result: CheckResult = {
    recordingMs: 0,
    checkMs: 0,
    files,
    recorded,
    shapes: statements.length,
    judged: 0,
    routed: { shapes: 0, statements: 0 },
    noTenantTable: { shapes: 0, statements: 0 },
    control: { shapes: 0, statements: 0 },
    failedInTests: { shapes: 0, statements: 0 },
    allowed: ALLOW_LIST.map((entry) => ({ entry, statements: [], total: 0 })),
    failures: [],
    functions: new Map(),
    triggers,
    tenantTables: [...tenant.keys()].sort(),
  };
  const allow = (s: RecordedStatement, problems: Problem[]): boolean => {
    const judged: Judged = { sql: s.sql, origin: s.origin, operations: s.operations, callerOrganizations: s.callerOrganizations, params: s.params, problems };
    const i = ALLOW_LIST.findIndex((e) => (WHOLESALE[e.name] ?? []).includes(s.origin) || e.matches(judged));
    if (i < 0) {
      result.failures.push({ ...judged, count: s.count, files: s.files, where: s.where });
      return false;
    }
    result.allowed[i].total += s.count;
    if (!WHOLESALE[ALLOW_LIST[i].name]) result.allowed[i].statements.push({ ...judged, count: s.count });
    return true;
  };

  let next = 0;
  const work = async (client: Client) => {
    while (next < statements.length) {
      const s = statements[next++];
      if (ALLOW_LIST.some((e) => (WHOLESALE[e.name] ?? []).includes(s.origin))) {
        allow(s, []);
        continue;
      }
      const sql = s.sql.replace(/^\s*BEGIN\s*;/i, "").trim();
      if (sql === "" || (CONTROL.test(sql) && !sql.includes(";"))) {
        result.control.shapes += 1;
        result.control.statements += s.count;
        continue;
      }
      if (!EXPLAINABLE.test(sql)) {
        allow(s, [{ table: "?", kind: "unpinned" }]);
        continue;
      }
      let plan: PlanNode;
      try {
        const r = await client.query({ text: `EXPLAIN (VERBOSE, FORMAT JSON) ${sql}`, values: s.params });
        plan = (r.rows[0]["QUERY PLAN"] as { Plan: PlanNode }[])[0].Plan;
      } catch (error) {
        if (s.failed >= s.count) {
          // PostgreSQL refused it in the test too (bad input the test sends on purpose): it read nothing.
          result.failedInTests.shapes += 1;
          result.failedInTests.statements += s.count;
          continue;
        }
        allow(s, [{ table: `? (EXPLAIN failed: ${(error as Error).message})`, kind: "unpinned" }]);
        continue;
      }
      result.judged += 1;
      const verdict = judgePlan(plan, tenant, appFunctions);
      for (const f of verdict.functions) result.functions.set(f, (result.functions.get(f) ?? 0) + s.count);
      if (verdict.tables.length === 0) {
        result.noTenantTable.shapes += 1;
        result.noTenantTable.statements += s.count;
      } else if (verdict.problems.length === 0) {
        result.routed.shapes += 1;
        result.routed.statements += s.count;
      } else allow(s, verdict.problems);
    }
  };
  await Promise.all(clients.map(work));
  return result;
}

const oneLine = (sql: string, max = 220) => {
  const s = sql.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};
const describe = (p: Problem) =>
  p.kind === "unpinned" ? `${p.table}: no organization condition` : p.kind === "insert" ? `${p.table}: inserted rows name no constant organization` : `${p.table}: ${p.values!.length} organizations`;

/** The report: counts, the allow-listed statements entry by entry (debts apart), the failures. */
export function report(r: CheckResult): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const lines: string[] = [];
  lines.push(`Routability check: ${n(r.recorded)} statements recorded by ${r.files} test files, ${n(r.shapes)} distinct (SQL, origin, parameter form), ${n(r.judged)} judged by their plans.`);
  lines.push(`  cost: ${n(Math.round(r.recordingMs))} ms recording in the test files, ${n(r.checkMs)} ms to judge (a fresh database, migrated, and one EXPLAIN per shape)`);
  lines.push(`  tenant tables (from the catalog: an organization_id column; reference tables ${REFERENCE_TABLES.join(", ")} apart): ${r.tenantTables.length}`);
  lines.push(`  route to one organization: ${n(r.routed.shapes)} (${n(r.routed.statements)} statements)`);
  lines.push(`  touch no tenant table: ${n(r.noTenantTable.shapes)} (${n(r.noTenantTable.statements)} statements)`);
  lines.push(`  transaction control and settings: ${n(r.control.shapes)} (${n(r.control.statements)} statements)`);
  lines.push(`  refused by PostgreSQL in the tests too (bad input on purpose): ${n(r.failedInTests.shapes)} (${n(r.failedInTests.statements)} statements)`);
  lines.push("");
  lines.push("Allow-listed (meant to span organizations, or a named debt):");
  for (const a of r.allowed) {
    lines.push(`  [${a.entry.name}] ${n(a.total)} statements${a.statements.length ? `, ${a.statements.length} distinct` : ""}${a.entry.until ? ` (until ${a.entry.until})` : ""}`);
    lines.push(`      reason: ${a.entry.reason}`);
    for (const s of [...a.statements].sort((x, y) => x.sql.localeCompare(y.sql))) {
      lines.push(`    - ${oneLine(s.sql)}`);
      lines.push(`        ${s.problems.map(describe).join("; ")}; ${s.operations.length ? `mutations: ${s.operations.join(", ")}` : "a query"}; sent ${n(s.count)}×`);
    }
  }
  lines.push("");
  lines.push(`Not judged here (their bodies run inside the statement, out of EXPLAIN's sight):`);
  lines.push(`  application functions called: ${[...r.functions.entries()].map(([f, c]) => `${f} (${n(c)})`).join(", ") || "none"}`);
  const byFunction = new Map<string, string[]>();
  for (const t of r.triggers) byFunction.set(`${t.fn} (${t.level})`, [...(byFunction.get(`${t.fn} (${t.level})`) ?? []), t.table]);
  lines.push(`  trigger functions on tenant tables (from the catalog):`);
  for (const [fn, tables] of byFunction) lines.push(`    ${fn} on ${tables.length > 4 ? `${tables.length} tables` : tables.join(", ")}`);
  if (r.failures.length) {
    lines.push("");
    lines.push(`FAILED: ${r.failures.length} statement(s) touch tenant tables without naming exactly one organization, and no allow-list entry covers them:`);
    for (const f of r.failures) {
      lines.push(`  - ${oneLine(f.sql, 600)}`);
      lines.push(`      ${f.problems.map(describe).join("; ")}`);
      lines.push(`      origin ${f.origin}${f.where ? ` (${f.where})` : ""}; ${f.operations.length ? `mutations: ${f.operations.join(", ")}` : "no mutation"}; caller's organizations: ${f.callerOrganizations?.length ?? "-"}; sent ${n(f.count)}× by ${f.files.join(", ")}`);
      lines.push(`      parameters: ${oneLine(JSON.stringify(f.params), 300)}`);
    }
    lines.push("Name the organization (organization_id = $n with one value), or, when the statement is meant to span organizations, add an entry with its reason to test/routability/allow-list.ts.");
  }
  return lines.join("\n");
}

/** Checks, writes the report, and throws when a statement fans out. For jest's global teardown. */
export async function runRoutabilityCheck(adminUrl: string): Promise<void> {
  const result = await checkRecorded(adminUrl);
  if (!result) return;
  const text = report(result);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, "report.txt"), `${text}\n`);
  process.stdout.write(`\n${text}\n(full report: test-results/routability/report.txt)\n`);
  if (result.failures.length) {
    // The run's summary (test/helpers/summary-reporter.js, written before the teardown) counts the check as a failed test.
    const summaryFile = path.resolve(RESULTS_DIR, "..", "summary.json");
    if (existsSync(summaryFile)) {
      const summary = JSON.parse(readFileSync(summaryFile, "utf8"));
      summary.failed += 1;
      summary.total += 1;
      summary.routability = `${result.failures.length} statement(s) fan out`;
      writeFileSync(summaryFile, JSON.stringify(summary, null, 2));
    }
    throw new Error(`routability check failed: ${result.failures.length} statement(s) fan out (see above and test-results/routability/report.txt)`);
  }
}
