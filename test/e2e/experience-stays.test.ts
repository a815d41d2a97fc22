import { startTestApp, TestApp } from "../helpers/app";
import { createOrg, createStakeholder, OrgFixture } from "../helpers/fixtures";
import { experienceStaysDifferencesSql } from "../helpers/rollup-check";

/**
 * experience_stays (migration 1732861000000) against the direct computation after write paths the
 * random rounds of feedback-rollup.test.ts may not reach: a response moved to another person in SQL,
 * answers written in a later statement or transaction than their response, ties on collected_at,
 * deleting a person's latest response, answers moved between responses, multi-statement
 * transactions, and concurrent submitFeedback batches for the same people.
 * After each step experienceStaysDifferencesSql() must return no rows.
 */

let app: TestApp;
let org: OrgFixture;
let survey: string;
let versionId: string;
const q: Record<string, string> = {}; // question key -> question UUID
const people: string[] = [];
let counter = 0;

async function exact(step: string): Promise<void> {
  const differences = await app.db.query(experienceStaysDifferencesSql());
  expect({ step, differences }).toEqual({ step, differences: [] });
}

async function submit(items: Record<string, unknown>[]): Promise<any> {
  const r = await app.gql<any>(
    `mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created duplicates conflicts rejected items { status errors { code field message } } } }`,
    {
      i: { organizationId: org.id, items },
    },
  );
  return r;
}

function item(
  person: string,
  at: string,
  answers: { key: string; value: unknown }[],
): Record<string, unknown> {
  return {
    clientSubmissionId: `x-${counter++}`,
    surveyId: survey,
    stakeholderId: person,
    collectedAt: at,
    answers,
  };
}

/** A response in SQL (no answers): returns its UUID. */
async function sqlResponse(
  person: string,
  at: string,
  nps: number | null,
  runner?: { query: (s: string, p?: unknown[]) => Promise<any> },
): Promise<string> {
  const db = runner ?? app.db;
  const [r] = await db.query(
    `INSERT INTO feedback_responses (organization_id, survey_id, survey_version_id, stakeholder_id, kind, collected_at, nps, client_submission_id, content_hash)
     VALUES ($1, $2, $3, $4, 'CUSTOMER', $5, $6, $7, repeat('0', 64)) RETURNING id`,
    [org.id, survey, versionId, person, at, nps, `sql-${counter++}`],
  );
  return r.id;
}

async function sqlAnswer(
  response: string,
  key: string,
  value: number,
  runner?: { query: (s: string, p?: unknown[]) => Promise<any> },
): Promise<void> {
  const db = runner ?? app.db;
  await db.query(
    `INSERT INTO feedback_answers (organization_id, response_id, question_id, type, value_number) VALUES ($1, $2, $3, (SELECT type FROM survey_questions WHERE organization_id = $1 AND id = $3), $4)`,
    [org.id, response, q[key], value],
  );
}

beforeAll(async () => {
  app = await startTestApp();
  org = await createOrg(app, "Stays check", "HYBRID");
  const r = await app.ok<any>(
    `mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`,
    {
      i: {
        organizationId: org.id,
        name: "Customers",
        audience: "CUSTOMER",
        questions: [
          { key: "nps", type: "NPS", text: "Recommend us?" },
          { key: "rating", type: "RATING", text: "How was it?" },
          { key: "rating2", type: "RATING", text: "And the service?" },
          { key: "effort", type: "EFFORT", text: "How easy was it?" },
        ],
      },
    },
  );
  survey = r.createSurvey.id;
  const [v] = await app.db.query(
    `SELECT id FROM survey_versions WHERE organization_id = $1 AND survey_id = $2 ORDER BY 1 LIMIT 1`,
    [org.id, survey],
  );
  versionId = v.id;
  for (const x of await app.db.query(
    `SELECT id, key FROM survey_questions WHERE organization_id = $1 AND survey_version_id = $2`,
    [org.id, versionId],
  ))
    q[x.key] = x.id;
  for (let i = 0; i < 8; i++)
    people.push(
      await createStakeholder(app, {
        organizationId: org.id,
        kind: "CUSTOMER",
        externalRef: `p-${i}`,
      }),
    );
}, 120_000);
afterAll(() => app.close());

it("stays exact through write paths outside the random rounds", async () => {
  const [a, b] = people;
  // A history for a and b through the API.
  const all = [
    { key: "nps", value: 5 },
    { key: "rating", value: 3 },
    { key: "effort", value: 4 },
  ];
  expect(
    (
      await submit([
        item(a, "2026-01-01T10:00:00Z", all),
        item(a, "2026-01-05T10:00:00Z", all),
        item(a, "2026-01-09T10:00:00Z", all),
        item(b, "2026-01-03T10:00:00Z", all),
        item(b, "2026-01-07T10:00:00Z", all),
      ])
    ).data.submitFeedback.created,
  ).toBe(5);
  await exact("API history");

  // 1. A response moved to another person (same kind) in SQL: both people's chains move.
  await app.db.query(
    `UPDATE feedback_responses SET stakeholder_id = $2 WHERE organization_id = $1 AND stakeholder_id = $3 AND collected_at = '2026-01-05T10:00:00Z'`,
    [org.id, b, a],
  );
  await exact("stakeholder_id moved a -> b");
  // And moved with another time in the same statement, two responses swapping people.
  await app.db.query(
    `UPDATE feedback_responses SET stakeholder_id = CASE stakeholder_id WHEN $2::uuid THEN $3::uuid ELSE $2::uuid END, collected_at = collected_at + interval '3 days'
      WHERE organization_id = $1 AND collected_at IN ('2026-01-01T10:00:00Z', '2026-01-03T10:00:00Z')`,
    [org.id, a, b],
  );
  await exact("two responses swap people and move in time");

  // 2. Answers added in a later statement than the response, and in a later transaction.
  const r1 = await sqlResponse(a, "2026-01-06T00:00:00Z", 9);
  await exact("SQL response with NPS, no answers");
  await sqlAnswer(r1, "rating", 5);
  await exact("its rating in a later statement");
  await sqlAnswer(r1, "rating2", 1);
  await exact("a second rating later still (the mean changes)");
  const r2 = await sqlResponse(a, "2026-01-02T00:00:00Z", null);
  await sqlAnswer(r2, "effort", 7);
  await exact("response without NPS, effort later");
  // In one transaction: the response, its time changed, then its answers, then one answer removed.
  const runner = app.db.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    const r3 = await sqlResponse(b, "2026-01-04T00:00:00Z", 2, runner);
    await runner.query(
      `UPDATE feedback_responses SET collected_at = '2026-01-20T00:00:00Z' WHERE organization_id = $1 AND id = $2`,
      [org.id, r3],
    );
    await sqlAnswer(r3, "rating", 2, runner);
    await sqlAnswer(r3, "effort", 3, runner);
    await runner.query(
      `DELETE FROM feedback_answers WHERE organization_id = $1 AND response_id = $2 AND type = 'EFFORT'`,
      [org.id, r3],
    );
    await runner.commitTransaction();
  } finally {
    await runner.release();
  }
  await exact("one transaction: insert, move, answers, delete an answer");

  // 3. Two responses with the same collected_at for one person (order by id), through the API and in SQL.
  const c = people[2];
  expect(
    (
      await submit([
        item(c, "2026-02-01T00:00:00Z", all),
        item(c, "2026-02-01T00:00:00Z", [
          { key: "nps", value: 10 },
          { key: "rating", value: 5 },
        ]),
        item(c, "2026-01-15T00:00:00Z", all),
      ])
    ).data.submitFeedback.created,
  ).toBe(3);
  await exact("ties on collected_at (API)");
  expect(
    (
      await submit([
        item(c, "2026-02-01T00:00:00Z", [
          { key: "nps", value: 0 },
          { key: "effort", value: 1 },
        ]),
      ])
    ).data.submitFeedback.created,
  ).toBe(1);
  await exact("a third tie added later");
  await app.db.query(
    `UPDATE feedback_responses SET collected_at = '2026-02-01T00:00:00Z' WHERE organization_id = $1 AND stakeholder_id = $2 AND collected_at = '2026-01-15T00:00:00Z'`,
    [org.id, c],
  );
  await exact("a fourth tie by UPDATE");

  // 4. Deleting the latest response (the one before is in force forever again), then all but one.
  await app.db.query(
    `DELETE FROM feedback_responses WHERE organization_id = $1 AND id = (SELECT id FROM feedback_responses WHERE organization_id = $1 AND stakeholder_id = $2 ORDER BY collected_at DESC, id DESC LIMIT 1)`,
    [org.id, a],
  );
  await exact("latest response of a deleted");
  await app.db.query(
    `DELETE FROM feedback_responses WHERE organization_id = $1 AND stakeholder_id = $2 AND id <> (SELECT id FROM feedback_responses WHERE organization_id = $1 AND stakeholder_id = $2 ORDER BY collected_at, id LIMIT 1)`,
    [org.id, c],
  );
  await exact("all but the first of c deleted");

  // 5. Answers moved between responses, and their type changed.
  const [from] = await app.db.query(
    `SELECT response_id FROM feedback_answers WHERE organization_id = $1 AND type = 'RATING' LIMIT 1`,
    [org.id],
  );
  await app.db.query(
    `UPDATE feedback_answers SET response_id = $3 WHERE organization_id = $1 AND response_id = $2 AND type = 'RATING'
       AND NOT EXISTS (SELECT 1 FROM feedback_answers x WHERE x.organization_id = $1 AND x.response_id = $3 AND x.question_id = feedback_answers.question_id)`,
    [org.id, from.response_id, r2],
  );
  await exact("rating answers moved to another response");
  await app.db.query(
    `UPDATE feedback_responses SET nps = NULL WHERE organization_id = $1 AND id = $2`,
    [org.id, r1],
  );
  await exact("NPS answer withdrawn");
  await app.db.query(
    `UPDATE feedback_answers SET value_number = NULL WHERE organization_id = $1 AND response_id = $2`,
    [org.id, r1],
  );
  await exact("ratings emptied");
});

it("stays exact under concurrent submitFeedback batches for the same people", async () => {
  const [, , , d, e, f] = people;
  const errors: unknown[] = [];
  for (let round = 0; round < 6; round++) {
    // The same person in both batches, at interleaved times.
    const one = Array.from({ length: 6 }, (_, i) =>
      item(
        d,
        `2026-03-${String(1 + 2 * i).padStart(2, "0")}T0${round}:00:00Z`,
        [
          { key: "nps", value: i },
          { key: "rating", value: 1 + (i % 5) },
        ],
      ),
    );
    const two = Array.from({ length: 6 }, (_, i) =>
      item(
        d,
        `2026-03-${String(2 + 2 * i).padStart(2, "0")}T0${round}:00:00Z`,
        [
          { key: "nps", value: 10 - i },
          { key: "effort", value: 1 + i },
        ],
      ),
    );
    const results = await Promise.all([submit(one), submit(two)]);
    for (const r of results) if (r.errors) errors.push(r.errors);
    expect(results.map((r) => r.data?.submitFeedback?.created)).toEqual([6, 6]);
    await exact(`concurrent round ${round} (same person)`);
  }
  expect(errors).toEqual([]);
});

/**
 * Two batches at once, 8 rounds: batch A has e's NPS answer and f's rating, batch B the reverse, each with
 * an extra person's NPS answers (60 items each). `ratingWithNps`: the rating items carry an NPS answer too.
 * Answers the errors seen and checks the table after each round.
 */
async function crossBatches(month: string, label: string, ratingWithNps: boolean): Promise<{ errors: unknown[]; created: (number | undefined)[][] }> {
  const [, , , , e, f] = people;
  const extra = people.slice(6);
  const errors: unknown[] = [];
  const created: (number | undefined)[][] = [];
  const rated = (value: number) => [...(ratingWithNps ? [{ key: "nps", value: 5 }] : []), { key: "rating", value }];
  for (let round = 0; round < 8; round++) {
    const at = (day: number, i: number) => `2026-${month}-${String(day).padStart(2, "0")}T${String(i).padStart(2, "0")}:${String(round).padStart(2, "0")}:00Z`;
    const batchA: Record<string, unknown>[] = [];
    const batchB: Record<string, unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      batchA.push(item(e, at(1 + round, i), [{ key: "nps", value: 7 }]), item(f, at(1 + round, i), rated(2)), item(extra[0], at(1 + round, i), [{ key: "nps", value: 1 }]));
      batchB.push(item(f, at(10 + round, i), [{ key: "nps", value: 3 }]), item(e, at(10 + round, i), rated(4)), item(extra[1], at(10 + round, i), [{ key: "nps", value: 1 }]));
    }
    const results = await Promise.all([submit(batchA), submit(batchB)]);
    for (const r of results) if (r.errors) errors.push(r.errors.map((x: any) => ({ code: x.extensions?.code, message: x.message })));
    created.push(results.map((r) => r.data?.submitFeedback?.created));
    await exact(`${label} round ${round}`);
  }
  return { errors, created };
}

it("concurrent batches whose people have an NPS answer in one and only a rating in the other do not deadlock", async () => {
  // Every person of a statement is locked by the responses' trigger, before the answers' trigger runs: had only
  // the people with an NPS answer been locked there, A would hold e and want f, and B hold f and want e.
  const { errors, created } = await crossBatches("04", "cross", false);
  // The server's log says why (a deadlock detected by PostgreSQL, 40P01, when this fails).
  const why = app.logged.filter((l) => JSON.stringify(l).includes("deadlock")).map((l) => JSON.stringify(l).slice(0, 400));
  expect({ errors, why }).toEqual({ errors: [], why: [] });
  expect(created).toEqual(Array.from({ length: 8 }, () => [60, 60]));
}, 300_000);

it("control: the same batches with an NPS answer for everybody (every person locked by the first trigger) run concurrently without error", async () => {
  const { errors } = await crossBatches("05", "control", true);
  expect(errors).toEqual([]);
}, 300_000);
