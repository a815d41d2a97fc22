import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Cell keys for the counts of people that are not counts of stakeholders (issue 15): an observation
 * (a metric value typed in) and a delivery (its people reached at a site) are records of their
 * tables, so each gets a random record key like a stakeholder (uniform on 0..2^20-1, drawn once,
 * never changed, never shown by the API, redacted in the audit log). A funder's count read from
 * them (a metric value that counts people, a series' group, the people reached at sites) is
 * perturbed by the sum of the keys of the rows it was made from: the same rows give the same
 * adjustment on every call, and differences between answers over overlapping periods or groups are
 * noise, not people.
 *
 * The observations' metric index and the deliveries' programme index now carry the key, so values
 * and funded-versus-delivered are still read from the indexes alone.
 */
const TABLES = ["observations", "deliveries"] as const;
/** The columns each table's audit triggers redact, before this migration (deliveries: its personal columns, 1732853000000-Deliveries). */
const REDACTED_BEFORE: Record<(typeof TABLES)[number], string[]> = { observations: [], deliveries: ["evidence_note", "content_hash"] };

export class RecordKeys1732857000000 implements MigrationInterface {
  name = "RecordKeys1732857000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`SET LOCAL statement_timeout = 0`);
    for (const table of TABLES) {
      await q.query(`
        ALTER TABLE ${table} ADD COLUMN record_key integer NOT NULL DEFAULT floor(random() * 1048576)::integer
          CONSTRAINT ck_${table}_record_key CHECK (record_key >= 0 AND record_key < 1048576);
        CREATE FUNCTION ${table}_record_key_fixed() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
          IF NEW.record_key IS DISTINCT FROM OLD.record_key THEN
            RAISE EXCEPTION 'a record key never changes' USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $fn$;
        CREATE TRIGGER record_key_fixed BEFORE UPDATE OF record_key ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_record_key_fixed();
      `);
      await auditTriggers(q, table, [...REDACTED_BEFORE[table], "record_key"]);
    }
    await q.query(`
      DROP INDEX ix_observations_metric;
      CREATE INDEX ix_observations_metric ON observations (organization_id, metric_id, period_from) INCLUDE (value, record_key);
      DROP INDEX ix_deliveries_programme;
      CREATE INDEX ix_deliveries_programme ON deliveries (organization_id, programme_id, delivered_at, id) INCLUDE (units, beneficiary_id, people_reached, record_key);
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX ix_observations_metric;
      CREATE INDEX ix_observations_metric ON observations (organization_id, metric_id, period_from) INCLUDE (value);
      DROP INDEX ix_deliveries_programme;
      CREATE INDEX ix_deliveries_programme ON deliveries (organization_id, programme_id, delivered_at, id) INCLUDE (units, beneficiary_id, people_reached);
    `);
    for (const table of TABLES) {
      await auditTriggers(q, table, REDACTED_BEFORE[table]);
      await q.query(`
        DROP TRIGGER record_key_fixed ON ${table};
        DROP FUNCTION ${table}_record_key_fixed();
        ALTER TABLE ${table} DROP COLUMN record_key;
      `);
    }
  }
}

/** A table's audit triggers (statement-level on insert, row-level on update and delete), with the columns they redact. */
async function auditTriggers(q: QueryRunner, table: string, redacted: string[]): Promise<void> {
  const args = redacted.map((c) => `'${c}'`).join(", ");
  await q.query(`
    DROP TRIGGER audit ON ${table};
    CREATE TRIGGER audit AFTER UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_row(${args});
    DROP TRIGGER audit_insert ON ${table};
    CREATE TRIGGER audit_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted(${args});
  `);
}
