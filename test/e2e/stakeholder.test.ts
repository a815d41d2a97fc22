import { startTestApp, TestApp, unknownId } from "../helpers/app";
import { count, createOrg, createStakeholder, move, OrgFixture } from "../helpers/fixtures";

const NO_INTERNALS = /select |insert |update |constraint|\bat .*\(|node_modules|stakeholders_/i;

describe("stakeholders, journeys and interactions", () => {
  let app: TestApp;
  let org: OrgFixture;
  let other: OrgFixture;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Journeys Org");
    other = await createOrg(app, "Other Org");
  });
  afterAll(() => app.close());

  const CREATE = `mutation($input: CreateStakeholderInput!) { createStakeholder(input: $input) { id kind externalRef gender ageBand region segment currentStage { name } currentStageEnteredAt } }`;
  const MOVE = `mutation($input: MoveStakeholderInput!) { moveStakeholder(input: $input) { id occurredAt fromStage { name } toStage { name } stakeholder { id } } }`;
  const JOURNEY = `query($id: ID!) { stakeholder(id: $id) { currentStage { name } currentStageEnteredAt
      journey { totalCount edges { node { occurredAt fromStage { name } toStage { name } } } } } }`;

  it("registers a stakeholder in a first stage, with its attributes and a first transition", async () => {
    const data = await app.ok<any>(CREATE, {
      input: { organizationId: org.id, kind: "CUSTOMER", externalRef: " C-001 ", gender: "FEMALE", ageBand: "AGE_25_34", region: "North", segment: "Farmer", stageId: org.customerStages.Need, enteredAt: "2026-03-01T08:00:00Z" },
    });
    expect(data.createStakeholder).toMatchObject({
      kind: "CUSTOMER",
      externalRef: "C-001",
      gender: "FEMALE",
      ageBand: "AGE_25_34",
      region: "North",
      segment: "Farmer",
      currentStage: { name: "Need" },
      currentStageEnteredAt: "2026-03-01T08:00:00.000Z",
    });
    const j = await app.ok<any>(JOURNEY, { id: data.createStakeholder.id });
    expect(j.stakeholder.journey.totalCount).toBe(1);
    expect(j.stakeholder.journey.edges[0].node).toEqual({ occurredAt: "2026-03-01T08:00:00.000Z", fromStage: null, toStage: { name: "Need" } });
  });

  it("rejects a first stage of the other kind's lifecycle or of another organization, writing nothing", async () => {
    const before = [await count(app, "stakeholders"), await count(app, "stage_transitions")];
    const wrongKind = await app.gql(CREATE, { input: { organizationId: org.id, kind: "CUSTOMER", externalRef: "C-X1", stageId: org.beneficiaryStages.Enrolled } });
    expect(wrongKind.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "stageId" });
    expect(wrongKind.errors?.[0].message).toMatch(/BENEFICIARY lifecycle.*CUSTOMER/);
    const otherOrg = await app.gql(CREATE, { input: { organizationId: org.id, kind: "CUSTOMER", externalRef: "C-X2", stageId: other.customerStages.Need } });
    expect(otherOrg.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "stageId" });
    expect([await count(app, "stakeholders"), await count(app, "stage_transitions")]).toEqual(before);
  });

  it("validates every field of createStakeholder", async () => {
    const base = { organizationId: org.id, kind: "BENEFICIARY", externalRef: "B-V" };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ externalRef: "" }, "BAD_USER_INPUT", "externalRef"],
      [{ externalRef: "   " }, "BAD_USER_INPUT", "externalRef"],
      [{ externalRef: "x".repeat(121) }, "BAD_USER_INPUT", "externalRef"],
      [{ region: "r".repeat(121) }, "BAD_USER_INPUT", "region"],
      [{ organizationId: "not-an-id" }, "BAD_USER_INPUT", "organizationId"],
      [{ organizationId: unknownId("Organization") }, "FORBIDDEN", "organizationId"],
      [{ stageId: "zzz" }, "BAD_USER_INPUT", "stageId"],
      [{ stageId: org.beneficiaryStages.Enrolled, enteredAt: "2999-01-01T00:00:00Z" }, "BAD_USER_INPUT", "enteredAt"],
      [{ enteredAt: "2026-01-01T00:00:00Z" }, "BAD_USER_INPUT", "enteredAt"],
    ];
    const before = await count(app, "stakeholders");
    for (const [patch, code, field] of cases) {
      const r = await app.gql(CREATE, { input: { ...base, ...patch } });
      expect({ patch, ext: r.errors?.[0].extensions }).toMatchObject({ patch, ext: { code, field } });
      expect(r.errors?.[0].message).not.toMatch(NO_INTERNALS);
    }
    expect(await count(app, "stakeholders")).toBe(before);
  });

  it("keeps external references unique per organization and kind, and says which stakeholder to use instead", async () => {
    const first = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "DUP-1" });
    const dup = await app.gql(CREATE, { input: { organizationId: org.id, kind: "CUSTOMER", externalRef: "DUP-1" } });
    expect(dup.errors?.[0]).toMatchObject({
      message: `a customer with external reference "DUP-1" exists already (id ${first}): use it as stakeholderId instead of registering it again`,
      extensions: { code: "CONFLICT", field: "externalRef", existingId: first },
    });
    // The same reference is fine for the other kind, or in another organization.
    await createStakeholder(app, { organizationId: org.id, kind: "BENEFICIARY", externalRef: "DUP-1" });
    await createStakeholder(app, { organizationId: other.id, kind: "CUSTOMER", externalRef: "DUP-1" });
  });

  it("gives a field partner the id of its own beneficiary, and nothing of one registered by someone else", async () => {
    const makePartner = async (name: string) =>
      (await app.ok<any>(`mutation($o: ID!, $n: String!) { createPartner(input: { organizationId: $o, name: $n, kind: FIELD_PARTNER }) { id } }`, { o: org.id, n: name })).createPartner.id;
    const [p1, p2] = [await makePartner("Partner one"), await makePartner("Partner two")];
    const one = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId: p1 }]));
    const two = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId: p2 }]));
    const input = { organizationId: org.id, kind: "BENEFICIARY", externalRef: "CHILD-77" };
    const mine = (await one.ok<any>(CREATE, { input })).createStakeholder.id;
    const again = await one.gql(CREATE, { input });
    expect(again.errors?.[0].extensions).toEqual({ code: "CONFLICT", field: "externalRef", existingId: mine });
    const theirs = await two.gql(CREATE, { input });
    expect(theirs.errors?.[0]).toMatchObject({
      message: `a beneficiary with external reference "CHILD-77" was registered by the organization's staff or another partner: it can't be registered again, nor used by your key; ask the organization's staff`,
      extensions: { code: "CONFLICT", field: "externalRef" },
    });
    expect(JSON.stringify(theirs)).not.toContain(mine);
  });

  it("moves a stakeholder along its lifecycle and keeps the current stage", async () => {
    const id = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "M-1", stageId: org.customerStages.Need, enteredAt: "2026-01-01T00:00:00Z" });
    const r = await app.ok<any>(MOVE, { input: { stakeholderId: id, stageId: org.customerStages.Research, occurredAt: "2026-01-05T00:00:00Z" } });
    expect(r.moveStakeholder).toMatchObject({ fromStage: { name: "Need" }, toStage: { name: "Research" }, stakeholder: { id } });
    const j = await app.ok<any>(JOURNEY, { id });
    expect(j.stakeholder.currentStage).toEqual({ name: "Research" });
    expect(j.stakeholder.currentStageEnteredAt).toBe("2026-01-05T00:00:00.000Z");
  });

  it("slots a back-dated transition into the journey and re-links the next one", async () => {
    const s = org.customerStages;
    const id = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "M-2", stageId: s.Need, enteredAt: "2026-01-01T00:00:00Z" });
    await move(app, id, s.Purchase, "2026-01-10T00:00:00Z");
    await move(app, id, s.Research, "2026-01-05T00:00:00Z"); // recorded late
    const j = await app.ok<any>(JOURNEY, { id });
    expect(j.stakeholder.journey.edges.map((e: any) => [e.node.fromStage?.name ?? null, e.node.toStage.name])).toEqual([
      [null, "Need"],
      ["Need", "Research"],
      ["Research", "Purchase"],
    ]);
    // The latest transition still decides the current stage.
    expect(j.stakeholder.currentStage).toEqual({ name: "Purchase" });
    expect(j.stakeholder.currentStageEnteredAt).toBe("2026-01-10T00:00:00.000Z");
  });

  it("rejects a transition into the other kind's lifecycle, another organization, the same stage, or the future", async () => {
    const id = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "M-3", stageId: org.customerStages.Need, enteredAt: "2026-01-01T00:00:00Z" });
    const before = await count(app, "stage_transitions");
    const cases: [Record<string, unknown>, string, string, RegExp][] = [
      [{ stageId: org.beneficiaryStages.Receives }, "BAD_USER_INPUT", "stageId", /BENEFICIARY lifecycle/],
      [{ stageId: other.customerStages.Research }, "BAD_USER_INPUT", "stageId", /no stage with this id/],
      [{ stageId: org.customerStages.Need }, "BAD_USER_INPUT", "stageId", /already in this stage/],
      [{ stageId: org.customerStages.Research, occurredAt: "2999-01-01T00:00:00Z" }, "BAD_USER_INPUT", "occurredAt", /future/],
      [{ stakeholderId: unknownId("Stakeholder", org.id), stageId: org.customerStages.Research }, "NOT_FOUND", "stakeholderId", /not found/],
      [{ stakeholderId: "123" }, "BAD_USER_INPUT", "stakeholderId", /not an ID of a Stakeholder/],
    ];
    for (const [patch, code, field, message] of cases) {
      const r = await app.gql(MOVE, { input: { stakeholderId: id, stageId: org.customerStages.Research, occurredAt: "2026-01-02T00:00:00Z", ...patch } });
      expect({ patch, ext: r.errors?.[0].extensions }).toMatchObject({ patch, ext: { code, field } });
      expect(r.errors?.[0].message).toMatch(message);
      expect(r.errors?.[0].message).not.toMatch(NO_INTERNALS);
    }
    expect(await count(app, "stage_transitions")).toBe(before);
  });

  it("refuses, in the database itself, a row pointing at another organization's or kind's stage", async () => {
    const id = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "DB-1" });
    await expect(
      app.db.query(`INSERT INTO stage_transitions (organization_id, stakeholder_id, kind, to_stage_id, occurred_at) VALUES ($1, $2, 'CUSTOMER', $3, now())`, [org.id, id, other.customerStages.Need]),
    ).rejects.toThrow(/foreign key/);
    await expect(
      app.db.query(`INSERT INTO stage_transitions (organization_id, stakeholder_id, kind, to_stage_id, occurred_at) VALUES ($1, $2, 'CUSTOMER', $3, now())`, [org.id, id, org.beneficiaryStages.Uses]),
    ).rejects.toThrow(/foreign key/);
    await expect(app.db.query(`UPDATE stakeholders SET current_stage_id = $2, current_stage_entered_at = now() WHERE id = $1`, [id, org.beneficiaryStages.Uses])).rejects.toThrow(/foreign key/);
  });

  it("records interactions at touchpoints of the stakeholder's own lifecycle and organization", async () => {
    const tp = async (o: OrgFixture, stageId: string, name: string) =>
      (
        await app.ok<any>(`mutation($input: CreateTouchpointInput!) { createTouchpoint(input: $input) { id } }`, {
          input: { stageId, name, channel: "FIELD_VISIT", functionalAreaId: o.areas.Operations },
        })
      ).createTouchpoint.id as string;
    const install = await tp(org, org.customerStages.Use, "Installation");
    const training = await tp(org, org.beneficiaryStages.Enrolled, "Training");
    const foreign = await tp(other, other.customerStages.Use, "Installation");
    const id = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "I-1", stageId: org.customerStages.Use, enteredAt: "2026-02-01T00:00:00Z" });
    const REC = `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { id occurredAt note touchpoint { name stage { name } } stakeholder { id } } }`;
    const ok = await app.ok<any>(REC, { input: { stakeholderId: id, touchpointId: install, occurredAt: "2026-02-02T10:00:00Z", note: " lamp installed " } });
    expect(ok.recordInteraction).toMatchObject({ occurredAt: "2026-02-02T10:00:00.000Z", note: "lamp installed", touchpoint: { name: "Installation", stage: { name: "Use" } }, stakeholder: { id } });

    const before = await count(app, "interactions");
    const wrongKind = await app.gql(REC, { input: { stakeholderId: id, touchpointId: training } });
    expect(wrongKind.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "touchpointId" });
    const otherOrg = await app.gql(REC, { input: { stakeholderId: id, touchpointId: foreign } });
    expect(otherOrg.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "touchpointId" });
    const future = await app.gql(REC, { input: { stakeholderId: id, touchpointId: install, occurredAt: "2999-01-01T00:00:00Z" } });
    expect(future.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "occurredAt" });
    const longNote = await app.gql(REC, { input: { stakeholderId: id, touchpointId: install, note: "n".repeat(2001) } });
    expect(longNote.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "note" });
    expect(await count(app, "interactions")).toBe(before);

    const list = await app.ok<any>(`query($id: ID!) { stakeholder(id: $id) { interactions { totalCount edges { node { touchpoint { name } } } } } }`, { id });
    expect(list.stakeholder.interactions.totalCount).toBe(1);
  });

  it("updates attributes: omitted fields are kept, null clears", async () => {
    const id = await createStakeholder(app, { organizationId: org.id, kind: "BENEFICIARY", externalRef: "U-1", region: "East", segment: "Primary", gender: "MALE" });
    const r = await app.ok<any>(`mutation($input: UpdateStakeholderInput!) { updateStakeholder(input: $input) { externalRef region segment gender } }`, {
      input: { id, region: null, gender: "FEMALE" },
    });
    expect(r.updateStakeholder).toEqual({ externalRef: "U-1", region: null, segment: "Primary", gender: "FEMALE" });
    const missing = await app.gql(`mutation { updateStakeholder(input: { id: "${unknownId("Stakeholder", org.id)}", region: "x" }) { id } }`);
    expect(missing.errors?.[0].extensions).toMatchObject({ code: "NOT_FOUND", field: "id" });
  });

  it("answers NOT_FOUND for an unknown stakeholder and BAD_USER_INPUT for a malformed id", async () => {
    const missing = await app.gql(`{ stakeholder(id: "${unknownId("Stakeholder", org.id)}") { id } }`);
    expect(missing.errors?.[0].extensions).toMatchObject({ code: "NOT_FOUND", field: "id" });
    const malformed = await app.gql(`{ stakeholder(id: "1 OR 1=1") { id } }`);
    expect(malformed.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });
  });
});

describe("stakeholders list: filters and pagination", () => {
  let app: TestApp;
  let org: OrgFixture;
  const LIST = `query($org: ID!, $filter: StakeholderFilter, $first: Int, $after: String) {
    stakeholders(organizationId: $org, filter: $filter, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { externalRef } }
    }
  }`;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "List Org");
    const other = await createOrg(app, "Noise Org");
    // 12 stakeholders: S01..S12. Odd numbers are customers in Need, even ones beneficiaries in Enrolled.
    // Gender alternates by pairs: S01,S02 F; S03,S04 M; ... Regions: S01-S06 North, S07-S12 South.
    for (let n = 1; n <= 12; n++) {
      const customer = n % 2 === 1;
      await createStakeholder(app, {
        organizationId: org.id,
        kind: customer ? "CUSTOMER" : "BENEFICIARY",
        externalRef: `S${String(n).padStart(2, "0")}`,
        stageId: customer ? org.customerStages.Need : org.beneficiaryStages.Enrolled,
        gender: Math.ceil(n / 2) % 2 === 1 ? "FEMALE" : "MALE",
        ageBand: n <= 4 ? "AGE_18_24" : "AGE_35_44",
        region: n <= 6 ? "North" : "South",
        segment: n % 3 === 0 ? "Trader" : "Farmer",
      });
    }
    await createStakeholder(app, { organizationId: other.id, kind: "CUSTOMER", externalRef: "S01", region: "North" });
  });
  afterAll(() => app.close());

  const refs = (d: any) => d.stakeholders.edges.map((e: any) => e.node.externalRef);

  it("filters by kind, current stage and each attribute, within one organization", async () => {
    const q = async (filter: Record<string, unknown>) => app.ok<any>(LIST, { org: org.id, filter, first: 100 });
    expect(refs(await q({ kind: "CUSTOMER" }))).toEqual(["S01", "S03", "S05", "S07", "S09", "S11"]);
    expect(refs(await q({ stageId: org.beneficiaryStages.Enrolled }))).toEqual(["S02", "S04", "S06", "S08", "S10", "S12"]);
    // FEMALE: pairs 1, 3, 5 -> S01 S02, S05 S06, S09 S10.
    expect(refs(await q({ gender: "FEMALE" }))).toEqual(["S01", "S02", "S05", "S06", "S09", "S10"]);
    expect(refs(await q({ ageBand: "AGE_18_24" }))).toEqual(["S01", "S02", "S03", "S04"]);
    expect(refs(await q({ region: "South", segment: "Trader" }))).toEqual(["S09", "S12"]);
    expect(refs(await q({ kind: "CUSTOMER", region: "North", gender: "MALE" }))).toEqual(["S03"]);
    expect(refs(await q({ externalRef: "S07" }))).toEqual(["S07"]);
    const all = await q({});
    expect(all.stakeholders.totalCount).toBe(12); // the other organization's S01 is not listed
    expect((await q({ region: "North" })).stakeholders.totalCount).toBe(6);
  });

  it("pages with opaque keyset cursors, stable under inserts", async () => {
    const p1 = await app.ok<any>(LIST, { org: org.id, first: 5 });
    expect(refs(p1)).toEqual(["S01", "S02", "S03", "S04", "S05"]);
    expect(p1.stakeholders.pageInfo.hasNextPage).toBe(true);
    expect(p1.stakeholders.pageInfo.endCursor).toBe(p1.stakeholders.edges[4].cursor);
    // New rows arrive between two page requests: the next page neither repeats nor skips.
    await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "S13" });
    const p2 = await app.ok<any>(LIST, { org: org.id, first: 5, after: p1.stakeholders.pageInfo.endCursor });
    expect(refs(p2)).toEqual(["S06", "S07", "S08", "S09", "S10"]);
    const p3 = await app.ok<any>(LIST, { org: org.id, first: 5, after: p2.stakeholders.pageInfo.endCursor });
    expect(refs(p3)).toEqual(["S11", "S12", "S13"]);
    expect(p3.stakeholders.pageInfo.hasNextPage).toBe(false);
    expect(p3.stakeholders.totalCount).toBe(13);
    // Restarting from a middle edge cursor gives the rest.
    const mid = await app.ok<any>(LIST, { org: org.id, first: 2, after: p1.stakeholders.edges[2].cursor });
    expect(refs(mid)).toEqual(["S04", "S05"]);
  });

  it("caps first at 500 and rejects bad cursors", async () => {
    expect((await app.gql(LIST, { org: org.id, first: 500 })).errors).toBeUndefined();
    for (const first of [0, -1, 501, 100000]) {
      const r = await app.gql(LIST, { org: org.id, first });
      expect(r.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
    }
    for (const after of ["garbage", Buffer.from('["1","x"]').toString("base64url"), Buffer.from("{}").toString("base64url")]) {
      const r = await app.gql(LIST, { org: org.id, after });
      expect(r.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    }
    const nested = await app.gql(`query($org: ID!) { stakeholders(organizationId: $org, first: 1) { edges { node { journey(first: 501) { totalCount } } } } }`, { org: org.id });
    expect(nested.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
  });

  it("answers FORBIDDEN for an organization the caller holds no role in, whether or not it exists", async () => {
    const r = await app.gql(LIST, { org: unknownId("Organization") });
    expect(r.errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN", field: "organizationId" });
  });
});
