import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Stage stays, kept ready at write time.
 *
 * A stay is the time a stakeholder spends in a stage: from a transition into it to the
 * stakeholder's next transition (in the order occurred_at, id), or open (`ended_at` is
 * 'infinity') while there is none. `previous_started_at` / `previous_ended_at` are those of
 * the same stakeholder's previous stay in the same stage (null for the first): a stay whose
 * previous one started (ended) before a period's start is the first of its stakeholder to
 * start (end) in the period, so counts of distinct people are counts of rows, no sort. The
 * stakeholder's disaggregation attributes (gender, age band, region, segment) are copied on
 * its stays, and follow its updates, so that a split by one of them reads the index alone. The funnel, impact in use and the report's
 * disaggregations ask which stays overlap a period; computing that with a window function
 * reads the organization's whole history, so the stays are kept in this table, one row per
 * transition, indexed by (organization, stage, end): a question about a period reads the
 * stays that end in or after it and started before its end.
 *
 * Kept right in the same transaction as every write to stage_transitions by statement-level
 * triggers with transition tables (one statement per batch, whatever its size): the stays of
 * every stakeholder a statement touched are recomputed from that stakeholder's transitions
 * and upserted in key order (no deadlock between concurrent writers); rows whose transition
 * is deleted go with it (foreign key, on delete cascade). The functions run as the table
 * owner (SECURITY DEFINER, fixed search_path) so that they work for the API role under
 * row-level security; every row carries its organization, read back under the same policy
 * as every tenant table.
 */
export class StageStays1732810000000 implements MigrationInterface {
  name = "StageStays1732810000000";

  public async up(q: QueryRunner): Promise<void> {
    // The backfill reads every transition: not bound by the API's statement timeout.
    await q.query(`SET LOCAL statement_timeout = 0`);
    await q.query(`
      CREATE TABLE stage_stays (
        organization_id uuid NOT NULL,
        transition_id uuid NOT NULL,
        stakeholder_id uuid NOT NULL,
        kind stakeholder_kind NOT NULL,
        stage_id uuid NOT NULL,
        started_at timestamptz NOT NULL,
        ended_at timestamptz NOT NULL,
        previous_started_at timestamptz,
        previous_ended_at timestamptz,
        gender gender,
        age_band age_band,
        region varchar(120),
        segment varchar(120),
        CONSTRAINT pk_stage_stays PRIMARY KEY (organization_id, transition_id),
        CONSTRAINT ck_stage_stays_order CHECK (ended_at >= started_at)
      );

      -- The stays of the given stakeholders, recomputed from their transitions and upserted in key order.
      CREATE FUNCTION stage_stays_refresh(orgs uuid[], people uuid[]) RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        INSERT INTO stage_stays AS y (organization_id, transition_id, stakeholder_id, kind, stage_id, started_at, ended_at, previous_started_at, previous_ended_at,
                                      gender, age_band, region, segment)
        SELECT x.organization_id, x.id, x.stakeholder_id, x.kind, x.to_stage_id, x.occurred_at, x.ended_at,
               lag(x.occurred_at) OVER same_stage, lag(x.ended_at) OVER same_stage, s.gender, s.age_band, s.region, s.segment
          FROM (SELECT t.organization_id, t.id, t.stakeholder_id, t.kind, t.to_stage_id, t.occurred_at,
                       coalesce(lead(t.occurred_at) OVER (PARTITION BY t.organization_id, t.stakeholder_id ORDER BY t.occurred_at, t.id), 'infinity') AS ended_at
                  FROM (SELECT DISTINCT o, s FROM unnest(orgs, people) AS p (o, s)) p
                  JOIN stage_transitions t ON t.organization_id = p.o AND t.stakeholder_id = p.s) x
          JOIN stakeholders s ON s.organization_id = x.organization_id AND s.id = x.stakeholder_id
        WINDOW same_stage AS (PARTITION BY x.organization_id, x.stakeholder_id, x.to_stage_id ORDER BY x.occurred_at, x.id)
         ORDER BY 1, 2
        ON CONFLICT (organization_id, transition_id) DO UPDATE
           SET stakeholder_id = excluded.stakeholder_id, kind = excluded.kind, stage_id = excluded.stage_id, started_at = excluded.started_at,
               ended_at = excluded.ended_at, previous_started_at = excluded.previous_started_at, previous_ended_at = excluded.previous_ended_at,
               gender = excluded.gender, age_band = excluded.age_band, region = excluded.region, segment = excluded.segment
         WHERE (y.stakeholder_id, y.kind, y.stage_id, y.started_at, y.ended_at, y.previous_started_at, y.previous_ended_at, y.gender, y.age_band, y.region, y.segment)
               IS DISTINCT FROM (excluded.stakeholder_id, excluded.kind, excluded.stage_id, excluded.started_at, excluded.ended_at,
                                 excluded.previous_started_at, excluded.previous_ended_at, excluded.gender, excluded.age_band, excluded.region, excluded.segment)
      $$;

      CREATE FUNCTION stage_stays_after_insert() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        PERFORM stage_stays_refresh(array_agg(n.organization_id), array_agg(n.stakeholder_id)) FROM new_rows n;
        RETURN NULL;
      END $$;

      CREATE FUNCTION stage_stays_after_update() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        -- Only changes to what a stay is made of (not, e.g., from_stage_id) move stays.
        PERFORM stage_stays_refresh(array_agg(c.organization_id), array_agg(c.stakeholder_id))
           FROM (SELECT o.organization_id, o.stakeholder_id FROM old_rows o JOIN new_rows n ON n.organization_id = o.organization_id AND n.id = o.id
                  WHERE (o.stakeholder_id, o.kind, o.to_stage_id, o.occurred_at) IS DISTINCT FROM (n.stakeholder_id, n.kind, n.to_stage_id, n.occurred_at)
                 UNION
                 SELECT n.organization_id, n.stakeholder_id FROM old_rows o JOIN new_rows n ON n.organization_id = o.organization_id AND n.id = o.id
                  WHERE (o.stakeholder_id, o.kind, o.to_stage_id, o.occurred_at) IS DISTINCT FROM (n.stakeholder_id, n.kind, n.to_stage_id, n.occurred_at)) c;
        RETURN NULL;
      END $$;

      CREATE FUNCTION stage_stays_after_delete() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        -- The deleted transitions' stays went with them (foreign key); the stays before them now end elsewhere.
        PERFORM stage_stays_refresh(array_agg(o.organization_id), array_agg(o.stakeholder_id)) FROM old_rows o;
        RETURN NULL;
      END $$;

      -- A stakeholder's disaggregation attributes are copied onto its stays.
      CREATE FUNCTION stage_stays_after_stakeholder_update() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        PERFORM stage_stays_refresh(array_agg(n.organization_id), array_agg(n.id))
           FROM old_rows o JOIN new_rows n ON n.organization_id = o.organization_id AND n.id = o.id
          WHERE (o.gender, o.age_band, o.region, o.segment) IS DISTINCT FROM (n.gender, n.age_band, n.region, n.segment);
        RETURN NULL;
      END $$;

      CREATE TRIGGER stage_stays_insert AFTER INSERT ON stage_transitions
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stage_stays_after_insert();
      CREATE TRIGGER stage_stays_update AFTER UPDATE ON stage_transitions
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stage_stays_after_update();
      CREATE TRIGGER stage_stays_delete AFTER DELETE ON stage_transitions
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stage_stays_after_delete();
      CREATE TRIGGER stage_stays_attributes AFTER UPDATE ON stakeholders
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stage_stays_after_stakeholder_update();

      -- Backfill: every organization's stays from its transitions, the way the triggers keep them;
      -- then the foreign key (checked in one pass) and the index (built in one pass).
      SELECT stage_stays_refresh(array_agg(organization_id), array_agg(id)) FROM stakeholders;
      ALTER TABLE stage_stays ADD CONSTRAINT fk_stage_stays_transition FOREIGN KEY (organization_id, transition_id)
        REFERENCES stage_transitions (organization_id, id) ON DELETE CASCADE;
      -- Stays of some stages that end at or after a time: index-only scans for every view.
      CREATE INDEX ix_stage_stays_stage_end ON stage_stays (organization_id, stage_id, ended_at)
        INCLUDE (started_at, stakeholder_id, previous_started_at, previous_ended_at, gender, age_band, region, segment);

      ALTER TABLE stage_stays ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON stage_stays USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()));
      GRANT SELECT ON stage_stays TO dbl_app;
      ANALYZE stage_stays;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER stage_stays_insert ON stage_transitions;
      DROP TRIGGER stage_stays_update ON stage_transitions;
      DROP TRIGGER stage_stays_delete ON stage_transitions;
      DROP TRIGGER stage_stays_attributes ON stakeholders;
      DROP FUNCTION stage_stays_after_insert(), stage_stays_after_update(), stage_stays_after_delete(), stage_stays_after_stakeholder_update(),
        stage_stays_refresh(uuid[], uuid[]);
      DROP TABLE stage_stays;
    `);
  }
}
