import { MigrationInterface, QueryRunner } from "typeorm";

const TABLES = ["metrics", "metric_targets", "observations", "offerings", "sales"];

/**
 * Metrics (KPIs and social metrics) with baselines and targets per period,
 * observations (optionally disaggregated), offerings with their impact rule, and
 * sales. Money is bigint minor units; measured values are numeric. Batch writes
 * carry a client key, unique per organization, so a retry is recognised.
 */
export class Impact1732500000000 implements MigrationInterface {
  name = "Impact1732500000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TYPE metric_category AS ENUM ('KPI', 'SOCIAL');
      CREATE TYPE metric_perspective AS ENUM ('CUSTOMER', 'BENEFICIARY', 'ORGANIZATION');
      CREATE TYPE metric_kind AS ENUM ('INPUT', 'OUTPUT');
      CREATE TYPE metric_unit AS ENUM ('COUNT', 'PERCENT', 'CURRENCY', 'SCORE', 'RATIO', 'DAYS', 'HOURS', 'KG', 'KWH', 'OTHER');
      CREATE TYPE metric_direction AS ENUM ('HIGHER_IS_BETTER', 'LOWER_IS_BETTER');
      CREATE TYPE metric_aggregation AS ENUM ('SUM', 'AVERAGE', 'LATEST');

      CREATE TABLE metrics (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        description varchar(2000),
        category metric_category NOT NULL,
        perspective metric_perspective NOT NULL,
        kind metric_kind NOT NULL,
        unit metric_unit NOT NULL,
        unit_label varchar(40),
        direction metric_direction NOT NULL DEFAULT 'HIGHER_IS_BETTER',
        aggregation metric_aggregation NOT NULL,
        baseline_value numeric(20, 6),
        baseline_date date,
        impact_mode impact_mode,
        catalogue_code varchar(40),
        estimation_note varchar(2000),
        stage_id uuid,
        touchpoint_id uuid,
        reportable boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_metrics PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_metrics_stage FOREIGN KEY (organization_id, stage_id) REFERENCES stages (organization_id, id),
        CONSTRAINT fk_metrics_touchpoint FOREIGN KEY (organization_id, touchpoint_id) REFERENCES touchpoints (organization_id, id),
        CONSTRAINT ck_metrics_impact_mode CHECK ((category = 'SOCIAL') = (impact_mode IS NOT NULL))
      );
      CREATE UNIQUE INDEX uq_metrics_name ON metrics (organization_id, lower(name));
      CREATE INDEX ix_metrics_list ON metrics (organization_id, created_at, id);
      CREATE INDEX ix_metrics_category ON metrics (organization_id, category, impact_mode);
      CREATE INDEX ix_metrics_id ON metrics (id);

      CREATE TABLE metric_targets (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        metric_id uuid NOT NULL,
        period_from timestamptz NOT NULL,
        period_to timestamptz NOT NULL,
        value numeric(20, 6) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_metric_targets PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_targets_metric FOREIGN KEY (organization_id, metric_id) REFERENCES metrics (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT uq_metric_targets_period UNIQUE (organization_id, metric_id, period_from, period_to),
        CONSTRAINT ck_metric_targets_period CHECK (period_from < period_to)
      );

      CREATE TABLE observations (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        metric_id uuid NOT NULL,
        period_from timestamptz NOT NULL,
        period_to timestamptz NOT NULL,
        value numeric(20, 6) NOT NULL,
        sample_size integer CHECK (sample_size >= 0),
        stage_id uuid,
        touchpoint_id uuid,
        dimensions jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(dimensions) = 'object'),
        source varchar(200),
        client_key varchar(120),
        content_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_observations PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_observations_metric FOREIGN KEY (organization_id, metric_id) REFERENCES metrics (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_observations_stage FOREIGN KEY (organization_id, stage_id) REFERENCES stages (organization_id, id),
        CONSTRAINT fk_observations_touchpoint FOREIGN KEY (organization_id, touchpoint_id) REFERENCES touchpoints (organization_id, id),
        CONSTRAINT ck_observations_period CHECK (period_from < period_to)
      );
      CREATE UNIQUE INDEX uq_observations_client_key ON observations (organization_id, client_key) WHERE client_key IS NOT NULL;
      CREATE INDEX ix_observations_metric ON observations (organization_id, metric_id, period_from) INCLUDE (value);
      CREATE INDEX ix_observations_stage ON observations (organization_id, stage_id, period_from) WHERE stage_id IS NOT NULL;

      CREATE TABLE offerings (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        description varchar(2000),
        unit_price_minor bigint CHECK (unit_price_minor >= 0),
        revenue_share_bps integer NOT NULL DEFAULT 0 CHECK (revenue_share_bps BETWEEN 0 AND 10000),
        units_given_per_unit numeric(12, 4) NOT NULL DEFAULT 0 CHECK (units_given_per_unit >= 0),
        fixed_amount_per_sale_minor bigint NOT NULL DEFAULT 0 CHECK (fixed_amount_per_sale_minor >= 0),
        cause varchar(200),
        beneficiaries_per_unit_given numeric(12, 4) CHECK (beneficiaries_per_unit_given > 0),
        amount_per_beneficiary_minor bigint CHECK (amount_per_beneficiary_minor > 0),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_offerings PRIMARY KEY (organization_id, id)
      );
      CREATE UNIQUE INDEX uq_offerings_name ON offerings (organization_id, lower(name));
      CREATE INDEX ix_offerings_list ON offerings (organization_id, created_at, id);
      CREATE INDEX ix_offerings_id ON offerings (id);

      -- What a sale created at the point of sale is computed from the offering's rule when
      -- the sale is recorded and kept with it, so a later change of rule does not rewrite history.
      CREATE TABLE sales (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        offering_id uuid NOT NULL,
        customer_id uuid,
        customer_kind stakeholder_kind GENERATED ALWAYS AS (CASE WHEN customer_id IS NULL THEN NULL ELSE 'CUSTOMER'::stakeholder_kind END) STORED,
        occurred_at timestamptz NOT NULL,
        units integer NOT NULL CHECK (units > 0),
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        contribution_minor bigint NOT NULL CHECK (contribution_minor >= 0),
        units_given numeric(16, 4) NOT NULL CHECK (units_given >= 0),
        beneficiaries_funded numeric(16, 4) NOT NULL CHECK (beneficiaries_funded >= 0),
        client_key varchar(120),
        content_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_sales PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_sales_offering FOREIGN KEY (organization_id, offering_id) REFERENCES offerings (organization_id, id),
        CONSTRAINT fk_sales_customer FOREIGN KEY (organization_id, customer_id, customer_kind) REFERENCES stakeholders (organization_id, id, kind)
      );
      CREATE UNIQUE INDEX uq_sales_client_key ON sales (organization_id, client_key) WHERE client_key IS NOT NULL;
      CREATE INDEX ix_sales_time ON sales (organization_id, occurred_at) INCLUDE (offering_id, units, amount_minor, contribution_minor, units_given, beneficiaries_funded);
      CREATE INDEX ix_sales_offering ON sales (organization_id, offering_id, occurred_at);
      CREATE INDEX ix_sales_customer ON sales (organization_id, customer_id) WHERE customer_id IS NOT NULL;
      CREATE INDEX ix_sales_list ON sales (organization_id, created_at, id);
    `);
    for (const table of TABLES) {
      await q.query(`CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_row()`);
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY tenant_isolation ON ${table} USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()))`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO dbl_app`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE sales, offerings, observations, metric_targets, metrics;
      DROP TYPE metric_aggregation, metric_direction, metric_unit, metric_kind, metric_perspective, metric_category;
    `);
  }
}
