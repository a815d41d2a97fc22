import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Cell keys for metric values that count people (issue 15): an observation is a record of the
 * metric's table, so it gets a random record key like a stakeholder (uniform on 0..2^20-1, drawn
 * once, never changed, never shown by the API). A funder's count of people read from observations
 * (a total, a bucket of a series, a group of a dimension) is perturbed by the sum of the keys of the
 * observations it was made from: the same observations give the same adjustment on every call, and
 * differences between answers over overlapping periods or groups are noise, not people.
 *
 * The metric index now carries the key, so values are still read from the index alone. The audit
 * log redacts the key, as it does a stakeholder's.
 */
export class ObservationRecordKeys1732857000000 implements MigrationInterface {
  name = "ObservationRecordKeys1732857000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`SET LOCAL statement_timeout = 0`);
    await q.query(`
      ALTER TABLE observations ADD COLUMN record_key integer NOT NULL DEFAULT floor(random() * 1048576)::integer
        CONSTRAINT ck_observations_record_key CHECK (record_key >= 0 AND record_key < 1048576);
      CREATE FUNCTION observations_record_key_fixed() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NEW.record_key IS DISTINCT FROM OLD.record_key THEN
          RAISE EXCEPTION 'an observation''s record key never changes' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $fn$;
      CREATE TRIGGER record_key_fixed BEFORE UPDATE OF record_key ON observations FOR EACH ROW EXECUTE FUNCTION observations_record_key_fixed();
      DROP INDEX ix_observations_metric;
      CREATE INDEX ix_observations_metric ON observations (organization_id, metric_id, period_from) INCLUDE (value, record_key);
    `);
    await auditTriggers(q, "'record_key'");
  }

  public async down(q: QueryRunner): Promise<void> {
    await auditTriggers(q, "");
    await q.query(`
      DROP INDEX ix_observations_metric;
      CREATE INDEX ix_observations_metric ON observations (organization_id, metric_id, period_from) INCLUDE (value);
      DROP TRIGGER record_key_fixed ON observations;
      DROP FUNCTION observations_record_key_fixed();
      ALTER TABLE observations DROP COLUMN record_key;
    `);
  }
}

/** The observations' audit triggers (statement-level on insert, row-level on update and delete), with the columns they redact. */
async function auditTriggers(q: QueryRunner, redacted: string): Promise<void> {
  await q.query(`
    DROP TRIGGER audit ON observations;
    CREATE TRIGGER audit AFTER DELETE OR UPDATE ON observations FOR EACH ROW EXECUTE FUNCTION audit_row(${redacted});
    DROP TRIGGER audit_insert ON observations;
    CREATE TRIGGER audit_insert AFTER INSERT ON observations REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted(${redacted});
  `);
}
