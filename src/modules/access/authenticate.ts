import { DataSource, EntityManager } from "typeorm";
import { Principal, UnauthenticatedError } from "../../common/access";
import { newKey, parseKey, secretMatches } from "./keys";

/**
 * Finds the key's principal. Runs as the login user (before any organization is
 * known), reading only the key row found by its prefix and that key's grants.
 */
export async function authenticate(db: DataSource, key: string | null): Promise<Principal> {
  if (!key) throw new UnauthenticatedError();
  const parts = parseKey(key);
  if (!parts) throw new UnauthenticatedError("The API key is malformed");
  const rows: { id: string; kind: Principal["keyKind"]; name: string; secret_hash: Buffer; revoked_at: Date | null; stale: boolean; grants: Principal["grants"] }[] =
    await db.query(
      `SELECT k.id, k.kind, k.name, k.secret_hash, k.revoked_at,
              (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale,
              coalesce((SELECT json_agg(json_build_object('organizationId', g.organization_id, 'role', g.role, 'partnerId', g.partner_id))
                          FROM api_key_grants g WHERE g.api_key_id = k.id), '[]') AS grants
         FROM api_keys k WHERE k.prefix = $1`,
      [parts.prefix],
    );
  const row = rows[0];
  if (!row || !secretMatches(parts.secret, row.secret_hash)) throw new UnauthenticatedError("The API key is not valid");
  if (row.revoked_at) throw new UnauthenticatedError("The API key has been revoked");
  if (row.stale) await db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [row.id]);
  return { keyId: row.id, keyKind: row.kind, name: row.name, grants: row.grants };
}

/**
 * Creates a key with a grant, outside any request (CLI, demo data, tests). Runs as
 * the login user. Returns the key: it is not stored and cannot be shown again.
 */
export async function issueKey(
  em: DataSource | EntityManager,
  options: {
    name: string;
    kind: Principal["keyKind"];
    issuerOrganizationId: string | null;
    grants: { organizationId: string; role: Principal["grants"][number]["role"]; partnerId?: string | null }[];
    random?: (n: number) => Buffer;
  },
): Promise<{ key: string; id: string; prefix: string }> {
  const made = newKey(options.random);
  const [row] = await em.query(`INSERT INTO api_keys (organization_id, kind, name, prefix, secret_hash) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [
    options.issuerOrganizationId,
    options.kind,
    options.name,
    made.prefix,
    made.hash,
  ]);
  for (const g of options.grants) {
    await em.query(`INSERT INTO api_key_grants (organization_id, api_key_id, role, partner_id) VALUES ($1, $2, $3, $4)`, [
      g.organizationId,
      row.id,
      g.role,
      g.partnerId ?? null,
    ]);
  }
  return { key: made.key, id: row.id, prefix: made.prefix };
}
