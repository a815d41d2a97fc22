import { startTestApp, TestApp, Caller } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";

/**
 * A hand-made year for a buy-one-give-one organization, reported for January 2026
 * against December 2025 (the previous period of the same length, 31 days).
 *   Sales: December 1 sale of 1 pair; January 3 sales of 2 pairs -> 6 pairs given.
 *   Beneficiaries: 4 girls and 12 boys enter "Uses" (IN_USE) on January 10, all in region North.
 *   Metrics (reportable): "Attendance" baseline 20, target 60, actual 50 (-> 75 %); "Meals served" with no data.
 */
describe("impactReport", () => {
  let app: TestApp;
  let org: OrgFixture;
  let funder: Caller;
  let staff: Caller;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Report Org", "CUSTOMER_FUNDS_BENEFICIARY");
    const shoes = (await app.ok<any>(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, {
      i: { organizationId: org.id, name: "Shoe", unitsGivenPerUnit: "1", beneficiariesPerUnitGiven: "1" },
    })).createOffering.id;
    await app.ok(`mutation($i: RecordSalesInput!) { recordSales(input: $i) { created } }`, {
      i: {
        organizationId: org.id,
        items: [
          { offeringId: shoes, occurredAt: "2025-12-15T00:00:00Z", units: 1, amountMinor: 350000 },
          ...["05", "12", "20"].map((d) => ({ offeringId: shoes, occurredAt: `2026-01-${d}T00:00:00Z`, units: 2, amountMinor: 700000 })),
        ],
      },
    });
    await app.db.query(
      `WITH made AS (
         INSERT INTO stakeholders (organization_id, kind, external_ref, gender, region, current_stage_id, current_stage_entered_at)
         SELECT $1, 'BENEFICIARY', 'R-' || g, CASE WHEN g <= 4 THEN 'FEMALE' ELSE 'MALE' END::gender, 'North', $2, timestamptz '2026-01-10'
           FROM generate_series(1, 16) g RETURNING id)
       INSERT INTO stage_transitions (organization_id, stakeholder_id, kind, to_stage_id, occurred_at)
       SELECT $1, id, 'BENEFICIARY', $2, timestamptz '2026-01-10' FROM made`,
      [org.id, org.beneficiaryStages.Uses],
    );
    const metric = async (input: Record<string, unknown>) => (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, { i: { organizationId: org.id, ...input } })).createMetric.id;
    const attendance = await metric({ name: "Attendance", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "PERCENT", aggregation: "AVERAGE", impactMode: "IN_USE", baselineValue: "20", catalogueCode: "PI2389", estimationNote: "School registers" });
    await metric({ name: "Meals served", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "COUNT", aggregation: "SUM", impactMode: "IN_USE" });
    await metric({ name: "Internal cost", category: "KPI", perspective: "ORGANIZATION", kind: "INPUT", unit: "CURRENCY", aggregation: "SUM", reportable: false });
    await app.ok(`mutation($i: SetMetricTargetsInput!) { setMetricTargets(input: $i) { id } }`, { i: { metricId: attendance, targets: [{ from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "60" }] } });
    await app.ok(`mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { created } }`, {
      i: {
        organizationId: org.id,
        items: [
          { metricId: attendance, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "50", sampleSize: 16 },
          { metricId: attendance, from: "2025-12-01T00:00:00Z", to: "2026-01-01T00:00:00Z", value: "40", sampleSize: 16 },
        ],
      },
    });
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
    staff = app.as(await app.issue("MEMBER", [{ organizationId: org.id, role: "STAFF" }]));
  });
  afterAll(() => app.close());

  const REPORT = `query($o: ID!) { impactReport(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") {
      organization { name impactModel } period { from to } comparison { from to } suppression { applied threshold }
      narrative { text version }
      impactAtSale { totals { sales unitsGiven beneficiariesFunded } } previousImpactAtSale { sales unitsGiven }
      impactInUse { stakeholdersInUse } previousStakeholdersInUse
      metrics { metric { name catalogueCode estimationNote } baseline target actual attainment previousActual change suppressed }
      loops { due onTimeRate }
      disaggregations { dimension total cells { value count suppressed } }
      notes { section item kind reason }
  } }`;

  it("reports both bottom lines against the previous period, with the organization's narrative", async () => {
    await staff.ok(`mutation($i: SetReportNarrativeInput!) { setReportNarrative(input: $i) { version } }`, {
      i: { organizationId: org.id, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", text: "A first draft." },
    });
    const v2 = await staff.ok<any>(`mutation($i: SetReportNarrativeInput!) { setReportNarrative(input: $i) { version text } }`, {
      i: { organizationId: org.id, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", text: "January: 6 pairs given.\n\nAttendance is up." },
    });
    expect(v2.setReportNarrative.version).toBe(2);
    const r = (await staff.ok<any>(REPORT, { o: org.id })).impactReport;
    expect(r.organization).toEqual({ name: "Report Org", impactModel: "CUSTOMER_FUNDS_BENEFICIARY" });
    expect(r.comparison).toEqual({ from: "2025-12-01T00:00:00.000Z", to: "2026-01-01T00:00:00.000Z" });
    expect(r.narrative).toEqual({ text: "January: 6 pairs given.\n\nAttendance is up.", version: 2 });
    expect(r.impactAtSale.totals).toEqual({ sales: 3, unitsGiven: "6", beneficiariesFunded: 6 });
    expect(r.previousImpactAtSale).toEqual({ sales: 1, unitsGiven: "1" });
    expect(r.impactInUse.stakeholdersInUse).toBe(16);
    expect(r.previousStakeholdersInUse).toBe(0);
    // Only reportable metrics, in category order (SOCIAL): attendance 50 against 60 from 20 -> 75 %; +10 on December.
    expect(r.metrics).toEqual([
      { metric: { name: "Attendance", catalogueCode: "PI2389", estimationNote: "School registers" }, baseline: "20", target: "60", actual: "50", attainment: 75, previousActual: "40", change: "10", suppressed: false },
      { metric: { name: "Meals served", catalogueCode: null, estimationNote: null }, baseline: null, target: null, actual: null, attainment: null, previousActual: null, change: null, suppressed: false },
    ]);
    expect(r.notes).toEqual(
      expect.arrayContaining([
        { section: "Metrics", item: "Meals served", kind: "MISSING", reason: "no observation in the period" },
        { section: "Metrics", item: "Meals served", kind: "MISSING", reason: "no target for the period" },
        { section: "Experience", item: "customer NPS", kind: "MISSING", reason: "no NPS answer in the period" },
      ]),
    );
    // Staff see the real split.
    expect(r.disaggregations.find((d: any) => d.dimension === "GENDER")).toEqual({
      dimension: "GENDER",
      total: 16,
      cells: [
        { value: "FEMALE", count: 4, suppressed: false },
        { value: "MALE", count: 12, suppressed: false },
      ],
    });
  });

  it("hides a group of 4 from a funder so that the total cannot give it back", async () => {
    const r = (await funder.ok<any>(REPORT, { o: org.id })).impactReport;
    expect(r.suppression).toEqual({ applied: true, threshold: 10 });
    const gender = r.disaggregations.find((d: any) => d.dimension === "GENDER");
    // FEMALE 4 < 10: hidden; MALE 12 hidden too, or 16 - 12 would give 4 back. The total stays.
    expect(gender).toEqual({
      dimension: "GENDER",
      total: 16,
      cells: [
        { value: "FEMALE", count: null, suppressed: true },
        { value: "MALE", count: null, suppressed: true },
      ],
    });
    expect(r.disaggregations.find((d: any) => d.dimension === "REGION")).toEqual({ dimension: "REGION", total: 16, cells: [{ value: "North", count: 16, suppressed: false }] });
    expect(r.notes).toEqual(
      expect.arrayContaining([
        { section: "Disaggregation", item: "gender = FEMALE", kind: "SUPPRESSED", reason: "fewer than 10 stakeholders" },
        { section: "Disaggregation", item: "gender = MALE", kind: "SUPPRESSED", reason: "hidden so that the total cannot reveal a small group" },
      ]),
    );
    // The attendance metric rests on 16 people: shown to the funder.
    expect(r.metrics[0]).toMatchObject({ actual: "50", attainment: 75, suppressed: false });
    expect(JSON.stringify(r)).not.toMatch(/R-\d/); // no stakeholder reference anywhere
  });

  it("counts loops as actionSummary does, and hides small loop counts from a funder with their complement", async () => {
    // Actions due in January 2026: 11 loops closed by their due date, 2 closed after it, 1 never closed
    // (past due). One due in February is outside the period.
    await app.db.query(
      `INSERT INTO actions (organization_id, title, owner_area_id, due_at, loop_closed_at, loop_message)
       SELECT $1, 'Follow up ' || g, (SELECT id FROM functional_areas WHERE organization_id = $1 ORDER BY created_at LIMIT 1),
              timestamptz '2026-01-20' + (g || ' hours')::interval,
              CASE WHEN g <= 11 THEN timestamptz '2026-01-19' WHEN g <= 13 THEN timestamptz '2026-01-25' END,
              CASE WHEN g <= 13 THEN 'Called back' END
         FROM generate_series(1, 14) g
       UNION ALL
       SELECT $1, 'Later', (SELECT id FROM functional_areas WHERE organization_id = $1 ORDER BY created_at LIMIT 1), timestamptz '2026-02-10', NULL, NULL`,
      [org.id],
    );
    const LOOPS = `query($o: ID!) {
      impactReport(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { loops { due closedOnTime closedLate notClosed onTimeRate } notes { section item kind } }
      actionSummary(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { owners { closedOnTime closedLate notClosed onTimeRate } }
    }`;
    const mine = (await staff.ok<any>(LOOPS, { o: org.id }));
    // 11 / 14 = 0.785714... -> 78.57
    expect(mine.impactReport.loops).toEqual({ due: 14, closedOnTime: 11, closedLate: 2, notClosed: 1, onTimeRate: 78.57 });
    expect(mine.actionSummary.owners).toEqual([{ closedOnTime: 11, closedLate: 2, notClosed: 1, onTimeRate: 78.57 }]);
    // Funder: 2 and 1 are below 10 and add up to 3, so 11 is hidden too; the total 14 stays, the rate goes.
    const theirs = (await funder.ok<any>(LOOPS, { o: org.id }));
    expect(theirs.impactReport.loops).toEqual({ due: 14, closedOnTime: null, closedLate: null, notClosed: null, onTimeRate: null });
    expect(theirs.actionSummary.owners).toEqual([{ closedOnTime: null, closedLate: null, notClosed: null, onTimeRate: null }]);
    expect(theirs.impactReport.notes.filter((n: any) => n.item.startsWith("loops:"))).toEqual(
      ["closedOnTime", "closedLate", "notClosed", "onTimeRate"].map((f) => ({ section: "Experience", item: `loops: ${f}`, kind: "SUPPRESSED" })),
    );
  });

  it("says when the comparison period has no sale, so that a change against zero reads as such", async () => {
    const NOTES = `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactReport(organizationId: $o, from: $from, to: $to) { previousImpactAtSale { sales } notes { section item kind reason } } }`;
    // December 2025 against November 2025 (no sale): noted. January against December (1 sale): not noted.
    const december = (await staff.ok<any>(NOTES, { o: org.id, from: "2025-12-01T00:00:00Z", to: "2026-01-01T00:00:00Z" })).impactReport;
    expect(december.previousImpactAtSale.sales).toBe(0);
    expect(december.notes).toContainEqual({ section: "Impact at sale", item: "comparison period", kind: "MISSING", reason: "no sale recorded in the comparison period: the changes are against zero" });
    const january = (await staff.ok<any>(NOTES, { o: org.id, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" })).impactReport;
    expect(january.previousImpactAtSale.sales).toBe(1);
    expect(january.notes.filter((n: any) => n.item === "comparison period")).toEqual([]);
  });

  it("refuses a funder another organization's report, and a field partner every report", async () => {
    const other = await createOrg(app, "Not funded");
    const denied = await funder.gql(REPORT, { o: other.id });
    expect(denied.errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN", field: "organizationId" });
    const partner = (await app.ok<any>(`mutation($o: ID!) { createPartner(input: { organizationId: $o, name: "P", kind: FIELD_PARTNER }) { id } }`, { o: org.id })).createPartner.id;
    const field = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId: partner }]));
    expect((await field.gql(REPORT, { o: org.id })).errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const narrative = await funder.gql(`mutation($i: SetReportNarrativeInput!) { setReportNarrative(input: $i) { version } }`, {
      i: { organizationId: org.id, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", text: "x" },
    });
    expect(narrative.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });
});
