import { perturb } from "../../src/common/perturbation";
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
    // FEMALE 4 < 10: hidden; MALE 12 hidden too, or 16 - 12 would give 4 back. The total stays,
    // adjusted (the cell-key method) by the record keys of the 16, the organization's only stakeholders.
    const [{ keys }] = await app.db.query(`SELECT sum(record_key) AS keys FROM stakeholders WHERE organization_id = $1`, [org.id]);
    const shown16 = perturb(16, keys, 2);
    expect(gender).toEqual({
      dimension: "GENDER",
      total: shown16,
      cells: [
        { value: "FEMALE", count: null, suppressed: true },
        { value: "MALE", count: null, suppressed: true },
      ],
    });
    // Region: all 16 in the North, the same people as the total: the same cell key, the same figure.
    expect(r.disaggregations.find((d: any) => d.dimension === "REGION")).toEqual({ dimension: "REGION", total: shown16, cells: [{ value: "North", count: shown16, suppressed: false }] });
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

  it("words a hidden loop rate by its cause: due hidden, or closedOnTime hidden with due shown", async () => {
    // Same actions as above. January: due 14 shown, closedOnTime 11 hidden (with 2 + 1): the rate
    // 11 / 14 would give 11 back. February: the one action due (not closed) is below 10, so due
    // is hidden, and the rate with it.
    const NOTES = `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactReport(organizationId: $o, from: $from, to: $to) { loops { due onTimeRate } notes { section item kind reason } } }`;
    const loopNotes = (r: any) => r.impactReport.notes.filter((n: any) => n.item.startsWith("loops:")).map((n: any) => [n.item, n.reason]);
    const january = await funder.ok<any>(NOTES, { o: org.id, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" });
    expect(january.impactReport.loops).toEqual({ due: 14, onTimeRate: null });
    expect(loopNotes(january)).toEqual([
      ["loops: closedOnTime", "fewer than 10 actions, or would reveal such a count"],
      ["loops: closedLate", "fewer than 10 actions, or would reveal such a count"],
      ["loops: notClosed", "fewer than 10 actions, or would reveal such a count"],
      ["loops: onTimeRate", "hidden with closedOnTime: with due shown, the rate would give closedOnTime back"],
    ]);
    const february = await funder.ok<any>(NOTES, { o: org.id, from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z" });
    expect(february.impactReport.loops).toEqual({ due: null, onTimeRate: null });
    expect(loopNotes(february)).toEqual([
      ["loops: due", "fewer than 10 actions, or would reveal such a count"],
      ["loops: notClosed", "fewer than 10 actions, or would reveal such a count"],
      ["loops: onTimeRate", "hidden with due (fewer than 10 actions were due, or the number would reveal such a count)"],
    ]);
  });

  describe("loops per owner (actionSummary) and for the organization (impactReport) in one request", () => {
    const BOTH = `query($o: ID!) {
      impactReport(organizationId: $o, from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z") { loops { due closedOnTime closedLate notClosed onTimeRate } }
      actionSummary(organizationId: $o, from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z") {
        owners { owner { name } open overdue closedOnTime closedLate notClosed onTimeRate suppressed } }
    }`;
    /** A new organization with actions due on March 10, 2026: per owner, [on time, late, not closed (left OPEN, so overdue)]. */
    const orgWith = async (name: string, loops: Record<string, [number, number, number]>) => {
      const o = await createOrg(app, name);
      for (const [area, [onTime, late, notClosed]] of Object.entries(loops)) {
        await app.db.query(
          `INSERT INTO actions (organization_id, title, owner_area_id, due_at, loop_closed_at, loop_message, status)
           SELECT $1, 'Follow up ' || g, $2, timestamptz '2026-03-10',
                  CASE WHEN g <= $3::int THEN timestamptz '2026-03-09' WHEN g <= $3::int + $4::int THEN timestamptz '2026-03-12' END,
                  CASE WHEN g <= $3::int + $4::int THEN 'Called back' END,
                  CASE WHEN g <= $3::int + $4::int THEN 'DONE' ELSE 'OPEN' END::action_status
             FROM generate_series(1, $3::int + $4::int + $5::int) g`,
          [o.id, o.areas[area], onTime, late, notClosed],
        );
      }
      return { id: o.id, funder: app.as(await app.issue("FUNDER", [{ organizationId: o.id, role: "FUNDER" }])) };
    };

    it("hides an owner's count that the organization's total would give back (A 20/10/10, B 3/0/0)", async () => {
      // k = 10. Operations (A): 20 on time, 10 late, 10 not closed (open and overdue 10); Sales (B): 3 on time.
      const o = await orgWith("Loops A B", { Operations: [20, 10, 10], Sales: [3, 0, 0] });
      // Staff: A 20 / 40 = 50 %, B 3 / 3 = 100 %; the organization 23 + 10 + 10 = 43, 23 / 43 = 53.49 %.
      const mine = await app.ok<any>(BOTH, { o: o.id });
      expect(mine.impactReport.loops).toEqual({ due: 43, closedOnTime: 23, closedLate: 10, notClosed: 10, onTimeRate: 53.49 });
      expect(mine.actionSummary.owners.map((x: any) => [x.owner.name, x.closedOnTime, x.closedLate, x.notClosed, x.onTimeRate])).toEqual([
        ["Operations", 20, 10, 10, 50],
        ["Sales", 3, 0, 0, 100],
      ]);
      // Funder. Loops as a table, owners x (on time, late, not closed), with row totals (each owner's
      // due: its rate and closedOnTime give it back) and column totals (the report):
      //            on time  late  not closed | due
      //   A             20    10          10 |  40
      //   B              3     0           0 |   3
      //   report        23    10          10 |  43
      // Below 10: B's 3 and B's due 3. Column "on time": 23 - 20 would give B's 3 -> A's 20 hidden
      // too (hidden 3 + 20 = 23 >= 10). Column "due": 43 - 40 would give B's 3 -> A's due 40 hidden
      // too, and A's rate with it (20 / 40 with 40 hidden). Every row and column now has 0 or at
      // least 2 hidden cells adding up to 10 or more, and the hidden cells A-on time, B-on time,
      // B-due, A-due form a cycle: A's and B's on time are known only to add up to 23.
      // The report's row has nothing below 10: 23 / 10 / 10, due 43, rate 23 / 43 = 53.49.
      // Open: A 10 (all overdue), B 0, organization 10: nothing below 10.
      const theirs = await o.funder.ok<any>(BOTH, { o: o.id });
      expect(theirs.impactReport.loops).toEqual({ due: 43, closedOnTime: 23, closedLate: 10, notClosed: 10, onTimeRate: 53.49 });
      expect(theirs.actionSummary.owners).toEqual([
        { owner: { name: "Operations" }, open: 10, overdue: 10, closedOnTime: null, closedLate: 10, notClosed: 10, onTimeRate: null, suppressed: ["closedOnTime", "onTimeRate"] },
        { owner: { name: "Sales" }, open: 0, overdue: 0, closedOnTime: null, closedLate: 0, notClosed: 0, onTimeRate: null, suppressed: ["closedOnTime", "onTimeRate"] },
      ]);
    });

    it("shows everything when no count is 1..9, per owner or for the organization", async () => {
      // Operations 20 / 10 / 10 (open and overdue 10), due 40, 50 %; Sales 15 / 10 / 0, due 25,
      // 15 / 25 = 60 %; the organization 35 / 20 / 10, due 65, 35 / 65 = 53.85 %. Every count is 0
      // or at least 10, and so is every rate's remainder (20, 10, 30): nothing hidden.
      const o = await orgWith("Loops all shown", { Operations: [20, 10, 10], Sales: [15, 10, 0] });
      const theirs = await o.funder.ok<any>(BOTH, { o: o.id });
      expect(theirs.impactReport.loops).toEqual({ due: 65, closedOnTime: 35, closedLate: 20, notClosed: 10, onTimeRate: 53.85 });
      expect(theirs.actionSummary.owners).toEqual([
        { owner: { name: "Operations" }, open: 10, overdue: 10, closedOnTime: 20, closedLate: 10, notClosed: 10, onTimeRate: 50, suppressed: [] },
        { owner: { name: "Sales" }, open: 0, overdue: 0, closedOnTime: 15, closedLate: 10, notClosed: 0, onTimeRate: 60, suppressed: [] },
      ]);
      expect(theirs).toEqual(await app.ok<any>(BOTH, { o: o.id }));
    });
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
