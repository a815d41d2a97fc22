import { Caller, startTestApp, TestApp, unknownId } from "../helpers/app";
import { createOrg, createStakeholder, OrgFixture } from "../helpers/fixtures";

/**
 * Outcomes measured from feedback (issue 14, item 4), on an organization made through the API.
 *
 * A household survey asks "kerosene" (NUMBER, KES per month, 0..20000), "light" (YES_NO), "fuel"
 * (CHOICE: kerosene, solar, grid) and "note" (TEXT). Six households A..F (A, B, C women; D, E, F men)
 * answer in January (baseline) and, except E, in July (follow-up):
 *
 *   kerosene  Jan: A 1000, B 800, C 1500, D 600, E 900, F 1200    Jul: A 400, B 800, C 500, D 700, F 900
 *   light     Jan: A yes, F yes, the others no                     Jul: A, B, C, F yes; D no
 *   fuel      Jan: A solar, the others kerosene                     Jul: A, C solar; the others kerosene
 *
 * Metric values (the answers collected in the month): kerosene January (1000 + 800 + 1500 + 600 + 900
 * + 1200) / 6 = 1000, July (400 + 800 + 500 + 700 + 900) / 5 = 660; by gender in January: women
 * (1000 + 800 + 1500) / 3 = 1100, men (600 + 900 + 1200) / 3 = 900. Light: 2 of 6 = 33.333333 %, then
 * 4 of 5 = 80 %. Solar: 1 of 6 = 16.666667 %.
 *
 * Distance travelled on kerosene (lower is better): changes A −600, B 0, C −1000, D +100, F −300; E has
 * no follow-up. Improved A, C, F (3 of 5 = 0.6), same B (0.2), worse D (0.2). Mean change −1800 / 5 =
 * −360; sample variance ((−240)² + 360² + (−640)² + 460² + 60²) / 4 = 812000 / 4 = 203000, standard
 * error √(203000 / 5) = 201.4944; t(0.975, 4) = 2.776445; interval −360 ± 559.4382 = −919.4382..199.4382.
 * Mean baseline of the 5 measured (1000 + 800 + 1500 + 600 + 1200) / 5 = 1020, follow-up 660.
 */
describe("outcomes measured from feedback", () => {
  let app: TestApp;
  let org: OrgFixture;
  let funder: Caller;
  let survey: string;
  const metric: Record<string, string> = {};
  const people: Record<string, string> = {};
  const LINK = `mutation($i: LinkMetricToQuestionInput!) { linkMetricToQuestion(input: $i) { id source { questionKey measure option } } }`;
  const DISTANCE = `query($m: ID!, $from: DateTimeISO, $to: DateTimeISO) { distanceTravelled(metricId: $m, from: $from, to: $to) {
    withBaseline measured lackingFollowUp improved same worse improvedShare sameShare worseShare baselineMean followUpMean meanChange meanChangeLow meanChangeHigh notEnoughData suppressed } }`;
  const SERIES = `query($m: ID!, $d: String) { metricSeries(metricId: $m, from: "2026-01-01T00:00:00Z", to: "2026-08-01T00:00:00Z", interval: MONTH, dimension: $d) {
    points { from actual observations suppressed groups { value actual observations suppressed } } } }`;
  const error = (r: any) => ({ code: r.errors?.[0]?.extensions?.code, field: r.errors?.[0]?.extensions?.field });
  const createMetric = async (input: Record<string, unknown>) =>
    (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, { i: { organizationId: org.id, category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", impactMode: "IN_USE", ...input } })).createMetric.id as string;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Outcome Org", "CUSTOMER_FUNDS_BENEFICIARY");
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }], "funder"));
    survey = (
      await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id questions { key type unit min max } } }`, {
        i: {
          organizationId: org.id,
          name: "Household survey",
          audience: "BENEFICIARY",
          questions: [
            { key: "kerosene", type: "NUMBER", text: "What did you spend on kerosene last month?", unit: "KES per month", min: "0", max: "20000" },
            { key: "light", type: "YES_NO", text: "Do the children have light to study by?" },
            { key: "fuel", type: "CHOICE", text: "Main lighting fuel?", options: ["kerosene", "solar", "grid"] },
            { key: "note", type: "TEXT", text: "Anything else?" },
          ],
        },
      })
    ).createSurvey.id;
    metric.kerosene = await createMetric({ name: "Kerosene spend per month", unit: "CURRENCY", aggregation: "AVERAGE", direction: "LOWER_IS_BETTER" });
    metric.light = await createMetric({ name: "Households with study light", unit: "PERCENT", aggregation: "AVERAGE" });
    metric.solar = await createMetric({ name: "Households lighting with solar", unit: "PERCENT", aggregation: "AVERAGE" });
    for (const [n, gender] of [["A", "FEMALE"], ["B", "FEMALE"], ["C", "FEMALE"], ["D", "MALE"], ["E", "MALE"], ["F", "MALE"]]) {
      people[n] = await createStakeholder(app, { organizationId: org.id, kind: "BENEFICIARY", externalRef: `HH-${n}`, gender });
    }
    const jan: Record<string, [number, boolean, string]> = { A: [1000, true, "solar"], B: [800, false, "kerosene"], C: [1500, false, "kerosene"], D: [600, false, "kerosene"], E: [900, false, "kerosene"], F: [1200, true, "kerosene"] };
    const jul: Record<string, [number, boolean, string]> = { A: [400, true, "solar"], B: [800, true, "kerosene"], C: [500, true, "solar"], D: [700, false, "kerosene"], F: [900, true, "kerosene"] };
    const items = [
      ...Object.entries(jan).map(([n, [k, l, f]]) => ({ n, at: "2026-01-10T09:00:00Z", k, l, f })),
      ...Object.entries(jul).map(([n, [k, l, f]]) => ({ n, at: "2026-07-10T09:00:00Z", k, l, f })),
    ].map((x, i) => ({ clientSubmissionId: `hh-${i}`, surveyId: survey, stakeholderId: people[x.n], collectedAt: x.at, answers: [{ key: "kerosene", value: x.k }, { key: "light", value: x.l }, { key: "fuel", value: x.f }] }));
    expect((await app.ok<any>(`mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created rejected } }`, { i: { organizationId: org.id, items } })).submitFeedback).toEqual({ created: 11, rejected: 0 });
  });
  afterAll(() => app.close());

  it("links a NUMBER question to an AVERAGE metric (MEAN), a YES_NO (SHARE_YES) and a CHOICE option (SHARE_OPTION) to PERCENT metrics", async () => {
    expect((await app.ok<any>(LINK, { i: { metricId: metric.kerosene, surveyId: survey, questionKey: "kerosene" } })).linkMetricToQuestion.source).toEqual({ questionKey: "kerosene", measure: "MEAN", option: null });
    expect((await app.ok<any>(LINK, { i: { metricId: metric.light, surveyId: survey, questionKey: "light" } })).linkMetricToQuestion.source).toEqual({ questionKey: "light", measure: "SHARE_YES", option: null });
    expect((await app.ok<any>(LINK, { i: { metricId: metric.solar, surveyId: survey, questionKey: "fuel", option: "solar" } })).linkMetricToQuestion.source).toEqual({ questionKey: "fuel", measure: "SHARE_OPTION", option: "solar" });
  });

  it("computes the metrics' values from the answers of each month, with the respondents as the sample size", async () => {
    const values = async (m: string) => (await app.ok<any>(SERIES, { m })).metricSeries.points.map((p: any) => [p.from.slice(0, 7), p.actual, p.observations]);
    expect(await values(metric.kerosene)).toEqual([["2026-01", "1000", 6], ["2026-02", null, 0], ["2026-03", null, 0], ["2026-04", null, 0], ["2026-05", null, 0], ["2026-06", null, 0], ["2026-07", "660", 5]]);
    expect((await values(metric.light)).filter((v: any[]) => v[1] !== null)).toEqual([["2026-01", "33.333333", 6], ["2026-07", "80", 5]]);
    expect((await values(metric.solar))[0]).toEqual(["2026-01", "16.666667", 6]);
    const inUse = await app.ok<any>(`query($o: ID!) { impactInUse(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { socialMetrics { metric { id } actual sampleSize } } }`, { o: org.id });
    expect(inUse.impactInUse.socialMetrics.find((m: any) => m.metric.id === metric.kerosene)).toMatchObject({ actual: "1000", sampleSize: 6 });
  });

  it("splits a linked metric by its respondents' attributes", async () => {
    const [janPoint] = (await app.ok<any>(SERIES, { m: metric.kerosene, d: "gender" })).metricSeries.points;
    expect(janPoint.groups.map((g: any) => [g.value, g.actual, g.observations])).toEqual([["FEMALE", "1100", 3], ["MALE", "900", 3]]);
    expect(error(await app.gql(SERIES, { m: metric.kerosene, d: "village" }))).toEqual({ code: "BAD_USER_INPUT", field: "dimension" });
  });

  it("gives the distance travelled on kerosene spend: 3 improved, 1 same, 1 worse, 1 without a follow-up, mean change −360 (−919.44..199.44)", async () => {
    const d = (await app.ok<any>(DISTANCE, { m: metric.kerosene })).distanceTravelled;
    expect(d).toEqual({
      withBaseline: 6, measured: 5, lackingFollowUp: 1, improved: 3, same: 1, worse: 1, improvedShare: 0.6, sameShare: 0.2, worseShare: 0.2,
      baselineMean: 1020, followUpMean: 660, meanChange: -360, meanChangeLow: -919.4382, meanChangeHigh: 199.4382, notEnoughData: null, suppressed: false,
    });
    // Light (higher is better, in percentage points): A stays yes, B and C no → yes, D stays no, F stays yes: 2 improved, 3 same.
    const light = (await app.ok<any>(DISTANCE, { m: metric.light })).distanceTravelled;
    expect(light).toMatchObject({ measured: 5, improved: 2, same: 3, worse: 0, baselineMean: 40, followUpMean: 80, meanChange: 40 });
    // Only January: every person has one answer, so no follow-up and no mean.
    const january = (await app.ok<any>(DISTANCE, { m: metric.kerosene, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" })).distanceTravelled;
    expect(january).toMatchObject({ withBaseline: 6, measured: 0, lackingFollowUp: 6, improved: 0, meanChange: null, notEnoughData: "fewer than 5 people with a baseline and a follow-up answer" });
  });

  it("hides from a funder what fewer than 10 people gave: the values and the distance travelled", async () => {
    const s = (await funder.ok<any>(SERIES, { m: metric.kerosene })).metricSeries.points;
    expect(s[0]).toMatchObject({ actual: null, suppressed: true });
    const d = (await funder.ok<any>(DISTANCE, { m: metric.kerosene })).distanceTravelled;
    expect(d).toMatchObject({ withBaseline: null, measured: null, improved: null, same: null, worse: null, improvedShare: null, meanChange: null, suppressed: true });
  });

  it("with a threshold of 5, shows a funder adjusted people, never the true count of answers, and means as true sums over the adjusted count", async () => {
    await app.ok(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { id } }`, { i: { id: org.id, suppressionThreshold: 5 } });
    try {
      const inUse = await funder.ok<any>(`query($o: ID!) { impactInUse(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { socialMetrics { metric { id } actual sampleSize observations } } }`, { o: org.id });
      const k = inUse.impactInUse.socialMetrics.find((m: any) => m.metric.id === metric.kerosene);
      // January: 6 people, 6 answers; the funder sees the mean (not a count) and the people adjusted, the answers as those people.
      expect(k.actual).toBe("1000");
      expect(Math.abs(k.sampleSize - 6)).toBeLessThanOrEqual(2);
      expect(k.observations).toBe(k.sampleSize);
      // Distance travelled: 6 with a baseline (shown), but the 1 without a follow-up is below 5, and 6 − 5 would give it
      // back: measured is hidden with it, and so are the classes and the means (the arithmetic of the means shown to a
      // funder is in test/unit/distance.test.ts).
      const d = (await funder.ok<any>(DISTANCE, { m: metric.kerosene })).distanceTravelled;
      expect(Math.abs(d.withBaseline - 6)).toBeLessThanOrEqual(2);
      expect(d).toMatchObject({ measured: null, lackingFollowUp: null, improved: null, meanChange: null, baselineMean: null, suppressed: true });
    } finally {
      await app.ok(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { id } }`, { i: { id: org.id, suppressionThreshold: 10 } });
    }
  });

  it("refuses links and answers that make no sense, with the field", async () => {
    const kpi = (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, { i: { organizationId: org.id, name: "Repairs", category: "KPI", perspective: "CUSTOMER", kind: "INPUT", unit: "COUNT", aggregation: "SUM" } })).createMetric.id;
    const latest = await createMetric({ name: "Latest spend", unit: "CURRENCY", aggregation: "LATEST" });
    expect(error(await app.gql(LINK, { i: { metricId: kpi, surveyId: survey, questionKey: "kerosene" } }))).toEqual({ code: "BAD_USER_INPUT", field: "metricId" });
    expect(error(await app.gql(LINK, { i: { metricId: latest, surveyId: survey, questionKey: "kerosene" } }))).toEqual({ code: "BAD_USER_INPUT", field: "metricId" });
    expect(error(await app.gql(LINK, { i: { metricId: metric.kerosene, surveyId: survey, questionKey: "note" } }))).toEqual({ code: "BAD_USER_INPUT", field: "questionKey" });
    expect(error(await app.gql(LINK, { i: { metricId: metric.kerosene, surveyId: survey, questionKey: "nothing" } }))).toEqual({ code: "BAD_USER_INPUT", field: "questionKey" });
    expect(error(await app.gql(LINK, { i: { metricId: metric.kerosene, surveyId: survey, questionKey: "light" } }))).toEqual({ code: "BAD_USER_INPUT", field: "metricId" });
    expect(error(await app.gql(LINK, { i: { metricId: metric.solar, surveyId: survey, questionKey: "fuel" } }))).toEqual({ code: "BAD_USER_INPUT", field: "option" });
    expect(error(await app.gql(LINK, { i: { metricId: metric.solar, surveyId: survey, questionKey: "fuel", option: "candles" } }))).toEqual({ code: "BAD_USER_INPUT", field: "option" });
    expect(error(await app.gql(LINK, { i: { metricId: metric.kerosene, surveyId: survey, questionKey: "kerosene", option: "x" } }))).toEqual({ code: "BAD_USER_INPUT", field: "option" });
    // A NUMBER question needs its unit; min ≤ max.
    const q = (extra: Record<string, unknown>) => app.gql(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, { i: { organizationId: org.id, name: `S${Math.random()}`, audience: "BENEFICIARY", questions: [{ key: "n", type: "NUMBER", text: "How many?", ...extra }] } });
    expect(error(await q({}))).toEqual({ code: "BAD_USER_INPUT", field: "questions.0.unit" });
    expect(error(await q({ unit: "people", min: "5", max: "1" }))).toEqual({ code: "BAD_USER_INPUT", field: "questions.0.max" });
    expect(error(await app.gql(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, { i: { organizationId: org.id, name: "Unit on a rating", audience: "BENEFICIARY", questions: [{ key: "r", type: "RATING", text: "?", unit: "stars" }] } }))).toEqual({ code: "BAD_USER_INPUT", field: "questions.0.unit" });
    // Answers: out of range, more than 2 decimals, not a number: the item is rejected on its answer.
    const submit = await app.ok<any>(`mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created rejected items { status errors { field } } } }`, {
      i: { organizationId: org.id, items: [25000, 10.123, "ten"].map((v, i) => ({ clientSubmissionId: `bad-${i}`, surveyId: survey, stakeholderId: people.A, collectedAt: "2026-07-11T09:00:00Z", answers: [{ key: "kerosene", value: v }] })) },
    });
    expect(submit.submitFeedback.rejected).toBe(3);
    expect(submit.submitFeedback.items.map((i: any) => i.errors.map((e: any) => e.field))).toEqual([["answers.0"], ["answers.0"], ["answers.0"]]);
    // A linked metric takes no observations.
    const obs = await app.ok<any>(`mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { rejected items { errors { field message } } } }`, { i: { organizationId: org.id, items: [{ metricId: metric.kerosene, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "5" }] } });
    expect(obs.recordObservations.items[0].errors[0].field).toBe("metricId");
    // Not linked: no distance travelled.
    expect(error(await app.gql(DISTANCE, { m: latest }))).toEqual({ code: "BAD_USER_INPUT", field: "metricId" });
  });

  it("keeps organizations apart: another organization's metric or survey is not found; field partners and funders cannot link", async () => {
    const other = await createOrg(app, "Other outcome org");
    const theirs = (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, { i: { organizationId: other.id, name: "Theirs", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", impactMode: "IN_USE", unit: "CURRENCY", aggregation: "AVERAGE" } })).createMetric.id;
    const admin = app.as(await app.issue("MEMBER", [{ organizationId: org.id, role: "ADMIN" }], "admin"));
    expect(error(await admin.gql(LINK, { i: { metricId: theirs, surveyId: survey, questionKey: "kerosene" } }))).toEqual({ code: "NOT_FOUND", field: "metricId" });
    expect(error(await admin.gql(DISTANCE, { m: theirs }))).toEqual({ code: "NOT_FOUND", field: "metricId" });
    expect(error(await admin.gql(LINK, { i: { metricId: metric.kerosene, surveyId: unknownId("Survey", org.id), questionKey: "kerosene" } }))).toEqual({ code: "NOT_FOUND", field: "surveyId" });
    expect(error(await funder.gql(LINK, { i: { metricId: metric.kerosene, surveyId: survey, questionKey: "kerosene" } }))).toEqual({ code: "FORBIDDEN", field: "metricId" });
  });

  it("unlinks: the metric's values come from observations again", async () => {
    const r = await app.ok<any>(`mutation($m: ID!) { unlinkMetricFromQuestion(metricId: $m) { source { questionKey } } }`, { m: metric.solar });
    expect(r.unlinkMetricFromQuestion.source).toBeNull();
    const values = (await app.ok<any>(SERIES, { m: metric.solar })).metricSeries.points.map((p: any) => p.actual);
    expect(values.every((v: unknown) => v === null)).toBe(true);
  });
});
