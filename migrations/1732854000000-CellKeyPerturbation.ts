import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The cell-key method for funders' counts (src/common/perturbation.ts):
 *
 * - `stakeholders.record_key`: every stakeholder's random record key, uniform on 0..2^20-1, drawn
 *   by the column's default when the row is inserted (existing rows each get their own draw: a
 *   volatile default is evaluated per row when the column is added). Never changed (a trigger
 *   refuses it: the keys of a cell must be the same after a restart and a year later), never shown
 *   by the API (no GraphQL field, not in exports), and redacted in the audit log like a personal
 *   column (both audit triggers of stakeholders take it as an argument), since a key seen next to a
 *   person would let someone who also sees funders' figures undo the adjustment of small cells.
 *   A covering index (organization_id, id) INCLUDE (record_key and the four dimensions) lets funders'
 *   views add up the keys of the people they count, by dimension too, without reading the stakeholder rows (an index-only scan once the
 *   table has been vacuumed: run VACUUM (ANALYZE) stakeholders after this migration on a large
 *   database, or let autovacuum get there).
 * - `organizations.perturbation_maximum`: D, the largest adjustment, 1..5, 2 by default.
 * - `feedback_daily_keys`: the rollup funders' NPS reads its cell keys from. Per organization,
 *   UTC day, slot and the keys of `feedback_daily` (kind, survey, touchpoint, stage, IN_USE): per
 *   NPS class, the answers (`promoters`, `passives`, `detractors`) and the sum of the record keys
 *   of the people who gave them (`promoter_keys`, …: one key per answer). Kept by statement-level
 *   triggers on feedback_responses, like the other feedback rollups: inserted responses add, an
 *   update takes out the rows it changed (as they were) and adds them (as they are), a delete
 *   computes the days it touched again from the responses left (a stakeholder deleted in the same
 *   statement can no longer be looked up), TRUNCATE rebuilds. `feedback_rollup_keys_rebuild(org)`
 *   computes an organization's (or every, NULL) rows again (the migration, a bulk load). Named
 *   `feedback_rollup_keys_*`, so that a bulk load that turns the feedback rollups' triggers off
 *   (bench/generate.ts) turns these off too, and rebuilds them after.
 */
const KEY = ["organization_id", "day", "slot", "kind", "survey_id", "touchpoint_id", "stage_id", "in_use"];
const MEASURES = ["promoters", "promoter_keys", "passives", "passive_keys", "detractors", "detractor_keys"];
const SLOT = `(pg_current_xact_id()::text::bigint % 4)::smallint`;

/** Key columns and measures of responses `rel` (alias r) with an NPS answer, times sign; the record key from the stakeholder s. */
const contributions = (rel: string, sign: string, slot: string) =>
  `SELECT r.organization_id, (r.collected_at AT TIME ZONE 'UTC')::date AS day, ${slot} AS slot, r.kind, r.survey_id, r.touchpoint_id, r.stage_id,
          r.stage_impact_mode IS NOT DISTINCT FROM 'IN_USE' AS in_use,
          CASE WHEN r.nps >= 9 THEN ${sign} ELSE 0 END AS promoters, CASE WHEN r.nps >= 9 THEN ${sign} * s.record_key::bigint ELSE 0 END AS promoter_keys,
          CASE WHEN r.nps BETWEEN 7 AND 8 THEN ${sign} ELSE 0 END AS passives, CASE WHEN r.nps BETWEEN 7 AND 8 THEN ${sign} * s.record_key::bigint ELSE 0 END AS passive_keys,
          CASE WHEN r.nps <= 6 THEN ${sign} ELSE 0 END AS detractors, CASE WHEN r.nps <= 6 THEN ${sign} * s.record_key::bigint ELSE 0 END AS detractor_keys
     FROM ${rel} r JOIN stakeholders s ON s.organization_id = r.organization_id AND s.id = r.stakeholder_id
    WHERE r.nps IS NOT NULL`;

/** Adds contributions to the rollup: summed per key, in key order, rows that add nothing left out. */
const addTo = (rows: string) => `INSERT INTO feedback_daily_keys AS t (${KEY.join(", ")}, ${MEASURES.join(", ")})
    SELECT ${KEY.join(", ")}, ${MEASURES.map((m) => `sum(${m})`).join(", ")} FROM (${rows}) c
     GROUP BY ${KEY.join(", ")} HAVING ${MEASURES.map((m) => `sum(${m}) <> 0`).join(" OR ")}
     ORDER BY ${KEY.join(", ")}
    ON CONFLICT (${KEY.join(", ")}) DO UPDATE SET ${MEASURES.map((m) => `${m} = t.${m} + excluded.${m}`).join(", ")}`;

const VALUES = ["collected_at", "kind", "survey_id", "touchpoint_id", "stage_id", "stage_impact_mode", "nps", "stakeholder_id"];
/** Rows of transition table a with no row of b with the same id and the same values (what an update took away or brought). */
const changed = (a: string, b: string) =>
  `(SELECT x.* FROM ${a} x WHERE NOT EXISTS (SELECT 1 FROM ${b} y WHERE y.organization_id = x.organization_id AND y.id = x.id
     AND (${VALUES.map((c) => `y.${c}`).join(", ")}) IS NOT DISTINCT FROM (${VALUES.map((c) => `x.${c}`).join(", ")})))`;
const daysOf = (rel: string) => `(SELECT DISTINCT organization_id, (collected_at AT TIME ZONE 'UTC')::date AS day FROM ${rel})`;
const dropEmpty = (rel: string) =>
  `DELETE FROM feedback_daily_keys t USING ${daysOf(rel)} d WHERE t.organization_id = d.organization_id AND t.day = d.day AND ${MEASURES.map((m) => `t.${m} = 0`).join(" AND ")};`;

const fn = (name: string, body: string, lookups = true) => `
  CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp${lookups ? " SET enable_seqscan = off" : ""} AS $fn$
  BEGIN
    ${body}
    RETURN NULL;
  END $fn$;`;

const TRIGGERS: [string, string, string, string][] = [
  ["rollup_keys_inserted", "INSERT", "REFERENCING NEW TABLE AS new_rows", "feedback_rollup_keys_inserted"],
  ["rollup_keys_updated", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "feedback_rollup_keys_updated"],
  ["rollup_keys_deleted", "DELETE", "REFERENCING OLD TABLE AS old_rows", "feedback_rollup_keys_deleted"],
  ["rollup_keys_truncated", "TRUNCATE", "", "feedback_rollup_keys_truncated"],
];

function auditTriggers(columns: string[]): string[] {
  const args = columns.map((c) => `'${c}'`).join(", ");
  return [
    `DROP TRIGGER audit ON stakeholders`,
    `CREATE TRIGGER audit AFTER DELETE OR UPDATE ON stakeholders FOR EACH ROW EXECUTE FUNCTION audit_row(${args})`,
    `DROP TRIGGER audit_insert ON stakeholders`,
    `CREATE TRIGGER audit_insert AFTER INSERT ON stakeholders REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted(${args})`,
  ];
}

export class CellKeyPerturbation1732854000000 implements MigrationInterface {
  name = "CellKeyPerturbation1732854000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`SET LOCAL statement_timeout = 0`);
    await q.query(`
      ALTER TABLE stakeholders ADD COLUMN record_key integer NOT NULL DEFAULT floor(random() * 1048576)::integer
        CONSTRAINT ck_stakeholders_record_key CHECK (record_key >= 0 AND record_key < 1048576);
      -- Funders' views add up the keys of the people they count, often by a dimension: reached by id, without reading the (wide) stakeholder rows.
      CREATE INDEX ix_stakeholders_record_key ON stakeholders (organization_id, id) INCLUDE (record_key, gender, age_band, region, segment);
      CREATE FUNCTION stakeholders_record_key_fixed() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NEW.record_key IS DISTINCT FROM OLD.record_key THEN
          RAISE EXCEPTION 'a stakeholder''s record key never changes' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $fn$;
      CREATE TRIGGER record_key_fixed BEFORE UPDATE OF record_key ON stakeholders FOR EACH ROW EXECUTE FUNCTION stakeholders_record_key_fixed();
      ALTER TABLE organizations ADD COLUMN perturbation_maximum smallint NOT NULL DEFAULT 2
        CONSTRAINT ck_organizations_perturbation_maximum CHECK (perturbation_maximum BETWEEN 1 AND 5);
    `);
    for (const sql of auditTriggers(["external_ref", "record_key"])) await q.query(sql);

    await q.query(`
      CREATE TABLE feedback_daily_keys (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        day date NOT NULL,
        slot smallint NOT NULL CHECK (slot BETWEEN 0 AND 3),
        kind stakeholder_kind NOT NULL,
        survey_id uuid NOT NULL,
        touchpoint_id uuid,
        stage_id uuid,
        in_use boolean NOT NULL,
        ${MEASURES.map((m) => `${m} ${m.endsWith("_keys") ? "bigint" : "integer"} NOT NULL DEFAULT 0`).join(",\n        ")},
        CONSTRAINT uq_feedback_daily_keys UNIQUE NULLS NOT DISTINCT (${KEY.join(", ")})
      );
      ALTER TABLE feedback_daily_keys ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON feedback_daily_keys USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()));
      GRANT SELECT ON feedback_daily_keys TO dbl_app;
      CREATE FUNCTION feedback_rollup_keys_rebuild(p_org uuid) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
      BEGIN
        DELETE FROM feedback_daily_keys WHERE p_org IS NULL OR organization_id = p_org;
        PERFORM set_config('work_mem', '256MB', true);
        ${addTo(contributions("(SELECT * FROM feedback_responses WHERE p_org IS NULL OR organization_id = p_org)", "1", "0::smallint"))};
      END $fn$;
      REVOKE ALL ON FUNCTION feedback_rollup_keys_rebuild(uuid) FROM PUBLIC;
      ${fn("feedback_rollup_keys_inserted", `${addTo(contributions("new_rows", "1", SLOT))};`)}
      ${fn(
        "feedback_rollup_keys_updated",
        `${addTo(`${contributions(changed("old_rows", "new_rows"), "-1", SLOT)} UNION ALL ${contributions(changed("new_rows", "old_rows"), "1", SLOT)}`)};
    ${dropEmpty("old_rows")}`,
      )}
      ${fn(
        "feedback_rollup_keys_deleted",
        `LOCK TABLE feedback_daily_keys IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM feedback_daily_keys t USING ${daysOf("old_rows")} d WHERE t.organization_id = d.organization_id AND t.day = d.day;
    ${addTo(
      contributions(
        `(SELECT r.* FROM ${daysOf("old_rows")} d JOIN feedback_responses r ON r.organization_id = d.organization_id
            AND r.collected_at >= d.day::timestamp AT TIME ZONE 'UTC' AND r.collected_at < (d.day + 1)::timestamp AT TIME ZONE 'UTC')`,
        "1",
        "0::smallint",
      ),
    )};`,
      )}
      ${fn("feedback_rollup_keys_truncated", `PERFORM feedback_rollup_keys_rebuild(NULL);`, false)}
    `);
    for (const [name, event, referencing, f] of TRIGGERS) {
      await q.query(`CREATE TRIGGER ${name} AFTER ${event} ON feedback_responses ${referencing} FOR EACH STATEMENT EXECUTE FUNCTION ${f}()`);
      await q.query(`ALTER TABLE feedback_responses ENABLE ALWAYS TRIGGER ${name}`);
    }
    await q.query(`SELECT feedback_rollup_keys_rebuild(NULL)`);
    await q.query(`ANALYZE feedback_daily_keys`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const [name] of TRIGGERS) await q.query(`DROP TRIGGER ${name} ON feedback_responses`);
    for (const [, , , f] of TRIGGERS) await q.query(`DROP FUNCTION ${f}()`);
    await q.query(`DROP FUNCTION feedback_rollup_keys_rebuild(uuid)`);
    await q.query(`DROP TABLE feedback_daily_keys`);
    for (const sql of auditTriggers(["external_ref"])) await q.query(sql);
    await q.query(`DROP TRIGGER record_key_fixed ON stakeholders`);
    await q.query(`DROP FUNCTION stakeholders_record_key_fixed()`);
    await q.query(`DROP INDEX ix_stakeholders_record_key`);
    await q.query(`ALTER TABLE stakeholders DROP COLUMN record_key`);
    await q.query(`ALTER TABLE organizations DROP COLUMN perturbation_maximum`);
  }
}
