import { idOf, startTestApp, TestApp } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";

/**
 * Nested lists resolve through per-request DataLoaders: listing 100 stakeholders
 * with their current stage, lifecycle (and its stages) and journey runs the same
 * number of SQL statements as listing 10. Replacing any loader with a per-row
 * query makes the two counts differ.
 */
describe("SQL statements per nested query", () => {
  let app: TestApp;
  let org: OrgFixture;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Count Org");
    const s = org.customerStages;
    // 120 customers, each Need -> Research -> Purchase, inserted directly (the API path is tested elsewhere).
    await app.db.query(
      `WITH made AS (
         INSERT INTO stakeholders (organization_id, kind, external_ref, current_stage_id, current_stage_entered_at, created_at)
         SELECT $1, 'CUSTOMER', 'Q-' || g, $4, timestamptz '2026-01-03' , timestamptz '2026-01-01' + g * interval '1 second'
           FROM generate_series(1, 120) g
         RETURNING id
       )
       INSERT INTO stage_transitions (organization_id, stakeholder_id, kind, from_stage_id, to_stage_id, occurred_at)
       SELECT $1, made.id, 'CUSTOMER', step.f, step.t, step.at
         FROM made, (VALUES (NULL::uuid, $2::uuid, timestamptz '2026-01-01'), ($2, $3::uuid, timestamptz '2026-01-02'), ($3, $4::uuid, timestamptz '2026-01-03')) AS step(f, t, at)`,
      [org.id, s.Need, s.Research, s.Purchase],
    );
  });
  afterAll(() => app.close());

  const QUERY = `query($org: ID!, $first: Int!) {
    stakeholders(organizationId: $org, first: $first) {
      totalCount
      edges { node {
        externalRef
        currentStage { name position lifecycle { name } }
        lifecycle { kind stages { name } }
        journey(first: 10) { totalCount edges { node { occurredAt fromStage { name } toStage { name } } } }
        interactions { totalCount }
      } }
    }
  }`;

  async function statementsFor(first: number): Promise<{ count: number; statements: string[]; data: any }> {
    app.counter.reset();
    app.counter.record = true;
    const data = await app.ok<any>(QUERY, { org: org.id, first });
    app.counter.record = false;
    // Authentication reads the key (and, once a minute, notes its last use): not part of the query.
    const statements = app.counter.statements.filter((sql) => !/\bapi_keys\b/.test(sql));
    return { count: statements.length, statements, data };
  }

  it("runs as many statements for 100 stakeholders as for 10", async () => {
    const ten = await statementsFor(10);
    const hundred = await statementsFor(100);
    expect(ten.data.stakeholders.edges).toHaveLength(10);
    expect(hundred.data.stakeholders.edges).toHaveLength(100);
    expect(hundred.data.stakeholders.edges[99].node).toMatchObject({
      externalRef: "Q-100",
      currentStage: { name: "Purchase", position: 2, lifecycle: { name: "Customer lifecycle" } },
      lifecycle: { kind: "CUSTOMER" },
      journey: { totalCount: 3 },
      interactions: { totalCount: 0 },
    });
    expect(hundred.data.stakeholders.edges[99].node.journey.edges.map((e: any) => e.node.toStage.name)).toEqual(["Need", "Research", "Purchase"]);
    expect(hundred.count).toBe(ten.count);
    // And the number is small: the request's transaction (begin with its settings in one round
    // trip, commit) = 2, then one batch per kind of data: the page and its count; every stage of
    // the organization (current stages, and the journeys' from/to stages from the same rows);
    // the current stages' lifecycles; the organization's lifecycles; their stages; journey pages
    // and counts; interaction pages and counts = 10. In all 12.
    expect(hundred.count).toBe(12);
  });

  /**
   * The list pages of the benchmark (issue 10), counted with everything the request runs,
   * the key's authentication included: at most 6 statements, whatever the page size.
   */
  async function allStatementsFor(query: string, variables: Record<string, unknown>): Promise<{ statements: string[]; data: any }> {
    app.counter.reset();
    app.counter.record = true;
    const data = await app.ok<any>(query, variables);
    app.counter.record = false;
    // Only the once-a-minute note of the key's last use is left out (it depends on the clock).
    return { statements: app.counter.statements.filter((sql) => !/^UPDATE api_keys SET last_used_at/.test(sql)), data };
  }

  const STAKEHOLDER_PAGE = `query($org: ID!, $first: Int!) {
    stakeholders(organizationId: $org, first: $first) {
      pageInfo { hasNextPage endCursor }
      edges { node { id externalRef kind createdAt currentStage { id name position } journey(first: 5) { edges { node { id occurredAt toStage { id name } } } } } }
    }
  }`;

  it("lists stakeholders with their current stage and journey in 6 statements, transaction and authentication included", async () => {
    const ten = await allStatementsFor(STAKEHOLDER_PAGE, { org: org.id, first: 10 });
    const hundred = await allStatementsFor(STAKEHOLDER_PAGE, { org: org.id, first: 100 });
    expect(ten.data.stakeholders.edges).toHaveLength(10);
    expect(hundred.data.stakeholders.edges).toHaveLength(100);
    // Customer 100 was created at 2026-01-01 + 100 s and moved Need (01-01) -> Research (01-02) -> Purchase (01-03).
    expect(hundred.data.stakeholders.edges[99].node).toMatchObject({
      externalRef: "Q-100",
      createdAt: "2026-01-01T00:01:40.000Z",
      currentStage: { name: "Purchase", position: 2 },
      journey: {
        edges: [
          { node: { occurredAt: "2026-01-01T00:00:00.000Z", toStage: { name: "Need" } } },
          { node: { occurredAt: "2026-01-02T00:00:00.000Z", toStage: { name: "Research" } } },
          { node: { occurredAt: "2026-01-03T00:00:00.000Z", toStage: { name: "Purchase" } } },
        ],
      },
    });
    // The key (1); BEGIN with the caller's settings, one round trip (2); the page (3); every stage
    // of the organization, for current and journey stages alike (4); the journeys' first five
    // entries of all 100 stakeholders (5); COMMIT (6).
    expect(hundred.statements).toHaveLength(6);
    expect(ten.statements).toHaveLength(6);
    expect(hundred.statements[0]).toMatch(/\bapi_keys\b/);
    expect(hundred.statements[1]).toMatch(/^BEGIN; SELECT set_config\('role'/);
    expect(hundred.statements[5]).toBe("COMMIT");
  });

  it("lists feedback responses with their answers in 5 statements, transaction and authentication included", async () => {
    const survey = (
      await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
        i: {
          organizationId: org.id,
          name: "Counted survey",
          audience: "CUSTOMER",
          questions: [
            { key: "nps", type: "NPS", text: "Recommend us?", required: true },
            { key: "fit", type: "RATING", text: "How well does it fit?" },
            { key: "dry", type: "YES_NO", text: "Dry feet?" },
          ],
        },
      })
    ).createSurvey.id;
    const customers: { id: string }[] = await app.db.query(`SELECT id FROM stakeholders WHERE organization_id = $1 ORDER BY created_at LIMIT 120`, [org.id]);
    const submitted = await app.ok<any>(`mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created } }`, {
      i: {
        organizationId: org.id,
        items: customers.map((c, n) => ({
          clientSubmissionId: `count-${n}`,
          surveyId: survey,
          stakeholderId: idOf("Stakeholder", org.id, c.id),
          // Response n was collected n minutes after 2026-02-01.
          collectedAt: new Date(Date.UTC(2026, 1, 1, 0, n)).toISOString(),
          answers: [
            { key: "nps", value: n % 11 },
            { key: "fit", value: 1 + (n % 5) },
            { key: "dry", value: n % 2 === 0 },
          ],
        })),
      },
    });
    expect(submitted.submitFeedback.created).toBe(120);
    const PAGE = `query($org: ID!, $first: Int!) {
      feedbackResponses(organizationId: $org, first: $first) {
        pageInfo { hasNextPage endCursor }
        edges { node { id collectedAt nps answers { question { key type } value } } }
      }
    }`;
    const ten = await allStatementsFor(PAGE, { org: org.id, first: 10 });
    const hundred = await allStatementsFor(PAGE, { org: org.id, first: 100 });
    expect(ten.data.feedbackResponses.edges).toHaveLength(10);
    expect(hundred.data.feedbackResponses.edges).toHaveLength(100);
    // Newest first: the first is response 119 (2026-02-01 01:59), nps 119 % 11 = 9, fit 1 + 119 % 5 = 5, dry: 119 is odd.
    expect(hundred.data.feedbackResponses.edges[0].node).toMatchObject({
      collectedAt: "2026-02-01T01:59:00.000Z",
      nps: 9,
      answers: [
        { question: { key: "nps", type: "NPS" }, value: 9 },
        { question: { key: "fit", type: "RATING" }, value: 5 },
        { question: { key: "dry", type: "YES_NO" }, value: false },
      ],
    });
    // The key; BEGIN with the settings; the page; the answers with their questions; COMMIT.
    expect(hundred.statements).toHaveLength(5);
    expect(ten.statements).toHaveLength(5);
  });
});
