/**
 * The statements allowed to reach more than one organization's shard, each entry with its
 * reason. Everything else the tests send must name exactly one organization
 * (test/routability/check.ts). Keep it short: an entry is a promise that the statements it
 * covers are meant to span organizations, or a debt with the issue that pays it.
 *
 * Entries are tried in order; the first that matches a statement covers it.
 */
import type { Origin } from "./record";
import type { Problem } from "./judge";

/** A recorded statement with its verdict, as the allow-list sees it. */
export interface Judged {
  sql: string;
  origin: Origin;
  operations: string[];
  /** The caller's organizations (requests only). */
  callerOrganizations: string[] | null;
  /** The parameters it ran with, as text. */
  params: (string | null)[];
  problems: Problem[];
}

export interface AllowEntry {
  name: string;
  reason: string;
  /** Set on debts that issue 12's item 1 (global ids carrying the organization) is to pay: the check lists them apart. */
  until?: string;
  matches(s: Judged): boolean;
}

/** Every problem of the statement names the caller's organizations, no others (the caller holds several). */
function spansOnlyCallersOrganizations(s: Judged): boolean {
  const caller = s.callerOrganizations;
  if (!caller || caller.length < 2 || s.problems.length === 0) return false;
  const mine = new Set(caller);
  return s.problems.every((p) => p.kind === "several" && p.values!.every((v) => mine.has(v)));
}

/**
 * The organizations of a DataLoader batch's keys: the `org` column of its
 * `unnest($n::uuid[], …) AS k(org, …)` (or `k(i, org, …)`), read from the parameter it ran with.
 */
function keyOrganizations(s: Judged): Set<string> | null {
  const m = /unnest\(([^)]*)\) AS k\((i, )?org, /.exec(s.sql);
  if (!m) return null;
  const n = /^\$(\d+)/.exec(m[1].split(",")[m[2] ? 1 : 0]?.trim() ?? "");
  const text = n ? s.params[Number(n[1]) - 1] : null;
  if (!text || !text.startsWith("{") || !text.endsWith("}")) return null;
  // pg writes an array of uuids as {"…","…"}.
  return new Set(
    text
      .slice(1, -1)
      .split(",")
      .map((v) => v.replace(/^"(.*)"$/, "$1"))
      .filter((v) => v !== "" && v !== "NULL"),
  );
}

const onlyTables = (s: Judged, tables: string[]) => s.problems.every((p) => tables.includes(p.table));

export const ALLOW_LIST: AllowEntry[] = [
  {
    name: "test fixtures",
    reason: "the tests' own setup and probes (seeding rows, checking what was written), sent as the database owner outside any request; not API statements",
    matches: (s) => s.origin === "fixture",
  },
  {
    name: "migrations",
    reason: "schema changes and their backfills run once per database over every organization (on Citus they are distributed DDL run by the operator)",
    matches: (s) => s.origin === "migration",
  },
  {
    name: "demo data and benchmark data",
    reason: "the seed and the benchmark's generator and hand-written reference SQL load or read several organizations on purpose; not API statements",
    matches: (s) => s.origin === "seed" || s.origin === "bench",
  },
  {
    name: "a route defined by a test",
    reason:
      "test/e2e/web-streaming.test.ts mounts a download route of its own that runs this inside a request's transaction (to hold it open while the client aborts); its caller holds no organization, so row-level security shows it nothing; not an API statement",
    matches: (s) => s.origin === "request" && s.sql === "SELECT count(*) FROM organizations" && (s.callerOrganizations ?? []).length === 0,
  },
  {
    name: "the caller's organizations",
    reason: "the `organizations` list and `me` read each organization the key holds a role in: meant to span them (a funder's or a multi-organization admin's own list)",
    matches: (s) => s.origin === "request" && spansOnlyCallersOrganizations(s) && onlyTables(s, ["organizations"]) && s.operations.length === 0,
  },
  {
    name: "batches of several organizations asked about in one request",
    reason:
      "a DataLoader batch is keyed by (organization, id) and names the organizations of its keys: one statement for the rows of every organization the request asks about at once (e.g. `organizations { lifecycles }` for a key with several); a request about one organization names one",
    matches: (s) => {
      // Only the organizations of the batch's own keys, and several of them: a batch of one organization must name one.
      const keys = keyOrganizations(s);
      return s.origin === "request" && !!keys && keys.size > 1 && spansOnlyCallersOrganizations(s) && s.problems.every((p) => p.values!.every((v) => keys.has(v)));
    },
  },
];
