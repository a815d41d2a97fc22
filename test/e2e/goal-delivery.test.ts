import { startTestApp, TestApp, Caller, GqlResult } from "../helpers/app";
import { createOrg, createStakeholder, OrgFixture } from "../helpers/fixtures";

/**
 * goalDelivery: whether experience goals are delivered over a period, on an organization built
 * through the API. Every figure below is worked out by hand in the comments.
 */
describe("goal delivery", () => {
  let app: TestApp;
  let org: OrgFixture;
  let other: OrgFixture;
  let repair: string;
  let shop: string;
  let repairGoal: string;
  let stageGoal: string;
  let otherGoal: string;
  let funder: Caller;
  let fieldPartner: Caller;

  const Q1 = { from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z" };
  const WINDOW = `from to answers score low high nps npsAnswers`;
  const REPORT = `query($o: ID!, $from: DateTimeISO, $to: DateTimeISO, $g: ID, $w: Int) {
    goalDelivery(organizationId: $o, from: $from, to: $to, goalId: $g, windowDays: $w) {
      from to windowDays minimumAnswers
      goals { goal { id statement } scoredAt kpiAttainment
        kpis { metric { name } actual target baseline attainment observations }
        interventionCounts { onTime late notStarted cancelled }
        interventions { intervention { title status startsOn endsOn } timeliness reason
          effect { before { ${WINDOW} } after { ${WINDOW} } difference differenceLow differenceHigh note } } } } }`;
  const error = (r: GqlResult) => ({ code: r.errors?.[0]?.extensions?.code, field: r.errors?.[0]?.extensions?.field });

  const goal = async (input: Record<string, unknown>) =>
    (await app.ok<any>(`mutation($i: CreateExperienceGoalInput!) { createExperienceGoal(input: $i) { id } }`, { i: input })).createExperienceGoal.id as string;
  const intervention = async (goalId: string, title: string, startsOn: string, endsOn: string, status: string) =>
    app.ok(`mutation($i: InterventionInput!) { addIntervention(input: $i) { id } }`, { i: { goalId, title, ownerAreaId: org.areas.Operations, startsOn, endsOn, status } });
  const metric = async (input: Record<string, unknown>, target: string, value: string) => {
    const id = (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, { i: { organizationId: org.id, category: "KPI", perspective: "CUSTOMER", kind: "INPUT", aggregation: "AVERAGE", ...input } }))
      .createMetric.id as string;
    await app.ok(`mutation($i: SetMetricTargetsInput!) { setMetricTargets(input: $i) { id } }`, { i: { metricId: id, targets: [{ ...Q1, value: target }] } });
    await app.ok(`mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { created } }`, { i: { organizationId: org.id, items: [{ metricId: id, ...Q1, value }] } });
    return id;
  };

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Goal Test", "CUSTOMER_IS_BENEFICIARY");
    other = await createOrg(app, "Other Goal Org");
    const touchpoint = async (stageId: string, name: string) =>
      (await app.ok<any>(`mutation($i: CreateTouchpointInput!) { createTouchpoint(input: $i) { id } }`, { i: { stageId, name, channel: "FIELD_VISIT", functionalAreaId: org.areas.Operations } }))
        .createTouchpoint.id as string;
    repair = await touchpoint(org.customerStages.Support, "Repair visit");
    shop = await touchpoint(org.customerStages.Purchase, "Shop");

    // KPIs over Q1 2026:
    //   repair days, lower is better: baseline 20, target 10, observed 15 -> (15 - 20) / (10 - 20) = 50
    //   calls answered %, higher is better: baseline 50, target 90, observed 80 -> (80 - 50) / (90 - 50) = 75
    //   the goal's KPI attainment: (50 + 75) / 2 = 62.5
    const days = await metric({ name: "Repair days", unit: "DAYS", direction: "LOWER_IS_BETTER", baselineValue: "20" }, "10", "15");
    const calls = await metric({ name: "Calls answered", unit: "PERCENT", baselineValue: "50" }, "90", "80");
    repairGoal = await goal({ organizationId: org.id, statement: "A broken lamp works again within five days", stageId: org.customerStages.Support, touchpointId: repair, metricIds: [days, calls] });
    stageGoal = await goal({ organizationId: org.id, statement: "Using the lamp is easy", stageId: org.customerStages.Use });
    otherGoal = (await app.ok<any>(`mutation($i: CreateExperienceGoalInput!) { createExperienceGoal(input: $i) { id } }`, { i: { organizationId: other.id, statement: "Other", stageId: other.customerStages.Use } }))
      .createExperienceGoal.id;

    // Interventions, judged at the end of Q1 (2026-04-01T00:00Z; the organization's time zone is UTC):
    //   Depot test     02-01..03-15 DONE         -> ON_TIME (done)
    //   Spare parts    02-15..03-20 IN_PROGRESS  -> LATE (its end day 03-20 was over on 03-21, before 04-01)
    //   Call-back      03-01..06-30 PLANNED      -> LATE (should have started on 03-01)
    //   Training       05-01..05-31 PLANNED      -> NOT_STARTED (its start day is after the period)
    //   Radio          01-10..01-20 CANCELLED    -> CANCELLED
    //   Helpline       03-10..06-01 IN_PROGRESS  -> ON_TIME (due to end after the period)
    // -> onTime 2, late 2, notStarted 1, cancelled 1; by start date: Radio, Depot, Spare, Call-back, Helpline, Training.
    await intervention(repairGoal, "Depot test", "2026-02-01", "2026-03-15", "DONE");
    await intervention(repairGoal, "Spare parts", "2026-02-15", "2026-03-20", "IN_PROGRESS");
    await intervention(repairGoal, "Call-back", "2026-03-01", "2026-06-30", "PLANNED");
    await intervention(repairGoal, "Training", "2026-05-01", "2026-05-31", "PLANNED");
    await intervention(repairGoal, "Radio", "2026-01-10", "2026-01-20", "CANCELLED");
    await intervention(repairGoal, "Helpline", "2026-03-10", "2026-06-01", "IN_PROGRESS");

    const survey = async (name: string, questions: unknown[]) =>
      (await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, { i: { organizationId: org.id, name, audience: "CUSTOMER", questions } })).createSurvey.id as string;
    const repairSurvey = await survey("Repair", [
      { key: "nps", type: "NPS", text: "Recommend us?" },
      { key: "effort", type: "EFFORT", text: "How easy was the repair?" },
    ]);
    const shopSurvey = await survey("Shop", [{ key: "nps", type: "NPS", text: "Recommend us?" }]);
    const people: string[] = [];
    for (let i = 0; i < 30; i++) people.push(await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: `G-${i}` }));
    let n = 0;
    const item = (surveyId: string, touchpointId: string, collectedAt: string, answers: unknown[]) => ({
      clientSubmissionId: `g-${n}`,
      surveyId,
      stakeholderId: people[n++ % people.length],
      touchpointId,
      collectedAt,
      answers,
    });
    const items = [
      // Depot test, windowDays 14: before [01-18, 02-01), after [02-01, 02-15).
      // Before, at the repair visit: 10 NPS answers, 2 x 10, 3 x 8, 5 x 3 (the last one second before 02-01).
      //   Per answer 100, 50 or 0 -> sum 350, mean 35 (= (NPS -30 + 100) / 2).
      //   s² = (2 x 100² + 3 x 50² - 10 x 35²) / 9 = (27500 - 12250) / 9 = 1694.44; s²/n = 169.44;
      //   ± 1.96 x √169.44 = ± 25.51 -> [9.49, 60.51].
      ...[10, 10, 8, 8, 8, 3, 3, 3, 3].map((v) => item(repairSurvey, repair, "2026-01-20T10:00:00Z", [{ key: "nps", value: v }])),
      item(repairSurvey, repair, "2026-01-31T23:59:59Z", [{ key: "nps", value: 3 }]),
      // At the shop in the same days: another touchpoint, not counted.
      ...[0, 0, 0, 0, 0].map((v) => item(shopSurvey, shop, "2026-01-20T10:00:00Z", [{ key: "nps", value: v }])),
      // After (the first exactly at 02-01T00:00, inside): 10 responses, NPS 6 x 9 and 4 x 7, each with effort 7
      //   -> NPS answers 6 x 100 + 4 x 50 = 800, effort answers 10 x (7 - 1) / 6 x 100 = 1000;
      //   20 answers, mean 1800 / 20 = 90 (the feedback component: NPS 60 -> 80 over 10, effort 100 over 10 -> 90).
      //   s² = (6 x 100² + 4 x 50² + 10 x 100² - 20 x 90²) / 19 = (170000 - 162000) / 19 = 421.05; s²/n = 21.05;
      //   ± 1.96 x √21.05 = ± 8.99 -> [81.01, 98.99].
      // Difference 90 - 35 = 55, ± 1.96 x √(169.44 + 21.05) = ± 27.05 -> [27.95, 82.05].
      item(repairSurvey, repair, "2026-02-01T00:00:00Z", [{ key: "nps", value: 9 }, { key: "effort", value: 7 }]),
      ...[9, 9, 9, 9, 9, 7, 7, 7, 7].map((v) => item(repairSurvey, repair, "2026-02-05T10:00:00Z", [{ key: "nps", value: v }, { key: "effort", value: 7 }])),
      // Spare parts: before [02-01, 02-15) is the Depot test's after (20 answers, 90); after [02-15, 03-01):
      // 4 answers, too few for a score (minimum 10).
      ...[10, 10, 10, 10].map((v) => item(repairSurvey, repair, "2026-02-20T10:00:00Z", [{ key: "nps", value: v }])),
      // Helpline: before [02-24, 03-10) and after [03-10, 03-24): no answers.
    ];
    const r = await app.ok<any>(`mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created rejected } }`, { i: { organizationId: org.id, items } });
    expect(r.submitFeedback).toEqual({ created: items.length, rejected: 0 });

    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }], "funder"));
    const partnerId = (await app.ok<any>(`mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }`, { i: { organizationId: org.id, name: "Agents", kind: "FIELD_PARTNER" } })).createPartner.id;
    fieldPartner = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId }], "fp"));
  });
  afterAll(() => app.close());

  it("gives each goal its KPIs' attainment, its interventions on time, late or not started, and the experience before and after each started one", async () => {
    const report = (await app.ok<any>(REPORT, { o: org.id, ...Q1, w: 14 })).goalDelivery;
    expect(report).toMatchObject({ from: "2026-01-01T00:00:00.000Z", to: "2026-04-01T00:00:00.000Z", windowDays: 14, minimumAnswers: 10 });
    expect(report.goals.map((g: any) => g.goal.id)).toEqual([repairGoal, stageGoal]);
    const [g, s] = report.goals;
    expect(g.scoredAt).toBe("TOUCHPOINT");
    expect(g.kpis).toEqual([
      { metric: { name: "Repair days" }, actual: "15", target: "10", baseline: "20", attainment: 50, observations: 1 },
      { metric: { name: "Calls answered" }, actual: "80", target: "90", baseline: "50", attainment: 75, observations: 1 },
    ]);
    expect(g.kpiAttainment).toBe(62.5);
    expect(g.interventionCounts).toEqual({ onTime: 2, late: 2, notStarted: 1, cancelled: 1 });
    const byTitle = Object.fromEntries(g.interventions.map((i: any) => [i.intervention.title, i]));
    expect(g.interventions.map((i: any) => [i.intervention.title, i.timeliness])).toEqual([
      ["Radio", "CANCELLED"],
      ["Depot test", "ON_TIME"],
      ["Spare parts", "LATE"],
      ["Call-back", "LATE"],
      ["Helpline", "ON_TIME"],
      ["Training", "NOT_STARTED"],
    ]);
    expect(byTitle["Spare parts"].reason).toBe("in progress after its end date 2026-03-20");
    expect(byTitle["Call-back"].reason).toBe("still planned though due to start on 2026-03-01");
    expect(byTitle["Training"].reason).toBe("planned to start on 2026-05-01");
    // Not started (planned, cancelled): no before and after.
    for (const t of ["Radio", "Call-back", "Training"]) expect(byTitle[t].effect).toBeNull();

    expect(byTitle["Depot test"].effect).toEqual({
      before: { from: "2026-01-18T00:00:00.000Z", to: "2026-02-01T00:00:00.000Z", answers: 10, score: 35, low: 9.49, high: 60.51, nps: -30, npsAnswers: 10 },
      after: { from: "2026-02-01T00:00:00.000Z", to: "2026-02-15T00:00:00.000Z", answers: 20, score: 90, low: 81.01, high: 98.99, nps: 60, npsAnswers: 10 },
      difference: 55,
      differenceLow: 27.95,
      differenceHigh: 82.05,
      note: null,
    });
    expect(byTitle["Spare parts"].effect).toMatchObject({
      before: { answers: 20, score: 90 },
      after: { answers: 4, score: null, low: null, high: null, nps: null, npsAnswers: 4 },
      difference: null,
      differenceLow: null,
      note: "not enough data: 4 after (at least 10 answers on each side)",
    });
    expect(byTitle["Helpline"].effect).toMatchObject({
      before: { from: "2026-02-24T00:00:00.000Z", answers: 0, score: null },
      after: { to: "2026-03-24T00:00:00.000Z", answers: 0, score: null },
      note: "not enough data: 0 before, 0 after (at least 10 answers on each side)",
    });

    // A goal at a stage only, with no KPIs and no interventions.
    expect(s).toMatchObject({ scoredAt: "STAGE", kpis: [], kpiAttainment: null, interventionCounts: { onTime: 0, late: 0, notStarted: 0, cancelled: 0 }, interventions: [] });
  });

  it("takes one goal, a default window of 28 days, and a period that moves the judgement", async () => {
    const one = (await app.ok<any>(REPORT, { o: org.id, ...Q1, g: stageGoal })).goalDelivery;
    expect(one.windowDays).toBe(28);
    expect(one.goals.map((g: any) => g.goal.id)).toEqual([stageGoal]);
    // Depot test with 28 days: before [01-04, 02-01) holds the same 10 answers; after [02-01, 03-01) the 20 and the 4 promoters' NPS answers:
    //   24 answers: NPS 10 promoters, 4 passives of 14 -> NPS 71.43, mapped 85.71 (rounded, as QoE rounds it) over 14;
    //   effort 100 over 10 -> (85.71 x 14 + 100 x 10) / 24 = 91.66.
    const wide = (await app.ok<any>(REPORT, { o: org.id, ...Q1, g: repairGoal })).goalDelivery.goals[0];
    const depot = wide.interventions.find((i: any) => i.intervention.title === "Depot test");
    expect(depot.effect.before).toMatchObject({ answers: 10, score: 35 });
    expect(depot.effect.after).toMatchObject({ answers: 24, score: 91.66, nps: 71.43, npsAnswers: 14 });
    // At the end of February (2026-03-01): Depot test done (ON_TIME), Spare parts in progress before its end date (ON_TIME);
    // Call-back's and Training's start days have not begun (NOT_STARTED), nor Helpline's, though it is in progress now:
    // by its plan it had not started at the period's end (NOT_STARTED, no effect); Radio cancelled.
    const feb = (await app.ok<any>(REPORT, { o: org.id, from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z", g: repairGoal })).goalDelivery.goals[0];
    expect(feb.interventionCounts).toEqual({ onTime: 2, late: 0, notStarted: 3, cancelled: 1 });
    const helpline = feb.interventions.find((i: any) => i.intervention.title === "Helpline");
    expect(helpline).toMatchObject({ timeliness: "NOT_STARTED", reason: "planned to start on 2026-03-10", effect: null });
    // KPIs: the observation of Q1 starts before February, so February has none: missing, not 0.
    expect(feb.kpis.map((k: any) => k.attainment)).toEqual([null, null]);
    expect(feb.kpiAttainment).toBeNull();
  });

  it("refuses bad input with its field, another organization's goal as missing, funders and field partners", async () => {
    expect(error(await app.gql(REPORT, { o: org.id, ...Q1, w: 0 }))).toEqual({ code: "BAD_USER_INPUT", field: "windowDays" });
    expect(error(await app.gql(REPORT, { o: org.id, ...Q1, w: 366 }))).toEqual({ code: "BAD_USER_INPUT", field: "windowDays" });
    expect(error(await app.gql(REPORT, { o: org.id, from: Q1.to, to: Q1.from }))).toEqual({ code: "BAD_USER_INPUT", field: "to" });
    expect(error(await app.gql(REPORT, { o: org.id }))).toEqual({ code: "BAD_USER_INPUT", field: "from" });
    expect(error(await app.gql(REPORT, { o: org.id, ...Q1, g: "not-an-id" }))).toMatchObject({ code: "BAD_USER_INPUT", field: "goalId" });
    expect(error(await app.gql(REPORT, { o: org.id, ...Q1, g: otherGoal }))).toMatchObject({ code: "NOT_FOUND" });
    expect(error(await app.gql(REPORT, { o: org.id, ...Q1, g: repair }))).toMatchObject({ code: "BAD_USER_INPUT", field: "goalId" });
    // Goals are not shown to funders or field partners today; their delivery neither.
    expect(error(await funder.gql(REPORT, { o: org.id, ...Q1 }))).toMatchObject({ code: "FORBIDDEN" });
    expect(error(await fieldPartner.gql(REPORT, { o: org.id, ...Q1 }))).toMatchObject({ code: "FORBIDDEN" });
    expect(error(await funder.gql(`query($o: ID!) { experienceGoals(organizationId: $o) { totalCount } }`, { o: org.id }))).toMatchObject({ code: "FORBIDDEN" });
    // Another organization's delivery: FORBIDDEN for its caller, whatever exists.
    const outsider = app.as(await app.issue("MEMBER", [{ organizationId: other.id, role: "ADMIN" }], "outsider"));
    expect(error(await outsider.gql(REPORT, { o: org.id, ...Q1 }))).toMatchObject({ code: "FORBIDDEN" });
    // A goal whose stage and touchpoint disagree is refused (a beneficiary stage with a customer touchpoint).
    expect(
      error(await app.gql(`mutation($i: CreateExperienceGoalInput!) { createExperienceGoal(input: $i) { id } }`, { i: { organizationId: org.id, statement: "x", stageId: org.beneficiaryStages.Uses, touchpointId: repair } })),
    ).toEqual({ code: "BAD_USER_INPUT", field: "touchpointId" });
  });

  it("runs as many statements for many goals as for two (no query per goal or intervention)", async () => {
    const Q = `query($o: ID!) { goalDelivery(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z", windowDays: 14) {
      goals { goal { statement touchpoint { name } stage { name } metrics { name } } kpis { metric { name } attainment }
        interventions { intervention { title owner { name } } timeliness effect { difference } } } } }`;
    const statements = async () => {
      app.counter.reset();
      app.counter.record = true;
      const data = await app.ok<any>(Q, { o: org.id });
      app.counter.record = false;
      return { count: app.counter.statements.filter((sql) => !/\bapi_keys\b/.test(sql)).length, goals: data.goalDelivery.goals.length };
    };
    const two = await statements();
    expect(two.goals).toBe(2);
    for (let i = 0; i < 5; i++) {
      const g = await goal({ organizationId: org.id, statement: `More ${i}`, stageId: org.customerStages.Support, touchpointId: repair, metricIds: [] });
      await intervention(g, `Started ${i}`, "2026-02-01", "2026-06-01", "IN_PROGRESS");
    }
    const seven = await statements();
    expect(seven.goals).toBe(7);
    expect(seven.count).toBe(two.count);
  });
});
