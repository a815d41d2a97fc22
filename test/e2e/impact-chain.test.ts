import { Caller, startTestApp, TestApp } from "../helpers/app";
import { createOrg, move, OrgFixture } from "../helpers/fixtures";
import { perturb } from "../../src/common/perturbation";

/**
 * impactChain (issue 14, item 5) on an organization made through the API, every figure worked out
 * by hand below.
 *
 * The programme "School shoes" (unit: pair of shoes) is funded by the offering "Shoe pair": every sale
 * of 2 pairs (2,000.00 KES) gives 2 pairs and a fixed 100.00 KES. In March 2026:
 * - 10 sales: revenue 10 × 2,000.00 = 20,000.00; contribution 10 × 100.00 = 1,000.00 (5.0 % of revenue);
 *   units funded 10 × 2 = 20 (0.02 pairs per KES: 1,000.00 / 20 = 50.00 KES contributed per pair).
 * - Deliveries: 1 pair to each of 12 children by name, and 8 pairs at a school reaching 40 children:
 *   20 delivered (1 per pair funded; backlog 0); reached 12 + 40 = 52 (2.6 people per pair).
 * - Of the 12 children, 9 enter the stage "Uses" (IN_USE) in March: 9 in use (75.0 % of the 12 reached by name).
 * - 6 of the 9 answer the NPS question in March: 10, 9, 9, 8, 6, 3: 3 promoters, 1 passive, 2 detractors,
 *   NPS (3 − 2) / 6 = 16.67, the feedback score (16.67 + 100) / 2 = 58.33; 6 of 9 = 66.7 %.
 * Around it, what must not count: a child not in use who answered (not in the chain: not in use), a sale
 * and a delivery in April (outside the period), a sale of an offering funding nothing.
 */
describe("impactChain", () => {
  let app: TestApp;
  let org: OrgFixture;
  let shoes: string;
  let funder: Caller;
  let fieldPartner: Caller;
  let saleIds: Record<string, string> = {};
  const MARCH = { from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z" };
  const CHAIN = `query($o: ID!, $p: ID, $from: DateTimeISO, $to: DateTimeISO) { impactChain(organizationId: $o, programmeId: $p, from: $from, to: $to) {
    suppression { applied threshold perturbationMaximum }
    chains { programme { name } backlog experience { score nps answers suppressed }
      steps { kind label unit value money { amount } conversionOf conversion conversionText suppressed } } } }`;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Chain Org", "CUSTOMER_FUNDS_BENEFICIARY");
    const gql = <T>(q: string, i: unknown) => app.ok<T>(q, { i });
    const partner = (await gql<any>(`mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }`, { organizationId: org.id, name: "Shule Bora", kind: "FIELD_PARTNER" })).createPartner.id;
    shoes = (
      await gql<any>(`mutation($i: CreateProgrammeInput!) { createProgramme(input: $i) { id } }`, {
        organizationId: org.id, name: "School shoes", unitOfDelivery: "pair of shoes", beneficiariesPerUnit: "1", partnerIds: [partner], activeFrom: "2026-01-01T00:00:00Z",
      })
    ).createProgramme.id;
    const offering = (await gql<any>(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { organizationId: org.id, name: "Shoe pair", unitsGivenPerUnit: "1", fixedAmountPerSaleMinor: 10000, programmeId: shoes })).createOffering.id;
    const plain = (await gql<any>(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { organizationId: org.id, name: "Socks" })).createOffering.id;
    const sales = [
      ...Array.from({ length: 10 }, (_, n) => ({ clientKey: `s${n}`, offeringId: offering, occurredAt: `2026-03-0${1 + (n % 9)}T09:00:00Z`, units: 2, amountMinor: 200000 })),
      { clientKey: "april", offeringId: offering, occurredAt: "2026-04-02T09:00:00Z", units: 2, amountMinor: 200000 },
      { clientKey: "socks", offeringId: plain, occurredAt: "2026-03-05T09:00:00Z", units: 1, amountMinor: 50000 },
      { clientKey: "waiting", offeringId: offering, occurredAt: "2026-04-10T09:00:00Z", units: 2, amountMinor: 200000 },
    ];
    const sold = await gql<any>(`mutation($i: RecordSalesInput!) { recordSales(input: $i) { created items { clientKey id } } }`, { organizationId: org.id, items: sales });
    expect(sold.recordSales.created).toBe(13);
    saleIds = Object.fromEntries(sold.recordSales.items.map((i: any) => [i.clientKey, i.id]));
    const children: string[] = [];
    for (let n = 0; n < 13; n++) children.push((await gql<any>(`mutation($i: CreateStakeholderInput!) { createStakeholder(input: $i) { id } }`, { organizationId: org.id, kind: "BENEFICIARY", externalRef: `CHILD-${n}` })).createStakeholder.id);
    const deliveries = [
      // Child n at 08:0n: one after the other (the first-in, first-out order of the trace below).
      ...children.slice(0, 12).map((c, n) => ({ clientKey: `d${n}`, programmeId: shoes, deliveredAt: `2026-03-20T08:${String(n).padStart(2, "0")}:00Z`, units: 1, beneficiaryId: c })),
      { clientKey: "school", programmeId: shoes, deliveredAt: "2026-03-21T08:00:00Z", units: 8, site: { name: "Mji School", peopleReached: 40 } },
      { clientKey: "april", programmeId: shoes, deliveredAt: "2026-04-03T08:00:00Z", units: 2, beneficiaryId: children[12] },
    ];
    expect((await gql<any>(`mutation($i: RecordDeliveriesInput!) { recordDeliveries(input: $i) { created } }`, { organizationId: org.id, items: deliveries })).recordDeliveries.created).toBe(14);
    for (const c of children.slice(0, 9)) await move(app, c, org.beneficiaryStages.Uses, "2026-03-22T10:00:00Z");
    // Child 9 moved into use only in April: not in use in March.
    await move(app, children[9], org.beneficiaryStages.Uses, "2026-04-05T10:00:00Z");
    const survey = (await gql<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, { organizationId: org.id, name: "Shoes NPS", audience: "BENEFICIARY", questions: [{ key: "nps", type: "NPS", text: "Recommend?" }] })).createSurvey.id;
    const scores = [10, 9, 9, 8, 6, 3];
    const items = [
      ...scores.map((score, n) => ({ clientSubmissionId: `f${n}`, surveyId: survey, stakeholderId: children[n], collectedAt: "2026-03-25T10:00:00Z", answers: [{ key: "nps", value: score }] })),
      // Child 10 answered but is not in use; child 0 answered again in April: neither counts.
      { clientSubmissionId: "f-not-in-use", surveyId: survey, stakeholderId: children[10], collectedAt: "2026-03-25T10:00:00Z", answers: [{ key: "nps", value: 0 }] },
      { clientSubmissionId: "f-april", surveyId: survey, stakeholderId: children[0], collectedAt: "2026-04-25T10:00:00Z", answers: [{ key: "nps", value: 0 }] },
    ];
    expect((await gql<any>(`mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created } }`, { organizationId: org.id, items })).submitFeedback.created).toBe(8);
    // The outcome: school days missed a month (lower is better), asked of children 0..5 in February (baseline) and of
    // children 0..3 again on March 28 (they gave feedback in March already, so the feedback step stays 6).
    const attendance = (
      await gql<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
        organizationId: org.id, name: "Attendance", audience: "BENEFICIARY", questions: [{ key: "missed", type: "NUMBER", text: "School days missed last month?", unit: "days", min: "0", max: "31" }],
      })
    ).createSurvey.id;
    const missed = (await gql<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, {
      organizationId: org.id, name: "School days missed", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", impactMode: "IN_USE", unit: "DAYS", aggregation: "AVERAGE", direction: "LOWER_IS_BETTER",
    })).createMetric.id;
    await gql(`mutation($i: LinkMetricToQuestionInput!) { linkMetricToQuestion(input: $i) { id } }`, { metricId: missed, surveyId: attendance, questionKey: "missed" });
    const attendanceItems = [
      ...[6, 5, 4, 8, 3, 2].map((v, n) => ({ clientSubmissionId: `a-feb-${n}`, surveyId: attendance, stakeholderId: children[n], collectedAt: "2026-02-15T10:00:00Z", answers: [{ key: "missed", value: v }] })),
      ...[2, 5, 1, 9].map((v, n) => ({ clientSubmissionId: `a-mar-${n}`, surveyId: attendance, stakeholderId: children[n], collectedAt: "2026-03-28T10:00:00Z", answers: [{ key: "missed", value: v }] })),
    ];
    expect((await gql<any>(`mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created } }`, { organizationId: org.id, items: attendanceItems })).submitFeedback.created).toBe(10);
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }], "funder"));
    fieldPartner = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId: partner }], "fp"));
  });
  afterAll(() => app.close());

  const stepsOf = (chain: any) => Object.fromEntries(chain.steps.map((s: any) => [s.kind, s]));

  it("gives staff every step with its conversion, worked out by hand", async () => {
    const r = await app.ok<any>(CHAIN, { o: org.id, p: shoes, ...MARCH });
    const [chain] = r.impactChain.chains;
    expect(r.impactChain.suppression).toMatchObject({ applied: false });
    expect(chain.programme.name).toBe("School shoes");
    expect(chain.steps.map((s: any) => s.kind)).toEqual([
      "REVENUE", "CONTRIBUTION", "UNITS_FUNDED", "UNITS_DELIVERED", "BENEFICIARIES_REACHED", "BENEFICIARIES_IN_USE", "BENEFICIARIES_WITH_FEEDBACK", "OUTCOME_MEASURED", "OUTCOME_IMPROVED",
    ]);
    const s = stepsOf(chain);
    expect(s.REVENUE).toMatchObject({ value: "20000", money: { amount: "20000.00" }, unit: "KES", conversion: null, conversionOf: null });
    expect(s.CONTRIBUTION).toMatchObject({ value: "1000", money: { amount: "1000.00" }, conversionOf: "REVENUE", conversion: 0.05, conversionText: "5.0 % of revenue" });
    expect(s.UNITS_FUNDED).toMatchObject({ value: "20", unit: "pair of shoes", conversion: 0.02, conversionText: "50.00 KES contributed per pair of shoes funded" });
    expect(s.UNITS_DELIVERED).toMatchObject({ value: "20", conversion: 1 });
    expect(chain.backlog).toBe("0");
    expect(s.BENEFICIARIES_REACHED).toMatchObject({ value: "52", unit: "people", conversion: 2.6 });
    expect(s.BENEFICIARIES_IN_USE).toMatchObject({ value: "9", conversion: 0.75, conversionText: "75.0 % of the 12 reached by name" });
    expect(s.BENEFICIARIES_WITH_FEEDBACK).toMatchObject({ value: "6", conversion: 0.6667, conversionText: "66.7 % of those in use" });
    expect(chain.experience).toEqual({ score: 58.33, nps: 16.67, answers: 6, suppressed: false });
    // Outcome: of the 6 with feedback, children 0..3 have a baseline (February) and a follow-up (March 28): 4 measured
    // (66.7 %); 6 → 2 and 4 → 1 improved, 5 → 5 the same, 8 → 9 worse: 2 improved (50.0 % of those measured).
    expect(s.OUTCOME_MEASURED).toMatchObject({ label: "School days missed: baseline and follow-up", value: "4", conversionOf: "BENEFICIARIES_WITH_FEEDBACK", conversion: 0.6667, conversionText: "66.7 % of those who gave feedback" });
    expect(s.OUTCOME_IMPROVED).toMatchObject({ label: "School days missed: improved", value: "2", conversionOf: "OUTCOME_MEASURED", conversion: 0.5 });
  });

  it("gives one chain per programme without programmeId; an empty programme has zeros and no conversions", async () => {
    await app.ok(`mutation($i: CreateProgrammeInput!) { createProgramme(input: $i) { id } }`, { i: { organizationId: org.id, name: "Study lamps", activeFrom: "2026-01-01T00:00:00Z" } });
    const r = await app.ok<any>(CHAIN, { o: org.id, ...MARCH });
    expect(r.impactChain.chains.map((c: any) => c.programme.name)).toEqual(["School shoes", "Study lamps"]);
    const lamps = stepsOf(r.impactChain.chains[1]);
    // Nobody gave feedback: the outcome steps are there, empty.
    expect(lamps.OUTCOME_MEASURED).toMatchObject({ value: "0", conversion: null });
    expect(lamps.REVENUE.value).toBe("0");
    expect(lamps.UNITS_FUNDED).toMatchObject({ value: "0", unit: "unit", conversion: null });
    expect(lamps.BENEFICIARIES_IN_USE).toMatchObject({ value: "0", conversion: null });
    expect(r.impactChain.chains[1].experience).toEqual({ score: null, nps: null, answers: 0, suppressed: false });
  });

  it("hides from a funder every step of fewer than 10 people (and the conversions over it), adjusts the rest", async () => {
    const r = await funder.ok<any>(CHAIN, { o: org.id, p: shoes, ...MARCH });
    expect(r.impactChain.suppression).toEqual({ applied: true, threshold: 10, perturbationMaximum: 2 });
    const [chain] = r.impactChain.chains;
    const s = stepsOf(chain);
    // Money and units are not counts of people: as staff see them.
    expect(s.CONTRIBUTION).toMatchObject({ value: "1000", conversion: 0.05 });
    // 52 reached: shown, adjusted by its own records (the 12 children's keys and the school delivery's); the 20 pairs
    // delivered by the same records' keys (units are often people one for one: the same count, the same figure).
    const [{ k }] = await app.db.query(
      `SELECT ((SELECT sum(record_key) FROM stakeholders WHERE organization_id = $1 AND external_ref = ANY($2))
             + (SELECT sum(record_key) FROM deliveries WHERE organization_id = $1 AND client_key = 'school'))::text AS k`,
      [org.id, Array.from({ length: 12 }, (_, n) => `CHILD-${n}`)],
    );
    const delivered = perturb(20, k, 2);
    expect(s.UNITS_DELIVERED).toMatchObject({ value: String(delivered), conversion: Math.round((delivered / 20) * 10000) / 10000 });
    const reached = Number(s.BENEFICIARIES_REACHED.value);
    expect(reached).toBe(perturb(52, k, 2));
    expect(s.BENEFICIARIES_REACHED.conversion).toBe(Math.round((reached / delivered) * 10000) / 10000);
    // 9 in use and 6 with feedback: below 10, hidden with their conversions and the experience.
    expect(s.BENEFICIARIES_IN_USE).toMatchObject({ value: null, suppressed: true, conversion: null, conversionText: null });
    expect(s.BENEFICIARIES_WITH_FEEDBACK).toMatchObject({ value: null, suppressed: true, conversion: null });
    expect(chain.experience).toEqual({ score: null, nps: null, answers: null, suppressed: true });
    expect(s.OUTCOME_MEASURED).toMatchObject({ value: null, suppressed: true, conversion: null });
    expect(s.OUTCOME_IMPROVED).toMatchObject({ value: null, suppressed: true, conversion: null });
    // The same answer every time.
    expect(await funder.ok<any>(CHAIN, { o: org.id, p: shoes, ...MARCH })).toEqual(r);
  });

  it("adjusts a shown people step by its people's record keys, and takes the conversion from the adjusted count", async () => {
    // Lower the threshold to 5: the 9 in use and the 6 with feedback are shown to the funder, adjusted.
    await app.ok(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { id } }`, { i: { id: org.id, suppressionThreshold: 5 } });
    try {
      const [keys] = await app.db.query(
        `SELECT (SELECT sum(record_key) FROM stakeholders WHERE organization_id = $1 AND external_ref = ANY($2)) AS in_use,
                (SELECT sum(record_key) FROM stakeholders WHERE organization_id = $1 AND external_ref = ANY($3)) AS answered`,
        [org.id, Array.from({ length: 9 }, (_, n) => `CHILD-${n}`), Array.from({ length: 6 }, (_, n) => `CHILD-${n}`)],
      );
      const s = stepsOf((await funder.ok<any>(CHAIN, { o: org.id, p: shoes, ...MARCH })).impactChain.chains[0]);
      const inUse = perturb(9, keys.in_use, 2);
      const answered = perturb(6, keys.answered, 2);
      expect(s.BENEFICIARIES_IN_USE.value).toBe(String(inUse));
      expect(s.BENEFICIARIES_WITH_FEEDBACK).toMatchObject({ value: String(answered), conversion: Math.round((answered / inUse) * 10000) / 10000 });
    } finally {
      await app.ok(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { id } }`, { i: { id: org.id, suppressionThreshold: 10 } });
    }
  });

  describe("traceSale", () => {
    const TRACE = `query($s: ID!) { traceSale(saleId: $s) { sale { id occurredAt } programme { name } unitsFunded unitsDelivered unitsWaiting allocationsTruncated
      allocations { units days people delivery { clientKey siteName beneficiary { externalRef } } } people { reachedByName atSites inUseNow gaveFeedback nps outcomes { name measured improved } } } }`;
    const trace = async (key: string) => (await app.ok<any>(TRACE, { s: saleIds[key] })).traceSale;

    // First-in, first-out over the programme's sales (by time: s0 and s9 on March 1, then s1 on the 2nd, …, s8 on the 9th,
    // the April sale, the one of April 10) against its deliveries (children 0..11 at 08:00..08:11 on March 20, the school's
    // 8 pairs on the 21st, child 12's 2 pairs on April 3): units [0, 4) are March 1's, [4, 6) s1's, …, [18, 20) s8's,
    // [20, 22) the April sale's, [22, 24) April 10's; deliveries: [0, 12) the children, [12, 20) the school, [20, 22) child 12.
    it("s1's 2 pairs went to children 4 and 5 on March 20, 17.96 days after the sale; both in use, both detractors at their latest answer", async () => {
      const t = await trace("s1");
      expect(t).toMatchObject({ programme: { name: "School shoes" }, unitsFunded: "2", unitsDelivered: "2", unitsWaiting: "0", allocationsTruncated: false });
      // March 20 08:04 − March 2 09:00 = 17 days 23 h 4 min = 17.96 days (08:05: 17.96 too).
      expect(t.allocations).toEqual([
        { units: "1", days: 17.96, people: "1", delivery: { clientKey: "d4", siteName: null, beneficiary: { externalRef: "CHILD-4" } } },
        { units: "1", days: 17.96, people: "1", delivery: { clientKey: "d5", siteName: null, beneficiary: { externalRef: "CHILD-5" } } },
      ]);
      // Their answers (6 and 3, on March 25, after the delivery): 2 detractors, NPS −100.
      // Children 4 and 5 answered the attendance question in February only: no follow-up.
      expect(t.people).toEqual({ reachedByName: 2, atSites: "0", inUseNow: 2, gaveFeedback: 2, nps: -100, outcomes: [{ name: "School days missed", measured: 0, improved: 0 }] });
    });

    it("s0's 2 pairs went to two of children 0..3 (s0 and s9 share March 1, their order is their ids'): either pair has one who improved", async () => {
      // Children 0 and 1: 6 → 2 improved, 5 → 5 the same; children 2 and 3: 4 → 1 improved, 8 → 9 worse.
      expect((await trace("s0")).people.outcomes).toEqual([{ name: "School days missed", measured: 2, improved: 1 }]);
    });

    it("s8's 2 pairs are 2 of the school's 8: 40 × 2 / 8 = 10 children at the site, 11.96 days after the sale", async () => {
      const t = await trace("s8");
      // March 21 08:00 − March 9 09:00 = 11 days 23 h = 11.96 days.
      expect(t.allocations).toEqual([{ units: "2", days: 11.96, people: "10", delivery: { clientKey: "school", siteName: "Mji School", beneficiary: null } }]);
      expect(t.people).toEqual({ reachedByName: 0, atSites: "10", inUseNow: 0, gaveFeedback: 0, nps: null, outcomes: [{ name: "School days missed", measured: 0, improved: 0 }] });
    });

    it("April 10's sale is waiting (nothing delivered after it); a sale of an offering that funds nothing has no programme", async () => {
      expect(await trace("waiting")).toMatchObject({ unitsFunded: "2", unitsDelivered: "0", unitsWaiting: "2", allocations: [], people: { reachedByName: 0 } });
      // April 2's sale: child 12's 2 pairs the next day (23 h = 0.96 days); child 12 is in no stage and never answered.
      expect(await trace("april")).toMatchObject({ unitsDelivered: "2", allocations: [{ units: "2", days: 0.96, people: "1" }], people: { reachedByName: 1, inUseNow: 0, gaveFeedback: 0, nps: null } });
      expect(await trace("socks")).toMatchObject({ programme: null, unitsFunded: "0", unitsDelivered: "0", unitsWaiting: "0", allocations: [] });
    });

    it("is for staff: funders and field partners are refused; another organization's sale is not found", async () => {
      expect((await funder.gql<any>(TRACE, { s: saleIds.s1 })).errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN", field: "saleId" });
      expect((await fieldPartner.gql<any>(TRACE, { s: saleIds.s1 })).errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN", field: "saleId" });
      const other = await createOrg(app, "Trace other org");
      const offering = (await app.ok<any>(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { i: { organizationId: other.id, name: "Theirs" } })).createOffering.id;
      const theirs = (await app.ok<any>(`mutation($i: RecordSalesInput!) { recordSales(input: $i) { items { id } } }`, { i: { organizationId: other.id, items: [{ offeringId: offering, occurredAt: "2026-03-01T00:00:00Z", units: 1, amountMinor: 100 }] } })).recordSales.items[0].id;
      const staffOfOrg = app.as(await app.issue("MEMBER", [{ organizationId: org.id, role: "STAFF" }], "staff"));
      expect((await staffOfOrg.gql<any>(TRACE, { s: theirs })).errors?.[0].extensions).toMatchObject({ code: "NOT_FOUND", field: "saleId" });
      expect((await app.gql<any>(TRACE, { s: "sal_nonsense" })).errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "saleId" });
    });
  });

  it("refuses field partners, bad periods, and programmes of other organizations as missing", async () => {
    const fp = await fieldPartner.gql<any>(CHAIN, { o: org.id, ...MARCH });
    expect(fp.errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN" });
    const backwards = await app.gql<any>(CHAIN, { o: org.id, from: MARCH.to, to: MARCH.from });
    expect(backwards.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const other = await createOrg(app, "Other chain org");
    const theirs = (await app.ok<any>(`mutation($i: CreateProgrammeInput!) { createProgramme(input: $i) { id } }`, { i: { organizationId: other.id, name: "Theirs", activeFrom: "2026-01-01T00:00:00Z" } })).createProgramme.id;
    const r = await app.gql<any>(CHAIN, { o: org.id, p: theirs, ...MARCH });
    expect(r.errors?.[0].extensions).toMatchObject({ code: "NOT_FOUND", field: "programmeId" });
  });
});
