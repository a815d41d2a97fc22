import { MigrationInterface, QueryRunner } from "typeorm";

const TENANT_TABLES = [
  "organizations",
  "lifecycles",
  "stages",
  "functional_areas",
  "partners",
  "touchpoints",
  "stakeholders",
  "stage_transitions",
  "interactions",
  "stakeholder_contacts",
  "api_key_grants",
  "audit_log",
];

/** Columns whose values never enter the audit log (personal data, secrets): a change shows as "[redacted]". */
const AUDITED: Record<string, string[]> = {
  organizations: [],
  lifecycles: [],
  stages: [],
  functional_areas: [],
  partners: [],
  touchpoints: [],
  stakeholders: ["external_ref"],
  stage_transitions: [],
  interactions: ["note"],
  stakeholder_contacts: ["full_name", "phone", "email", "address"],
  api_keys: ["secret_hash"],
  api_key_grants: [],
};

/**
 * Access control and privacy:
 * - API keys (stored as SHA-256 of a 256-bit secret) and their grants: a key holds a
 *   role (ADMIN, STAFF, FUNDER, FIELD_PARTNER with its partner) in each organization
 *   that granted it one.
 * - Contact data apart from analytics; who registered or recorded what (field partners
 *   read back only their own submissions); erasure marks.
 * - An append-only audit log written by triggers in the same transaction as the write.
 * - Row-level security keyed by the per-transaction setting `app.org_ids`, enforced for
 *   the role `dbl_app` that every API request switches to (`SET LOCAL ROLE`): neither
 *   superuser nor table owner, so the policies apply even when the login user is either.
 */
export class Access1732400000000 implements MigrationInterface {
  name = "Access1732400000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dbl_app') THEN
          BEGIN
            CREATE ROLE dbl_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
          EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- created by a concurrent migration
          END;
        END IF;
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AND NOT pg_has_role(current_user, 'dbl_app', 'MEMBER') THEN
          EXECUTE format('GRANT dbl_app TO %I', current_user);
        END IF;
      END $$;

      CREATE TYPE key_kind AS ENUM ('MEMBER', 'FUNDER', 'FIELD_PARTNER');
      CREATE TYPE access_role AS ENUM ('ADMIN', 'STAFF', 'FUNDER', 'FIELD_PARTNER');

      ALTER TABLE organizations ADD COLUMN suppression_threshold integer NOT NULL DEFAULT 10
        CONSTRAINT ck_organizations_suppression CHECK (suppression_threshold >= 5);

      -- Identity: looked up by prefix across organizations at authentication, so it is a
      -- platform table (a Citus reference table); organization_id is the issuing organization
      -- (null for a key made on the command line). What a key may see is in api_key_grants.
      CREATE TABLE api_keys (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE, -- null: issued from the command line
        kind key_kind NOT NULL,
        name varchar(200) NOT NULL,
        prefix varchar(16) NOT NULL,
        secret_hash bytea NOT NULL,
        created_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz,
        CONSTRAINT pk_api_keys PRIMARY KEY (id),
        CONSTRAINT uq_api_keys_prefix UNIQUE (prefix)
      );
      CREATE INDEX ix_api_keys_organization ON api_keys (organization_id, created_at, id);

      CREATE TABLE api_key_grants (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        api_key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        role access_role NOT NULL,
        partner_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_api_key_grants PRIMARY KEY (organization_id, api_key_id),
        CONSTRAINT fk_api_key_grants_partner FOREIGN KEY (organization_id, partner_id) REFERENCES partners (organization_id, id),
        CONSTRAINT ck_api_key_grants_partner CHECK ((role = 'FIELD_PARTNER') = (partner_id IS NOT NULL))
      );
      CREATE INDEX ix_api_key_grants_key ON api_key_grants (api_key_id);
      CREATE INDEX ix_api_key_grants_created ON api_key_grants (organization_id, created_at, api_key_id);

      ALTER TABLE stakeholders
        ADD COLUMN registered_by_partner_id uuid,
        ADD COLUMN erased_at timestamptz,
        ADD CONSTRAINT fk_stakeholders_partner FOREIGN KEY (organization_id, registered_by_partner_id) REFERENCES partners (organization_id, id);
      CREATE INDEX ix_stakeholders_partner ON stakeholders (organization_id, registered_by_partner_id, created_at, id) WHERE registered_by_partner_id IS NOT NULL;

      ALTER TABLE stage_transitions
        ADD COLUMN recorded_by_partner_id uuid,
        ADD CONSTRAINT fk_transitions_partner FOREIGN KEY (organization_id, recorded_by_partner_id) REFERENCES partners (organization_id, id);
      ALTER TABLE interactions
        ADD COLUMN recorded_by_partner_id uuid,
        ADD CONSTRAINT fk_interactions_partner FOREIGN KEY (organization_id, recorded_by_partner_id) REFERENCES partners (organization_id, id);

      -- Personal contact data, kept apart from the analytics fields of stakeholders.
      CREATE TABLE stakeholder_contacts (
        organization_id uuid NOT NULL,
        stakeholder_id uuid NOT NULL,
        full_name varchar(200),
        phone varchar(40),
        email varchar(200),
        address varchar(500),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_stakeholder_contacts PRIMARY KEY (organization_id, stakeholder_id),
        CONSTRAINT fk_contacts_stakeholder FOREIGN KEY (organization_id, stakeholder_id)
          REFERENCES stakeholders (organization_id, id) ON DELETE CASCADE
      );

      -- Append-only: the API role may only read it; rows come from the audit trigger.
      CREATE TABLE audit_log (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        api_key_id uuid,
        role text,
        operation text,
        request_id text,
        entity text NOT NULL,
        entity_id uuid,
        action text NOT NULL,
        before jsonb,
        after jsonb,
        CONSTRAINT pk_audit_log PRIMARY KEY (organization_id, id)
      );
      CREATE INDEX ix_audit_log_time ON audit_log (organization_id, at, id);
      CREATE INDEX ix_audit_log_entity ON audit_log (organization_id, entity_id, at, id);
      CREATE INDEX ix_audit_log_key ON audit_log (organization_id, api_key_id, at, id);

      CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END $$;
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

      CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        b jsonb;
        a jsonb;
        k text;
        changed jsonb;
      BEGIN
        IF TG_OP <> 'INSERT' THEN b := to_jsonb(OLD); END IF;
        IF TG_OP <> 'DELETE' THEN a := to_jsonb(NEW); END IF;
        IF TG_OP = 'UPDATE' THEN
          -- Keep only what changed.
          SELECT coalesce(jsonb_object_agg(o.key, o.value), '{}'::jsonb) INTO changed
            FROM jsonb_each(b) o WHERE o.value IS DISTINCT FROM a -> o.key;
          IF changed = '{}'::jsonb THEN RETURN NULL; END IF;
          b := changed;
          SELECT coalesce(jsonb_object_agg(n.key, n.value), '{}'::jsonb) INTO a
            FROM jsonb_each(a) n WHERE changed ? n.key;
        END IF;
        -- Platform rows with no organization (a key made on the command line) have no tenant
        -- log to go to; what such a key may reach is in api_key_grants, which is audited.
        IF coalesce(a ->> 'organization_id', b ->> 'organization_id', to_jsonb(NEW) ->> 'organization_id', to_jsonb(OLD) ->> 'organization_id') IS NULL THEN
          RETURN NULL;
        END IF;
        FOREACH k IN ARRAY coalesce(TG_ARGV, '{}'::text[]) LOOP
          IF b ? k AND b -> k <> 'null'::jsonb THEN b := jsonb_set(b, ARRAY[k], '"[redacted]"'); END IF;
          IF a ? k AND a -> k <> 'null'::jsonb THEN a := jsonb_set(a, ARRAY[k], '"[redacted]"'); END IF;
        END LOOP;
        INSERT INTO audit_log (organization_id, api_key_id, role, operation, request_id, entity, entity_id, action, before, after)
        VALUES (
          coalesce(to_jsonb(NEW) ->> 'organization_id', to_jsonb(OLD) ->> 'organization_id')::uuid,
          nullif(current_setting('app.key_id', true), '')::uuid,
          nullif(current_setting('app.role', true), ''),
          coalesce(nullif(current_setting('app.operation', true), ''), 'sql'),
          nullif(current_setting('app.request_id', true), ''),
          TG_TABLE_NAME,
          coalesce(to_jsonb(NEW) ->> 'id', to_jsonb(OLD) ->> 'id', to_jsonb(NEW) ->> 'stakeholder_id', to_jsonb(OLD) ->> 'stakeholder_id', to_jsonb(NEW) ->> 'api_key_id', to_jsonb(OLD) ->> 'api_key_id')::uuid,
          TG_OP, b, a);
        RETURN NULL;
      END $$;

      CREATE FUNCTION app_org_ids() RETURNS uuid[] LANGUAGE sql STABLE AS $$
        SELECT coalesce(string_to_array(nullif(current_setting('app.org_ids', true), ''), ',')::uuid[], '{}'::uuid[])
      $$;
    `);

    for (const [table, redacted] of Object.entries(AUDITED)) {
      const args = redacted.map((c) => `'${c}'`).join(", ");
      await q.query(`CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_row(${args})`);
    }

    for (const table of TENANT_TABLES) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(
        `CREATE POLICY tenant_isolation ON ${table} USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()))`,
      );
    }
    // Keys are visible to the organizations that issued them or granted them a role.
    await q.query(`
      ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON api_keys
        USING (organization_id = ANY (app_org_ids())
               OR EXISTS (SELECT 1 FROM api_key_grants g WHERE g.api_key_id = api_keys.id AND g.organization_id = ANY (app_org_ids())))
        WITH CHECK (organization_id = ANY (app_org_ids()));

      -- An admin granting its organization's data to an existing key (e.g. a funder's key
      -- issued by another organization) must see that key's kind, and nothing else of it.
      CREATE FUNCTION api_key_kind(key_id uuid) RETURNS key_kind LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT kind FROM api_keys WHERE id = key_id AND revoked_at IS NULL
      $$;

      GRANT USAGE ON SCHEMA public TO dbl_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, lifecycles, stages, functional_areas, partners, touchpoints,
        stakeholders, stage_transitions, interactions, stakeholder_contacts, api_key_grants TO dbl_app;
      GRANT SELECT, INSERT, UPDATE ON api_keys TO dbl_app;
      GRANT SELECT ON audit_log TO dbl_app;
      GRANT EXECUTE ON FUNCTION app_org_ids(), api_key_kind(uuid) TO dbl_app;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of TENANT_TABLES) await q.query(`DROP POLICY IF EXISTS tenant_isolation ON ${table}; ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    for (const table of Object.keys(AUDITED)) await q.query(`DROP TRIGGER IF EXISTS audit ON ${table}`);
    await q.query(`
      REVOKE ALL ON ALL TABLES IN SCHEMA public FROM dbl_app;
      DROP FUNCTION api_key_kind(uuid);
      DROP FUNCTION app_org_ids();
      DROP FUNCTION audit_row();
      DROP TABLE audit_log, stakeholder_contacts, api_key_grants, api_keys;
      DROP FUNCTION audit_log_is_append_only();
      ALTER TABLE interactions DROP COLUMN recorded_by_partner_id;
      ALTER TABLE stage_transitions DROP COLUMN recorded_by_partner_id;
      ALTER TABLE stakeholders DROP COLUMN registered_by_partner_id, DROP COLUMN erased_at;
      ALTER TABLE organizations DROP COLUMN suppression_threshold;
      DROP TYPE access_role, key_kind;
    `);
  }
}
