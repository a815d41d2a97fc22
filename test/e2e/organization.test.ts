import { GqlResult, startTestApp, TestApp, unknownId } from "../helpers/app";

/**
 * Organizations: creation with the default lifecycles and functional areas,
 * validation (nothing written on bad input), updates, look-ups and the
 * `organizations` connection (keyset pagination).
 */

const ORG_FIELDS = `id name impactModel currency createdAt updatedAt`;

const CREATE = `
  mutation Create($input: CreateOrganizationInput!) {
    createOrganization(input: $input) { ${ORG_FIELDS} }
  }`;

const UPDATE = `
  mutation Update($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) { ${ORG_FIELDS} }
  }`;

const GET = `
  query Get($id: ID!) {
    organization(id: $id) { ${ORG_FIELDS} }
  }`;

const LIST = `
  query List($first: Int, $after: String) {
    organizations(first: $first, after: $after) {
      totalCount
      edges { cursor node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

/** The error contract: one error with the code (and field), no data, no SQL and no stack in the message. */
function expectError(result: GqlResult, code: string, field?: string): void {
  expect(result.errors).toBeDefined();
  expect(result.errors!.length).toBeGreaterThanOrEqual(1);
  const [error] = result.errors!;
  expect(error.extensions?.code).toBe(code);
  if (field !== undefined) expect(error.extensions?.field).toBe(field);
  for (const leak of ["SELECT", "INSERT", "at ", "constraint"]) expect(error.message).not.toContain(leak);
  expect(error.extensions?.stacktrace).toBeUndefined();
  // Every operation tested here has a non-null root field: an error leaves no data.
  expect(result.data ?? null).toBeNull();
}

async function countRows(app: TestApp): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ["organizations", "lifecycles", "stages", "functional_areas"]) {
    const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM ${table}`);
    out[table] = n;
  }
  return out;
}

describe("organizations", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const create = (input: Record<string, unknown>) => app.gql(CREATE, { input });
  const createOk = async (name: string, impactModel = "CUSTOMER_IS_BENEFICIARY", currency = "KES") =>
    (await app.ok<{ createOrganization: Record<string, any> }>(CREATE, { input: { name, impactModel, currency } })).createOrganization;

  describe("createOrganization", () => {
    it("creates the organization with its fields", async () => {
      const org = await createOk("Solar Lamps Kenya", "CUSTOMER_IS_BENEFICIARY", "KES");
      expect(org.id).toMatch(/^org_[A-Za-z0-9_-]{22}$/);
      expect(org).toMatchObject({ name: "Solar Lamps Kenya", impactModel: "CUSTOMER_IS_BENEFICIARY", currency: "KES" });
      expect(new Date(org.createdAt).getTime()).not.toBeNaN();

      const fetched = await app.ok(GET, { id: org.id });
      expect(fetched.organization).toEqual(org);
    });

    it("trims the name", async () => {
      const org = await createOk("  Shoes for School  ", "CUSTOMER_FUNDS_BENEFICIARY", "USD");
      expect(org.name).toBe("Shoes for School");
    });

    it("creates exactly the two default lifecycles with their stages in order, and the default functional areas", async () => {
      const org = await createOk("Cookstoves Uganda", "HYBRID", "UGX");
      const data = await app.ok(
        `query($id: ID!) {
          organization(id: $id) {
            lifecycles { id kind name stages { id name position impactMode kind } }
            functionalAreas(first: 50) { totalCount edges { node { name } } pageInfo { hasNextPage } }
          }
        }`,
        { id: org.id },
      );
      const lifecycles = data.organization.lifecycles as any[];
      expect(lifecycles).toHaveLength(2);
      expect(lifecycles.map((l) => l.kind).sort()).toEqual(["BENEFICIARY", "CUSTOMER"]);

      const customer = lifecycles.find((l) => l.kind === "CUSTOMER");
      expect(customer.stages.map((s: any) => [s.position, s.name, s.impactMode])).toEqual([
        [0, "Need", null],
        [1, "Research", null],
        [2, "Purchase", "AT_SALE"],
        [3, "Use", "IN_USE"],
        [4, "Support", null],
        [5, "Renew or exit", null],
      ]);
      expect(customer.stages.every((s: any) => s.kind === "CUSTOMER")).toBe(true);

      const beneficiary = lifecycles.find((l) => l.kind === "BENEFICIARY");
      expect(beneficiary.stages.map((s: any) => [s.position, s.name, s.impactMode])).toEqual([
        [0, "Identified", null],
        [1, "Enrolled", null],
        [2, "Receives", null],
        [3, "Uses", "IN_USE"],
        [4, "Outcome", null],
        [5, "Exit", null],
      ]);
      expect(beneficiary.stages.every((s: any) => s.kind === "BENEFICIARY")).toBe(true);

      // src/modules/organization/defaults.ts: six areas. They are inserted in one statement
      // (same created_at), so their order among themselves is not defined: compare as sets.
      const areas = data.organization.functionalAreas;
      expect(areas.totalCount).toBe(6);
      expect(areas.pageInfo.hasNextPage).toBe(false);
      expect(areas.edges.map((e: any) => e.node.name).sort()).toEqual(
        ["Marketing", "Sales", "Operations", "Finance", "Customer service", "Programmes"].sort(),
      );

      // The database agrees: 2 lifecycles, 12 stages, 6 areas for this organization.
      const [{ l, s, f }] = await app.db.query(
        `SELECT (SELECT count(*)::int FROM lifecycles WHERE organization_id = $1) AS l,
                (SELECT count(*)::int FROM stages WHERE organization_id = $1) AS s,
                (SELECT count(*)::int FROM functional_areas WHERE organization_id = $1) AS f`,
        [org.id],
      );
      expect({ l, s, f }).toEqual({ l: 2, s: 12, f: 6 });
    });

    it("Organization.lifecycle(kind) returns the lifecycle of that kind", async () => {
      const org = await createOk("Lifecycle Lookup Org");
      const data = await app.ok(
        `query($id: ID!) {
          organization(id: $id) {
            lifecycles { id kind }
            beneficiary: lifecycle(kind: BENEFICIARY) { id kind name stages { name } }
            customer: lifecycle(kind: CUSTOMER) { id kind name }
          }
        }`,
        { id: org.id },
      );
      const o = data.organization;
      expect(o.beneficiary.kind).toBe("BENEFICIARY");
      expect(o.beneficiary.id).toBe(o.lifecycles.find((l: any) => l.kind === "BENEFICIARY").id);
      expect(o.beneficiary.name).toBe("Beneficiary lifecycle");
      expect(o.beneficiary.stages[0].name).toBe("Identified");
      expect(o.customer.kind).toBe("CUSTOMER");
      expect(o.customer.id).toBe(o.lifecycles.find((l: any) => l.kind === "CUSTOMER").id);
      expect(o.customer.name).toBe("Customer lifecycle");
    });

    describe("rejects bad input and writes nothing", () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ["empty name", { name: "", impactModel: "HYBRID", currency: "KES" }, "name"],
        ["blank name", { name: "   ", impactModel: "HYBRID", currency: "KES" }, "name"],
        ["name of 201 characters", { name: "x".repeat(201), impactModel: "HYBRID", currency: "KES" }, "name"],
        ["lower-case currency", { name: "Valid name", impactModel: "HYBRID", currency: "kes" }, "currency"],
        ["four-letter currency", { name: "Valid name", impactModel: "HYBRID", currency: "EURO" }, "currency"],
      ];
      it.each(cases)("%s -> BAD_USER_INPUT", async (_label, input, field) => {
        const before = await countRows(app);
        const result = await create(input);
        expectError(result, "BAD_USER_INPUT", field);
        expect(await countRows(app)).toEqual(before);
      });

      it("accepts a name of exactly 200 characters", async () => {
        const org = await createOk("y".repeat(200));
        expect(org.name).toHaveLength(200);
      });

      it("an unknown impactModel (literal) is a GraphQL validation error with no data", async () => {
        const before = await countRows(app);
        const result = await app.gql(`mutation { createOrganization(input: { name: "Bad model", impactModel: SOMETHING_ELSE, currency: "KES" }) { id } }`);
        expect(result.data).toBeUndefined();
        expect(result.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
        expect(result.errors?.[0].message).toContain("SOMETHING_ELSE");
        expect(await countRows(app)).toEqual(before);
      });

      it("an unknown impactModel (variable) is rejected before execution with no data", async () => {
        const before = await countRows(app);
        const result = await create({ name: "Bad model", impactModel: "SOMETHING_ELSE", currency: "KES" });
        // Variable coercion fails before any resolver runs: no data at all, not even null.
        expect(result.data).toBeUndefined();
        expect(result.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
        expect(await countRows(app)).toEqual(before);
      });
    });
  });

  describe("updateOrganization", () => {
    it("changes only the fields given", async () => {
      const org = await createOk("Before", "CUSTOMER_IS_BENEFICIARY", "KES");

      const renamed = (await app.ok(UPDATE, { input: { id: org.id, name: "After" } })).updateOrganization;
      expect(renamed).toMatchObject({ id: org.id, name: "After", impactModel: "CUSTOMER_IS_BENEFICIARY", currency: "KES", createdAt: org.createdAt });
      expect(new Date(renamed.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(org.updatedAt).getTime());

      const recurrency = (await app.ok(UPDATE, { input: { id: org.id, currency: "USD" } })).updateOrganization;
      expect(recurrency).toMatchObject({ name: "After", impactModel: "CUSTOMER_IS_BENEFICIARY", currency: "USD" });

      const remodel = (await app.ok(UPDATE, { input: { id: org.id, impactModel: "HYBRID" } })).updateOrganization;
      expect(remodel).toMatchObject({ name: "After", impactModel: "HYBRID", currency: "USD" });

      // Nothing given: nothing changes.
      const same = (await app.ok(UPDATE, { input: { id: org.id } })).updateOrganization;
      expect(same).toMatchObject({ name: "After", impactModel: "HYBRID", currency: "USD" });

      const fetched = (await app.ok(GET, { id: org.id })).organization;
      expect(fetched).toMatchObject({ name: "After", impactModel: "HYBRID", currency: "USD" });
    });

    it("does not touch other organizations", async () => {
      const a = await createOk("Org A", "HYBRID", "EUR");
      const b = await createOk("Org B", "HYBRID", "EUR");
      await app.ok(UPDATE, { input: { id: a.id, name: "Org A2" } });
      expect((await app.ok(GET, { id: b.id })).organization.name).toBe("Org B");
    });

    it("unknown id (an organization the caller holds no role in) -> FORBIDDEN", async () => {
      expectError(await app.gql(UPDATE, { input: { id: unknownId("Organization"), name: "x" } }), "FORBIDDEN", "id");
    });

    it('id "not-a-uuid" -> BAD_USER_INPUT field id', async () => {
      expectError(await app.gql(UPDATE, { input: { id: "not-a-uuid", name: "x" } }), "BAD_USER_INPUT", "id");
    });

    it("blank name or bad currency -> BAD_USER_INPUT and the organization is unchanged", async () => {
      const org = await createOk("Stays", "HYBRID", "KES");
      expectError(await app.gql(UPDATE, { input: { id: org.id, name: "  " } }), "BAD_USER_INPUT", "name");
      expectError(await app.gql(UPDATE, { input: { id: org.id, currency: "kes" } }), "BAD_USER_INPUT", "currency");
      expect((await app.ok(GET, { id: org.id })).organization).toMatchObject({ name: "Stays", currency: "KES" });
    });
  });

  describe("organization(id)", () => {
    it("unknown id (an organization the caller holds no role in) -> FORBIDDEN", async () => {
      expectError(await app.gql(GET, { id: unknownId("Organization") }), "FORBIDDEN", "id");
    });

    it("malformed id -> BAD_USER_INPUT field id", async () => {
      expectError(await app.gql(GET, { id: "not-a-uuid" }), "BAD_USER_INPUT", "id");
    });

    it("takes its id exactly as given: ids are opaque and case-sensitive, so the id in capitals is not an id", async () => {
      const org = await createOk("Upper Case Id");
      expect((await app.ok(GET, { id: org.id })).organization.id).toBe(org.id);
      expectError(await app.gql(GET, { id: org.id.toUpperCase() }), "BAD_USER_INPUT", "id");
    });
  });
});

describe("organizations connection", () => {
  // A database of its own, so that totalCount counts only the organizations made here.
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const created: { id: string; name: string }[] = [];
  const createOk = async (name: string) => {
    const org = (await app.ok(CREATE, { input: { name, impactModel: "HYBRID", currency: "KES" } })).createOrganization;
    created.push({ id: org.id, name: org.name });
    return org;
  };
  const list = (variables: Record<string, unknown>) => app.gql(LIST, variables);

  it("pages through 7 organizations, 3 at a time, oldest first", async () => {
    for (let i = 1; i <= 7; i++) await createOk(`Org ${i}`);

    const pages: { names: string[]; hasNextPage: boolean; totalCount: number }[] = [];
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const data: any = (await app.ok(LIST, { first: 3, after })).organizations;
      pages.push({ names: data.edges.map((e: any) => e.node.name), hasNextPage: data.pageInfo.hasNextPage, totalCount: data.totalCount });
      seen.push(...data.edges.map((e: any) => e.node.id));
      // endCursor is the cursor of the last edge.
      expect(data.pageInfo.endCursor).toBe(data.edges[data.edges.length - 1].cursor);
      if (!data.pageInfo.hasNextPage) break;
      after = data.pageInfo.endCursor;
    }
    // 7 = 3 + 3 + 1
    expect(pages).toEqual([
      { names: ["Org 1", "Org 2", "Org 3"], hasNextPage: true, totalCount: 7 },
      { names: ["Org 4", "Org 5", "Org 6"], hasNextPage: true, totalCount: 7 },
      { names: ["Org 7"], hasNextPage: false, totalCount: 7 },
    ]);
    expect(seen).toEqual(created.map((o) => o.id));
    expect(new Set(seen).size).toBe(7);
  });

  it("an edge cursor works as `after` too", async () => {
    const data = (await app.ok(LIST, { first: 7 })).organizations;
    const afterSecond = (await app.ok(LIST, { first: 2, after: data.edges[1].cursor })).organizations;
    expect(afterSecond.edges.map((e: any) => e.node.name)).toEqual(["Org 3", "Org 4"]);
    expect(afterSecond.pageInfo.hasNextPage).toBe(true);
  });

  it("without first: the default page (50) holds all 7", async () => {
    const data = (await app.ok(LIST, {})).organizations;
    expect(data.edges).toHaveLength(7);
    expect(data.pageInfo.hasNextPage).toBe(false);
  });

  it("first: 500 is accepted", async () => {
    const data = (await app.ok(LIST, { first: 500 })).organizations;
    expect(data.edges.map((e: any) => e.node.name)).toEqual(["Org 1", "Org 2", "Org 3", "Org 4", "Org 5", "Org 6", "Org 7"]);
    expect(data.pageInfo.hasNextPage).toBe(false);
    expect(data.totalCount).toBe(7);
  });

  it("first: 0 and first: 501 -> BAD_USER_INPUT field first", async () => {
    expectError(await list({ first: 0 }), "BAD_USER_INPUT", "first");
    expectError(await list({ first: 501 }), "BAD_USER_INPUT", "first");
    expectError(await list({ first: -1 }), "BAD_USER_INPUT", "first");
  });

  it("a garbage after cursor -> BAD_USER_INPUT field after", async () => {
    expectError(await list({ first: 3, after: "garbage" }), "BAD_USER_INPUT", "after");
    // Valid base64url of JSON, but not a cursor's shape.
    expectError(await list({ first: 3, after: Buffer.from(JSON.stringify(["1", "not-a-uuid"])).toString("base64url") }), "BAD_USER_INPUT", "after");
    expectError(await list({ first: 3, after: Buffer.from("SELECT 1").toString("base64url") }), "BAD_USER_INPUT", "after");
  });

  it("an empty page past the end has hasNextPage false and a null endCursor", async () => {
    const all = (await app.ok(LIST, { first: 500 })).organizations;
    const past = (await app.ok(LIST, { first: 3, after: all.pageInfo.endCursor })).organizations;
    expect(past.edges).toEqual([]);
    expect(past.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    expect(past.totalCount).toBe(7);
  });

  it("cursors are stable under inserts: no duplicate, nothing skipped", async () => {
    const first = (await app.ok(LIST, { first: 3 })).organizations;
    expect(first.edges.map((e: any) => e.node.name)).toEqual(["Org 1", "Org 2", "Org 3"]);

    // New organizations are created between two page requests.
    await createOk("Org 8");
    await createOk("Org 9");

    const names: string[] = first.edges.map((e: any) => e.node.name);
    let after: string | null = first.pageInfo.endCursor;
    let last: any = null;
    for (let guard = 0; guard < 10 && after; guard++) {
      last = (await app.ok(LIST, { first: 3, after })).organizations;
      names.push(...last.edges.map((e: any) => e.node.name));
      after = last.pageInfo.hasNextPage ? last.pageInfo.endCursor : null;
    }
    // 3 already seen + 6 after the cursor (Org 4..7 and the two new ones) = 9, each once, in creation order.
    expect(names).toEqual(["Org 1", "Org 2", "Org 3", "Org 4", "Org 5", "Org 6", "Org 7", "Org 8", "Org 9"]);
    expect(new Set(names).size).toBe(9);
    expect(last.totalCount).toBe(9);
    expect(last.pageInfo.hasNextPage).toBe(false);
  });
});
