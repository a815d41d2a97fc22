import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Authentication without a read of api_key_grants: each key's grants are copied into
 * `api_key_principals` (one row per key: `grants`, a JSON array of {organizationId, role,
 * partnerId}), a platform table like api_keys, so finding a key by its prefix gives the whole
 * principal from two rows of two reference tables. api_key_grants is distributed by organization
 * on Citus, so reading a key's grants by key would go to every shard on every request
 * (docs/SCALING.md).
 *
 * A row trigger on api_key_grants keeps the copy in step in the same transaction as every grant,
 * change of role and removal (by the API, the command line, a cascade from a deleted organization):
 * a removed grant is gone from the copy when its transaction commits, so the next request,
 * authenticated on any replica, is refused. It writes only that key's row, never reading the other
 * grants. The copy is not the key's row: an organization's own rows (the key it issued included)
 * never change because another organization granted that key a role, and the API role cannot read
 * or write the copy (authentication reads it as the login user). Row-level security on api_keys
 * ("visible to the organizations that issued it or granted it a role") asks the copy too, through
 * a function that answers yes or no and shows nothing else of it.
 */
export class KeyPrincipals1732851000000 implements MigrationInterface {
  name = "KeyPrincipals1732851000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_key_principals (
        api_key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        grants jsonb NOT NULL DEFAULT '[]',
        CONSTRAINT pk_api_key_principals PRIMARY KEY (api_key_id)
      );
      INSERT INTO api_key_principals (api_key_id, grants)
      SELECT api_key_id, jsonb_agg(jsonb_build_object('organizationId', organization_id, 'role', role, 'partnerId', partner_id) ORDER BY created_at, organization_id)
        FROM api_key_grants GROUP BY api_key_id;

      -- One grant row changed: that organization's entry of the key's copy is replaced in place (a new
      -- role or partner), taken out (a removed grant) or added at the end (a new grant).
      CREATE FUNCTION api_key_grants_copy() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        entry jsonb;
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.api_key_id = NEW.api_key_id AND OLD.organization_id = NEW.organization_id THEN
          entry := jsonb_build_object('organizationId', NEW.organization_id, 'role', NEW.role, 'partnerId', NEW.partner_id);
          UPDATE api_key_principals p SET grants = (
            SELECT coalesce(jsonb_agg(CASE WHEN e ->> 'organizationId' = NEW.organization_id::text THEN entry ELSE e END ORDER BY n), '[]')
              FROM jsonb_array_elements(p.grants) WITH ORDINALITY AS x(e, n))
          WHERE p.api_key_id = NEW.api_key_id;
          RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          UPDATE api_key_principals p SET grants = (
            SELECT coalesce(jsonb_agg(e ORDER BY n), '[]')
              FROM jsonb_array_elements(p.grants) WITH ORDINALITY AS x(e, n)
             WHERE e ->> 'organizationId' <> OLD.organization_id::text)
          WHERE p.api_key_id = OLD.api_key_id;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          entry := jsonb_build_object('organizationId', NEW.organization_id, 'role', NEW.role, 'partnerId', NEW.partner_id);
          INSERT INTO api_key_principals AS p (api_key_id, grants) VALUES (NEW.api_key_id, jsonb_build_array(entry))
          ON CONFLICT (api_key_id) DO UPDATE SET grants = (
            SELECT coalesce(jsonb_agg(e ORDER BY n), '[]')
              FROM jsonb_array_elements(p.grants) WITH ORDINALITY AS x(e, n)
             WHERE e ->> 'organizationId' <> NEW.organization_id::text) || jsonb_build_array(entry);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER copy_to_principal AFTER INSERT OR UPDATE OR DELETE ON api_key_grants FOR EACH ROW EXECUTE FUNCTION api_key_grants_copy();

      -- Whether the key holds a role in one of these organizations: yes or no, nothing else of its grants.
      CREATE FUNCTION api_key_granted_in(key_id uuid, organization_ids uuid[]) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        SELECT EXISTS (SELECT 1 FROM api_key_principals p, jsonb_array_elements(p.grants) g
                        WHERE p.api_key_id = key_id AND (g ->> 'organizationId')::uuid = ANY (organization_ids))
      $$;
      REVOKE ALL ON FUNCTION api_key_granted_in(uuid, uuid[]) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION api_key_granted_in(uuid, uuid[]) TO dbl_app;

      DROP POLICY tenant_isolation ON api_keys;
      CREATE POLICY tenant_isolation ON api_keys
        USING (organization_id = ANY (app_org_ids()) OR api_key_granted_in(api_keys.id, app_org_ids()))
        WITH CHECK (organization_id = ANY (app_org_ids()));
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP POLICY tenant_isolation ON api_keys;
      CREATE POLICY tenant_isolation ON api_keys
        USING (organization_id = ANY (app_org_ids())
               OR EXISTS (SELECT 1 FROM api_key_grants g WHERE g.api_key_id = api_keys.id AND g.organization_id = ANY (app_org_ids())))
        WITH CHECK (organization_id = ANY (app_org_ids()));
      DROP FUNCTION api_key_granted_in(uuid, uuid[]);
      DROP TRIGGER copy_to_principal ON api_key_grants;
      DROP FUNCTION api_key_grants_copy();
      DROP TABLE api_key_principals;
    `);
  }
}
