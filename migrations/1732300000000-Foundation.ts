import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Organizations, lifecycles and stages, functional areas, partners, touchpoints,
 * stakeholders, their journeys (stage transitions) and interactions.
 *
 * Layout for sharding by organization (Citus): every tenant table has
 * `organization_id` in its primary key and unique constraints, and every
 * foreign key between tenant tables references `(organization_id, id)`, so a
 * row can never point at another organization's row.
 *
 * A stakeholder kind (CUSTOMER / BENEFICIARY) is carried on stages,
 * touchpoints, stakeholders, transitions and interactions and is part of the
 * foreign keys between them: the database itself refuses a customer in a
 * beneficiary stage or at a beneficiary touchpoint.
 */
export class Foundation1732300000000 implements MigrationInterface {
  name = "Foundation1732300000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TYPE impact_model AS ENUM ('CUSTOMER_IS_BENEFICIARY', 'CUSTOMER_FUNDS_BENEFICIARY', 'HYBRID');
      CREATE TYPE stakeholder_kind AS ENUM ('CUSTOMER', 'BENEFICIARY');
      CREATE TYPE impact_mode AS ENUM ('AT_SALE', 'IN_USE');
      CREATE TYPE partner_kind AS ENUM ('DISTRIBUTOR', 'FIELD_PARTNER', 'SERVICE_PROVIDER', 'OTHER');
      CREATE TYPE touchpoint_channel AS ENUM ('IN_PERSON', 'FIELD_VISIT', 'PHONE', 'SMS', 'WHATSAPP', 'EMAIL', 'WEB', 'RETAIL', 'RADIO', 'PRINT', 'SOCIAL_MEDIA', 'OTHER');
      CREATE TYPE gender AS ENUM ('FEMALE', 'MALE', 'OTHER', 'UNDISCLOSED');
      CREATE TYPE age_band AS ENUM ('UNDER_18', 'AGE_18_24', 'AGE_25_34', 'AGE_35_44', 'AGE_45_54', 'AGE_55_64', 'AGE_65_PLUS');

      CREATE TABLE organizations (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organization_id uuid GENERATED ALWAYS AS (id) STORED,
        name varchar(200) NOT NULL,
        impact_model impact_model NOT NULL,
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_organizations PRIMARY KEY (id)
      );
      CREATE INDEX ix_organizations_created ON organizations (created_at, id);

      CREATE TABLE lifecycles (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind stakeholder_kind NOT NULL,
        name varchar(120) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_lifecycles PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_lifecycles_kind UNIQUE (organization_id, kind),
        CONSTRAINT uq_lifecycles_id_kind UNIQUE (organization_id, id, kind)
      );

      CREATE TABLE stages (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        lifecycle_id uuid NOT NULL,
        kind stakeholder_kind NOT NULL,
        name varchar(120) NOT NULL,
        position integer NOT NULL CHECK (position >= 0),
        impact_mode impact_mode,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_stages PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_stages_id_kind UNIQUE (organization_id, id, kind),
        CONSTRAINT uq_stages_position UNIQUE (organization_id, lifecycle_id, position) DEFERRABLE INITIALLY DEFERRED,
        CONSTRAINT fk_stages_lifecycle FOREIGN KEY (organization_id, lifecycle_id, kind)
          REFERENCES lifecycles (organization_id, id, kind) ON DELETE CASCADE
      );
      CREATE UNIQUE INDEX uq_stages_name ON stages (organization_id, lifecycle_id, lower(name));

      CREATE TABLE functional_areas (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(120) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_functional_areas PRIMARY KEY (organization_id, id)
      );
      CREATE UNIQUE INDEX uq_functional_areas_name ON functional_areas (organization_id, lower(name));
      CREATE INDEX ix_functional_areas_created ON functional_areas (organization_id, created_at, id);

      CREATE TABLE partners (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        kind partner_kind NOT NULL,
        region varchar(120),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_partners PRIMARY KEY (organization_id, id)
      );
      CREATE UNIQUE INDEX uq_partners_name ON partners (organization_id, lower(name));
      CREATE INDEX ix_partners_created ON partners (organization_id, created_at, id);

      CREATE TABLE touchpoints (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        stage_id uuid NOT NULL,
        kind stakeholder_kind NOT NULL,
        name varchar(200) NOT NULL,
        channel touchpoint_channel NOT NULL,
        functional_area_id uuid NOT NULL,
        partner_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_touchpoints PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_touchpoints_id_kind UNIQUE (organization_id, id, kind),
        CONSTRAINT fk_touchpoints_stage FOREIGN KEY (organization_id, stage_id, kind)
          REFERENCES stages (organization_id, id, kind),
        CONSTRAINT fk_touchpoints_area FOREIGN KEY (organization_id, functional_area_id)
          REFERENCES functional_areas (organization_id, id),
        CONSTRAINT fk_touchpoints_partner FOREIGN KEY (organization_id, partner_id)
          REFERENCES partners (organization_id, id)
      );
      CREATE UNIQUE INDEX uq_touchpoints_name ON touchpoints (organization_id, stage_id, lower(name));
      CREATE INDEX ix_touchpoints_created ON touchpoints (organization_id, created_at, id);
      CREATE INDEX ix_touchpoints_stage ON touchpoints (organization_id, stage_id, created_at, id);
      CREATE INDEX ix_touchpoints_area ON touchpoints (organization_id, functional_area_id);
      CREATE INDEX ix_touchpoints_partner ON touchpoints (organization_id, partner_id) WHERE partner_id IS NOT NULL;

      CREATE TABLE stakeholders (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind stakeholder_kind NOT NULL,
        external_ref varchar(120) NOT NULL,
        gender gender,
        age_band age_band,
        region varchar(120),
        segment varchar(120),
        current_stage_id uuid,
        current_stage_entered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_stakeholders PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_stakeholders_id_kind UNIQUE (organization_id, id, kind),
        CONSTRAINT uq_stakeholders_external_ref UNIQUE (organization_id, kind, external_ref),
        CONSTRAINT fk_stakeholders_stage FOREIGN KEY (organization_id, current_stage_id, kind)
          REFERENCES stages (organization_id, id, kind),
        CONSTRAINT ck_stakeholders_stage_time CHECK ((current_stage_id IS NULL) = (current_stage_entered_at IS NULL))
      );
      CREATE INDEX ix_stakeholders_list ON stakeholders (organization_id, created_at, id);
      CREATE INDEX ix_stakeholders_kind ON stakeholders (organization_id, kind, created_at, id);
      CREATE INDEX ix_stakeholders_stage ON stakeholders (organization_id, current_stage_id, created_at, id);
      CREATE INDEX ix_stakeholders_gender ON stakeholders (organization_id, gender, created_at, id);
      CREATE INDEX ix_stakeholders_age_band ON stakeholders (organization_id, age_band, created_at, id);
      CREATE INDEX ix_stakeholders_region ON stakeholders (organization_id, region, created_at, id);
      CREATE INDEX ix_stakeholders_segment ON stakeholders (organization_id, segment, created_at, id);

      CREATE TABLE stage_transitions (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        stakeholder_id uuid NOT NULL,
        kind stakeholder_kind NOT NULL,
        from_stage_id uuid,
        to_stage_id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_stage_transitions PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_transitions_stakeholder FOREIGN KEY (organization_id, stakeholder_id, kind)
          REFERENCES stakeholders (organization_id, id, kind) ON DELETE CASCADE,
        CONSTRAINT fk_transitions_from FOREIGN KEY (organization_id, from_stage_id, kind)
          REFERENCES stages (organization_id, id, kind),
        CONSTRAINT fk_transitions_to FOREIGN KEY (organization_id, to_stage_id, kind)
          REFERENCES stages (organization_id, id, kind),
        CONSTRAINT ck_transitions_moves CHECK (from_stage_id IS DISTINCT FROM to_stage_id)
      );
      CREATE INDEX ix_transitions_journey ON stage_transitions (organization_id, stakeholder_id, occurred_at, id);
      CREATE INDEX ix_transitions_to_stage ON stage_transitions (organization_id, to_stage_id, occurred_at);
      CREATE INDEX ix_transitions_kind_time ON stage_transitions (organization_id, kind, occurred_at);

      CREATE TABLE interactions (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        stakeholder_id uuid NOT NULL,
        touchpoint_id uuid NOT NULL,
        kind stakeholder_kind NOT NULL,
        occurred_at timestamptz NOT NULL,
        note varchar(2000),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_interactions PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_interactions_stakeholder FOREIGN KEY (organization_id, stakeholder_id, kind)
          REFERENCES stakeholders (organization_id, id, kind) ON DELETE CASCADE,
        CONSTRAINT fk_interactions_touchpoint FOREIGN KEY (organization_id, touchpoint_id, kind)
          REFERENCES touchpoints (organization_id, id, kind)
      );
      CREATE INDEX ix_interactions_stakeholder ON interactions (organization_id, stakeholder_id, occurred_at, id);
      CREATE INDEX ix_interactions_touchpoint ON interactions (organization_id, touchpoint_id, occurred_at);

      -- Look-ups by bare id (the API's \`stakeholder(id)\`, inputs naming a stage, ...).
      CREATE INDEX ix_lifecycles_id ON lifecycles (id);
      CREATE INDEX ix_stages_id ON stages (id);
      CREATE INDEX ix_functional_areas_id ON functional_areas (id);
      CREATE INDEX ix_partners_id ON partners (id);
      CREATE INDEX ix_touchpoints_id ON touchpoints (id);
      CREATE INDEX ix_stakeholders_id ON stakeholders (id);
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE interactions, stage_transitions, stakeholders, touchpoints, partners, functional_areas, stages, lifecycles, organizations;
      DROP TYPE age_band, gender, touchpoint_channel, partner_kind, impact_mode, stakeholder_kind, impact_model;
    `);
  }
}
