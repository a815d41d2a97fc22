import { asStored, GqlResult, startTestApp, TestApp, unknownId } from "../helpers/app";

/**
 * The directory of an organization: functional areas, partners and touchpoints,
 * the references between them (always inside one organization), and the
 * Organization.functionalAreas / partners / touchpoints and Stage.touchpoints
 * connections.
 */

const AREA_FIELDS = `id name createdAt`;
const PARTNER_FIELDS = `id name kind region createdAt`;
const TOUCHPOINT_FIELDS = `id name kind channel createdAt
  stage { id name kind lifecycle { id kind } }
  owner { id name }
  partner { id name kind }`;

const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`;
const CREATE_AREA = `mutation($input: CreateFunctionalAreaInput!) { createFunctionalArea(input: $input) { ${AREA_FIELDS} } }`;
const UPDATE_AREA = `mutation($input: UpdateFunctionalAreaInput!) { updateFunctionalArea(input: $input) { ${AREA_FIELDS} } }`;
const CREATE_PARTNER = `mutation($input: CreatePartnerInput!) { createPartner(input: $input) { ${PARTNER_FIELDS} } }`;
const UPDATE_PARTNER = `mutation($input: UpdatePartnerInput!) { updatePartner(input: $input) { ${PARTNER_FIELDS} } }`;
const CREATE_TP = `mutation($input: CreateTouchpointInput!) { createTouchpoint(input: $input) { ${TOUCHPOINT_FIELDS} } }`;
const UPDATE_TP = `mutation($input: UpdateTouchpointInput!) { updateTouchpoint(input: $input) { ${TOUCHPOINT_FIELDS} } }`;

const ORG_DIRECTORY = `
  query($id: ID!) {
    organization(id: $id) {
      lifecycles { id kind stages { id name kind } }
      functionalAreas(first: 100) { totalCount edges { node { id name } } }
    }
  }`;


/** The error contract: the code (and field), no data, no SQL and no stack in the message. */
function expectError(result: GqlResult, code: string, field?: string): void {
  expect(result.errors).toBeDefined();
  expect(result.errors!.length).toBeGreaterThanOrEqual(1);
  const [error] = result.errors!;
  expect(error.extensions?.code).toBe(code);
  if (field !== undefined) expect(error.extensions?.field).toBe(field);
  for (const leak of ["SELECT", "INSERT", "at ", "constraint"]) expect(error.message).not.toContain(leak);
  expect(error.extensions?.stacktrace).toBeUndefined();
  expect(result.data ?? null).toBeNull();
}

interface OrgFixture {
  id: string;
  /** stage id by name, both lifecycles (default names are distinct across them) */
  stage: Record<string, string>;
  /** functional area id by name */
  area: Record<string, string>;
}

describe("directory: functional areas, partners, touchpoints", () => {
  let app: TestApp;
  let orgCount = 0;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  async function newOrg(): Promise<OrgFixture> {
    orgCount += 1;
    const { createOrganization } = await app.ok(CREATE_ORG, { input: { name: `Directory org ${orgCount}`, impactModel: "HYBRID", currency: "KES" } });
    const data = await app.ok(ORG_DIRECTORY, { id: createOrganization.id });
    const stage: Record<string, string> = {};
    for (const lc of data.organization.lifecycles) for (const s of lc.stages) stage[s.name] = s.id;
    const area: Record<string, string> = {};
    for (const e of data.organization.functionalAreas.edges) area[e.node.name] = e.node.id;
    return { id: createOrganization.id, stage, area };
  }

  const count = async (table: string, orgId?: string): Promise<number> =>
    (await app.db.query(`SELECT count(*)::int AS n FROM ${table}${orgId ? " WHERE organization_id = $1" : ""}`, orgId ? [orgId] : []))[0].n;

  const createPartner = async (organizationId: string, name: string, kind = "DISTRIBUTOR", region: string | null = null) =>
    (await app.ok(CREATE_PARTNER, { input: { organizationId, name, kind, region } })).createPartner;

  const createTouchpoint = async (input: Record<string, unknown>) => (await app.ok(CREATE_TP, { input: { channel: "IN_PERSON", ...input } })).createTouchpoint;

  /** Follows endCursor through a connection of the organization, returning node names per page. */
  async function pageThrough(orgId: string, field: "functionalAreas" | "partners" | "touchpoints", first: number) {
    const pages: { names: string[]; hasNextPage: boolean; totalCount: number }[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const data: any = await app.ok(
        `query($id: ID!, $first: Int, $after: String) {
          organization(id: $id) { ${field}(first: $first, after: $after) { totalCount edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }
        }`,
        { id: orgId, first, after },
      );
      const conn = data.organization[field];
      pages.push({ names: conn.edges.map((e: any) => e.node.name), hasNextPage: conn.pageInfo.hasNextPage, totalCount: conn.totalCount });
      if (conn.edges.length) expect(conn.pageInfo.endCursor).toBe(conn.edges[conn.edges.length - 1].cursor);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    return pages;
  }

  describe("functional areas", () => {
    it("createFunctionalArea adds an area to the organization only", async () => {
      const a = await newOrg();
      const b = await newOrg();
      const area = (await app.ok(CREATE_AREA, { input: { organizationId: a.id, name: "  Impact measurement " } })).createFunctionalArea;
      expect(area.id).toMatch(/^fna_[A-Za-z0-9_-]{43}$/);
      expect(area.name).toBe("Impact measurement");

      const names = async (orgId: string) => {
        const d = await app.ok(ORG_DIRECTORY, { id: orgId });
        return { total: d.organization.functionalAreas.totalCount, names: d.organization.functionalAreas.edges.map((e: any) => e.node.name) };
      };
      // 6 defaults + 1
      const inA = await names(a.id);
      expect(inA.total).toBe(7);
      expect(inA.names).toContain("Impact measurement");
      const inB = await names(b.id);
      expect(inB.total).toBe(6);
      expect(inB.names).not.toContain("Impact measurement");
    });

    it("a name the organization has (any case) -> CONFLICT field name; another organization may use it", async () => {
      const a = await newOrg();
      const b = await newOrg();
      expectError(await app.gql(CREATE_AREA, { input: { organizationId: a.id, name: "marketing" } }), "CONFLICT", "name");
      expectError(await app.gql(CREATE_AREA, { input: { organizationId: a.id, name: "  SALES " } }), "CONFLICT", "name");
      expect(await count("functional_areas", a.id)).toBe(6);

      await app.ok(CREATE_AREA, { input: { organizationId: a.id, name: "Logistics" } });
      expectError(await app.gql(CREATE_AREA, { input: { organizationId: a.id, name: "LOGISTICS" } }), "CONFLICT", "name");
      const other = (await app.ok(CREATE_AREA, { input: { organizationId: b.id, name: "Logistics" } })).createFunctionalArea;
      expect(other.name).toBe("Logistics");
      expect(await count("functional_areas", a.id)).toBe(7);
      expect(await count("functional_areas", b.id)).toBe(7);
    });

    it("an organization the caller holds no role in (here: unknown) -> FORBIDDEN; malformed -> BAD_USER_INPUT field organizationId; blank name -> field name", async () => {
      const before = await count("functional_areas");
      expectError(await app.gql(CREATE_AREA, { input: { organizationId: unknownId("Organization"), name: "Ghost" } }), "FORBIDDEN", "organizationId");
      expectError(await app.gql(CREATE_AREA, { input: { organizationId: "nope", name: "Ghost" } }), "BAD_USER_INPUT", "organizationId");
      const a = await newOrg();
      const afterOrg = await count("functional_areas");
      expect(afterOrg).toBe(before + 6); // only the new organization's defaults
      expectError(await app.gql(CREATE_AREA, { input: { organizationId: a.id, name: "   " } }), "BAD_USER_INPUT", "name");
      expectError(await app.gql(CREATE_AREA, { input: { organizationId: a.id, name: "z".repeat(121) } }), "BAD_USER_INPUT", "name");
      expect(await count("functional_areas")).toBe(afterOrg);
    });

    it("updateFunctionalArea renames; a taken name -> CONFLICT; unknown id -> NOT_FOUND", async () => {
      const a = await newOrg();
      const renamed = (await app.ok(UPDATE_AREA, { input: { id: a.area["Sales"], name: "Sales and distribution" } })).updateFunctionalArea;
      expect(renamed).toMatchObject({ id: a.area["Sales"], name: "Sales and distribution" });

      expectError(await app.gql(UPDATE_AREA, { input: { id: a.area["Sales"], name: "finance" } }), "CONFLICT", "name");
      expectError(await app.gql(UPDATE_AREA, { input: { id: unknownId("FunctionalArea"), name: "X" } }), "NOT_FOUND", "id");
      expectError(await app.gql(UPDATE_AREA, { input: { id: "x", name: "X" } }), "BAD_USER_INPUT", "id");
      expectError(await app.gql(UPDATE_AREA, { input: { id: a.area["Sales"], name: "" } }), "BAD_USER_INPUT", "name");

      const d = await app.ok(ORG_DIRECTORY, { id: a.id });
      const names = d.organization.functionalAreas.edges.map((e: any) => e.node.name).sort();
      expect(names).toEqual(["Customer service", "Finance", "Marketing", "Operations", "Programmes", "Sales and distribution"]);
    });

    it("Organization.functionalAreas paginates with first/after and reports totalCount", async () => {
      const a = await newOrg();
      await app.ok(CREATE_AREA, { input: { organizationId: a.id, name: "Area 7" } });
      await app.ok(CREATE_AREA, { input: { organizationId: a.id, name: "Area 8" } });
      const pages = await pageThrough(a.id, "functionalAreas", 3);
      // 6 defaults + 2 = 8 areas: pages of 3, 3, 2.
      expect(pages.map((p) => p.names.length)).toEqual([3, 3, 2]);
      expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, false]);
      expect(pages.every((p) => p.totalCount === 8)).toBe(true);
      const all = pages.flatMap((p) => p.names);
      expect(new Set(all).size).toBe(8);
      expect([...all].sort()).toEqual(["Area 7", "Area 8", "Customer service", "Finance", "Marketing", "Operations", "Programmes", "Sales"]);
      // The defaults share one created_at (one statement); the two added later come last, in order.
      expect(all.slice(6)).toEqual(["Area 7", "Area 8"]);
    });
  });

  describe("partners", () => {
    it("createPartner stores its fields; a blank region is stored as null", async () => {
      const a = await newOrg();
      const p = await createPartner(a.id, "  Sunny Distributors ", "DISTRIBUTOR", "North");
      expect(p).toMatchObject({ name: "Sunny Distributors", kind: "DISTRIBUTOR", region: "North" });
      const q = await createPartner(a.id, "Village Field Agents", "FIELD_PARTNER", "   ");
      expect(q.region).toBeNull();
      const r = (await app.ok(CREATE_PARTNER, { input: { organizationId: a.id, name: "No Region", kind: "OTHER" } })).createPartner;
      expect(r.region).toBeNull();
      expect(await count("partners", a.id)).toBe(3);
    });

    it("updatePartner changes only what is given; region null clears it", async () => {
      const a = await newOrg();
      const p = await createPartner(a.id, "Repair Co", "SERVICE_PROVIDER", "Coast");

      const renamed = (await app.ok(UPDATE_PARTNER, { input: { id: p.id, name: "Repair Company" } })).updatePartner;
      expect(renamed).toMatchObject({ id: p.id, name: "Repair Company", kind: "SERVICE_PROVIDER", region: "Coast" });

      const rekind = (await app.ok(UPDATE_PARTNER, { input: { id: p.id, kind: "FIELD_PARTNER" } })).updatePartner;
      expect(rekind).toMatchObject({ name: "Repair Company", kind: "FIELD_PARTNER", region: "Coast" });

      const moved = (await app.ok(UPDATE_PARTNER, { input: { id: p.id, region: "Lakes" } })).updatePartner;
      expect(moved).toMatchObject({ name: "Repair Company", kind: "FIELD_PARTNER", region: "Lakes" });

      const cleared = (await app.ok(UPDATE_PARTNER, { input: { id: p.id, region: null } })).updatePartner;
      expect(cleared).toMatchObject({ name: "Repair Company", kind: "FIELD_PARTNER", region: null });

      const [row] = await app.db.query(`SELECT name, kind, region FROM partners WHERE id = $1`, [p.id]);
      expect(row).toEqual({ name: "Repair Company", kind: "FIELD_PARTNER", region: null });
    });

    it("a partner name the organization has (any case) -> CONFLICT field name", async () => {
      const a = await newOrg();
      const p = await createPartner(a.id, "Alpha Distribution");
      await createPartner(a.id, "Beta Distribution");
      expectError(await app.gql(CREATE_PARTNER, { input: { organizationId: a.id, name: "alpha distribution", kind: "OTHER" } }), "CONFLICT", "name");
      expectError(await app.gql(UPDATE_PARTNER, { input: { id: p.id, name: "BETA DISTRIBUTION" } }), "CONFLICT", "name");
      expect(await count("partners", a.id)).toBe(2);
      const [row] = await app.db.query(`SELECT name FROM partners WHERE id = $1`, [p.id]);
      expect(row.name).toBe("Alpha Distribution");
    });

    it("unknown organization -> FORBIDDEN, unknown partner -> NOT_FOUND; malformed ids -> BAD_USER_INPUT", async () => {
      expectError(await app.gql(CREATE_PARTNER, { input: { organizationId: unknownId("Organization"), name: "Ghost", kind: "OTHER" } }), "FORBIDDEN", "organizationId");
      expectError(await app.gql(CREATE_PARTNER, { input: { organizationId: "bad", name: "Ghost", kind: "OTHER" } }), "BAD_USER_INPUT", "organizationId");
      expectError(await app.gql(UPDATE_PARTNER, { input: { id: unknownId("Partner"), name: "Ghost" } }), "NOT_FOUND", "id");
      expectError(await app.gql(UPDATE_PARTNER, { input: { id: "bad", name: "Ghost" } }), "BAD_USER_INPUT", "id");
    });

    it("Organization.partners paginates with first/after and reports totalCount", async () => {
      const a = await newOrg();
      const b = await newOrg();
      for (let i = 1; i <= 5; i++) await createPartner(a.id, `Partner ${i}`);
      await createPartner(b.id, "Partner of B");
      const pages = await pageThrough(a.id, "partners", 2);
      // 5 partners, 2 a page: 2, 2, 1, oldest first.
      expect(pages).toEqual([
        { names: ["Partner 1", "Partner 2"], hasNextPage: true, totalCount: 5 },
        { names: ["Partner 3", "Partner 4"], hasNextPage: true, totalCount: 5 },
        { names: ["Partner 5"], hasNextPage: false, totalCount: 5 },
      ]);
    });
  });

  describe("touchpoints", () => {
    it("createTouchpoint: stage, owner and partner resolve; kind is the stage's lifecycle kind", async () => {
      const a = await newOrg();
      const partner = await createPartner(a.id, "Solar Distributors", "DISTRIBUTOR", "West");

      const delivery = await createTouchpoint({
        stageId: a.stage["Purchase"],
        name: "Home delivery",
        channel: "FIELD_VISIT",
        functionalAreaId: a.area["Sales"],
        partnerId: partner.id,
      });
      expect(delivery).toMatchObject({
        name: "Home delivery",
        kind: "CUSTOMER",
        channel: "FIELD_VISIT",
        stage: { id: a.stage["Purchase"], name: "Purchase", kind: "CUSTOMER" },
        owner: { id: a.area["Sales"], name: "Sales" },
        partner: { id: partner.id, name: "Solar Distributors", kind: "DISTRIBUTOR" },
      });
      expect(delivery.kind).toBe(delivery.stage.lifecycle.kind);

      const training = await createTouchpoint({
        stageId: a.stage["Enrolled"],
        name: "Training session",
        channel: "IN_PERSON",
        functionalAreaId: a.area["Programmes"],
      });
      expect(training).toMatchObject({
        kind: "BENEFICIARY",
        stage: { id: a.stage["Enrolled"], name: "Enrolled", kind: "BENEFICIARY" },
        owner: { name: "Programmes" },
        partner: null,
      });
      expect(training.kind).toBe(training.stage.lifecycle.kind);

      const rows = await app.db.query(`SELECT name, kind, stage_id, functional_area_id, partner_id FROM touchpoints WHERE organization_id = $1 ORDER BY created_at`, [a.id]);
      expect(rows).toEqual(asStored([
        { name: "Home delivery", kind: "CUSTOMER", stage_id: a.stage["Purchase"], functional_area_id: a.area["Sales"], partner_id: partner.id },
        { name: "Training session", kind: "BENEFICIARY", stage_id: a.stage["Enrolled"], functional_area_id: a.area["Programmes"], partner_id: null },
      ]));
    });

    it("a functional area or partner of ANOTHER organization -> BAD_USER_INPUT naming the field, nothing written", async () => {
      const a = await newOrg();
      const b = await newOrg();
      const partnerOfB = await createPartner(b.id, "B's partner");
      const partnerOfA = await createPartner(a.id, "A's partner");
      const before = await count("touchpoints");

      expectError(
        await app.gql(CREATE_TP, { input: { stageId: a.stage["Use"], name: "Repair visit", channel: "FIELD_VISIT", functionalAreaId: b.area["Operations"] } }),
        "BAD_USER_INPUT",
        "functionalAreaId",
      );
      expectError(
        await app.gql(CREATE_TP, {
          input: { stageId: a.stage["Use"], name: "Repair visit", channel: "FIELD_VISIT", functionalAreaId: a.area["Operations"], partnerId: partnerOfB.id },
        }),
        "BAD_USER_INPUT",
        "partnerId",
      );
      // Unknown ids are the same answer as another organization's.
      expectError(
        await app.gql(CREATE_TP, { input: { stageId: a.stage["Use"], name: "Repair visit", channel: "FIELD_VISIT", functionalAreaId: unknownId("FunctionalArea") } }),
        "BAD_USER_INPUT",
        "functionalAreaId",
      );
      expectError(
        await app.gql(CREATE_TP, {
          input: { stageId: a.stage["Use"], name: "Repair visit", channel: "FIELD_VISIT", functionalAreaId: a.area["Operations"], partnerId: unknownId("Partner") },
        }),
        "BAD_USER_INPUT",
        "partnerId",
      );
      expect(await count("touchpoints")).toBe(before);

      // The same with references of its own organization works.
      const ok = await createTouchpoint({ stageId: a.stage["Use"], name: "Repair visit", channel: "FIELD_VISIT", functionalAreaId: a.area["Operations"], partnerId: partnerOfA.id });
      expect(ok.partner.id).toBe(partnerOfA.id);
      expect(await count("touchpoints")).toBe(before + 1);
    });

    it("unknown stage -> NOT_FOUND field stageId; malformed ids -> BAD_USER_INPUT naming the field", async () => {
      const a = await newOrg();
      const before = await count("touchpoints");
      expectError(await app.gql(CREATE_TP, { input: { stageId: unknownId("Stage"), name: "X", channel: "SMS", functionalAreaId: a.area["Sales"] } }), "NOT_FOUND", "stageId");
      expectError(await app.gql(CREATE_TP, { input: { stageId: "x", name: "X", channel: "SMS", functionalAreaId: a.area["Sales"] } }), "BAD_USER_INPUT", "stageId");
      expectError(await app.gql(CREATE_TP, { input: { stageId: a.stage["Need"], name: "X", channel: "SMS", functionalAreaId: "x" } }), "BAD_USER_INPUT", "functionalAreaId");
      expectError(
        await app.gql(CREATE_TP, { input: { stageId: a.stage["Need"], name: "X", channel: "SMS", functionalAreaId: a.area["Sales"], partnerId: "x" } }),
        "BAD_USER_INPUT",
        "partnerId",
      );
      expectError(await app.gql(CREATE_TP, { input: { stageId: a.stage["Need"], name: " ", channel: "SMS", functionalAreaId: a.area["Sales"] } }), "BAD_USER_INPUT", "name");
      expect(await count("touchpoints")).toBe(before);
    });

    it("a duplicate name in the same stage (any case) -> CONFLICT field name; another stage may use it", async () => {
      const a = await newOrg();
      await createTouchpoint({ stageId: a.stage["Need"], name: "Radio advert", channel: "RADIO", functionalAreaId: a.area["Marketing"] });
      const before = await count("touchpoints", a.id);
      expectError(
        await app.gql(CREATE_TP, { input: { stageId: a.stage["Need"], name: "RADIO ADVERT", channel: "RADIO", functionalAreaId: a.area["Marketing"] } }),
        "CONFLICT",
        "name",
      );
      expect(await count("touchpoints", a.id)).toBe(before);
      const elsewhere = await createTouchpoint({ stageId: a.stage["Research"], name: "Radio advert", channel: "RADIO", functionalAreaId: a.area["Marketing"] });
      expect(elsewhere.stage.name).toBe("Research");
      // Renaming into a taken name in the same stage is a conflict too.
      const other = await createTouchpoint({ stageId: a.stage["Need"], name: "Poster", channel: "PRINT", functionalAreaId: a.area["Marketing"] });
      expectError(await app.gql(UPDATE_TP, { input: { id: other.id, name: "radio advert" } }), "CONFLICT", "name");
    });

    it("updateTouchpoint: partnerId null removes the partner, omitting it keeps it; other fields change only when given", async () => {
      const a = await newOrg();
      const partner = await createPartner(a.id, "Field Friends", "FIELD_PARTNER");
      const tp = await createTouchpoint({ stageId: a.stage["Support"], name: "Help line", channel: "PHONE", functionalAreaId: a.area["Customer service"], partnerId: partner.id });
      expect(tp.partner.id).toBe(partner.id);

      const renamed = (await app.ok(UPDATE_TP, { input: { id: tp.id, name: "Help desk" } })).updateTouchpoint;
      expect(renamed).toMatchObject({ name: "Help desk", channel: "PHONE", owner: { name: "Customer service" }, partner: { id: partner.id }, stage: { name: "Support" } });

      const rechannel = (await app.ok(UPDATE_TP, { input: { id: tp.id, channel: "WHATSAPP", functionalAreaId: a.area["Operations"] } })).updateTouchpoint;
      expect(rechannel).toMatchObject({ name: "Help desk", channel: "WHATSAPP", owner: { name: "Operations" }, partner: { id: partner.id } });

      const unpartnered = (await app.ok(UPDATE_TP, { input: { id: tp.id, partnerId: null } })).updateTouchpoint;
      expect(unpartnered).toMatchObject({ name: "Help desk", channel: "WHATSAPP", owner: { name: "Operations" }, partner: null });
      const [row] = await app.db.query(`SELECT partner_id FROM touchpoints WHERE id = $1`, [tp.id]);
      expect(row.partner_id).toBeNull();

      const repartnered = (await app.ok(UPDATE_TP, { input: { id: tp.id, partnerId: partner.id } })).updateTouchpoint;
      expect(repartnered.partner).toMatchObject({ id: partner.id, name: "Field Friends" });
    });

    it("updateTouchpoint with another organization's area or partner -> BAD_USER_INPUT naming the field, unchanged", async () => {
      const a = await newOrg();
      const b = await newOrg();
      const partnerOfB = await createPartner(b.id, "Someone else's");
      const tp = await createTouchpoint({ stageId: a.stage["Need"], name: "Billboard", channel: "PRINT", functionalAreaId: a.area["Marketing"] });
      expectError(await app.gql(UPDATE_TP, { input: { id: tp.id, functionalAreaId: b.area["Marketing"] } }), "BAD_USER_INPUT", "functionalAreaId");
      expectError(await app.gql(UPDATE_TP, { input: { id: tp.id, partnerId: partnerOfB.id } }), "BAD_USER_INPUT", "partnerId");
      expectError(await app.gql(UPDATE_TP, { input: { id: unknownId("Touchpoint"), name: "X" } }), "NOT_FOUND", "id");
      expectError(await app.gql(UPDATE_TP, { input: { id: "x", name: "X" } }), "BAD_USER_INPUT", "id");
      const [row] = await app.db.query(`SELECT functional_area_id, partner_id FROM touchpoints WHERE id = $1`, [tp.id]);
      expect(row).toEqual(asStored({ functional_area_id: a.area["Marketing"], partner_id: null }));
    });

    it("Organization.touchpoints paginates with first/after and reports totalCount", async () => {
      const a = await newOrg();
      const b = await newOrg();
      const stages = ["Need", "Purchase", "Use", "Enrolled", "Uses"];
      for (let i = 0; i < 5; i++) {
        await createTouchpoint({ stageId: a.stage[stages[i]], name: `TP ${i + 1}`, functionalAreaId: a.area["Operations"] });
      }
      await createTouchpoint({ stageId: b.stage["Need"], name: "TP of B", functionalAreaId: b.area["Operations"] });
      const pages = await pageThrough(a.id, "touchpoints", 2);
      // 5 touchpoints of this organization (both lifecycles), 2 a page: 2, 2, 1, in order of creation.
      expect(pages).toEqual([
        { names: ["TP 1", "TP 2"], hasNextPage: true, totalCount: 5 },
        { names: ["TP 3", "TP 4"], hasNextPage: true, totalCount: 5 },
        { names: ["TP 5"], hasNextPage: false, totalCount: 5 },
      ]);
    });

    it("bad first / after on a nested connection -> BAD_USER_INPUT naming the argument", async () => {
      const a = await newOrg();
      const q = (field: string, args: string) => app.gql(`query($id: ID!) { organization(id: $id) { ${field}(${args}) { totalCount } } }`, { id: a.id });
      expectError(await q("touchpoints", "first: 0"), "BAD_USER_INPUT", "first");
      expectError(await q("partners", "first: 501"), "BAD_USER_INPUT", "first");
      expectError(await q("functionalAreas", `after: "garbage"`), "BAD_USER_INPUT", "after");
      const big = await app.ok(`query($id: ID!) { organization(id: $id) { functionalAreas(first: 500) { totalCount edges { node { id } } } } }`, { id: a.id });
      expect(big.organization.functionalAreas.edges).toHaveLength(6);
    });

    it("Stage.touchpoints lists only that stage's touchpoints", async () => {
      const a = await newOrg();
      const b = await newOrg();
      await createTouchpoint({ stageId: a.stage["Purchase"], name: "Shop counter", channel: "RETAIL", functionalAreaId: a.area["Sales"] });
      await createTouchpoint({ stageId: a.stage["Use"], name: "Setup call", channel: "PHONE", functionalAreaId: a.area["Customer service"] });
      await createTouchpoint({ stageId: a.stage["Purchase"], name: "Mobile payment", channel: "SMS", functionalAreaId: a.area["Finance"] });
      await createTouchpoint({ stageId: a.stage["Purchase"], name: "Receipt", channel: "SMS", functionalAreaId: a.area["Finance"] });
      await createTouchpoint({ stageId: b.stage["Purchase"], name: "Shop counter", channel: "RETAIL", functionalAreaId: b.area["Sales"] });

      const data = await app.ok(
        `query($id: ID!) {
          organization(id: $id) {
            lifecycle(kind: CUSTOMER) {
              stages {
                name
                all: touchpoints { totalCount edges { node { name stage { name } } } pageInfo { hasNextPage } }
                firstTwo: touchpoints(first: 2) { edges { node { name } } pageInfo { hasNextPage endCursor } }
              }
            }
          }
        }`,
        { id: a.id },
      );
      const byName = new Map<string, any>(data.organization.lifecycle.stages.map((s: any) => [s.name, s]));
      const purchase = byName.get("Purchase");
      // 3 at Purchase in this organization (B's "Shop counter" is not one of them).
      expect(purchase.all.totalCount).toBe(3);
      expect(purchase.all.edges.map((e: any) => e.node.name)).toEqual(["Shop counter", "Mobile payment", "Receipt"]);
      expect(purchase.all.edges.every((e: any) => e.node.stage.name === "Purchase")).toBe(true);
      expect(purchase.all.pageInfo.hasNextPage).toBe(false);
      expect(purchase.firstTwo.edges.map((e: any) => e.node.name)).toEqual(["Shop counter", "Mobile payment"]);
      expect(purchase.firstTwo.pageInfo.hasNextPage).toBe(true);

      const use = byName.get("Use");
      expect(use.all.totalCount).toBe(1);
      expect(use.all.edges.map((e: any) => e.node.name)).toEqual(["Setup call"]);
      expect(use.firstTwo.pageInfo.hasNextPage).toBe(false);

      for (const name of ["Need", "Research", "Support", "Renew or exit"]) {
        expect(byName.get(name).all).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false } });
      }

      // The rest of Purchase after the first page.
      const rest = await app.ok(
        `query($id: ID!, $after: String) {
          organization(id: $id) { lifecycle(kind: CUSTOMER) { stages { name touchpoints(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage } } } } }
        }`,
        { id: a.id, after: purchase.firstTwo.pageInfo.endCursor },
      );
      const restPurchase = rest.organization.lifecycle.stages.find((s: any) => s.name === "Purchase");
      expect(restPurchase.touchpoints.edges.map((e: any) => e.node.name)).toEqual(["Receipt"]);
      expect(restPurchase.touchpoints.pageInfo.hasNextPage).toBe(false);
    });
  });
});
