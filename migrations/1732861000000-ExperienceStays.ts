import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Experience stays, kept ready at write time (issue 16: what experience is worth, at scale).
 *
 * The value views ask, for many people at once, "what was this person's latest NPS answer (latest
 * rating) before time T?": customerValue for every customer with a purchase (T = the period's end),
 * beneficiaryRetention before each person's outcome or exit, loopValue's next answer after a
 * detractor's. Looked up one person at a time in feedback_responses and feedback_answers that took
 * seconds on an organization of 100,000 people and a million responses.
 *
 * Like stage_stays for stages, a row here is one answer's time "in force": from the response's
 * `collected_at` to the same person's next response with the same measure (in the order
 * collected_at, id), or 'infinity' while there is none. Measures: `NPS` (the response's NPS answer,
 * 0–10), `RATING` (the mean of the response's RATING answers with a value, mapped to 0–100 as
 * (value − 1) / 4 × 100, the expression every view uses) and `EFFORT` (the same of its EFFORT
 * answers, 1–7 mapped as (value − 1) / 6 × 100, as QoE maps them); each row also names the response's
 * touchpoint, so the drivers read respondents' ratings by touchpoint from here too. The answer in force at T is the row with
 * collected_at < T ≤ until: read for everybody at once from (organization, measure, until), or for
 * one person from (organization, person, measure, collected_at).
 *
 * Kept right in the same transaction as every write to feedback_responses and feedback_answers by
 * statement-level triggers with transition tables: the rows of every person a statement touched
 * are recomputed from that person's responses and upserted in key order (rows no longer there are
 * deleted; a deleted response's rows go with it by the foreign key). A row's `until` depends on the
 * person's other answers, so two open transactions answering for the same person must not both
 * compute it from their own snapshot: the refresh takes a transaction-level advisory lock per
 * person (in one order) and computes in the next statement, which sees what the other committed. The functions run as the table
 * owner (SECURITY DEFINER, fixed search_path); rows carry their organization and are read under the
 * same row-level policy as every tenant table. No personal data: answers' values and times only,
 * as feedback_responses holds them (an erasure keeps aggregates, and so keeps these).
 */
export class ExperienceStays1732861000000 implements MigrationInterface {
  name = "ExperienceStays1732861000000";

  public async up(q: QueryRunner): Promise<void> {
    // The backfill reads every response: not bound by the API's statement timeout.
    await q.query(`SET LOCAL statement_timeout = 0`);
    await q.query(`
      CREATE TABLE experience_stays (
        organization_id uuid NOT NULL,
        response_id uuid NOT NULL,
        measure varchar(6) NOT NULL,
        stakeholder_id uuid NOT NULL,
        kind stakeholder_kind NOT NULL,
        touchpoint_id uuid,
        collected_at timestamptz NOT NULL,
        until timestamptz NOT NULL,
        value numeric NOT NULL,
        CONSTRAINT pk_experience_stays PRIMARY KEY (organization_id, response_id, measure),
        CONSTRAINT ck_experience_stays_measure CHECK (measure IN ('NPS', 'RATING', 'EFFORT')),
        CONSTRAINT ck_experience_stays_order CHECK (until >= collected_at)
      );

      -- The rows of the given people, recomputed from their responses: stale ones deleted, the rest upserted in key order.
      CREATE FUNCTION experience_stays_refresh(orgs uuid[], people uuid[]) RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        -- One writer per person at a time, locks taken in one order: a batch that adds a later answer for a person
        -- another open batch also answered waits for it, and then (a new snapshot for the next statement) sees it.
        SELECT pg_advisory_xact_lock(x.k)
          FROM (SELECT DISTINCT hashtextextended(p.o::text || p.s::text, 861) AS k FROM unnest(orgs, people) AS p (o, s) ORDER BY 1) x;
        WITH p AS (
          SELECT DISTINCT o, s FROM unnest(orgs, people) AS p (o, s)
        ), answers AS (
          SELECT r.organization_id, r.id, r.stakeholder_id, r.kind, r.touchpoint_id, r.collected_at, 'NPS'::varchar AS measure, r.nps::numeric AS value
            FROM p JOIN feedback_responses r ON r.organization_id = p.o AND r.stakeholder_id = p.s
           WHERE r.nps IS NOT NULL
          UNION ALL
          SELECT r.organization_id, r.id, r.stakeholder_id, r.kind, r.touchpoint_id, r.collected_at, a.type::varchar,
                 avg(CASE a.type WHEN 'RATING' THEN (a.value_number - 1) / 4 * 100 ELSE (a.value_number - 1) / 6 * 100 END)
            FROM p JOIN feedback_responses r ON r.organization_id = p.o AND r.stakeholder_id = p.s
            JOIN feedback_answers a ON a.organization_id = r.organization_id AND a.response_id = r.id AND a.type IN ('RATING', 'EFFORT') AND a.value_number IS NOT NULL
           GROUP BY r.organization_id, r.id, r.stakeholder_id, r.kind, r.touchpoint_id, r.collected_at, a.type
        ), fresh AS (
          SELECT x.*, coalesce(lead(x.collected_at) OVER (PARTITION BY x.organization_id, x.stakeholder_id, x.measure ORDER BY x.collected_at, x.id), 'infinity') AS until
            FROM answers x
        ), gone AS (
          DELETE FROM experience_stays y USING p
           WHERE y.organization_id = p.o AND y.stakeholder_id = p.s
             AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.organization_id = y.organization_id AND f.id = y.response_id AND f.measure = y.measure)
        )
        INSERT INTO experience_stays AS y (organization_id, response_id, measure, stakeholder_id, kind, touchpoint_id, collected_at, until, value)
        SELECT f.organization_id, f.id, f.measure, f.stakeholder_id, f.kind, f.touchpoint_id, f.collected_at, f.until, f.value FROM fresh f
         ORDER BY 1, 2, 3
        ON CONFLICT (organization_id, response_id, measure) DO UPDATE
           SET stakeholder_id = excluded.stakeholder_id, kind = excluded.kind, touchpoint_id = excluded.touchpoint_id, collected_at = excluded.collected_at, until = excluded.until, value = excluded.value
         WHERE (y.stakeholder_id, y.kind, y.touchpoint_id, y.collected_at, y.until, y.value)
               IS DISTINCT FROM (excluded.stakeholder_id, excluded.kind, excluded.touchpoint_id, excluded.collected_at, excluded.until, excluded.value)
      $$;

      CREATE FUNCTION experience_stays_responses_changed() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM experience_stays_refresh(array_agg(n.organization_id), array_agg(n.stakeholder_id)) FROM new_rows n;
        ELSIF TG_OP = 'DELETE' THEN
          -- The deleted responses' rows went with them (foreign key); the rows before them are now in force longer.
          PERFORM experience_stays_refresh(array_agg(o.organization_id), array_agg(o.stakeholder_id)) FROM old_rows o;
        ELSE
          -- Only what a row is made of (the person, the touchpoint, the time, the NPS answer) moves rows; both people's rows are recomputed.
          PERFORM experience_stays_refresh(array_agg(c.organization_id), array_agg(c.stakeholder_id))
             FROM (SELECT o.organization_id, o.stakeholder_id FROM old_rows o JOIN new_rows n ON n.organization_id = o.organization_id AND n.id = o.id
                    WHERE (o.stakeholder_id, o.kind, o.touchpoint_id, o.collected_at, o.nps) IS DISTINCT FROM (n.stakeholder_id, n.kind, n.touchpoint_id, n.collected_at, n.nps)
                   UNION
                   SELECT n.organization_id, n.stakeholder_id FROM old_rows o JOIN new_rows n ON n.organization_id = o.organization_id AND n.id = o.id
                    WHERE (o.stakeholder_id, o.kind, o.touchpoint_id, o.collected_at, o.nps) IS DISTINCT FROM (n.stakeholder_id, n.kind, n.touchpoint_id, n.collected_at, n.nps)) c;
        END IF;
        RETURN NULL;
      END $$;

      CREATE FUNCTION experience_stays_answers_changed() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        -- The people whose RATING or EFFORT answers a statement wrote, changed or deleted (of responses still there).
        IF TG_OP = 'INSERT' THEN
          PERFORM experience_stays_refresh(array_agg(r.organization_id), array_agg(r.stakeholder_id))
             FROM (SELECT DISTINCT organization_id, response_id FROM new_rows WHERE type IN ('RATING', 'EFFORT')) a
             JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id;
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM experience_stays_refresh(array_agg(r.organization_id), array_agg(r.stakeholder_id))
             FROM (SELECT DISTINCT organization_id, response_id FROM old_rows WHERE type IN ('RATING', 'EFFORT')) a
             JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id;
        ELSE
          PERFORM experience_stays_refresh(array_agg(r.organization_id), array_agg(r.stakeholder_id))
             FROM (SELECT organization_id, response_id FROM old_rows WHERE type IN ('RATING', 'EFFORT')
                   UNION SELECT organization_id, response_id FROM new_rows WHERE type IN ('RATING', 'EFFORT')) a
             JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id;
        END IF;
        RETURN NULL;
      END $$;

      CREATE TRIGGER experience_stays_insert AFTER INSERT ON feedback_responses
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION experience_stays_responses_changed();
      CREATE TRIGGER experience_stays_update AFTER UPDATE ON feedback_responses
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION experience_stays_responses_changed();
      CREATE TRIGGER experience_stays_delete AFTER DELETE ON feedback_responses
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION experience_stays_responses_changed();
      CREATE TRIGGER experience_stays_answers_insert AFTER INSERT ON feedback_answers
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION experience_stays_answers_changed();
      CREATE TRIGGER experience_stays_answers_update AFTER UPDATE ON feedback_answers
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION experience_stays_answers_changed();
      CREATE TRIGGER experience_stays_answers_delete AFTER DELETE ON feedback_answers
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION experience_stays_answers_changed();

      -- Backfill: every response with an NPS answer or a rating, as the triggers keep them; then the
      -- foreign key (checked in one pass) and the indexes (built in one pass).
      INSERT INTO experience_stays (organization_id, response_id, measure, stakeholder_id, kind, touchpoint_id, collected_at, until, value)
      SELECT x.organization_id, x.id, x.measure, x.stakeholder_id, x.kind, x.touchpoint_id, x.collected_at,
             coalesce(lead(x.collected_at) OVER (PARTITION BY x.organization_id, x.stakeholder_id, x.measure ORDER BY x.collected_at, x.id), 'infinity'), x.value
        FROM (SELECT r.organization_id, r.id, r.stakeholder_id, r.kind, r.touchpoint_id, r.collected_at, 'NPS'::varchar AS measure, r.nps::numeric AS value
                FROM feedback_responses r WHERE r.nps IS NOT NULL
              UNION ALL
              SELECT r.organization_id, r.id, r.stakeholder_id, r.kind, r.touchpoint_id, r.collected_at, a.type, a.value
                FROM (SELECT organization_id, response_id, type::varchar AS type,
                             avg(CASE type WHEN 'RATING' THEN (value_number - 1) / 4 * 100 ELSE (value_number - 1) / 6 * 100 END) AS value
                        FROM feedback_answers
                       WHERE type IN ('RATING', 'EFFORT') AND value_number IS NOT NULL GROUP BY organization_id, response_id, type) a
                JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id) x;
      ALTER TABLE experience_stays ADD CONSTRAINT fk_experience_stays_response FOREIGN KEY (organization_id, response_id)
        REFERENCES feedback_responses (organization_id, id) ON DELETE CASCADE;
      -- Everybody's answer in force at T: the rows of a measure that end at or after T (index only).
      CREATE INDEX ix_experience_stays_until ON experience_stays (organization_id, measure, until) INCLUDE (collected_at, stakeholder_id, kind, value);
      -- Answers of a kind and measure given in a period (loopValue's detractor answers and their next ones, the
      -- drivers' respondents' ratings by touchpoint and latest NPS answers): index only.
      CREATE INDEX ix_experience_stays_time ON experience_stays (organization_id, kind, measure, collected_at) INCLUDE (stakeholder_id, touchpoint_id, value, response_id, until);
      -- One person's answers of a measure in time order (their latest before, or next after, a time).
      CREATE INDEX ix_experience_stays_person ON experience_stays (organization_id, stakeholder_id, measure, collected_at, response_id) INCLUDE (until, value);

      ALTER TABLE experience_stays ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON experience_stays USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()));
      GRANT SELECT ON experience_stays TO dbl_app;
      ANALYZE experience_stays;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER experience_stays_insert ON feedback_responses;
      DROP TRIGGER experience_stays_update ON feedback_responses;
      DROP TRIGGER experience_stays_delete ON feedback_responses;
      DROP TRIGGER experience_stays_answers_insert ON feedback_answers;
      DROP TRIGGER experience_stays_answers_update ON feedback_answers;
      DROP TRIGGER experience_stays_answers_delete ON feedback_answers;
      DROP FUNCTION experience_stays_responses_changed(), experience_stays_answers_changed(), experience_stays_refresh(uuid[], uuid[]);
      DROP TABLE experience_stays;
    `);
  }
}
