import { GqlResult, startTestApp, TestApp, unknownId } from "../helpers/app";

/**
 * Lifecycles and stages: adding stages (at the end or at a position), renaming and
 * marking them AT_SALE / IN_USE, reordering, renaming a lifecycle, and the
 * Organization.lifecycle / Stage.lifecycle links. Each test makes its own
 * organization, whose lifecycles start as the defaults (6 stages each).
 */

const STAGE_FIELDS = `id name position impactMode kind lifecycle { id kind name }`;

const ADD_STAGE = `
  mutation Add($input: AddStageInput!) {
    addStage(input: $input) { ${STAGE_FIELDS} }
  }`;

const UPDATE_STAGE = `
  mutation Update($input: UpdateStageInput!) {
    updateStage(input: $input) { ${STAGE_FIELDS} }
  }`;

const REORDER = `
  mutation Reorder($input: ReorderStagesInput!) {
    reorderStages(input: $input) { id kind name stages { id name position } }
  }`;

const UPDATE_LIFECYCLE = `
  mutation Rename($input: UpdateLifecycleInput!) {
    updateLifecycle(input: $input) { id kind name stages { name } }
  }`;

const LIFECYCLES = `
  query Lifecycles($id: ID!) {
    organization(id: $id) {
      lifecycles { id kind name stages { ${STAGE_FIELDS} } }
    }
  }`;

const CUSTOMER_STAGES = ["Need", "Research", "Purchase", "Use", "Support", "Renew or exit"];
const BENEFICIARY_STAGES = ["Identified", "Enrolled", "Receives", "Uses", "Outcome", "Exit"];

interface StageView {
  id: string;
  name: string;
  position: number;
  impactMode: string | null;
  kind: string;
  lifecycle: { id: string; kind: string; name: string };
}
interface LifecycleView {
  id: string;
  kind: string;
  name: string;
  stages: StageView[];
}

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

describe("lifecycles and stages", () => {
  let app: TestApp;
  let orgCount = 0;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  async function lifecycles(orgId: string): Promise<{ customer: LifecycleView; beneficiary: LifecycleView }> {
    const data = await app.ok(LIFECYCLES, { id: orgId });
    const all = data.organization.lifecycles as LifecycleView[];
    return { customer: all.find((l) => l.kind === "CUSTOMER")!, beneficiary: all.find((l) => l.kind === "BENEFICIARY")! };
  }

  async function newOrg(): Promise<{ orgId: string; customer: LifecycleView; beneficiary: LifecycleView }> {
    orgCount += 1;
    const data = await app.ok(`mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`, {
      input: { name: `Lifecycle org ${orgCount}`, impactModel: "HYBRID", currency: "KES" },
    });
    const orgId = data.createOrganization.id as string;
    return { orgId, ...(await lifecycles(orgId)) };
  }

  /** Names in position order, and a check that positions are exactly 0..n-1 (from the API and in the database). */
  async function namesInOrder(orgId: string, kind: "CUSTOMER" | "BENEFICIARY"): Promise<string[]> {
    const lc = (await lifecycles(orgId))[kind === "CUSTOMER" ? "customer" : "beneficiary"];
    expect(lc.stages.map((s) => s.position)).toEqual(lc.stages.map((_, i) => i));
    const rows: { position: number; name: string }[] = await app.db.query(
      `SELECT position, name FROM stages WHERE organization_id = $1 AND lifecycle_id = $2 ORDER BY position`,
      [orgId, lc.id],
    );
    expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => i));
    expect(rows.map((r) => r.name)).toEqual(lc.stages.map((s) => s.name));
    return lc.stages.map((s) => s.name);
  }

  const stageCount = async (orgId: string) =>
    (await app.db.query(`SELECT count(*)::int AS n FROM stages WHERE organization_id = $1`, [orgId]))[0].n as number;

  describe("Organization.lifecycle and Stage.lifecycle", () => {
    it("Organization.lifecycle(kind: BENEFICIARY) returns the beneficiary lifecycle", async () => {
      const { orgId, beneficiary } = await newOrg();
      const data = await app.ok(`query($id: ID!) { organization(id: $id) { lifecycle(kind: BENEFICIARY) { id kind name stages { name } } } }`, { id: orgId });
      expect(data.organization.lifecycle).toEqual({
        id: beneficiary.id,
        kind: "BENEFICIARY",
        name: "Beneficiary lifecycle",
        stages: BENEFICIARY_STAGES.map((name) => ({ name })),
      });
    });

    it("Stage.lifecycle resolves back to the lifecycle the stage is listed under", async () => {
      const { customer, beneficiary } = await newOrg();
      for (const lc of [customer, beneficiary]) {
        expect(lc.stages).toHaveLength(6);
        for (const s of lc.stages) {
          expect(s.lifecycle).toEqual({ id: lc.id, kind: lc.kind, name: lc.name });
          expect(s.kind).toBe(lc.kind);
        }
      }
    });

    it("Lifecycle.organization resolves back to the organization", async () => {
      const { orgId } = await newOrg();
      const data = await app.ok(`query($id: ID!) { organization(id: $id) { lifecycles { organization { id } } } }`, { id: orgId });
      expect(data.organization.lifecycles.map((l: any) => l.organization.id)).toEqual([orgId, orgId]);
    });
  });

  describe("addStage", () => {
    it("adds a stage at the end when no position is given", async () => {
      const { orgId, customer } = await newOrg();
      const added = (await app.ok(ADD_STAGE, { input: { lifecycleId: customer.id, name: "Refer a friend" } })).addStage as StageView;
      // 6 default stages at 0..5: the new one goes to 6.
      expect(added).toMatchObject({ name: "Refer a friend", position: 6, impactMode: null, kind: "CUSTOMER" });
      expect(added.lifecycle).toEqual({ id: customer.id, kind: "CUSTOMER", name: "Customer lifecycle" });
      expect(await namesInOrder(orgId, "CUSTOMER")).toEqual([...CUSTOMER_STAGES, "Refer a friend"]);
      // The other lifecycle is untouched.
      expect(await namesInOrder(orgId, "BENEFICIARY")).toEqual(BENEFICIARY_STAGES);
    });

    it("adds a stage at position = count (the end) explicitly", async () => {
      const { orgId, beneficiary } = await newOrg();
      const added = (await app.ok(ADD_STAGE, { input: { lifecycleId: beneficiary.id, name: "Alumni", position: 6 } })).addStage;
      expect(added).toMatchObject({ name: "Alumni", position: 6, kind: "BENEFICIARY" });
      expect(added.lifecycle.id).toBe(beneficiary.id);
      expect(await namesInOrder(orgId, "BENEFICIARY")).toEqual([...BENEFICIARY_STAGES, "Alumni"]);
    });

    it("adds a stage at a position: later stages move down one, earlier ones stay", async () => {
      const { orgId, customer } = await newOrg();
      const before = new Map(customer.stages.map((s) => [s.name, s.id]));
      const added = (await app.ok(ADD_STAGE, { input: { lifecycleId: customer.id, name: "Try", position: 2, impactMode: "IN_USE" } })).addStage;
      expect(added).toMatchObject({ name: "Try", position: 2, impactMode: "IN_USE", kind: "CUSTOMER" });

      const { customer: after } = await lifecycles(orgId);
      // Need 0, Research 1 stay; Try takes 2; Purchase..Renew or exit go from 2..5 to 3..6.
      expect(after.stages.map((s) => [s.position, s.name])).toEqual([
        [0, "Need"],
        [1, "Research"],
        [2, "Try"],
        [3, "Purchase"],
        [4, "Use"],
        [5, "Support"],
        [6, "Renew or exit"],
      ]);
      // The moved stages are the same rows (same ids, same marks), only their position changed.
      for (const s of after.stages.filter((s) => s.name !== "Try")) expect(s.id).toBe(before.get(s.name));
      expect(after.stages.find((s) => s.name === "Purchase")!.impactMode).toBe("AT_SALE");
      expect(after.stages.find((s) => s.name === "Use")!.impactMode).toBe("IN_USE");
      await namesInOrder(orgId, "CUSTOMER");
    });

    it("adds a stage at position 0, then another in the middle: positions stay 0..n-1", async () => {
      const { orgId, beneficiary } = await newOrg();
      await app.ok(ADD_STAGE, { input: { lifecycleId: beneficiary.id, name: "Referred", position: 0 } });
      // Now 7 stages; position 4 is between Receives (3) and Uses (4 -> 5).
      await app.ok(ADD_STAGE, { input: { lifecycleId: beneficiary.id, name: "Trained", position: 4 } });
      expect(await namesInOrder(orgId, "BENEFICIARY")).toEqual(["Referred", "Identified", "Enrolled", "Receives", "Trained", "Uses", "Outcome", "Exit"]);
    });

    it("a name already in the lifecycle (any case) -> CONFLICT field name, and nothing moves", async () => {
      const { orgId, customer } = await newOrg();
      const count = await stageCount(orgId);
      expectError(await app.gql(ADD_STAGE, { input: { lifecycleId: customer.id, name: "purchase" } }), "CONFLICT", "name");
      // At a position: the shift of later stages must be undone with the failed insert.
      expectError(await app.gql(ADD_STAGE, { input: { lifecycleId: customer.id, name: " NEED ", position: 0 } }), "CONFLICT", "name");
      expect(await stageCount(orgId)).toBe(count);
      expect(await namesInOrder(orgId, "CUSTOMER")).toEqual(CUSTOMER_STAGES);
    });

    it("the same name in the other lifecycle is fine", async () => {
      const { orgId, beneficiary } = await newOrg();
      const added = (await app.ok(ADD_STAGE, { input: { lifecycleId: beneficiary.id, name: "Purchase" } })).addStage;
      expect(added).toMatchObject({ name: "Purchase", position: 6, kind: "BENEFICIARY" });
      expect(await namesInOrder(orgId, "CUSTOMER")).toEqual(CUSTOMER_STAGES);
    });

    it("a position beyond the count -> BAD_USER_INPUT field position, nothing written", async () => {
      const { orgId, customer } = await newOrg();
      const count = await stageCount(orgId);
      // 6 stages: valid positions are 0..6.
      expectError(await app.gql(ADD_STAGE, { input: { lifecycleId: customer.id, name: "Too far", position: 7 } }), "BAD_USER_INPUT", "position");
      expectError(await app.gql(ADD_STAGE, { input: { lifecycleId: customer.id, name: "Negative", position: -1 } }), "BAD_USER_INPUT", "position");
      expect(await stageCount(orgId)).toBe(count);
      expect(await namesInOrder(orgId, "CUSTOMER")).toEqual(CUSTOMER_STAGES);
    });

    it("an empty or blank name -> BAD_USER_INPUT field name", async () => {
      const { orgId, customer } = await newOrg();
      expectError(await app.gql(ADD_STAGE, { input: { lifecycleId: customer.id, name: "" } }), "BAD_USER_INPUT", "name");
      expectError(await app.gql(ADD_STAGE, { input: { lifecycleId: customer.id, name: "  " } }), "BAD_USER_INPUT", "name");
      expect(await stageCount(orgId)).toBe(12);
    });

    it("a stage id as lifecycleId -> BAD_USER_INPUT (an id of another type), nothing written", async () => {
      const mine = await newOrg();
      const other = await newOrg();
      const foreignStageId = other.customer.stages[0].id;
      const wrongType = await app.gql(ADD_STAGE, { input: { lifecycleId: foreignStageId, name: "Sneaky" } });
      expectError(wrongType, "BAD_USER_INPUT", "lifecycleId");
      expect(wrongType.errors![0].message).toMatch(/must be the ID of a Lifecycle, not of a Stage/);
      expect(await stageCount(mine.orgId)).toBe(12);
      expect(await stageCount(other.orgId)).toBe(12);
    });

    it("an unknown lifecycleId -> NOT_FOUND; a malformed one -> BAD_USER_INPUT field lifecycleId", async () => {
      expectError(await app.gql(ADD_STAGE, { input: { lifecycleId: unknownId("Lifecycle"), name: "X" } }), "NOT_FOUND", "lifecycleId");
      expectError(await app.gql(ADD_STAGE, { input: { lifecycleId: "not-a-uuid", name: "X" } }), "BAD_USER_INPUT", "lifecycleId");
    });
  });

  describe("updateStage", () => {
    it("renames and sets impactMode; null clears it; omitting it keeps it", async () => {
      const { orgId, customer } = await newOrg();
      const research = customer.stages.find((s) => s.name === "Research")!;
      expect(research.impactMode).toBeNull();

      const marked = (await app.ok(UPDATE_STAGE, { input: { id: research.id, name: "Compare options", impactMode: "AT_SALE" } })).updateStage;
      expect(marked).toMatchObject({ id: research.id, name: "Compare options", impactMode: "AT_SALE", position: 1, kind: "CUSTOMER" });
      expect(marked.lifecycle.id).toBe(customer.id);

      // impactMode omitted: kept.
      const renamed = (await app.ok(UPDATE_STAGE, { input: { id: research.id, name: "Compare" } })).updateStage;
      expect(renamed).toMatchObject({ name: "Compare", impactMode: "AT_SALE" });

      // Only impactMode, null: cleared, name kept.
      const cleared = (await app.ok(UPDATE_STAGE, { input: { id: research.id, impactMode: null } })).updateStage;
      expect(cleared).toMatchObject({ name: "Compare", impactMode: null, position: 1 });

      // And it is stored that way.
      const { customer: after } = await lifecycles(orgId);
      expect(after.stages.map((s) => [s.name, s.impactMode])).toEqual([
        ["Need", null],
        ["Compare", null],
        ["Purchase", "AT_SALE"],
        ["Use", "IN_USE"],
        ["Support", null],
        ["Renew or exit", null],
      ]);
    });

    it("impactMode IN_USE on a stage and keeping the name when only the mode is given", async () => {
      const { customer } = await newOrg();
      const support = customer.stages.find((s) => s.name === "Support")!;
      const updated = (await app.ok(UPDATE_STAGE, { input: { id: support.id, impactMode: "IN_USE" } })).updateStage;
      expect(updated).toMatchObject({ name: "Support", impactMode: "IN_USE", position: 4 });
    });

    it("renaming to another stage's name (any case) -> CONFLICT field name", async () => {
      const { orgId, customer } = await newOrg();
      const need = customer.stages.find((s) => s.name === "Need")!;
      expectError(await app.gql(UPDATE_STAGE, { input: { id: need.id, name: "USE" } }), "CONFLICT", "name");
      expect(await namesInOrder(orgId, "CUSTOMER")).toEqual(CUSTOMER_STAGES);
    });

    it("unknown id -> NOT_FOUND; malformed id -> BAD_USER_INPUT field id", async () => {
      expectError(await app.gql(UPDATE_STAGE, { input: { id: unknownId("Stage"), name: "X" } }), "NOT_FOUND", "id");
      expectError(await app.gql(UPDATE_STAGE, { input: { id: "nope", name: "X" } }), "BAD_USER_INPUT", "id");
    });
  });

  describe("reorderStages", () => {
    it("puts the stages in the order given (reverse)", async () => {
      const { orgId, customer } = await newOrg();
      const reversed = [...customer.stages].reverse();
      const result = (await app.ok(REORDER, { input: { lifecycleId: customer.id, stageIds: reversed.map((s) => s.id) } })).reorderStages;
      expect(result.id).toBe(customer.id);
      expect(result.stages.map((s: any) => [s.position, s.name])).toEqual([
        [0, "Renew or exit"],
        [1, "Support"],
        [2, "Use"],
        [3, "Purchase"],
        [4, "Research"],
        [5, "Need"],
      ]);
      expect(result.stages.map((s: any) => s.id)).toEqual(reversed.map((s) => s.id));
      expect(await namesInOrder(orgId, "CUSTOMER")).toEqual([...CUSTOMER_STAGES].reverse());
      // The other lifecycle is untouched.
      expect(await namesInOrder(orgId, "BENEFICIARY")).toEqual(BENEFICIARY_STAGES);
    });

    it("a permutation that moves one stage", async () => {
      const { orgId, beneficiary } = await newOrg();
      const ids = beneficiary.stages.map((s) => s.id);
      // Move Exit (5) to the front: [5, 0, 1, 2, 3, 4].
      await app.ok(REORDER, { input: { lifecycleId: beneficiary.id, stageIds: [ids[5], ...ids.slice(0, 5)] } });
      expect(await namesInOrder(orgId, "BENEFICIARY")).toEqual(["Exit", "Identified", "Enrolled", "Receives", "Uses", "Outcome"]);
    });

    it("a missing, duplicated or foreign stage -> BAD_USER_INPUT field stageIds, order unchanged", async () => {
      const { orgId, customer, beneficiary } = await newOrg();
      const other = await newOrg();
      const ids = customer.stages.map((s) => s.id);
      const bad: [string, string[]][] = [
        ["missing one", ids.slice(0, 5)],
        ["duplicated, one missing", [ids[0], ...ids.slice(0, 5)]],
        ["duplicated, all present", [...ids, ids[2]]],
        ["a stage of the other lifecycle", [...ids.slice(0, 5), beneficiary.stages[0].id]],
        ["a stage of another organization", [...ids.slice(0, 5), other.customer.stages[5].id]],
        ["an unknown stage", [...ids.slice(0, 5), unknownId("Stage", orgId)]],
      ];
      for (const [label, stageIds] of bad) {
        const result = await app.gql(REORDER, { input: { lifecycleId: customer.id, stageIds: [...stageIds].reverse() } });
        try {
          expectError(result, "BAD_USER_INPUT", "stageIds");
        } catch (e) {
          throw new Error(`${label}: ${(e as Error).message}`);
        }
      }
      expect(await namesInOrder(orgId, "CUSTOMER")).toEqual(CUSTOMER_STAGES);
      expect(await namesInOrder(orgId, "BENEFICIARY")).toEqual(BENEFICIARY_STAGES);
      expect(await namesInOrder(other.orgId, "CUSTOMER")).toEqual(CUSTOMER_STAGES);
    });

    it("a malformed stage id -> BAD_USER_INPUT field stageIds", async () => {
      const { customer } = await newOrg();
      const ids = customer.stages.map((s) => s.id);
      expectError(await app.gql(REORDER, { input: { lifecycleId: customer.id, stageIds: [...ids.slice(0, 5), "x"] } }), "BAD_USER_INPUT", "stageIds");
    });

    it("an unknown lifecycle -> NOT_FOUND field lifecycleId", async () => {
      const { customer } = await newOrg();
      const ids = customer.stages.map((s) => s.id);
      expectError(await app.gql(REORDER, { input: { lifecycleId: unknownId("Lifecycle"), stageIds: ids } }), "NOT_FOUND", "lifecycleId");
    });

    it("reorder after addStage includes the new stage", async () => {
      const { orgId, customer } = await newOrg();
      const added = (await app.ok(ADD_STAGE, { input: { lifecycleId: customer.id, name: "Refer" } })).addStage;
      const ids = [added.id, ...customer.stages.map((s) => s.id)];
      await app.ok(REORDER, { input: { lifecycleId: customer.id, stageIds: ids } });
      expect(await namesInOrder(orgId, "CUSTOMER")).toEqual(["Refer", ...CUSTOMER_STAGES]);
      // The old list (without the new stage) is no longer complete.
      expectError(
        await app.gql(REORDER, { input: { lifecycleId: customer.id, stageIds: customer.stages.map((s) => s.id) } }),
        "BAD_USER_INPUT",
        "stageIds",
      );
    });
  });

  describe("updateLifecycle", () => {
    it("renames the lifecycle and nothing else", async () => {
      const { orgId, customer, beneficiary } = await newOrg();
      const renamed = (await app.ok(UPDATE_LIFECYCLE, { input: { id: customer.id, name: "  Buyer journey " } })).updateLifecycle;
      expect(renamed).toEqual({ id: customer.id, kind: "CUSTOMER", name: "Buyer journey", stages: CUSTOMER_STAGES.map((name) => ({ name })) });
      const after = await lifecycles(orgId);
      expect(after.customer.name).toBe("Buyer journey");
      expect(after.beneficiary.name).toBe(beneficiary.name);
    });

    it("blank name -> BAD_USER_INPUT field name; unknown id -> NOT_FOUND; malformed id -> BAD_USER_INPUT field id", async () => {
      const { orgId, customer } = await newOrg();
      expectError(await app.gql(UPDATE_LIFECYCLE, { input: { id: customer.id, name: " " } }), "BAD_USER_INPUT", "name");
      expectError(await app.gql(UPDATE_LIFECYCLE, { input: { id: unknownId("Lifecycle"), name: "X" } }), "NOT_FOUND", "id");
      expectError(await app.gql(UPDATE_LIFECYCLE, { input: { id: "x", name: "X" } }), "BAD_USER_INPUT", "id");
      expect((await lifecycles(orgId)).customer.name).toBe("Customer lifecycle");
    });
  });
});
