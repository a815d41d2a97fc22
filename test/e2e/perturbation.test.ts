import { startTestApp, TestApp, Caller } from "../helpers/app";
import { createOrg, createStakeholder, OrgFixture } from "../helpers/fixtures";
import { perturb, pTable } from "../../src/common/perturbation";

/**
 * The cell-key method as a funder meets it (src/common/perturbation.ts), on organizations made for
 * the test through the API: the two differencing attacks of issue 15 rebuilt, a general one over
 * every pair of visible answers, repeatability, staff's true figures, and D per organization.
 *
 * What "the hidden group is not given back" means here: from two published figures a and b, the
 * true counts that could have produced them are every c with a − c an adjustment the p-table
 * gives to c (the funder does not know the record keys, so every row is possible); the hidden
 * group's size is then known only to lie in {x − y : x could give a, y could give b}. The test
 * asserts that set has more than one member.
 */

const SUBMIT = `mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created rejected } }`;
const NPS = `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!, $f: FeedbackFilter) {
  nps(organizationId: $o, from: $from, to: $to, filter: $f) { promoters passives detractors sampleSize score suppressed note } }`;
const QOE = `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  qualityOfExperience(organizationId: $o, from: $from, to: $to, groupBy: NONE) {
    suppression { applied threshold perturbationMaximum note }
    overall { people perspectives { perspective components { kind sampleSize parts { name raw sampleSize suppressed } } } } } }`;
const JAN = { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" };

/** The true counts c that can be published as v with maximum adjustment D (some row of column c gives v − c). */
function couldBe(v: number, D: number): number[] {
  const t = pTable(D);
  const out: number[] = [];
  for (let c = Math.max(0, v - D); c <= v + D; c++) {
    const column = t.columns[Math.min(c, t.columns.length - 1)];
    if (column.includes(v - c)) out.push(c);
  }
  return out;
}

/** What a hidden group's count can be, given the published a (it included) and b (it excluded). */
/** `b` a sum of adjusted cells (within `within` of the truth) instead of one adjusted cell, when `within` is given. */
function hiddenCouldBe(a: number, b: number, D: number, within?: number): number[] {
  const out = new Set<number>();
  const bs = within === undefined ? couldBe(b, D) : Array.from({ length: 2 * within + 1 }, (_, i) => b - within + i).filter((y) => y >= 0);
  for (const x of couldBe(a, D)) for (const y of bs) if (x - y >= 0) out.add(x - y);
  return [...out].sort((p, q) => p - q);
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

async function touchpoint(stageId: string, name: string, areaId: string): Promise<string> {
  const r = await app.ok<any>(`mutation($i: CreateTouchpointInput!) { createTouchpoint(input: $i) { id } }`, { i: { stageId, name, channel: "IN_PERSON", functionalAreaId: areaId } });
  return r.createTouchpoint.id;
}
async function npsSurvey(org: string, audience: string): Promise<string> {
  const r = await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
    i: { organizationId: org, name: `NPS ${audience}`, audience, questions: [{ key: "nps", type: "NPS", text: "Recommend us?" }] },
  });
  return r.createSurvey.id;
}
async function people(org: string, kind: string, prefix: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await createStakeholder(app, { organizationId: org, kind, externalRef: `${prefix}-${i}` }));
  return ids;
}
/** One NPS answer per person at a touchpoint, scores in order. */
function answers(surveyId: string, tp: string, who: string[], scores: number[], tag: string) {
  return who.map((w, i) => ({ clientSubmissionId: `${tag}-${i}`, surveyId, stakeholderId: w, touchpointId: tp, collectedAt: "2026-01-15T10:00:00Z", answers: [{ key: "nps", value: scores[i] }] }));
}
async function submit(org: string, items: unknown[]): Promise<void> {
  expect((await app.ok<any>(SUBMIT, { i: { organizationId: org, items } })).submitFeedback).toEqual({ created: items.length, rejected: 0 });
}
const repeat = (score: number, n: number) => Array.from({ length: n }, () => score);

describe("the NPS subtraction (issue 15, first attack)", () => {
  let org: OrgFixture;
  let funder: Caller;
  let big: string;
  let small: string;
  beforeAll(async () => {
    org = await createOrg(app, "Subtraction", "HYBRID");
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
    big = await touchpoint(org.beneficiaryStages.Receives, "Distribution day", org.areas.Operations);
    small = await touchpoint(org.beneficiaryStages.Uses, "Home visit", org.areas.Operations);
    const survey = await npsSurvey(org.id, "BENEFICIARY");
    // The big touchpoint: 24 people, 14 promoters, 6 passives, 4 detractors. The small one: 4 others, 1 promoter and 3 detractors.
    const many = await people(org.id, "BENEFICIARY", "B", 24);
    const few = await people(org.id, "BENEFICIARY", "S", 4);
    await submit(org.id, [...answers(survey, big, many, [...repeat(10, 14), ...repeat(8, 6), ...repeat(2, 4)], "big"), ...answers(survey, small, few, [9, 0, 3, 6], "small")]);
  });

  it("staff see the true counts (15/6/7 of 28 and 14/6/4 of 24), as before", async () => {
    const all = (await app.ok<any>(NPS, { o: org.id, ...JAN, f: { kind: "BENEFICIARY" } })).nps;
    // 15 promoters, 6 passives, 7 detractors: NPS (15 − 7) / 28 = 28.57.
    expect(all).toEqual({ promoters: 15, passives: 6, detractors: 7, sampleSize: 28, score: 28.57, suppressed: false, note: null });
    const bigOnly = (await app.ok<any>(NPS, { o: org.id, ...JAN, f: { touchpointId: big } })).nps;
    expect(bigOnly).toMatchObject({ promoters: 14, passives: 6, detractors: 4, sampleSize: 24, score: 41.67, note: null });
  });

  it("gives a funder adjusted counts from which the small touchpoint's size and classes cannot be worked out", async () => {
    const all = (await funder.ok<any>(NPS, { o: org.id, ...JAN, f: { kind: "BENEFICIARY" } })).nps;
    const bigOnly = (await funder.ok<any>(NPS, { o: org.id, ...JAN, f: { touchpointId: big } })).nps;
    const smallOnly = (await funder.ok<any>(NPS, { o: org.id, ...JAN, f: { touchpointId: small } })).nps;
    expect(smallOnly).toMatchObject({ promoters: null, passives: null, detractors: null, sampleSize: null, suppressed: true });
    const D = 2;
    const truth = { all: { promoters: 15, passives: 6, detractors: 7 }, big: { promoters: 14, passives: 6, detractors: 4 } };
    for (const cls of ["promoters", "passives", "detractors"] as const) {
      // Never more than D off.
      expect(Math.abs(all[cls] - truth.all[cls])).toBeLessThanOrEqual(D);
      expect(Math.abs(bigOnly[cls] - truth.big[cls])).toBeLessThanOrEqual(D);
      // The hidden class (1 promoter, 0 passives, 3 detractors) is one of several values consistent with what was shown.
      const could = hiddenCouldBe(all[cls], bigOnly[cls], D);
      expect(could.length).toBeGreaterThan(1);
      expect(could).toContain(truth.all[cls] - truth.big[cls]);
    }
    // The size: the sample sizes are the sums of the adjusted classes; the group of 4 is one of many sizes they allow.
    expect(all.sampleSize).toBe(all.promoters + all.passives + all.detractors);
    const sizes = new Set<number>();
    for (const p of hiddenCouldBe(all.promoters, bigOnly.promoters, D))
      for (const a of hiddenCouldBe(all.passives, bigOnly.passives, D)) for (const d of hiddenCouldBe(all.detractors, bigOnly.detractors, D)) sizes.add(p + a + d);
    expect(sizes.size).toBeGreaterThan(1);
    expect(sizes.has(4)).toBe(true);
    // Derived from the adjusted counts, and said so.
    const n = all.promoters + all.passives + all.detractors;
    expect(all.score).toBe(Math.round(((all.promoters - all.detractors) / n) * 10000) / 100);
    expect(all.note).toMatch(/adjusted/);
  });

  it("gives the same answer to the same question, every time, and it is what the stored record keys and the fixed table give", async () => {
    const first = (await funder.ok<any>(NPS, { o: org.id, ...JAN, f: { kind: "BENEFICIARY" } })).nps;
    for (let i = 0; i < 3; i++) expect((await funder.ok<any>(NPS, { o: org.id, ...JAN, f: { kind: "BENEFICIARY" } })).nps).toEqual(first);
    // Nothing but the stored keys and the table (what a restarted server has): the promoters' cell is
    // the 15 answers with NPS ≥ 9, its key the sum of their people's record keys.
    const [row] = await app.db.query(
      `SELECT count(*) AS n, sum(s.record_key) AS keys FROM feedback_responses r JOIN stakeholders s ON s.organization_id = r.organization_id AND s.id = r.stakeholder_id
        WHERE r.organization_id = $1 AND r.kind = 'BENEFICIARY' AND r.nps >= 9`,
      [org.id],
    );
    expect(Number(row.n)).toBe(15);
    expect(first.promoters).toBe(perturb(15, row.keys, 2));
  });
});

describe("quality of experience: overall people minus the customers' part (issue 15, second attack)", () => {
  let org: OrgFixture;
  let funder: Caller;
  beforeAll(async () => {
    org = await createOrg(app, "People minus part", "HYBRID");
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
    const shop = await touchpoint(org.customerStages.Purchase, "Shop", org.areas.Sales);
    const visit = await touchpoint(org.beneficiaryStages.Receives, "Visit", org.areas.Operations);
    // 12 customers and 5 beneficiaries answer once each: 17 people; the beneficiaries' part (5) is hidden.
    const customers = await people(org.id, "CUSTOMER", "C", 12);
    const beneficiaries = await people(org.id, "BENEFICIARY", "B", 5);
    await submit(org.id, [
      ...answers(await npsSurvey(org.id, "CUSTOMER"), shop, customers, [...repeat(10, 8), ...repeat(7, 4)], "c"),
      ...answers(await npsSurvey(org.id, "BENEFICIARY"), visit, beneficiaries, [10, 9, 3, 2, 8], "b"),
    ]);
  });

  const npsPart = (q: any, perspective: string) =>
    q.overall.perspectives.find((p: any) => p.perspective === perspective).components.find((c: any) => c.kind === "FEEDBACK").parts.find((p: any) => p.name === "NPS");

  it("staff see 17 people and 12 customer answers", async () => {
    const q = (await app.ok<any>(QOE, { o: org.id, ...JAN })).qualityOfExperience;
    expect(q.suppression).toEqual({ applied: false, threshold: 10, perturbationMaximum: null, note: null });
    expect(q.overall.people).toBe(17);
    expect(npsPart(q, "CUSTOMER")).toMatchObject({ sampleSize: 12, raw: 66.67, suppressed: false });
    expect(npsPart(q, "BENEFICIARY")).toMatchObject({ sampleSize: 5, suppressed: false });
  });

  it("a funder's people and customer part no longer give the 5 beneficiaries back", async () => {
    const q = (await funder.ok<any>(QOE, { o: org.id, ...JAN })).qualityOfExperience;
    expect(q.suppression).toMatchObject({ applied: true, threshold: 10, perturbationMaximum: 2 });
    expect(q.suppression.note).toMatch(/total/);
    expect(npsPart(q, "BENEFICIARY")).toMatchObject({ sampleSize: null, suppressed: true });
    const customerPart = npsPart(q, "CUSTOMER");
    expect(Math.abs(q.overall.people - 17)).toBeLessThanOrEqual(2);
    // The part's sample size is the sum of its three adjusted NPS classes (each within D = 2): within 6.
    expect(Math.abs(customerPart.sampleSize - 12)).toBeLessThanOrEqual(6);
    const could = hiddenCouldBe(q.overall.people, customerPart.sampleSize, 2, 6);
    expect(could.length).toBeGreaterThan(1);
    expect(could).toContain(5);
  });

  it("the customer part agrees with the nps view over the same answers (the same cells, the same figures)", async () => {
    const q = (await funder.ok<any>(QOE, { o: org.id, ...JAN })).qualityOfExperience;
    const nps = (await funder.ok<any>(NPS, { o: org.id, ...JAN, f: { kind: "CUSTOMER" } })).nps;
    expect(npsPart(q, "CUSTOMER")).toMatchObject({ sampleSize: nps.sampleSize, raw: nps.score });
  });
});

describe("a hidden group of 4 in a population of 40", () => {
  let org: OrgFixture;
  let funder: Caller;
  const visible: { name: string; figures: Record<string, number | null> }[] = [];
  beforeAll(async () => {
    org = await createOrg(app, "Forty", "HYBRID");
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
    const tps = [
      await touchpoint(org.beneficiaryStages.Enrolled, "Enrolment", org.areas.Operations),
      await touchpoint(org.beneficiaryStages.Receives, "Distribution", org.areas.Operations),
      await touchpoint(org.beneficiaryStages.Uses, "Follow-up", org.areas.Operations),
    ];
    const hiddenTp = await touchpoint(org.beneficiaryStages.Outcome, "Outcome interview", org.areas.Operations);
    const survey = await npsSurvey(org.id, "BENEFICIARY");
    // 36 people in three groups of 12 (each 6 promoters, 3 passives, 3 detractors); the hidden 4 (2 promoters, 2 detractors) alone at the last touchpoint.
    const items: unknown[] = [];
    for (let g = 0; g < 3; g++) items.push(...answers(survey, tps[g], await people(org.id, "BENEFICIARY", `G${g}`, 12), [...repeat(10, 6), ...repeat(7, 3), ...repeat(1, 3)], `g${g}`));
    items.push(...answers(survey, hiddenTp, await people(org.id, "BENEFICIARY", "H", 4), [9, 10, 0, 5], "h"));
    await submit(org.id, items);

    // Every answer a funder can get about them: NPS by kind, touchpoint, stage, class; QoE overall.
    const filters: Record<string, unknown>[] = [{}, { kind: "BENEFICIARY" }, { surveyId: survey }, { touchpointId: hiddenTp }];
    for (const tp of tps) filters.push({ touchpointId: tp });
    for (const stage of ["Enrolled", "Receives", "Uses", "Outcome"]) filters.push({ stageId: org.beneficiaryStages[stage] });
    for (const npsClass of ["PROMOTER", "PASSIVE", "DETRACTOR"]) filters.push({ kind: "BENEFICIARY", npsClass });
    filters.push({ minScore: 5 }, { maxScore: 8 });
    for (const f of filters) {
      const r = (await funder.ok<any>(NPS, { o: org.id, ...JAN, f })).nps;
      if (!r.suppressed) visible.push({ name: JSON.stringify(f), figures: { sampleSize: r.sampleSize, promoters: r.promoters, passives: r.passives, detractors: r.detractors } });
    }
    const q = (await funder.ok<any>(QOE, { o: org.id, ...JAN })).qualityOfExperience;
    const part = q.overall.perspectives.find((p: any) => p.perspective === "BENEFICIARY").components.find((c: any) => c.kind === "FEEDBACK").parts[0];
    visible.push({ name: "qoe people", figures: { sampleSize: q.overall.people } });
    visible.push({ name: "qoe beneficiaries' NPS", figures: { sampleSize: part.sampleSize } });
  });

  it("shows the big cells and hides the small ones", () => {
    expect(visible.map((v) => v.name)).toContain(JSON.stringify({ kind: "BENEFICIARY" }));
    expect(visible.map((v) => v.name)).not.toContain(JSON.stringify({ touchpointId: "x" }));
    // The hidden touchpoint's answer (4 people) is suppressed, so it is not among the visible ones.
    expect(visible.some((v) => v.name.includes("Outcome"))).toBe(false);
    expect(visible.length).toBeGreaterThan(10);
  });

  it("no difference of two visible answers pins the hidden group's size or any of its NPS classes", () => {
    // Whatever pair an attacker picks (one covering the group, one not), each figure's difference
    // is consistent with more than one value: the hidden size (4) and classes (2, 0, 2) are never determined.
    let pairs = 0;
    for (const a of visible) {
      for (const b of visible) {
        if (a === b) continue;
        for (const field of ["sampleSize", "promoters", "passives", "detractors"]) {
          const x = a.figures[field];
          const y = b.figures[field];
          if (x === undefined || y === undefined || x === null || y === null) continue;
          pairs++;
          const could = new Set<number>();
          for (const p of couldBe(x, 2)) for (const q of couldBe(y, 2)) could.add(p - q);
          expect({ pair: [a.name, b.name, field], determined: could.size === 1 }).toEqual({ pair: [a.name, b.name, field], determined: false });
        }
      }
    }
    expect(pairs).toBeGreaterThan(100);
  });

  it("every published count could come from at least two true counts (D ≥ 2; with D = 1, every count but 1)", () => {
    // With D = 1, 1 is never published as 1 and 0 as 0 only: a published 1 can only be a true 2.
    // The price of the smallest D, said in the funders' guide; the default (2) has no such count.
    for (let D = 1; D <= 5; D++) for (let v = 0; v < 200; v++) if (D > 1 || v !== 1) expect([D, v, couldBe(v, D).length > 1]).toEqual([D, v, true]);
    expect(couldBe(1, 1)).toEqual([2]);
  });
});

describe("D per organization", () => {
  let org: OrgFixture;
  let funder: Caller;
  const truth: Record<string, { promoters: number; passives: number; detractors: number }> = {};
  const filters: Record<string, Record<string, unknown>> = {};
  beforeAll(async () => {
    org = await createOrg(app, "Maximum", "HYBRID");
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
    const survey = await npsSurvey(org.id, "CUSTOMER");
    // 8 touchpoints of 10 to 17 customers each, scores cycling through 0..10.
    for (let t = 0; t < 8; t++) {
      const tp = await touchpoint(org.customerStages.Purchase, `Shop ${t}`, org.areas.Sales);
      const who = await people(org.id, "CUSTOMER", `T${t}`, 10 + t);
      const scores = who.map((_, i) => (i * 7 + t) % 11);
      await submit(org.id, answers(survey, tp, who, scores, `t${t}`));
      filters[`t${t}`] = { touchpointId: tp };
      truth[`t${t}`] = { promoters: scores.filter((s) => s >= 9).length, passives: scores.filter((s) => s === 7 || s === 8).length, detractors: scores.filter((s) => s <= 6).length };
    }
  });

  it("keeps every count within D of the truth, for D = 1 and D = 5, and refuses D outside 1..5", async () => {
    for (const D of [1, 5]) {
      const r = await app.ok<any>(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { perturbationMaximum } }`, { i: { id: org.id, perturbationMaximum: D } });
      expect(r.updateOrganization.perturbationMaximum).toBe(D);
      let off = 0;
      for (const [name, f] of Object.entries(filters)) {
        const n = (await funder.ok<any>(NPS, { o: org.id, ...JAN, f })).nps;
        for (const cls of ["promoters", "passives", "detractors"] as const) {
          const d = n[cls] - truth[name][cls];
          expect(Math.abs(d)).toBeLessThanOrEqual(D);
          off += Math.abs(d);
        }
      }
      // 24 counts: with D = 5 some are surely off (each is 0 off with probability ≤ 44/256).
      if (D === 5) expect(off).toBeGreaterThan(0);
    }
    for (const bad of [0, 6]) {
      const r = await app.gql<any>(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { perturbationMaximum } }`, { i: { id: org.id, perturbationMaximum: bad } });
      expect(r.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    }
  });

  it("never shows a record key: not in GraphQL's schema, not in the audit log", async () => {
    const schema = await app.ok<any>(`{ __type(name: "Stakeholder") { fields { name } } }`);
    expect(schema.__type.fields.map((f: any) => f.name)).not.toContain("recordKey");
    const log = await app.db.query(`SELECT after FROM audit_log WHERE organization_id = $1 AND entity = 'stakeholders' AND after ? 'record_key' LIMIT 1`, [org.id]);
    expect(log[0].after.record_key).toBe("[redacted]");
  });
});

describe("metric values that count people (observations as records)", () => {
  let org: OrgFixture;
  let funder: Caller;
  let reached: string;
  let share: string;
  const record = (items: Record<string, unknown>[]) =>
    app.ok<any>(`mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { created rejected } }`, { i: { organizationId: org.id, items } });
  const IN_USE = `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactInUse(organizationId: $o, from: $from, to: $to) { socialMetrics { metric { id } actual sampleSize suppressed attainment } } }`;
  const SERIES = `query($m: ID!, $from: DateTimeISO!, $to: DateTimeISO!, $d: String) {
    metricSeries(metricId: $m, from: $from, to: $to, interval: MONTH, dimension: $d) { points { from actual suppressed groups { value actual suppressed } } } }`;
  const JAN_MAR = { from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z" };
  /** The sum of the record keys of a metric's observations starting in [from, to) with the given dimensions: the cell key's source. */
  const keys = async (metric: string, from: string, to: string, dimensions: Record<string, string>) =>
    String((await app.db.query(`SELECT coalesce(sum(record_key), 0)::text AS k FROM observations WHERE organization_id = $1 AND metric_id = $2 AND period_from >= $3 AND period_from < $4 AND dimensions = $5::jsonb`, [org.id, metric, from, to, JSON.stringify(dimensions)]))[0].k);
  const socialOf = (r: any, id: string) => r.impactInUse.socialMetrics.find((m: any) => m.metric.id === id);

  beforeAll(async () => {
    org = await createOrg(app, "Observed", "HYBRID");
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
    const create = async (input: Record<string, unknown>) =>
      (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, { i: { organizationId: org.id, ...input } })).createMetric.id as string;
    reached = await create({ name: "Children reached", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "COUNT", aggregation: "SUM", impactMode: "IN_USE" });
    share = await create({ name: "Share attending", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "PERCENT", aggregation: "AVERAGE", impactMode: "IN_USE" });
    // January: 40 children in total, and by gender 30 girls, 6 boys, 4 not stated; February: 3 more.
    const jan = { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" };
    const r = await record([
      { metricId: reached, ...jan, value: "40" },
      { metricId: reached, ...jan, value: "30", dimensions: { gender: "F" } },
      { metricId: reached, ...jan, value: "6", dimensions: { gender: "M" } },
      { metricId: reached, ...jan, value: "4", dimensions: { gender: "X" } },
      { metricId: reached, from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z", value: "3" },
      // 75 % attendance, from a sample of 4 children: below k = 10.
      { metricId: share, ...jan, value: "75", sampleSize: 4 },
    ]);
    expect(r.recordObservations).toEqual({ created: 6, rejected: 0 });
  });

  it("staff see the recorded figures: 40 in January, 43 over January and February, 75 % from 4 children", async () => {
    const jan = await app.ok<any>(IN_USE, { o: org.id, ...JAN });
    expect(socialOf(jan, reached)).toMatchObject({ actual: "40", suppressed: false });
    expect(socialOf(jan, share)).toMatchObject({ actual: "75", sampleSize: 4, suppressed: false });
    expect(socialOf(await app.ok<any>(IN_USE, { o: org.id, ...JAN_MAR }), reached).actual).toBe("43");
  });

  it("a funder's count of people is the truth plus the adjustment its observations' keys pick, the same in every view and on every call", async () => {
    const k = await keys(reached, JAN.from, JAN.to, {});
    const expected = String(perturb(40, k, 2));
    const a = socialOf(await funder.ok<any>(IN_USE, { o: org.id, ...JAN }), reached);
    const b = socialOf(await funder.ok<any>(IN_USE, { o: org.id, ...JAN }), reached);
    expect(a).toMatchObject({ actual: expected, suppressed: false });
    expect(b.actual).toBe(expected);
    expect(Math.abs(Number(expected) - 40)).toBeLessThanOrEqual(2);
    // The month of the series is the same cell: the same observations, the same figure.
    const series = await funder.ok<any>(SERIES, { m: reached, ...JAN });
    expect(series.metricSeries.points[0].actual).toBe(expected);
  });

  it("a funder cannot subtract January from January–February to get February's 3 children", async () => {
    const both = Number(socialOf(await funder.ok<any>(IN_USE, { o: org.id, ...JAN_MAR }), reached).actual);
    const jan = Number(socialOf(await funder.ok<any>(IN_USE, { o: org.id, ...JAN }), reached).actual);
    // The two totals are cells of their own (keys of 2 observations and of 1): February's count is
    // known only to lie in a set of several values.
    expect(Math.abs(both - 43)).toBeLessThanOrEqual(2);
    expect(hiddenCouldBe(both, jan, 2).length).toBeGreaterThan(1);
    // February alone is below k: hidden.
    const feb = await funder.ok<any>(IN_USE, { o: org.id, from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z" });
    expect(socialOf(feb, reached)).toMatchObject({ actual: null, suppressed: true, sampleSize: null });
  });

  it("groups: the two small ones hidden (each below k), the girls' 30 shown with their own adjustment", async () => {
    const s = (await funder.ok<any>(SERIES, { m: reached, ...JAN, d: "gender" })).metricSeries.points[0];
    const by = Object.fromEntries(s.groups.map((g: any) => [g.value, g]));
    expect(by.M).toMatchObject({ actual: null, suppressed: true });
    expect(by.X).toMatchObject({ actual: null, suppressed: true });
    expect(by.F).toMatchObject({ actual: String(perturb(30, await keys(reached, JAN.from, JAN.to, { gender: "F" }), 2)), suppressed: false });
    const staff = (await app.ok<any>(SERIES, { m: reached, ...JAN, d: "gender" })).metricSeries.points[0];
    expect(staff.groups.map((g: any) => [g.value, g.actual])).toEqual([["F", "30"], ["M", "6"], ["X", "4"]]);
  });

  it("a value from fewer than k people shows neither the value nor its sample size to a funder", async () => {
    expect(socialOf(await funder.ok<any>(IN_USE, { o: org.id, ...JAN }), share)).toMatchObject({ actual: null, sampleSize: null, suppressed: true, attainment: null });
  });

  it("an observation's record key is never shown: redacted in the audit log, fixed once drawn", async () => {
    const log = await app.db.query(`SELECT after FROM audit_log WHERE organization_id = $1 AND entity = 'observations' AND after ? 'record_key' LIMIT 1`, [org.id]);
    expect(log[0].after.record_key).toBe("[redacted]");
    await expect(app.db.query(`UPDATE observations SET record_key = record_key + 1 WHERE organization_id = $1 AND metric_id = $2`, [org.id, reached])).rejects.toThrow(/never changes/);
    const schema = await app.ok<any>(`{ __type(name: "Observation") { fields { name } } }`);
    expect(schema.__type.fields.map((f: any) => f.name)).not.toContain("recordKey");
  });
});
