import { MigrationInterface, QueryRunner } from "typeorm";

/** Report narratives: what the organization writes for a period, every edit a new version. */
export class Reports1732700000000 implements MigrationInterface {
  name = "Reports1732700000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE report_narratives (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        period_from timestamptz NOT NULL,
        period_to timestamptz NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        text varchar(20000) NOT NULL,
        author_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_report_narratives PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_report_narratives_version UNIQUE (organization_id, period_from, period_to, version),
        CONSTRAINT ck_report_narratives_period CHECK (period_from < period_to)
      );
      CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON report_narratives FOR EACH ROW EXECUTE FUNCTION audit_row();
      ALTER TABLE report_narratives ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON report_narratives USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()));
      GRANT SELECT, INSERT ON report_narratives TO dbl_app;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE report_narratives`);
  }
}
