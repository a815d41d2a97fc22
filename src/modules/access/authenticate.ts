import { DataSource, EntityManager } from "typeorm";
import { Principal, UnauthenticatedError } from "../../common/access";
import { malformedKeyMessage, newKey, parseKey, secretMatches } from "./keys";
import type { StatementOrigin } from "../../database/statement-listeners";

type KeyRow = { id: string; kind: Principal["keyKind"]; name: string; secret_hash: Buffer; revoked_at: Date | null; stale: boolean; grants: Principal["grants"] };

/**
 * A key row with its grants, found by prefix or by id: the one query both ways of authenticating
 * use. The grants are the key's copy in api_key_principals, kept in step with api_key_grants by a
 * trigger in the same transaction as every change (migrations/1732851000000-KeyPrincipals.ts), so
 * authentication reads one row of each of two platform tables: on Citus, reference tables read on
 * whichever node the request reaches, never every shard of api_key_grants. A grant removed or a key
 * revoked is refused from the first request that starts after that change commits, on every replica.
 */
const KEY_ROW = `SELECT k.id, k.kind, k.name, k.secret_hash, k.revoked_at,
              (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale, coalesce(p.grants, '[]') AS grants
         FROM api_keys k LEFT JOIN api_key_principals p ON p.api_key_id = k.id`;

/** Statements of authentication, sent outside any request, named as such (the routability check reads it). */
async function authQuery<T>(db: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  const runner = db.createQueryRunner();
  const origin: StatementOrigin = { origin: "authentication" };
  runner.data = { origin };
  try {
    return await runner.query(sql, params);
  } finally {
    await runner.release();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What every authentication checks once the key row is known: not revoked; then notes its use and builds the principal. */
async function principalOf(db: DataSource, row: KeyRow): Promise<Principal> {
  if (row.revoked_at) throw new UnauthenticatedError("The API key has been revoked");
  if (row.stale) await authQuery(db, `UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [row.id]);
  return { keyId: row.id, keyKind: row.kind, name: row.name, grants: row.grants };
}

/**
 * Finds the key's principal. Runs as the login user (before any organization is
 * known), reading only the key row found by its prefix (its grants included).
 */
export async function authenticate(db: DataSource, key: string | null): Promise<Principal> {
  if (!key) throw new UnauthenticatedError();
  const parts = parseKey(key);
  if (!parts) throw new UnauthenticatedError(malformedKeyMessage(key));
  const rows = await authQuery<KeyRow>(db, `${KEY_ROW} WHERE k.prefix = $1`, [parts.prefix]);
  const row = rows[0];
  if (!row || !secretMatches(parts.secret, row.secret_hash)) throw new UnauthenticatedError("The API key is not valid");
  return principalOf(db, row);
}

/**
 * The principal of a key known only by its id, for a caller whose key was checked
 * earlier: the browser sign-in's session (src/web/report-session.ts), whose signed
 * token names the key id. Everything else is checked as authenticate() checks it
 * (the key exists and is not revoked) and the principal, grants included, is built
 * the same way. Never use it with an id the caller could choose.
 */
export async function authenticateKeyId(db: DataSource, keyId: string): Promise<Principal> {
  if (!UUID.test(keyId)) throw new UnauthenticatedError("The API key is not valid");
  const rows = await authQuery<KeyRow>(db, `${KEY_ROW} WHERE k.id = $1`, [keyId]);
  if (!rows[0]) throw new UnauthenticatedError("The API key is not valid");
  return principalOf(db, rows[0]);
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
