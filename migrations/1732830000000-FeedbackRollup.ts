import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Feedback rollups: per organization and UTC day, the counts and sums that `nps` and
 * `qualityOfExperience` add up, so that a view reads a few rows per day asked for instead of
 * every response and answer of the period.
 *
 * - `feedback_daily`: keyed by what the views filter and group on (stakeholder kind, survey,
 *   touchpoint, stage, whether the stage was IN_USE);
 * - `feedback_daily_dimension`: the same measures keyed by one disaggregation dimension of the
 *   stakeholder (gender, age band, region, segment) and its value (NULL: not recorded);
 * - `feedback_daily_people`: per stakeholder, kind, touchpoint, stage and IN_USE, how many
 *   responses, NPS answers (`nps_n`), RATING and EFFORT answers they gave that day: what funders'
 *   small-cell suppression counts distinct people over (who gave which part, where), without
 *   reading the answers of the period (no slot: its rows are per person; rows whose measures
 *   fell to 0 may stay, readers count a person where a measure is above 0).
 *
 * Measures, per key: `responses`; `nps_0` … `nps_10`, responses per NPS answer; `rating_n`
 * (RATING answers), `rating_sum` (sum over those with a value of (value − 1) / 4 × 100, the
 * same numeric expression the views average) and `rating_sum_n` (how many had a value); the same
 * for EFFORT ((value − 1) / 6 × 100). Numeric sums are exact, so a sum of rows equals the sum over
 * the answers, digit for digit.
 *
 * Kept right in the same transaction as every write, by statement-level triggers with transition
 * tables (one aggregate per statement, whatever its size), that fire in every session
 * (ENABLE ALWAYS: a bulk load with session_replication_role = replica keeps them right too):
 * - responses inserted: their own measures are added; answers inserted: theirs, under their
 *   response's key (in the same statement as their response, as submitFeedback writes them, or later);
 * - responses or answers updated: what changed is taken out under the old key and added under the
 *   new one (a response's answers move with it); updates that change nothing counted cost a join
 *   of the transition tables only (e.g. erasure, which blanks comments and free text);
 * - stakeholders updated: where a dimension value changed, their responses move between values;
 * - answers deleted while their response stays: taken out; responses deleted (their answers go by
 *   cascade): every row of the days touched is computed again from the tables, under a lock that
 *   keeps concurrent writers out until commit (deletes are rare: the API never deletes responses).
 * Rows are added to in key order, so concurrent writers never deadlock on them, and (the first two)
 * in one of four `slot`s chosen by transaction id, so that concurrent batches for the same day and touchpoint
 * rarely wait for each other's commit; readers add the slots up.
 *
 * The functions are SECURITY DEFINER (like audit_row): they read and write across row-level
 * security, always within the organizations of the rows the statement changed. The API role reads
 * the rollups under the same tenant policy as every table.
 */
const MEASURES = [
  "responses",
  ...Array.from({ length: 11 }, (_, v) => `nps_${v}`),
  "rating_n",
  "rating_sum",
  "rating_sum_n",
  "effort_n",
  "effort_sum",
  "effort_sum_n",
];
const NUMERIC_MEASURES = new Set(["rating_sum", "effort_sum"]);
const DAILY_KEY = ["organization_id", "day", "slot", "kind", "survey_id", "touchpoint_id", "stage_id", "in_use"];
const DIMENSION_KEY = ["organization_id", "day", "slot", "dimension", "value", "kind", "in_use"];
const DIMENSIONS = ["GENDER", "AGE_BAND", "REGION", "SEGMENT"];
/** The people rollup: per day and stakeholder (and where they answered), how many responses, NPS, rating and effort answers. */
const PEOPLE_MEASURES = ["responses", "nps_n", "rating_n", "effort_n"];
const PEOPLE_KEY = ["organization_id", "day", "stakeholder_id", "kind", "touchpoint_id", "stage_id", "in_use"];
type Rollup = "feedback_daily" | "feedback_daily_dimension" | "feedback_daily_people";
const ROLLUPS: Record<Rollup, { key: string[]; measures: string[] }> = {
  feedback_daily: { key: DAILY_KEY, measures: MEASURES },
  feedback_daily_dimension: { key: DIMENSION_KEY, measures: MEASURES },
  feedback_daily_people: { key: PEOPLE_KEY, measures: PEOPLE_MEASURES },
};

const measureColumns = MEASURES.map((m) => `${m} ${NUMERIC_MEASURES.has(m) ? "numeric" : "integer"} NOT NULL DEFAULT 0`).join(",\n        ");

/** A response's own contribution (alias r), times `sign`. */
const responseMeasures = (sign: string) =>
  MEASURES.map((m) => {
    if (m === "responses") return `${sign} AS responses`;
    if (m.startsWith("nps_")) return `CASE WHEN r.nps = ${m.slice(4)} THEN ${sign} ELSE 0 END AS ${m}`;
    return `0 AS ${m}`;
  }).join(", ");

/** An answer's contribution (alias a, its response r), times `sign`. */
const answerMeasures = (sign: string) =>
  MEASURES.map((m) => {
    if (m === "responses" || m.startsWith("nps_")) return `0 AS ${m}`;
    const [type, divisor] = m.startsWith("rating") ? ["RATING", 4] : ["EFFORT", 6];
    if (m.endsWith("_sum")) return `CASE WHEN a.type = '${type}' AND a.value_number IS NOT NULL THEN ${sign} * ((a.value_number - 1) / ${divisor} * 100) ELSE 0 END AS ${m}`;
    if (m.endsWith("_sum_n")) return `CASE WHEN a.type = '${type}' AND a.value_number IS NOT NULL THEN ${sign} ELSE 0 END AS ${m}`;
    return `CASE WHEN a.type = '${type}' THEN ${sign} ELSE 0 END AS ${m}`;
  }).join(", ");

/** A response's own contribution to the people rollup (alias r), times `sign`. */
const responsePeopleMeasures = (sign: string) => `${sign} AS responses, CASE WHEN r.nps IS NOT NULL THEN ${sign} ELSE 0 END AS nps_n, 0 AS rating_n, 0 AS effort_n`;
/** An answer's contribution to the people rollup (alias a), times `sign`. */
const answerPeopleMeasures = (sign: string) =>
  `0 AS responses, 0 AS nps_n, CASE WHEN a.type = 'RATING' THEN ${sign} ELSE 0 END AS rating_n, CASE WHEN a.type = 'EFFORT' THEN ${sign} ELSE 0 END AS effort_n`;

/** The key columns of a response r (and, for the dimension rollup, of its stakeholder's value dv). */
const dailyKey = (slot: string) =>
  `r.organization_id, (r.collected_at AT TIME ZONE 'UTC')::date AS day, ${slot} AS slot, r.kind, r.survey_id, r.touchpoint_id, r.stage_id, r.stage_impact_mode IS NOT DISTINCT FROM 'IN_USE' AS in_use`;
const dimensionKey = (slot: string) =>
  `r.organization_id, (r.collected_at AT TIME ZONE 'UTC')::date AS day, ${slot} AS slot, dv.dimension, dv.value, r.kind, r.stage_impact_mode IS NOT DISTINCT FROM 'IN_USE' AS in_use`;
/** The people rollup's key (no slot: rows are per stakeholder, so concurrent batches rarely share one). */
const peopleKey = `r.organization_id, (r.collected_at AT TIME ZONE 'UTC')::date AS day, r.stakeholder_id, r.kind, r.touchpoint_id, r.stage_id, r.stage_impact_mode IS NOT DISTINCT FROM 'IN_USE' AS in_use`;
/** The stakeholder s of response r, one row per dimension value. */
const dimensionJoin = (stakeholders = "stakeholders") => `JOIN ${stakeholders} s ON s.organization_id = r.organization_id AND s.id = r.stakeholder_id
  CROSS JOIN LATERAL (VALUES ('GENDER', s.gender::text), ('AGE_BAND', s.age_band::text), ('REGION', s.region::text), ('SEGMENT', s.segment::text)) AS dv(dimension, value)`;

/**
 * Adds the rows of `contributions` (key columns then measures) to a rollup: summed per key, rows
 * that add nothing left out, in key order, as one upsert.
 */
function addTo(table: Rollup, contributions: string): string {
  const { key, measures } = ROLLUPS[table];
  const sums = measures.map((m) => `sum(${m}) AS ${m}`).join(", ");
  const nonZero = measures.map((m) => `sum(${m}) <> 0`).join(" OR ");
  return `INSERT INTO ${table} AS t (${key.join(", ")}, ${measures.join(", ")})
    SELECT ${key.join(", ")}, ${sums} FROM (${contributions}) AS c
     GROUP BY ${key.join(", ")} HAVING ${nonZero}
     ORDER BY ${key.join(", ")}
    ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${measures.map((m) => `${m} = t.${m} + excluded.${m}`).join(", ")}`;
}

/** Contributions of responses (relation `rel`, alias r) and of their current answers, times sign, to the rollups (stakeholder attributes from `stakeholders`). */
const responseContributions = (rel: string, sign: string, slot: string, stakeholders = "stakeholders"): Contributions => ({
  daily: `SELECT ${dailyKey(slot)}, ${responseMeasures(sign)} FROM ${rel} r
          UNION ALL
          SELECT ${dailyKey(slot)}, ${answerMeasures(sign)} FROM ${rel} r
            JOIN feedback_answers a ON a.organization_id = r.organization_id AND a.response_id = r.id AND a.type IN ('RATING', 'EFFORT')`,
  dimension: `SELECT ${dimensionKey(slot)}, ${responseMeasures(sign)} FROM ${rel} r ${dimensionJoin(stakeholders)}
              UNION ALL
              SELECT ${dimensionKey(slot)}, ${answerMeasures(sign)} FROM ${rel} r ${dimensionJoin(stakeholders)}
                JOIN feedback_answers a ON a.organization_id = r.organization_id AND a.response_id = r.id AND a.type IN ('RATING', 'EFFORT')`,
  people: `SELECT ${peopleKey}, ${responsePeopleMeasures(sign)} FROM ${rel} r
           UNION ALL
           SELECT ${peopleKey}, ${answerPeopleMeasures(sign)} FROM ${rel} r
             JOIN feedback_answers a ON a.organization_id = r.organization_id AND a.response_id = r.id AND a.type IN ('RATING', 'EFFORT')`,
});

/**
 * Contributions of inserted responses (relation `rel`, alias r): their own measures only. Their
 * answers are counted by the answers' insert trigger, whether they are inserted by a later
 * statement or by the same one (submitFeedback writes both tables in one statement: both
 * statement-level triggers then fire after it, each seeing the other table's new rows, so counting
 * the answers here as well would count them twice). An answer never exists before its response
 * (the foreign key), so nothing is left out.
 */
const insertedResponseContributions = (rel: string, slot: string): Contributions => ({
  daily: `SELECT ${dailyKey(slot)}, ${responseMeasures("1")} FROM ${rel} r`,
  dimension: `SELECT ${dimensionKey(slot)}, ${responseMeasures("1")} FROM ${rel} r ${dimensionJoin()}`,
  people: `SELECT ${peopleKey}, ${responsePeopleMeasures("1")} FROM ${rel} r`,
});

/** Contributions of answers (relation `rel`, alias a) through their current responses, times sign. Answers whose response is gone count nothing. */
const answerContributions = (rel: string, sign: string, slot: string): Contributions => ({
  daily: `SELECT ${dailyKey(slot)}, ${answerMeasures(sign)} FROM ${rel} a
            JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id
           WHERE a.type IN ('RATING', 'EFFORT')`,
  dimension: `SELECT ${dimensionKey(slot)}, ${answerMeasures(sign)} FROM ${rel} a
                JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id ${dimensionJoin()}
               WHERE a.type IN ('RATING', 'EFFORT')`,
  people: `SELECT ${peopleKey}, ${answerPeopleMeasures(sign)} FROM ${rel} a
             JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id
            WHERE a.type IN ('RATING', 'EFFORT')`,
});

type Contributions = { daily: string; dimension: string; people: string };
const union = (...cs: Contributions[]): Contributions => ({
  daily: cs.map((c) => c.daily).join("\n UNION ALL\n"),
  dimension: cs.map((c) => c.dimension).join("\n UNION ALL\n"),
  people: cs.map((c) => c.people).join("\n UNION ALL\n"),
});
/** Adds contributions to the three rollups (`dimensionOnly`: a change of stakeholders' attributes, which only the dimension rollup keys on). */
const addToBoth = (c: Contributions, dimensionOnly = false) =>
  dimensionOnly
    ? `${addTo("feedback_daily_dimension", c.dimension)};`
    : `${addTo("feedback_daily", c.daily)};\n${addTo("feedback_daily_dimension", c.dimension)};\n${addTo("feedback_daily_people", c.people)};`;

/**
 * For a rebuild (function feedback_rollup_rebuild, argument p_org: one organization, or all when
 * NULL): each response once, with the measures of its rating and effort answers added up (the
 * answers read in one pass, not once per rollup).
 */
const REBUILD_FACTS = `SELECT r.organization_id, r.collected_at, r.kind, r.survey_id, r.touchpoint_id, r.stage_id, r.stage_impact_mode, r.nps, r.stakeholder_id,
         ${MEASURES.filter((m) => m.startsWith("rating") || m.startsWith("effort")).map((m) => `coalesce(x.${m}, 0) AS ${m}`).join(", ")}
    FROM feedback_responses r
    LEFT JOIN (SELECT a.organization_id, a.response_id, ${MEASURES.map((m) => `sum(${m}) AS ${m}`).join(", ")}
                 FROM (SELECT a.organization_id, a.response_id, ${answerMeasures("1")} FROM feedback_answers a
                        WHERE a.type IN ('RATING', 'EFFORT') AND (p_org IS NULL OR a.organization_id = p_org)) a
                GROUP BY a.organization_id, a.response_id) x ON x.organization_id = r.organization_id AND x.response_id = r.id
   WHERE p_org IS NULL OR r.organization_id = p_org`;
/** The measures of a row of REBUILD_FACTS (alias r): the response's own, and its answers' sums. */
const FACT_MEASURES = MEASURES.map((m) => {
  if (m === "responses") return `1 AS responses`;
  if (m.startsWith("nps_")) return `CASE WHEN r.nps = ${m.slice(4)} THEN 1 ELSE 0 END AS ${m}`;
  return `r.${m} AS ${m}`;
}).join(", ");

/** The transaction's slot: concurrent transactions mostly write different rows. */
const SLOT = `(pg_current_xact_id()::text::bigint % 4)::smallint`;

/**
 * Rows of transition table `a` with no row of `b` that has the same `ids` and the same `values`:
 * what an update took away (a = old_rows, b = new_rows) or brought (a = new_rows, b = old_rows).
 * Joined on the ids with `=` (a hash anti-join, never quadratic).
 */
const changedRows = (a: string, b: string, ids: string[], values: string[]) =>
  `(SELECT x.* FROM ${a} x WHERE NOT EXISTS (SELECT 1 FROM ${b} y WHERE ${ids.map((c) => `y.${c} = x.${c}`).join(" AND ")}
     AND (${values.map((c) => `y.${c}`).join(", ")}) IS NOT DISTINCT FROM (${values.map((c) => `x.${c}`).join(", ")})))`;
const RESPONSE_IDS = ["organization_id", "id"];
const RESPONSE_VALUES = ["collected_at", "kind", "survey_id", "touchpoint_id", "stage_id", "stage_impact_mode", "nps", "stakeholder_id"];
const ANSWER_IDS = ["organization_id", "response_id", "question_id"];
const ANSWER_VALUES = ["type", "value_number"];
const STAKEHOLDER_IDS = ["organization_id", "id"];
const STAKEHOLDER_VALUES = ["gender", "age_band", "region", "segment"];

/** The organizations and UTC days of the rows of `rel` (a transition table of responses). */
const daysOf = (rel: string) => `(SELECT DISTINCT organization_id, (collected_at AT TIME ZONE 'UTC')::date AS day FROM ${rel})`;
/** The responses of those days. */
const responsesOfDays = (days: string) =>
  `(SELECT r.* FROM ${days} d JOIN feedback_responses r ON r.organization_id = d.organization_id
      AND r.collected_at >= d.day::timestamp AT TIME ZONE 'UTC' AND r.collected_at < (d.day + 1)::timestamp AT TIME ZONE 'UTC')`;
/** Rows of the days of `rel` where nothing is counted any more. */
const dropEmpty = (rel: string) =>
  (Object.keys(ROLLUPS) as Rollup[])
    .map((t) => `DELETE FROM ${t} t USING ${daysOf(rel)} d WHERE t.organization_id = d.organization_id AND t.day = d.day AND ${ROLLUPS[t].measures.map((m) => `t.${m} = 0`).join(" AND ")};`)
    .join("\n    ");

/**
 * A trigger function. A statement's rows are few next to the tables they are joined with (their
 * responses, answers, stakeholders), which are reached by primary key or index: sequential scans
 * are off inside (`lookups`), so that statistics that lag behind a table that grew fast (thousands
 * of responses written since the last ANALYZE make it look empty) cannot turn those lookups into a
 * scan of the table per row (measured: a 300-item batch taking over 30 s instead of 0.6 s).
 */
const fn = (name: string, body: string, lookups = true) => `
  CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp${lookups ? " SET enable_seqscan = off" : ""} AS $fn$
  BEGIN
    ${body}
    RETURN NULL;
  END $fn$;`;

/** name, table, event, transition tables, function. */
const TRIGGERS: [string, string, string, string, string][] = [
  ["rollup_inserted", "feedback_responses", "INSERT", "REFERENCING NEW TABLE AS new_rows", "feedback_rollup_responses_inserted"],
  ["rollup_updated", "feedback_responses", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "feedback_rollup_responses_updated"],
  ["rollup_deleted", "feedback_responses", "DELETE", "REFERENCING OLD TABLE AS old_rows", "feedback_rollup_responses_deleted"],
  ["rollup_truncated", "feedback_responses", "TRUNCATE", "", "feedback_rollup_truncated"],
  ["rollup_inserted", "feedback_answers", "INSERT", "REFERENCING NEW TABLE AS new_rows", "feedback_rollup_answers_inserted"],
  ["rollup_updated", "feedback_answers", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "feedback_rollup_answers_updated"],
  ["rollup_deleted", "feedback_answers", "DELETE", "REFERENCING OLD TABLE AS old_rows", "feedback_rollup_answers_deleted"],
  ["rollup_truncated", "feedback_answers", "TRUNCATE", "", "feedback_rollup_truncated"],
  ["feedback_rollup_updated", "stakeholders", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "feedback_rollup_stakeholders_updated"],
];

export class FeedbackRollup1732830000000 implements MigrationInterface {
  name = "FeedbackRollup1732830000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE feedback_daily (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        day date NOT NULL,
        slot smallint NOT NULL CHECK (slot BETWEEN 0 AND 3),
        kind stakeholder_kind NOT NULL,
        survey_id uuid NOT NULL,
        touchpoint_id uuid,
        stage_id uuid,
        in_use boolean NOT NULL,
        ${measureColumns},
        CONSTRAINT uq_feedback_daily UNIQUE NULLS NOT DISTINCT (${DAILY_KEY.join(", ")})
      );
      CREATE TABLE feedback_daily_dimension (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        day date NOT NULL,
        slot smallint NOT NULL CHECK (slot BETWEEN 0 AND 3),
        dimension varchar(20) NOT NULL CHECK (dimension IN (${DIMENSIONS.map((d) => `'${d}'`).join(", ")})),
        value varchar(120),
        kind stakeholder_kind NOT NULL,
        in_use boolean NOT NULL,
        ${measureColumns},
        CONSTRAINT uq_feedback_daily_dimension UNIQUE NULLS NOT DISTINCT (${DIMENSION_KEY.join(", ")})
      );
      CREATE TABLE feedback_daily_people (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        day date NOT NULL,
        stakeholder_id uuid NOT NULL,
        kind stakeholder_kind NOT NULL,
        touchpoint_id uuid,
        stage_id uuid,
        in_use boolean NOT NULL,
        ${PEOPLE_MEASURES.map((m) => `${m} integer NOT NULL DEFAULT 0`).join(",\n        ")},
        CONSTRAINT uq_feedback_daily_people UNIQUE NULLS NOT DISTINCT (${PEOPLE_KEY.join(", ")})
      );
      ALTER TABLE feedback_daily ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON feedback_daily USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()));
      ALTER TABLE feedback_daily_dimension ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON feedback_daily_dimension USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()));
      ALTER TABLE feedback_daily_people ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON feedback_daily_people USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()));
      GRANT SELECT ON feedback_daily, feedback_daily_dimension, feedback_daily_people TO dbl_app;
    `);

    // The rollups of one organization (or of all, NULL) computed again from the tables: for what
    // is there when the migration runs, after a TRUNCATE, and after a bulk load that turned the
    // triggers off (bench/generate.ts). Rows in slot 0.
    await q.query(`
      CREATE FUNCTION feedback_rollup_rebuild(p_org uuid) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
      BEGIN
        DELETE FROM feedback_daily WHERE p_org IS NULL OR organization_id = p_org;
        DELETE FROM feedback_daily_dimension WHERE p_org IS NULL OR organization_id = p_org;
        DELETE FROM feedback_daily_people WHERE p_org IS NULL OR organization_id = p_org;
        -- One pass: each response once with its rating and effort answers added up, read by the three upserts.
        PERFORM set_config('work_mem', '256MB', true);
        WITH f AS MATERIALIZED (${REBUILD_FACTS}),
             d AS (${addTo("feedback_daily", `SELECT ${dailyKey("0::smallint")}, ${FACT_MEASURES} FROM f r`)}),
             m AS (${addTo("feedback_daily_dimension", `SELECT ${dimensionKey("0::smallint")}, ${FACT_MEASURES} FROM f r ${dimensionJoin()}`)})
        ${addTo("feedback_daily_people", `SELECT ${peopleKey}, 1 AS responses, CASE WHEN r.nps IS NOT NULL THEN 1 ELSE 0 END AS nps_n, r.rating_n, r.effort_n FROM f r`)};
      END $fn$;
      REVOKE ALL ON FUNCTION feedback_rollup_rebuild(uuid) FROM PUBLIC;
    `);
    await q.query(`
      ${fn("feedback_rollup_responses_inserted", addToBoth(insertedResponseContributions("new_rows", SLOT)))}
      ${fn(
        "feedback_rollup_responses_updated",
        `${addToBoth(
          union(
            responseContributions(changedRows("old_rows", "new_rows", RESPONSE_IDS, RESPONSE_VALUES), "-1", SLOT),
            responseContributions(changedRows("new_rows", "old_rows", RESPONSE_IDS, RESPONSE_VALUES), "1", SLOT),
          ),
        )}
    ${dropEmpty("old_rows")}`,
      )}
      ${fn(
        "feedback_rollup_responses_deleted",
        // The answers of the deleted responses are gone (by cascade) or about to be: every row of
        // the days touched is computed again from what is left, with concurrent writers kept out.
        `LOCK TABLE feedback_daily, feedback_daily_dimension, feedback_daily_people IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM feedback_daily t USING ${daysOf("old_rows")} d WHERE t.organization_id = d.organization_id AND t.day = d.day;
    DELETE FROM feedback_daily_dimension t USING ${daysOf("old_rows")} d WHERE t.organization_id = d.organization_id AND t.day = d.day;
    DELETE FROM feedback_daily_people t USING ${daysOf("old_rows")} d WHERE t.organization_id = d.organization_id AND t.day = d.day;
    ${addToBoth(responseContributions(responsesOfDays(daysOf("old_rows")), "1", "0::smallint"))}`,
      )}
      ${fn("feedback_rollup_truncated", `PERFORM feedback_rollup_rebuild(NULL);`, false)}
      ${fn("feedback_rollup_answers_inserted", addToBoth(answerContributions("new_rows", "1", SLOT)))}
      ${fn(
        "feedback_rollup_answers_updated",
        addToBoth(
          union(
            answerContributions(changedRows("old_rows", "new_rows", ANSWER_IDS, ANSWER_VALUES), "-1", SLOT),
            answerContributions(changedRows("new_rows", "old_rows", ANSWER_IDS, ANSWER_VALUES), "1", SLOT),
          ),
        ),
      )}
      ${fn("feedback_rollup_answers_deleted", addToBoth(answerContributions("old_rows", "-1", SLOT)))}
      ${fn(
        "feedback_rollup_stakeholders_updated",
        // A changed gender, age band, region or segment moves the stakeholder's responses (and
        // their answers) from the old value to the new one.
        addToBoth(
          union(
            responseContributions(
              `(SELECT r.* FROM feedback_responses r WHERE (r.organization_id, r.stakeholder_id) IN (SELECT organization_id, id FROM ${changedRows("old_rows", "new_rows", STAKEHOLDER_IDS, STAKEHOLDER_VALUES)} m))`,
              "-1",
              SLOT,
              "old_rows",
            ),
            responseContributions(
              `(SELECT r.* FROM feedback_responses r WHERE (r.organization_id, r.stakeholder_id) IN (SELECT organization_id, id FROM ${changedRows("new_rows", "old_rows", STAKEHOLDER_IDS, STAKEHOLDER_VALUES)} m))`,
              "1",
              SLOT,
              "new_rows",
            ),
          ),
          true,
        ),
      )}
    `);
    for (const [name, table, event, referencing, f] of TRIGGERS) {
      await q.query(`CREATE TRIGGER ${name} AFTER ${event} ON ${table} ${referencing} FOR EACH STATEMENT EXECUTE FUNCTION ${f}()`);
      await q.query(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${name}`);
    }

    // What is there already (a large database takes minutes: not under the API's statement timeout, with which the app runs migrations at start).
    await q.query(`SET LOCAL statement_timeout = 0`);
    await q.query(`SELECT feedback_rollup_rebuild(NULL)`);
    await q.query(`ANALYZE feedback_daily; ANALYZE feedback_daily_dimension; ANALYZE feedback_daily_people`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const [name, table] of TRIGGERS) await q.query(`DROP TRIGGER ${name} ON ${table}`);
    for (const f of new Set(TRIGGERS.map((t) => t[4]))) await q.query(`DROP FUNCTION ${f}()`);
    await q.query(`DROP FUNCTION feedback_rollup_rebuild(uuid)`);
    await q.query(`DROP TABLE feedback_daily_people, feedback_daily_dimension, feedback_daily`);
  }
}
