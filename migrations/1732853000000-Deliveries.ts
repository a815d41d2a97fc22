import { MigrationInterface, QueryRunner } from "typeorm";

/** The delivery columns that can name a person (src/common/personal-data.ts): the audit log redacts them. */
const PERSONAL = "'evidence_note', 'content_hash'";

/**
 * Deliveries: what funded units became. Units of a programme handed, by a partner (or by the
 * organization itself), at a time, either to one beneficiary (a BENEFICIARY stakeholder: the kind
 * is part of the foreign key, as for enrolments) or to a site (a school, a clinic) with the number
 * of people reached there. Recorded in batches (recordDeliveries) with a client key unique per
 * organization, so a retry is recognised (content_hash, as for feedback responses), and the
 * partner whose key submitted it, so a field partner reads back only its own.
 *
 * Indexes: per programme in time order (funded versus delivered allocates units first-in,
 * first-out, reading a programme's deliveries in (delivered_at, id) order with their units), the
 * staff list (delivered_at, id), a field partner's own list, and a person's deliveries (erasure,
 * export). A new table: nothing to backfill. down() drops it.
 */
export class Deliveries1732853000000 implements MigrationInterface {
  name = "Deliveries1732853000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deliveries (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        programme_id uuid NOT NULL,
        delivered_at timestamptz NOT NULL,
        units integer NOT NULL CHECK (units > 0),
        beneficiary_id uuid,
        beneficiary_kind stakeholder_kind NOT NULL GENERATED ALWAYS AS ('BENEFICIARY'::stakeholder_kind) STORED,
        site_name varchar(200),
        people_reached integer CHECK (people_reached >= 0),
        partner_id uuid,
        evidence_note varchar(2000),
        client_key varchar(120) NOT NULL,
        content_hash char(64) NOT NULL,
        submitted_by_key_id uuid,
        submitted_by_partner_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_deliveries PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_deliveries_client_key UNIQUE (organization_id, client_key),
        CONSTRAINT fk_deliveries_programme FOREIGN KEY (organization_id, programme_id) REFERENCES programmes (organization_id, id),
        CONSTRAINT fk_deliveries_beneficiary FOREIGN KEY (organization_id, beneficiary_id, beneficiary_kind) REFERENCES stakeholders (organization_id, id, kind),
        CONSTRAINT fk_deliveries_partner FOREIGN KEY (organization_id, partner_id) REFERENCES partners (organization_id, id),
        CONSTRAINT fk_deliveries_submitted_by_partner FOREIGN KEY (organization_id, submitted_by_partner_id) REFERENCES partners (organization_id, id),
        -- To one beneficiary, or to a site with the people reached there: never both, never neither.
        CONSTRAINT ck_deliveries_recipient CHECK ((beneficiary_id IS NULL) = (site_name IS NOT NULL) AND (site_name IS NULL) = (people_reached IS NULL))
      );
      CREATE INDEX ix_deliveries_programme ON deliveries (organization_id, programme_id, delivered_at, id) INCLUDE (units, beneficiary_id, people_reached);
      CREATE INDEX ix_deliveries_list ON deliveries (organization_id, delivered_at, id);
      CREATE INDEX ix_deliveries_submitted_by_partner ON deliveries (organization_id, submitted_by_partner_id, delivered_at, id) WHERE submitted_by_partner_id IS NOT NULL;
      CREATE INDEX ix_deliveries_beneficiary ON deliveries (organization_id, beneficiary_id) WHERE beneficiary_id IS NOT NULL;
      CREATE INDEX ix_deliveries_partner ON deliveries (organization_id, partner_id) WHERE partner_id IS NOT NULL;

      CREATE TRIGGER audit AFTER UPDATE OR DELETE ON deliveries FOR EACH ROW EXECUTE FUNCTION audit_row(${PERSONAL});
      CREATE TRIGGER audit_insert AFTER INSERT ON deliveries REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted(${PERSONAL});
      ALTER TABLE deliveries ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON deliveries USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()));
      GRANT SELECT, INSERT, UPDATE, DELETE ON deliveries TO dbl_app;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE deliveries`);
  }
}
