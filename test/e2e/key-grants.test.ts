import { openDatabase } from "../../src/database/data-source";
import { KeyPrincipals1732851000000 } from "../../migrations/1732851000000-KeyPrincipals";
import { startTestApp, TestApp } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";
import { Running, startServer, stopServer } from "../helpers/server";
import type { DataSource } from "typeorm";

/**
 * Authentication reads a key's grants from its copy in api_key_principals, kept in step with
 * api_key_grants by a trigger in the same transaction (migrations/1732851000000-KeyPrincipals.ts).
 * The bound on revocation is "the next request": a grant removed or a key revoked is refused by the
 * first request that starts after the change commits, on any replica. Two replicas here are two
 * HTTP servers with their own connection pools over the same database; every step waits only for
 * the previous response (a condition), never for a time.
 */

let app: TestApp;
let secondDb: DataSource;
let replica1: Running;
let replica2: Running;
let A: OrgFixture;
let B: OrgFixture;

async function post(server: Running, key: string, query: string, variables?: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, json: await response.json() };
}

const ORG = `query($id: ID!) { organization(id: $id) { id name } }`;
const ME = `{ me { keyId grants { organizationId role } } }`;

/** The copy against the grants themselves, for every key: [key id, copy, direct], sorted. */
async function copiesAndGrants(db: DataSource): Promise<{ id: string; copy: string; direct: string }[]> {
  return db.query(
    `SELECT k.id,
            (SELECT coalesce(jsonb_agg(e ORDER BY e ->> 'organizationId'), '[]')::text
               FROM api_key_principals p, jsonb_array_elements(p.grants) e WHERE p.api_key_id = k.id) AS copy,
            (SELECT coalesce(jsonb_agg(jsonb_build_object('organizationId', g.organization_id, 'role', g.role, 'partnerId', g.partner_id) ORDER BY g.organization_id::text), '[]')::text
               FROM api_key_grants g WHERE g.api_key_id = k.id) AS direct
       FROM api_keys k ORDER BY k.id`,
  );
}

beforeAll(async () => {
  app = await startTestApp();
  A = await createOrg(app, "Grants A");
  B = await createOrg(app, "Grants B");
  const url = (app.db.options as { url: string }).url;
  secondDb = await openDatabase({ url, poolMax: 3, connectTimeoutMs: 5000, statementTimeoutMs: 30000 });
  replica1 = await startServer(app.db, { production: false, rateLimitPerMinute: 10_000 });
  replica2 = await startServer(secondDb, { production: false, rateLimitPerMinute: 10_000 });
});

afterAll(async () => {
  await stopServer(replica1);
  await stopServer(replica2);
  await secondDb?.destroy();
  await app.close();
});

describe("a key's grants travel with its row", () => {
  it("a grant removed in one organization is refused there by the next request on another replica; its other organization still answers", async () => {
    // A key with a role in both organizations (as the command line makes them).
    const key = await app.issue("MEMBER", [
      { organizationId: A.id, role: "STAFF" },
      { organizationId: B.id, role: "STAFF" },
    ]);
    const keyId: string = (await post(replica1, key, ME)).json.data.me.keyId;

    // Both replicas see both grants.
    for (const replica of [replica1, replica2]) {
      const me = await post(replica, key, ME);
      expect(me.json.data.me.grants.map((g: any) => g.organizationId).sort()).toEqual([A.id, B.id].sort());
      expect((await post(replica, key, ORG, { id: B.id })).json.data.organization.id).toBe(B.id);
    }

    // B's admin takes B's grant away through replica 1 ...
    const revoked = await post(replica1, app.key, `mutation($input: RevokeApiKeyAccessInput!) { revokeApiKeyAccess(input: $input) }`, {
      input: { organizationId: B.id, apiKeyId: keyId },
    });
    expect(revoked.json.data.revokeApiKeyAccess).toBe(true);

    // ... and the very next request through replica 2 is refused in B, while A still answers.
    const refused = await post(replica2, key, ORG, { id: B.id });
    expect(refused.json.data).toBeNull();
    expect(refused.json.errors[0].extensions.code).toBe("FORBIDDEN");
    expect((await post(replica2, key, ORG, { id: A.id })).json.data.organization.id).toBe(A.id);
    expect((await post(replica2, key, ME)).json.data.me.grants).toEqual([{ organizationId: A.id, role: "STAFF" }]);
  });

  it("a revoked key is refused by the next request on another replica", async () => {
    const created = await app.ok<any>(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }`, {
      input: { organizationId: A.id, name: "Short-lived", role: "STAFF" },
    });
    const key: string = created.createApiKey.key;
    expect((await post(replica2, key, ORG, { id: A.id })).json.data.organization.id).toBe(A.id);
    const revoked = await post(replica1, app.key, `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, { id: created.createApiKey.apiKey.id });
    expect(revoked.json.data.revokeApiKey.revokedAt).not.toBeNull();
    const refused = await post(replica2, key, ORG, { id: A.id });
    expect(refused.status).toBe(401);
    expect(refused.json.errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });

  it("a changed role takes effect with the next request", async () => {
    const created = await app.ok<any>(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }`, {
      input: { organizationId: A.id, name: "Becomes an admin", role: "STAFF" },
    });
    const key: string = created.createApiKey.key;
    const keys = `query($org: ID!) { apiKeys(organizationId: $org, first: 5) { totalCount } }`;
    expect((await post(replica2, key, keys, { org: A.id })).json.errors[0].extensions.code).toBe("FORBIDDEN");
    await app.ok(`mutation($input: GrantApiKeyAccessInput!) { grantApiKeyAccess(input: $input) { id role } }`, {
      input: { organizationId: A.id, apiKeyId: created.createApiKey.apiKey.id, role: "ADMIN" },
    });
    const now = await post(replica2, key, keys, { org: A.id });
    expect(now.json.errors).toBeUndefined();
    expect(now.json.data.apiKeys.totalCount).toBeGreaterThan(0);
    expect((await post(replica2, key, ME)).json.data.me.grants).toEqual([{ organizationId: A.id, role: "ADMIN" }]);
  });

  it("the copy equals the grants after every kind of change, a cascade from a deleted organization included", async () => {
    // Made here: a funder key granted by both organizations, a field-partner key, then B removed as the owner would.
    const funder = await app.issue("FUNDER", [
      { organizationId: A.id, role: "FUNDER" },
      { organizationId: B.id, role: "FUNDER" },
    ]);
    expect(funder).toMatch(/^dbl_/);
    for (const row of await copiesAndGrants(app.db)) expect(row.copy).toBe(row.direct);
    await app.db.query(`DELETE FROM organizations WHERE id = $1`, [B.id]);
    const after = await copiesAndGrants(app.db);
    for (const row of after) expect(row.copy).toBe(row.direct);
    // No key keeps B in its copy (the runner held ADMIN there, the funder FUNDER).
    expect(after.some((r) => r.copy.includes(B.id))).toBe(false);
    // The runner's key itself: only A and the organizations other tests of this file made.
    const me = await app.ok<any>(ME);
    expect(me.me.grants.map((g: any) => g.organizationId)).toEqual([A.id]);
  });

  it("the migration fills the copy for keys that existed before it, and its down() gives the old layout back", async () => {
    const runner = app.db.createQueryRunner();
    try {
      const migration = new KeyPrincipals1732851000000();
      const before = await copiesAndGrants(app.db);
      await migration.down(runner);
      expect((await app.db.query(`SELECT to_regclass('api_key_principals') IS NULL AS gone`))[0].gone).toBe(true);
      await migration.up(runner);
      const after = await copiesAndGrants(app.db);
      expect(after).toEqual(before);
      for (const row of after) expect(row.copy).toBe(row.direct);
    } finally {
      await runner.release();
    }
    // And authentication works on the refilled copy.
    expect((await app.ok<any>(ME)).me.grants.map((g: any) => g.organizationId)).toEqual([A.id]);
  });
});
