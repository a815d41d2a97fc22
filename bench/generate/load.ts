import { EntityManager } from "typeorm";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createDefaults } from "../../src/modules/organization/organization.service";
import { issueKey } from "../../src/modules/access/authenticate";
import { Random } from "../../seeds/random";
import { derivedUuid } from "../../seeds/demo-impact";
import { OrganizationTemplate, Weighted } from "./templates";

/** One organization to generate. */
export interface OrganizationPlan {
  /** 1-based position among the generated organizations (part of every id). */
  index: number;
  template: string;
  spec: OrganizationTemplate;
  stakeholders: number;
  responses: number;
}

export interface GenerateOptions {
  seed: number;
  /** History ends here (exclusive), starts `years` calendar years earlier. */
  until: Date;
  years: number;
  log: (message: string) => void;
}

export interface IssuedKey {
  organization: string;
  role: string;
  key: string;
}

const DAY = 86400;

/**
 * CPU seconds used so far by a PostgreSQL backend on this machine (null when the server is
 * elsewhere): a measure of the work that a busy machine's wall clock hides.
 */
export function backendCpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** A SQL string literal. */
export const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const ts = (d: Date): string => `'${d.toISOString()}'::timestamptz`;
const textArray = (xs: readonly string[]): string => `ARRAY[${xs.map(lit).join(", ")}]::text[]`;

/** A CASE picking a value by weight from a uniform [0, 1) expression (evaluated per branch: keep it cheap). */
export function pick(u: string, items: Weighted<string>): string {
  if (items.length === 1) return lit(items[0][0]);
  const total = items.reduce((s, [, w]) => s + w, 0);
  let acc = 0;
  const whens = items.slice(0, -1).map(([v, w]) => {
    acc += w / total;
    return `WHEN ${u} < ${acc} THEN ${lit(v)}`;
  });
  return `CASE ${whens.join(" ")} ELSE ${lit(items[items.length - 1][0])} END`;
}

/**
 * Deterministic ids and draws: `gid(key)` is a version-4-shaped UUID made from md5(key);
 * `u(n, salt)` is a uniform draw in [0, 1) from PostgreSQL's 64-bit integer hash. Session
 * functions (pg_temp), inlined by the planner.
 */
export async function createHelpers(em: EntityManager): Promise<void> {
  await em.query(`
    CREATE OR REPLACE FUNCTION pg_temp.gid(k text) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT (substr(h, 1, 12) || '4' || substr(h, 14, 3) || translate(substr(h, 17, 1), '0123456789abcdef', '89ab89ab89ab89ab') || substr(h, 18))::uuid
        FROM (SELECT md5(k) AS h) x
    $$;
    CREATE OR REPLACE FUNCTION pg_temp.u(n bigint, salt bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT (hashint8extended(n, salt) & 9007199254740991)::float8 / 9007199254740992.0
    $$;`);
}

/** Same seed, template and position give the same organization id. */
export function organizationId(seed: number, index: number): string {
  const h = createHash("md5").update(`dbl-bench:${seed}:${index}:organization`).digest("hex");
  return `${h.slice(0, 12)}4${h.slice(13, 16)}${"89ab"[parseInt(h[16], 16) % 4]}${h.slice(17)}`.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
}

function addYears(d: Date, years: number): Date {
  return new Date(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
}

/**
 * Generates one organization: its structure through the app's own defaults
 * (createDefaults), then every large table with one INSERT … SELECT each, from
 * generate_series and hashes (no random()). Runs inside the caller's transaction.
 */
export async function generateOrganization(em: EntityManager, plan: OrganizationPlan, options: GenerateOptions): Promise<{ id: string; keys: IssuedKey[] }> {
  const { spec } = plan;
  const { until, seed } = options;
  const start = addYears(until, -options.years);
  const spanSecs = Math.round((until.getTime() - start.getTime()) / 1000);
  const org = organizationId(seed, plan.index);
  const O = lit(org);
  const rng = new Random(seed * 7919 + plan.index);
  // Salts for the hash draws: distinct per seed, organization and purpose.
  const salt = (k: number) => String(BigInt(seed) * 1000003n + BigInt(plan.index) * 10007n + BigInt(k));
  const tag = `${seed}:${plan.index}`;
  const u = (n: string, k: number) => `pg_temp.u(${n}, ${salt(k)})`;
  const q = (sql: string) => em.query(sql);
  const [{ pid }] = await q(`SELECT pg_backend_pid() AS pid`);
  const step = async (name: string, sql: string) => {
    const t = Date.now();
    const c = backendCpuSeconds(pid);
    await q(sql);
    const cpu = backendCpuSeconds(pid);
    options.log(`  ${spec.name}: ${name} ${((Date.now() - t) / 1000).toFixed(1)} s${c !== null && cpu !== null ? ` (server CPU ${(cpu - c).toFixed(1)} s)` : ""}`);
  };
  const created = new Date(start.getTime() - 60 * DAY * 1000);

  // --- Structure: organization, default lifecycles/stages/areas, partners, touchpoints.
  await q(`INSERT INTO organizations (id, name, impact_model, currency, created_at, updated_at) VALUES (${O}, ${lit(plan.index === 1 ? spec.name : `${spec.name} ${plan.index}`)}, ${lit(spec.impactModel)}, ${lit(spec.currency)}, ${ts(created)}, ${ts(created)})`);
  await createDefaults(em, org, () => rng.uuid());
  await q(`UPDATE lifecycles SET created_at = ${ts(created)} WHERE organization_id = ${O}`);
  await q(`UPDATE stages SET created_at = ${ts(created)} WHERE organization_id = ${O}`);
  await q(`UPDATE functional_areas SET created_at = ${ts(created)} + (SELECT count(*) FROM functional_areas b WHERE b.organization_id = functional_areas.organization_id AND b.name < functional_areas.name) * interval '1 microsecond' WHERE organization_id = ${O}`);
  if (spec.extraAreas.length) {
    await q(`INSERT INTO functional_areas (organization_id, id, name, created_at) SELECT ${O}, x.id, x.name, ${ts(created)} + interval '1 second' FROM unnest(ARRAY[${spec.extraAreas.map(() => lit(rng.uuid())).join(", ")}]::uuid[], ${textArray(spec.extraAreas)}) AS x(id, name)`);
  }
  const partnerIds = new Map(spec.partners.map((p) => [p.name, rng.uuid()]));
  await q(
    `INSERT INTO partners (organization_id, id, name, kind, region, created_at) VALUES ${spec.partners
      .map((p, i) => `(${O}, ${lit(partnerIds.get(p.name)!)}, ${lit(p.name)}, ${lit(p.kind)}, ${lit(p.region)}, ${ts(created)} + ${i} * interval '1 second')`)
      .join(", ")}`,
  );
  const areas = new Map<string, string>((await q(`SELECT id, name FROM functional_areas WHERE organization_id = ${O}`)).map((r: { id: string; name: string }) => [r.name, r.id]));
  const surveyedTouchpoints = new Set(spec.surveys.map((s) => s.touchpoint));
  const tps = spec.touchpoints.map((t, idx) => {
    const area = areas.get(t.area);
    if (!area) throw new Error(`template ${plan.template}: no functional area "${t.area}"`);
    if (t.partner && !partnerIds.has(t.partner)) throw new Error(`template ${plan.template}: no partner "${t.partner}"`);
    return { ...t, idx, id: rng.uuid(), areaId: area, partnerId: t.partner ? partnerIds.get(t.partner)! : null, surveyed: surveyedTouchpoints.has(t.name) };
  });
  await q(`CREATE TEMP TABLE g_stage AS SELECT kind::text AS kind, position AS pos, id, impact_mode::text AS mode FROM stages WHERE organization_id = ${O}`);
  await q(
    `CREATE TEMP TABLE g_tp (idx int, id uuid, kind text, pos int, area_id uuid, partner_id uuid, repeat_days float8, surveyed boolean, name text);
     INSERT INTO g_tp VALUES ${tps
       .map((t) => `(${t.idx}, ${lit(t.id)}, ${lit(t.kind)}, ${t.stage}, ${lit(t.areaId)}, ${t.partnerId ? lit(t.partnerId) : "NULL"}, ${t.repeatEveryDays ?? "NULL"}, ${t.surveyed}, ${lit(t.name)})`)
       .join(", ")};
     ALTER TABLE g_tp ADD COLUMN stage_id uuid;
     UPDATE g_tp SET stage_id = s.id FROM g_stage s WHERE s.kind = g_tp.kind AND s.pos = g_tp.pos;`,
  );
  await q(
    `INSERT INTO touchpoints (organization_id, id, stage_id, kind, name, channel, functional_area_id, partner_id, created_at)
     VALUES ${tps
       .map((t, i) => `(${O}, ${lit(t.id)}, (SELECT stage_id FROM g_tp WHERE idx = ${t.idx}), ${lit(t.kind)}, ${lit(t.name)}, ${lit(t.channel)}, ${lit(t.areaId)}, ${t.partnerId ? lit(t.partnerId) : "NULL"}, ${ts(created)} + ${i} * interval '1 second')`)
       .join(", ")}`,
  );

  // --- Populations and journey paths (tiny lookup tables).
  const pops = spec.populations;
  const shareTotal = pops.reduce((s, p) => s + p.share, 0);
  let acc = 0;
  const popRanges = pops.map((p) => {
    const lo = acc;
    acc += p.share / shareTotal;
    return { p, lo, hi: p === pops[pops.length - 1] ? 1.0000001 : acc };
  });
  const pathRows: string[] = [];
  const dwellRows: string[] = [];
  for (const { p } of popRanges) {
    const total = p.paths.reduce((s, [, w]) => s + w, 0);
    let a = 0;
    p.paths.forEach(([positions, w], pathNo) => {
      const lo = a / total;
      a += w;
      const hi = pathNo === p.paths.length - 1 ? 1.0000001 : a / total;
      positions.forEach((pos, stepNo) => pathRows.push(`(${lit(p.kind)}, ${lo}, ${hi}, ${stepNo}, ${pos})`));
    });
    p.dwellDays.forEach(([lo, hi], pos) => dwellRows.push(`(${lit(p.kind)}, ${pos}, ${lo}, ${hi})`));
  }
  await q(`CREATE TEMP TABLE g_path (kind text, lo float8, hi float8, step int, pos int); INSERT INTO g_path VALUES ${pathRows.join(", ")}`);
  await q(`CREATE TEMP TABLE g_dwell (kind text, pos int, lo float8, hi float8); INSERT INTO g_dwell VALUES ${dwellRows.join(", ")}`);

  const byKind = (f: (p: (typeof pops)[number]) => string) => (pops.length === 1 ? f(pops[0]) : `CASE kind ${pops.map((p) => `WHEN ${lit(p.kind)} THEN ${f(p)}`).join(" ")} END`);
  const kindExpr = pops.length === 1 ? lit(pops[0].kind) : `CASE ${popRanges
    .slice(0, -1)
    .map(({ p, hi }) => `WHEN ${u("n", 1)} < ${hi} THEN ${lit(p.kind)}`)
    .join(" ")} ELSE ${lit(pops[pops.length - 1].kind)} END`;

  // --- Stakeholders (attributes), journeys (ordered steps, cut at `until`).
  await step(
    "stakeholders (draft)",
    `CREATE TEMP TABLE g_s AS
     SELECT n, pg_temp.gid(${lit(`${tag}:s:`)} || n) AS id, kind, created, pu,
            ${byKind((p) => `${lit(p.refPrefix)} || '-' || lpad(n::text, 7, '0')`)} AS ref,
            ${byKind((p) => pick(u("n", 4), p.genders))} AS gender,
            ${byKind((p) => pick(u("n", 5), p.ageBands))} AS age,
            ${byKind((p) => pick(u("n", 6), p.regions))} AS region,
            ${byKind((p) => pick(u("n", 7), p.segments))} AS segment,
            ${byKind((p) => (p.registeredBy ? lit(partnerIds.get(p.registeredBy)!) : "NULL"))}::uuid AS partner,
            ${u("n", 8)} < ${byKind((p) => String(p.contactShare))} AS has_contact
       FROM (SELECT n, ${kindExpr} AS kind,
                    ${ts(start)} + floor(${spanSecs} * sqrt(${u("n", 2)})) * interval '1 second' AS created,
                    ${u("n", 3)} AS pu
               FROM generate_series(1, ${plan.stakeholders}::bigint) n) x;
     ANALYZE g_s`,
  );
  await step(
    "journeys (draft)",
    `CREATE TEMP TABLE g_step AS
     WITH raw AS (
       SELECT s.n, s.id AS sid, s.kind, s.partner, p.step, p.pos, s.created,
              floor((d.lo + ${u("s.n * 32 + p.step", 9)} * (d.hi - d.lo)) * ${DAY}) AS dwell
         FROM g_s s
         JOIN g_path p ON p.kind = s.kind AND s.pu >= p.lo AND s.pu < p.hi
         JOIN g_dwell d ON d.kind = s.kind AND d.pos = p.pos
     ), timed AS (
       SELECT raw.*, created + coalesce(sum(dwell) OVER (PARTITION BY n ORDER BY step ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) * interval '1 second' AS at
         FROM raw
     )
     SELECT t.n, t.sid, t.kind, t.partner, t.step, t.pos, st.id AS stage_id, st.mode, t.at,
            lag(st.id) OVER w AS from_stage_id,
            coalesce(lead(t.at) OVER w, ${ts(until)}) AS stay_end,
            lead(t.at) OVER w IS NULL AS last
       FROM timed t JOIN g_stage st ON st.kind = t.kind AND st.pos = t.pos
      WHERE t.at < ${ts(until)}
     WINDOW w AS (PARTITION BY t.n ORDER BY t.step);
     ANALYZE g_step`,
  );
  await step(
    "stakeholders",
    // Record keys (the cell-key method's) from the seed, so that the same seed gives the same rows.
    `INSERT INTO stakeholders (organization_id, id, kind, external_ref, gender, age_band, region, segment, current_stage_id, current_stage_entered_at, registered_by_partner_id, created_at, updated_at, record_key)
     SELECT ${O}, s.id, s.kind::stakeholder_kind, s.ref, s.gender::gender, s.age::age_band, s.region, s.segment, l.stage_id, l.at, s.partner, s.created, l.at,
            (hashint8extended(s.n, ${salt(901)}) & 1048575)::integer
       FROM g_s s JOIN g_step l ON l.n = s.n AND l.last
      ORDER BY s.created, s.n`,
  );
  await step(
    "stakeholder_contacts",
    `INSERT INTO stakeholder_contacts (organization_id, stakeholder_id, full_name, phone, email, updated_at)
     SELECT ${O}, id, 'Person ' || n, '+2547' || lpad((hashint8extended(n, ${salt(10)}) & 99999999)::text, 8, '0'),
            CASE WHEN ${u("n", 11)} < 0.3 THEN 'person' || n || '@example.org' END, created
       FROM g_s WHERE has_contact ORDER BY created, n`,
  );
  await step(
    "stage_transitions",
    `INSERT INTO stage_transitions (organization_id, id, stakeholder_id, kind, from_stage_id, to_stage_id, occurred_at, created_at, recorded_by_partner_id)
     SELECT ${O}, pg_temp.gid(${lit(`${tag}:t:`)} || (n * 32 + step)), sid, kind::stakeholder_kind, from_stage_id, stage_id, at, at, partner
       FROM g_step ORDER BY at, n, step`,
  );

  // --- Surveys (one version each, questions of every type), the detractor rule.
  const surveys = spec.surveys.map((s, idx) => {
    const tp = tps.find((t) => t.name === s.touchpoint && t.kind === s.audience);
    if (!tp) throw new Error(`template ${plan.template}: survey "${s.name}" has no ${s.audience} touchpoint "${s.touchpoint}"`);
    return { ...s, idx, id: rng.uuid(), versionId: rng.uuid(), tp, questions: s.questions.map((qq, pos) => ({ ...qq, pos, id: rng.uuid() })) };
  });
  const surveyCreated = new Date(start.getTime() - 30 * DAY * 1000);
  await q(
    `INSERT INTO surveys (organization_id, id, name, audience, stage_id, touchpoint_id, created_at, updated_at)
     VALUES ${surveys.map((s, i) => `(${O}, ${lit(s.id)}, ${lit(s.name)}, ${lit(s.audience)}, (SELECT stage_id FROM g_tp WHERE idx = ${s.tp.idx}), ${lit(s.tp.id)}, ${ts(surveyCreated)} + ${i} * interval '1 second', ${ts(surveyCreated)} + ${i} * interval '1 second')`).join(", ")}`,
  );
  await q(`INSERT INTO survey_versions (organization_id, id, survey_id, version, created_at) VALUES ${surveys.map((s, i) => `(${O}, ${lit(s.versionId)}, ${lit(s.id)}, 1, ${ts(surveyCreated)} + ${i} * interval '1 second')`).join(", ")}`);
  await q(
    `INSERT INTO survey_questions (organization_id, id, survey_version_id, key, position, type, text, options, required)
     VALUES ${surveys
       .flatMap((s) => s.questions.map((qq) => `(${O}, ${lit(qq.id)}, ${lit(s.versionId)}, ${lit(qq.key)}, ${qq.pos}, ${lit(qq.type)}, ${lit(qq.text)}, ${qq.options ? textArray(qq.options) : "NULL"}, ${qq.type === "NPS"})`))
       .join(", ")}`,
  );
  await q(
    `CREATE TEMP TABLE g_survey (idx int, id uuid, version_id uuid, tp_idx int, weight float8, via_partner boolean, p_promoter float8, p_passive float8, c_promoter text[], c_passive text[], c_detractor text[]);
     INSERT INTO g_survey VALUES ${surveys
       .map((s) => {
         const total = s.mix[0] + s.mix[1] + s.mix[2];
         return `(${s.idx}, ${lit(s.id)}, ${lit(s.versionId)}, ${s.tp.idx}, ${s.weight}, ${!!s.viaPartner}, ${s.mix[0] / total}, ${(s.mix[0] + s.mix[1]) / total}, ${textArray(s.comments.promoter)}, ${textArray(s.comments.passive)}, ${textArray(s.comments.detractor)})`;
       })
       .join(", ")};
     CREATE TEMP TABLE g_q (survey_idx int, id uuid, pos int, type text, options text[]);
     INSERT INTO g_q VALUES ${surveys.flatMap((s) => s.questions.map((qq) => `(${s.idx}, ${lit(qq.id)}, ${qq.pos}, ${lit(qq.type)}, ${qq.options ? textArray(qq.options) : "NULL::text[]"})`)).join(", ")}`,
  );
  const ruleId = rng.uuid();
  await q(`INSERT INTO action_rules (organization_id, id, name, kind, created_at) VALUES (${O}, ${lit(ruleId)}, 'Every detractor', 'DETRACTOR', ${ts(surveyCreated)})`);

  // --- Visits: every touchpoint of a stage during each stay (recurring ones every so many
  // days). Recurring surveyed visits come often enough that about 1.5x the requested
  // responses can be drawn from them.
  const [need] = await q(
    `SELECT coalesce(sum(CASE WHEN t.repeat_days IS NULL THEN 1 ELSE 0 END), 0)::float8 AS once,
            coalesce(sum(CASE WHEN t.repeat_days IS NOT NULL THEN extract(epoch FROM st.stay_end - st.at) / ${DAY} / t.repeat_days ELSE 0 END), 0)::float8 AS recurring
       FROM g_step st JOIN g_tp t ON t.stage_id = st.stage_id WHERE t.surveyed`,
  );
  const factor = need.recurring > 0 ? Math.max(1, (1.5 * plan.responses - need.once) / need.recurring) : 1;
  options.log(`  ${spec.name}: surveyed visits once ${need.once}, recurring ${Math.round(need.recurring)}; recurring visits x${factor.toFixed(2)}`);
  await step(
    "visits (draft)",
    `CREATE TEMP TABLE g_visit AS
     WITH v AS (
       SELECT st.n, st.sid, st.kind, st.partner, st.step, st.stage_id, st.mode, t.idx AS tp_idx, t.id AS tp_id, t.surveyed, t.partner_id AS tp_partner,
              ((st.n * 32 + st.step) * 32 + t.idx) * 4096 + g.v AS key,
              CASE WHEN t.repeat_days IS NULL
                   THEN st.at + floor(${u("((st.n * 32 + st.step) * 32 + t.idx) * 4096", 12)} * least(extract(epoch FROM st.stay_end - st.at), 7 * ${DAY})) * interval '1 second'
                   ELSE st.at + floor((g.v + ${u("((st.n * 32 + st.step) * 32 + t.idx) * 4096 + g.v", 12)}) * t.repeat_days * ${DAY} / CASE WHEN t.surveyed THEN ${factor} ELSE 1 END) * interval '1 second'
              END AS at,
              st.stay_end
         FROM g_step st
         JOIN g_tp t ON t.stage_id = st.stage_id
         CROSS JOIN LATERAL generate_series(0, CASE WHEN t.repeat_days IS NULL THEN 0
                                                    ELSE floor(extract(epoch FROM st.stay_end - st.at) / ${DAY} / t.repeat_days * CASE WHEN t.surveyed THEN ${factor} ELSE 1 END)::int END) AS g(v)
     )
     SELECT v.*,
            v.at + (1 + floor(${u("v.key", 13)} * 47)) * interval '1 hour' + floor(${u("v.key", 14)} * 3600) * interval '1 second' AS collected_at
       FROM v WHERE v.at < v.stay_end;
     ANALYZE g_visit`,
  );
  await step(
    "responses (draft)",
    `CREATE TEMP TABLE g_r AS
     WITH chosen AS (
       SELECT v.n, v.sid, v.kind, v.partner, v.stage_id, v.mode, v.tp_idx, v.tp_id, v.tp_partner, v.key, v.collected_at,
              s.idx AS survey_idx, s.weight, s.p_promoter, s.p_passive, s.via_partner,
              v.collected_at + CASE WHEN s.via_partner THEN (2 + floor(${u("v.key", 15)} * 118)) * interval '1 hour' ELSE floor(${u("v.key", 15)} * 3) * interval '1 hour' END
                             + floor(${u("v.key", 16)} * 3600) * interval '1 second' AS received_at
         FROM g_visit v JOIN g_survey s ON s.tp_idx = v.tp_idx
     ), eligible AS (
       -- A weighted sample without replacement (Efraimidis-Spirakis keys): surveys by weight x visits.
       SELECT * FROM chosen WHERE received_at < ${ts(until)}
        ORDER BY -ln(1 - ${u("key", 17)}) / weight, key
        LIMIT ${plan.responses}
     ), classed AS (
       SELECT e.*, ${u("key", 18)} AS cu FROM eligible e
     ), scored AS (
       SELECT c.*, CASE WHEN cu < p_promoter THEN 'P' WHEN cu < p_passive THEN 'A' ELSE 'D' END AS cls,
              CASE WHEN cu < p_promoter THEN 9 + floor(${u("key", 19)} * 2)::int
                   WHEN cu < p_passive THEN 7 + floor(${u("key", 19)} * 2)::int
                   ELSE ${pick(u("key", 19), [
                     ["0", 1],
                     ["1", 1],
                     ["2", 2],
                     ["3", 3],
                     ["4", 4],
                     ["5", 5],
                     ["6", 5],
                   ])}::int END AS nps
         FROM classed c
     ), numbered AS (
       SELECT row_number() OVER (ORDER BY received_at, key) AS rn, s.* FROM scored s
     )
     SELECT pg_temp.gid(${lit(`${tag}:r:`)} || rn) AS id, x.*,
            CASE WHEN ${u("key", 20)} < 0.4 THEN
              CASE cls WHEN 'P' THEN g.c_promoter[1 + floor(${u("key", 21)} * cardinality(g.c_promoter))::int]
                       WHEN 'A' THEN g.c_passive[1 + floor(${u("key", 21)} * cardinality(g.c_passive))::int]
                       ELSE g.c_detractor[1 + floor(${u("key", 21)} * cardinality(g.c_detractor))::int] END
            END AS comment
       FROM numbered x JOIN g_survey g ON g.idx = x.survey_idx;
     ANALYZE g_r`,
  );
  await step(
    "interactions",
    `INSERT INTO interactions (organization_id, id, stakeholder_id, touchpoint_id, kind, occurred_at, created_at, recorded_by_partner_id)
     SELECT ${O}, pg_temp.gid(${lit(`${tag}:i:`)} || v.key), v.sid, v.tp_id, v.kind::stakeholder_kind, v.at, v.at,
            CASE WHEN v.partner IS NOT NULL AND v.partner = v.tp_partner THEN v.partner END
       FROM g_visit v
      -- A join, not EXISTS or IN under OR: a subplan over a million responses that does not fit in
      -- work_mem is not hashed, and is then scanned once per visit (the step ran for over 40 minutes).
      LEFT JOIN (SELECT DISTINCT r.key FROM g_r r) answered ON answered.key = v.key
      WHERE answered.key IS NOT NULL OR ${u("v.key", 22)} < CASE WHEN v.surveyed THEN 0.2 ELSE 0.6 END
      ORDER BY v.at, v.key`,
  );
  await step(
    "feedback_responses",
    `INSERT INTO feedback_responses (organization_id, id, survey_id, survey_version_id, stakeholder_id, kind, touchpoint_id, stage_id, stage_impact_mode,
                                     collected_at, received_at, comment, nps, client_submission_id, content_hash, submitted_by_partner_id)
     SELECT ${O}, r.id, g.id, g.version_id, r.sid, r.kind::stakeholder_kind, r.tp_id, r.stage_id, r.mode::impact_mode,
            r.collected_at, r.received_at, r.comment, r.nps, ${lit(`gen-${plan.index}-`)} || r.rn,
            encode(sha256(convert_to(${lit(`${tag}:`)} || r.rn || ':' || r.nps || ':' || coalesce(r.comment, ''), 'UTF8')), 'hex'),
            CASE WHEN r.via_partner THEN r.tp_partner END
       FROM g_r r JOIN g_survey g ON g.idx = r.survey_idx ORDER BY r.rn`,
  );
  await step(
    "feedback_answers",
    `INSERT INTO feedback_answers (organization_id, response_id, question_id, type, value_number, value_text, value_bool)
     SELECT ${O}, r.id, qq.id, qq.type::question_type,
            CASE qq.type WHEN 'NPS' THEN r.nps
                         WHEN 'RATING' THEN greatest(1, least(5, round(r.nps / 2.2) + floor(${u("r.key * 8 + qq.pos", 23)} * 3) - 1))
                         WHEN 'EFFORT' THEN greatest(1, least(7, round(r.nps / 1.6) + floor(${u("r.key * 8 + qq.pos", 23)} * 3) - 1)) END,
            CASE qq.type WHEN 'CHOICE' THEN qq.options[1 + floor(${u("r.key * 8 + qq.pos", 23)} * cardinality(qq.options))::int]
                         WHEN 'TEXT' THEN CASE r.cls WHEN 'P' THEN g.c_promoter[1 + floor(${u("r.key * 8 + qq.pos", 23)} * cardinality(g.c_promoter))::int]
                                                     WHEN 'A' THEN g.c_passive[1 + floor(${u("r.key * 8 + qq.pos", 23)} * cardinality(g.c_passive))::int]
                                                     ELSE g.c_detractor[1 + floor(${u("r.key * 8 + qq.pos", 23)} * cardinality(g.c_detractor))::int] END END,
            CASE WHEN qq.type = 'YES_NO' THEN ${u("r.key * 8 + qq.pos", 23)} < CASE WHEN r.nps >= 7 THEN 0.9 ELSE 0.4 END END
       FROM g_r r JOIN g_q qq ON qq.survey_idx = r.survey_idx JOIN g_survey g ON g.idx = r.survey_idx
      WHERE CASE qq.type WHEN 'NPS' THEN true WHEN 'TEXT' THEN ${u("r.key * 8 + qq.pos", 24)} < 0.3 ELSE ${u("r.key * 8 + qq.pos", 24)} >= 0.03 END
      ORDER BY r.rn, qq.pos`,
  );
  // Actions: the detractor rule opened one on receipt, due after the follow-up time;
  // 65 % of loops closed on time, 20 % late, the rest still open (some overdue, a few won't do).
  await step(
    "actions",
    `INSERT INTO actions (organization_id, id, title, rule_id, response_id, stakeholder_id, kind, touchpoint_id, stage_id, owner_area_id, due_at,
                          status, root_cause, closed_at, loop_closed_at, loop_message, loop_channel, created_at, updated_at)
     WITH a AS (
       SELECT r.*, t.area_id, r.received_at + o.follow_up_hours * interval '1 hour' AS due_at, ${u("r.key", 25)} AS ou, ${u("r.key", 26)} AS tu
         FROM g_r r JOIN g_tp t ON t.idx = r.tp_idx JOIN organizations o ON o.id = ${O}
        WHERE r.nps <= 6
     ), c AS (
       SELECT a.*, CASE WHEN ou < 0.65 THEN received_at + floor(tu * extract(epoch FROM due_at - received_at)) * interval '1 second'
                        WHEN ou < 0.85 THEN due_at + (2 + floor(tu * 238)) * interval '1 hour' END AS closed
         FROM a
     ), d AS (
       SELECT c.*, CASE WHEN closed < ${ts(until)} THEN closed END AS done FROM c
     )
     SELECT ${O}, pg_temp.gid(${lit(`${tag}:a:`)} || rn), 'Follow up: Every detractor', ${lit(ruleId)}, id, sid, kind::stakeholder_kind, tp_id, stage_id, area_id, due_at,
            (CASE WHEN done IS NOT NULL THEN 'DONE' WHEN ${u("key", 27)} < 0.05 THEN 'WONT_DO' WHEN ${u("key", 27)} < 0.5 THEN 'IN_PROGRESS' ELSE 'OPEN' END)::action_status,
            CASE WHEN done IS NOT NULL THEN ${pick(u("key", 28), [
              ["Late delivery", 1],
              ["Faulty unit", 1],
              ["Unclear instructions", 1],
              ["Agent did not follow up", 1],
            ])} END,
            CASE WHEN done IS NOT NULL THEN done WHEN ${u("key", 27)} < 0.05 THEN least(due_at, ${ts(until)} - interval '1 second') END,
            done,
            CASE WHEN done IS NOT NULL THEN ${pick(u("key", 29), [
              ["We called back and fixed the problem", 1],
              ["A technician visited and replaced the part", 1],
              ["We apologised and explained what we changed", 1],
            ])} END,
            CASE WHEN done IS NOT NULL THEN ${pick(u("key", 30), [
              ["PHONE", 2],
              ["SMS", 1],
              ["FIELD_VISIT", 1],
            ])}::touchpoint_channel END,
            received_at, coalesce(done, received_at)
       FROM d ORDER BY received_at, rn`,
  );
  // A few actions opened by hand from gaps (no response): one per 500 stakeholders.
  const manual = Math.max(3, Math.round(plan.stakeholders / 500));
  await step(
    "actions (by hand)",
    `INSERT INTO actions (organization_id, id, title, description, touchpoint_id, stage_id, owner_area_id, owner_person, due_at, status, closed_at, created_at, updated_at)
     SELECT ${O}, pg_temp.gid(${lit(`${tag}:m:`)} || n), 'Close the gap at ' || t.name, 'Opened from the touchpoint review', t.id, t.stage_id, t.area_id,
            ${pick(u("n", 31), [
              ["Amina W.", 1],
              ["Peter O.", 1],
              ["Grace N.", 1],
            ])},
            x.created + (7 + floor(${u("n", 32)} * 60)) * interval '1 day',
            (CASE WHEN x.created + interval '30 days' < ${ts(until)} AND ${u("n", 33)} < 0.6 THEN 'DONE' WHEN ${u("n", 33)} < 0.8 THEN 'IN_PROGRESS' ELSE 'OPEN' END)::action_status,
            CASE WHEN x.created + interval '30 days' < ${ts(until)} AND ${u("n", 33)} < 0.6 THEN x.created + interval '30 days' END,
            x.created, CASE WHEN x.created + interval '30 days' < ${ts(until)} AND ${u("n", 33)} < 0.6 THEN x.created + interval '30 days' ELSE x.created END
       FROM (SELECT n, ${ts(start)} + floor(${spanSecs} * ${u("n", 34)}) * interval '1 second' AS created, floor(${u("n", 35)} * ${tps.length})::int AS tp_idx
               FROM generate_series(1, ${manual}) n) x
       JOIN g_tp t ON t.idx = x.tp_idx
      ORDER BY x.created, n`,
  );

  // --- Programmes (ids made from their names, not drawn from rng, so every other row is as before),
  // offerings and sales: a sale when a customer enters Purchase, plus anonymous ones.
  const offerings = spec.offerings.map((o) => ({ ...o, id: rng.uuid() }));
  const offeringsCreated = new Date(start.getTime() - 45 * DAY * 1000);
  const programmeIds = new Map(spec.programmes.map((p) => [p.name, derivedUuid(org, "programme", p.name)]));
  if (spec.programmes.length) {
    await q(
      `INSERT INTO programmes (organization_id, id, name, description, region, unit_of_delivery, beneficiaries_per_unit, active_from, created_at, updated_at) VALUES ${spec.programmes
        .map(
          (p, i) =>
            `(${O}, ${lit(programmeIds.get(p.name)!)}, ${lit(p.name)}, ${lit(p.description)}, ${lit(p.region)}, ${lit(p.unitOfDelivery)}, ${p.beneficiariesPerUnit ?? "NULL"}, ${ts(offeringsCreated)}, ${ts(offeringsCreated)} + ${i} * interval '1 second', ${ts(offeringsCreated)} + ${i} * interval '1 second')`,
        )
        .join(", ")}`,
    );
    const delivered = spec.programmes.flatMap((p) =>
      p.partners.map((name) => {
        if (!partnerIds.has(name)) throw new Error(`template ${plan.template}: no partner "${name}"`);
        return `(${O}, ${lit(programmeIds.get(p.name)!)}, ${lit(partnerIds.get(name)!)}, ${ts(offeringsCreated)})`;
      }),
    );
    if (delivered.length) await q(`INSERT INTO programme_partners (organization_id, programme_id, partner_id, created_at) VALUES ${delivered.join(", ")}`);
  }
  await q(
    `INSERT INTO offerings (organization_id, id, name, description, unit_price_minor, revenue_share_bps, units_given_per_unit, fixed_amount_per_sale_minor,
                            programme_id, beneficiaries_per_unit_given, amount_per_beneficiary_minor, created_at, updated_at)
     VALUES ${offerings
       .map(
         (o, i) =>
           `(${O}, ${lit(o.id)}, ${lit(o.name)}, ${lit(o.description)}, ${o.unitPriceMinor}, ${o.revenueShareBps ?? 0}, ${o.unitsGivenPerUnit ?? "0"}, ${o.fixedAmountPerSaleMinor ?? 0},
             ${o.programme ? lit(programmeIds.get(o.programme)!) : "NULL"}, ${o.beneficiariesPerUnitGiven ?? "NULL"}, ${o.amountPerBeneficiaryMinor ?? "NULL"}, ${ts(offeringsCreated)} + ${i} * interval '1 second', ${ts(offeringsCreated)} + ${i} * interval '1 second')`,
       )
       .join(", ")}`,
  );
  const weightTotal = offerings.reduce((s, o) => s + o.weight, 0);
  let wacc = 0;
  await q(
    `CREATE TEMP TABLE g_off (lo float8, hi float8, id uuid, price bigint, umin int, umax int);
     INSERT INTO g_off VALUES ${offerings
       .map((o, i) => {
         const lo = wacc;
         wacc += o.weight / weightTotal;
         return `(${lo}, ${i === offerings.length - 1 ? 1.0000001 : wacc}, ${lit(o.id)}, ${o.unitPriceMinor}, ${o.units[0]}, ${o.units[1]})`;
       })
       .join(", ")}`,
  );
  const [{ purchases }] = await q(`SELECT count(*)::int AS purchases FROM g_step WHERE kind = 'CUSTOMER' AND pos = 2`);
  const anonymous = Math.round(purchases * spec.anonymousSalesShare);
  await step(
    "sales",
    `INSERT INTO sales (organization_id, id, offering_id, customer_id, occurred_at, units, amount_minor, contribution_minor, units_given, beneficiaries_funded, client_key, content_hash, created_at)
     WITH base AS (
       SELECT st.n * 32 + st.step AS key, st.sid AS customer_id, st.at + floor(${u("st.n * 32 + st.step", 36)} * 4 * 3600) * interval '1 second' AS at
         FROM g_step st WHERE st.kind = 'CUSTOMER' AND st.pos = 2
       UNION ALL
       SELECT -n, NULL, ${ts(start)} + floor(${spanSecs} * sqrt(${u("n", 37)})) * interval '1 second' FROM generate_series(1, ${anonymous}) n
     ), s AS (
       SELECT b.*, o.id AS offering_id, ob.*, (o.umin + floor(${u("b.key", 38)} * (o.umax - o.umin + 1)))::int AS units, o.price
         FROM base b
         JOIN g_off o ON ${u("b.key", 39)} >= o.lo AND ${u("b.key", 39)} < o.hi
         JOIN offerings ob ON ob.organization_id = ${O} AND ob.id = o.id
        WHERE b.at < ${ts(until)}
     ), m AS (
       SELECT s.*, s.price * s.units AS amount,
              (s.price * s.units * s.revenue_share_bps + 5000) / 10000 + s.fixed_amount_per_sale_minor AS contribution
         FROM s
     )
     SELECT ${O}, pg_temp.gid(${lit(`${tag}:sale:`)} || key), offering_id, customer_id, at, units, amount, contribution,
            units * units_given_per_unit,
            coalesce(round(units * units_given_per_unit * beneficiaries_per_unit_given, 4), 0) + coalesce(round(contribution::numeric / amount_per_beneficiary_minor, 4), 0),
            ${lit(`gen-${plan.index}-sale-`)} || key,
            encode(sha256(convert_to(format('{"amountMinor":%s,"customerId":%s,"occurredAt":"%s","offeringId":"%s","units":%s}',
                   amount, coalesce('"' || customer_id || '"', 'null'), to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), offering_id, units), 'UTF8')), 'hex'),
            at
       FROM m ORDER BY at, key`,
  );

  // --- Metrics, yearly targets, monthly observations (some by gender, some at a stage).
  const stageIds = new Map<string, string>((await q(`SELECT kind || ':' || pos AS k, id FROM g_stage`)).map((r: { k: string; id: string }) => [r.k, r.id]));
  const metrics = spec.metrics.map((m) => ({ ...m, id: rng.uuid() }));
  const metricsCreated = new Date(start.getTime() - 40 * DAY * 1000);
  const baselineDate = new Date(start.getTime() - DAY * 1000).toISOString().slice(0, 10);
  await q(
    `INSERT INTO metrics (organization_id, id, name, category, perspective, kind, unit, unit_label, direction, aggregation, baseline_value, baseline_date,
                          impact_mode, catalogue_code, stage_id, created_at, updated_at)
     VALUES ${metrics
       .map(
         (m, i) =>
           `(${O}, ${lit(m.id)}, ${lit(m.name)}, ${lit(m.category)}, ${lit(m.perspective)}, ${lit(m.kind)}, ${lit(m.unit)}, ${m.unitLabel ? lit(m.unitLabel) : "NULL"},
             ${lit(m.direction ?? "HIGHER_IS_BETTER")}, ${lit(m.aggregation)}, ${m.baseline}, ${lit(baselineDate)}, ${m.impactMode ? lit(m.impactMode) : "NULL"},
             ${m.catalogueCode ? lit(m.catalogueCode) : "NULL"}, ${m.stage ? lit(stageIds.get(`${m.stage.kind}:${m.stage.position}`)!) : "NULL"},
             ${ts(metricsCreated)} + ${i} * interval '1 second', ${ts(metricsCreated)} + ${i} * interval '1 second')`,
       )
       .join(", ")}`,
  );
  const targets: string[] = [];
  for (const m of metrics) {
    for (let y = 0; y <= options.years; y++) {
      const from = addYears(start, y);
      const value = m.aggregation === "SUM" ? Math.round(m.target * (1 + 0.1 * y)) : m.target;
      targets.push(`(${O}, ${lit(rng.uuid())}, ${lit(m.id)}, ${ts(from)}, ${ts(addYears(start, y + 1))}, ${value}, ${ts(metricsCreated)})`);
    }
  }
  await q(`INSERT INTO metric_targets (organization_id, id, metric_id, period_from, period_to, value, created_at) VALUES ${targets.join(", ")}`);
  const months: Date[] = [];
  for (let m = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1)); ; m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))) {
    const next = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1));
    if (next > until) break;
    if (m >= start) months.push(m);
  }
  const obs: string[] = [];
  for (const m of metrics) {
    months.forEach((from, i) => {
      const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
      const t = i / Math.max(1, months.length - 1);
      const range = Math.abs(m.end - m.start) || 1;
      const value = Math.max(0, m.start + (m.end - m.start) * t + (rng.next() * 2 - 1) * m.noise * range);
      const stage = m.stage ? lit(stageIds.get(`${m.stage.kind}:${m.stage.position}`)!) : "NULL";
      const push = (v: number, dims: Record<string, string>, sample: number | null, suffix: string) => {
        const value = v.toFixed(m.decimals);
        const key = `gen-${plan.index}-${m.id.slice(0, 8)}-${from.toISOString().slice(0, 7)}${suffix}`;
        const hash = createHash("sha256").update(`${key}:${value}:${sample}`).digest("hex");
        // The record key (the cell-key method's) from the client key, so that the same seed gives the same rows.
        obs.push(
          `(${O}, ${lit(rng.uuid())}, ${lit(m.id)}, ${ts(from)}, ${ts(to)}, ${value}, ${sample ?? "NULL"}, ${stage}, ${lit(JSON.stringify(dims))}::jsonb, 'generated (bench)', ${lit(key)}, ${lit(hash)}, ${ts(new Date(Math.min(to.getTime() + 3 * DAY * 1000, until.getTime() - 1000)))}, ('x' || substr(md5(${lit(key)}), 1, 5))::bit(20)::integer)`,
        );
      };
      if (m.byGender) {
        const nf = rng.int(20, 80);
        const nm = rng.int(20, 80);
        const off = 0.03 * (Math.abs(value) || 1);
        push((value + off) * nf / (nf + nm) + (value - off) * nm / (nf + nm), {}, nf + nm, "");
        push(value + off, { gender: "FEMALE" }, nf, ":F");
        push(value - off, { gender: "MALE" }, nm, ":M");
      } else {
        push(value, {}, null, "");
      }
    });
  }
  if (obs.length) {
    await q(
      `INSERT INTO observations (organization_id, id, metric_id, period_from, period_to, value, sample_size, stage_id, dimensions, source, client_key, content_hash, created_at, record_key)
       VALUES ${obs.join(", ")}`,
    );
  }

  // --- Experience goals with their metrics and interventions; a report narrative.
  for (const g of spec.goals) {
    const tp = tps.find((t) => t.name === g.touchpoint)!;
    const goalId = rng.uuid();
    await q(`INSERT INTO experience_goals (organization_id, id, statement, touchpoint_id, stage_id, created_at, updated_at) VALUES (${O}, ${lit(goalId)}, ${lit(g.statement)}, ${lit(tp.id)}, (SELECT stage_id FROM g_tp WHERE idx = ${tp.idx}), ${ts(metricsCreated)}, ${ts(metricsCreated)})`);
    await q(`INSERT INTO experience_goal_metrics (organization_id, goal_id, metric_id) SELECT ${O}, ${lit(goalId)}, id FROM metrics WHERE organization_id = ${O} AND name = ANY(${textArray(g.metrics)})`);
    if (g.interventions.length) {
      await q(
        `INSERT INTO interventions (organization_id, id, goal_id, title, owner_area_id, starts_on, ends_on, status, created_at, updated_at) VALUES ${g.interventions
          .map((iv, i) => {
            const s = new Date(until.getTime() - (200 - 80 * i) * DAY * 1000);
            const e = new Date(s.getTime() + 90 * DAY * 1000);
            return `(${O}, ${lit(rng.uuid())}, ${lit(goalId)}, ${lit(iv.title)}, ${lit(areas.get(iv.owner)!)}, ${lit(s.toISOString().slice(0, 10))}, ${lit(e.toISOString().slice(0, 10))}, ${lit(iv.status)}, ${ts(metricsCreated)}, ${ts(metricsCreated)})`;
          })
          .join(", ")}`,
      );
    }
  }
  const reportTo = new Date(Date.UTC(until.getUTCFullYear(), until.getUTCMonth(), 1));
  const reportFrom = new Date(Date.UTC(until.getUTCFullYear() - 1, until.getUTCMonth(), 1));
  await q(`INSERT INTO report_narratives (organization_id, id, period_from, period_to, version, text, created_at) VALUES (${O}, ${lit(rng.uuid())}, ${ts(reportFrom)}, ${ts(reportTo)}, 1, ${lit(`${spec.name}: a year of generated benchmark data.`)}, ${ts(reportTo)})`);

  // --- API keys: one per role, from seeded randomness (bench data only: same seed, same keys).
  const keys: IssuedKey[] = [];
  const fieldPartner = spec.partners.find((p) => p.kind === "FIELD_PARTNER");
  const roles: { role: "ADMIN" | "STAFF" | "FUNDER" | "FIELD_PARTNER"; kind: "MEMBER" | "FUNDER" | "FIELD_PARTNER"; partner?: string }[] = [
    { role: "ADMIN", kind: "MEMBER" },
    { role: "STAFF", kind: "MEMBER" },
    { role: "FUNDER", kind: "FUNDER" },
    ...(fieldPartner ? [{ role: "FIELD_PARTNER" as const, kind: "FIELD_PARTNER" as const, partner: fieldPartner.name }] : []),
  ];
  for (const [i, r] of roles.entries()) {
    const keyRng = new Random(seed * 31 + plan.index * 101 + i);
    const made = await issueKey(em, {
      name: `${spec.name} ${r.role.toLowerCase()} (bench)`,
      kind: r.kind,
      issuerOrganizationId: org,
      grants: [{ organizationId: org, role: r.role, partnerId: r.partner ? partnerIds.get(r.partner)! : null }],
      random: (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(keyRng.next() * 256))),
    });
    keys.push({ organization: org, role: r.role, key: made.key });
  }

  await q(`DROP TABLE g_stage, g_tp, g_path, g_dwell, g_s, g_step, g_survey, g_q, g_visit, g_r, g_off`);
  return { id: org, keys };
}
