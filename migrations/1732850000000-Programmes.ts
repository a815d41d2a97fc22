import { MigrationInterface, QueryRunner } from "typeorm";

const TABLES = ["programmes", "programme_partners", "programme_enrolments"];

/**
 * Programmes: what an organization delivers to beneficiaries (e.g. school shoes for the
 * children of one region), the partners that deliver each, and the beneficiaries enrolled
 * in each. An offering's impact rule now funds a programme (`programme_id`) instead of
 * naming a free-text cause.
 *
 * Backfill: every distinct cause of an organization (trimmed, compared case-insensitively,
 * as programme names are unique) becomes a programme named after it (as the oldest offering
 * spelt it), active from the
 * creation of the first offering that named it, with the beneficiaries per unit its
 * offerings agree on (none when they differ); the offerings point at it; the column goes.
 * down() puts each offering's programme name back as its cause.
 */
export class Programmes1732850000000 implements MigrationInterface {
  name = "Programmes1732850000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE programmes (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        description varchar(2000),
        region varchar(120),
        unit_of_delivery varchar(120),
        beneficiaries_per_unit numeric(12, 4) CHECK (beneficiaries_per_unit > 0),
        active_from timestamptz NOT NULL,
        active_to timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_programmes PRIMARY KEY (organization_id, id),
        CONSTRAINT ck_programmes_period CHECK (active_to IS NULL OR active_from < active_to)
      );
      CREATE UNIQUE INDEX uq_programmes_name ON programmes (organization_id, lower(name));
      CREATE INDEX ix_programmes_list ON programmes (organization_id, created_at, id);

      CREATE TABLE programme_partners (
        organization_id uuid NOT NULL,
        programme_id uuid NOT NULL,
        partner_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_programme_partners PRIMARY KEY (organization_id, programme_id, partner_id),
        CONSTRAINT fk_programme_partners_programme FOREIGN KEY (organization_id, programme_id) REFERENCES programmes (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_programme_partners_partner FOREIGN KEY (organization_id, partner_id) REFERENCES partners (organization_id, id)
      );
      CREATE INDEX ix_programme_partners_partner ON programme_partners (organization_id, partner_id);

      -- Only beneficiaries can be enrolled: the kind is part of the foreign key, as for a sale's customer.
      CREATE TABLE programme_enrolments (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        programme_id uuid NOT NULL,
        beneficiary_id uuid NOT NULL,
        beneficiary_kind stakeholder_kind NOT NULL GENERATED ALWAYS AS ('BENEFICIARY'::stakeholder_kind) STORED,
        partner_id uuid,
        enrolled_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_programme_enrolments PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_programme_enrolments_beneficiary UNIQUE (organization_id, programme_id, beneficiary_id),
        CONSTRAINT fk_programme_enrolments_programme FOREIGN KEY (organization_id, programme_id) REFERENCES programmes (organization_id, id),
        CONSTRAINT fk_programme_enrolments_beneficiary FOREIGN KEY (organization_id, beneficiary_id, beneficiary_kind) REFERENCES stakeholders (organization_id, id, kind),
        CONSTRAINT fk_programme_enrolments_partner FOREIGN KEY (organization_id, partner_id) REFERENCES partners (organization_id, id)
      );
      CREATE INDEX ix_programme_enrolments_beneficiary ON programme_enrolments (organization_id, beneficiary_id, enrolled_at);
      CREATE INDEX ix_programme_enrolments_programme ON programme_enrolments (organization_id, programme_id, enrolled_at);
      CREATE INDEX ix_programme_enrolments_partner ON programme_enrolments (organization_id, partner_id) WHERE partner_id IS NOT NULL;

      ALTER TABLE offerings ADD COLUMN programme_id uuid,
        ADD CONSTRAINT fk_offerings_programme FOREIGN KEY (organization_id, programme_id) REFERENCES programmes (organization_id, id);
      CREATE INDEX ix_offerings_programme ON offerings (organization_id, programme_id) WHERE programme_id IS NOT NULL;

      INSERT INTO programmes (organization_id, name, beneficiaries_per_unit, active_from, created_at, updated_at)
      SELECT organization_id, (array_agg(btrim(regexp_replace(cause, '[[:space:]]+', ' ', 'g')) ORDER BY created_at, id))[1],
             CASE WHEN count(DISTINCT beneficiaries_per_unit_given) = 1 AND count(*) = count(beneficiaries_per_unit_given) THEN min(beneficiaries_per_unit_given) END,
             min(created_at), min(created_at), min(created_at)
        FROM offerings
       WHERE btrim(regexp_replace(coalesce(cause, ''), '[[:space:]]+', ' ', 'g')) <> ''
       GROUP BY organization_id, lower(btrim(regexp_replace(cause, '[[:space:]]+', ' ', 'g')));

      UPDATE offerings o SET programme_id = p.id
        FROM programmes p
       WHERE p.organization_id = o.organization_id AND lower(p.name) = lower(btrim(regexp_replace(o.cause, '[[:space:]]+', ' ', 'g')));

      ALTER TABLE offerings DROP COLUMN cause;
    `);
    for (const table of TABLES) {
      await q.query(`CREATE TRIGGER audit AFTER UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_row()`);
      await q.query(`CREATE TRIGGER audit_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted()`);
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY tenant_isolation ON ${table} USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()))`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO dbl_app`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE offerings ADD COLUMN cause varchar(200);
      UPDATE offerings o SET cause = p.name
        FROM programmes p
       WHERE p.organization_id = o.organization_id AND p.id = o.programme_id;
      ALTER TABLE offerings DROP COLUMN programme_id;
      DROP TABLE programme_enrolments, programme_partners, programmes;
    `);
  }
}
