import { startTestApp, TestApp, Caller } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";
import { perturb } from "../../src/common/perturbation";

/**
 * Funders see the funnel with small cells suppressed (k = 10 by default).
 *
 * Hand-made beneficiaries, all entering "Identified" in January 2026:
 *   34 people: 4 FEMALE + 30 MALE; regions North 4 (the 4 women), South 12, East 18 (all men).
 *   Of them, 25 men move on to "Enrolled" on Jan 20 (stays of exactly 10 days for those who
 *   entered on Jan 10), and 4 of those 25 move on to "Receives" on Jan 25.
 * What a funder is shown of a count not hidden is that count adjusted by the cell-key method
 * (src/common/perturbation.ts, D = 2): worked out here from the record keys of the people counted
 * (`adjusted`), so the funder's figures are still checked exactly.
 */
describe("small-cell suppression for funders", () => {
  let app: TestApp;
  let org: OrgFixture;
  let funder: Caller;
  let staff: Caller;

  /** The funder's figure for `count` people B-<lo>..B-<hi> (each range inclusive): the count adjusted by the sum of their record keys. */
  async function adjusted(count: number, ...ranges: [number, number][]): Promise<number> {
    const where = ranges.map((_, i) => `substr(external_ref, 3)::int BETWEEN $${2 * i + 2} AND $${2 * i + 3}`).join(" OR ");
    const [r] = await app.db.query(`SELECT count(*)::int AS n, sum(record_key) AS keys FROM stakeholders WHERE organization_id = $1 AND (${where})`, [org.id, ...ranges.flat()]);
    expect(r.n).toBe(count);
    return perturb(count, r.keys, 2);
  }

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Suppression Org", "CUSTOMER_FUNDS_BENEFICIARY");
    const s = org.beneficiaryStages;
    // Insert the journeys directly (the API path for journeys is tested elsewhere).
    await app.db.query(
      `WITH people AS (
         SELECT g, CASE WHEN g <= 4 THEN 'FEMALE' ELSE 'MALE' END::gender AS gender,
                CASE WHEN g <= 4 THEN 'North' WHEN g <= 16 THEN 'South' ELSE 'East' END AS region
           FROM generate_series(1, 34) g
       ), made AS (
         INSERT INTO stakeholders (organization_id, kind, external_ref, gender, region, current_stage_id, current_stage_entered_at)
         SELECT $1, 'BENEFICIARY', 'B-' || g, gender, region,
                CASE WHEN g BETWEEN 5 AND 8 THEN $4::uuid WHEN g BETWEEN 9 AND 29 THEN $3::uuid ELSE $2::uuid END,
                CASE WHEN g BETWEEN 5 AND 8 THEN timestamptz '2026-01-25' WHEN g BETWEEN 9 AND 29 THEN timestamptz '2026-01-20' ELSE timestamptz '2026-01-10' END
           FROM people
         RETURNING id, external_ref
       ), numbered AS (SELECT id, substr(external_ref, 3)::int AS g FROM made)
       INSERT INTO stage_transitions (organization_id, stakeholder_id, kind, from_stage_id, to_stage_id, occurred_at)
       SELECT $1, id, 'BENEFICIARY'::stakeholder_kind, NULL::uuid, $2::uuid, timestamptz '2026-01-10' FROM numbered
       UNION ALL SELECT $1, id, 'BENEFICIARY', $2::uuid, $3::uuid, timestamptz '2026-01-20' FROM numbered WHERE g BETWEEN 5 AND 29
       UNION ALL SELECT $1, id, 'BENEFICIARY', $3::uuid, $4::uuid, timestamptz '2026-01-25' FROM numbered WHERE g BETWEEN 5 AND 8`,
      [org.id, s.Identified, s.Enrolled, s.Receives],
    );
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
    staff = app.as(await app.issue("MEMBER", [{ organizationId: org.id, role: "STAFF" }]));
  });
  afterAll(() => app.close());

  const FUNNEL = `query($org: ID!, $dimension: Dimension) {
    lifecycleFunnel(organizationId: $org, kind: BENEFICIARY, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", dimension: $dimension) {
      suppression { applied threshold }
      stages { stage { name } entered movedOn inStageAtEnd current completedStays medianDaysInStage conversionFromPrevious suppressed
               groups { value entered movedOn inStageAtEnd current suppressed } }
    }
  }`;
  const stage = (data: any, name: string) => data.lifecycleFunnel.stages.find((s: any) => s.stage.name === name);

  it("shows staff every number", async () => {
    const d = await staff.ok<any>(FUNNEL, { org: org.id });
    expect(d.lifecycleFunnel.suppression).toEqual({ applied: false, threshold: 10 });
    // Identified: 34 entered, 25 moved on (10-day stays), 9 still there.
    expect(stage(d, "Identified")).toMatchObject({ entered: 34, movedOn: 25, inStageAtEnd: 9, current: 9, completedStays: 25, medianDaysInStage: 10, suppressed: [] });
    // Receives: 4 entered (from 25 in Enrolled: conversion 4 / 25 = 0.16).
    expect(stage(d, "Receives")).toMatchObject({ entered: 4, current: 4, conversionFromPrevious: 0.16 });
  });

  it("hides a stage reached by 4 beneficiaries, and the rates that would give it back", async () => {
    const d = await funder.ok<any>(FUNNEL, { org: org.id });
    expect(d.lifecycleFunnel.suppression).toEqual({ applied: true, threshold: 10 });
    // (The query asks for applied and threshold only; perturbationMaximum is 2 and a note says what the adjustment means.)
    // Identified: 34, 25 and 9 are all >= 10 or... 9 < 10: inStageAtEnd and current (9) are hidden.
    // Shown: entered, everyone (B-1..34); moved on and their completed stays, B-5..29.
    expect(stage(d, "Identified")).toMatchObject({
      entered: await adjusted(34, [1, 34]),
      movedOn: await adjusted(25, [5, 29]),
      inStageAtEnd: null,
      current: null,
      completedStays: await adjusted(25, [5, 29]),
      medianDaysInStage: 10,
    });
    expect(stage(d, "Identified").suppressed.sort()).toEqual(["current", "inStageAtEnd"]);
    // Enrolled: 25 entered, 4 moved on (hidden, and so are the stays and median from those 4), 21 at the end.
    // (Entered B-5..29; at the end and now B-9..29.)
    expect(stage(d, "Enrolled")).toMatchObject({
      entered: await adjusted(25, [5, 29]),
      movedOn: null,
      inStageAtEnd: await adjusted(21, [9, 29]),
      current: await adjusted(21, [9, 29]),
      completedStays: null,
      medianDaysInStage: null,
    });
    // conversion 25 / 34: 34 - 25 = 9 people did not move on, a small group: the rate is hidden.
    expect(stage(d, "Enrolled").conversionFromPrevious).toBeNull();
    // Receives: the group of 4 is hidden; its conversion 4 / 25 would reveal it: hidden too.
    expect(stage(d, "Receives")).toMatchObject({ entered: null, inStageAtEnd: null, current: null, conversionFromPrevious: null });
    expect(stage(d, "Receives").suppressed.sort()).toEqual(["conversionFromPrevious", "current", "entered", "inStageAtEnd"]);
    // Zero is shown: it reveals nobody.
    expect(stage(d, "Uses")).toMatchObject({ entered: 0, current: 0 });
  });

  it("hides the 4 women in a gender split, and a second cell so the total cannot give them back", async () => {
    const d = await funder.ok<any>(FUNNEL, { org: org.id, dimension: "GENDER" });
    const identified = stage(d, "Identified");
    expect(identified.entered).toBe(await adjusted(34, [1, 34]));
    // FEMALE 4 is below k; MALE 30 is hidden as the complement: 34 - (visible cells) reveals nothing.
    expect(identified.groups).toEqual([
      { value: "FEMALE", entered: null, movedOn: 0, inStageAtEnd: null, current: null, suppressed: ["entered", "inStageAtEnd", "current"] },
      // movedOn: FEMALE 0, MALE 25 -> nothing hidden; inStageAtEnd: FEMALE 4, MALE 5 -> both small, total 9 hidden.
      { value: "MALE", entered: null, movedOn: await adjusted(25, [5, 29]), inStageAtEnd: null, current: null, suppressed: ["entered", "inStageAtEnd", "current"] },
    ]);
    const visible = identified.groups.map((g: any) => g.entered).filter((n: number | null) => n !== null);
    expect(visible).toEqual([]);
    // Staff see the real split.
    const s = await staff.ok<any>(FUNNEL, { org: org.id, dimension: "GENDER" });
    expect(stage(s, "Identified").groups.map((g: any) => [g.value, g.entered])).toEqual([
      ["FEMALE", 4],
      ["MALE", 30],
    ]);
  });

  it("hides the smallest other region as the complement, keeping the large one", async () => {
    const d = await funder.ok<any>(FUNNEL, { org: org.id, dimension: "REGION" });
    const identified = stage(d, "Identified");
    // Regions sorted by value: East 18, North 4, South 12; total 34.
    // North (4) is below k; South (12) is the smallest other non-zero cell: hidden as the complement.
    // 34 - 18 = 16 = North + South: neither can be recovered.
    expect(identified.groups.map((g: any) => [g.value, g.entered])).toEqual([
      ["East", await adjusted(18, [17, 34])],
      ["North", null],
      ["South", null],
    ]);
    expect(identified.entered).toBe(await adjusted(34, [1, 34]));
  });

  it("uses the organization's threshold, never below 5", async () => {
    const admin = app; // the creator of the organization is its admin
    const tooLow = await admin.gql(`mutation($id: ID!) { updateOrganization(input: { id: $id, suppressionThreshold: 4 }) { id } }`, { id: org.id });
    expect(tooLow.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "suppressionThreshold" });
    await admin.ok(`mutation($id: ID!) { updateOrganization(input: { id: $id, suppressionThreshold: 5 }) { suppressionThreshold } }`, { id: org.id });
    const d = await funder.ok<any>(FUNNEL, { org: org.id });
    expect(d.lifecycleFunnel.suppression.threshold).toBe(5);
    // With k = 5: Identified's 9 now shows; the group of 4 in Receives is still hidden.
    // (The 9 still there: B-1..4 and B-30..34.)
    expect(stage(d, "Identified")).toMatchObject({ inStageAtEnd: await adjusted(9, [1, 4], [30, 34]), current: await adjusted(9, [1, 4], [30, 34]) });
    expect(stage(d, "Receives")).toMatchObject({ entered: null });
    await admin.ok(`mutation($id: ID!) { updateOrganization(input: { id: $id, suppressionThreshold: 10 }) { suppressionThreshold } }`, { id: org.id });
  });
});
