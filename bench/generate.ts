/**
 * Large, deterministic data for the benchmark.
 *
 *   npm run bench:data -- --stakeholders 100000 --responses 1000000 [--years 3] [--seed 1]
 *                         [--url postgres://… | --dir ./bench-data] [--until 2026-12-01]
 *                         [--org hybrid:100000:1000000 --org solar:3000:30000 …] [--no-small] [--keep-indexes]
 *
 * What it makes: by default three organizations. The first, the large one, is a HYBRID
 * solar company (customers who are beneficiaries, and sales that fund schoolchildren, a
 * second lifecycle) with `--stakeholders` stakeholders and about `--responses` feedback
 * responses; then two small ones of a few thousand stakeholders with the other business
 * models: `solar` (CUSTOMER_IS_BENEFICIARY) and `shoes` (CUSTOMER_FUNDS_BENEFICIARY).
 * `--org template:stakeholders:responses` (repeatable; templates: hybrid, solar, shoes in
 * bench/generate/templates.ts) replaces that list; `--no-small` keeps only the large one.
 *
 * Per organization: the organization with the app's default lifecycles, stages and
 * functional areas (createDefaults, as the API creates them), partners, touchpoints owned
 * by areas and partners, stakeholders of both kinds with gender, age band, region and
 * segment (some with contact data, beneficiaries registered by a field partner), journeys
 * (ordered stage transitions over `--years` of history ending at `--until`, the current
 * stage being the last one), interactions (visits to the touchpoints of each stay, monthly
 * calls repeated), surveys with questions of every type and responses with answers of every
 * type (nps column = the NPS answer, comments on 40 %), the "every detractor" rule with its
 * actions (loops closed on time, late, open, overdue, won't do) plus actions opened by hand,
 * offerings with impact rules and their sales (a sale per entry into Purchase, plus
 * anonymous sales; contribution, units given and beneficiaries funded computed as
 * recordSales does), KPI and SOCIAL, INPUT and OUTPUT metrics with yearly targets and
 * monthly observations (some split by gender, some at a stage), experience goals with
 * interventions, a report narrative, and one API key per role (ADMIN, STAFF, FUNDER,
 * FIELD_PARTNER) derived from the seed (bench data only: printed at the end).
 *
 * How: the app's migrations run first (openDatabase). Then, in one transaction, every large
 * table is filled by a few INSERT … SELECT statements over generate_series; ids come from
 * md5 of (seed, organization, row number) and every draw from hashint8extended (no
 * random()), so the same options and seed give the same rows. `--until` defaults to today
 * (00:00 UTC): pass it to get the same data on another day. Rows go in in time order, as
 * the API would have written them. The per-row `audit` triggers are disabled for the load
 * (ALTER TABLE … DISABLE TRIGGER audit and audit_insert, inside the transaction, re-enabled before commit):
 * generated rows are not API writes, so they have no audit entries. So are the feedback rollups'
 * triggers (feedback_rollup_*): each generated organization's rollups are computed once from its
 * rows at the end (feedback_rollup_rebuild, in slot 0, so the same seed gives the same rollup rows),
 * and the triggers are put back as they were (ENABLE ALWAYS). Every other trigger
 * fires, statement-level ones once per INSERT (no session_replication_role). Checks and
 * unique constraints hold row by row; the foreign keys of the large tables (BULK_TABLES)
 * are dropped at the start of the transaction and added back, with pg_get_constraintdef's
 * exact definition, before the commit: adding a foreign key validates every row in one
 * join, far cheaper than millions of per-row checks, and the load fails if one row breaks
 * it. Likewise their secondary indexes (the ones that back no constraint) are dropped and
 * built again from pg_get_indexdef after the load (`--keep-indexes` grows them row by row
 * instead); primary keys and unique constraints stay and are checked row by row. The test
 * checks that constraints and indexes end exactly as they were. After the commit, ANALYZE. Content hashes of sales are
 * those recordSales computes; those of responses and observations are hashes of the
 * generated content (a retry of a generated client key would be classed CONFLICT).
 *
 * `--url` (default DATABASE_URL) names an existing database; `--dir` starts an embedded
 * PostgreSQL with its data in that folder (stopped at the end; the app then uses it with
 * EMBEDDED_PG_DIR). It refuses to load an organization that exists already.
 */
import "reflect-metadata";
import { DataSource } from "typeorm";
import { openDatabase } from "../src/database/data-source";
import { startEmbeddedPostgres, EmbeddedDatabase } from "../src/database/embedded";
import { TEMPLATES } from "./generate/templates";
import { backendCpuSeconds, createHelpers, generateOrganization, IssuedKey, organizationId, OrganizationPlan } from "./generate/load";

/** The tables filled with many rows; their foreign keys are validated after the load. */
export const BULK_TABLES = ["stakeholders", "stakeholder_contacts", "stage_transitions", "interactions", "feedback_responses", "feedback_answers", "actions", "sales"];

export interface GeneratorOptions {
  seed: number;
  years: number;
  until: Date;
  organizations: { template: string; stakeholders: number; responses: number }[];
  /** Maintain the large tables' secondary indexes row by row instead of building them after the load. */
  keepIndexes?: boolean;
  log?: (message: string) => void;
}

export interface GeneratorResult {
  organizations: { id: string; name: string; template: string }[];
  keys: IssuedKey[];
  seconds: number;
  /** CPU seconds of the loading PostgreSQL backend (before ANALYZE), when the server runs on this machine. */
  serverCpuSeconds: number | null;
}

/** Parses the command line (see the comment at the top). */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): GeneratorOptions & { url: string | null; dir: string | null; port: number } {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const [name, inline] = a.slice(2).split("=", 2);
    if (name === "no-small" || name === "keep-indexes") {
      flags.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  const known = ["stakeholders", "responses", "years", "seed", "url", "dir", "port", "until", "org"];
  for (const k of values.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k} (known: ${known.join(", ")}, no-small, keep-indexes)`);
  const one = (k: string) => values.get(k)?.at(-1);
  const int = (k: string, fallback: number, min: number) => {
    const v = one(k);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${k} must be a whole number >= ${min}`);
    return n;
  };
  const stakeholders = int("stakeholders", 100000, 1);
  const responses = int("responses", stakeholders * 10, 0);
  let organizations = [{ template: "hybrid", stakeholders, responses }];
  if (values.has("org")) {
    organizations = values.get("org")!.map((spec) => {
      const [template, s, r] = spec.split(":");
      if (!TEMPLATES[template] || !/^\d+$/.test(s ?? "") || !/^\d+$/.test(r ?? "") || Number(s) < 1) {
        throw new Error(`--org ${spec}: expected template:stakeholders:responses with template one of ${Object.keys(TEMPLATES).join(", ")}`);
      }
      return { template, stakeholders: Number(s), responses: Number(r) };
    });
  } else if (!flags.has("no-small")) {
    organizations.push({ template: "solar", stakeholders: 3000, responses: 30000 }, { template: "shoes", stakeholders: 4000, responses: 40000 });
  }
  const untilText = one("until");
  const now = new Date();
  const until = untilText ? new Date(`${untilText}${untilText.length === 10 ? "T00:00:00Z" : ""}`) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (Number.isNaN(until.getTime())) throw new Error("--until must be a date (YYYY-MM-DD) or an ISO timestamp");
  return {
    keepIndexes: flags.has("keep-indexes"),
    seed: int("seed", 1, 0),
    years: int("years", 3, 1),
    until,
    organizations,
    url: one("url") ?? (one("dir") ? null : env.DATABASE_URL ?? null),
    dir: one("dir") ?? null,
    port: int("port", 55439, 1),
  };
}

/**
 * Loads the organizations into `db` (migrated already) in one transaction, then ANALYZE.
 */
export async function generate(db: DataSource, options: GeneratorOptions): Promise<GeneratorResult> {
  const log = options.log ?? (() => undefined);
  const t0 = Date.now();
  const plans: OrganizationPlan[] = options.organizations.map((o, i) => ({ index: i + 1, template: o.template, spec: TEMPLATES[o.template], stakeholders: o.stakeholders, responses: o.responses }));
  const ids = plans.map((p) => organizationId(options.seed, p.index));
  const existing: { id: string }[] = await db.query(`SELECT id FROM organizations WHERE id = ANY($1::uuid[])`, [ids]);
  if (existing.length) throw new Error(`organization ${existing[0].id} exists already: this seed was generated into this database before (use another --seed or a fresh database)`);
  const result: GeneratorResult = { organizations: [], keys: [], seconds: 0, serverCpuSeconds: null };
  await db.transaction(async (em) => {
    await em.query(`SET LOCAL statement_timeout = 0`);
    // One backend does all the work (no parallel workers), so that its CPU time is the whole cost.
    await em.query(`SET LOCAL max_parallel_workers_per_gather = 0`);
    const [{ pid }] = await em.query(`SELECT pg_backend_pid() AS pid`);
    const cpu0 = backendCpuSeconds(pid);
    await em.query(`SELECT set_config('app.operation', 'bench-generate', true)`);
    // The audit triggers: per row (`audit`) and, since statement-level insert auditing, `audit_insert`.
    const audited: { table: string; trigger: string }[] = await em.query(
      `SELECT c.relname AS table, t.tgname AS trigger FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE t.tgname IN ('audit', 'audit_insert') AND NOT t.tgisinternal AND n.nspname = 'public' ORDER BY 1, 2`,
    );
    for (const { table, trigger } of audited) await em.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    // The feedback rollups' triggers (ENABLE ALWAYS): rebuilt once per organization after the load.
    const rollupTriggers: { table: string; trigger: string; enabled: string }[] = await em.query(
      `SELECT c.relname AS table, t.tgname AS trigger, t.tgenabled AS enabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE t.tgfoid::regproc::text LIKE 'feedback\\_rollup\\_%' AND NOT t.tgisinternal AND n.nspname = 'public' ORDER BY 1, 2`,
    );
    for (const { table, trigger } of rollupTriggers) await em.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    // Foreign keys of the large tables are checked once per constraint after the load
    // (dropped, then added back with the same definition, which validates every row in one
    // join) instead of once per row: the same guarantee, a fraction of the time.
    const foreignKeys: { table: string; name: string; def: string }[] = await em.query(
      `SELECT c.conrelid::regclass::text AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS def
         FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY($1::text[]) ORDER BY 1, 2`,
      [BULK_TABLES],
    );
    for (const fk of foreignKeys) await em.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${fk.name}`);
    // Their secondary indexes (those that back no constraint) are built once after the load
    // rather than grown row by row, as pg_restore does; primary keys and unique constraints stay.
    const indexes: { name: string; def: string }[] =
      options.keepIndexes === true
        ? []
        : await em.query(
            `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
               FROM pg_index i WHERE i.indrelid::regclass::text = ANY($1::text[])
                AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1`,
            [BULK_TABLES],
          );
    for (const ix of indexes) await em.query(`DROP INDEX ${ix.name}`);
    await createHelpers(em);
    for (const plan of plans) {
      const t = Date.now();
      log(`${plan.spec.name} (${plan.template}): ${plan.stakeholders} stakeholders, ${plan.responses} responses`);
      const made = await generateOrganization(em, plan, { seed: options.seed, until: options.until, years: options.years, log });
      result.organizations.push({ id: made.id, name: plan.spec.name, template: plan.template });
      result.keys.push(...made.keys);
      log(`${plan.spec.name}: done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    const ti = Date.now();
    await em.query(`SET LOCAL maintenance_work_mem = '512MB'`);
    await em.query(`SET LOCAL max_parallel_maintenance_workers = 0`);
    for (const ix of indexes) await em.query(ix.def);
    if (indexes.length) log(`${indexes.length} indexes of the large tables built in ${((Date.now() - ti) / 1000).toFixed(1)} s`);
    const tv = Date.now();
    // Statistics first, and hash joins only: without them the planner may pick a merge join
    // over organization_id alone, which rescans the inner side for every row (quadratic).
    for (const table of BULK_TABLES) await em.query(`ANALYZE ${table}`);
    await em.query(`SET LOCAL enable_mergejoin = off`);
    await em.query(`SET LOCAL enable_nestloop = off`);
    for (const fk of foreignKeys) await em.query(`ALTER TABLE ${fk.table} ADD CONSTRAINT ${fk.name} ${fk.def}`);
    await em.query(`SET LOCAL enable_mergejoin = on`);
    await em.query(`SET LOCAL enable_nestloop = on`);
    log(`foreign keys of the large tables validated in ${((Date.now() - tv) / 1000).toFixed(1)} s`);
    for (const { table, trigger } of audited) await em.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
    if (rollupTriggers.length) {
      const tr = Date.now();
      for (const o of result.organizations) await em.query(`SELECT feedback_rollup_rebuild($1), feedback_rollup_keys_rebuild($1)`, [o.id]);
      for (const { table, trigger, enabled } of rollupTriggers) {
        await em.query(`ALTER TABLE ${table} ENABLE ${enabled === "A" ? "ALWAYS" : enabled === "R" ? "REPLICA" : ""} TRIGGER ${trigger}`);
      }
      log(`feedback rollups of ${result.organizations.length} organizations computed in ${((Date.now() - tr) / 1000).toFixed(1)} s`);
    }
    const cpu1 = backendCpuSeconds(pid);
    result.serverCpuSeconds = cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null;
  });
  const ta = Date.now();
  await db.query(`ANALYZE`);
  log(`ANALYZE ${((Date.now() - ta) / 1000).toFixed(1)} s`);
  result.seconds = (Date.now() - t0) / 1000;
  return result;
}

/** Rows per table per organization, for the tenant tables the generator fills. */
export async function countRows(db: DataSource, organizationIds: string[]): Promise<Record<string, Record<string, number>>> {
  const tables: { table_name: string }[] = await db.query(
    `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'organization_id'
        AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE')
      ORDER BY table_name`,
  );
  const out: Record<string, Record<string, number>> = {};
  for (const { table_name } of tables) {
    const rows: { organization_id: string; n: number }[] = await db.query(`SELECT organization_id, count(*)::int AS n FROM ${table_name} WHERE organization_id = ANY($1::uuid[]) GROUP BY 1`, [organizationIds]);
    out[table_name] = Object.fromEntries(organizationIds.map((id) => [id, rows.find((r) => r.organization_id === id)?.n ?? 0]));
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (m: string) => process.stdout.write(`${m}\n`);
  let embedded: EmbeddedDatabase | null = null;
  let url = args.url;
  if (args.dir) {
    embedded = await startEmbeddedPostgres({ dataDir: args.dir, port: args.port, database: "dbl", log: (m) => (/ERROR|FATAL/.test(m) ? log(m) : undefined) });
    url = embedded.url;
    log(`embedded PostgreSQL with its data in ${args.dir}, port ${args.port}`);
  }
  if (!url) throw new Error("give --url, --dir or DATABASE_URL");
  const db = await openDatabase({ url, poolMax: 2, connectTimeoutMs: 30000, statementTimeoutMs: 0 });
  // Long statements are the point here: no "slow query" warnings.
  Object.assign(db.driver.options, { maxQueryExecutionTime: 0 });
  try {
    log(`seed ${args.seed}, ${args.years} years of history until ${args.until.toISOString()}`);
    const result = await generate(db, { ...args, log });
    const ids = result.organizations.map((o) => o.id);
    const counts = await countRows(db, ids);
    log(`\ngenerated in ${result.seconds.toFixed(1)} s${result.serverCpuSeconds !== null ? ` (loading backend: ${result.serverCpuSeconds.toFixed(1)} s of CPU)` : ""}`);
    log(["table".padEnd(26), ...result.organizations.map((o) => `${o.name} (${o.id.slice(0, 8)})`.padStart(28))].join(""));
    for (const [table, byOrg] of Object.entries(counts)) log([table.padEnd(26), ...ids.map((id) => String(byOrg[id]).padStart(28))].join(""));
    log(`\norganizations:`);
    for (const o of result.organizations) log(`  ${o.id}  ${o.name} (${o.template})`);
    log(`\nAPI keys (bench data only, derived from the seed):`);
    for (const k of result.keys) log(`  ${k.organization}  ${k.role.padEnd(13)} ${k.key}`);
  } finally {
    await db.destroy();
    if (embedded) await embedded.stop();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench:data failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
