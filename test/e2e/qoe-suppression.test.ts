import { startTestApp, TestApp, Caller } from "../helpers/app";
import { createOrg, createStakeholder, OrgFixture } from "../helpers/fixtures";

/**
 * Quality of experience as a funder sees it (small-cell suppression, k = 10, the default):
 * hand-made data, the expected hidden and shown cells worked out in the comments, and the same
 * questions asked as staff, who see every number.
 */

const K = 10;
const SUBMIT = `mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created rejected } }`;
const PART = `name raw value sampleSize suppressed`;
const GROUP = `key label people score suppressed missingPerspectives
  perspectives { perspective score missing components { kind value sampleSize missing suppressed parts { ${PART} } } }`;
// The overall and the groups in two requests: together they would cost more than one request may.
const QOE = (field: "overall" | "groups") => `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!, $g: QoeGroupBy!, $d: Dimension, $i: Interval) {
  qualityOfExperience(organizationId: $o, from: $from, to: $to, groupBy: $g, dimension: $d, interval: $i) {
    suppression { applied threshold } ${field} { ${GROUP} } } }`;

async function touchpoint(app: TestApp, stageId: string, name: string, areaId: string): Promise<string> {
  const r = await app.ok<any>(`mutation($i: CreateTouchpointInput!) { createTouchpoint(input: $i) { id } }`, {
    i: { stageId, name, channel: "IN_PERSON", functionalAreaId: areaId },
  });
  return r.createTouchpoint.id;
}

async function survey(app: TestApp, org: string, questions: unknown[]): Promise<string> {
  const r = await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
    i: { organizationId: org, name: `Survey ${Math.random()}`, audience: "CUSTOMER", questions },
  });
  return r.createSurvey.id;
}

async function customers(app: TestApp, org: string, prefix: string, n: number, gender?: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await createStakeholder(app, { organizationId: org, kind: "CUSTOMER", externalRef: `${prefix}-${i}`, ...(gender ? { gender } : {}) }));
  return ids;
}

async function submit(app: TestApp, org: string, items: Record<string, unknown>[]): Promise<void> {
  const r = await app.ok<any>(SUBMIT, { i: { organizationId: org, items } });
  expect(r.submitFeedback).toEqual({ created: items.length, rejected: 0 });
}

const qoe = async (who: Caller, vars: Record<string, unknown>) => {
  const [a, b] = await Promise.all([who.ok<any>(QOE("overall"), vars), who.ok<any>(QOE("groups"), vars)]);
  return { ...a.qualityOfExperience, ...b.qualityOfExperience };
};
const byLabel = (q: any, label: string) => q.groups.find((g: any) => g.label === label);
const perspective = (g: any, p = "CUSTOMER") => g.perspectives.find((x: any) => x.perspective === p);
const component = (g: any, kind: string, p = "CUSTOMER") => perspective(g, p).components.find((c: any) => c.kind === kind);
const part = (g: any, kind: string, name: string, p = "CUSTOMER") => component(g, kind, p).parts.find((x: any) => x.name === name);
const shownPart = (raw: number, sampleSize: number) => ({ raw, sampleSize, suppressed: false });
const HIDDEN_PART = { raw: null, value: null, sampleSize: null, suppressed: true };

/** A group hidden whole: no number derived from it anywhere (weights are the organization's, not the group's). */
function expectHiddenWhole(g: any): void {
  expect(g).toMatchObject({ people: null, score: null, suppressed: true, missingPerspectives: ["CUSTOMER", "USER", "BENEFICIARY"] });
  for (const p of g.perspectives) {
    expect(p.score).toBeNull();
    for (const c of p.components) expect(c).toMatchObject({ value: null, sampleSize: null, missing: true, suppressed: true, parts: [] });
  }
}

/**
 * What subtraction gives back: for each feedback part of the overall, its sample size minus those
 * of the groups that show it. Must be 0 or at least k, or it would be the size of a small group.
 */
function expectNothingSmallBySubtraction(q: any): void {
  for (const p of q.overall.perspectives) {
    for (const c of p.components.filter((x: any) => x.kind === "FEEDBACK")) {
      for (const total of c.parts.filter((x: any) => !x.suppressed)) {
        const shown = q.groups
          .map((g: any) => part(g, "FEEDBACK", total.name, p.perspective))
          .filter((x: any) => x && !x.suppressed)
          .reduce((s: number, x: any) => s + x.sampleSize, 0);
        const rest = total.sampleSize - shown;
        expect(rest === 0 || rest >= K).toBe(true);
      }
    }
  }
}

describe("quality of experience: small-cell suppression for funders", () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  describe("groups that partition the overall (by gender)", () => {
    let org: OrgFixture;
    let funder: Caller;
    const JAN = { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" };
    const FEB = { from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z" };

    beforeAll(async () => {
      org = await createOrg(app, "Gender split", "CUSTOMER_IS_BENEFICIARY");
      funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
      // At the Purchase stage (not IN_USE): customer perspective only.
      const shop = await touchpoint(app, org.customerStages.Purchase, "Shop", org.areas.Sales);
      const npsRating = await survey(app, org.id, [
        { key: "nps", type: "NPS", text: "Recommend us?" },
        { key: "rating", type: "RATING", text: "How was it?" },
      ]);
      const npsEffort = await survey(app, org.id, [
        { key: "nps", type: "NPS", text: "Recommend us?" },
        { key: "effort", type: "EFFORT", text: "How easy was it?" },
      ]);
      const answer = (surveyId: string, who: string, day: string, answers: unknown[]) => ({
        clientSubmissionId: `${who}-${day}`,
        surveyId,
        stakeholderId: who,
        touchpointId: shop,
        collectedAt: `${day}T10:00:00Z`,
        answers,
      });
      // January, one response each:
      //   12 women:       6 x NPS 10, 6 x NPS 8;        rating 4  -> NPS 50, rating 4
      //   11 men:         3 x 10, 5 x 8, 3 x 3;          rating 3  -> NPS 0, rating 3
      //    3 undisclosed: 8, 3, 3;                       rating 5  -> NPS -66.67, rating 5
      //   all 26:         9 promoters, 12 passives, 5 detractors -> NPS 15.38; ratings 96 / 26 = 3.69
      const women = await customers(app, org.id, "W", 12, "FEMALE");
      const men = await customers(app, org.id, "M", 11, "MALE");
      const undisclosed = await customers(app, org.id, "U", 3, "UNDISCLOSED");
      const items = [
        ...women.map((w, i) => answer(npsRating, w, "2026-01-10", [{ key: "nps", value: i < 6 ? 10 : 8 }, { key: "rating", value: 4 }])),
        ...men.map((m, i) => answer(npsRating, m, "2026-01-11", [{ key: "nps", value: i < 3 ? 10 : i < 8 ? 8 : 3 }, { key: "rating", value: 3 }])),
        ...undisclosed.map((u, i) => answer(npsRating, u, "2026-01-12", [{ key: "nps", value: i === 0 ? 8 : 3 }, { key: "rating", value: 5 }])),
      ];
      // February, other people: 15 women and 12 men, all NPS 9 (promoters). Effort (1..7): 4 of the
      // women answer 2, 11 of the men answer 6 -> overall effort (4 x 2 + 11 x 6) / 15 = 4.93.
      const febWomen = await customers(app, org.id, "FW", 15, "FEMALE");
      const febMen = await customers(app, org.id, "FM", 12, "MALE");
      items.push(
        ...febWomen.map((w, i) => answer(npsEffort, w, "2026-02-10", [{ key: "nps", value: 9 }, ...(i < 4 ? [{ key: "effort", value: 2 }] : [])])),
        ...febMen.map((m, i) => answer(npsEffort, m, "2026-02-11", [{ key: "nps", value: 9 }, ...(i < 11 ? [{ key: "effort", value: 6 }] : [])])),
      );
      await submit(app, org.id, items);
    });

    it("hides the 3 undisclosed and, so that the overall cannot give them back, the 11 men too", async () => {
      const q = await qoe(funder, { o: org.id, ...JAN, g: "DIMENSION", d: "GENDER" });
      expect(q.suppression).toEqual({ applied: true, threshold: K });
      // People: women 12, men 11, undisclosed 3, overall 26. Undisclosed 3 < 10: hidden. Alone, it would
      // be 26 - 12 - 11 = 3, so the smallest shown group, the men (11), is hidden too: 14 hidden together.
      expect(q.overall).toMatchObject({ people: 26, suppressed: false });
      expect(part(q.overall, "FEEDBACK", "NPS")).toMatchObject(shownPart(15.38, 26));
      expect(part(q.overall, "FEEDBACK", "RATING")).toMatchObject(shownPart(3.69, 26));
      expect(q.groups.map((g: any) => [g.label, g.people, g.suppressed])).toEqual([
        ["FEMALE", 12, false],
        ["MALE", null, true],
        ["UNDISCLOSED", null, true],
      ]);
      // Women: NPS 50 -> 75, rating 4 -> 75: score 75, every number shown.
      const women = byLabel(q, "FEMALE");
      expect(women.score).toBe(75);
      expect(component(women, "FEEDBACK")).toMatchObject({ value: 75, sampleSize: 24, suppressed: false });
      expect(part(women, "FEEDBACK", "NPS")).toMatchObject(shownPart(50, 12));
      expect(part(women, "FEEDBACK", "RATING")).toMatchObject(shownPart(4, 12));
      // The men and the undisclosed: nothing (people null, not 0; no score, component or part numbers).
      expectHiddenWhole(byLabel(q, "MALE"));
      expectHiddenWhole(byLabel(q, "UNDISCLOSED"));
      // What can be worked out: men and undisclosed together, 14 people (26 - 12), never 3.
      expectNothingSmallBySubtraction(q);
    });

    it("shows staff every number, exactly", async () => {
      const q = await qoe(app, { o: org.id, ...JAN, g: "DIMENSION", d: "GENDER" });
      expect(q.suppression.applied).toBe(false);
      expect(q.overall).toMatchObject({ people: 26, suppressed: false });
      // Worst first: men 50 (NPS 0 -> 50, rating 3 -> 50); undisclosed (NPS -66.67 -> 16.67 and
      // rating 5 -> 100, 3 answers each; parts are rounded first) (16.67 + 100) / 2 = 58.335 -> 58.34; women 75.
      expect(q.groups.map((g: any) => [g.label, g.people, g.score, g.suppressed])).toEqual([
        ["MALE", 11, 50, false],
        ["UNDISCLOSED", 3, 58.34, false],
        ["FEMALE", 12, 75, false],
      ]);
      const u = byLabel(q, "UNDISCLOSED");
      expect(part(u, "FEEDBACK", "NPS")).toMatchObject(shownPart(-66.67, 3));
      expect(part(u, "FEEDBACK", "RATING")).toMatchObject(shownPart(5, 3));
      expect(part(byLabel(q, "MALE"), "FEEDBACK", "NPS")).toMatchObject(shownPart(0, 11));
      expect(part(q.overall, "FEEDBACK", "NPS")).toMatchObject(shownPart(15.38, 26));
      // The funder's overall is the staff's overall: nothing in it was hidden.
      const f = await qoe(funder, { o: org.id, ...JAN, g: "DIMENSION", d: "GENDER" });
      expect(f.overall.score).toBe(q.overall.score);
      expect(byLabel(f, "FEMALE").score).toBe(byLabel(q, "FEMALE").score);
    });

    it("hides a part answered by fewer than k people, and the part that would give it back, not the whole group", async () => {
      const q = await qoe(funder, { o: org.id, ...FEB, g: "DIMENSION", d: "GENDER" });
      // People: women 15, men 12, overall 27: all shown. NPS: everyone a promoter -> 100.
      expect(q.overall.people).toBe(27);
      expect(q.groups.map((g: any) => [g.label, g.people, g.suppressed])).toEqual([
        ["FEMALE", 15, false],
        ["MALE", 12, false],
      ]);
      // Effort: 4 women (< 10) hidden; the overall (15) shown, so the men's effort (11) is hidden too,
      // else 15 - 11 = 4 and the women's mean effort would follow.
      expect(part(q.overall, "FEEDBACK", "EFFORT")).toMatchObject(shownPart(4.93, 15));
      for (const label of ["FEMALE", "MALE"]) {
        const g = byLabel(q, label);
        expect(part(g, "FEEDBACK", "EFFORT")).toMatchObject({ name: "EFFORT", ...HIDDEN_PART });
        expect(part(g, "FEEDBACK", "NPS")).toMatchObject(shownPart(100, g.people));
        // The component is computed from what is shown: NPS 100 -> 100, over the NPS answers only.
        expect(component(g, "FEEDBACK")).toMatchObject({ value: 100, sampleSize: g.people, suppressed: true, missing: false });
        expect(g.score).toBe(100);
      }
      expectNothingSmallBySubtraction(q);
      // Staff: women's effort 2 over 4 answers; men's 6 over 11.
      const s = await qoe(app, { o: org.id, ...FEB, g: "DIMENSION", d: "GENDER" });
      expect(part(byLabel(s, "FEMALE"), "FEEDBACK", "EFFORT")).toMatchObject(shownPart(2, 4));
      expect(part(byLabel(s, "MALE"), "FEEDBACK", "EFFORT")).toMatchObject(shownPart(6, 11));
      expect(component(byLabel(s, "FEMALE"), "FEEDBACK").suppressed).toBe(false);
    });
  });

  describe("groups that share people (by touchpoint)", () => {
    let org: OrgFixture;
    let funder: Caller;
    const JAN = { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" };

    beforeAll(async () => {
      org = await createOrg(app, "Touchpoints", "CUSTOMER_IS_BENEFICIARY");
      funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
      const shop = await touchpoint(app, org.customerStages.Purchase, "Shop", org.areas.Sales);
      const call = await touchpoint(app, org.customerStages.Purchase, "Call", org.areas.Sales);
      const visit = await touchpoint(app, org.customerStages.Purchase, "Visit", org.areas.Sales);
      const nps = await survey(app, org.id, [{ key: "nps", type: "NPS", text: "Recommend us?" }]);
      // 20 people answer at the shop (NPS 10); 6 others answer both at the call and at the visit (NPS 0).
      const many = await customers(app, org.id, "S", 20);
      const few = await customers(app, org.id, "F", 6);
      const at = (tp: string, who: string, n: number, tag: string) => ({
        clientSubmissionId: `${tag}-${who}`,
        surveyId: nps,
        stakeholderId: who,
        touchpointId: tp,
        collectedAt: "2026-01-15T10:00:00Z",
        answers: [{ key: "nps", value: n }],
      });
      await submit(app, org.id, [...many.map((w) => at(shop, w, 10, "shop")), ...few.map((w) => at(call, w, 0, "call")), ...few.map((w) => at(visit, w, 0, "visit"))]);
    });

    it("hides the shop too: the call and the visit are 12 answers but only 6 people", async () => {
      const q = await qoe(funder, { o: org.id, ...JAN, g: "TOUCHPOINT" });
      // People: shop 20, call 6, visit 6, overall 26 (the same 6 at the call and the visit).
      // Call and visit hidden (6 < 10). Together they count 12, but overall - shop = 26 - 20 = 6
      // people: the overall NPS (32 answers: 20 x 10, 12 x 0 -> (20 - 12) / 32 = 25) minus the
      // shop's would give those 6 people's NPS. So the shop is hidden as well; the overall stays.
      expect(q.overall).toMatchObject({ people: 26, suppressed: false });
      expect(part(q.overall, "FEEDBACK", "NPS")).toMatchObject(shownPart(25, 32));
      expect(q.groups).toHaveLength(3);
      for (const g of q.groups) expectHiddenWhole(g);
      // Staff: shop 100 (NPS 100), call and visit 0 (NPS -100).
      const s = await qoe(app, { o: org.id, ...JAN, g: "TOUCHPOINT" });
      expect(s.groups.map((g: any) => [g.label, g.people, g.score])).toEqual([
        ["Call", 6, 0],
        ["Visit", 6, 0],
        ["Shop", 20, 100],
      ]);
    });
  });

  describe("the user perspective against the customers' answers", () => {
    let org: OrgFixture;
    let funder: Caller;
    const JAN = { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" };

    beforeAll(async () => {
      org = await createOrg(app, "In use", "CUSTOMER_IS_BENEFICIARY");
      funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
      // 12 customers answer at the Use stage (IN_USE: customer and user perspective), NPS 10;
      // 3 others at the Purchase stage (customer perspective only), NPS 0.
      const use = await touchpoint(app, org.customerStages.Use, "Follow-up call", org.areas.Operations);
      const shop = await touchpoint(app, org.customerStages.Purchase, "Shop", org.areas.Sales);
      const nps = await survey(app, org.id, [{ key: "nps", type: "NPS", text: "Recommend us?" }]);
      const users = await customers(app, org.id, "U", 12);
      const buyers = await customers(app, org.id, "B", 3);
      const at = (tp: string, who: string, n: number) => ({
        clientSubmissionId: `r-${who}`,
        surveyId: nps,
        stakeholderId: who,
        touchpointId: tp,
        collectedAt: "2026-01-15T10:00:00Z",
        answers: [{ key: "nps", value: n }],
      });
      await submit(app, org.id, [...users.map((u) => at(use, u, 10)), ...buyers.map((b) => at(shop, b, 0))]);
    });

    it("hides the user NPS when customer minus user would be fewer than k people", async () => {
      const q = await qoe(funder, { o: org.id, ...JAN, g: "NONE" });
      // Customer NPS: 15 people, (12 - 3) / 15 = 60: shown. User NPS: the 12 at the Use stage, 100.
      // Shown next to it, 15 x 60 - 12 x 100 over 15 - 12 answers would give the 3 buyers' NPS
      // (-100): the user part is hidden.
      expect(q.overall.people).toBe(15);
      expect(part(q.overall, "FEEDBACK", "NPS")).toMatchObject(shownPart(60, 15));
      expect(part(q.overall, "FEEDBACK", "NPS", "USER")).toMatchObject({ name: "NPS", ...HIDDEN_PART });
      expect(perspective(q.overall, "USER")).toMatchObject({ score: null, missing: ["FEEDBACK"] });
      // Staff: user NPS 100 over 12.
      const s = await qoe(app, { o: org.id, ...JAN, g: "NONE" });
      expect(part(s.overall, "FEEDBACK", "NPS", "USER")).toMatchObject(shownPart(100, 12));
    });
  });

  describe("metric and loop-closure parts, in groups with no feedback at all", () => {
    let org: OrgFixture;
    let funder: Caller;
    let classrooms: string;
    let hours: string;
    const Q1 = { from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z" };

    beforeAll(async () => {
      org = await createOrg(app, "Metrics and loops", "CUSTOMER_IS_BENEFICIARY");
      funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
      const metric = async (input: Record<string, unknown>, target: string, observations: { month: number; value: string; sampleSize?: number }[]) => {
        const id = (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, {
          i: { organizationId: org.id, category: "SOCIAL", kind: "OUTPUT", impactMode: "IN_USE", perspective: "BENEFICIARY", ...input },
        })).createMetric.id as string;
        await app.ok(`mutation($i: SetMetricTargetsInput!) { setMetricTargets(input: $i) { id } }`, { i: { metricId: id, targets: [{ ...Q1, value: target }] } });
        const month = (m: number) => `2026-${String(m).padStart(2, "0")}-01T00:00:00Z`;
        const r = await app.ok<any>(`mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { created } }`, {
          i: { organizationId: org.id, items: observations.map((o) => ({ metricId: id, from: month(o.month), to: month(o.month + 1), value: o.value, sampleSize: o.sampleSize ?? null })) },
        });
        expect(r.recordObservations.created).toBe(observations.length);
        return id;
      };
      // A count of people (COUNT, beneficiaries): 3, 4, 5 a month, 12 in the quarter; target 30 for the quarter.
      classrooms = await metric({ name: "Classrooms lit", unit: "COUNT", aggregation: "SUM" }, "30", [
        { month: 1, value: "3" },
        { month: 2, value: "4" },
        { month: 3, value: "5" },
      ]);
      // An average with the number of people behind it: 6 in January (< 10), 20 and 25 after; target 4.
      hours = await metric({ name: "Study hours", unit: "HOURS", aggregation: "AVERAGE" }, "4", [
        { month: 1, value: "2", sampleSize: 6 },
        { month: 2, value: "3", sampleSize: 20 },
        { month: 3, value: "4", sampleSize: 25 },
      ]);

      // Actions (no feedback anywhere in this organization), one customer each, due mid-month:
      //   January  3: 2 closed on time, 1 late
      //   February 12: all on time
      //   March    20: 10 on time, 10 late
      //   quarter  35: 24 on time, 11 late
      // and 12 actions for only 3 beneficiaries in February (4 each), all on time.
      const people = await customers(app, org.id, "C", 35);
      const kids: string[] = [];
      for (let i = 0; i < 3; i++) kids.push(await createStakeholder(app, { organizationId: org.id, kind: "BENEFICIARY", externalRef: `B-${i}` }));
      const rows: [string, string, string, boolean][] = [];
      people.forEach((p, i) => {
        if (i < 3) rows.push([p, "CUSTOMER", "2026-01-15", i < 2]);
        else if (i < 15) rows.push([p, "CUSTOMER", "2026-02-15", true]);
        else rows.push([p, "CUSTOMER", "2026-03-15", i < 25]);
      });
      for (const kid of kids) for (let j = 0; j < 4; j++) rows.push([kid, "BENEFICIARY", "2026-02-15", true]);
      for (const [who, kind, due, onTime] of rows) {
        await app.db.query(
          `INSERT INTO actions (organization_id, title, stakeholder_id, kind, owner_area_id, due_at, created_at, status, closed_at, loop_closed_at, loop_message)
           VALUES ($1, 'Call back', $2, $3, $4, $5::timestamptz, $5::timestamptz - interval '2 days', 'DONE', $6, $6, 'Done')`,
          [org.id, who, kind, org.areas.Operations, `${due}T12:00:00Z`, onTime ? `${due}T08:00:00Z` : `${due.slice(0, 8)}20T12:00:00Z`],
        );
      }
    });

    const MONTHS = ["2026-01", "2026-02", "2026-03"];

    it("hides a metric's attainment in every month the impact views hide its value, and shows it where they do", async () => {
      const series = async (who: Caller, metricId: string, interval: string) =>
        (await who.ok<any>(`query($m: ID!, $from: DateTimeISO!, $to: DateTimeISO!, $i: Interval!) { metricSeries(metricId: $m, from: $from, to: $to, interval: $i) { points { actual attainment suppressed } } }`, { m: metricId, ...Q1, i: interval })).metricSeries.points;
      const q = await qoe(funder, { o: org.id, ...Q1, g: "PERIOD", i: "MONTH" });
      expect(q.groups.map((g: any) => [g.label, g.people, g.suppressed])).toEqual(MONTHS.map((m) => [m, 0, false]));
      // Classrooms lit: 3, 4 and 5 people, each below 10: hidden every month, in metricSeries and here.
      // Study hours: January from 6 people: hidden; February (20) and March (25) shown.
      for (const [name, id, hiddenMonths] of [
        ["Classrooms lit", classrooms, [true, true, true]],
        ["Study hours", hours, [true, false, false]],
      ] as const) {
        const points = await series(funder, id, "MONTH");
        expect(points.map((p: any) => p.suppressed)).toEqual(hiddenMonths);
        q.groups.forEach((g: any, i: number) => {
          const p = part(g, "SOCIAL_ATTAINMENT", name, "BENEFICIARY");
          if (hiddenMonths[i]) expect(p).toMatchObject({ name, ...HIDDEN_PART });
          else expect(p).toMatchObject({ raw: points[i].attainment, value: points[i].attainment, sampleSize: 1, suppressed: false });
        });
      }
      // So January shows no attainment at all (the component is left out, and says why); February:
      // study hours 3 of 4 -> 75.
      expect(component(q.groups[0], "SOCIAL_ATTAINMENT", "BENEFICIARY")).toMatchObject({ value: null, sampleSize: null, missing: true, suppressed: true });
      expect(component(q.groups[1], "SOCIAL_ATTAINMENT", "BENEFICIARY")).toMatchObject({ value: 75, sampleSize: 1, missing: false, suppressed: true });
      // The quarter: 12 classrooms (>= 10) against 30 -> 40; study hours averaged 3 over 51 people -> 75. Shown,
      // as in metricSeries by quarter.
      const quarter = [(await series(funder, classrooms, "QUARTER"))[0], (await series(funder, hours, "QUARTER"))[0]];
      expect(quarter.map((p: any) => [p.actual, p.attainment, p.suppressed])).toEqual([
        ["12", 40, false],
        ["3", 75, false],
      ]);
      expect(part(q.overall, "SOCIAL_ATTAINMENT", "Classrooms lit", "BENEFICIARY")).toMatchObject(shownPart(40, 1));
      expect(part(q.overall, "SOCIAL_ATTAINMENT", "Study hours", "BENEFICIARY")).toMatchObject(shownPart(75, 1));
      // Staff see every month.
      const s = await qoe(app, { o: org.id, ...Q1, g: "PERIOD", i: "MONTH" });
      const staffPoints = await series(app, classrooms, "MONTH");
      s.groups.forEach((g: any, i: number) => {
        expect(part(g, "SOCIAL_ATTAINMENT", "Classrooms lit", "BENEFICIARY")).toMatchObject({ raw: staffPoints[i].attainment, suppressed: false });
        expect(staffPoints[i].attainment).not.toBeNull();
      });
    });

    it("hides loop closure over fewer than k actions or people, and the months that would give it back", async () => {
      const q = await qoe(funder, { o: org.id, ...Q1, g: "PERIOD", i: "MONTH" });
      // Customers. January: 3 actions: hidden. Alone it would be the quarter minus February and
      // March, so February (12 due, the smallest) is hidden too. Then "not on time": January 1,
      // February 0, March 10, quarter 11: January alone would be 11 - 10 = 1, so March is hidden
      // too. The quarter (35 due, 24 on time, 11 late, 35 people) is shown: 24 / 35 = 68.57.
      expect(part(q.overall, "LOOP_CLOSURE", "closed on time")).toMatchObject({ raw: 24, value: 68.57, sampleSize: 35, suppressed: false });
      for (const g of q.groups) {
        expect(part(g, "LOOP_CLOSURE", "closed on time")).toMatchObject({ name: "closed on time", ...HIDDEN_PART });
        expect(component(g, "LOOP_CLOSURE")).toMatchObject({ value: null, sampleSize: null, missing: true, suppressed: true });
        // A month with no feedback shows its 0 people: 0 reveals no one.
        expect(g.people).toBe(0);
      }
      // Beneficiaries: 12 actions on time, but for 3 people: hidden in February and in the quarter.
      expect(part(q.overall, "LOOP_CLOSURE", "closed on time", "BENEFICIARY")).toMatchObject(HIDDEN_PART);
      expect(part(q.groups[1], "LOOP_CLOSURE", "closed on time", "BENEFICIARY")).toMatchObject(HIDDEN_PART);
      // Staff: 2/3, 12/12, 10/20, 24/35; beneficiaries 12/12.
      const s = await qoe(app, { o: org.id, ...Q1, g: "PERIOD", i: "MONTH" });
      expect(s.groups.map((g: any) => part(g, "LOOP_CLOSURE", "closed on time"))).toEqual([
        { name: "closed on time", raw: 2, value: 66.67, sampleSize: 3, suppressed: false },
        { name: "closed on time", raw: 12, value: 100, sampleSize: 12, suppressed: false },
        { name: "closed on time", raw: 10, value: 50, sampleSize: 20, suppressed: false },
      ]);
      expect(part(s.overall, "LOOP_CLOSURE", "closed on time")).toMatchObject({ raw: 24, sampleSize: 35 });
      expect(part(s.overall, "LOOP_CLOSURE", "closed on time", "BENEFICIARY")).toMatchObject({ raw: 12, sampleSize: 12, suppressed: false });
    });

    it("gives the funder a score made only of what it is shown", async () => {
      const q = await qoe(funder, { o: org.id, ...Q1, g: "NONE" });
      // Customer: loop closure 68.57 only (no feedback, no KPI). Beneficiary: social attainment
      // (40 + 75) / 2 = 57.5 (its loop closure hidden). Overall (68.57 + 57.5) / 2 = 63.035 -> 63.04.
      expect(perspective(q.overall).score).toBe(68.57);
      expect(perspective(q.overall, "BENEFICIARY").score).toBe(57.5);
      expect(q.overall.score).toBe(63.04);
      expect(q.overall.people).toBe(0);
      expect(q.groups).toEqual([]);
      // Staff: beneficiary (57.5 + 100) / 2 = 78.75; overall (68.57 + 78.75) / 2 = 73.66.
      const s = await qoe(app, { o: org.id, ...Q1, g: "NONE" });
      expect(perspective(s.overall, "BENEFICIARY").score).toBe(78.75);
      expect(s.overall.score).toBe(73.66);
    });
  });
});
