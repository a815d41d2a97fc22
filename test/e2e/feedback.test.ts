import { Caller, idOf, startTestApp, TestApp } from "../helpers/app";
import { createOrg, createStakeholder, OrgFixture } from "../helpers/fixtures";

const SUBMIT = `mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created duplicates conflicts rejected valid items { index clientKey status id errors { field message } } } }`;

async function touchpoint(app: TestApp, stageId: string, name: string, areaId: string, partnerId?: string): Promise<string> {
  const r = await app.ok<any>(`mutation($i: CreateTouchpointInput!) { createTouchpoint(input: $i) { id } }`, {
    i: { stageId, name, channel: "IN_PERSON", functionalAreaId: areaId, partnerId: partnerId ?? null },
  });
  return r.createTouchpoint.id;
}

async function survey(app: TestApp, org: string, audience: string, questions: unknown[], touchpointId?: string): Promise<string> {
  const r = await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id currentVersion } }`, {
    i: { organizationId: org, name: `Survey ${Math.random()}`, audience, touchpointId: touchpointId ?? null, questions },
  });
  return r.createSurvey.id;
}

describe("surveys and feedback submission", () => {
  let app: TestApp;
  let org: OrgFixture;
  let other: OrgFixture;
  let partnerId: string;
  let field: Caller;
  let visit: string;
  let benSurvey: string;
  let custSurvey: string;
  let customer: string;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Feedback Org", "CUSTOMER_FUNDS_BENEFICIARY");
    other = await createOrg(app, "Elsewhere");
    partnerId = (await app.ok<any>(`mutation($o: ID!) { createPartner(input: { organizationId: $o, name: "NGO", kind: FIELD_PARTNER }) { id } }`, { o: org.id })).createPartner.id;
    visit = await touchpoint(app, org.beneficiaryStages.Uses, "Classroom visit", org.areas.Programmes, partnerId);
    field = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId }]));
    benSurvey = await survey(
      app,
      org.id,
      "BENEFICIARY",
      [
        { key: "nps", type: "NPS", text: "Would you recommend the shoes to a friend?", required: true },
        { key: "fit", type: "RATING", text: "How well do they fit?" },
        { key: "walk", type: "CHOICE", text: "How do you get to school?", options: ["Walk", "Bicycle", "Bus"] },
        { key: "dry", type: "YES_NO", text: "Do your feet stay dry?" },
        { key: "why", type: "TEXT", text: "Anything else?" },
      ],
      visit,
    );
    custSurvey = await survey(app, org.id, "CUSTOMER", [{ key: "nps", type: "NPS", text: "Recommend us?" }]);
    customer = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "CUST-1" });
  });
  afterAll(() => app.close());

  const item = (n: number, extra: Record<string, unknown> = {}) => ({
    clientSubmissionId: `sub-${n}`,
    surveyId: benSurvey,
    newBeneficiary: { externalRef: `CHILD-${n}`, gender: n % 2 ? "FEMALE" : "MALE", region: "Siaya" },
    touchpointId: visit,
    collectedAt: "2026-03-02T08:00:00Z",
    answers: [
      { key: "nps", value: n % 11 },
      { key: "fit", value: 4 },
      { key: "walk", value: "Walk" },
      { key: "dry", value: true },
    ],
    comment: `Child ${n}`,
    ...extra,
  });

  it("answers each item: created, rejected with every reason, and stores the good ones", async () => {
    const foreign = await createStakeholder(app, { organizationId: other.id, kind: "BENEFICIARY", externalRef: "F-1" });
    const r = await field.ok<any>(SUBMIT, {
      i: {
        organizationId: org.id,
        items: [
          item(1),
          item(2, { answers: [{ key: "nps", value: 11 }, { key: "size", value: 3 }, { key: "walk", value: "Car" }, { key: "fit", value: 2.5 }] }),
          item(3, { collectedAt: "2999-01-01T00:00:00Z" }),
          item(4, { surveyId: custSurvey }),
          item(5, { newBeneficiary: null, stakeholderId: foreign }),
          item(6, { collectedAt: "yesterday" }),
          item(7, { answers: [{ key: "fit", value: 5 }] }), // the required NPS is missing
          item(8),
        ],
      },
    });
    const res = r.submitFeedback;
    expect(res).toMatchObject({ created: 2, rejected: 6, duplicates: 0, conflicts: 0 });
    expect(res.items.map((i: any) => i.status)).toEqual(["CREATED", "REJECTED", "REJECTED", "REJECTED", "REJECTED", "REJECTED", "REJECTED", "CREATED"]);
    const reasons = (i: number) => res.items[i].errors.map((e: any) => e.message).join(" | ");
    // Four bad answers, one error each. The required NPS question was answered with a bad value: that one
    // problem has its error above, not also "is required" (issue 13: one error per problem).
    expect(res.items[1].errors).toHaveLength(4);
    expect(reasons(1)).toMatch(/"nps" \(NPS\) must be a whole number from 0 to 10/);
    expect(reasons(1)).toMatch(/unknown question "size"/);
    expect(reasons(1)).toMatch(/"walk" \(CHOICE\) must be one of: Walk, Bicycle, Bus/);
    expect(reasons(1)).toMatch(/"fit" \(RATING\) must be a whole number from 1 to 5/);
    expect(reasons(1)).not.toMatch(/question "nps" is required/);
    expect(res.items[2].errors).toEqual([{ field: "collectedAt", message: "collectedAt is in the future" }]);
    expect(reasons(3)).toMatch(/the survey is for CUSTOMER stakeholders; this is a BENEFICIARY/);
    expect(res.items[4].errors).toEqual([{ field: "stakeholderId", message: "no stakeholder with this id in the organization" }]);
    expect(res.items[5].errors[0].field).toBe("collectedAt");
    expect(reasons(6)).toMatch(/question "nps" is required/);
    const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM feedback_responses WHERE organization_id = $1`, [org.id]);
    expect(n).toBe(2);
    // Inline registration: the beneficiaries of the stored items exist, registered by the partner; the rejected ones do not.
    const refs = (await app.db.query(`SELECT external_ref FROM stakeholders WHERE organization_id = $1 AND registered_by_partner_id = $2 ORDER BY 1`, [org.id, partnerId])).map((x: any) => x.external_ref);
    expect(refs).toEqual(["CHILD-1", "CHILD-8"]);
    // receivedAt is the server's time, collectedAt the field's.
    const stored = await field.ok<any>(`query($o: ID!) { feedbackResponses(organizationId: $o) { edges { node { clientSubmissionId collectedAt receivedAt nps comment answers { question { key } value } surveyVersion } } } }`, { o: org.id });
    const one = stored.feedbackResponses.edges.find((e: any) => e.node.clientSubmissionId === "sub-1").node;
    expect(one.collectedAt).toBe("2026-03-02T08:00:00.000Z");
    expect(Date.now() - new Date(one.receivedAt).getTime()).toBeLessThan(60000);
    expect(one.answers).toEqual([
      { question: { key: "nps" }, value: 1 },
      { question: { key: "fit" }, value: 4 },
      { question: { key: "walk" }, value: "Walk" },
      { question: { key: "dry" }, value: true },
    ]);
    expect(one.surveyVersion).toBe(1);
  });

  it("recognises retries: the same id and content is a DUPLICATE, changed content a CONFLICT; a dry run stores nothing", async () => {
    const again = await field.ok<any>(SUBMIT, { i: { organizationId: org.id, items: [item(1), item(8, { comment: "changed" }), item(9)] } });
    expect(again.submitFeedback.items.map((i: any) => i.status)).toEqual(["DUPLICATE", "CONFLICT", "CREATED"]);
    const dry = await field.ok<any>(SUBMIT, { i: { organizationId: org.id, dryRun: true, items: [item(10), item(1), item(11, { touchpointId: null })] } });
    expect(dry.submitFeedback.items.map((i: any) => i.status)).toEqual(["VALID", "DUPLICATE", "REJECTED"]);
    expect(dry.submitFeedback.items[2].errors[0]).toEqual({ field: "touchpointId", message: "field partners give the touchpoint their partner delivered" });
    const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM feedback_responses WHERE client_submission_id IN ('sub-10', 'sub-11')`);
    expect(n).toBe(0);
  });

  it("stores a 1000-item batch exactly once, replayed five times, some concurrently", async () => {
    const items = Array.from({ length: 1000 }, (_, i) => item(1000 + i));
    const submit = () => field.gql<any>(SUBMIT, { i: { organizationId: org.id, items } });
    const first = await submit();
    expect(first.errors).toBeUndefined();
    expect(first.data.submitFeedback.created).toBe(1000);
    const replays = [...(await Promise.all([submit(), submit()])), await submit(), await submit()];
    for (const r of replays) expect(r.data.submitFeedback).toMatchObject({ created: 0, duplicates: 1000 });
    const [{ n, people }] = await app.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT stakeholder_id)::int AS people FROM feedback_responses WHERE organization_id = $1 AND client_submission_id LIKE 'sub-1___'`,
      [org.id],
    );
    expect({ n, people }).toEqual({ n: 1000, people: 1000 });
  });

  it("stores each item once when the same fresh batch arrives twice at the same moment", async () => {
    const items = Array.from({ length: 200 }, (_, i) => item(5000 + i));
    const [a, b] = await Promise.all([1, 2].map(() => field.gql<any>(SUBMIT, { i: { organizationId: org.id, items } })));
    expect(a.data.submitFeedback.created + b.data.submitFeedback.created).toBe(200);
    expect(a.data.submitFeedback.duplicates + b.data.submitFeedback.duplicates).toBe(200);
    const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM feedback_responses WHERE client_submission_id LIKE 'sub-5___'`);
    expect(n).toBe(200);
  });

  it("versions surveys: new questions make a new version; old answers keep theirs", async () => {
    const sid = await survey(app, org.id, "CUSTOMER", [{ key: "nps", type: "NPS", text: "Recommend us?" }]);
    const v1 = await app.ok<any>(SUBMIT, {
      i: { organizationId: org.id, items: [{ clientSubmissionId: "v1", surveyId: sid, stakeholderId: customer, collectedAt: "2026-03-01T00:00:00Z", answers: [{ key: "nps", value: 9 }] }] },
    });
    expect(v1.submitFeedback.created).toBe(1);
    const upd = await app.ok<any>(`mutation($i: UpdateSurveyInput!) { updateSurvey(input: $i) { currentVersion questions { key type } versions { version } } }`, {
      i: { id: sid, questions: [{ key: "nps", type: "NPS", text: "Recommend us?" }, { key: "effort", type: "EFFORT", text: "Was buying easy?" }] },
    });
    expect(upd.updateSurvey).toEqual({ currentVersion: 2, questions: [{ key: "nps", type: "NPS" }, { key: "effort", type: "EFFORT" }], versions: [{ version: 1 }, { version: 2 }] });
    // An app still on version 1 can submit against it; "effort" is unknown there.
    const late = await app.ok<any>(SUBMIT, {
      i: {
        organizationId: org.id,
        items: [
          { clientSubmissionId: "v1b", surveyId: sid, surveyVersion: 1, stakeholderId: customer, collectedAt: "2026-03-01T00:00:00Z", answers: [{ key: "nps", value: 7 }] },
          { clientSubmissionId: "v1c", surveyId: sid, surveyVersion: 1, stakeholderId: customer, collectedAt: "2026-03-01T00:00:00Z", answers: [{ key: "effort", value: 7 }] },
          { clientSubmissionId: "v2", surveyId: sid, stakeholderId: customer, collectedAt: "2026-03-01T00:00:00Z", answers: [{ key: "effort", value: 7 }] },
        ],
      },
    });
    expect(late.submitFeedback.items.map((i: any) => i.status)).toEqual(["CREATED", "REJECTED", "CREATED"]);
    const versions = await app.db.query(
      `SELECT r.client_submission_id AS id, v.version FROM feedback_responses r JOIN survey_versions v ON v.id = r.survey_version_id WHERE r.survey_id = $1 ORDER BY 1`,
      [sid],
    );
    expect(versions).toEqual([
      { id: "v1", version: 1 },
      { id: "v1b", version: 1 },
      { id: "v2", version: 2 },
    ]);
    const bad = await app.gql(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
      i: { organizationId: org.id, name: "Bad", audience: "CUSTOMER", questions: [{ key: "a", type: "CHOICE", text: "Pick", options: ["only one"] }] },
    });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "questions.0.options" });
  });

  it("filters responses by NPS class, score range, touchpoint and words of the comment", async () => {
    const q = async (filter: Record<string, unknown>) =>
      (await app.ok<any>(`query($o: ID!, $f: FeedbackFilter) { feedbackResponses(organizationId: $o, filter: $f, first: 500) { totalCount } }`, { o: org.id, f: filter })).feedbackResponses.totalCount;
    // Items 1000..1999 have nps = n % 11; promoters are 9 and 10.
    const all = await q({ touchpointId: visit });
    expect(all).toBe((await app.db.query(`SELECT count(*)::int AS n FROM feedback_responses WHERE touchpoint_id = $1`, [visit]))[0].n);
    const promoters = await q({ npsClass: "PROMOTER", touchpointId: visit });
    expect(promoters).toBe((await app.db.query(`SELECT count(*)::int AS n FROM feedback_responses WHERE touchpoint_id = $1 AND nps >= 9`, [visit]))[0].n);
    expect(await q({ minScore: 3, maxScore: 4 })).toBe((await app.db.query(`SELECT count(*)::int AS n FROM feedback_responses WHERE organization_id = $1 AND nps BETWEEN 3 AND 4`, [org.id]))[0].n);
    expect(await q({ text: "Child 1500" })).toBe(1);
  });
});

/**
 * Quality of experience on a hand-made set (January 2026), customers only.
 *   Shop (Purchase stage):     NPS 10, 9, 9, 8, 7     ratings 5, 5, 4, 4, 3
 *   Delivery (Use, IN_USE):    NPS 10, 9, 8, 3, 0     ratings 5, 4, 3, 1, 1
 *   A customer KPI "Delivery days" (lower is better): baseline 10, target 4, actual 2 -> attainment clamped at 100.
 *   Two actions at Delivery due in January: one loop closed on time, one late -> loop closure 50.
 */
describe("quality of experience", () => {
  let app: TestApp;
  let org: OrgFixture;
  let shop: string;
  let delivery: string;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "QoE Org", "CUSTOMER_IS_BENEFICIARY");
    shop = await touchpoint(app, org.customerStages.Purchase, "Shop", org.areas.Sales);
    delivery = await touchpoint(app, org.customerStages.Use, "Delivery", org.areas.Operations);
    const sid = await survey(app, org.id, "CUSTOMER", [
      { key: "nps", type: "NPS", text: "Recommend us?" },
      { key: "rating", type: "RATING", text: "How was it?" },
    ]);
    const items: unknown[] = [];
    const add = (tp: string, nps: number[], ratings: number[], prefix: string) =>
      nps.forEach((n, i) =>
        items.push({
          clientSubmissionId: `${prefix}${i}`,
          surveyId: sid,
          stakeholderId: null,
          touchpointId: tp,
          collectedAt: `2026-01-${String(10 + i).padStart(2, "0")}T10:00:00Z`,
          answers: [
            { key: "nps", value: n },
            { key: "rating", value: ratings[i] },
          ],
          comment: n <= 6 ? "The lamp came late" : "Fine",
        }),
      );
    add(shop, [10, 9, 9, 8, 7], [5, 5, 4, 4, 3], "s");
    add(delivery, [10, 9, 8, 3, 0], [5, 4, 3, 1, 1], "d");
    for (const [i, it] of (items as any[]).entries()) it.stakeholderId = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: `C${i}` });
    const r = await app.ok<any>(SUBMIT, { i: { organizationId: org.id, items } });
    expect(r.submitFeedback.created).toBe(10);
    const kpi = (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, {
      i: { organizationId: org.id, name: "Delivery days", category: "KPI", perspective: "CUSTOMER", kind: "INPUT", unit: "DAYS", aggregation: "AVERAGE", direction: "LOWER_IS_BETTER", baselineValue: "10" },
    })).createMetric.id;
    await app.ok(`mutation($i: SetMetricTargetsInput!) { setMetricTargets(input: $i) { id } }`, { i: { metricId: kpi, targets: [{ from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "4" }] } });
    await app.ok(`mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { created } }`, {
      i: { organizationId: org.id, items: [{ metricId: kpi, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "2" }] },
    });
    const someone = (items as any[])[8].stakeholderId;
    for (const [due, closed] of [
      ["2026-01-20T00:00:00Z", "2026-01-19T00:00:00Z"],
      ["2026-01-25T00:00:00Z", "2026-01-27T00:00:00Z"],
    ]) {
      const a = (await app.ok<any>(`mutation($i: CreateActionInput!) { createAction(input: $i) { id } }`, {
        i: { organizationId: org.id, title: "Call back", ownerAreaId: org.areas.Operations, dueAt: due, stakeholderId: someone, touchpointId: delivery },
      })).createAction.id;
      // Hand-made history: opened on January 1 (a loop can't be closed before its action was opened).
      await app.db.query(`UPDATE actions SET created_at = '2026-01-01T00:00:00Z' WHERE id = $1`, [a]);
      await app.ok(`mutation($i: CloseLoopInput!) { closeLoop(input: $i) { id } }`, { i: { actionId: a, message: "We replaced the lamp", channel: "PHONE", closedAt: closed } });
    }
  });
  afterAll(() => app.close());

  const QOE = `query($o: ID!, $g: QoeGroupBy!) { qualityOfExperience(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", groupBy: $g) {
      overall { score people missingPerspectives perspectives { perspective score weight missing components { kind value weight sampleSize missing parts { name raw value sampleSize } } } }
      groups { label score touchpoint { name owner { name } } perspectives { perspective score } }
  } }`;

  it("computes NPS with its margin of error", async () => {
    const r = await app.ok<any>(`query($o: ID!) { nps(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { promoters passives detractors sampleSize score marginOfError95 } }`, { o: org.id });
    // 5 promoters, 3 passives, 2 detractors: NPS = 50 % - 20 % = 30.
    // MoE = 1.96 x sqrt((0.5 + 0.2 - 0.3^2) / 10) x 100 = 1.96 x sqrt(0.061) x 100 = 48.41.
    expect(r.nps).toEqual({ promoters: 5, passives: 3, detractors: 2, sampleSize: 10, score: 30, marginOfError95: 48.41 });
  });

  it("explains the overall score by perspective and component", async () => {
    const d = (await app.ok<any>(QOE, { o: org.id, g: "NONE" })).qualityOfExperience.overall;
    const customer = d.perspectives.find((p: any) => p.perspective === "CUSTOMER");
    const feedback = customer.components.find((c: any) => c.kind === "FEEDBACK");
    // NPS 30 -> (30 + 100) / 2 = 65 over 10 answers; ratings (r - 1) / 4 x 100: Shop 100, 100, 75, 75, 50 and
    // Delivery 100, 75, 50, 0, 0 -> mean 62.5 over 10; feedback = (65 x 10 + 62.5 x 10) / 20 = 63.75.
    expect(feedback).toMatchObject({ value: 63.75, sampleSize: 20, missing: false });
    expect(feedback.parts).toEqual([
      { name: "NPS", raw: 30, value: 65, sampleSize: 10 },
      { name: "RATING", raw: 3.5, value: 62.5, sampleSize: 10 },
    ]);
    // KPI: (2 - 10) / (4 - 10) = 1.33 -> clamped at 100. Loops: 1 of 2 on time -> 50.
    expect(customer.components.find((c: any) => c.kind === "KPI_ATTAINMENT")).toMatchObject({ value: 100, sampleSize: 1 });
    expect(customer.components.find((c: any) => c.kind === "LOOP_CLOSURE")).toMatchObject({ value: 50, sampleSize: 2 });
    // Customer = (63.75 + 100 + 50) / 3 = 71.25.
    expect(customer.score).toBe(71.25);
    // User experience: Delivery only (IN_USE): NPS (2 - 2) / 5 = 0 -> 50; ratings 45; (50 x 5 + 45 x 5) / 10 = 47.5.
    const user = d.perspectives.find((p: any) => p.perspective === "USER");
    expect(user.score).toBe(47.5);
    // Beneficiary: no data at all -> left out and reported missing, not counted as 0.
    const beneficiary = d.perspectives.find((p: any) => p.perspective === "BENEFICIARY");
    expect(beneficiary).toMatchObject({ score: null, missing: ["FEEDBACK", "SOCIAL_ATTAINMENT", "LOOP_CLOSURE"] });
    expect(d.missingPerspectives).toEqual(["BENEFICIARY"]);
    // Overall = (71.25 + 47.5) / 2 = 59.375 -> 59.38.
    expect(d.score).toBe(59.38);
    expect(d.people).toBe(10);
  });

  it("uses the organization's weights", async () => {
    await app.ok(`mutation($o: ID!) { setQoeWeights(organizationId: $o, weights: { customer: 3, user: 1 }) { customer user beneficiary } }`, { o: org.id });
    const d = (await app.ok<any>(QOE, { o: org.id, g: "NONE" })).qualityOfExperience.overall;
    // (3 x 71.25 + 1 x 47.5) / 4 = 65.3125 -> 65.31.
    expect(d.score).toBe(65.31);
    await app.ok(`mutation($o: ID!) { setQoeWeights(organizationId: $o, weights: { customer: 1, user: 1 }) { customer } }`, { o: org.id });
    const bad = await app.gql(`mutation($o: ID!) { setQoeWeights(organizationId: $o, weights: { customer: 0, user: 0, beneficiary: 0 }) { customer } }`, { o: org.id });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("puts the worst touchpoint first, with its owner", async () => {
    const groups = (await app.ok<any>(QOE, { o: org.id, g: "TOUCHPOINT" })).qualityOfExperience.groups;
    // Delivery: customer = (feedback 47.5 + loops 50) / 2 = 48.75, user 47.5 -> 48.125 -> 48.13.
    // Shop: NPS 60 -> 80, ratings 80 -> feedback 80; customer 80, no user data -> 80.
    expect(groups.map((g: any) => [g.label, g.score, g.touchpoint.owner.name])).toEqual([
      ["Delivery", 48.13, "Operations"],
      ["Shop", 80, "Sales"],
    ]);
  });

  it("gives the trend per period and the split per dimension, in a fixed number of statements", async () => {
    const Q = `query($o: ID!, $g: QoeGroupBy!, $d: Dimension) { qualityOfExperience(organizationId: $o, from: "2025-12-01T00:00:00Z", to: "2026-03-01T00:00:00Z", groupBy: $g, interval: MONTH, dimension: $d) {
        groups { label score people missingPerspectives } } }`;
    app.counter.reset();
    app.counter.record = true;
    const byMonth = (await app.ok<any>(Q, { o: org.id, g: "PERIOD" })).qualityOfExperience.groups;
    app.counter.record = false;
    const statements = app.counter.statements.filter((sql) => !/\bapi_keys\b/.test(sql)).length;
    // Chronological. December and February have no data at all; January is the hand-made month (59.38).
    expect(byMonth).toEqual([
      { label: "2025-12", score: null, people: 0, missingPerspectives: ["CUSTOMER", "USER", "BENEFICIARY"] },
      { label: "2026-01", score: 59.38, people: 10, missingPerspectives: ["BENEFICIARY"] },
      { label: "2026-02", score: null, people: 0, missingPerspectives: ["CUSTOMER", "USER", "BENEFICIARY"] },
    ]);
    // Women: the 5 Shop customers; men: the 5 Delivery customers (set directly here).
    await app.db.query(
      `UPDATE stakeholders s SET gender = CASE WHEN r.touchpoint_id = $2 THEN 'FEMALE'::gender ELSE 'MALE'::gender END
         FROM feedback_responses r WHERE r.stakeholder_id = s.id AND s.organization_id = $1`,
      [org.id, shop],
    );
    const byGender = (await app.ok<any>(Q, { o: org.id, g: "DIMENSION", d: "GENDER" })).qualityOfExperience.groups;
    // MALE (Delivery): customer = (47.5 + loops 50) / 2 = 48.75 (no KPI by dimension), user 47.5 -> 48.13; FEMALE (Shop): 80.
    expect(byGender.map((g: any) => [g.label, g.score, g.people])).toEqual([
      ["MALE", 48.13, 5],
      ["FEMALE", 80, 5],
    ]);
    // Grouping by month ran a handful of statements, not one per month or per response.
    expect(statements).toBeLessThanOrEqual(12);
  });

  it("opens actions by rule: every detractor, low ratings, keywords", async () => {
    const rule = async (input: Record<string, unknown>) =>
      (await app.ok<any>(`mutation($i: CreateActionRuleInput!) { createActionRule(input: $i) { id } }`, { i: { organizationId: org.id, applyToExisting: true, ...input } })).createActionRule.id;
    await rule({ name: "Every detractor", kind: "DETRACTOR" });
    await rule({ name: "Low ratings", kind: "LOW_RATING", maxRating: 2 });
    await rule({ name: "Late", kind: "KEYWORD", keywords: ["LATE"] });
    const counts = await app.db.query(
      `SELECT ru.name, count(a.id)::int AS n FROM action_rules ru LEFT JOIN actions a ON a.rule_id = ru.id WHERE ru.organization_id = $1 GROUP BY 1 ORDER BY 1`,
      [org.id],
    );
    // Detractors: NPS 3 and 0 (2). Ratings <= 2: the two 1s (2). Comments with "late": the 2 detractors.
    expect(counts).toEqual([
      { name: "Every detractor", n: 2 },
      { name: "Late", n: 2 },
      { name: "Low ratings", n: 2 },
    ]);
    // Applying again opens nothing twice; owner defaults to the touchpoint's owner; due = opened + 48 h
    // (these responses were stored before the rules, so the clock starts when the action is opened).
    const again = await app.db.query(`SELECT count(*)::int AS n FROM actions WHERE organization_id = $1 AND rule_id IS NOT NULL`, [org.id]);
    expect(again[0].n).toBe(6);
    const [a] = await app.db.query(
      `SELECT f.name AS owner, extract(epoch FROM a.due_at - a.created_at)::int AS seconds FROM actions a JOIN feedback_responses r ON r.id = a.response_id
         JOIN functional_areas f ON f.id = a.owner_area_id WHERE a.organization_id = $1 AND a.rule_id IS NOT NULL LIMIT 1`,
      [org.id],
    );
    expect(a).toEqual({ owner: "Operations", seconds: 48 * 3600 });
    // A new detractor gets its action at once.
    const sid = idOf("Survey", org.id, (await app.db.query(`SELECT id FROM surveys WHERE organization_id = $1`, [org.id]))[0].id);
    const who = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "NEW" });
    const r = await app.ok<any>(SUBMIT, {
      i: { organizationId: org.id, items: [{ clientSubmissionId: "new", surveyId: sid, stakeholderId: who, touchpointId: shop, collectedAt: "2026-02-01T00:00:00Z", answers: [{ key: "nps", value: 2 }] }] },
    });
    const actions = await app.ok<any>(`query($o: ID!) { feedbackResponses(organizationId: $o, filter: { npsClass: DETRACTOR }) { edges { node { nps actions { title owner { name } } } } } }`, { o: org.id });
    expect(actions.feedbackResponses.edges.every((e: any) => e.node.actions.length >= 1)).toBe(true);
    expect(r.submitFeedback.created).toBe(1);
  });

  it("summarises loops per owner: closed on time or late", async () => {
    const s = await app.ok<any>(`query($o: ID!) { actionSummary(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { owners { owner { name } closedOnTime closedLate notClosed onTimeRate } } }`, {
      o: org.id,
    });
    expect(s.actionSummary.owners.find((o: any) => o.owner.name === "Operations")).toEqual({ owner: { name: "Operations" }, closedOnTime: 1, closedLate: 1, notClosed: 0, onTimeRate: 50 });
  });
});
