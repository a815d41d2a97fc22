import { ANSWER_MEASURES, MEASURES, RESPONSE_MEASURES } from "../../src/modules/feedback/rollup";

/**
 * SQL that lists every difference between the feedback rollups and the same figures computed
 * directly from the responses, answers and stakeholders (no rows: they agree). Rollup rows are
 * added up over their slots; keys where every measure is 0 count as absent.
 */
export function rollupDifferencesSql(): string {
  const sums = MEASURES.map((m) => `sum(${m}) AS ${m}`).join(", ");
  const nonZero = MEASURES.map((m) => `sum(${m}) <> 0`).join(" OR ");
  const daily = `r.organization_id, (r.collected_at AT TIME ZONE 'UTC')::date AS day, r.kind, r.survey_id, r.touchpoint_id, r.stage_id, r.stage_impact_mode IS NOT DISTINCT FROM 'IN_USE' AS in_use`;
  const dailyKey = "organization_id, day, kind, survey_id, touchpoint_id, stage_id, in_use";
  const dim = `r.organization_id, (r.collected_at AT TIME ZONE 'UTC')::date AS day, dv.dimension, dv.value, r.kind, r.stage_impact_mode IS NOT DISTINCT FROM 'IN_USE' AS in_use`;
  const dimKey = "organization_id, day, dimension, value, kind, in_use";
  const dimJoin = `JOIN stakeholders s ON s.organization_id = r.organization_id AND s.id = r.stakeholder_id
    CROSS JOIN LATERAL (VALUES ('GENDER', s.gender::text), ('AGE_BAND', s.age_band::text), ('REGION', s.region::text), ('SEGMENT', s.segment::text)) AS dv(dimension, value)`;
  const answers = `JOIN feedback_answers a ON a.organization_id = r.organization_id AND a.response_id = r.id AND a.type IN ('RATING', 'EFFORT')`;
  const direct = (keys: string, join: string) => `SELECT ${keys}, ${RESPONSE_MEASURES} FROM feedback_responses r ${join}
      UNION ALL SELECT ${keys}, ${ANSWER_MEASURES} FROM feedback_responses r ${join} ${answers}`;
  const compare = (name: string, key: string, directRows: string, table: string) => `
    (WITH d AS (SELECT ${key}, ${sums} FROM (${directRows}) x GROUP BY ${key} HAVING ${nonZero}),
          t AS (SELECT ${key}, ${sums} FROM ${table} GROUP BY ${key} HAVING ${nonZero})
     SELECT '${name}: only computed' AS difference, to_jsonb(e) AS row FROM (SELECT * FROM d EXCEPT SELECT * FROM t) e
     UNION ALL
     SELECT '${name}: only in the rollup', to_jsonb(e) FROM (SELECT * FROM t EXCEPT SELECT * FROM d) e)`;
  // The people rollup: per day, stakeholder and place, responses and NPS, RATING and EFFORT answers.
  const peopleMeasures = ["responses", "nps_n", "rating_n", "effort_n"];
  const people = `r.organization_id, (r.collected_at AT TIME ZONE 'UTC')::date AS day, r.stakeholder_id, r.kind, r.touchpoint_id, r.stage_id, r.stage_impact_mode IS NOT DISTINCT FROM 'IN_USE' AS in_use`;
  const peopleKey = "organization_id, day, stakeholder_id, kind, touchpoint_id, stage_id, in_use";
  const peopleDirect = `SELECT ${people}, 1 AS responses, CASE WHEN r.nps IS NOT NULL THEN 1 ELSE 0 END AS nps_n, 0 AS rating_n, 0 AS effort_n FROM feedback_responses r
      UNION ALL SELECT ${people}, 0, 0, CASE WHEN a.type = 'RATING' THEN 1 ELSE 0 END, CASE WHEN a.type = 'EFFORT' THEN 1 ELSE 0 END FROM feedback_responses r ${answers}`;
  const peopleSums = peopleMeasures.map((m) => `sum(${m}) AS ${m}`).join(", ");
  const peopleNonZero = peopleMeasures.map((m) => `sum(${m}) <> 0`).join(" OR ");
  const comparePeople = `
    (WITH d AS (SELECT ${peopleKey}, ${peopleSums} FROM (${peopleDirect}) x GROUP BY ${peopleKey} HAVING ${peopleNonZero}),
          t AS (SELECT ${peopleKey}, ${peopleSums} FROM feedback_daily_people GROUP BY ${peopleKey} HAVING ${peopleNonZero})
     SELECT 'feedback_daily_people: only computed' AS difference, to_jsonb(e) AS row FROM (SELECT * FROM d EXCEPT SELECT * FROM t) e
     UNION ALL
     SELECT 'feedback_daily_people: only in the rollup', to_jsonb(e) FROM (SELECT * FROM t EXCEPT SELECT * FROM d) e)`;
  // The keys rollup (funders' NPS cells): per day and place, each NPS class's answers and the sum of the record keys of the people who gave them.
  const keyMeasures = ["promoters", "promoter_keys", "passives", "passive_keys", "detractors", "detractor_keys"];
  const cls = (when: string) => `CASE WHEN ${when} THEN 1 ELSE 0 END, CASE WHEN ${when} THEN s.record_key ELSE 0 END`;
  const keysDirect = `SELECT ${daily}, ${cls("r.nps >= 9")}, ${cls("r.nps BETWEEN 7 AND 8")}, ${cls("r.nps <= 6")}
      FROM feedback_responses r JOIN stakeholders s ON s.organization_id = r.organization_id AND s.id = r.stakeholder_id WHERE r.nps IS NOT NULL`;
  const keySums = keyMeasures.map((m) => `sum(${m}) AS ${m}`).join(", ");
  const keyNonZero = keyMeasures.map((m) => `sum(${m}) <> 0`).join(" OR ");
  const compareKeys = `
    (WITH d AS (SELECT ${dailyKey}, ${keySums} FROM (${keysDirect}) x (organization_id, day, kind, survey_id, touchpoint_id, stage_id, in_use, ${keyMeasures.join(", ")}) GROUP BY ${dailyKey} HAVING ${keyNonZero}),
          t AS (SELECT ${dailyKey}, ${keySums} FROM feedback_daily_keys GROUP BY ${dailyKey} HAVING ${keyNonZero})
     SELECT 'feedback_daily_keys: only computed' AS difference, to_jsonb(e) AS row FROM (SELECT * FROM d EXCEPT SELECT * FROM t) e
     UNION ALL
     SELECT 'feedback_daily_keys: only in the rollup', to_jsonb(e) FROM (SELECT * FROM t EXCEPT SELECT * FROM d) e)`;
  return `${compare("feedback_daily", dailyKey, direct(daily, ""), "feedback_daily")}
    UNION ALL ${compare("feedback_daily_dimension", dimKey, direct(dim, dimJoin), "feedback_daily_dimension")}
    UNION ALL ${comparePeople}
    UNION ALL ${compareKeys}`;
}

/**
 * SQL that lists every difference between experience_stays and the same rows computed directly
 * (no rows: they agree): per response with an NPS answer, and per response with RATING (EFFORT)
 * answers with a value (their mean mapped to 0..100), its time in force up to the same person's
 * next one of the same measure, in the order collected_at, id.
 */
export function experienceStaysDifferencesSql(): string {
  const direct = `
    SELECT x.organization_id, x.id AS response_id, x.measure, x.stakeholder_id, x.kind, x.touchpoint_id, x.stage_id, x.collected_at,
           coalesce(lead(x.collected_at) OVER (PARTITION BY x.organization_id, x.stakeholder_id, x.measure ORDER BY x.collected_at, x.id), 'infinity') AS until, x.value
      FROM (SELECT r.organization_id, r.id, r.stakeholder_id, r.kind, r.touchpoint_id, r.stage_id, r.collected_at, 'NPS'::varchar AS measure, r.nps::numeric AS value
              FROM feedback_responses r WHERE r.nps IS NOT NULL
            UNION ALL
            SELECT r.organization_id, r.id, r.stakeholder_id, r.kind, r.touchpoint_id, r.stage_id, r.collected_at, t.measure,
                   (SELECT avg((a.value_number - 1) / t.divisor * 100) FROM feedback_answers a
                     WHERE a.organization_id = r.organization_id AND a.response_id = r.id AND a.type::text = t.measure AND a.value_number IS NOT NULL)
              FROM feedback_responses r CROSS JOIN (VALUES ('RATING'::varchar, 4), ('EFFORT', 6)) AS t (measure, divisor)
             WHERE EXISTS (SELECT 1 FROM feedback_answers a WHERE a.organization_id = r.organization_id AND a.response_id = r.id AND a.type::text = t.measure AND a.value_number IS NOT NULL)) x`;
  const table = `SELECT organization_id, response_id, measure, stakeholder_id, kind, touchpoint_id, stage_id, collected_at, until, value FROM experience_stays`;
  return `WITH d AS (${direct}), t AS (${table})
    SELECT 'experience_stays: only computed' AS difference, to_jsonb(e) AS row FROM (SELECT * FROM d EXCEPT SELECT * FROM t) e
    UNION ALL
    SELECT 'experience_stays: only in the table', to_jsonb(e) FROM (SELECT * FROM t EXCEPT SELECT * FROM d) e`;
}

/**
 * SQL ($1 organization, $2 a time): each stakeholder's answer in force just before the time, per
 * measure, computed directly (their latest response collected before it, by collected_at then id),
 * as the value views looked it up before experience_stays, against the set query the views now run
 * (until ≥ time > collected_at). No rows: they agree.
 */
export const IN_FORCE_DIFFERENCES_SQL = `
  WITH direct AS (
    SELECT s.id AS stakeholder_id, 'NPS'::varchar AS measure,
           (SELECT r.nps::numeric FROM feedback_responses r WHERE r.organization_id = $1 AND r.stakeholder_id = s.id AND r.collected_at < $2 AND r.nps IS NOT NULL
             ORDER BY r.collected_at DESC, r.id DESC LIMIT 1) AS value
      FROM stakeholders s WHERE s.organization_id = $1
    UNION ALL
    SELECT s.id, 'RATING',
           (SELECT avg((a.value_number - 1) / 4 * 100) FROM feedback_answers a
             WHERE a.organization_id = $1 AND a.type = 'RATING' AND a.value_number IS NOT NULL
               AND a.response_id = (SELECT r.id FROM feedback_responses r
                                     WHERE r.organization_id = $1 AND r.stakeholder_id = s.id AND r.collected_at < $2
                                       AND EXISTS (SELECT 1 FROM feedback_answers x WHERE x.organization_id = $1 AND x.response_id = r.id AND x.type = 'RATING' AND x.value_number IS NOT NULL)
                                     ORDER BY r.collected_at DESC, r.id DESC LIMIT 1))
      FROM stakeholders s WHERE s.organization_id = $1
  ), d AS (SELECT * FROM direct WHERE value IS NOT NULL),
  t AS (SELECT e.stakeholder_id, e.measure, e.value FROM experience_stays e WHERE e.organization_id = $1 AND e.measure IN ('NPS', 'RATING') AND e.until >= $2 AND e.collected_at < $2)
  SELECT 'only computed' AS difference, to_jsonb(x) AS row FROM (SELECT * FROM d EXCEPT ALL SELECT * FROM t) x
  UNION ALL
  SELECT 'only from experience_stays', to_jsonb(x) FROM (SELECT * FROM t EXCEPT ALL SELECT * FROM d) x`;
