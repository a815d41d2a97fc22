/**
 * Judges one statement from its plan: EXPLAIN (VERBOSE, FORMAT JSON) with the parameters it
 * ran with (so every $n is a constant in the plan), run by the database owner (so row-level
 * security's own `organization_id = ANY (app_org_ids())` is not in it: what counts is what the
 * statement itself says). A statement routes to one shard when every scan of a tenant table
 * has a top-level condition `organization_id = <one value>` (or `= ANY ('{<one value>}')`; for
 * `organizations`, its distribution column `id` too), all naming the same organization, and
 * every row it inserts into a tenant table has a constant organization (or comes from rows of
 * scans so pinned). That is what Citus's router planner needs to send a statement to one shard.
 * PostgreSQL spreads an equality to every table joined on organization_id (equivalence
 * classes), as Citus does, so a join on organization_id pinned once counts for both sides; a
 * scan joined (or correlated, in a subquery) on organization_id with a pinned one is pinned too:
 * Citus routes such co-located joins to the one shard.
 */

export interface PlanNode {
  "Node Type": string;
  Operation?: string;
  "Relation Name"?: string;
  Alias?: string;
  "Index Cond"?: string;
  "Recheck Cond"?: string;
  Filter?: string;
  "TID Cond"?: string;
  Output?: string[];
  Plans?: PlanNode[];
  [key: string]: unknown;
}

/** What in a statement does not route to one organization's shard. */
export interface Problem {
  table: string;
  /** `unpinned`: a scan with no organization condition; `several`: one naming more than one; `insert`: rows inserted with no constant organization. */
  kind: "unpinned" | "several" | "insert";
  /** The organizations a `several` condition names. */
  values?: string[];
}

export interface Verdict {
  /** Tenant tables the statement reads or writes (scans and inserts). */
  tables: string[];
  /** The organizations its conditions name (one for a routable statement). */
  organizations: string[];
  problems: Problem[];
  /** Functions of the application's schema it calls: what they run inside is not seen here. */
  functions: string[];
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const SCAN_CONDITIONS = ["Index Cond", "Recheck Cond", "Filter", "TID Cond"] as const;
const JOIN_CONDITIONS = ["Hash Cond", "Merge Cond", "Join Filter"] as const;

/** Splits a deparsed condition into its top-level AND terms (quotes and parentheses respected). */
export function conjuncts(expression: string): string[] {
  let e = expression.trim();
  while (e.startsWith("(") && closingOf(e, 0) === e.length - 1) e = e.slice(1, -1).trim();
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < e.length; i++) {
    const ch = e[i];
    if (ch === "'") {
      i = endOfQuote(e, i);
      continue;
    }
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (depth === 0 && e.startsWith(" AND ", i)) {
      terms.push(e.slice(start, i));
      start = i + 5;
      i += 4;
    }
  }
  terms.push(e.slice(start));
  return terms.map((t) => {
    let s = t.trim();
    while (s.startsWith("(") && closingOf(s, 0) === s.length - 1) s = s.slice(1, -1).trim();
    return s;
  });
}

function endOfQuote(s: string, open: number): number {
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === "'") {
      if (s[i + 1] === "'") i++;
      else return i;
    }
  }
  return s.length;
}

function closingOf(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === "'") {
      i = endOfQuote(s, i);
      continue;
    }
    if (s[i] === "(") depth++;
    else if (s[i] === ")" && --depth === 0) return i;
  }
  return -1;
}

/**
 * The organizations one condition term pins a scan to, or null when it pins nothing:
 * `alias.organization_id = '<uuid>'::uuid` (either way round) or `= ANY ('{…}'::uuid[])`.
 */
export function pinnedBy(term: string, alias: string | undefined, columns: readonly string[]): string[] | null {
  const qualifier = `(?:(?:${alias ? escapeRe(alias) : "[^\\s.]+"}|"[^"]+")\\.)?`;
  for (const column of columns) {
    const col = `${qualifier}"?${column}"?`;
    let m = new RegExp(`^${col} = '(${UUID})'::uuid$`).exec(term) ?? new RegExp(`^'(${UUID})'::uuid = ${col}$`).exec(term);
    if (m) return [m[1]];
    m = new RegExp(`^${col} = ANY \\('\\{([^}']*)\\}'::uuid\\[\\]\\)$`).exec(term);
    if (m) {
      const values = m[1] === "" ? [] : m[1].split(",");
      if (values.every((v) => new RegExp(`^${UUID}$`).test(v))) return [...new Set(values)];
    }
  }
  return null;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\"]/g, "\\$&");
}

/** The distribution columns of a tenant table: organization_id, and `id` for organizations (organization_id is generated from it). */
function distributionColumns(table: string): string[] {
  return table === "organizations" ? ["organization_id", "id"] : ["organization_id"];
}

/**
 * The verdict on one plan. `tenantTables` maps each tenant table to the position (attnum - 1)
 * of its distribution column (organization_id; `id` for organizations), which is where an
 * INSERT's row carries it in the plan;
 * `appFunctions` are the application's own functions (their bodies are not judged here).
 */
export function judgePlan(plan: PlanNode, tenantTables: ReadonlyMap<string, number>, appFunctions: readonly string[]): Verdict {
  const tables = new Set<string>();
  const organizations = new Set<string>();
  const problems: Problem[] = [];
  const inserts: { table: string; expression: string | undefined; oneRow: boolean }[] = [];
  const functions = new Set<string>();
  const scans: { alias: string; table: string; pinned: Set<string> | null }[] = [];
  // Aliases of a subquery's or a CTE's rows, with the tenant scans they come from.
  const derived: { alias: string; scans: number[]; cte?: string }[] = [];
  const ctes = new Map<string, number[]>();
  const aliasTable = new Map<string, string>();
  const conditions: string[] = [];
  const callsOf = (text: string) => {
    for (const f of appFunctions) if (text.includes(`${f}(`)) functions.add(f);
  };
  const visit = (node: PlanNode): number[] => {
    for (const value of Object.values(node)) {
      if (typeof value === "string") callsOf(value);
      else if (Array.isArray(value)) for (const v of value) if (typeof v === "string") callsOf(v);
    }
    for (const key of [...SCAN_CONDITIONS, ...JOIN_CONDITIONS]) if (typeof node[key] === "string") conditions.push(node[key] as string);
    const below: number[] = [];
    for (const child of node.Plans ?? []) {
      const found = visit(child);
      below.push(...found);
      const name = child["Subplan Name"];
      if (typeof name === "string" && name.startsWith("CTE ")) ctes.set(name.slice(4), found);
    }
    if (node["Node Type"] === "Subquery Scan" && node.Alias) derived.push({ alias: node.Alias, scans: below });
    if (node["Node Type"] === "CTE Scan" && node.Alias && typeof node["CTE Name"] === "string") derived.push({ alias: node.Alias, scans: [], cte: node["CTE Name"] as string });
    const table = node["Relation Name"];
    if (!table || !tenantTables.has(table)) return below;
    tables.add(table);
    if (node["Node Type"] === "ModifyTable") {
      if (node.Operation === "Insert") {
        const source = node.Plans?.[0];
        inserts.push({ table, expression: source?.Output?.[tenantTables.get(table)!], oneRow: source?.["Node Type"] === "Result" && !source.Plans });
      }
      return below; // an UPDATE's or DELETE's rows come from its scans, judged below
    }
    let pinned: Set<string> | null = null;
    for (const key of SCAN_CONDITIONS) {
      const condition = node[key];
      if (typeof condition !== "string") continue;
      for (const term of conjuncts(condition)) {
        const values = pinnedBy(term, node.Alias, distributionColumns(table));
        if (values) pinned = pinned ? new Set(values.filter((v) => pinned!.has(v))) : new Set(values);
      }
    }
    const alias = node.Alias ?? table;
    aliasTable.set(alias, table);
    scans.push({ alias, table, pinned });
    return [...below, scans.length - 1];
  };
  visit(plan);
  for (const d of derived) if (d.cte) d.scans = ctes.get(d.cte) ?? [];

  // Scans joined on the distribution column (a join, or a subquery correlated on it) share their
  // organization: Citus co-locates them, and one of them pinned pins them all (a co-located join).
  // A subquery's or CTE's organization_id is that of the scans it reads, once they are pinned.
  const derivedAliases = new Map(derived.map((d) => [d.alias, d]));
  const parent = new Map<string, string>();
  const find = (a: string): string => {
    const p = parent.get(a) ?? a;
    if (p === a) return a;
    const root = find(p);
    parent.set(a, root);
    return root;
  };
  const isDistribution = (alias: string, column: string) => {
    const table = aliasTable.get(alias);
    if (table) return distributionColumns(table).includes(column);
    return derivedAliases.has(alias) && column === "organization_id";
  };
  for (const condition of conditions) {
    for (const term of conjuncts(condition)) {
      const m = /^([A-Za-z_][\w$]*)\.(organization_id|id) = ([A-Za-z_][\w$]*)\.(organization_id|id)$/.exec(term);
      if (m && m[1] !== m[3] && isDistribution(m[1], m[2]) && isDistribution(m[3], m[4])) parent.set(find(m[1]), find(m[3]));
    }
  }
  const resolved: (Set<string> | null)[] = scans.map((s) => s.pinned);
  for (let round = 0; round < 6; round++) {
    const componentPin = new Map<string, Set<string>>();
    const pinOf = (alias: string, pin: Set<string>) => {
      const root = find(alias);
      const seen = componentPin.get(root);
      componentPin.set(root, seen ? new Set([...seen].filter((v) => pin.has(v))) : pin);
    };
    scans.forEach((s, i) => resolved[i] && pinOf(s.alias, resolved[i]!));
    for (const d of derived) {
      if (d.scans.length === 0 || d.scans.some((i) => !resolved[i])) continue;
      pinOf(d.alias, new Set(d.scans.flatMap((i) => [...resolved[i]!])));
    }
    let changed = false;
    scans.forEach((s, i) => {
      if (resolved[i]) return;
      const pin = componentPin.get(find(s.alias));
      if (pin) {
        resolved[i] = pin;
        changed = true;
      }
    });
    if (!changed) break;
  }
  scans.forEach((scan, i) => {
    const pinned = resolved[i];
    if (!pinned) problems.push({ table: scan.table, kind: "unpinned" });
    else if (pinned.size > 1) problems.push({ table: scan.table, kind: "several", values: [...pinned].sort() });
    else for (const v of pinned) organizations.add(v);
  });
  for (const insert of inserts) {
    const constant = insert.expression ? new RegExp(`^'(${UUID})'::uuid$`).exec(insert.expression) : null;
    if (constant) organizations.add(constant[1]);
    else if (insert.oneRow && insert.expression === "gen_random_uuid()") {
      // One new row whose key is made as it is inserted (createOrganization): Citus computes
      // the value on the coordinator first, then routes the row to its one shard.
    }
    else if (!insert.expression || problems.length > 0 || organizations.size !== 1 || /^NULL::/.test(insert.expression)) {
      // Not a constant: it must come from scans pinned to one organization.
      problems.push({ table: insert.table, kind: "insert" });
    }
  }
  if (organizations.size > 1) problems.push({ table: [...tables].join(","), kind: "several", values: [...organizations].sort() });
  return { tables: [...tables].sort(), organizations: [...organizations].sort(), problems, functions: [...functions].sort() };
}
