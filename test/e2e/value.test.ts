import { Caller, GqlResult, startTestApp, TestApp, unknownId } from "../helpers/app";
import { createOrg, createStakeholder, move, OrgFixture } from "../helpers/fixtures";

/**
 * What experience is worth (issue 16, items 1, 2 and 4): customer value by NPS class and QoE band
 * (revenue, purchases, repeat rate, average order value, retention, lifetime value, revenue at
 * risk), beneficiaries' retention to the outcome by experience, and whether closing the loop pays.
 * Every figure is worked out by hand below from data made through the API; the period is March
 * 2026, [2026-03-01, 2026-04-01). Wilson intervals (95 %, z = 1.959964):
 *   x/n = (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n), e.g. 4/7: p = 0.571429, z² = 3.841459,
 *   1 + z²/n = 1.548780, centre = (0.571429 + 0.274390) / 1.548780 = 0.546119,
 *   half = 1.959964 × sqrt(0.034985 + 0.019599) / 1.548780 = 0.295658 → [0.2505, 0.8418].
 */
describe("what experience is worth", () => {
  let app: TestApp;
  let org: OrgFixture;
  let loops: OrgFixture;
  let crowd: OrgFixture;
  let funder: Caller;
  let crowdFunder: Caller;
  let fieldPartner: Caller;

  const FROM = "2026-03-01T00:00:00Z";
  const TO = "2026-04-01T00:00:00Z";
  const SHARE = `{ count of value low high }`;
  const MONEY = `{ amountMinor }`;
  const GROUP = `{ npsClass qoeBand suppressed customers revenue ${MONEY} purchases purchasesPerCustomer repeatPurchase ${SHARE} averageOrderValue ${MONEY}
    retention ${SHARE} revenuePerCustomer ${MONEY} historicRevenuePerCustomer ${MONEY} projectedValuePerCustomer ${MONEY} lifetimeValue ${MONEY} }`;
  const CV = `query($o: ID!, $from: DateTimeISO, $to: DateTimeISO, $m: Float, $d: Float, $x: [ID!]) {
    customerValue(organizationId: $o, from: $from, to: $to, marginRate: $m, discountRate: $d, exitStageIds: $x) {
      marginRate discountRate formula total ${GROUP} byNpsClass ${GROUP} byQoeBand ${GROUP} revenueAtRisk ${MONEY} notes } }`;
  const BGROUP = `{ npsClass ratingBand suppressed beneficiaries reachedOutcome ${SHARE} exitedBeforeOutcome ${SHARE} }`;
  const BR = `query($o: ID!, $from: DateTimeISO, $to: DateTimeISO) { beneficiaryRetention(organizationId: $o, from: $from, to: $to) {
    outcomeStageName exitStageName total ${BGROUP} byNpsClass ${BGROUP} byRatingBand ${BGROUP} } }`;
  const LV = `query($o: ID!, $from: DateTimeISO, $to: DateTimeISO) { loopValue(organizationId: $o, from: $from, to: $to) {
    groups { loop suppressed detractors answeredAgain ${SHARE} nextPromoter ${SHARE} nextPassive ${SHARE} nextDetractor ${SHARE} nextNps repurchase ${SHARE} } } }`;
  const SUBMIT = `mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created rejected items { status id errors { field message } } } }`;

  const error = (r: GqlResult) => ({ code: r.errors?.[0]?.extensions?.code, field: r.errors?.[0]?.extensions?.field });
  const survey = async (organizationId: string, audience: string) =>
    (
      await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
        i: {
          organizationId,
          name: `${audience} survey`,
          audience,
          questions: [
            { key: "nps", type: "NPS", text: "Would you recommend us?" },
            { key: "sat", type: "RATING", text: "How satisfied are you?" },
          ],
        },
      })
    ).createSurvey.id as string;
  const offering = async (organizationId: string) =>
    (await app.ok<any>(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { i: { organizationId, name: "Lamp" } })).createOffering.id as string;
  let n = 0;
  /** Answers: [who, collectedAt, nps | null, rating | null]; returns the response ids. */
  const answer = async (organizationId: string, surveyId: string, items: [string, string, number | null, number | null][]) => {
    const r = await app.ok<any>(SUBMIT, {
      i: {
        organizationId,
        items: items.map(([stakeholderId, collectedAt, nps, sat]) => ({
          clientSubmissionId: `v-${++n}`,
          surveyId,
          stakeholderId,
          collectedAt,
          answers: [...(nps === null ? [] : [{ key: "nps", value: nps }]), ...(sat === null ? [] : [{ key: "sat", value: sat }])],
        })),
      },
    });
    expect(r.submitFeedback).toMatchObject({ created: items.length, rejected: 0 });
    return r.submitFeedback.items.map((i: any) => i.id as string);
  };
  /** Sales: [customer | null, occurredAt, amountMinor]. */
  const sell = async (organizationId: string, offeringId: string, items: [string | null, string, number][]) => {
    const r = await app.ok<any>(`mutation($i: RecordSalesInput!) { recordSales(input: $i) { created rejected } }`, {
      i: { organizationId, items: items.map(([customerId, occurredAt, amountMinor]) => ({ clientKey: `s-${++n}`, offeringId, customerId, occurredAt, units: 1, amountMinor })) },
    });
    expect(r.recordSales).toMatchObject({ created: items.length, rejected: 0 });
  };
  const customer = (o: OrgFixture, ref: string) => createStakeholder(app, { organizationId: o.id, kind: "CUSTOMER", externalRef: ref });
  const beneficiary = (o: OrgFixture, ref: string) => createStakeholder(app, { organizationId: o.id, kind: "BENEFICIARY", externalRef: ref });
  /** An action following up a response, opened before `collectedAt` (hand-made history), due at `due`, its loop closed at `closed`. */
  const followUp = async (o: OrgFixture, responseId: string, due: string, closed: string | null) => {
    const a = (
      await app.ok<any>(`mutation($i: CreateActionInput!) { createAction(input: $i) { id } }`, { i: { organizationId: o.id, title: "Call back", ownerAreaId: o.areas["Customer service"], dueAt: due, responseId } })
    ).createAction.id;
    await app.db.query(`UPDATE actions SET created_at = '2026-01-01T00:00:00Z' WHERE id = $1`, [a]);
    if (closed) await app.ok(`mutation($i: CloseLoopInput!) { closeLoop(input: $i) { id } }`, { i: { actionId: a, message: "We called back", channel: "PHONE", closedAt: closed } });
  };

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Value Org");
    loops = await createOrg(app, "Loop Org");
    crowd = await createOrg(app, "Crowd Org");
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }], "funder"));
    crowdFunder = app.as(await app.issue("FUNDER", [{ organizationId: crowd.id, role: "FUNDER" }], "crowd funder"));
    const partnerId = (await app.ok<any>(`mutation($o: ID!) { createPartner(input: { organizationId: $o, name: "NGO", kind: FIELD_PARTNER }) { id } }`, { o: org.id })).createPartner.id;
    fieldPartner = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId }], "fp"));

    // Customers of Value Org (exit stage: "Renew or exit", the customer lifecycle's last stage).
    const lamp = await offering(org.id);
    const cs = await survey(org.id, "CUSTOMER");
    const [c1, c2, c3, c4, c5, c6, c7, c8] = await Promise.all(["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"].map((r) => customer(org, r)));
    const exit = org.customerStages["Renew or exit"];
    const use = org.customerStages.Use;
    await sell(org.id, lamp, [
      [c1, "2026-01-15T10:00:00Z", 1000],
      [c1, "2026-03-05T10:00:00Z", 2000],
      [c1, "2026-03-20T10:00:00Z", 3000],
      [c2, "2026-03-10T10:00:00Z", 4000],
      [c3, "2026-02-01T10:00:00Z", 500],
      [c3, "2026-03-03T10:00:00Z", 1500],
      [c3, "2026-03-25T10:00:00Z", 1500],
      [c4, "2026-03-01T00:00:00Z", 2000], // at `from`: inside
      [c4, "2026-03-20T10:00:00Z", 1000],
      [c5, "2025-12-10T10:00:00Z", 2000],
      [c5, "2026-03-12T10:00:00Z", 1000],
      [c6, "2026-03-08T10:00:00Z", 1000],
      [c7, "2026-01-05T10:00:00Z", 800],
      [c6, "2026-04-01T00:00:00Z", 5000], // at `to`: outside, and not historic either
      [null, "2026-03-06T10:00:00Z", 9999], // no customer: in no group
    ]);
    await answer(org.id, cs, [
      [c1, "2026-02-10T10:00:00Z", 9, 5], // promoter, rating 5 -> 100 HIGH
      [c2, "2026-03-15T10:00:00Z", 10, 4], // promoter, 4 -> 75 HIGH
      [c3, "2026-03-02T10:00:00Z", 7, 3], // passive, 3 -> 50 MEDIUM
      [c4, "2026-03-04T10:00:00Z", 3, 2], // detractor, 2 -> 25 LOW
      [c4, "2026-04-05T10:00:00Z", 10, 5], // after `to`: ignored
      [c5, "2026-01-10T10:00:00Z", 9, 5], // earlier promoter, rating 5 -> 100
      [c5, "2026-02-20T10:00:00Z", 5, null], // latest NPS: detractor; no rating here, so the band is the January one: HIGH
      [c8, "2026-03-05T10:00:00Z", 10, 5], // C8 never bought: not a customer here
    ]);
    await move(app, c1, use, "2026-03-10T10:00:00Z");
    await move(app, c3, exit, "2026-03-28T10:00:00Z");
    await move(app, c4, exit, "2026-03-30T10:00:00Z");
    await move(app, c5, exit, "2026-02-01T10:00:00Z");
    await move(app, c5, use, "2026-03-15T10:00:00Z"); // came back: active at `to`
    await move(app, c7, exit, "2026-02-05T10:00:00Z");
    await move(app, c6, exit, "2026-04-02T10:00:00Z"); // after `to`: active at `to`

    // Beneficiaries of Value Org: outcome stage "Outcome", exit stage "Exit".
    const bs = await survey(org.id, "BENEFICIARY");
    const [b1, b2, b3, b4, b5, b6, b7, b8] = await Promise.all(["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8"].map((r) => beneficiary(org, r)));
    const outcome = org.beneficiaryStages.Outcome;
    const bexit = org.beneficiaryStages.Exit;
    await answer(org.id, bs, [
      [b1, "2026-03-01T10:00:00Z", 9, 5],
      [b2, "2026-02-01T10:00:00Z", 10, 4],
      [b3, "2026-03-02T10:00:00Z", 3, 1],
      [b4, "2026-03-03T10:00:00Z", 5, 2],
      [b4, "2026-03-14T10:00:00Z", 10, 5], // after B4 reached the outcome: not what it is grouped by
      [b6, "2026-01-10T10:00:00Z", 8, 4],
      [b7, "2026-03-01T10:00:00Z", 6, null],
    ]);
    await move(app, b1, outcome, "2026-03-10T10:00:00Z");
    await move(app, b2, outcome, "2026-03-15T10:00:00Z");
    await move(app, b3, bexit, "2026-03-20T10:00:00Z");
    await move(app, b4, outcome, "2026-03-12T10:00:00Z");
    await move(app, b5, bexit, "2026-03-05T10:00:00Z");
    await move(app, b6, outcome, "2026-02-10T10:00:00Z"); // reached before `from`: not in March
    await move(app, b6, bexit, "2026-03-20T10:00:00Z");
    await move(app, b7, bexit, "2026-03-08T10:00:00Z"); // exited first, came back later: exited before the outcome
    await move(app, b7, outcome, "2026-03-25T10:00:00Z");
    await move(app, b8, outcome, "2026-04-03T10:00:00Z"); // after `to`

    // Loop Org: customer detractors followed up, loops closed on time or not.
    const lamp2 = await offering(loops.id);
    const ls = await survey(loops.id, "CUSTOMER");
    const [l1, l2, l3, l4, l5, l6, l7] = await Promise.all(["L1", "L2", "L3", "L4", "L5", "L6", "L7"].map((r) => customer(loops, r)));
    const [r1, r2, r3, r4, r5, r6] = await answer(loops.id, ls, [
      [l1, "2026-03-02T10:00:00Z", 2, null],
      [l2, "2026-03-03T10:00:00Z", 4, null],
      [l3, "2026-03-05T10:00:00Z", 6, null],
      [l4, "2026-03-06T10:00:00Z", 0, null],
      [l5, "2026-03-28T10:00:00Z", 1, null],
      [l6, "2026-03-02T10:00:00Z", 9, null],
    ]);
    const [, , , l3Again] = await answer(loops.id, ls, [
      [l7, "2026-03-10T10:00:00Z", 3, null], // a detractor with no action: not a case
      [l1, "2026-03-20T10:00:00Z", 9, null], // L1's next: promoter
      [l2, "2026-03-22T10:00:00Z", 7, null], // L2's next: passive
      [l3, "2026-03-15T10:00:00Z", 3, null], // L3's next: detractor
      [l3, "2026-03-18T10:00:00Z", 10, null], // not the next one
    ]);
    await followUp(loops, r1, "2026-03-04T10:00:00Z", "2026-03-03T10:00:00Z"); // on time
    await followUp(loops, r2, "2026-03-05T10:00:00Z", "2026-03-05T10:00:00Z"); // on time (at the due date)
    await followUp(loops, r3, "2026-03-07T10:00:00Z", "2026-03-10T10:00:00Z"); // late
    await followUp(loops, r4, "2026-03-08T10:00:00Z", null); // never closed
    await followUp(loops, r5, "2026-04-05T10:00:00Z", null); // due after `to`: not a case
    await followUp(loops, r6, "2026-03-04T10:00:00Z", "2026-03-03T10:00:00Z"); // a promoter: not a case
    // L3's second detractor answer, followed up on time: L3 still counts once, by its first case (late).
    await followUp(loops, l3Again, "2026-03-17T10:00:00Z", "2026-03-16T10:00:00Z");
    await sell(loops.id, lamp2, [
      [l1, "2026-03-25T10:00:00Z", 1000], // after L1's answer: repurchase
      [l2, "2026-03-01T10:00:00Z", 1000], // before L2's answer: not a repurchase
      [l3, "2026-03-20T10:00:00Z", 1000], // repurchase
      [l4, "2026-04-02T10:00:00Z", 1000], // after `to`: not counted
    ]);

    // Crowd Org, threshold 5: 6 promoters, 5 passives, 2 detractors, all buying once in March.
    await app.ok(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { id } }`, { i: { id: crowd.id, suppressionThreshold: 5 } });
    const lamp3 = await offering(crowd.id);
    const cr = await survey(crowd.id, "CUSTOMER");
    const people = await Promise.all(Array.from({ length: 13 }, (_, i) => customer(crowd, `P${i}`)));
    await sell(crowd.id, lamp3, people.map((p) => [p, "2026-03-10T10:00:00Z", 1000] as [string, string, number]));
    await answer(crowd.id, cr, people.map((p, i) => [p, "2026-03-05T10:00:00Z", i < 6 ? 10 : i < 11 ? 8 : 2, null] as [string, string, number, null]));
  }, 120_000);
  afterAll(() => app.close());

  const cv = async (by: Caller, o: string, extra: Record<string, unknown> = {}) => (await by.ok<any>(CV, { o, from: FROM, to: TO, ...extra })).customerValue;
  const money = (m: number | null) => (m === null ? null : { amountMinor: m });
  const s = (count: number, of: number, value: number, low: number, high: number) => ({ count, of, value, low, high });

  it("customer value by NPS class: counts, revenue, purchases, repeat rate, order value, retention and lifetime value worked out by hand", async () => {
    const r = await cv(app, org.id);
    expect(r).toMatchObject({ marginRate: 0.3, discountRate: 0.1 });
    expect(r.formula).toContain("marginRate × revenue per customer");
    const [prom, pass, det, none] = r.byNpsClass;
    // Customers: C1..C7 (a purchase before April 1); C8 never bought. NPS class at the latest NPS answer before April 1:
    // promoters C1 (9), C2 (10); passive C3 (7); detractors C4 (3; its 10 of April 5 is after `to`), C5 (5 on Feb 20, after its 9 of Jan 10);
    // never asked C6, C7. Active at April 1 (not in "Renew or exit"): C1 (Use), C2 (never moved), C5 (back in Use), C6 (exits on April 2).
    //
    // Promoters: revenue 2000 + 3000 (C1) + 4000 (C2) = 9000 in 3 purchases; 1.5 per customer; repeat (2+ purchases
    // in March): C1 -> 1/2; order value 9000 / 3 = 3000; retention 2/2; revenue per customer 4500; historic
    // (1000 + 2000 + 3000 + 4000) / 2 = 5000; projection 0.3 × 4500 × 1 / (1 + 0.1 − 1) = 13500; lifetime value 18500.
    expect(prom).toEqual({
      npsClass: "PROMOTER", qoeBand: null, suppressed: false, customers: 2, revenue: money(9000), purchases: 3, purchasesPerCustomer: 1.5,
      repeatPurchase: s(1, 2, 0.5, 0.0945, 0.9055), averageOrderValue: money(3000), retention: s(2, 2, 1, 0.3424, 1),
      revenuePerCustomer: money(4500), historicRevenuePerCustomer: money(5000), projectedValuePerCustomer: money(13500), lifetimeValue: money(18500),
    });
    // Passive C3: 1500 + 1500 = 3000 in 2 purchases; repeat 1/1; order value 1500; exited on March 28: retention 0/1;
    // historic 500 + 3000 = 3500; projection 0.3 × 3000 × 0 / 1.1 = 0; lifetime value 3500.
    expect(pass).toEqual({
      npsClass: "PASSIVE", qoeBand: null, suppressed: false, customers: 1, revenue: money(3000), purchases: 2, purchasesPerCustomer: 2,
      repeatPurchase: s(1, 1, 1, 0.2065, 1), averageOrderValue: money(1500), retention: s(0, 1, 0, 0, 0.7935),
      revenuePerCustomer: money(3000), historicRevenuePerCustomer: money(3500), projectedValuePerCustomer: money(0), lifetimeValue: money(3500),
    });
    // Detractors C4 (2000 + 1000, exited) and C5 (1000, active): 4000 in 3 purchases; repeat C4 -> 1/2; order value
    // 4000 / 3 = 1333.33 -> 1333; retention 1/2; revenue per customer 2000; historic (3000 + 2000 + 1000) / 2 = 3000;
    // projection 0.3 × 2000 × 0.5 / (1.1 − 0.5) = 300 / 0.6 = 500; lifetime value 3500.
    expect(det).toEqual({
      npsClass: "DETRACTOR", qoeBand: null, suppressed: false, customers: 2, revenue: money(4000), purchases: 3, purchasesPerCustomer: 1.5,
      repeatPurchase: s(1, 2, 0.5, 0.0945, 0.9055), averageOrderValue: money(1333), retention: s(1, 2, 0.5, 0.0945, 0.9055),
      revenuePerCustomer: money(2000), historicRevenuePerCustomer: money(3000), projectedValuePerCustomer: money(500), lifetimeValue: money(3500),
    });
    // Never asked C6 (1000 in March, active) and C7 (800 in January only, exited): 1000 in 1 purchase; 0.5 per customer;
    // repeat 0/2; order value 1000; retention 1/2; revenue per customer 500; historic (1000 + 800) / 2 = 900;
    // projection 0.3 × 500 × 0.5 / 0.6 = 125; lifetime value 1025.
    expect(none).toEqual({
      npsClass: "NOT_ASKED", qoeBand: null, suppressed: false, customers: 2, revenue: money(1000), purchases: 1, purchasesPerCustomer: 0.5,
      repeatPurchase: s(0, 2, 0, 0, 0.6576), averageOrderValue: money(1000), retention: s(1, 2, 0.5, 0.0945, 0.9055),
      revenuePerCustomer: money(500), historicRevenuePerCustomer: money(900), projectedValuePerCustomer: money(125), lifetimeValue: money(1025),
    });
    // All 7: revenue 9000 + 3000 + 4000 + 1000 = 17000 (the sale with no customer is in no group) in 9 purchases;
    // 9/7 = 1.2857 per customer; repeat C1, C3, C4: 3/7 = 0.4286 [0.1582, 0.7495]; order value 17000 / 9 = 1888.89 -> 1889;
    // retention 4/7 = 0.5714 [0.2505, 0.8418]; revenue per customer 17000 / 7 = 2428.57 -> 2429;
    // historic 21300 / 7 = 3042.86 -> 3043; projection 0.3 × 2428.571 × (4/7) / (1.1 − 4/7) = 787.64 -> 788;
    // lifetime value 3042.857 + 787.645 = 3830.50 -> 3831 (rounded once, on the sum).
    expect(r.total).toEqual({
      npsClass: null, qoeBand: null, suppressed: false, customers: 7, revenue: money(17000), purchases: 9, purchasesPerCustomer: 1.2857,
      repeatPurchase: s(3, 7, 0.4286, 0.1582, 0.7495), averageOrderValue: money(1889), retention: s(4, 7, 0.5714, 0.2505, 0.8418),
      revenuePerCustomer: money(2429), historicRevenuePerCustomer: money(3043), projectedValuePerCustomer: money(788), lifetimeValue: money(3831),
    });
    // Revenue at risk: detractors' 4000 × (promoters' retention 1 − detractors' 0.5) = 2000.
    expect(r.revenueAtRisk).toEqual(money(2000));
  });

  it("customer value by QoE band (latest rating), with margin and discount given, and exit stages given", async () => {
    const r = await cv(app, org.id);
    const [high, medium, low, unrated] = r.byQoeBand;
    // HIGH: C1 (5 -> 100), C2 (4 -> 75), C5 (its latest rated response is January's 5 -> 100): revenue 5000 + 4000 + 1000
    // = 10000 in 4 purchases, 1.3333 per customer; repeat 1/3; order value 2500; retention 3/3; historic
    // (6000 + 4000 + 3000) / 3 = 4333.33; projection 0.3 × 3333.33 × 1 / 0.1 = 10000; lifetime value 14333.33 -> 14333.
    expect(high).toMatchObject({
      qoeBand: "HIGH", customers: 3, revenue: money(10000), purchases: 4, purchasesPerCustomer: 1.3333, repeatPurchase: s(1, 3, 0.3333, 0.0615, 0.7923),
      averageOrderValue: money(2500), retention: s(3, 3, 1, 0.4385, 1), revenuePerCustomer: money(3333), historicRevenuePerCustomer: money(4333),
      projectedValuePerCustomer: money(10000), lifetimeValue: money(14333),
    });
    // MEDIUM: C3 (3 -> 50), as the passives. LOW: C4 (2 -> 25): 3000, 2 purchases, exited, historic 3000, lifetime value 3000.
    expect(medium).toMatchObject({ qoeBand: "MEDIUM", customers: 1, revenue: money(3000), retention: s(0, 1, 0, 0, 0.7935), lifetimeValue: money(3500) });
    expect(low).toMatchObject({ qoeBand: "LOW", customers: 1, revenue: money(3000), purchases: 2, repeatPurchase: s(1, 1, 1, 0.2065, 1), retention: s(0, 1, 0, 0, 0.7935), lifetimeValue: money(3000) });
    // NOT_RATED: C6, C7, as the never asked.
    expect(unrated).toMatchObject({ qoeBand: "NOT_RATED", customers: 2, revenue: money(1000), lifetimeValue: money(1025) });

    // marginRate 0.5, discountRate 0.25, exit stages "Renew or exit" and "Support" (nobody is in Support):
    // promoters' projection 0.5 × 4500 × 1 / 0.25 = 9000, lifetime value 14000; detractors' 0.5 × 2000 × 0.5 / 0.75
    // = 666.67 -> 667, lifetime value 3666.67 -> 3667.
    const given = await cv(app, org.id, { m: 0.5, d: 0.25, x: [org.customerStages["Renew or exit"], org.customerStages.Support] });
    expect(given.byNpsClass[0]).toMatchObject({ projectedValuePerCustomer: money(9000), lifetimeValue: money(14000) });
    expect(given.byNpsClass[2]).toMatchObject({ projectedValuePerCustomer: money(667), lifetimeValue: money(3667) });
    // "Use" as the only exit stage: C1 and C5 are in it at April 1 and count as gone; C3, C4, C7 (in "Renew or exit",
    // no longer an exit stage), C2 and C6 are active: 5/7.
    const useExit = await cv(app, org.id, { x: [org.customerStages.Use] });
    expect(useExit.total.retention).toMatchObject({ count: 5, of: 7 });
  });

  it("beneficiary retention by experience: reaching the outcome against exiting before it, at the latest answer before either", async () => {
    const r = (await app.ok<any>(BR, { o: org.id, from: FROM, to: TO })).beneficiaryRetention;
    expect(r).toMatchObject({ outcomeStageName: "Outcome", exitStageName: "Exit" });
    // Decided in March: B1 (outcome Mar 10), B2 (outcome Mar 15), B3 (exit Mar 20), B4 (outcome Mar 12), B5 (exit Mar 5),
    // B7 (exit Mar 8, before its outcome of Mar 25). Not: B6 (outcome in February), B8 (outcome in April).
    // Reached 3 of 6 = 0.5 [0.1876, 0.8124]; exited 3 of 6.
    expect(r.total).toEqual({ npsClass: null, ratingBand: null, suppressed: false, beneficiaries: 6, reachedOutcome: s(3, 6, 0.5, 0.1876, 0.8124), exitedBeforeOutcome: s(3, 6, 0.5, 0.1876, 0.8124) });
    // NPS class at the latest answer before the decision: promoters B1 (9), B2 (10): 2/2 reached; passives none;
    // detractors B3 (3), B4 (5; its 10 came after its outcome), B7 (6): 1/3 reached; never asked B5: 0/1.
    expect(r.byNpsClass.map((g: any) => [g.npsClass, g.beneficiaries, g.reachedOutcome?.count ?? null])).toEqual([
      ["PROMOTER", 2, 2],
      ["PASSIVE", 0, null],
      ["DETRACTOR", 3, 1],
      ["NOT_ASKED", 1, 0],
    ]);
    expect(r.byNpsClass[2].reachedOutcome).toEqual(s(1, 3, 0.3333, 0.0615, 0.7923));
    // Rating band: HIGH B1 (5), B2 (4): 2/2; LOW B3 (1 -> 0), B4 (2 -> 25): 1/2; NOT_RATED B5, B7: 0/2.
    expect(r.byRatingBand.map((g: any) => [g.ratingBand, g.beneficiaries, g.reachedOutcome?.count ?? null])).toEqual([
      ["HIGH", 2, 2],
      ["MEDIUM", 0, null],
      ["LOW", 2, 1],
      ["NOT_RATED", 2, 0],
    ]);
  });

  it("does closing the loop pay: next NPS class and repurchase of detractors whose loop was closed on time, against the others", async () => {
    const r = (await app.ok<any>(LV, { o: loops.id, from: FROM, to: TO })).loopValue;
    const [onTime, notOnTime] = r.groups;
    // On time: L1 (closed Mar 3, due Mar 4), L2 (closed at its due date). Next answers: L1 9 (promoter), L2 7 (passive):
    // answered again 2/2; promoter 1/2, passive 1/2, detractor 0/2; NPS (1 − 0) / 2 × 100 = 50; repurchase L1 only: 1/2.
    expect(onTime).toEqual({
      loop: "ON_TIME", suppressed: false, detractors: 2, answeredAgain: s(2, 2, 1, 0.3424, 1), nextPromoter: s(1, 2, 0.5, 0.0945, 0.9055),
      nextPassive: s(1, 2, 0.5, 0.0945, 0.9055), nextDetractor: s(0, 2, 0, 0, 0.6576), nextNps: 50, repurchase: s(1, 2, 0.5, 0.0945, 0.9055),
    });
    // Not on time: L3 (closed late; its second case of March 15, closed on time, is not counted: a customer counts once,
    // by their first case), L4 (never closed). L5's action is due after `to`, L6 is a promoter, L7 has no action.
    // Next answers: L3 3 (detractor; its 10 of March 18 is not the next), L4 none: answered again 1/2; detractor 1/1,
    // NPS (0 − 1) / 1 × 100 = −100; repurchase L3 only (L4's purchase is after `to`): 1/2.
    expect(notOnTime).toEqual({
      loop: "NOT_ON_TIME", suppressed: false, detractors: 2, answeredAgain: s(1, 2, 0.5, 0.0945, 0.9055), nextPromoter: s(0, 1, 0, 0, 0.7935),
      nextPassive: s(0, 1, 0, 0, 0.7935), nextDetractor: s(1, 1, 1, 0.2065, 1), nextNps: -100, repurchase: s(1, 2, 0.5, 0.0945, 0.9055),
    });
  });

  it("funders: small groups hidden with a complement, counts perturbed within D = 2, nothing returned for a hidden group", async () => {
    // Value Org (k = 10): 7 customers, below k: the total and every group hidden.
    const small = await cv(funder, org.id);
    expect(small.total.suppressed).toBe(true);
    for (const g of [small.total, ...small.byNpsClass, ...small.byQoeBand].filter((g: any) => g.customers !== 0)) {
      expect(g).toMatchObject({ suppressed: true, customers: null, revenue: null, retention: null, lifetimeValue: null, repeatPurchase: null });
    }
    expect(small.revenueAtRisk).toBeNull();
    // Crowd Org (k = 5): promoters 6, passives 5, detractors 2 (hidden: below 5), and the passives hidden as the
    // complement (otherwise 13 − 6 − 5 gives the detractors back); the promoters shown, counted within 6 ± 2.
    const crowdView = await cv(crowdFunder, crowd.id);
    const [prom, pass, det, none] = crowdView.byNpsClass;
    expect(det).toMatchObject({ suppressed: true, customers: null, revenue: null, lifetimeValue: null });
    expect(pass).toMatchObject({ suppressed: true, customers: null, revenue: null, lifetimeValue: null });
    expect(none).toMatchObject({ suppressed: false, customers: 0 });
    expect(prom.suppressed).toBe(false);
    expect(Math.abs(prom.customers - 6)).toBeLessThanOrEqual(2);
    expect(prom.revenue).toEqual(money(6000));
    // Rates: 0 of 6 repeat (0 is not a small group), 6 of 6 retained: the same people as the group, so the same adjustment: 1.
    expect(prom.repeatPurchase).toMatchObject({ count: 0, value: 0 });
    expect(prom.retention).toMatchObject({ value: 1 });
    expect(crowdView.total.suppressed).toBe(false);
    expect(Math.abs(crowdView.total.customers - 13)).toBeLessThanOrEqual(2);
    expect(crowdView.revenueAtRisk).toBeNull(); // the detractors are hidden
    // The same people, asked again: the same adjustment.
    expect((await cv(crowdFunder, crowd.id)).byNpsClass[0].customers).toBe(prom.customers);
    // Staff see the true figures.
    expect((await cv(app, crowd.id)).byNpsClass.map((g: any) => g.customers)).toEqual([6, 5, 2, 0]);
  });

  it("refuses field partners, unknown organizations and bad arguments with coded errors", async () => {
    expect(error(await fieldPartner.gql(CV, { o: org.id, from: FROM, to: TO }))).toEqual({ code: "FORBIDDEN", field: "organizationId" });
    expect(error(await fieldPartner.gql(LV, { o: org.id, from: FROM, to: TO }))).toEqual({ code: "FORBIDDEN", field: "organizationId" });
    expect(error(await funder.gql(CV, { o: loops.id, from: FROM, to: TO }))).toMatchObject({ code: "FORBIDDEN" });
    expect(error(await app.gql(CV, { o: unknownId("Organization"), from: FROM, to: TO }))).toMatchObject({ code: "FORBIDDEN", field: "organizationId" });
    expect(error(await app.gql(CV, { o: org.id, from: TO, to: FROM }))).toEqual({ code: "BAD_USER_INPUT", field: "to" });
    expect(error(await app.gql(BR, { o: org.id, from: TO, to: TO }))).toEqual({ code: "BAD_USER_INPUT", field: "to" });
    expect(error(await app.gql(CV, { o: org.id, from: FROM, to: TO, m: 1.5 }))).toEqual({ code: "BAD_USER_INPUT", field: "marginRate" });
    expect(error(await app.gql(CV, { o: org.id, from: FROM, to: TO, d: 0 }))).toEqual({ code: "BAD_USER_INPUT", field: "discountRate" });
    // Too small for floating point (1 + 1e-17 − 1 = 0 with a retention of 1): refused, not an internal error.
    expect(error(await app.gql(CV, { o: org.id, from: FROM, to: TO, d: 1e-17 }))).toEqual({ code: "BAD_USER_INPUT", field: "discountRate" });
    // A beneficiary stage is not a customer exit stage.
    expect(error(await app.gql(CV, { o: org.id, from: FROM, to: TO, x: [org.beneficiaryStages.Exit] }))).toEqual({ code: "NOT_FOUND", field: "exitStageIds" });
    // The outcome stage given as the lifecycle's exit stage (the default exit): the field given is blamed.
    const same = await app.gql(`query($o: ID!, $s: ID) { beneficiaryRetention(organizationId: $o, from: "${FROM}", to: "${TO}", outcomeStageId: $s) { total { beneficiaries } } }`, { o: org.id, s: org.beneficiaryStages.Exit });
    expect(error(same)).toEqual({ code: "BAD_USER_INPUT", field: "outcomeStageId" });
  });
});

/**
 * Drivers (issue 16, item 3), worked out by hand: an INPUT KPI against monthly NPS over six months,
 * with lags 0, 1 and 2, and two touchpoints' Shapley shares of R² for the NPS answer.
 */
describe("experience drivers", () => {
  let app: TestApp;
  let org: OrgFixture;
  const SUBMIT = `mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created rejected } }`;
  const CORR = `{ value low high }`;
  const DRIVERS = `query($o: ID!, $from: DateTimeISO, $to: DateTimeISO, $lag: Int, $a: StakeholderKind) {
    experienceDrivers(organizationId: $o, from: $from, to: $to, interval: MONTH, lag: $lag, audience: $a) {
      lag minimumPeriods periods { from nps npsAnswers qoe }
      correlations { metricId metricName output lag n enoughData pearson ${CORR} spearman ${CORR} }
      touchpoints { method respondents minimumRespondents minimumPairs enoughData rSquared drivers { touchpointId touchpointName raters averageScore withNps compared rSquaredShare importance correlation } } } }`;
  let n = 0;
  const submit = async (items: unknown[]) => {
    const r = await app.ok<any>(SUBMIT, { i: { organizationId: org.id, items } });
    expect(r.submitFeedback).toMatchObject({ created: items.length, rejected: 0 });
  };
  let t1: string;
  let t2: string;
  let t3: string;
  let kpi: string;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Drivers Org");
    const survey = async (audience: string) =>
      (
        await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
          i: { organizationId: org.id, name: `${audience} drivers`, audience, questions: [{ key: "nps", type: "NPS", text: "Recommend?" }, { key: "sat", type: "RATING", text: "Satisfied?" }, { key: "eff", type: "EFFORT", text: "Easy?" }] },
        })
      ).createSurvey.id as string;
    kpi = (
      await app.ok<any>(`mutation($input: CreateMetricInput!) { createMetric(input: $input) { id } }`, {
        input: { organizationId: org.id, name: "Calls answered", category: "KPI", perspective: "CUSTOMER", kind: "INPUT", unit: "COUNT", aggregation: "SUM" },
      })
    ).createMetric.id;
    // The KPI: 1, 2, 3, 4, 5, 6 in January to June 2026.
    const months = ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01", "2026-07-01"];
    await app.ok(`mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { created } }`, {
      i: { organizationId: org.id, items: months.slice(0, 6).map((m, i) => ({ metricId: kpi, from: `${m}T00:00:00Z`, to: `${months[i + 1]}T00:00:00Z`, value: String(i + 1) })) },
    });
    // Customers' NPS: 10 answers a month; promoters and detractors per month (P, D):
    // (0, 3), (0, 5), (1, 0), (0, 1), (5, 0), (3, 0): NPS −30, −50, 10, −10, 50, 30 = 20 × (2, 1, 4, 3, 6, 5) − 70.
    const customers = await Promise.all(Array.from({ length: 10 }, (_, i) => createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: `K${i}` })));
    const cs = await survey("CUSTOMER");
    const pd = [[0, 3], [0, 5], [1, 0], [0, 1], [5, 0], [3, 0]];
    await submit(
      pd.flatMap(([p, d], m) =>
        customers.map((c, i) => ({
          clientSubmissionId: `d-${++n}`, surveyId: cs, stakeholderId: c, collectedAt: `${months[m]}T12:00:00Z`,
          answers: [{ key: "nps", value: i < p ? 10 : i < p + d ? 3 : 8 }],
        })),
      ),
    );
    // Beneficiaries, in July (outside the customers' six months, so that QoE there is the customers' alone): 12 respondents rate two touchpoints (1 or 5: 0 or 100 on 0..100) in a balanced design (the two
    // ratings uncorrelated), then answer NPS: (T1, T2) = (0, 0): 1, 2, 3; (100, 0): 7, 8, 9; (0, 100): 3, 4, 5; (100, 100): 9, 10, 10.
    t1 = (await app.ok<any>(`mutation($i: CreateTouchpointInput!) { createTouchpoint(input: $i) { id } }`, { i: { stageId: org.beneficiaryStages.Receives, name: "Distribution", channel: "IN_PERSON", functionalAreaId: org.areas.Programmes } })).createTouchpoint.id;
    t2 = (await app.ok<any>(`mutation($i: CreateTouchpointInput!) { createTouchpoint(input: $i) { id } }`, { i: { stageId: org.beneficiaryStages.Uses, name: "Training", channel: "IN_PERSON", functionalAreaId: org.areas.Programmes } })).createTouchpoint.id;
    t3 = (await app.ok<any>(`mutation($i: CreateTouchpointInput!) { createTouchpoint(input: $i) { id } }`, { i: { stageId: org.beneficiaryStages.Uses, name: "Home visit", channel: "IN_PERSON", functionalAreaId: org.areas.Programmes } })).createTouchpoint.id;
    const bs = await survey("BENEFICIARY");
    const design: [number, number, number][] = [
      [1, 1, 1], [1, 1, 2], [1, 1, 3], [5, 1, 7], [5, 1, 8], [5, 1, 9], [1, 5, 3], [1, 5, 4], [1, 5, 5], [5, 5, 9], [5, 5, 10], [5, 5, 10],
    ];
    const people = await Promise.all(design.map((_, i) => createStakeholder(app, { organizationId: org.id, kind: "BENEFICIARY", externalRef: `R${i}` })));
    await submit(
      design.flatMap(([a, b, y], i) => [
        { clientSubmissionId: `d-${++n}`, surveyId: bs, stakeholderId: people[i], touchpointId: t1, collectedAt: "2026-07-01T10:00:00Z", answers: [{ key: "sat", value: a }] },
        { clientSubmissionId: `d-${++n}`, surveyId: bs, stakeholderId: people[i], touchpointId: t2, collectedAt: "2026-07-02T10:00:00Z", answers: [{ key: "sat", value: b }] },
        { clientSubmissionId: `d-${++n}`, surveyId: bs, stakeholderId: people[i], collectedAt: "2026-07-03T10:00:00Z", answers: [{ key: "nps", value: y }] },
      ]),
    );
    // A home visit that four of them rated for effort (1, 4, 7, 7 on 1..7: 0, 50, 100, 100): too few to be compared.
    await submit(
      [1, 4, 7, 7].map((e, i) => ({ clientSubmissionId: `d-${++n}`, surveyId: bs, stakeholderId: people[i], touchpointId: t3, collectedAt: "2026-07-02T12:00:00Z", answers: [{ key: "eff", value: e }] })),
    );
  }, 120_000);
  afterAll(() => app.close());

  const drivers = async (lag: number, audience = "CUSTOMER", from = "2026-01-01T00:00:00Z", to = "2026-07-01T00:00:00Z") =>
    (await app.ok<any>(DRIVERS, { o: org.id, from, to, lag, a: audience })).experienceDrivers;

  it("correlates an input KPI with NPS on six months: Pearson, Spearman, n and Fisher's interval", async () => {
    const d = await drivers(0);
    expect(d.periods.map((p: any) => [p.nps, p.npsAnswers])).toEqual([[-30, 10], [-50, 10], [10, 10], [-10, 10], [50, 10], [30, 10]]);
    // NPS = 20 × (2, 1, 4, 3, 6, 5) − 70 against 1..6: r is that of (1..6, (2, 1, 4, 3, 6, 5)) = 14.5 / 17.5 = 0.828571
    // (see test/unit/statistics.test.ts); Spearman the same (the values are their ranks); Fisher's z:
    // atanh(0.828571) = 1.183562 ∓ 1.959964 / sqrt(3) = 1.131579 -> tanh: [0.0519, 0.9807].
    const nps = d.correlations.find((c: any) => c.output === "NPS");
    expect(nps).toEqual({
      metricId: kpi, metricName: "Calls answered", output: "NPS", lag: 0, n: 6, enoughData: true,
      pearson: { value: 0.8286, low: 0.0519, high: 0.9807 }, spearman: { value: 0.8286, low: 0.0519, high: 0.9807 },
    });
    // QoE of a month here is its customer feedback alone, (NPS + 100) / 2: a linear function of NPS, the same r.
    expect(d.periods.map((p: any) => p.qoe)).toEqual([35, 25, 55, 45, 75, 65]);
    expect(d.correlations.find((c: any) => c.output === "QOE")).toMatchObject({ n: 6, pearson: { value: 0.8286 } });
  });

  it("with a lag of one month, and not enough data below five pairs", async () => {
    // Lag 1: KPI 1..5 against NPS of February..June, in units of (1, 4, 3, 6, 5): dx = −2..2, dy = −2.8, 0.2, −0.8, 2.2, 1.2;
    // Σdx·dy = 5.6 − 0.2 + 0 + 2.2 + 2.4 = 10; Σdx² = 10; Σdy² = 14.8; r = 10 / sqrt(148) = 0.821995;
    // Fisher: se = 1/sqrt(2): [−0.2193, 0.9879]. Spearman: ranks of y (1, 3, 2, 5, 4): Σdx·dy = 8, ρ = 8/10 = 0.8: [−0.2796, 0.9862].
    const one = (await drivers(1)).correlations.find((c: any) => c.output === "NPS");
    expect(one).toMatchObject({ lag: 1, n: 5, enoughData: true, pearson: { value: 0.822, low: -0.2193, high: 0.9879 }, spearman: { value: 0.8, low: -0.2796, high: 0.9862 } });
    // Lag 2: four pairs, below the minimum of five: no number.
    const two = (await drivers(2)).correlations.find((c: any) => c.output === "NPS");
    expect(two).toMatchObject({ lag: 2, n: 4, enoughData: false, pearson: { value: null, low: null, high: null }, spearman: { value: null } });
    const bad = await app.gql(DRIVERS, { o: org.id, from: "2026-01-01T00:00:00Z", to: "2026-07-01T00:00:00Z", lag: 6, a: "CUSTOMER" });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "lag" });
  });

  it("funders: correlations of the true figures of the periods in which at least k people answered, no per-period series", async () => {
    const funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
    const seen = async () => (await funder.ok<any>(DRIVERS, { o: org.id, from: "2026-01-01T00:00:00Z", to: "2026-07-01T00:00:00Z", lag: 0, a: "CUSTOMER" })).experienceDrivers;
    // k = 10 (the default): each month 10 customers answered, so every month counts: the staff figures, 0.8286 on 6 periods.
    const all = await seen();
    expect(all.periods).toEqual([]);
    expect(all.correlations.find((c: any) => c.output === "NPS")).toMatchObject({ n: 6, enoughData: true, pearson: { value: 0.8286 } });
    expect(all.correlations.find((c: any) => c.output === "QOE")).toMatchObject({ n: 6, pearson: { value: 0.8286 } });
    // k = 11: no month has 11 people: no pair, not enough data, no number.
    await app.ok(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { id } }`, { i: { id: org.id, suppressionThreshold: 11 } });
    try {
      const none = await seen();
      for (const c of none.correlations) expect(c).toMatchObject({ n: 0, enoughData: false, pearson: { value: null }, spearman: { value: null } });
    } finally {
      await app.ok(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { id } }`, { i: { id: org.id, suppressionThreshold: 10 } });
    }
  });

  it("touchpoints' relative importance for NPS: Shapley decomposition of R², by hand", async () => {
    // 12 respondents; ȳ = 71 / 12 = 5.9167, Σ(y − ȳ)² = 118.9167. T1 (0 or 100, six each): Σy at 100 = 53, at 0 = 18:
    // Σ(y − ȳ)(x1 − 50) = 50 × 35 = 1750, Σ(x1 − 50)² = 30000: r1 = 1750 / sqrt(30000 × 118.9167) = 0.9265.
    // T2: Σy at 100 = 41, at 0 = 30: 50 × 11 = 550: r2 = 0.2912. r12 = 0 (balanced): R² = r1² + r2² = 0.8584 + 0.0848 = 0.9432,
    // and each share is its r² (with uncorrelated drivers every order adds the same): importance 0.8584 / 0.9432 = 0.9101, 0.0899.
    const t = (await drivers(0, "BENEFICIARY", "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z")).touchpoints;
    // The home visit: 4 people with a score and an NPS answer, below the 10 a correlation needs: listed, not compared,
    // its average score (0 + 50 + 100 + 100) / 4 = 62.5; the two others' figures are those of the 12 alone.
    expect(t).toMatchObject({ respondents: 12, minimumRespondents: 10, minimumPairs: 10, enoughData: true, rSquared: 0.9432 });
    expect(t.method).toContain("Shapley decomposition of R²");
    expect(t.drivers).toEqual([
      { touchpointId: t1, touchpointName: "Distribution", raters: 12, averageScore: 50, withNps: 12, compared: true, rSquaredShare: 0.8584, importance: 0.9101, correlation: 0.9265 },
      { touchpointId: t2, touchpointName: "Training", raters: 12, averageScore: 50, withNps: 12, compared: true, rSquaredShare: 0.0848, importance: 0.0899, correlation: 0.2912 },
      { touchpointId: t3, touchpointName: "Home visit", raters: 4, averageScore: 62.5, withNps: 4, compared: false, rSquaredShare: null, importance: null, correlation: null },
    ]);
    // July 1 to 3: the scores but no NPS answer yet: no respondent, not enough data, nothing compared.
    const early = (await drivers(0, "BENEFICIARY", "2026-07-01T00:00:00Z", "2026-07-03T00:00:00Z")).touchpoints;
    expect(early).toMatchObject({ respondents: 0, enoughData: false, rSquared: null });
    expect(early.drivers.map((x: any) => [x.rSquaredShare, x.compared, x.withNps])).toEqual([[null, false, 0], [null, false, 0], [null, false, 0]]);
  });
});
