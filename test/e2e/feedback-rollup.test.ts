import { asStored, rowId, startTestApp, TestApp } from "../helpers/app";
import { createOrg, createStakeholder, OrgFixture } from "../helpers/fixtures";
import { experienceStaysDifferencesSql, IN_FORCE_DIFFERENCES_SQL, rollupDifferencesSql } from "../helpers/rollup-check";
import { mulberry32 } from "../helpers/random";
import { createContext } from "../../src/context";
import { authenticate } from "../../src/modules/access/authenticate";
import { QoeGroupBy } from "../../src/modules/qoe/qoe.types";
import { Interval } from "../../src/common/enums";
import { Dimension } from "../../src/modules/lifecycle/funnel.types";
import { npsOf } from "../../src/modules/feedback/feedback.service";
import { perturb, PERTURBATION_NOTE } from "../../src/common/perturbation";
import type { FeedbackFilter } from "../../src/modules/feedback/feedback.inputs";
import { FeedbackRollup1732830000000 } from "../../migrations/1732830000000-FeedbackRollup";
import { CellKeyPerturbation1732854000000 } from "../../migrations/1732854000000-CellKeyPerturbation";
import { ExperienceStays1732861000000 } from "../../migrations/1732861000000-ExperienceStays";

/**
 * The feedback rollups (feedback_daily, feedback_daily_dimension) against the direct computation,
 * on random data after random writes: batches through the API as submitFeedback writes them (the
 * responses and their answers in one statement), with retried items (DUPLICATE), reused client ids
 * with other content (CONFLICT), dry runs, beneficiaries registered with their response, concurrent
 * batches and items collected long before they arrive; erasure (forgetStakeholder), stakeholders'
 * attributes changed, a touchpoint moved to another stage with its responses, and corrections,
 * deletions and inserts in SQL (one row or many per statement). After every round: every rollup
 * figure equals the one computed from the tables, and nps and qualityOfExperience give the same
 * answers, to staff and to a funder (suppression included), as when computed from the tables only
 * (the old way: for nps, the statement it used to run). experience_stays, kept by triggers on the
 * same tables, is checked after every round the same way (its rows, and everybody's answer in force
 * at the periods' edges against the per-person look-ups the value views made before it).
 */

const DAY = 86_400_000;
const START = Date.parse("2026-01-01T00:00:00Z");
const GENDERS = ["FEMALE", "MALE", "UNDISCLOSED", null];
const REGIONS = ["North", "South", "Coast", null];

let app: TestApp;
let org: OrgFixture;
let staffKey: string;
let funderKey: string;

const rng = { next: mulberry32(20261202) };
const pick = <T>(xs: T[]): T => xs[Math.floor(rng.next() * xs.length)];
const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));

const customers: string[] = [];
const beneficiaries: string[] = [];
let customerSurvey: string;
let beneficiarySurvey: string;
const customerTouchpoints: string[] = [];
const beneficiaryTouchpoints: string[] = [];
const submitted: Record<string, unknown>[] = [];
let counter = 0;

async function touchpoint(stageId: string, name: string): Promise<string> {
  const r = await app.ok<any>(`mutation($i: CreateTouchpointInput!) { createTouchpoint(input: $i) { id } }`, {
    i: { stageId, name, channel: "IN_PERSON", functionalAreaId: org.areas.Sales },
  });
  return r.createTouchpoint.id;
}

async function survey(audience: string, name: string): Promise<string> {
  const r = await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
    i: {
      organizationId: org.id,
      name,
      audience,
      questions: [
        { key: "nps", type: "NPS", text: "Recommend us?" },
        { key: "rating", type: "RATING", text: "How was it?" },
        { key: "rating2", type: "RATING", text: "And the service?" },
        { key: "effort", type: "EFFORT", text: "How easy was it?" },
        { key: "said", type: "TEXT", text: "Anything else?" },
      ],
    },
  });
  return r.createSurvey.id;
}

/** Stakeholders erased so far: their responses still count, but carry no words (comments or free text are refused). */
const erased = new Set<string>();

/** A random response: at a random time of a random day of 2026 (or long before, arriving late), some answers left out. */
function item(): Record<string, unknown> {
  const beneficiary = rng.next() < 0.4;
  const late = rng.next() < 0.1;
  const at = START + Math.floor(rng.next() * 120 * DAY) - (late ? 400 * DAY : 0);
  const answers: { key: string; value: unknown }[] = [];
  if (rng.next() < 0.85) answers.push({ key: "nps", value: int(0, 10) });
  if (rng.next() < 0.7) answers.push({ key: "rating", value: int(1, 5) });
  if (rng.next() < 0.3) answers.push({ key: "rating2", value: int(1, 5) });
  if (rng.next() < 0.5) answers.push({ key: "effort", value: int(1, 7) });
  if (rng.next() < 0.3) answers.push({ key: "said", value: "some words" });
  const touchpoints = beneficiary ? beneficiaryTouchpoints : customerTouchpoints;
  // Now and then a beneficiary registered with the response (attributes drawn like the others').
  const registers = beneficiary && rng.next() < 0.15;
  const gender = pick(GENDERS);
  const region = pick(REGIONS);
  const stakeholderId = registers ? null : pick(beneficiary ? beneficiaries : customers);
  const comment = rng.next() < 0.4 && !(stakeholderId && erased.has(stakeholderId));
  if (stakeholderId && erased.has(stakeholderId)) answers.splice(0, answers.length, ...answers.filter((a) => a.key !== "said"));
  return {
    clientSubmissionId: `r-${counter++}`,
    surveyId: beneficiary ? beneficiarySurvey : customerSurvey,
    ...(registers
      ? { newBeneficiary: { externalRef: `new-${counter}`, ...(gender ? { gender } : {}), ...(region ? { region } : {}) } }
      : { stakeholderId }),
    ...(rng.next() < 0.8 ? { touchpointId: pick(touchpoints) } : {}),
    collectedAt: new Date(at).toISOString(),
    answers,
    ...(comment ? { comment: "a comment" } : {}),
  };
}

interface Outcome {
  created: number;
  duplicates: number;
  conflicts: number;
  rejected: number;
  valid: number;
}

async function submit(items: Record<string, unknown>[], dryRun = false): Promise<Outcome> {
  const r = await app.ok<any>(`mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created duplicates conflicts rejected valid } }`, {
    i: { organizationId: org.id, items, ...(dryRun ? { dryRun } : {}) },
  });
  return r.submitFeedback;
}

const responseCount = async () => Number((await app.db.query(`SELECT count(*) AS n FROM feedback_responses WHERE organization_id = $1`, [org.id]))[0].n);

/** Runs a service call in a request of the given key (under row-level security, as the API does). */
async function as<T>(key: string, run: (services: Awaited<ReturnType<typeof createContext>>["services"]) => Promise<T>): Promise<T> {
  const context = await createContext(app.db, await authenticate(app.db, key));
  try {
    return await run(context.services);
  } finally {
    await context.finish(false);
  }
}

/** nps the old way: one statement over the responses, people counted for everyone. */
async function oldNps(from: Date, to: Date, filter: FeedbackFilter, funder: boolean, k: number) {
  const where = ["organization_id = $1", "collected_at >= $2", "collected_at < $3", "nps IS NOT NULL"];
  const params: unknown[] = [org.id, from, to];
  if (filter.kind) where.push(`kind = $${params.push(filter.kind)}`);
  if (filter.touchpointId) where.push(`touchpoint_id = $${params.push(filter.touchpointId)}`);
  if (filter.minScore !== undefined) where.push(`nps >= $${params.push(filter.minScore)}`);
  if (filter.npsClass === "DETRACTOR") where.push("nps <= 6");
  // With, per class, the sum of the record keys of the people behind its answers (a funder's cell keys).
  const [row] = await app.db.query(
    `SELECT count(*) FILTER (WHERE nps >= 9)::int AS p, count(*) FILTER (WHERE nps BETWEEN 7 AND 8)::int AS pa, count(*) FILTER (WHERE nps <= 6)::int AS d,
            count(DISTINCT stakeholder_id)::int AS people,
            sum(k) FILTER (WHERE nps >= 9) AS p_keys, sum(k) FILTER (WHERE nps BETWEEN 7 AND 8) AS pa_keys, sum(k) FILTER (WHERE nps <= 6) AS d_keys
       FROM (SELECT r.*, (SELECT s.record_key FROM stakeholders s WHERE s.organization_id = r.organization_id AND s.id = r.stakeholder_id) AS k
               FROM feedback_responses r) r WHERE ${where.join(" AND ")}`,
    params,
  );
  const hide = funder && row.people > 0 && row.people < k;
  // A funder's classes are adjusted (the organization's D, 2 by default); the size, score and margin follow from them.
  const shown = funder
    ? { p: perturb(row.p, row.p_keys, 2), pa: perturb(row.pa, row.pa_keys, 2), d: perturb(row.d, row.d_keys, 2) }
    : { p: row.p, pa: row.pa, d: row.d };
  const { score, marginOfError95 } = npsOf(shown.p, shown.pa, shown.d);
  return {
    promoters: hide ? null : shown.p,
    passives: hide ? null : shown.pa,
    detractors: hide ? null : shown.d,
    sampleSize: hide ? null : shown.p + shown.pa + shown.d,
    score: hide ? null : score,
    marginOfError95: hide ? null : marginOfError95,
    suppressed: hide,
    note: funder && !hide ? PERTURBATION_NOTE : null,
  };
}

/** Random periods: whole months, odd edges inside a day, a single part of a day, all of the history. */
function periods(): { from: Date; to: Date }[] {
  const odd = START + Math.floor(rng.next() * 60 * DAY) + int(1, 86_399_000);
  const inDay = START + int(0, 100) * DAY + int(0, 40_000_000);
  return [
    { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2026-05-01T00:00:00Z") },
    { from: new Date(odd), to: new Date(odd + int(3, 50) * DAY + int(1, 86_000_000)) },
    { from: new Date(inDay), to: new Date(inDay + int(1, 40_000_000)) },
    { from: new Date("2024-01-01T00:00:00Z"), to: new Date("2026-06-01T00:00:00Z") },
  ];
}

const VIEWS: [QoeGroupBy, Interval | null, Dimension | null][] = [
  [QoeGroupBy.NONE, null, null],
  [QoeGroupBy.STAGE, null, null],
  [QoeGroupBy.TOUCHPOINT, null, null],
  [QoeGroupBy.PERIOD, Interval.WEEK, null],
  [QoeGroupBy.PERIOD, Interval.MONTH, null],
  [QoeGroupBy.PERIOD, Interval.QUARTER, null],
  [QoeGroupBy.DIMENSION, null, Dimension.GENDER],
  [QoeGroupBy.DIMENSION, null, Dimension.REGION],
];

async function expectExact(): Promise<void> {
  const differences = await app.db.query(rollupDifferencesSql());
  expect(differences).toEqual([]);
  // experience_stays (issue 16's views) too: its rows, and everybody's answer in force at the edges of the periods.
  expect(await app.db.query(experienceStaysDifferencesSql())).toEqual([]);
  for (const { from, to } of periods()) {
    for (const at of [from, to]) expect(await app.db.query(IN_FORCE_DIFFERENCES_SQL, [org.id, at])).toEqual([]);
  }
  const [{ k }] = await app.db.query(`SELECT coalesce(suppression_threshold, 10) AS k FROM organizations WHERE id = $1`, [org.id]);
  for (const { from, to } of periods()) {
    for (const [key, funder] of [
      [staffKey, false],
      [funderKey, true],
    ] as const) {
      const filters: FeedbackFilter[] = [{}, { kind: "CUSTOMER" as any }, { touchpointId: customerTouchpoints[0] }, { npsClass: "DETRACTOR" as any, minScore: 2 }];
      for (const filter of filters) {
        // Services take the rows' UUIDs (the API decodes its global ids before them).
        const nps = await as(key, (s) => s.feedback.nps(String(rowId(org.id)), from, to, asStored(filter)));
        expect(nps).toEqual(await oldNps(from, to, filter, funder, Math.max(5, Number(k))));
      }
      for (const [groupBy, interval, dimension] of VIEWS) {
        const fromRollup = await as(key, (s) => s.qoe.compute(String(rowId(org.id)), from, to, groupBy, interval, dimension));
        const fromTables = await as(key, (s) => s.qoe.compute(String(rowId(org.id)), from, to, groupBy, interval, dimension, "tables"));
        expect(fromRollup).toEqual(fromTables);
      }
    }
  }
}

beforeAll(async () => {
  app = await startTestApp();
  org = await createOrg(app, "Rollup check", "HYBRID");
  // k = 5: small cells are common in a small random data set, so suppression is exercised.
  await app.ok(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { id } }`, { i: { id: org.id, suppressionThreshold: 5 } }).catch(async () => {
    await app.db.query(`UPDATE organizations SET suppression_threshold = 5 WHERE id = $1`, [org.id]);
  });
  staffKey = app.key;
  funderKey = await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]);
  for (const name of Object.keys(org.customerStages).slice(0, 4)) customerTouchpoints.push(await touchpoint(org.customerStages[name], `C ${name}`));
  for (const name of Object.keys(org.beneficiaryStages).slice(0, 4)) beneficiaryTouchpoints.push(await touchpoint(org.beneficiaryStages[name], `B ${name}`));
  customerSurvey = await survey("CUSTOMER", "Customers");
  beneficiarySurvey = await survey("BENEFICIARY", "Beneficiaries");
  for (let i = 0; i < 30; i++) {
    const kind = i < 18 ? "CUSTOMER" : "BENEFICIARY";
    const gender = pick(GENDERS);
    const region = pick(REGIONS);
    const id = await createStakeholder(app, { organizationId: org.id, kind, externalRef: `s-${i}`, ...(gender ? { gender } : {}), ...(region ? { region } : {}) });
    (kind === "CUSTOMER" ? customers : beneficiaries).push(id);
  }
}, 120_000);
afterAll(() => app.close());

it("matches the direct computation after every round of random writes", async () => {
  await expectExact(); // nothing yet
  for (let round = 0; round < 4; round++) {
    // A batch through the API: every item is new, so all n are created.
    const batch = Array.from({ length: int(20, 60) }, item);
    expect(await submit(batch)).toMatchObject({ created: batch.length, duplicates: 0, conflicts: 0, rejected: 0 });
    submitted.push(...batch);
    // A dry run of new items: all valid, nothing stored (the count of responses stays).
    const before = await responseCount();
    const dry = Array.from({ length: 10 }, item);
    expect(await submit(dry, true)).toMatchObject({ created: 0, valid: 10, rejected: 0 });
    expect(await responseCount()).toBe(before);
    // A retry mixed with new items: the first 10 items of the batch again unchanged (10 DUPLICATE),
    // the next 3 with the same client ids and another time (3 CONFLICT, nothing stored for them),
    // and 15 new items (15 created).
    const conflicting = batch.slice(10, 13).map((b) => ({ ...b, collectedAt: new Date(Date.parse(String(b.collectedAt)) - DAY).toISOString() }));
    const fresh = Array.from({ length: 15 }, item);
    expect(await submit([...batch.slice(0, 10), ...conflicting, ...fresh])).toMatchObject({ created: 15, duplicates: 10, conflicts: 3, rejected: 0 });
    submitted.push(...fresh);
    // Two batches at once (two transactions, whose rollup rows may share days and keys): 12 + 8 created.
    const [one, two] = [Array.from({ length: 12 }, item), Array.from({ length: 8 }, item)];
    const [r1, r2] = await Promise.all([submit(one), submit(two)]);
    expect([r1.created, r2.created]).toEqual([12, 8]);
    submitted.push(...one, ...two);
    // The whole first batch once more: all n DUPLICATE, nothing more stored.
    expect(await submit(batch)).toMatchObject({ created: 0, duplicates: batch.length });
    // One person answering five times in one batch, at times before, between and after their earlier answers
    // (experience_stays: each added row's next, and the row before each, from the rows around them).
    const onePerson = pick(customers);
    const around = Array.from({ length: 5 }, () => ({
      clientSubmissionId: `r-${counter++}`,
      surveyId: customerSurvey,
      stakeholderId: onePerson,
      touchpointId: pick(customerTouchpoints),
      collectedAt: new Date(START + Math.floor(rng.next() * 120 * DAY)).toISOString(),
      answers: [{ key: "nps", value: int(0, 10) }, { key: "rating", value: int(1, 5) }, { key: "effort", value: int(1, 7) }],
    }));
    expect(await submit(around)).toMatchObject({ created: 5 });
    submitted.push(...around);
    await expectExact();
    // Erasure: comments and free text go, figures stay.
    const forgotten = pick(customers);
    await app.ok(`mutation($id: ID!) { forgetStakeholder(id: $id) { id } }`, { id: forgotten });
    erased.add(forgotten);
    // Attributes change: the stakeholder's responses move between dimension values.
    await app.ok(`mutation($i: UpdateStakeholderInput!) { updateStakeholder(input: $i) { id } }`, { i: { id: pick(beneficiaries), region: pick(["East", "North", "West"]) } });
    // Corrections in SQL, one row and many per statement.
    await app.db.query(`UPDATE feedback_responses SET nps = (nps + 3) % 11 WHERE organization_id = $1 AND id IN (SELECT id FROM feedback_responses WHERE organization_id = $1 ORDER BY id LIMIT 5)`, [org.id]);
    await app.db.query(
      `UPDATE feedback_responses SET collected_at = collected_at - interval '1 day' * $2::int, touchpoint_id = NULL, stage_id = NULL, stage_impact_mode = NULL
        WHERE organization_id = $1 AND id = (SELECT id FROM feedback_responses WHERE organization_id = $1 ORDER BY md5(id::text || $2::text) LIMIT 1)`,
      [org.id, round + 1],
    );
    await app.db.query(`UPDATE feedback_answers SET value_number = 6 - value_number WHERE organization_id = $1 AND type = 'RATING' AND response_id IN (SELECT id FROM feedback_responses WHERE organization_id = $1 ORDER BY md5(id::text) LIMIT 7)`, [org.id]);
    await app.db.query(`UPDATE stakeholders SET gender = NULL, segment = 'moved' WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org.id, [pick(customers), pick(customers)]]);
    // A touchpoint moved to another stage of its lifecycle, its responses with it (they carry the
    // stage and whether it was IN_USE): they move between stage keys and in or out of IN_USE.
    const moved = pick(customerTouchpoints);
    const [target] = await app.db.query(
      `SELECT s2.id, s2.impact_mode FROM touchpoints t JOIN stages s1 ON s1.organization_id = t.organization_id AND s1.id = t.stage_id
         JOIN stages s2 ON s2.organization_id = s1.organization_id AND s2.lifecycle_id = s1.lifecycle_id AND s2.id <> s1.id
        WHERE t.organization_id = $1 AND t.id = $2 ORDER BY md5(s2.id::text || $3) LIMIT 1`,
      [org.id, moved, `m${round}`],
    );
    await app.db.query(`UPDATE touchpoints SET stage_id = $3 WHERE organization_id = $1 AND id = $2`, [org.id, moved, target.id]);
    await app.db.query(`UPDATE feedback_responses SET stage_id = $3, stage_impact_mode = $4 WHERE organization_id = $1 AND touchpoint_id = $2`, [
      org.id,
      moved,
      target.id,
      target.impact_mode,
    ]);
    // Deletions: some answers, then some responses (their answers go by cascade; their actions first).
    await app.db.query(`DELETE FROM feedback_answers WHERE organization_id = $1 AND response_id IN (SELECT id FROM feedback_responses WHERE organization_id = $1 ORDER BY md5(id::text || 'a') LIMIT 4) AND type = 'EFFORT'`, [org.id]);
    await app.db.query(
      `WITH gone AS (SELECT id FROM feedback_responses WHERE organization_id = $1 ORDER BY md5(id::text || $2) LIMIT 3),
            a AS (DELETE FROM actions WHERE organization_id = $1 AND response_id IN (SELECT id FROM gone))
       SELECT 1`,
      [org.id, `d${round}`],
    );
    await app.db.query(
      `DELETE FROM feedback_responses WHERE organization_id = $1 AND id IN (SELECT id FROM feedback_responses r WHERE organization_id = $1
          AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.organization_id = r.organization_id AND a.response_id = r.id) ORDER BY md5(id::text || $2) LIMIT 3)`,
      [org.id, `d${round}`],
    );
    // A bulk insert of copies in SQL, as a data load does (one statement per table).
    await app.db.query(
      `WITH src AS (SELECT * FROM feedback_responses WHERE organization_id = $1 ORDER BY md5(id::text || $2) LIMIT 10),
            m AS (SELECT id AS old, gen_random_uuid() AS new FROM src)
       INSERT INTO feedback_responses (organization_id, id, survey_id, survey_version_id, stakeholder_id, kind, touchpoint_id, stage_id, stage_impact_mode, collected_at, nps, client_submission_id, content_hash)
       SELECT s.organization_id, m.new, s.survey_id, s.survey_version_id, s.stakeholder_id, s.kind, s.touchpoint_id, s.stage_id, s.stage_impact_mode, s.collected_at + interval '5 hours', s.nps, 'copy-' || m.new, s.content_hash
         FROM src s JOIN m ON m.old = s.id`,
      [org.id, `c${round}`],
    );
    await app.db.query(
      `INSERT INTO feedback_answers (organization_id, response_id, question_id, type, value_number, value_text, value_bool)
       SELECT r.organization_id, r.id, q.id, q.type, CASE q.type WHEN 'RATING' THEN 1 + (abs(hashtext(r.id::text)) % 5) WHEN 'EFFORT' THEN 1 + (abs(hashtext(r.id::text)) % 7) END, NULL, NULL
         FROM feedback_responses r JOIN survey_questions q ON q.organization_id = r.organization_id AND q.survey_version_id = r.survey_version_id AND q.type IN ('RATING', 'EFFORT')
        WHERE r.organization_id = $1 AND r.client_submission_id LIKE 'copy-%'
          AND NOT EXISTS (SELECT 1 FROM feedback_answers a WHERE a.organization_id = r.organization_id AND a.response_id = r.id)`,
      [org.id],
    );
    await expectExact();
  }
  const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM feedback_daily WHERE organization_id = $1`, [org.id]);
  expect(n).toBeGreaterThan(0);
}, 600_000);

it("migrates down and up again: the backfill of a database full of responses gives the same rollups as the triggers", async () => {
  const rows = async () =>
    (await app.db.query(`SELECT 'daily' AS t, count(*)::int AS n FROM feedback_daily UNION ALL SELECT 'people', count(*)::int FROM feedback_daily_people UNION ALL SELECT 'keys', count(*)::int FROM feedback_daily_keys UNION ALL SELECT 'experience', count(*)::int FROM experience_stays`)) as { t: string; n: number }[];
  expect((await rows()).every((r) => r.n > 0)).toBe(true);
  const runner = app.db.createQueryRunner();
  try {
    // The keys rollup (a later migration) first, then the others; back in the same order.
    await new ExperienceStays1732861000000().down(runner);
    await new CellKeyPerturbation1732854000000().down(runner);
    await new FeedbackRollup1732830000000().down(runner);
    const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'feedback\\_daily%' AND relkind = 'r'`);
    expect(n).toBe(0);
    await new FeedbackRollup1732830000000().up(runner);
    await new CellKeyPerturbation1732854000000().up(runner);
    await new ExperienceStays1732861000000().up(runner);
  } finally {
    await runner.release();
  }
  // Every rollup row again, computed by feedback_rollup_rebuild from what the rounds above left.
  expect(await app.db.query(rollupDifferencesSql())).toEqual([]);
  expect(await app.db.query(experienceStaysDifferencesSql())).toEqual([]);
  expect((await rows()).every((r) => r.n > 0)).toBe(true);
  // And the triggers work again: one more batch through the API.
  expect((await submit(Array.from({ length: 5 }, item))).created).toBe(5);
  expect(await app.db.query(rollupDifferencesSql())).toEqual([]);
  expect(await app.db.query(experienceStaysDifferencesSql())).toEqual([]);
}, 600_000);
