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
