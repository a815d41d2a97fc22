import { ApiKey, ApiKeyWithRole, CreatedApiKey, Me, RoleEnum } from "./access.entity";
import { CreateApiKeyInput, GrantApiKeyAccessInput, RevokeApiKeyAccessInput } from "./access.inputs";
import { newKey } from "./keys";
import { KeyKind, ROLES, Role } from "../../common/access";
import { BadInputError, NotFoundError } from "../../common/errors";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, cleanName } from "../../common/validation";
import { hydrate, queryRows } from "../../database/rows";
import type { ServiceContext } from "../../context";

const KIND_OF_ROLE: Record<Role, KeyKind> = { ADMIN: "MEMBER", STAFF: "MEMBER", FUNDER: "FUNDER", FIELD_PARTNER: "FIELD_PARTNER" };

export class AccessService {
  constructor(private readonly sc: ServiceContext) {}

  me(): Me {
    const p = this.sc.access.principal;
    return {
      keyId: p.keyId,
      name: p.name,
      kind: p.keyKind as Me["kind"],
      grants: p.grants.map((g) => ({ organizationId: g.organizationId, role: g.role as RoleEnum, partnerId: g.partnerId })),
    };
  }

  /** Keys that hold a role in the organization (admins only). */
  async list(organizationId: string, first?: number | null, after?: string | null): Promise<Page<ApiKeyWithRole>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const rows = await this.sc.em.query(
      `SELECT k.*, g.role, g.partner_id, ${micros("k.created_at")} AS __micros
         FROM api_key_grants g JOIN api_keys k ON k.id = g.api_key_id
        WHERE g.organization_id = $1 AND ($2::text IS NULL OR (k.created_at, k.id) > (${fromMicros("$2")}, $3::uuid))
        ORDER BY k.created_at, k.id LIMIT $4`,
      [org, cursor?.micros ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(
      rows.map((r: Record<string, any>) => ({
        node: Object.assign(hydrate(this.sc.em, ApiKey, r), { role: r.role, partnerId: r.partner_id }) as ApiKeyWithRole,
        key: { micros: String(r.__micros), id: String(r.id) },
      })),
      limit,
      async () => Number((await this.sc.em.query(`SELECT count(*) AS n FROM api_key_grants WHERE organization_id = $1`, [org]))[0].n),
    );
  }

  /** A new key with a role in the organization; the secret is in the answer only. */
  async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const name = cleanName(input.name, "name", 200);
    const role = input.role as Role;
    const partnerId = await this.checkPartner(org, role, input.partnerId);
    return this.sc.em.transaction(async (em) => {
      const made = newKey();
      const [row] = await em.query(
        `INSERT INTO api_keys (organization_id, kind, name, prefix, secret_hash, created_by_key_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [org, KIND_OF_ROLE[role], name, made.prefix, made.hash, this.sc.access.keyId],
      );
      await em.query(`INSERT INTO api_key_grants (organization_id, api_key_id, role, partner_id) VALUES ($1, $2, $3, $4)`, [org, row.id, role, partnerId]);
      return { key: made.key, apiKey: hydrate(em, ApiKey, row) };
    });
  }

  /**
   * Gives an existing key a role here (or changes it). The role must suit the key's
   * kind. Keys this organization issued or already granted can be given any suitable
   * role; a key of another organization only when it is a funder's key (a funder
   * hands its key id to each organization it funds). Any other id answers NOT_FOUND,
   * exactly as an unknown one, so nothing is revealed about other organizations' keys.
   */
  async grant(input: GrantApiKeyAccessInput): Promise<ApiKeyWithRole> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const keyId = assertId(input.apiKeyId, "apiKeyId");
    const role = input.role as Role;
    return this.sc.em.transaction(async (em) => {
      const visible = await em.query(
        `SELECT k.kind FROM api_keys k WHERE k.id = $1 AND k.revoked_at IS NULL
            AND (k.organization_id = $2 OR EXISTS (SELECT 1 FROM api_key_grants g WHERE g.api_key_id = k.id AND g.organization_id = $2))`,
        [keyId, org],
      );
      let kind: KeyKind | null = visible[0]?.kind ?? null;
      if (!kind) {
        const [{ kind: other }] = await em.query(`SELECT api_key_kind($1) AS kind`, [keyId]);
        kind = other === "FUNDER" && role === "FUNDER" ? "FUNDER" : null;
      }
      if (!kind) throw new NotFoundError("API key", "apiKeyId");
      if (KIND_OF_ROLE[role] !== kind) throw new BadInputError("role", `a ${kind} key cannot hold the ${role} role`);
      if (keyId === this.sc.access.keyId) throw new BadInputError("apiKeyId", "a key cannot change its own role");
      const partnerId = await this.checkPartner(org, role, input.partnerId);
      await em.query(
        `INSERT INTO api_key_grants (organization_id, api_key_id, role, partner_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (organization_id, api_key_id) DO UPDATE SET role = excluded.role, partner_id = excluded.partner_id`,
        [org, keyId, role, partnerId],
      );
      const [row] = await em.query(`SELECT k.*, g.role, g.partner_id FROM api_keys k JOIN api_key_grants g ON g.api_key_id = k.id AND g.organization_id = $1 WHERE k.id = $2`, [
        org,
        keyId,
      ]);
      return Object.assign(hydrate(em, ApiKey, row), { role: row.role, partnerId: row.partner_id }) as ApiKeyWithRole;
    });
  }

  /** Takes a key's role in this organization away. */
  async revokeAccess(input: RevokeApiKeyAccessInput): Promise<boolean> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const keyId = assertId(input.apiKeyId, "apiKeyId");
    if (keyId === this.sc.access.keyId) throw new BadInputError("apiKeyId", "a key cannot remove its own access; use another admin key");
    const rows = await queryRows(this.sc.em, `DELETE FROM api_key_grants WHERE organization_id = $1 AND api_key_id = $2 RETURNING api_key_id`, [org, keyId]);
    if (rows.length === 0) throw new NotFoundError("API key", "apiKeyId");
    return true;
  }

  /** Revokes a key for good; only admins of the organization that issued it may. */
  async revoke(id: string): Promise<ApiKey> {
    const keyId = assertId(id, "id");
    const found = await this.sc.em.query(`SELECT organization_id FROM api_keys WHERE id = $1 AND organization_id = ANY($2::uuid[])`, [keyId, this.sc.access.organizationIds]);
    if (found.length === 0) throw new NotFoundError("API key", "id");
    this.sc.access.require(found[0].organization_id, ROLES.admin, "id");
    const rows = await queryRows(this.sc.em, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *`, [keyId]);
    return hydrate(this.sc.em, ApiKey, rows[0]);
  }

  private async checkPartner(org: string, role: Role, partnerId: string | null | undefined): Promise<string | null> {
    if (role !== "FIELD_PARTNER") {
      if (partnerId) throw new BadInputError("partnerId", "partnerId is only for the FIELD_PARTNER role");
      return null;
    }
    if (!partnerId) throw new BadInputError("partnerId", "a FIELD_PARTNER key needs the partner it acts for");
    const id = assertId(partnerId, "partnerId");
    const rows = await this.sc.em.query(`SELECT 1 FROM partners WHERE organization_id = $1 AND id = $2`, [org, id]);
    if (rows.length === 0) throw new BadInputError("partnerId", "no partner with this id in the organization");
    return id;
  }
}

