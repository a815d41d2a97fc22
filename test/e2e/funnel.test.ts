import { startTestApp, TestApp, unknownId } from "../helpers/app";
import { createOrg, createStakeholder, move, OrgFixture } from "../helpers/fixtures";

/**
 * A hand-made set of customer journeys, and the funnel for January 2026 = [Jan 1, Feb 1).
 *
 *   A: Need Dec 20 -> Research Jan 5 -> Purchase Jan 10 -> Use Jan 12
 *   B: Need Jan 2  -> Research Jan 4
 *   C: Need Jan 15
 *   D: Need Dec 1  -> Research Dec 10 -> Purchase Feb 3 (after the period)
 *   E: Need Jan 20 -> Research Jan 25 -> Need Jan 28 (back) -> Research Jan 30
 *   F: Need Feb 1 00:00 (exactly at `to`: outside the period)
 *   G: Need Jan 1 00:00 (exactly at `from`: inside the period)
 */
describe("lifecycleFunnel", () => {
  let app: TestApp;
  let org: OrgFixture;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Funnel Org", "CUSTOMER_IS_BENEFICIARY");
    const s = org.customerStages;
    const c = (ref: string, at: string) => createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: ref, stageId: s.Need, enteredAt: at });
    const a = await c("A", "2025-12-20T00:00:00Z");
    await move(app, a, s.Research, "2026-01-05T00:00:00Z");
    await move(app, a, s.Purchase, "2026-01-10T00:00:00Z");
    await move(app, a, s.Use, "2026-01-12T00:00:00Z");
    const b = await c("B", "2026-01-02T00:00:00Z");
    await move(app, b, s.Research, "2026-01-04T00:00:00Z");
    await c("C", "2026-01-15T00:00:00Z");
    const d = await c("D", "2025-12-01T00:00:00Z");
    await move(app, d, s.Research, "2025-12-10T00:00:00Z");
    await move(app, d, s.Purchase, "2026-02-03T00:00:00Z");
    const e = await c("E", "2026-01-20T00:00:00Z");
    await move(app, e, s.Research, "2026-01-25T00:00:00Z");
    await move(app, e, s.Need, "2026-01-28T00:00:00Z");
    await move(app, e, s.Research, "2026-01-30T00:00:00Z");
    await c("F", "2026-02-01T00:00:00Z");
    await c("G", "2026-01-01T00:00:00Z");
  });
  afterAll(() => app.close());

  const query = `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
    lifecycleFunnel(organizationId: $org, kind: CUSTOMER, from: $from, to: $to) {
      kind
      stages { stage { name position } entered movedOn inStageAtEnd current completedStays medianDaysInStage conversionFromPrevious }
    }
  }`;

  it("counts entries, exits, stays and medians per stage over a half-open period", async () => {
    const data = await app.ok<any>(query, { org: org.id, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" });
    const byName = Object.fromEntries(data.lifecycleFunnel.stages.map((s: any) => [s.stage.name, s]));
    expect(data.lifecycleFunnel.stages.map((s: any) => s.stage.name)).toEqual(["Need", "Research", "Purchase", "Use", "Support", "Renew or exit"]);

    // Need: entered in period by B (Jan 2), C, E (twice), G (at `from`) = 4 distinct; not F (at `to`).
    // Stays ended in period: A (16 d), B (2 d), E (5 d), E (2 d): 3 distinct stakeholders, 4 stays,
    // median of {2, 2, 5, 16} = 3.5 days. In Need at `to`: C, G. Now: C, G, F.
    expect(byName.Need).toEqual({
      stage: { name: "Need", position: 0 },
      entered: 4,
      movedOn: 3,
      inStageAtEnd: 2,
      current: 3,
      completedStays: 4,
      medianDaysInStage: 3.5,
      conversionFromPrevious: null,
    });
    // Research: entered by A (Jan 5), B (Jan 4), E (Jan 25, Jan 30) = 3; left by A (5 d), E (3 d):
    // median 4 days. At `to`: B, D (its move to Purchase is after the period), E. Now: B, E.
    // Conversion 3 / 4 = 0.75.
    expect(byName.Research).toMatchObject({ entered: 3, movedOn: 2, inStageAtEnd: 3, current: 2, completedStays: 2, medianDaysInStage: 4, conversionFromPrevious: 0.75 });
    // Purchase: A only (Jan 10 -> Jan 12, 2 days). D entered after the period but is there now.
    expect(byName.Purchase).toMatchObject({ entered: 1, movedOn: 1, inStageAtEnd: 0, current: 1, completedStays: 1, medianDaysInStage: 2, conversionFromPrevious: 0.3333 });
    // Use: A since Jan 12.
    expect(byName.Use).toMatchObject({ entered: 1, movedOn: 0, inStageAtEnd: 1, current: 1, completedStays: 0, medianDaysInStage: null, conversionFromPrevious: 1 });
    // Support: nobody; 0 of the 1 who entered Use. Renew: previous stage had no entries -> null.
    expect(byName.Support).toMatchObject({ entered: 0, movedOn: 0, inStageAtEnd: 0, current: 0, completedStays: 0, medianDaysInStage: null, conversionFromPrevious: 0 });
    expect(byName["Renew or exit"]).toMatchObject({ entered: 0, conversionFromPrevious: null });
  });

  it("moves with the period: February sees F enter and D reach Purchase", async () => {
    const data = await app.ok<any>(query, { org: org.id, from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z" });
    const byName = Object.fromEntries(data.lifecycleFunnel.stages.map((s: any) => [s.stage.name, s]));
    // Need: F enters Feb 1. Stays ending in February: none. At `to`: C, F, G.
    expect(byName.Need).toMatchObject({ entered: 1, movedOn: 0, inStageAtEnd: 3, completedStays: 0 });
    // Research: D leaves on Feb 3 after 55 days (Dec 10 -> Feb 3). At `to`: B, E.
    expect(byName.Research).toMatchObject({ entered: 0, movedOn: 1, inStageAtEnd: 2, completedStays: 1, medianDaysInStage: 55 });
    expect(byName.Purchase).toMatchObject({ entered: 1, inStageAtEnd: 1 });
  });

  it("answers an empty funnel for a period with no data, and checks its arguments", async () => {
    const data = await app.ok<any>(query, { org: org.id, from: "2020-01-01T00:00:00Z", to: "2020-02-01T00:00:00Z" });
    expect(data.lifecycleFunnel.stages.every((s: any) => s.entered === 0 && s.inStageAtEnd === 0)).toBe(true);

    const reversed = await app.gql(query, { org: org.id, from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" });
    expect(reversed.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "to" });

    const unknown = await app.gql(query, { org: unknownId("Organization"), from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" });
    // An organization the caller holds no role in answers FORBIDDEN, whether or not it exists.
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN", field: "organizationId" });

    const malformed = await app.gql(query, { org: "nope", from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" });
    expect(malformed.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "organizationId" });
  });
});
