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
 * touchpoint and stage, so the drivers and goalDelivery read answers by touchpoint or stage from here
 * too. The answer in force at T is the row with collected_at < T ≤ until: read for everybody at once
 * from (organization, measure, until), or for one person from (organization, person, measure,
 * collected_at).
 *
 * Kept right in the same transaction as every write to feedback_responses and feedback_answers by
 * statement-level triggers with transition tables, in two steps: the rows of the responses a
 * statement wrote are recomputed from those responses and their answers (only new or changed rows
 * written; a deleted response's rows go with it by the foreign key), then the `until` of the rows
 * that can have moved is recomputed from the rows here: after an insert, the added rows (written
 * once, with it) and the row just before each (index probes around each added row); after a
 * change or deletion, every row of the people concerned (an index-only read). A batch of 1000 new responses so writes their rows and the
 * previous row of each person, without reading anybody's history from the big tables. A row's `until` depends on the
 * person's other answers, so two open transactions answering for the same person must not both
 * compute it from their own snapshot: each trigger first takes a transaction-level advisory lock
 * per person (in one order), and computes in its next statements, which see what the other
 * committed. The functions run as the table owner (SECURITY DEFINER, fixed search_path); rows carry
 * their organization and are read under the same row-level policy as every tenant table. No personal data: answers' values and times only,
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
        stage_id uuid,
        collected_at timestamptz NOT NULL,
        until timestamptz NOT NULL,
        value numeric NOT NULL,
        CONSTRAINT pk_experience_stays PRIMARY KEY (organization_id, response_id, measure),
        CONSTRAINT ck_experience_stays_measure CHECK (measure IN ('NPS', 'RATING', 'EFFORT')),
        CONSTRAINT ck_experience_stays_order CHECK (until >= collected_at)
      );

      -- One writer per person at a time, locks taken in one order: a batch that adds a later answer for a person
      -- another open batch also answered waits for it, and then (a new snapshot for its next statement) sees it.
      CREATE FUNCTION experience_stays_lock(orgs uuid[], people uuid[]) RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT pg_advisory_xact_lock(x.k)
          FROM (SELECT DISTINCT hashtextextended(p.o::text || p.s::text, 861) AS k FROM unnest(orgs, people) AS p (o, s) ORDER BY 1) x;
      $$;

      -- What the rows of the given responses and measures should hold, from the responses and their answers (value
      -- NULL: no such row: no NPS answer, or no RATING / EFFORT answer with a value).
      CREATE FUNCTION experience_stays_values(orgs uuid[], ids uuid[], measures varchar[])
        RETURNS TABLE (organization_id uuid, id uuid, measure varchar, stakeholder_id uuid, kind stakeholder_kind, touchpoint_id uuid, stage_id uuid, collected_at timestamptz, value numeric)
        LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
        SELECT r.organization_id, r.id, m.measure, r.stakeholder_id, r.kind, r.touchpoint_id, r.stage_id, r.collected_at,
               CASE WHEN m.measure = 'NPS' THEN r.nps::numeric
                    ELSE (SELECT avg((a.value_number - 1) / CASE a.type WHEN 'RATING' THEN 4 ELSE 6 END * 100) FROM feedback_answers a
                           WHERE a.organization_id = r.organization_id AND a.response_id = r.id AND a.type::text = m.measure AND a.value_number IS NOT NULL) END
          FROM (SELECT DISTINCT x.o, x.i FROM unnest(orgs, ids) AS x (o, i)) x
          JOIN feedback_responses r ON r.organization_id = x.o AND r.id = x.i
          CROSS JOIN unnest(measures) AS m (measure)
      $$;

      -- The rows of the given responses and measures, recomputed from the responses and their answers: rows no
      -- longer there deleted, new or changed ones written (in key order; unchanged rows are not touched, not even
      -- locked). A written row's until is provisional (its own time): the chain functions set it.
      CREATE FUNCTION experience_stays_set(orgs uuid[], ids uuid[], measures varchar[]) RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        WITH want AS (
          SELECT * FROM experience_stays_values(orgs, ids, measures)
        ), gone AS (
          DELETE FROM experience_stays y USING want w
           WHERE w.value IS NULL AND y.organization_id = w.organization_id AND y.response_id = w.id AND y.measure = w.measure
        )
        INSERT INTO experience_stays AS y (organization_id, response_id, measure, stakeholder_id, kind, touchpoint_id, stage_id, collected_at, until, value)
        SELECT w.organization_id, w.id, w.measure, w.stakeholder_id, w.kind, w.touchpoint_id, w.stage_id, w.collected_at, w.collected_at, w.value
          FROM want w LEFT JOIN experience_stays e ON e.organization_id = w.organization_id AND e.response_id = w.id AND e.measure = w.measure
         WHERE w.value IS NOT NULL
           AND (e.response_id IS NULL
                OR (e.stakeholder_id, e.kind, e.touchpoint_id, e.stage_id, e.collected_at, e.value) IS DISTINCT FROM (w.stakeholder_id, w.kind, w.touchpoint_id, w.stage_id, w.collected_at, w.value))
         ORDER BY 1, 2, 3
        ON CONFLICT (organization_id, response_id, measure) DO UPDATE
           SET stakeholder_id = excluded.stakeholder_id, kind = excluded.kind, touchpoint_id = excluded.touchpoint_id, stage_id = excluded.stage_id,
               collected_at = excluded.collected_at,
               until = excluded.until, value = excluded.value
      $$;

      -- Every row's until for the given people and measures, from their rows here (index only, in order): the time
      -- of the same person's next row of the same measure, or 'infinity'; only the rows whose until moves are written.
      CREATE FUNCTION experience_stays_chain(orgs uuid[], people uuid[], measures varchar[]) RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        UPDATE experience_stays y SET until = x.until
          FROM (SELECT e.organization_id, e.response_id, e.measure, e.until AS was,
                       coalesce(lead(e.collected_at) OVER (PARTITION BY e.organization_id, e.stakeholder_id, e.measure ORDER BY e.collected_at, e.response_id), 'infinity') AS until
                  FROM (SELECT DISTINCT o, s FROM unnest(orgs, people) AS p (o, s)) p
                  JOIN experience_stays e ON e.organization_id = p.o AND e.stakeholder_id = p.s AND e.measure = ANY(measures)) x
         WHERE x.until IS DISTINCT FROM x.was AND y.organization_id = x.organization_id AND y.response_id = x.response_id AND y.measure = x.measure
      $$;

      -- New responses or answers: the rows of the given responses and measures written once with their until, and
      -- the row just before each (the only other row whose until can move) updated. Each row's until comes from
      -- the rows around it: the added ones and, per added row, the person's rows just before and just after it here
      -- (two index probes), ordered per person and measure; the next of those is the row's true next.
      CREATE FUNCTION experience_stays_add(orgs uuid[], ids uuid[], measures varchar[]) RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        WITH want AS (
          SELECT * FROM experience_stays_values(orgs, ids, measures) w WHERE w.value IS NOT NULL
        ), around AS (
          -- A row can be added, the one just before an added one (its until moves), or only the one just after (its until
          -- stays: it is here to give the added ones theirs).
          SELECT organization_id, stakeholder_id, measure, collected_at, response_id, bool_or(added) AS added, bool_or(before) AS before
            FROM (SELECT w.organization_id, w.stakeholder_id, w.measure, w.collected_at, w.id AS response_id, true AS added, false AS before FROM want w
                  UNION ALL
                  SELECT b.*, false, true FROM want w
                   CROSS JOIN LATERAL (SELECT e.organization_id, e.stakeholder_id, e.measure, e.collected_at, e.response_id FROM experience_stays e
                                        WHERE e.organization_id = w.organization_id AND e.stakeholder_id = w.stakeholder_id AND e.measure = w.measure
                                          AND (e.collected_at, e.response_id) < (w.collected_at, w.id)
                                        ORDER BY e.collected_at DESC, e.response_id DESC LIMIT 1) b
                  UNION ALL
                  SELECT b.*, false, false FROM want w
                   CROSS JOIN LATERAL (SELECT e.organization_id, e.stakeholder_id, e.measure, e.collected_at, e.response_id FROM experience_stays e
                                        WHERE e.organization_id = w.organization_id AND e.stakeholder_id = w.stakeholder_id AND e.measure = w.measure
                                          AND (e.collected_at, e.response_id) > (w.collected_at, w.id)
                                        ORDER BY e.collected_at, e.response_id LIMIT 1) b) x
           GROUP BY organization_id, stakeholder_id, measure, collected_at, response_id
        ), chained AS (
          SELECT a.*, coalesce(lead(a.collected_at) OVER (PARTITION BY a.organization_id, a.stakeholder_id, a.measure ORDER BY a.collected_at, a.response_id), 'infinity') AS until
            FROM around a
        ), moved AS (
          UPDATE experience_stays y SET until = c.until FROM chained c
           WHERE c.before AND NOT c.added AND y.organization_id = c.organization_id AND y.response_id = c.response_id AND y.measure = c.measure
             AND y.until IS DISTINCT FROM c.until
        )
        INSERT INTO experience_stays AS y (organization_id, response_id, measure, stakeholder_id, kind, touchpoint_id, stage_id, collected_at, until, value)
        SELECT w.organization_id, w.id, w.measure, w.stakeholder_id, w.kind, w.touchpoint_id, w.stage_id, w.collected_at, c.until, w.value
          FROM want w
          JOIN chained c ON c.organization_id = w.organization_id AND c.response_id = w.id AND c.measure = w.measure
          LEFT JOIN experience_stays e ON e.organization_id = w.organization_id AND e.response_id = w.id AND e.measure = w.measure
         WHERE e.response_id IS NULL
            OR (e.stakeholder_id, e.kind, e.touchpoint_id, e.stage_id, e.collected_at, e.until, e.value)
               IS DISTINCT FROM (w.stakeholder_id, w.kind, w.touchpoint_id, w.stage_id, w.collected_at, c.until, w.value)
         ORDER BY 1, 2, 3
        ON CONFLICT (organization_id, response_id, measure) DO UPDATE
           SET stakeholder_id = excluded.stakeholder_id, kind = excluded.kind, touchpoint_id = excluded.touchpoint_id, stage_id = excluded.stage_id,
               collected_at = excluded.collected_at,
               until = excluded.until, value = excluded.value
      $$;

      CREATE FUNCTION experience_stays_responses_changed() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        orgs uuid[];
        people uuid[];
        ids_orgs uuid[];
        ids uuid[];
      BEGIN
        IF TG_OP = 'INSERT' THEN
          -- New responses: their NPS rows (their answers' rows come with the answers' own trigger). Every person of the
          -- statement is locked here, not only those with an NPS answer: the answers' trigger of the same statement then
          -- asks for no lock it does not hold (two batches, one with e's NPS and f's rating, the other the reverse,
          -- would otherwise each hold one person and wait for the other).
          SELECT array_agg(n.organization_id), array_agg(n.stakeholder_id) INTO orgs, people FROM new_rows n;
          IF orgs IS NULL THEN RETURN NULL; END IF;
          PERFORM experience_stays_lock(orgs, people);
          SELECT array_agg(n.organization_id), array_agg(n.id) INTO ids_orgs, ids FROM new_rows n WHERE n.nps IS NOT NULL;
          IF ids IS NOT NULL THEN PERFORM experience_stays_add(ids_orgs, ids, '{NPS}'); END IF;
          RETURN NULL;
        ELSIF TG_OP = 'DELETE' THEN
          -- The deleted responses' rows went with them (foreign key); the rows before them are now in force longer.
          SELECT array_agg(o.organization_id), array_agg(o.stakeholder_id) INTO orgs, people FROM old_rows o;
        ELSE
          -- Only what a row is made of (the person, the touchpoint and stage, the time, the NPS answer) moves rows; both people's rows are chained again.
          SELECT array_agg(n.organization_id), array_agg(n.id) INTO ids_orgs, ids
            FROM old_rows o JOIN new_rows n ON n.organization_id = o.organization_id AND n.id = o.id
           WHERE (o.stakeholder_id, o.kind, o.touchpoint_id, o.stage_id, o.collected_at, o.nps) IS DISTINCT FROM (n.stakeholder_id, n.kind, n.touchpoint_id, n.stage_id, n.collected_at, n.nps);
          SELECT array_agg(x.organization_id), array_agg(x.stakeholder_id) INTO orgs, people
            FROM (SELECT o.organization_id, o.stakeholder_id FROM old_rows o WHERE (o.organization_id, o.id) IN (SELECT * FROM unnest(ids_orgs, ids))
                  UNION SELECT n.organization_id, n.stakeholder_id FROM new_rows n WHERE (n.organization_id, n.id) IN (SELECT * FROM unnest(ids_orgs, ids))) x;
        END IF;
        IF orgs IS NULL THEN RETURN NULL; END IF;
        PERFORM experience_stays_lock(orgs, people);
        IF ids IS NOT NULL THEN PERFORM experience_stays_set(ids_orgs, ids, '{NPS,RATING,EFFORT}'); END IF;
        PERFORM experience_stays_chain(orgs, people, '{NPS,RATING,EFFORT}');
        RETURN NULL;
      END $$;

      CREATE FUNCTION experience_stays_answers_changed() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        orgs uuid[];
        people uuid[];
        ids uuid[];
      BEGIN
        -- The responses (still there) whose RATING or EFFORT answers a statement wrote, changed or deleted, and their people.
        IF TG_OP = 'INSERT' THEN
          SELECT array_agg(r.organization_id), array_agg(r.stakeholder_id), array_agg(r.id) INTO orgs, people, ids
            FROM (SELECT DISTINCT organization_id, response_id FROM new_rows WHERE type IN ('RATING', 'EFFORT')) a
            JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT array_agg(r.organization_id), array_agg(r.stakeholder_id), array_agg(r.id) INTO orgs, people, ids
            FROM (SELECT DISTINCT organization_id, response_id FROM old_rows WHERE type IN ('RATING', 'EFFORT')) a
            JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id;
        ELSE
          SELECT array_agg(r.organization_id), array_agg(r.stakeholder_id), array_agg(r.id) INTO orgs, people, ids
            FROM (SELECT organization_id, response_id FROM old_rows WHERE type IN ('RATING', 'EFFORT')
                  UNION SELECT organization_id, response_id FROM new_rows WHERE type IN ('RATING', 'EFFORT')) a
            JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id;
        END IF;
        IF orgs IS NULL THEN RETURN NULL; END IF;
        PERFORM experience_stays_lock(orgs, people);
        -- Added answers add rows (or change a row's value): only the rows next to them move; a deletion or change can remove a row.
        IF TG_OP = 'INSERT' THEN
          PERFORM experience_stays_add(orgs, ids, '{RATING,EFFORT}');
        ELSE
          PERFORM experience_stays_set(orgs, ids, '{RATING,EFFORT}');
          PERFORM experience_stays_chain(orgs, people, '{RATING,EFFORT}');
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
      INSERT INTO experience_stays (organization_id, response_id, measure, stakeholder_id, kind, touchpoint_id, stage_id, collected_at, until, value)
      SELECT x.organization_id, x.id, x.measure, x.stakeholder_id, x.kind, x.touchpoint_id, x.stage_id, x.collected_at,
             coalesce(lead(x.collected_at) OVER (PARTITION BY x.organization_id, x.stakeholder_id, x.measure ORDER BY x.collected_at, x.id), 'infinity'), x.value
        FROM (SELECT r.organization_id, r.id, r.stakeholder_id, r.kind, r.touchpoint_id, r.stage_id, r.collected_at, 'NPS'::varchar AS measure, r.nps::numeric AS value
                FROM feedback_responses r WHERE r.nps IS NOT NULL
              UNION ALL
              SELECT r.organization_id, r.id, r.stakeholder_id, r.kind, r.touchpoint_id, r.stage_id, r.collected_at, a.type, a.value
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
      -- drivers' respondents' ratings by touchpoint and latest NPS answers, goalDelivery's windows at a touchpoint
      -- or stage): index only.
      CREATE INDEX ix_experience_stays_time ON experience_stays (organization_id, kind, measure, collected_at) INCLUDE (stakeholder_id, touchpoint_id, stage_id, value, response_id, until);
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
      DROP FUNCTION experience_stays_responses_changed(), experience_stays_answers_changed(), experience_stays_lock(uuid[], uuid[]),
        experience_stays_values(uuid[], uuid[], varchar[]),
        experience_stays_set(uuid[], uuid[], varchar[]), experience_stays_chain(uuid[], uuid[], varchar[]), experience_stays_add(uuid[], uuid[], varchar[]);
      DROP TABLE experience_stays;
    `);
  }
}
