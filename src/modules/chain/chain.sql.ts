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

/** Per programme, the people of 'answered' (who gave feedback): the people the outcome steps are taken over. */
export const CHAIN_ANSWERED_SQL = `${PEOPLE_CTES}
SELECT pid, sid FROM answered`;

/**
 * Per programme, the responses in [from, to) of the people of 'answered': NPS classes (answers, and
 * the sum of the record keys of the people who gave them) and ratings and effort mapped to 0..100 as
 * quality of experience maps them (a rating r on 1..k as (r − 1) / (k − 1) · 100), with their answers'
 * key sums (each answer carries its person's key).
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
       sum(q.rating_sum)::float8 AS rating_sum, coalesce(sum(q.rating_n), 0)::int AS rating_n, coalesce(sum(q.rating_n * r.record_key), 0)::text AS rating_keys,
       sum(q.effort_sum)::float8 AS effort_sum, coalesce(sum(q.effort_n), 0)::int AS effort_n, coalesce(sum(q.effort_n * r.record_key), 0)::text AS effort_keys
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

/** The most allocations a trace lists. */
export const TRACE_ALLOCATIONS_MAX = 200;

/**
 * One sale's units allocated to deliveries ($1 organization, $2 programme, $3 sale), first-in,
 * first-out exactly as fundedVsDelivered allocates them: the sale covers the range [hi − u, hi) of
 * the programme's funded units (sales by occurred_at, id), each delivery the range of its delivered
 * units (by delivered_at, id); an allocation is the overlap. Units in ten-thousandths. Also the
 * sale's units (`me_u`) and how many of them are delivered (`me_delivered`) on every row, and one
 * row with no delivery when nothing is allocated; no row when the sale funds nothing.
 */
export const TRACE_ALLOCATIONS_SQL = `
WITH s AS (
  SELECT x.id, x.occurred_at, (x.units_given * 10000)::bigint AS u,
         sum((x.units_given * 10000)::bigint) OVER (ORDER BY x.occurred_at, x.id) AS hi
    FROM offerings o JOIN sales x ON x.organization_id = o.organization_id AND x.offering_id = o.id
   WHERE o.organization_id = $1 AND o.programme_id = $2 AND x.units_given > 0
), me AS (
  SELECT hi - u AS lo, hi, u, occurred_at FROM s WHERE id = $3
), d AS (
  SELECT d.id, d.delivered_at, d.units::bigint * 10000 AS u, d.people_reached,
         sum(d.units::bigint * 10000) OVER (ORDER BY d.delivered_at, d.id) AS hi
    FROM deliveries d
   WHERE d.organization_id = $1 AND d.programme_id = $2
)
SELECT me.u::text AS me_u, greatest(0, least(me.hi, (SELECT coalesce(max(hi), 0) FROM d)) - me.lo)::text AS me_delivered, d.id AS delivery_id,
       (least(d.hi, me.hi) - greatest(d.hi - d.u, me.lo))::text AS units,
       round((date_part('epoch', d.delivered_at - me.occurred_at) / 86400)::numeric, 2)::float8 AS days,
       CASE WHEN d.people_reached IS NULL THEN 1 ELSE round(d.people_reached::numeric * (least(d.hi, me.hi) - greatest(d.hi - d.u, me.lo)) / d.u, 2) END::text AS people
  FROM me LEFT JOIN d ON d.hi > me.lo AND d.hi - d.u < me.hi
 ORDER BY d.hi
 LIMIT ${TRACE_ALLOCATIONS_MAX + 1}`;

/**
 * What became of the beneficiaries of the given deliveries ($1 organization, $2 delivery ids), each
 * person from their first delivery among them: in an IN_USE stage now; feedback after it; the NPS
 * class of their latest NPS answer after it.
 */
export const TRACE_PEOPLE_SQL = `
WITH p AS (
  SELECT d.beneficiary_id AS sid, min(d.delivered_at) AS since
    FROM deliveries d
   WHERE d.organization_id = $1 AND d.id = ANY($2::uuid[]) AND d.beneficiary_id IS NOT NULL
   GROUP BY d.beneficiary_id
), latest AS (
  SELECT p.sid,
         (SELECT f.nps FROM feedback_responses f WHERE f.organization_id = $1 AND f.stakeholder_id = p.sid AND f.collected_at >= p.since AND f.nps IS NOT NULL
           ORDER BY f.collected_at DESC, f.id DESC LIMIT 1) AS nps,
         EXISTS (SELECT 1 FROM feedback_responses f WHERE f.organization_id = $1 AND f.stakeholder_id = p.sid AND f.collected_at >= p.since) AS answered,
         EXISTS (SELECT 1 FROM stakeholders s JOIN stages st ON st.organization_id = s.organization_id AND st.id = s.current_stage_id
                  WHERE s.organization_id = $1 AND s.id = p.sid AND st.impact_mode = 'IN_USE') AS in_use
    FROM p
)
SELECT count(*)::int AS reached, count(*) FILTER (WHERE in_use)::int AS in_use, count(*) FILTER (WHERE answered)::int AS answered,
       count(*) FILTER (WHERE nps >= 9)::int AS promoters, count(*) FILTER (WHERE nps BETWEEN 7 AND 8)::int AS passives, count(*) FILTER (WHERE nps <= 6)::int AS detractors
  FROM latest`;

/** The outcome metrics of a chain: BENEFICIARY metrics computed from answers (src/modules/outcome), oldest first ($1 organization). */
export const OUTCOME_METRICS_SQL = `
SELECT m.id, m.name FROM metrics m JOIN metric_question_links l ON l.organization_id = m.organization_id AND l.metric_id = m.id
 WHERE m.organization_id = $1 AND m.perspective = 'BENEFICIARY' ORDER BY m.created_at, m.id`;
