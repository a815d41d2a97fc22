import { startTestApp, TestApp, Caller } from "../helpers/app";
import { createOrg, createStakeholder, OrgFixture } from "../helpers/fixtures";
import { inSpan } from "../../src/common/suppression";
import { perturb } from "../../src/common/perturbation";

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

/**
 * What a funder is shown is adjusted by the cell-key method (src/common/perturbation.ts, D = 2 by
 * default): every count of people or answers at most D off the true count, an NPS part's sample
 * size the sum of its three adjusted classes (at most 3·D off), and the scores computed from the
 * adjusted counts. Suppression decides on the true counts, so what is hidden is exactly what these
 * tests work out; what is shown is checked against the true figure within those bounds.
 */
const D = 2;
/** Matches a number at most `within` away from `truth`. */
const near = (truth: number, within = D) => ({
  asymmetricMatch: (v: unknown) => typeof v === "number" && Math.abs(v - truth) <= within,
  toString: () => `${truth} ± ${within}`,
  toAsymmetricMatcher: () => `${truth} ± ${within}`,
});
const anyScore = { asymmetricMatch: (v: unknown) => typeof v === "number" && v >= -100 && v <= 100, toAsymmetricMatcher: () => "a score" };
/** A funder's NPS part: shown, over about n answers (three adjusted classes), its NPS from the adjusted classes. */
const funderNps = (n: number) => ({ raw: anyScore, sampleSize: near(n, 3 * D), suppressed: false });
/** A funder's rating or effort part: the true mean (a mean, not a count), over about n answers. */
const funderMean = (raw: number, n: number) => ({ raw, sampleSize: near(n), suppressed: false });
// A leaner selection: the overall and the groups fit in one request.
const LEAN = `label people score suppressed perspectives { perspective score missing components { kind value sampleSize missing suppressed parts { ${PART} } } }`;

/** A group hidden whole: no number derived from it anywhere (weights are the organization's, not the group's). */
function expectHiddenWhole(g: any): void {
  expect(g).toMatchObject({ people: null, score: null, suppressed: true, missingPerspectives: ["CUSTOMER", "USER", "BENEFICIARY"] });
  for (const p of g.perspectives) {
    expect(p.score).toBeNull();
    for (const c of p.components) expect(c).toMatchObject({ value: null, sampleSize: null, missing: true, suppressed: true, parts: [] });
  }
}

const PARTS = ["NPS", "RATING", "EFFORT"];
const KINDS = ["CUSTOMER", "BENEFICIARY"];


type Atom = { cell: string; kind: string; inUse: boolean; size: number };

/**
 * The answers of one feedback part, in atoms: per group (and the residual, the answers in no
 * group), the customers' and the beneficiaries' answers given at an IN_USE stage or elsewhere.
 * Sizes from the staff's answer, which shows every number: in a cell where only one kind answered,
 * its user answers are its IN_USE ones; where both did, every answer must be a user answer or none.
 */
function atomsOf(staff: any, name: string): Atom[] {
  const size = (g: any, p: string) => {
    const x = part(g, "FEEDBACK", name, p);
    return x ? x.sampleSize : 0;
  };
  const sizes = (g: any) => Object.fromEntries(["CUSTOMER", "BENEFICIARY", "USER"].map((p) => [p, size(g, p)]));
  const cells: { cell: string; n: Record<string, number> }[] = staff.groups.map((g: any) => ({ cell: g.label, n: sizes(g) }));
  const overall = sizes(staff.overall);
  const residual = Object.fromEntries(Object.keys(overall).map((p) => [p, overall[p] - cells.reduce((s, c) => s + c.n[p], 0)]));
  cells.push({ cell: "(residual)", n: residual });
  const atoms: Atom[] = [];
  for (const { cell, n } of cells) {
    const kinds = KINDS.filter((k) => n[k] > 0);
    if (n.USER > 0 && kinds.length === 2 && n.USER !== n.CUSTOMER + n.BENEFICIARY) throw new Error(`can't tell the IN_USE answers in ${cell} from the staff's answer`);
    for (const k of kinds) {
      const inUse = n.USER === 0 ? 0 : kinds.length === 1 ? n.USER : n[k];
      atoms.push({ cell, kind: k, inUse: true, size: inUse }, { cell, kind: k, inUse: false, size: n[k] - inUse });
    }
  }
  return atoms.filter((a) => a.size > 0);
}

/**
 * Nothing small can be worked out by subtraction, across groups and across perspectives. Every
 * feedback part a funder sees is the size (and score) of a union of atoms (`atomsOf`): a group's
 * CUSTOMER part its customers' atoms, its USER part its IN_USE atoms, the overall's the same over
 * every cell; the residual is never shown. Any union of atoms whose indicator is a linear
 * combination of those shown can be worked out (atoms with no answer count as known to be empty),
 * and its number of answers must then be 0 or at least k.
 */
function expectNothingSmallBySubtraction(q: any, staff: any): void {
  for (const name of PARTS) {
    const atoms = atomsOf(staff, name);
    if (atoms.length === 0) continue;
    expect(atoms.length).toBeLessThanOrEqual(16);
    const shown: number[][] = [];
    const see = (g: any, cell: string | null) => {
      if (g.suppressed) return;
      for (const p of ["CUSTOMER", "BENEFICIARY", "USER"]) {
        const x = part(g, "FEEDBACK", name, p);
        if (!x || x.suppressed) continue;
        const v = atoms.map((a) => ((cell === null || a.cell === cell) && (p === "USER" ? a.inUse : a.kind === p) ? 1 : 0));
        // The model holds: what is shown is the size of those atoms (for a funder, adjusted: an NPS part's three classes at most D each).
        const size = atoms.reduce((s, a, j) => s + a.size * v[j], 0);
        expect([cell ?? "overall", p, x.sampleSize]).toEqual([cell ?? "overall", p, q.suppression?.applied === false ? size : near(size, name === "NPS" ? 3 * D : D)]);
        shown.push(v);
      }
    };
    see(q.overall, null);
    for (const g of q.groups) see(g, g.label);
    for (let mask = 1; mask < 1 << atoms.length; mask++) {
      const v = atoms.map((_, j) => (mask >> j) & 1);
      if (!inSpan(v, shown)) continue;
      const n = atoms.reduce((s, a, j) => s + a.size * v[j], 0);
      if (n > 0 && n < K) throw new Error(`${name}: ${n} answers can be worked out: ${atoms.filter((_, j) => v[j]).map((a) => `${a.cell} ${a.kind}${a.inUse ? " in use" : ""} (${a.size})`).join(" + ")}`);
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
      expect(q.overall).toMatchObject({ people: near(26), suppressed: false });
      expect(part(q.overall, "FEEDBACK", "NPS")).toMatchObject(funderNps(26));
      expect(part(q.overall, "FEEDBACK", "RATING")).toMatchObject(funderMean(3.69, 26));
      expect(q.groups.map((g: any) => [g.label, g.people, g.suppressed])).toEqual([
        ["FEMALE", near(12), false],
        ["MALE", null, true],
        ["UNDISCLOSED", null, true],
      ]);
      // Women: NPS 50 -> 75, rating 4 -> 75: score 75, every number shown (for the funder, from the adjusted counts).
      const women = byLabel(q, "FEMALE");
      expect(women.score).toEqual(anyScore);
      expect(component(women, "FEEDBACK")).toMatchObject({ value: anyScore, sampleSize: near(24, 4 * D), suppressed: false });
      expect(part(women, "FEEDBACK", "NPS")).toMatchObject(funderNps(12));
      expect(part(women, "FEEDBACK", "RATING")).toMatchObject(funderMean(4, 12));
      // The men and the undisclosed: nothing (people null, not 0; no score, component or part numbers).
      expectHiddenWhole(byLabel(q, "MALE"));
      expectHiddenWhole(byLabel(q, "UNDISCLOSED"));
      // What can be worked out: men and undisclosed together, 14 people (26 - 12), never 3.
      expectNothingSmallBySubtraction(q, await qoe(app, { o: org.id, ...JAN, g: "DIMENSION", d: "GENDER" }));
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
      // The funder's overall is the staff's overall, nothing in it hidden, but computed from adjusted counts.
      const f = await qoe(funder, { o: org.id, ...JAN, g: "DIMENSION", d: "GENDER" });
      expect(f.overall).toMatchObject({ suppressed: false, score: anyScore, people: near(q.overall.people) });
      expect(byLabel(f, "FEMALE")).toMatchObject({ suppressed: false, score: anyScore, people: near(byLabel(q, "FEMALE").people) });
    });

    it("hides a part answered by fewer than k people, and the part that would give it back, not the whole group", async () => {
      const q = await qoe(funder, { o: org.id, ...FEB, g: "DIMENSION", d: "GENDER" });
      // People: women 15, men 12, overall 27: all shown. NPS: everyone a promoter -> 100.
      expect(q.overall.people).toEqual(near(27));
      expect(q.groups.map((g: any) => [g.label, g.people, g.suppressed])).toEqual([
        ["FEMALE", near(15), false],
        ["MALE", near(12), false],
      ]);
      // Effort: 4 women (< 10) hidden; the overall (15) shown, so the men's effort (11) is hidden too,
      // else 15 - 11 = 4 and the women's mean effort would follow.
      expect(part(q.overall, "FEEDBACK", "EFFORT")).toMatchObject(funderMean(4.93, 15));
      for (const [label, people] of [
        ["FEMALE", 15],
        ["MALE", 12],
      ] as const) {
        const g = byLabel(q, label);
        expect(part(g, "FEEDBACK", "EFFORT")).toMatchObject({ name: "EFFORT", ...HIDDEN_PART });
        // Everyone a promoter: only the promoters' count is adjusted (passives and detractors stay 0), so the NPS stays 100.
        const nps = part(g, "FEEDBACK", "NPS");
        expect(nps).toMatchObject({ raw: 100, sampleSize: near(people), suppressed: false });
        // The component is computed from what is shown: NPS 100 -> 100, over the NPS answers only.
        expect(component(g, "FEEDBACK")).toMatchObject({ value: 100, sampleSize: nps.sampleSize, suppressed: true, missing: false });
        expect(g.score).toBe(100);
      }
      // Staff: women's effort 2 over 4 answers; men's 6 over 11.
      const s = await qoe(app, { o: org.id, ...FEB, g: "DIMENSION", d: "GENDER" });
      expectNothingSmallBySubtraction(q, s);
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
      expect(q.overall).toMatchObject({ people: near(26), suppressed: false });
      expect(part(q.overall, "FEEDBACK", "NPS")).toMatchObject(funderNps(32));
      expect(q.groups).toHaveLength(3);
      for (const g of q.groups) expectHiddenWhole(g);
      // Staff: shop 100 (NPS 100), call and visit 0 (NPS -100).
      const s = await qoe(app, { o: org.id, ...JAN, g: "TOUCHPOINT" });
      expect(s.groups.map((g: any) => [g.label, g.people, g.score])).toEqual([
        ["Call", 6, 0],
        ["Visit", 6, 0],
        ["Shop", 20, 100],
      ]);
      expectNothingSmallBySubtraction(q, s);
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
      expect(q.overall.people).toEqual(near(15));
      expect(part(q.overall, "FEEDBACK", "NPS")).toMatchObject(funderNps(15));
      expect(part(q.overall, "FEEDBACK", "NPS", "USER")).toMatchObject({ name: "NPS", ...HIDDEN_PART });
      expect(perspective(q.overall, "USER")).toMatchObject({ score: null, missing: ["FEEDBACK"] });
      // Staff: user NPS 100 over 12.
      const s = await qoe(app, { o: org.id, ...JAN, g: "NONE" });
      expect(part(s.overall, "FEEDBACK", "NPS", "USER")).toMatchObject(shownPart(100, 12));
      expectNothingSmallBySubtraction(q, s);
    });
  });

  describe("the user perspective linked to the customers' (by stage, the overall and the groups in one request)", () => {
    let org: OrgFixture;
    let funder: Caller;
    const JAN = { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" };
    const ONE = `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
      qualityOfExperience(organizationId: $o, from: $from, to: $to, groupBy: STAGE) {
        overall { ${LEAN} } groups { ${LEAN} } } }`;
    const one = async (who: Caller) => (await who.ok<any>(ONE, { o: org.id, ...JAN })).qualityOfExperience;

    beforeAll(async () => {
      org = await createOrg(app, "Linked perspectives", "CUSTOMER_IS_BENEFICIARY");
      funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
      const shop = await touchpoint(app, org.customerStages.Purchase, "Shop", org.areas.Sales);
      const followUp = await touchpoint(app, org.customerStages.Use, "Follow-up", org.areas.Operations);
      const helpline = await touchpoint(app, org.customerStages.Support, "Helpline", org.areas["Customer service"]);
      const nps = await survey(app, org.id, [{ key: "nps", type: "NPS", text: "Recommend us?" }]);
      const rating = await survey(app, org.id, [{ key: "rating", type: "RATING", text: "How was it?" }]);
      // January, customers, one response each:
      //   Purchase (AT_SALE):  3 answer NPS 0; 10 others only rate it 4      -> 13 people
      //   Use (IN_USE):       12 answer NPS 10 (customer and user perspective) -> 12 people
      //   Support:            30 answer NPS 8                                -> 30 people
      // Every stage has at least 10 people: no group is hidden whole.
      const at = (tp: string, surveyId: string, who: string, answers: unknown[]) => ({
        clientSubmissionId: `r-${who}`,
        surveyId,
        stakeholderId: who,
        touchpointId: tp,
        collectedAt: "2026-01-15T10:00:00Z",
        answers,
      });
      const items = [
        ...(await customers(app, org.id, "P", 3)).map((c) => at(shop, nps, c, [{ key: "nps", value: 0 }])),
        ...(await customers(app, org.id, "R", 10)).map((c) => at(shop, rating, c, [{ key: "rating", value: 4 }])),
        ...(await customers(app, org.id, "U", 12)).map((c) => at(followUp, nps, c, [{ key: "nps", value: 10 }])),
        ...(await customers(app, org.id, "S", 30)).map((c) => at(helpline, nps, c, [{ key: "nps", value: 8 }])),
      ];
      await submit(app, org.id, items);
    });

    it("hides the user NPS at Use with the customer NPS it is the same answers as, and the overall user NPS", async () => {
      const q = await one(funder);
      // People: Purchase 13, Use 12, Support 30, overall 55: all shown.
      expect(q.overall).toMatchObject({ people: near(55), suppressed: false });
      // Customer NPS across the stages: Purchase 3 (< 10) hidden; alone it would be 45 - 12 - 30, so
      // the smallest other, Use (12), is hidden too: 15 hidden together. Support: 0 over 30.
      // The overall: 12 promoters, 30 passives, 3 detractors: (12 - 3) / 45 = 20.
      expect(part(q.overall, "FEEDBACK", "NPS")).toMatchObject(funderNps(45));
      expect(part(byLabel(q, "Purchase"), "FEEDBACK", "NPS")).toMatchObject({ name: "NPS", ...HIDDEN_PART });
      expect(part(byLabel(q, "Use"), "FEEDBACK", "NPS")).toMatchObject({ name: "NPS", ...HIDDEN_PART });
      expect(part(byLabel(q, "Support"), "FEEDBACK", "NPS")).toMatchObject(funderNps(30));
      // Use is IN_USE: its user NPS is the same 12 answers as its customer NPS, hidden with it (else
      // 45 x 20 - 30 x 0 - 12 x 100 = -300 over 45 - 30 - 12 = 3 answers: all 3 Purchase answers
      // detractors). The user table then has one cell, Use, hidden; the overall user NPS is the
      // same 12 answers again: hidden too. No user part is left, so the user perspective is missing.
      expect(part(byLabel(q, "Use"), "FEEDBACK", "NPS", "USER")).toMatchObject({ name: "NPS", ...HIDDEN_PART });
      expect(part(q.overall, "FEEDBACK", "NPS", "USER")).toMatchObject({ name: "NPS", ...HIDDEN_PART });
      expect(perspective(q.overall, "USER")).toMatchObject({ score: null, missing: ["FEEDBACK"] });
      // Ratings: the 10 at Purchase, 4 -> 75: shown there and overall.
      expect(part(byLabel(q, "Purchase"), "FEEDBACK", "RATING")).toMatchObject(funderMean(4, 10));
      expect(part(q.overall, "FEEDBACK", "RATING")).toMatchObject(funderMean(4, 10));
      // Scores from what is shown: Support NPS 0 -> 50; Purchase rating 75; Use nothing (null, last).
      // Overall: customer (60 x 45 + 75 x 10) / 55 = 62.727 -> 62.73, the only perspective left (for
      // the funder, from the adjusted counts; Purchase's rating alone is a true mean: exactly 75).
      expect(q.groups.map((g: any) => [g.label, g.people, g.score, g.suppressed])).toEqual([
        [expect.any(String), near(30), anyScore, false],
        [expect.any(String), near(13), anyScore, false],
        ["Use", near(12), null, false],
      ]);
      expect(byLabel(q, "Purchase").score).toBe(75);
      expect(q.overall.score).toEqual(anyScore);
      const s = await one(app);
      expectNothingSmallBySubtraction(q, s);
    });

    it("shows staff every number, and the check finds what the user NPS at Use would give back", async () => {
      const s = await one(app);
      // Purchase NPS -100 over 3 -> 0, rating 75 over 10: (0 x 3 + 75 x 10) / 13 = 57.69. Use: customer
      // and user NPS 100 over 12 -> 100. Support 50. Overall: customer 62.73, user 100 -> 81.365, which
      // as a binary double is just below 81.365: 81.36.
      expect(s.groups.map((g: any) => [g.label, g.score])).toEqual([
        ["Support", 50],
        ["Purchase", 57.69],
        ["Use", 100],
      ]);
      expect(part(byLabel(s, "Use"), "FEEDBACK", "NPS", "USER")).toMatchObject(shownPart(100, 12));
      expect(part(s.overall, "FEEDBACK", "NPS", "USER")).toMatchObject(shownPart(100, 12));
      expect(s.overall.score).toBe(81.36);
      // The funder's answer with the user NPS at Use shown, as before this was fixed: the check
      // finds the 3 Purchase answers (overall customers - Support customers - Use users).
      const leaky = await one(funder);
      const use = byLabel(leaky, "Use");
      const userNps = component(use, "FEEDBACK", "USER").parts.findIndex((x: any) => x.name === "NPS");
      component(use, "FEEDBACK", "USER").parts[userNps] = part(byLabel(s, "Use"), "FEEDBACK", "NPS", "USER");
      expect(() => expectNothingSmallBySubtraction(leaky, s)).toThrow(/NPS: 3 answers can be worked out: Purchase CUSTOMER \(3\)/);
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
    /** The quarter's 12 classrooms as a funder sees them: adjusted by the sum of the quarter's observations' record keys; attainment v / 30. */
    const classroomsForFunder = async () => {
      const [{ k }] = await app.db.query(`SELECT sum(record_key)::text AS k FROM observations WHERE organization_id = $1 AND metric_id = $2 AND dimensions = '{}'::jsonb AND period_from >= $3 AND period_from < $4`, [
        org.id,
        classrooms,
        Q1.from,
        Q1.to,
      ]);
      const value = perturb(12, k, 2);
      return { value, attainment: Math.round((value / 30) * 10000) / 100 };
    };

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
      // The quarter: 12 classrooms (>= 10) against 30 -> 40 for staff; a funder sees the count of people adjusted by
      // its observations' cell key (D = 2), and the attainment from it: v / 30. Study hours averaged 3 over 51 people
      // -> 75 (an average, not adjusted). Shown, as in metricSeries by quarter.
      const classroomsShown = await classroomsForFunder();
      const quarter = [(await series(funder, classrooms, "QUARTER"))[0], (await series(funder, hours, "QUARTER"))[0]];
      expect(quarter.map((p: any) => [p.actual, p.attainment, p.suppressed])).toEqual([
        [String(classroomsShown.value), classroomsShown.attainment, false],
        ["3", 75, false],
      ]);
      expect(part(q.overall, "SOCIAL_ATTAINMENT", "Classrooms lit", "BENEFICIARY")).toMatchObject(shownPart(classroomsShown.attainment, 1));
      expect(part(q.overall, "SOCIAL_ATTAINMENT", "Study hours", "BENEFICIARY")).toMatchObject(shownPart(75, 1));
      // Staff see every month.
      const s = await qoe(app, { o: org.id, ...Q1, g: "PERIOD", i: "MONTH" });
      const staffPoints = await series(app, classrooms, "MONTH");
      s.groups.forEach((g: any, i: number) => {
        expect(part(g, "SOCIAL_ATTAINMENT", "Classrooms lit", "BENEFICIARY")).toMatchObject({ raw: staffPoints[i].attainment, suppressed: false });
        expect(staffPoints[i].attainment).not.toBeNull();
      });
    });

    it("hides loop closure over fewer than k actions or people, and what the organization's loops would give back", async () => {
      const q = await qoe(funder, { o: org.id, ...Q1, g: "PERIOD", i: "MONTH" });
      // Beneficiaries' quarter: 12 actions for 3 people: hidden. The two perspectives are the
      // organization's 47 actions (36 on time), which impactReport.loops shows next to them, so the
      // customers' quarter (35 due, 24 on time) is hidden too: else 47 - 35 and 36 - 24 would give
      // the beneficiaries' 12 of 12 back. (Customers-only, the quarter is shown and the months are
      // hidden as its complements: see "loop closure counted as actionSummary counts it".)
      expect(part(q.overall, "LOOP_CLOSURE", "closed on time")).toMatchObject({ name: "closed on time", ...HIDDEN_PART });
      // Customers by month: January, 3 actions: hidden. With the quarter hidden there is nothing to
      // subtract February (12 of 12, 12 people) and March (10 of 20) from: shown.
      expect(part(q.groups[0], "LOOP_CLOSURE", "closed on time")).toMatchObject({ name: "closed on time", ...HIDDEN_PART });
      expect(component(q.groups[0], "LOOP_CLOSURE")).toMatchObject({ value: null, sampleSize: null, missing: true, suppressed: true });
      expect(q.groups.slice(1).map((g: any) => part(g, "LOOP_CLOSURE", "closed on time"))).toEqual([
        { name: "closed on time", raw: 12, value: 100, sampleSize: 12, suppressed: false },
        { name: "closed on time", raw: 10, value: 50, sampleSize: 20, suppressed: false },
      ]);
      // A month with no feedback shows its 0 people: 0 reveals no one.
      for (const g of q.groups) expect(g.people).toBe(0);
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
      // Customer: nothing shown (no feedback, no KPI, loop closure hidden: see above). Beneficiary:
      // social attainment (a + 75) / 2, a the classrooms' attainment a funder sees (40 for staff, from the true 12:
      // then 57.5), its loop closure hidden. Overall the same.
      const a = (await classroomsForFunder()).attainment;
      const beneficiary = Math.round(((a + 75) / 2) * 100) / 100;
      expect(perspective(q.overall)).toMatchObject({ score: null, missing: ["FEEDBACK", "KPI_ATTAINMENT", "LOOP_CLOSURE"] });
      expect(perspective(q.overall, "BENEFICIARY").score).toBe(beneficiary);
      expect(q.overall.score).toBe(beneficiary);
      expect(q.overall.missingPerspectives).toEqual(["CUSTOMER", "USER"]);
      expect(q.overall.people).toBe(0);
      expect(q.groups).toEqual([]);
      // Staff: customer 68.57 (24 of 35); beneficiary (57.5 + 100) / 2 = 78.75; overall (68.57 + 78.75) / 2 = 73.66.
      const s = await qoe(app, { o: org.id, ...Q1, g: "NONE" });
      expect(perspective(s.overall).score).toBe(68.57);
      expect(perspective(s.overall, "BENEFICIARY").score).toBe(78.75);
      expect(s.overall.score).toBe(73.66);
    });

    it("shows in impactReport the organization's loops but neither perspective's: one would give the other back", async () => {
      const LOOP = `components { kind parts { name raw value sampleSize suppressed } }`;
      const r = (
        await funder.ok<any>(
          `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactReport(organizationId: $o, from: $from, to: $to) {
            loops { due closedOnTime }
            customerExperience { qoe { ${LOOP} } } beneficiaryExperience { qoe { ${LOOP} } } } }`,
          { o: org.id, ...Q1 },
        )
      ).impactReport;
      // Every action is in one perspective: 35 customers' + 12 beneficiaries' = 47, 24 + 12 = 36 on time.
      expect(r.loops).toMatchObject({ due: 47, closedOnTime: 36 });
      const loopPart = (e: any) => e.qoe.components.find((c: any) => c.kind === "LOOP_CLOSURE").parts[0];
      expect(loopPart(r.customerExperience)).toMatchObject(HIDDEN_PART);
      expect(loopPart(r.beneficiaryExperience)).toMatchObject(HIDDEN_PART);
    });
  });
  describe("loop closure counted as actionSummary and impactReport.loops count it", () => {
    let org: OrgFixture;
    let funder: Caller;
    const Q1 = { from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z" };
    const DAY = 24 * 3600 * 1000;
    // A period around now: due dates still ahead count once their loop is closed.
    const now = Date.now();
    const AROUND_NOW = { from: new Date(now - 20 * DAY).toISOString(), to: new Date(now + 10 * DAY).toISOString() };
    const at = (days: number) => new Date(now + days * DAY).toISOString();
    let uses: string;

    const insert = (who: string | null, kind: string | null, touchpointId: string | null, stageId: string | null, due: string, closed: string | null) =>
      app.db.query(
        `INSERT INTO actions (organization_id, title, stakeholder_id, kind, touchpoint_id, stage_id, owner_area_id, due_at, created_at, status, closed_at, loop_closed_at, loop_message)
         VALUES ($1, 'Follow up', $2, $3, $4, $5, $6, $7::timestamptz, $7::timestamptz - interval '20 days', CASE WHEN $8::timestamptz IS NULL THEN 'OPEN' ELSE 'DONE' END::action_status, $8, $8, CASE WHEN $8::timestamptz IS NULL THEN NULL ELSE 'Done' END)`,
        [org.id, who, kind, touchpointId, stageId, org.areas.Operations, due, closed],
      );

    beforeAll(async () => {
      org = await createOrg(app, "Loop definitions", "CUSTOMER_IS_BENEFICIARY");
      funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
      uses = await touchpoint(app, org.beneficiaryStages.Uses, "Home visit", org.areas.Programmes);
      // The first quarter of 2026, customers only (as in "metric and loop-closure parts", without the
      // beneficiaries), one customer each, due mid-month: January 3 (2 on time, 1 late), February
      // 12 (on time), March 20 (10 on time, 10 late); the quarter 35 (24 on time).
      const people = await customers(app, org.id, "Q", 35);
      for (const [i, p] of people.entries()) {
        const [due, onTime] = i < 3 ? ["2026-01-15", i < 2] : i < 15 ? ["2026-02-15", true] : ["2026-03-15", i < 25];
        await insert(p, "CUSTOMER", null, null, `${due}T12:00:00Z`, onTime ? `${due}T08:00:00Z` : `${due.slice(0, 8)}20T12:00:00Z`);
      }
      // Around now, all due in the period:
      //   A1 a customer's, due in 3 days, loop closed now (through the API)  -> on time
      //   A2 a customer's, due in 2 days, not closed                         -> not counted yet
      //   A3 a customer's, due 10 days ago, closed 8 days ago                -> late
      //   A4 a customer's, due 10 days ago, not closed                       -> not closed
      //   A5 about no stakeholder, at a beneficiary touchpoint (stage Uses), due 5 days ago,
      //      closed 6 days ago                                                -> on time, BENEFICIARY (its stage's lifecycle)
      //   A6 about no stakeholder and no touchpoint, due 3 days ago, closed 4 days ago -> on time, CUSTOMER
      const [c1, c2, c3, c4] = await customers(app, org.id, "N", 4);
      const a1 = (await app.ok<any>(`mutation($i: CreateActionInput!) { createAction(input: $i) { id } }`, {
        i: { organizationId: org.id, title: "Call back", ownerAreaId: org.areas.Operations, stakeholderId: c1, dueAt: at(3) },
      })).createAction.id;
      await app.ok(`mutation($i: CloseLoopInput!) { closeLoop(input: $i) { id } }`, { i: { actionId: a1, message: "Fixed", channel: "PHONE" } });
      await insert(c2, "CUSTOMER", null, null, at(2), null);
      await insert(c3, "CUSTOMER", null, null, at(-10), at(-8));
      await insert(c4, "CUSTOMER", null, null, at(-10), null);
      await insert(null, null, uses, org.beneficiaryStages.Uses, at(-5), at(-6));
      await insert(null, null, null, null, at(-3), at(-4));
    });

    it("counts a loop closed before a due date still ahead as on time, and every action of the organization once", async () => {
      const s = await qoe(app, { o: org.id, ...AROUND_NOW, g: "NONE" });
      // Customers: on time A1 and A6, late A3, not closed A4 (A2 is not due yet): 2 of 4 -> 50.
      expect(part(s.overall, "LOOP_CLOSURE", "closed on time")).toEqual({ name: "closed on time", raw: 2, value: 50, sampleSize: 4, suppressed: false });
      // Beneficiaries: A5, about no one, at a stage of the beneficiaries' lifecycle: 1 of 1 -> 100.
      expect(part(s.overall, "LOOP_CLOSURE", "closed on time", "BENEFICIARY")).toEqual({ name: "closed on time", raw: 1, value: 100, sampleSize: 1, suppressed: false });
      // The same actions as impactReport.loops (3 + 1 + 1 = 5) and actionSummary count.
      const r = (
        await app.ok<any>(`query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactReport(organizationId: $o, from: $from, to: $to) { loops { due closedOnTime closedLate notClosed onTimeRate } } }`, {
          o: org.id,
          ...AROUND_NOW,
        })
      ).impactReport;
      expect(r.loops).toEqual({ due: 5, closedOnTime: 3, closedLate: 1, notClosed: 1, onTimeRate: 60 });
      const summary = (
        await app.ok<any>(`query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { actionSummary(organizationId: $o, from: $from, to: $to) { owners { closedOnTime closedLate notClosed } } }`, {
          o: org.id,
          ...AROUND_NOW,
        })
      ).actionSummary.owners;
      const sum = (f: string) => summary.reduce((t: number, o: any) => t + o[f], 0);
      expect([sum("closedOnTime"), sum("closedLate"), sum("notClosed")]).toEqual([3, 1, 1]);
      // And actions(filter: { closedOnTime: true }) due in the period: A1, A5, A6.
      const onTime = (await app.ok<any>(`query($o: ID!) { actions(organizationId: $o, filter: { closedOnTime: true }, first: 100) { edges { node { dueAt } } } }`, { o: org.id })).actions.edges.filter(
        (e: any) => e.node.dueAt >= AROUND_NOW.from && e.node.dueAt < AROUND_NOW.to,
      );
      expect(onTime).toHaveLength(3);
      // By touchpoint: A5 at the home visit; the rest at no touchpoint count in the overall only.
      const t = await qoe(app, { o: org.id, ...AROUND_NOW, g: "TOUCHPOINT" });
      expect(t.groups.map((g: any) => g.label)).toEqual(["Home visit"]);
      expect(part(t.groups[0], "LOOP_CLOSURE", "closed on time", "BENEFICIARY")).toMatchObject({ raw: 1, sampleSize: 1 });
      expect(component(t.groups[0], "LOOP_CLOSURE")).toMatchObject({ value: null, sampleSize: 0, missing: true });
    });

    it("hides the months that would give a small one back when the quarter is shown (customers only)", async () => {
      const q = await qoe(funder, { o: org.id, ...Q1, g: "PERIOD", i: "MONTH" });
      // January: 3 actions: hidden. Alone it would be the quarter minus February and March, so
      // February (12 due, the smallest) is hidden too. Then "not on time": January 1, February 0,
      // March 10, quarter 11: January alone would be 11 - 10 = 1, so March is hidden too. The
      // quarter (35 due, 24 on time, 11 late, 35 people; no beneficiary action) is shown: 68.57.
      expect(part(q.overall, "LOOP_CLOSURE", "closed on time")).toMatchObject({ raw: 24, value: 68.57, sampleSize: 35, suppressed: false });
      for (const g of q.groups) {
        expect(part(g, "LOOP_CLOSURE", "closed on time")).toMatchObject({ name: "closed on time", ...HIDDEN_PART });
        expect(component(g, "LOOP_CLOSURE")).toMatchObject({ value: null, sampleSize: null, missing: true, suppressed: true });
      }
      // impactReport shows the same 35 (24 on time), all of them the customers'.
      const r = (
        await funder.ok<any>(`query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactReport(organizationId: $o, from: $from, to: $to) { loops { due closedOnTime } } }`, { o: org.id, ...Q1 })
      ).impactReport;
      expect(r.loops).toEqual({ due: 35, closedOnTime: 24 });
    });

    it("hides from a funder the loops of the few actions around now", async () => {
      const q = await qoe(funder, { o: org.id, ...AROUND_NOW, g: "NONE" });
      // 4 and 1 actions: below k.
      expect(part(q.overall, "LOOP_CLOSURE", "closed on time")).toMatchObject(HIDDEN_PART);
      expect(part(q.overall, "LOOP_CLOSURE", "closed on time", "BENEFICIARY")).toMatchObject(HIDDEN_PART);
    });
  });

  describe("group keys are values: a region with '|' in it, and one called 'all'", () => {
    let org: OrgFixture;
    let funder: Caller;
    const JAN = { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" };

    beforeAll(async () => {
      org = await createOrg(app, "Regions", "CUSTOMER_IS_BENEFICIARY");
      funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
      const shop = await touchpoint(app, org.customerStages.Purchase, "Shop", org.areas.Sales);
      const nps = await survey(app, org.id, [{ key: "nps", type: "NPS", text: "Recommend us?" }]);
      // January, one response each: "Nairobi|West" 12 people NPS 10; "Nairobi" 15, NPS 8; "all" 11,
      // NPS 0; no region recorded 10, NPS 9. Overall 48.
      const items: Record<string, unknown>[] = [];
      for (const [region, n, score] of [
        ["Nairobi|West", 12, 10],
        ["Nairobi", 15, 8],
        ["all", 11, 0],
        [null, 10, 9],
      ] as const) {
        for (let i = 0; i < n; i++) {
          const who = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: `${region ?? "none"}-${i}`, ...(region ? { region } : {}) });
          items.push({ clientSubmissionId: `r-${who}`, surveyId: nps, stakeholderId: who, touchpointId: shop, collectedAt: "2026-01-15T10:00:00Z", answers: [{ key: "nps", value: score }] });
        }
      }
      await submit(app, org.id, items);
    });

    it("keeps every region its own group, and the overall apart from a region called 'all'", async () => {
      for (const who of [app, funder]) {
        const q = await qoe(who, { o: org.id, ...JAN, g: "DIMENSION", d: "REGION" });
        // Every group has at least 10 people: the funder sees what staff see (its counts adjusted).
        const exact = who === app;
        const count = (n: number, within = D) => (exact ? n : near(n, within));
        // Overall: 22 promoters, 15 passives, 11 detractors: (22 - 11) / 48 = 22.92.
        expect(q.overall).toMatchObject({ key: "all", label: "All", people: count(48), suppressed: false });
        expect(part(q.overall, "FEEDBACK", "NPS")).toMatchObject(exact ? shownPart(22.92, 48) : funderNps(48));
        // Worst first: all (NPS -100 -> 0), Nairobi (0 -> 50), then 100 each by label. Each group gave
        // one class only, so its NPS is the same from adjusted counts.
        expect(q.groups.map((g: any) => [g.key, g.label, g.people, g.score])).toEqual([
          ["all", "all", count(11), 0],
          ["Nairobi", "Nairobi", count(15), 50],
          ["(not recorded)", "(not recorded)", count(10), 100],
          ["Nairobi|West", "Nairobi|West", count(12), 100],
        ]);
        expect(part(byLabel(q, "Nairobi|West"), "FEEDBACK", "NPS")).toMatchObject({ raw: 100, sampleSize: count(12), suppressed: false });
        expect(part(byLabel(q, "all"), "FEEDBACK", "NPS")).toMatchObject({ raw: -100, sampleSize: count(11), suppressed: false });
      }
    });
  });
});
