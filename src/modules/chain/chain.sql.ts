/**
 * The statements of the impact chain ($1 organization, $2 programme or null for every one, $3 from,
 * $4 to). The people steps are nested sets, each a subset of the one before, so the chain reads as a
 * funnel: the beneficiaries a programme's deliveries in [from, to) reached by name; of them, those
 * with a stay in an IN_USE stage overlapping [from, to); of them, those who gave feedback (a response
 * collected in [from, to)). Each with the sum of its people's record keys (the cell key, for funders).
 */
const PEOPLE_CTES = `
WITH prog AS (
  SELECT id FROM programmes WHERE organization_id = $1 AND ($2::uuid IS NULL OR id = $2)
), reached AS (
  SELECT DISTINCT d.programme_id AS pid, d.beneficiary_id AS sid
    FROM deliveries d
   WHERE d.organization_id = $1 AND d.programme_id IN (SELECT id FROM prog) AND d.delivered_at >= $3 AND d.delivered_at < $4 AND d.beneficiary_id IS NOT NULL
), using_now AS (
  -- Stays in IN_USE stages overlapping the period, read by stage and end (ix_stage_stays_stage_end).
  SELECT DISTINCT y.stakeholder_id AS sid
    FROM stage_stays y
   WHERE y.organization_id = $1 AND y.kind = 'BENEFICIARY' AND y.ended_at > $3 AND y.started_at < $4
     AND y.stage_id IN (SELECT st.id FROM stages st WHERE st.organization_id = $1 AND st.impact_mode = 'IN_USE')
     AND y.stakeholder_id IN (SELECT sid FROM reached)
), in_use AS (
  SELECT r.pid, r.sid FROM reached r JOIN using_now u ON u.sid = r.sid
), answered AS (
  SELECT u.pid, u.sid FROM in_use u
   WHERE EXISTS (SELECT 1 FROM feedback_responses f WHERE f.organization_id = $1 AND f.stakeholder_id = u.sid AND f.collected_at >= $3 AND f.collected_at < $4)
)`;

/** Per programme and step ('reached', 'in_use', 'answered'): the people and the sum of their record keys. */
export const CHAIN_PEOPLE_SQL = `${PEOPLE_CTES}
SELECT x.pid, x.step, count(*)::int AS people, coalesce(sum(s.record_key), 0)::text AS keys
  FROM (SELECT pid, sid, 'reached' AS step FROM reached
        UNION ALL SELECT pid, sid, 'in_use' FROM in_use
        UNION ALL SELECT pid, sid, 'answered' FROM answered) x
  JOIN stakeholders s ON s.organization_id = $1 AND s.id = x.sid
 GROUP BY x.pid, x.step`;

/**
 * Per programme, the responses in [from, to) of the people of 'answered': NPS classes (answers, and
 * the sum of the record keys of the people who gave them) and ratings and effort mapped to 0..100 as
 * quality of experience maps them (a rating r on 1..k as (r − 1) / (k − 1) · 100).
 */
export const CHAIN_EXPERIENCE_SQL = `${PEOPLE_CTES}
, resp AS (
  SELECT a.pid, f.id, f.nps, s.record_key
    FROM answered a
    JOIN feedback_responses f ON f.organization_id = $1 AND f.stakeholder_id = a.sid AND f.collected_at >= $3 AND f.collected_at < $4
    JOIN stakeholders s ON s.organization_id = $1 AND s.id = a.sid
)
SELECT r.pid,
       count(*) FILTER (WHERE r.nps >= 9)::int AS promoters, coalesce(sum(r.record_key) FILTER (WHERE r.nps >= 9), 0)::text AS promoter_keys,
       count(*) FILTER (WHERE r.nps BETWEEN 7 AND 8)::int AS passives, coalesce(sum(r.record_key) FILTER (WHERE r.nps BETWEEN 7 AND 8), 0)::text AS passive_keys,
       count(*) FILTER (WHERE r.nps <= 6)::int AS detractors, coalesce(sum(r.record_key) FILTER (WHERE r.nps <= 6), 0)::text AS detractor_keys,
       sum(q.rating_sum)::float8 AS rating_sum, coalesce(sum(q.rating_n), 0)::int AS rating_n,
       sum(q.effort_sum)::float8 AS effort_sum, coalesce(sum(q.effort_n), 0)::int AS effort_n
  FROM resp r
  LEFT JOIN LATERAL (
    SELECT sum((fa.value_number - 1) * 25) FILTER (WHERE fa.type = 'RATING') AS rating_sum,
           count(fa.value_number) FILTER (WHERE fa.type = 'RATING') AS rating_n,
           sum((fa.value_number - 1) * 100 / 6) FILTER (WHERE fa.type = 'EFFORT') AS effort_sum,
           count(fa.value_number) FILTER (WHERE fa.type = 'EFFORT') AS effort_n
      FROM feedback_answers fa WHERE fa.organization_id = $1 AND fa.response_id = r.id
  ) q ON true
 GROUP BY r.pid`;

/** Per programme: the revenue of the sales in [from, to) of the offerings that fund it (minor units). */
export const CHAIN_REVENUE_SQL = `
SELECT o.programme_id AS pid, sum(x.amount_minor)::text AS revenue
  FROM offerings o JOIN sales x ON x.organization_id = o.organization_id AND x.offering_id = o.id
 WHERE o.organization_id = $1 AND ($2::uuid IS NULL OR o.programme_id = $2) AND o.programme_id IS NOT NULL AND x.occurred_at >= $3 AND x.occurred_at < $4
 GROUP BY o.programme_id`;
