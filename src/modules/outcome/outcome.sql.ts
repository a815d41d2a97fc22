/**
 * The statements of outcomes measured from feedback. A link names a survey and a question key; the
 * questions it reads are that key's in every version of the survey, of a type its measure takes
 * (MEAN and SUM: NUMBER or RATING; SHARE_YES: YES_NO; SHARE_OPTION: CHOICE). Every answer gives a
 * value `v`: the number for MEAN and SUM, 1 or 0 for a share (yes, or the option chosen).
 */

/** `q(metric_id, measure, option, question_id)` from a CTE `l` of links (organization $1). */
export const LINKED_QUESTIONS = `
q AS (
  SELECT l.metric_id, l.measure, l.option, sq.id AS question_id
    FROM l
    JOIN survey_versions v ON v.organization_id = $1 AND v.survey_id = l.survey_id
    JOIN survey_questions sq ON sq.organization_id = $1 AND sq.survey_version_id = v.id AND sq.key = l.question_key
   WHERE sq.type::text = ANY (CASE l.measure WHEN 'SHARE_YES' THEN ARRAY['YES_NO'] WHEN 'SHARE_OPTION' THEN ARRAY['CHOICE'] ELSE ARRAY['NUMBER', 'RATING'] END)
)`;

/** An answer's value for its link's measure. */
const VALUE = `CASE q.measure WHEN 'SHARE_YES' THEN (a.value_bool)::int WHEN 'SHARE_OPTION' THEN (a.value_text = q.option)::int ELSE a.value_number END`;

/**
 * Values of linked metrics per bucket ($1 organization, $2 and $3 the buckets' starts and ends, $4
 * the metrics): answers, distinct people and the sum of their record keys, the sum and the mean of
 * the values (a share as a percentage). Per person first, so that people are counted once.
 */
export const LINKED_VALUES_SQL = `
WITH b AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i)),
l AS (SELECT * FROM metric_question_links WHERE organization_id = $1 AND metric_id = ANY($4::uuid[])),
${LINKED_QUESTIONS},
per AS (
  SELECT q.metric_id, q.measure, b.i, r.stakeholder_id, count(*) AS n, sum(${VALUE}) AS s
    FROM q
    JOIN feedback_answers a ON a.organization_id = $1 AND a.question_id = q.question_id
    JOIN feedback_responses r ON r.organization_id = $1 AND r.id = a.response_id
    JOIN b ON r.collected_at >= b.bf AND r.collected_at < b.bt
   GROUP BY 1, 2, 3, 4
)
SELECT p.metric_id, p.measure, p.i, sum(p.n)::int AS n, count(*)::int AS people, sum(st.record_key)::text AS keys,
       trim_scale(sum(p.s))::text AS s,
       trim_scale(round(sum(p.s) * (CASE WHEN p.measure LIKE 'SHARE%' THEN 100 ELSE 1 END) / sum(p.n), 6))::text AS mean
  FROM per p JOIN stakeholders st ON st.organization_id = $1 AND st.id = p.stakeholder_id
 GROUP BY 1, 2, 3`;

/**
 * The same per value of one stakeholder attribute ($5: gender, age_band, region or segment), for a
 * series split by it.
 */
export const linkedGroupsSql = (column: string) => `
WITH b AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i)),
l AS (SELECT * FROM metric_question_links WHERE organization_id = $1 AND metric_id = $4),
${LINKED_QUESTIONS},
per AS (
  SELECT q.measure, b.i, r.stakeholder_id, count(*) AS n, sum(${VALUE}) AS s
    FROM q
    JOIN feedback_answers a ON a.organization_id = $1 AND a.question_id = q.question_id
    JOIN feedback_responses r ON r.organization_id = $1 AND r.id = a.response_id
    JOIN b ON r.collected_at >= b.bf AND r.collected_at < b.bt
   GROUP BY 1, 2, 3
)
SELECT p.i, coalesce(st.${column}::text, '(not recorded)') AS value, sum(p.n)::int AS n, count(*)::int AS sample, sum(st.record_key)::text AS keys,
       trim_scale(sum(p.s))::text AS s,
       trim_scale(round(sum(p.s) * (CASE WHEN min(p.measure) LIKE 'SHARE%' THEN 100 ELSE 1 END) / sum(p.n), 6))::text AS a
  FROM per p JOIN stakeholders st ON st.organization_id = $1 AND st.id = p.stakeholder_id
 GROUP BY 1, 2 ORDER BY 1, 2`;

/**
 * Distance travelled per linked metric ($1 organization, $2 metrics, $3 from or null, $4 to or
 * null; `people` a condition on `r.stakeholder_id` or "true"; a share's answers count 100 or 0, so
 * that its changes are in percentage points): over the answers collected in
 * [from, to), each person's first answer (baseline) and latest (follow-up, when it is a later
 * response); then per metric: people with a baseline, those with both, the signed change's counts
 * (improved, same, worse: `dir` 1 when higher is better, −1 when lower is), its sums, and the record
 * keys of each group.
 */
export const distanceSql = (people: string) => `
WITH l AS (SELECT * FROM metric_question_links WHERE organization_id = $1 AND metric_id = ANY($2::uuid[])),
${LINKED_QUESTIONS},
ans AS (
  SELECT q.metric_id, r.stakeholder_id AS sid, r.collected_at AS at, r.id, (CASE WHEN q.measure LIKE 'SHARE%' THEN 100 ELSE 1 END * ${VALUE})::numeric AS v
    FROM q
    JOIN feedback_answers a ON a.organization_id = $1 AND a.question_id = q.question_id
    JOIN feedback_responses r ON r.organization_id = $1 AND r.id = a.response_id
   WHERE ($3::timestamptz IS NULL OR r.collected_at >= $3) AND ($4::timestamptz IS NULL OR r.collected_at < $4) AND ${people}
), first AS (
  SELECT DISTINCT ON (metric_id, sid) metric_id, sid, at, id, v FROM ans ORDER BY metric_id, sid, at, id
), latest AS (
  SELECT DISTINCT ON (metric_id, sid) metric_id, sid, at, id, v FROM ans ORDER BY metric_id, sid, at DESC, id DESC
), pairs AS (
  SELECT f.metric_id, f.sid, f.v AS baseline, CASE WHEN t.at > f.at THEN t.v END AS follow_up,
         CASE WHEN m.direction = 'LOWER_IS_BETTER' THEN -1 ELSE 1 END AS dir, st.record_key AS rk
    FROM first f JOIN latest t ON t.metric_id = f.metric_id AND t.sid = f.sid
    JOIN metrics m ON m.organization_id = $1 AND m.id = f.metric_id
    JOIN stakeholders st ON st.organization_id = $1 AND st.id = f.sid
)
SELECT metric_id,
       count(*)::int AS with_baseline, coalesce(sum(rk), 0)::text AS baseline_keys,
       count(follow_up)::int AS measured, coalesce(sum(rk) FILTER (WHERE follow_up IS NOT NULL), 0)::text AS measured_keys,
       count(*) FILTER (WHERE (follow_up - baseline) * dir > 0)::int AS improved, coalesce(sum(rk) FILTER (WHERE (follow_up - baseline) * dir > 0), 0)::text AS improved_keys,
       count(*) FILTER (WHERE follow_up = baseline)::int AS same, coalesce(sum(rk) FILTER (WHERE follow_up = baseline), 0)::text AS same_keys,
       count(*) FILTER (WHERE (follow_up - baseline) * dir < 0)::int AS worse, coalesce(sum(rk) FILTER (WHERE (follow_up - baseline) * dir < 0), 0)::text AS worse_keys,
       count(*) FILTER (WHERE follow_up IS NULL)::int AS lacking, coalesce(sum(rk) FILTER (WHERE follow_up IS NULL), 0)::text AS lacking_keys,
       coalesce(sum(follow_up - baseline), 0)::float8 AS change_sum, coalesce(sum((follow_up - baseline) ^ 2), 0)::float8 AS change_squares,
       avg(baseline) FILTER (WHERE follow_up IS NOT NULL)::float8 AS baseline_mean, avg(follow_up)::float8 AS follow_up_mean
  FROM pairs GROUP BY metric_id`;

export interface DistanceRow {
  metric_id: string;
  with_baseline: number;
  baseline_keys: string;
  measured: number;
  measured_keys: string;
  improved: number;
  improved_keys: string;
  same: number;
  same_keys: string;
  worse: number;
  worse_keys: string;
  lacking: number;
  lacking_keys: string;
  change_sum: number;
  change_squares: number;
  baseline_mean: number | null;
  follow_up_mean: number | null;
}
